//! Response curves: one numeric lever swept over a grid, the others held, giving each outcome's
//! total and lift with its band at every point, and where the data's observed range ends.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::schema::LeverKind;
use crate::model::{ForecastModel, LeverSetting, ModelError};

/// One point of a curve, per outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub value: f64,
    /// False outside the range the lever took in the data: extrapolation.
    pub observed: bool,
    pub outcomes: Vec<CurveOutcome>,
}

/// An outcome at one point of the curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveOutcome {
    pub outcome: String,
    pub scenario_total: f64,
    pub lift: f64,
    pub lift_low: f64,
    pub lift_high: f64,
}

/// Why a curve could not be drawn.
#[derive(Debug, Error)]
pub enum CurveError {
    #[error(
        "'{0}' is not a numeric lever of this model; curves sweep numbers (discount %, coupon value, duration)"
    )]
    NotNumeric(String),
    #[error("a curve needs at least 2 steps and at most 201")]
    Steps,
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Sweeps `lever` from `from` to `to` in `steps` points over `population`, with `fixed` levers
/// set as given and the rest at their baselines.
pub fn response_curve(
    model: &ForecastModel,
    population: &DataFrame,
    lever: &str,
    (from, to): (f64, f64),
    steps: usize,
    fixed: &[LeverSetting],
) -> Result<Vec<CurvePoint>, CurveError> {
    let Some(field) = model.meta.schema.levers.iter().find(|l| l.column == lever) else {
        return Err(CurveError::NotNumeric(lever.to_owned()));
    };
    let LeverKind::Numeric { min, max } = field.kind else {
        return Err(CurveError::NotNumeric(lever.to_owned()));
    };
    if !(2..=201).contains(&steps) {
        return Err(CurveError::Steps);
    }
    let mut points = Vec::with_capacity(steps);
    for step in 0..steps {
        let value = from + (to - from) * step as f64 / (steps - 1) as f64;
        let mut settings: Vec<LeverSetting> =
            fixed.iter().filter(|s| s.lever != lever).cloned().collect();
        settings.push(LeverSetting {
            lever: lever.to_owned(),
            value: value.to_string(),
        });
        let forecast = model.forecast(population, &settings)?;
        points.push(CurvePoint {
            value,
            observed: value >= min - 1e-9 && value <= max + 1e-9,
            outcomes: forecast
                .outcomes
                .iter()
                .map(|o| CurveOutcome {
                    outcome: o.outcome.clone(),
                    scenario_total: o.scenario_total,
                    lift: o.lift,
                    lift_low: o.lift_low,
                    lift_high: o.lift_high,
                })
                .collect(),
        });
    }
    Ok(points)
}
