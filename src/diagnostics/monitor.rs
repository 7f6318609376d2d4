//! Is the model still right? Newer data scored with the saved model: predicted against actual
//! over the new period, the population shift of every input (PSI against the training data,
//! with the usual 0.1 / 0.25 thresholds), and a plain recommendation: keep, watch or retrain.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::metrics;
use crate::data::column;
use crate::data::controls::row_dates;
use crate::model::{ForecastModel, ModelError};

/// PSI below this: no meaningful shift.
pub const PSI_WATCH: f64 = 0.1;
/// PSI at or above this: a major shift.
pub const PSI_RETRAIN: f64 = 0.25;
/// A numeric input with more distinct values than this is binned by training deciles.
const MAX_CATEGORIES: usize = 12;
/// Floor of a bin's share, so an empty bin does not make the PSI infinite.
const SHARE_FLOOR: f64 = 1e-4;

/// What to do with the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    Keep,
    Watch,
    Retrain,
}

/// The monitoring report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonitorReport {
    pub rows: usize,
    pub outcomes: Vec<OutcomeCheck>,
    /// Every input's shift, largest first.
    pub shifts: Vec<FeatureShift>,
    pub recommendation: Recommendation,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// One outcome on the new data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeCheck {
    pub outcome: String,
    pub actual_total: f64,
    pub predicted_total: f64,
    /// 80% interval of the predicted total.
    pub predicted_80: (f64, f64),
    /// WAPE on the new rows.
    pub wape: f64,
    /// Time data: per date, (date, actual, predicted, 80% low, 80% high).
    pub by_date: Vec<(NaiveDate, f64, f64, f64, f64)>,
}

/// One input's population shift.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureShift {
    pub feature: String,
    pub psi: f64,
    /// `stable`, `moderate` or `major`.
    pub level: String,
}

/// Scores `newer` with the model and compares its inputs with `training`.
pub fn monitor(
    model: &ForecastModel,
    training: &DataFrame,
    newer: &DataFrame,
) -> Result<MonitorReport, ModelError> {
    let schema = &model.meta.schema;
    let forecast = model.forecast(newer, &[])?;
    let dates = row_dates(newer, schema);
    let mut outcomes = Vec::new();
    for (summary, rows) in forecast.outcomes.iter().zip(&forecast.rows) {
        let actual = column::numbers(newer, &summary.outcome).unwrap_or_default();
        let known: Vec<usize> = (0..actual.len())
            .filter(|&r| actual[r].is_some_and(f64::is_finite))
            .collect();
        let truth: Vec<f64> = known.iter().filter_map(|&r| actual[r]).collect();
        let predicted: Vec<f64> = known.iter().map(|&r| rows.scenario[r]).collect();
        let by_date = dates
            .as_deref()
            .map(|dates| daily(dates, &known, &truth, rows))
            .unwrap_or_default();
        outcomes.push(OutcomeCheck {
            outcome: summary.outcome.clone(),
            actual_total: truth.iter().sum(),
            predicted_total: summary.scenario_total,
            predicted_80: (summary.scenario_low, summary.scenario_high),
            wape: metrics::wape(&predicted, &truth),
            by_date,
        });
    }
    let mut features: Vec<String> = schema.dimensions.clone();
    features.extend(schema.levers.iter().map(|l| l.column.clone()));
    features.extend(schema.covariates.iter().cloned());
    features.extend(schema.exposure.iter().cloned());
    let mut shifts: Vec<FeatureShift> = features
        .iter()
        .filter_map(|feature| {
            let psi = feature_psi(training, newer, feature)?;
            Some(FeatureShift {
                feature: feature.clone(),
                psi,
                level: if psi >= PSI_RETRAIN {
                    "major"
                } else if psi >= PSI_WATCH {
                    "moderate"
                } else {
                    "stable"
                }
                .into(),
            })
        })
        .collect();
    shifts.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    let (recommendation, reasons) = recommend(&outcomes, &shifts);
    Ok(MonitorReport {
        rows: newer.height(),
        outcomes,
        shifts,
        recommendation,
        reasons,
    })
}

/// Per-date totals with an 80% band from the rows' intervals (independent rows: widths add in
/// quadrature).
fn daily(
    dates: &[Option<NaiveDate>],
    known: &[usize],
    truth: &[f64],
    rows: &crate::model::forecast::RowPredictions,
) -> Vec<(NaiveDate, f64, f64, f64, f64)> {
    let mut days: BTreeMap<NaiveDate, (f64, f64, f64)> = BTreeMap::new();
    for (&row, y) in known.iter().zip(truth) {
        let Some(date) = dates.get(row).copied().flatten() else {
            continue;
        };
        let half = (rows.scenario_high[row] - rows.scenario_low[row]) / 2.0;
        let entry = days.entry(date).or_default();
        entry.0 += y;
        entry.1 += rows.scenario[row];
        entry.2 += half * half;
    }
    days.into_iter()
        .map(|(date, (actual, predicted, variance))| {
            let half = variance.sqrt();
            (
                date,
                actual,
                predicted,
                (predicted - half).max(0.0),
                predicted + half,
            )
        })
        .collect()
}

