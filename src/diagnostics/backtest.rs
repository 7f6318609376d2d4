//! Backtests. Time data: rolling origin, the last 20% of dates (the usual holdout) cut into
//! `folds` windows; each fold trains a fresh model on every date before its window (the rows
//! after the window are dropped, so nothing from the future is seen) and is scored on the
//! window beside the naive baselines, as the holdout diagnostics do. Unit data (no dates):
//! k-fold cross-validation, each fold's rows held out of its own model.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::holdout::{MetricRow, holdout_report};
use crate::data::controls::row_dates;
use crate::data::frame::take_rows;
use crate::data::{Inspection, RoleOverrides, Table};
use crate::model::split::CvFold;
use crate::model::split::HOLDOUT_SHARE;
use crate::model::{DeviceChoice, EpochReport, ModelError, TrainConfig, start_training};

/// Folds when the caller does not say.
pub const DEFAULT_FOLDS: usize = 4;

/// Why a backtest could not run.
#[derive(Debug, Error)]
pub enum BacktestError {
    #[error("{dates} distinct dates are too few for {folds} folds")]
    TooFewDates { dates: usize, folds: usize },
    #[error("{rows} rows are too few for {folds}-fold cross-validation")]
    TooFewRows { rows: usize, folds: usize },
    #[error("the data is not usable: fix the mapping first")]
    NotUsable,
    #[error("fold {fold}: {message}")]
    Fold { fold: usize, message: String },
    #[error("the backtest was cancelled")]
    Cancelled,
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The backtest's folds and a summary per outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// "rolling origin" (time data) or "k-fold cross-validation" (unit data).
    pub method: String,
    /// Rolling origin: distinct dates per window.
    pub window_dates: Option<usize>,
    pub folds: Vec<Fold>,
    /// Per outcome, the main measure averaged over folds and a verdict.
    pub summary: Vec<OutcomeSummary>,
}

/// One fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    /// The rows scored, in words.
    pub window: String,
    /// Rolling origin: the dates of the window and of the training.
    pub dates: Option<FoldDates>,
    pub training_rows: usize,
    pub scored_rows: usize,
    /// Per outcome, every measure beside the baselines.
    pub outcomes: OutcomeScores,
    /// Caveats of the fold's figures (RMSPE rows skipped because the actual is 0).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The dates of a rolling-origin fold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldDates {
    /// The window scored: dates from `cut_off` to `last_scored` (inclusive).
    pub cut_off: NaiveDate,
    pub last_scored: NaiveDate,
    /// The latest date any training or early-stopping row has (always before `cut_off`).
    pub last_trained: NaiveDate,
}

/// One outcome over all folds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeSummary {
    pub outcome: String,
    pub metric: String,
    pub model: f64,
    pub naive_lever_mean: f64,
    /// Time data only.
    pub seasonal_naive: Option<f64>,
    /// The model is at least as good as every baseline on the measure.
    #[serde(default)]
    pub beats_baselines: bool,
    pub verdict: String,
}

/// Runs the backtest on `inspection`'s data with `config`: rolling origin when the data has
/// dates (the holdout date is set per fold), else k-fold cross-validation over the rows.
pub fn backtest(
    inspection: &Inspection,
    config: &TrainConfig,
    folds: usize,
    device: DeviceChoice,
    progress: impl FnMut(String),
) -> Result<BacktestReport, BacktestError> {
    backtest_until(inspection, config, folds, device, progress, &|| false)
}

/// As `backtest`, checking `stop` before each fold: a workbench Cancel ends it there.
pub fn backtest_until(
    inspection: &Inspection,
    config: &TrainConfig,
    folds: usize,
    device: DeviceChoice,
    progress: impl FnMut(String),
    stop: &dyn Fn() -> bool,
) -> Result<BacktestReport, BacktestError> {
    let schema = inspection
        .validation
        .schema
        .as_ref()
        .ok_or(BacktestError::NotUsable)?;
    match row_dates(&inspection.table.frame, schema) {
        Some(dates) => rolling_origin(inspection, &dates, config, folds, device, progress, stop),
        None => cross_validation(inspection, config, folds, device, progress, stop),
    }
}

/// Per outcome, every measure beside the baselines.
type OutcomeScores = Vec<(String, Vec<MetricRow>)>;

/// What one fold's model scored.
struct FoldScores {
    split: crate::model::split::Split,
    outcomes: OutcomeScores,
    notes: Vec<String>,
}

