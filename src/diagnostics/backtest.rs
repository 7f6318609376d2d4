//! Rolling-origin backtest for time data: the last 20% of dates (the usual holdout) is cut
//! into `folds` windows; each fold trains a fresh model on every date before its window (the
//! rows after the window are dropped, so nothing from the future is seen) and is scored on the
//! window beside the naive baselines, as the holdout diagnostics do.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::holdout::{MetricRow, holdout_report};
use crate::data::controls::row_dates;
use crate::data::frame::take_rows;
use crate::data::{Inspection, RoleOverrides, Table};
use crate::model::split::HOLDOUT_SHARE;
use crate::model::{DeviceChoice, EpochReport, ModelError, TrainConfig, start_training};

/// Folds when the caller does not say.
pub const DEFAULT_FOLDS: usize = 4;

/// Why a backtest could not run.
#[derive(Debug, Error)]
pub enum BacktestError {
    #[error(
        "the rolling-origin backtest needs time data (a date column); map one in the roles, or use the holdout diagnostics (liftcast diagnose)"
    )]
    NoTime,
    #[error("{dates} distinct dates are too few for {folds} folds")]
    TooFewDates { dates: usize, folds: usize },
    #[error("the data is not usable: fix the mapping first")]
    NotUsable,
    #[error("fold {fold}: {message}")]
    Fold { fold: usize, message: String },
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The backtest's folds and a summary per outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// Distinct dates per window.
    pub window_dates: usize,
    pub folds: Vec<Fold>,
    /// Per outcome, the main measure averaged over folds and a verdict.
    pub summary: Vec<OutcomeSummary>,
}

/// One fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    /// The window scored: dates from `cut_off` to `last_scored` (inclusive).
    pub cut_off: NaiveDate,
    pub last_scored: NaiveDate,
    /// The latest date any training or early-stopping row has (always before `cut_off`).
    pub last_trained: NaiveDate,
    pub training_rows: usize,
    pub scored_rows: usize,
    /// Per outcome, every measure beside the baselines.
    pub outcomes: Vec<(String, Vec<MetricRow>)>,
}

/// One outcome over all folds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeSummary {
    pub outcome: String,
    pub metric: String,
    pub model: f64,
    pub naive_lever_mean: f64,
    pub seasonal_naive: f64,
    pub verdict: String,
}

/// Runs the backtest on `inspection`'s data with `config` (its holdout date is set per fold).
pub fn backtest(
    inspection: &Inspection,
    config: &TrainConfig,
    folds: usize,
    device: DeviceChoice,
    mut progress: impl FnMut(String),
) -> Result<BacktestReport, BacktestError> {
    let schema = inspection
        .validation
        .schema
        .as_ref()
        .ok_or(BacktestError::NotUsable)?;
    let frame = &inspection.table.frame;
    let dates = row_dates(frame, schema).ok_or(BacktestError::NoTime)?;
    let mut distinct: Vec<NaiveDate> = dates.iter().flatten().copied().collect();
    distinct.sort();
    distinct.dedup();
    let folds = folds.max(1);
    let holdout_dates = (distinct.len() as f64 * HOLDOUT_SHARE).round() as usize;
    let window = holdout_dates / folds;
    if window == 0 || holdout_dates >= distinct.len() {
        return Err(BacktestError::TooFewDates {
            dates: distinct.len(),
            folds,
        });
    }
    let first_scored = distinct.len() - window * folds;
    let mut results = Vec::new();
    for fold in 0..folds {
        let start = first_scored + fold * window;
        let cut_off = distinct[start];
        let last_scored = distinct[start + window - 1];
        progress(format!(
            "fold {} of {folds}: training on dates before {cut_off}, scoring {cut_off} to {last_scored}",
            fold + 1
        ));
        // Rows after the window never enter the fold: not for training, not for scoring.
        let keep: Vec<usize> = (0..frame.height())
            .filter(|&r| dates[r].is_some_and(|d| d <= last_scored))
            .collect();
        let fail = |message: String| BacktestError::Fold {
            fold: fold + 1,
            message,
        };
        let subset = take_rows(frame, &keep).map_err(|e| fail(e.to_string()))?;
        let table = Table {
            frame: subset,
            source: inspection.table.source.clone(),
            warnings: Vec::new(),
        };
        let fold_inspection = Inspection::new(
            table,
            Some(inspection.mapping.clone()),
            &RoleOverrides::default(),
        )
        .map_err(|e| fail(e.to_string()))?;
        let fold_config = TrainConfig {
            holdout_from: Some(cut_off.to_string()),
            ..config.clone()
        };
        let model = start_training(&fold_inspection, fold_config, device, None)?
            .wait(|_: EpochReport| {})
            .map_err(|e| fail(e.to_string()))??;
        let fold_frame = &fold_inspection.table.frame;
        let split = crate::model::split_of(fold_frame, schema, &model.meta.config)?;
        let fold_dates = row_dates(fold_frame, schema).unwrap_or_default();
        let last_trained = split
            .train
            .iter()
            .chain(&split.validation)
            .filter_map(|&r| fold_dates[r])
            .max()
            .unwrap_or(cut_off);
        let report = holdout_report(&model, fold_frame)?;
        results.push(Fold {
            cut_off,
            last_scored,
            last_trained,
            training_rows: split.train.len() + split.validation.len(),
            scored_rows: split.holdout.len(),
            outcomes: report
                .outcomes
                .into_iter()
                .map(|o| (o.outcome, o.scores))
                .collect(),
        });
    }
    let summary = summarise(&results);
    Ok(BacktestReport {
        window_dates: window,
        folds: results,
        summary,
    })
}

/// The main measure (the first of each outcome's rows) averaged over folds.
fn summarise(folds: &[Fold]) -> Vec<OutcomeSummary> {
    let Some(first) = folds.first() else {
        return Vec::new();
    };
    first
        .outcomes
        .iter()
        .enumerate()
        .filter_map(|(j, (outcome, rows))| {
            let main = rows.first()?;
            let mean = |pick: &dyn Fn(&MetricRow) -> f64| {
                folds
                    .iter()
                    .filter_map(|f| f.outcomes.get(j).and_then(|(_, r)| r.first()).map(pick))
                    .sum::<f64>()
                    / folds.len() as f64
            };
            let row = MetricRow {
                metric: main.metric.clone(),
                higher_is_better: main.higher_is_better,
                model: mean(&|r| r.model),
                naive_lever_mean: mean(&|r| r.naive_lever_mean),
                seasonal_naive: Some(mean(&|r| r.seasonal_naive.unwrap_or(f64::NAN))),
            };
            let seasonal = row.seasonal_naive.unwrap_or(f64::NAN);
            let beats = row.model_beats(row.naive_lever_mean) && row.model_beats(seasonal);
            let verdict = if beats {
                format!(
                    "{outcome}: over {} folds the model beats both naive baselines on {}.",
                    folds.len(),
                    row.metric
                )
            } else {
                format!(
                    "{outcome}: over {} folds the model does NOT beat both naive baselines on {}.",
                    folds.len(),
                    row.metric
                )
            };
            Some(OutcomeSummary {
                outcome: outcome.clone(),
                metric: row.metric,
                model: row.model,
                naive_lever_mean: row.naive_lever_mean,
                seasonal_naive: seasonal,
                verdict,
            })
        })
        .collect()
}
