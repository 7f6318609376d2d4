//! Prediction intervals for single rows. Binary outcomes take the Bernoulli interval of the
//! predicted probability; counts and amounts take split-conformal quantiles of the Pearson
//! residual (y − μ)/√μ measured on the validation rows, so the band reflects the outcome's own
//! noise (and the model's error there) without assuming a distribution.

use serde::{Deserialize, Serialize};

use super::encode::{EncodedRows, OutcomeTarget};
use super::metrics::quantile;
use super::predict::MemberPredictions;
use crate::data::roles::OutcomeKind;

/// The interval levels reported.
pub const LEVELS: [f64; 3] = [0.5, 0.8, 0.95];

/// Residual quantiles at one level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelQuantiles {
    pub level: f64,
    pub low: f64,
    pub high: f64,
}

/// How wide one outcome's intervals are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeIntervals {
    pub outcome: String,
    pub kind: OutcomeKind,
    /// Mean squared Pearson residual: the noise variance is about dispersion × μ.
    pub dispersion: f64,
    pub levels: Vec<LevelQuantiles>,
}

impl OutcomeIntervals {
    /// The central interval at `level` for a row predicted at `mean`.
    pub fn row_interval(&self, mean: f64, level: f64) -> (f64, f64) {
        let tail = (1.0 - level) / 2.0;
        match self.kind {
            OutcomeKind::Binary => {
                let low = if 1.0 - mean > tail { 0.0 } else { 1.0 };
                let high = if mean > tail { 1.0 } else { 0.0 };
                (low, high)
            }
            OutcomeKind::Count | OutcomeKind::Amount => {
                let Some(quantiles) = self.levels.iter().find(|q| (q.level - level).abs() < 1e-9)
                else {
                    return (mean, mean);
                };
                let root = mean.max(0.0).sqrt();
                (
                    (mean + quantiles.low * root).max(0.0),
                    (mean + quantiles.high * root).max(0.0),
                )
            }
        }
    }
}

/// Fits every outcome's intervals on `rows` (the validation rows) from calibrated predictions.
pub fn fit(
    predictions: &MemberPredictions,
    encoded: &EncodedRows,
    outcomes: &[OutcomeTarget],
    rows: &[usize],
) -> Vec<OutcomeIntervals> {
    let k = outcomes.len();
    outcomes
        .iter()
        .enumerate()
        .map(|(j, outcome)| {
            let residuals: Vec<f64> = rows
                .iter()
                .filter_map(|&row| {
                    let y = encoded.targets[row * k + j];
                    y.is_finite().then(|| {
                        let y = f64::from(y) * outcome.scale;
                        let mean = f64::from(predictions.mean(row, j)).max(1e-9);
                        (y - mean) / mean.sqrt()
                    })
                })
                .collect();
            let dispersion =
                residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len().max(1) as f64;
            let levels = LEVELS
                .iter()
                .map(|&level| LevelQuantiles {
                    level,
                    low: quantile(&residuals, (1.0 - level) / 2.0),
                    high: quantile(&residuals, (1.0 + level) / 2.0),
                })
                .collect();
            OutcomeIntervals {
                outcome: outcome.column.clone(),
                kind: outcome.kind,
                dispersion,
                levels,
            }
        })
        .collect()
}

/// Share of `rows` whose outcome falls inside its interval at `level`.
pub fn coverage(
    intervals: &OutcomeIntervals,
    predictions: &MemberPredictions,
    encoded: &EncodedRows,
    outcome: usize,
    scale: f64,
    rows: &[usize],
    level: f64,
) -> f64 {
    let k = predictions.outcomes;
    let (mut inside, mut total) = (0usize, 0usize);
    for &row in rows {
        let y = encoded.targets[row * k + outcome];
        if !y.is_finite() {
            continue;
        }
        let y = f64::from(y) * scale;
        let (low, high) = intervals.row_interval(f64::from(predictions.mean(row, outcome)), level);
        total += 1;
        if y >= low - 1e-9 && y <= high + 1e-9 {
            inside += 1;
        }
    }
    inside as f64 / total.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_intervals(low: f64, high: f64) -> OutcomeIntervals {
        OutcomeIntervals {
            outcome: "orders".into(),
            kind: OutcomeKind::Count,
            dispersion: 1.0,
            levels: vec![LevelQuantiles {
                level: 0.8,
                low,
                high,
            }],
        }
    }

    #[test]
    fn count_interval_scales_with_the_root_of_the_mean() {
        let intervals = count_intervals(-1.0, 2.0);
        assert_eq!(intervals.row_interval(100.0, 0.8), (90.0, 120.0));
        assert_eq!(
            intervals.row_interval(0.25, 0.8),
            (0.0, 1.25),
            "never below zero"
        );
    }

    #[test]
    fn binary_interval_is_the_bernoulli_one() {
        let intervals = OutcomeIntervals {
            kind: OutcomeKind::Binary,
            ..count_intervals(0.0, 0.0)
        };
        assert_eq!(intervals.row_interval(0.05, 0.8), (0.0, 0.0));
        assert_eq!(intervals.row_interval(0.5, 0.8), (0.0, 1.0));
        assert_eq!(intervals.row_interval(0.95, 0.8), (1.0, 1.0));
    }
}