/// Trains one fold's model and scores the rows it held out.
fn train_and_score(
    inspection: &Inspection,
    config: TrainConfig,
    device: DeviceChoice,
    fold: usize,
) -> Result<FoldScores, BacktestError> {
    let fail = |message: String| BacktestError::Fold {
        fold: fold + 1,
        message,
    };
    let model = start_training(inspection, config, device, None)?
        .wait(|_: EpochReport| {})
        .map_err(|e| fail(e.to_string()))??;
    let frame = &inspection.table.frame;
    let split = crate::model::split_of(frame, &model.meta.schema, &model.meta.config)?;
    let report = holdout_report(&model, frame)?;
    let notes = report
        .outcomes
        .iter()
        .flat_map(|o| o.notes.iter().map(move |n| format!("{}: {n}", o.outcome)))
        .collect();
    let outcomes = report
        .outcomes
        .into_iter()
        .map(|o| (o.outcome, o.scores))
        .collect();
    Ok(FoldScores {
        split,
        outcomes,
        notes,
    })
}

fn rolling_origin(
    inspection: &Inspection,
    dates: &[Option<NaiveDate>],
    config: &TrainConfig,
    folds: usize,
    device: DeviceChoice,
    mut progress: impl FnMut(String),
    stop: &dyn Fn() -> bool,
) -> Result<BacktestReport, BacktestError> {
    let frame = &inspection.table.frame;
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
        if stop() {
            return Err(BacktestError::Cancelled);
        }
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
            final_fit: false,
            ..config.clone()
        };
        let FoldScores {
            split,
            outcomes,
            notes,
        } = train_and_score(&fold_inspection, fold_config, device, fold)?;
        let fold_dates: Vec<Option<NaiveDate>> = keep.iter().map(|&r| dates[r]).collect();
        let last_trained = split
            .train
            .iter()
            .chain(&split.validation)
            .filter_map(|&r| fold_dates[r])
            .max()
            .unwrap_or(cut_off);
        results.push(Fold {
            window: format!("dates {cut_off} to {last_scored}"),
            dates: Some(FoldDates {
                cut_off,
                last_scored,
                last_trained,
            }),
            training_rows: split.train.len() + split.validation.len(),
            scored_rows: split.holdout.len(),
            outcomes,
            notes,
        });
    }
    let summary = summarise(&results);
    Ok(BacktestReport {
        method: "rolling origin".into(),
        window_dates: Some(window),
        folds: results,
        summary,
    })
}

/// k-fold cross-validation for data without dates: fold f holds out the rows with
/// i % k == f, trains on the others, and scores the held-out rows beside the baselines.
fn cross_validation(
    inspection: &Inspection,
    config: &TrainConfig,
    folds: usize,
    device: DeviceChoice,
    mut progress: impl FnMut(String),
    stop: &dyn Fn() -> bool,
) -> Result<BacktestReport, BacktestError> {
    let rows = inspection.table.frame.height();
    let folds = folds.max(2);
    if rows < folds * 10 {
        return Err(BacktestError::TooFewRows { rows, folds });
    }
    let mut results = Vec::new();
    for fold in 0..folds {
        if stop() {
            return Err(BacktestError::Cancelled);
        }
        progress(format!(
            "fold {} of {folds}: training on the other folds, scoring rows with i % {folds} == {fold}",
            fold + 1
        ));
        let fold_config = TrainConfig {
            cv_fold: Some(CvFold { fold, folds }),
            final_fit: false,
            ..config.clone()
        };
        let FoldScores {
            split,
            outcomes,
            notes,
        } = train_and_score(inspection, fold_config, device, fold)?;
        results.push(Fold {
            window: format!("rows with i % {folds} == {fold}"),
            dates: None,
            training_rows: split.train.len() + split.validation.len(),
            scored_rows: split.holdout.len(),
            outcomes,
            notes,
        });
    }
    let summary = summarise(&results);
    Ok(BacktestReport {
        method: "k-fold cross-validation".into(),
        window_dates: None,
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
                seasonal_naive: main
                    .seasonal_naive
                    .map(|_| mean(&|r| r.seasonal_naive.unwrap_or(f64::NAN))),
            };
            let beats = row.beats_baselines();
            let baselines = if row.seasonal_naive.is_some() {
                "both naive baselines"
            } else {
                "the naive baseline (mean per lever value)"
            };
            let verdict = if beats {
                format!(
                    "{outcome}: over {} folds the model beats {baselines} on {}.",
                    folds.len(),
                    row.metric
                )
            } else {
                format!(
                    "{outcome}: over {} folds the model does NOT beat {baselines} on {}.",
                    folds.len(),
                    row.metric
                )
            };
            Some(OutcomeSummary {
                outcome: outcome.clone(),
                metric: row.metric,
                model: row.model,
                naive_lever_mean: row.naive_lever_mean,
                seasonal_naive: row.seasonal_naive,
                beats_baselines: beats,
                verdict,
            })
        })
        .collect()
}
