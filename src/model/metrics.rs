//! Holdout figures of a trained model beside the naive baseline (the training mean of the
//! outcome within the row's lever values), so nobody trusts a model that does not beat it.

use std::collections::HashMap;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::encode::Encoder;
use super::predict::MemberPredictions;
use super::split::Split;
use crate::data::column;
use crate::data::roles::OutcomeKind;
use crate::data::schema::Schema;
use crate::diagnostics::metrics::{auc, log_loss, poisson_deviance, rmse};

/// One error measure on the holdout, for the model and the naive baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// `log_loss`, `auc` (higher is better), `rmse` or `poisson_deviance`.
    pub metric: String,
    pub model: f64,
    pub naive: f64,
}

impl Score {
    /// True when the model does at least as well as the naive baseline.
    pub fn model_wins(&self) -> bool {
        if self.metric == "auc" {
            self.model >= self.naive
        } else {
            self.model <= self.naive
        }
    }
}

/// Holdout metrics of one outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeMetrics {
    pub outcome: String,
    pub rows: usize,
    /// Log-loss and AUC for binary outcomes; RMSE (and Poisson deviance for counts) otherwise.
    pub scores: Vec<Score>,
    /// Mean prediction over the holdout divided by the mean outcome (1 = calibrated on average).
    pub mean_ratio: f64,
    /// (interval level, share of holdout outcomes inside their row's interval).
    #[serde(default)]
    pub coverage: Vec<(f64, f64)>,
}

/// The q-quantile of `values` (linear interpolation); NaN when empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    let fraction = position - low as f64;
    sorted[low] * (1.0 - fraction) + sorted[high] * fraction
}

/// Of `rows`, those whose outcome is known, with the outcome and the ensemble's mean
/// prediction of outcome `j` on each.
pub fn known_rows(
    rows: &[usize],
    actual: &[Option<f64>],
    predictions: &MemberPredictions,
    j: usize,
) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let (mut known, mut truth, mut predicted) = (Vec::new(), Vec::new(), Vec::new());
    for &row in rows {
        if let Some(value) = actual.get(row).copied().flatten() {
            known.push(row);
            truth.push(value);
            predicted.push(f64::from(predictions.mean(row, j)));
        }
    }
    (known, truth, predicted)
}

/// Model and naive metrics for every outcome on the holdout rows.
pub fn holdout_metrics(
    frame: &DataFrame,
    schema: &Schema,
    encoder: &Encoder,
    predictions: &MemberPredictions,
    split: &Split,
) -> Vec<OutcomeMetrics> {
    let arms = arm_keys(frame, schema);
    encoder
        .outcomes
        .iter()
        .enumerate()
        .map(|(j, outcome)| {
            let actual = column::numbers(frame, &outcome.column).unwrap_or_default();
            let known = |row: usize| actual.get(row).copied().flatten();
            let (rows, truth, model) = known_rows(&split.holdout, &actual, predictions, j);
            let naive = group_means(&arms, &split.train, &known, &rows);
            let mean_truth = truth.iter().sum::<f64>() / truth.len().max(1) as f64;
            let mean_model = model.iter().sum::<f64>() / model.len().max(1) as f64;
            let score = |metric: &str, f: fn(&[f64], &[f64]) -> f64| Score {
                metric: metric.into(),
                model: f(&model, &truth),
                naive: f(&naive, &truth),
            };
            let scores = match outcome.kind {
                OutcomeKind::Binary => vec![score("log_loss", log_loss), score("auc", auc)],
                OutcomeKind::Count => vec![
                    score("rmse", rmse),
                    score("poisson_deviance", poisson_deviance),
                ],
                OutcomeKind::Amount => vec![score("rmse", rmse)],
            };
            OutcomeMetrics {
                outcome: outcome.column.clone(),
                rows: truth.len(),
                scores,
                coverage: Vec::new(),
                mean_ratio: if mean_truth > 0.0 {
                    mean_model / mean_truth
                } else {
                    f64::NAN
                },
            }
        })
        .collect()
}

/// For each of `rows`, the mean known outcome over the `train` rows of its group (`keys`, one
/// per row); the mean over all training rows for a group the training rows never had. The
/// naive baseline the model must beat: no holdout actual is used.
pub fn group_means(
    keys: &[String],
    train: &[usize],
    known: &dyn Fn(usize) -> Option<f64>,
    rows: &[usize],
) -> Vec<f64> {
    let mut sums: HashMap<&str, (f64, usize)> = HashMap::new();
    let mut overall = (0.0, 0usize);
    for &row in train {
        if let (Some(y), Some(key)) = (known(row), keys.get(row)) {
            let entry = sums.entry(key.as_str()).or_default();
            entry.0 += y;
            entry.1 += 1;
            overall.0 += y;
            overall.1 += 1;
        }
    }
    let fallback = overall.0 / overall.1.max(1) as f64;
    rows.iter()
        .map(|&row| {
            keys.get(row)
                .and_then(|key| sums.get(key.as_str()))
                .map(|(sum, count)| sum / *count as f64)
                .unwrap_or(fallback)
        })
        .collect()
}

/// The lever values of each row joined into one key: the row's "arm".
fn arm_keys(frame: &DataFrame, schema: &Schema) -> Vec<String> {
    let mut keys = vec![String::new(); frame.height()];
    for lever in &schema.levers {
        let texts = column::texts(frame, &lever.column).unwrap_or_default();
        for (key, text) in keys.iter_mut().zip(texts) {
            key.push_str(text.as_deref().unwrap_or(""));
            key.push('\u{1f}');
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_means_use_training_rows_and_fall_back_to_the_overall_mean() {
        let keys: Vec<String> = ["a", "a", "b", "a", "c"].map(String::from).to_vec();
        let values = [1.0, 3.0, 10.0, 100.0, 7.0];
        let known = |row: usize| values.get(row).copied();
        // Rows 0–2 train; row 3 (group a) and row 4 (group c, unseen) are predicted.
        let means = group_means(&keys, &[0, 1, 2], &known, &[3, 4]);
        assert_eq!(means, [2.0, 14.0 / 3.0]);
    }

    #[test]
    fn quantiles_interpolate() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&values, 0.5), 3.0);
        assert!((quantile(&values, 0.1) - 1.4).abs() < 1e-12);
    }
}
