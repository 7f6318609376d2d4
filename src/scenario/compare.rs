//! Plans side by side: each plan's value of a chosen metric (an outcome's lift, or `profit`)
//! with its interval, the probability that it beats each other plan (paired: the same member
//! scores every plan, so shared model error cancels), and the probability it is the best.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::draws::{self, Interval};
use super::evaluate::PlanForecast;

#[derive(Debug, Error)]
pub enum CompareError {
    #[error("'{metric}' is neither an outcome of the model nor 'profit'")]
    UnknownMetric { metric: String },
    #[error("plans forecast with different models cannot be paired ({0} draws against {1})")]
    Unpaired(usize, usize),
    #[error("comparing needs at least two plans")]
    TooFew,
}

/// One plan in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparedPlan {
    pub plan: String,
    pub value: f64,
    pub interval_95: Interval,
    /// Probability that this plan scores highest (`draws::probability_best`).
    pub probability_best: f64,
}

/// A comparison of plans on one metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub metric: String,
    pub plans: Vec<ComparedPlan>,
    /// `beats[i][j]`: probability that plan i scores higher than plan j (NaN on the diagonal).
    pub beats: Vec<Vec<f64>>,
}

/// Compares plans on `metric` (an outcome name, for its lift, or `profit`).
pub fn compare(forecasts: &[PlanForecast], metric: &str) -> Result<Comparison, CompareError> {
    if forecasts.len() < 2 {
        return Err(CompareError::TooFew);
    }
    let unknown = || CompareError::UnknownMetric {
        metric: metric.to_owned(),
    };
    let draws: Vec<&[f64]> = forecasts
        .iter()
        .map(|f| f.metric_draws(metric).ok_or_else(unknown))
        .collect::<Result<_, _>>()?;
    let members = draws[0].len();
    if let Some(other) = draws.iter().find(|d| d.len() != members) {
        return Err(CompareError::Unpaired(members, other.len()));
    }
    let best = draws::probability_best(&draws);
    let plans = forecasts
        .iter()
        .enumerate()
        .map(|(i, forecast)| ComparedPlan {
            plan: forecast.plan.clone(),
            value: forecast.metric(metric).unwrap_or(f64::NAN),
            interval_95: draws::interval(draws[i], 0.95),
            probability_best: best[i],
        })
        .collect();
    let beats = (0..forecasts.len())
        .map(|i| {
            (0..forecasts.len())
                .map(|j| {
                    if i == j {
                        return f64::NAN;
                    }
                    let difference: Vec<f64> =
                        draws[i].iter().zip(draws[j]).map(|(a, b)| a - b).collect();
                    draws::probability_positive(&difference)
                })
                .collect()
        })
        .collect();
    Ok(Comparison {
        metric: metric.to_owned(),
        plans,
        beats,
    })
}
