//! Does the model know *who* the campaign moves? On randomised data, the held-out rows of one
//! treatment arm and the control are ranked by the model's predicted individual lift; the Qini
//! curve and the observed lift per decile show whether targeting by that ranking beats random
//! targeting. Beside it, the model's average lift and the model-free difference in means with
//! its 95% interval.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::column;
use crate::data::frame::take_rows;
use crate::model::{ForecastModel, LeverSetting, ModelError, holdout_split_of};

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_985;
/// Groups of the uplift-by-decile table.
const DECILES: usize = 10;

/// Why the uplift check could not run.
#[derive(Debug, Error)]
pub enum UpliftError {
    #[error("'{0}' is not an outcome of the model")]
    UnknownOutcome(String),
    #[error("'{0}' is not a lever of the model")]
    UnknownLever(String),
    #[error(
        "the holdout has {treated} rows with {lever} = {treatment} and {control} with the control: both are needed"
    )]
    NoRows {
        lever: String,
        treatment: String,
        treated: usize,
        control: usize,
    },
    #[error("cannot select the held-out rows: {0}")]
    Select(String),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The uplift report of one treatment against the control.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpliftReport {
    pub lever: String,
    pub treatment: String,
    pub control: String,
    pub outcome: String,
    pub treated_rows: usize,
    pub control_rows: usize,
    /// Mean predicted lift per row (treatment − control) over the held-out rows of both arms.
    pub model_average_lift: f64,
    /// Treated mean − control mean of the actual outcome, with its 95% interval.
    pub difference_in_means: f64,
    pub difference_95: (f64, f64),
    /// Area between the model's Qini curve and random targeting, per held-out row (outcome
    /// units); above 0, ranking by the model finds responders better than chance.
    pub qini_coefficient: f64,
    /// (share of rows targeted, incremental outcome) along the ranking.
    pub qini_curve: Vec<[f64; 2]>,
    /// Per decile of predicted lift (highest first): predicted and observed lift.
    pub deciles: Vec<DecileLift>,
}

/// One decile of the ranking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecileLift {
    pub predicted: f64,
    /// Treated mean − control mean in the decile (NaN without rows of both arms).
    pub observed: f64,
    pub rows: usize,
}

/// The uplift report on the model's held-out rows of `frame`.
pub fn uplift_report(
    model: &ForecastModel,
    frame: &DataFrame,
    lever: &str,
    treatment: &str,
    outcome: &str,
) -> Result<UpliftReport, UpliftError> {
    let schema = &model.meta.schema;
    let field = schema
        .levers
        .iter()
        .find(|l| l.column == lever)
        .ok_or_else(|| UpliftError::UnknownLever(lever.to_owned()))?;
    let control = field.baseline.clone();
    let j = model
        .meta
        .encoder
        .outcomes
        .iter()
        .position(|o| o.column == outcome)
        .ok_or_else(|| UpliftError::UnknownOutcome(outcome.to_owned()))?;
    let split = holdout_split_of(frame, schema, &model.meta.config)?;
    let arms = column::texts(frame, lever).map_err(|e| UpliftError::Select(e.to_string()))?;
    let actual = column::numbers(frame, outcome).map_err(|e| UpliftError::Select(e.to_string()))?;
    let mut rows = Vec::new();
    let mut treated = Vec::new();
    for &row in &split.holdout {
        let arm = arms[row].as_deref().map(str::trim);
        let is_treated = arm == Some(treatment);
        if (is_treated || arm == Some(control.as_str())) && actual[row].is_some() {
            rows.push(row);
            treated.push(is_treated);
        }
    }
    let treated_rows = treated.iter().filter(|t| **t).count();
    let control_rows = treated.len() - treated_rows;
    if treated_rows == 0 || control_rows == 0 {
        return Err(UpliftError::NoRows {
            lever: lever.to_owned(),
            treatment: treatment.to_owned(),
            treated: treated_rows,
            control: control_rows,
        });
    }
    let held_out = take_rows(frame, &rows).map_err(|e| UpliftError::Select(e.to_string()))?;
    let setting = |value: &str| {
        vec![LeverSetting {
            lever: lever.to_owned(),
            value: value.to_owned(),
        }]
    };
    let forecasts = model.forecast_each(&held_out, &[setting(treatment), setting(&control)])?;
    let (with, without) = (&forecasts[0].rows[j], &forecasts[1].rows[j]);
    let predicted: Vec<f64> = with
        .scenario
        .iter()
        .zip(&without.scenario)
        .map(|(a, b)| a - b)
        .collect();
    let outcomes: Vec<f64> = rows.iter().filter_map(|&r| actual[r]).collect();
    let (difference, interval) = difference_in_means(&outcomes, &treated);
    let (qini_coefficient, qini_curve) = qini(&predicted, &outcomes, &treated);
    Ok(UpliftReport {
        lever: lever.to_owned(),
        treatment: treatment.to_owned(),
        control,
        outcome: outcome.to_owned(),
        treated_rows,
        control_rows,
        model_average_lift: predicted.iter().sum::<f64>() / predicted.len() as f64,
        difference_in_means: difference,
        difference_95: interval,
        qini_coefficient,
        qini_curve,
        deciles: deciles(&predicted, &outcomes, &treated),
    })
}

