//! Permutation importance: how much worse the model scores on the held-out rows when one input
//! column's values are shuffled across them, breaking its link to the outcome while keeping its
//! distribution. Repeated with different shuffles, so each figure comes with its spread.

use polars::prelude::{Column, DataFrame, IdxCa, IdxSize};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::metrics;
use crate::data::column;
use crate::data::frame::take_rows;
use crate::model::predict::MemberPredictions;
use crate::model::{ForecastModel, ModelError, holdout_split_of};

/// Held-out rows scored at most (evenly spaced): enough for stable figures, quick to repeat.
pub const MAX_ROWS: usize = 20_000;
/// Shuffles per column when the caller does not say.
pub const DEFAULT_REPEATS: usize = 5;

/// Importance of every input for every outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    pub rows: usize,
    pub repeats: usize,
    pub outcomes: Vec<OutcomeImportance>,
}

/// One outcome: the score as is and each input's increase, largest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeImportance {
    pub outcome: String,
    /// The measure (lower is better): log-loss, Poisson or Tweedie deviance.
    pub metric: String,
    pub score: f64,
    pub inputs: Vec<InputImportance>,
}

/// One input column's importance for one outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputImportance {
    pub column: String,
    /// Lever, dimension, covariate, time or exposure.
    pub role: String,
    /// Mean increase of the measure over the repeats (higher: the model leans on it more).
    pub increase: f64,
    /// Standard deviation of the increase over the repeats.
    pub spread: f64,
    /// The increase as a share of the unshuffled score.
    pub relative: f64,
}

/// The input columns of the model with their roles.
fn input_columns(model: &ForecastModel) -> Vec<(String, &'static str)> {
    let schema = &model.meta.schema;
    let mut columns: Vec<(String, &'static str)> = Vec::new();
    columns.extend(schema.levers.iter().map(|l| (l.column.clone(), "lever")));
    columns.extend(schema.dimensions.iter().map(|d| (d.clone(), "dimension")));
    columns.extend(schema.covariates.iter().map(|c| (c.clone(), "covariate")));
    if let Some(time) = &schema.time {
        columns.push((time.column.clone(), "time"));
    }
    if let Some(exposure) = &schema.exposure {
        columns.push((exposure.clone(), "exposure"));
    }
    columns
}

/// Evenly spaced `limit` of `rows` (all of them when there are fewer).
pub(crate) fn thin_rows(rows: &[usize], limit: usize) -> Vec<usize> {
    if rows.len() <= limit {
        return rows.to_vec();
    }
    (0..limit).map(|i| rows[i * rows.len() / limit]).collect()
}

/// Scores every outcome of `predictions` against `actual` (per outcome, NaN where missing).
fn scores(model: &ForecastModel, predictions: &MemberPredictions, actual: &[Vec<f64>]) -> Vec<f64> {
    model
        .meta
        .encoder
        .outcomes
        .iter()
        .enumerate()
        .map(|(j, target)| {
            // A proper score, so that any lost signal (a lever's small effect too) shows.
            let (_, score) = metrics::proper_score(target.kind);
            let (predicted, truth): (Vec<f64>, Vec<f64>) = actual[j]
                .iter()
                .enumerate()
                .filter(|(_, y)| y.is_finite())
                .map(|(r, y)| (f64::from(predictions.mean(r, j)), *y))
                .unzip();
            score(&predicted, &truth)
        })
        .collect()
}

/// Permutation importance on the rows `model` held out of `frame` (its training data).
pub fn permutation_importance(
    model: &ForecastModel,
    frame: &DataFrame,
    repeats: usize,
    seed: u64,
) -> Result<Importance, ModelError> {
    let repeats = repeats.max(1);
    let split = holdout_split_of(frame, &model.meta.schema, &model.meta.config)?;
    let rows = thin_rows(&split.holdout, MAX_ROWS);
    let held_out = take_rows(frame, &rows).map_err(|e| ModelError::Rows(e.to_string()))?;
    let targets = &model.meta.encoder.outcomes;
    let actual: Vec<Vec<f64>> = targets
        .iter()
        .map(|t| {
            column::numbers(&held_out, &t.column)
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let base = scores(model, &model.predict_as_is(&held_out)?, &actual);
    let columns = input_columns(model);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // increases[column][outcome][repeat]
    let mut increases = vec![vec![Vec::with_capacity(repeats); targets.len()]; columns.len()];
    for (c, (name, _)) in columns.iter().enumerate() {
        for _ in 0..repeats {
            let mut order: Vec<IdxSize> = (0..held_out.height() as IdxSize).collect();
            order.shuffle(&mut rng);
            let shuffled = shuffle_column(&held_out, name, order)?;
            let permuted = scores(model, &model.predict_as_is(&shuffled)?, &actual);
            for (j, (after, before)) in permuted.iter().zip(&base).enumerate() {
                increases[c][j].push(after - before);
            }
        }
    }
    let outcomes = targets
        .iter()
        .enumerate()
        .map(|(j, target)| {
            let mut inputs: Vec<InputImportance> = columns
                .iter()
                .enumerate()
                .map(|(c, (name, role))| {
                    let values = &increases[c][j];
                    let mean = values.iter().sum::<f64>() / values.len() as f64;
                    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                        / (values.len().saturating_sub(1)).max(1) as f64;
                    InputImportance {
                        column: name.clone(),
                        role: (*role).into(),
                        increase: mean,
                        spread: variance.sqrt(),
                        relative: if base[j].abs() > 0.0 {
                            mean / base[j].abs()
                        } else {
                            0.0
                        },
                    }
                })
                .collect();
            inputs.sort_by(|a, b| b.increase.total_cmp(&a.increase));
            OutcomeImportance {
                outcome: target.column.clone(),
                metric: metrics::proper_score(target.kind).0.into(),
                score: base[j],
                inputs,
            }
        })
        .collect();
    Ok(Importance {
        rows: rows.len(),
        repeats,
        outcomes,
    })
}

/// `frame` with one column's values reordered by `order`.
fn shuffle_column(
    frame: &DataFrame,
    name: &str,
    order: Vec<IdxSize>,
) -> Result<DataFrame, ModelError> {
    let fail = |e: polars::prelude::PolarsError| ModelError::Rows(e.to_string());
    let column = frame.column(name).map_err(fail)?;
    let shuffled: Column = column
        .take(&IdxCa::from_vec("order".into(), order))
        .map_err(fail)?;
    let mut out = frame.clone();
    out.with_column(shuffled).map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_order_and_limit() {
        let rows: Vec<usize> = (0..100).collect();
        let thinned = thin_rows(&rows, 10);
        assert_eq!(thinned, vec![0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
        assert_eq!(thin_rows(&rows[..5], 10), vec![0, 1, 2, 3, 4]);
    }
}