/// Keep, watch or retrain, with the reasons.
fn recommend(outcomes: &[OutcomeCheck], shifts: &[FeatureShift]) -> (Recommendation, Vec<String>) {
    let mut recommendation = Recommendation::Keep;
    let mut reasons = Vec::new();
    for shift in shifts {
        if shift.psi >= PSI_RETRAIN {
            recommendation = Recommendation::Retrain;
            reasons.push(format!(
                "{} has shifted a lot (PSI {:.2} ≥ {PSI_RETRAIN}): the model has not seen data like this.",
                shift.feature, shift.psi
            ));
        } else if shift.psi >= PSI_WATCH {
            if recommendation == Recommendation::Keep {
                recommendation = Recommendation::Watch;
            }
            reasons.push(format!(
                "{} has shifted somewhat (PSI {:.2} ≥ {PSI_WATCH}).",
                shift.feature, shift.psi
            ));
        }
    }
    for check in outcomes {
        let (low, high) = check.predicted_80;
        if check.actual_total < low || check.actual_total > high {
            if recommendation == Recommendation::Keep {
                recommendation = Recommendation::Watch;
            }
            reasons.push(format!(
                "{}: the actual total {:.1} lies outside the predicted 80% interval {:.1} to {:.1}.",
                check.outcome, check.actual_total, low, high
            ));
        }
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "No input shifted (every PSI < {PSI_WATCH}) and every actual total lies inside its 80% interval."
        ));
    }
    (recommendation, reasons)
}

/// The PSI of one column between the training and the newer rows; `None` when the column is
/// missing from either.
fn feature_psi(training: &DataFrame, newer: &DataFrame, name: &str) -> Option<f64> {
    let old = column::texts(training, name).ok()?;
    let new = column::texts(newer, name).ok()?;
    let old_numbers = column::numbers(training, name).ok();
    let distinct = old
        .iter()
        .flatten()
        .collect::<std::collections::HashSet<_>>()
        .len();
    let (expected, actual) = match old_numbers {
        Some(numbers) if distinct > MAX_CATEGORIES => {
            let new_numbers = column::numbers(newer, name).ok()?;
            let edges = decile_edges(&numbers.iter().flatten().copied().collect::<Vec<_>>());
            (
                bin_shares(&numbers, &edges),
                bin_shares(&new_numbers, &edges),
            )
        }
        _ => category_shares(&old, &new),
    };
    Some(psi(&expected, &actual))
}

/// Population stability index: Σ (a − e) · ln(a / e) over bins.
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let (e, a) = (e.max(SHARE_FLOOR), a.max(SHARE_FLOOR));
            (a - e) * (a / e).ln()
        })
        .sum()
}

fn decile_edges(values: &[f64]) -> Vec<f64> {
    let mut edges: Vec<f64> = (1..10)
        .map(|d| crate::model::metrics::quantile(values, f64::from(d) / 10.0))
        .filter(|v| v.is_finite())
        .collect();
    edges.dedup();
    edges
}

/// Shares of values in the bins cut at `edges` (missing values in a bin of their own).
fn bin_shares(values: &[Option<f64>], edges: &[f64]) -> Vec<f64> {
    let mut counts = vec![0usize; edges.len() + 2];
    for value in values {
        let bin = match value {
            Some(v) => edges.partition_point(|edge| edge < v),
            None => edges.len() + 1,
        };
        counts[bin] += 1;
    }
    let n = values.len().max(1) as f64;
    counts.into_iter().map(|c| c as f64 / n).collect()
}

/// Shares of each category in both sets of rows, over the categories of either.
fn category_shares(old: &[Option<String>], new: &[Option<String>]) -> (Vec<f64>, Vec<f64>) {
    let count = |values: &[Option<String>]| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for value in values {
            *counts
                .entry(value.clone().unwrap_or_else(|| "(missing)".into()))
                .or_default() += 1;
        }
        counts
    };
    let (old_counts, new_counts) = (count(old), count(new));
    let mut categories: Vec<&String> = old_counts.keys().chain(new_counts.keys()).collect();
    categories.sort();
    categories.dedup();
    let share = |counts: &HashMap<String, usize>, n: usize, c: &String| {
        counts.get(c).copied().unwrap_or(0) as f64 / n.max(1) as f64
    };
    (
        categories
            .iter()
            .map(|c| share(&old_counts, old.len(), c))
            .collect(),
        categories
            .iter()
            .map(|c| share(&new_counts, new.len(), c))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psi_by_hand() {
        // (0.7 − 0.5)·ln(0.7/0.5) + (0.3 − 0.5)·ln(0.3/0.5).
        let expected = 0.2 * (1.4f64).ln() - 0.2 * (0.6f64).ln();
        assert!((psi(&[0.5, 0.5], &[0.7, 0.3]) - expected).abs() < 1e-12);
        assert_eq!(psi(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
    }

    #[test]
    fn categories_missing_on_one_side_count() {
        let old = vec![Some("a".to_owned()), Some("b".to_owned())];
        let new = vec![Some("a".to_owned()), Some("c".to_owned())];
        let (e, a) = category_shares(&old, &new);
        assert_eq!(e, vec![0.5, 0.5, 0.0]);
        assert_eq!(a, vec![0.5, 0.0, 0.5]);
        assert!(psi(&e, &a) > PSI_RETRAIN);
    }

    #[test]
    fn numbers_bin_at_training_deciles() {
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        let edges = decile_edges(&values);
        assert_eq!(edges.len(), 9);
        let old: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
        let shares = bin_shares(&old, &edges);
        assert!(
            shares[..10].iter().all(|s| (s - 0.1).abs() < 0.011),
            "{shares:?}"
        );
        let shifted: Vec<Option<f64>> = values.iter().map(|v| Some(v + 50.0)).collect();
        assert!(psi(&shares, &bin_shares(&shifted, &edges)) > PSI_RETRAIN);
    }
}