/// Treated mean − control mean, with the 95% interval of the unpooled standard error.
pub fn difference_in_means(outcomes: &[f64], treated: &[bool]) -> (f64, (f64, f64)) {
    let arm = |wanted: bool| -> (f64, f64, f64) {
        let values: Vec<f64> = outcomes
            .iter()
            .zip(treated)
            .filter(|(_, t)| **t == wanted)
            .map(|(y, _)| *y)
            .collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        (mean, variance, n)
    };
    let (m1, v1, n1) = arm(true);
    let (m0, v0, n0) = arm(false);
    let difference = m1 - m0;
    let se = (v1 / n1 + v0 / n0).sqrt();
    (difference, (difference - Z95 * se, difference + Z95 * se))
}

/// The Qini curve along the ranking by predicted lift (highest first): after targeting the top
/// k rows, Q(k) = Σ treated outcomes − Σ control outcomes · (treated count / control count).
/// The coefficient is the mean gap between Q and the straight line of random targeting,
/// divided by the number of rows.
pub fn qini(predicted: &[f64], outcomes: &[f64], treated: &[bool]) -> (f64, Vec<[f64; 2]>) {
    let n = predicted.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predicted[b].total_cmp(&predicted[a]));
    let (mut sum_t, mut sum_c, mut n_t, mut n_c) = (0.0, 0.0, 0.0, 0.0);
    let mut q = Vec::with_capacity(n + 1);
    q.push(0.0);
    for &i in &order {
        if treated[i] {
            sum_t += outcomes[i];
            n_t += 1.0;
        } else {
            sum_c += outcomes[i];
            n_c += 1.0;
        }
        q.push(if n_c > 0.0 {
            sum_t - sum_c * n_t / n_c
        } else {
            sum_t
        });
    }
    let total = q[n];
    let gap: f64 = q
        .iter()
        .enumerate()
        .map(|(k, value)| value - total * k as f64 / n as f64)
        .sum::<f64>()
        / (n + 1) as f64;
    let step = n.div_ceil(200).max(1);
    let curve = q
        .iter()
        .enumerate()
        .filter(|(k, _)| k % step == 0 || *k == n)
        .map(|(k, value)| [k as f64 / n as f64, *value])
        .collect();
    (gap / n as f64, curve)
}

fn deciles(predicted: &[f64], outcomes: &[f64], treated: &[bool]) -> Vec<DecileLift> {
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|&a, &b| predicted[b].total_cmp(&predicted[a]));
    let size = order.len().div_ceil(DECILES).max(1);
    order
        .chunks(size)
        .map(|group| {
            let mean_of = |wanted: bool| {
                let values: Vec<f64> = group
                    .iter()
                    .filter(|&&i| treated[i] == wanted)
                    .map(|&i| outcomes[i])
                    .collect();
                values.iter().sum::<f64>() / values.len() as f64
            };
            DecileLift {
                predicted: group.iter().map(|&i| predicted[i]).sum::<f64>() / group.len() as f64,
                observed: mean_of(true) - mean_of(false),
                rows: group.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_in_means_by_hand() {
        // Treated 1, 3 (mean 2, variance 2); control 0, 0, 3 (mean 1, variance 3).
        let (d, (low, high)) = difference_in_means(
            &[1.0, 3.0, 0.0, 0.0, 3.0],
            &[true, true, false, false, false],
        );
        assert!((d - 1.0).abs() < 1e-12);
        let se = (2.0 / 2.0 + 3.0 / 3.0f64).sqrt();
        assert!((high - low - 2.0 * Z95 * se).abs() < 1e-9);
    }

    #[test]
    fn a_perfect_ranking_beats_random_and_a_reversed_one_loses() {
        // Responders: treated rows with outcome 1; predicted lift high for them.
        let treated = [true, true, false, false, true, false];
        let outcomes = [1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let good = [0.9, 0.8, 0.1, 0.1, 0.0, 0.1];
        let reversed: Vec<f64> = good.iter().map(|p| -p).collect();
        let (q_good, curve) = qini(&good, &outcomes, &treated);
        let (q_bad, _) = qini(&reversed, &outcomes, &treated);
        assert!(q_good > 0.0 && q_bad < 0.0, "{q_good} {q_bad}");
        assert_eq!(curve.first(), Some(&[0.0, 0.0]));
        assert_eq!(curve.last().map(|p| p[0]), Some(1.0));
    }

    #[test]
    fn deciles_split_the_ranking() {
        let predicted: Vec<f64> = (0..100).map(f64::from).collect();
        let treated: Vec<bool> = (0..100).map(|i| i % 2 == 0).collect();
        let outcomes: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 && i >= 50 { 1.0 } else { 0.0 })
            .collect();
        let table = deciles(&predicted, &outcomes, &treated);
        assert_eq!(table.len(), 10);
        assert_eq!(table[0].observed, 1.0, "the top decile responds");
        assert_eq!(table[9].observed, 0.0);
    }
}
