//! Partial dependence and individual conditional expectation of each lever: every sampled row
//! is predicted with the lever set to each value of a grid (its other inputs as they are). The
//! average over rows is the partial dependence; the single rows' curves (ICE) show whether the
//! effect differs between rows, which the average alone hides.

use std::collections::HashMap;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::importance::thin_rows;
use crate::data::column;
use crate::data::frame::take_rows;
use crate::data::schema::{LeverField, LeverKind};
use crate::model::{ForecastModel, LeverSetting, ModelError};

/// Rows averaged at most (evenly spaced over the data).
pub const MAX_ROWS: usize = 2_000;
/// Single-row curves kept per lever and outcome.
pub const ICE_CURVES: usize = 30;
/// Grid points of a numeric lever.
pub const NUMERIC_POINTS: usize = 11;
/// Values of a categorical or offer lever at most (the most frequent, baseline first).
pub const MAX_LEVELS: usize = 12;

/// Partial dependence of every lever.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dependence {
    pub rows: usize,
    pub levers: Vec<LeverDependence>,
}

/// One lever's grid and its curves per outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeverDependence {
    pub lever: String,
    /// True when the grid is numbers (a line); false for named values (points by position).
    pub numeric: bool,
    /// The lever values, as a plan writes them.
    pub values: Vec<String>,
    /// The x position of each value: the number, or its index.
    pub x: Vec<f64>,
    /// Numeric levers: the range seen in the data.
    pub observed: Option<(f64, f64)>,
    /// False when the lever had one value in the data: the curves are the model's guess.
    pub varied: bool,
    pub outcomes: Vec<OutcomeDependence>,
}

/// One outcome's curves over a lever's grid (per-row means, in the outcome's units).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeDependence {
    pub outcome: String,
    /// Partial dependence: the mean prediction per row at each grid value.
    pub average: Vec<f64>,
    /// A few single rows' predictions at each grid value.
    pub ice: Vec<Vec<f64>>,
}

/// The grid of one lever: numbers over the observed range, or the most frequent values.
fn grid(lever: &LeverField, frame: &DataFrame) -> (bool, Vec<String>, Vec<f64>) {
    match &lever.kind {
        LeverKind::Numeric { min, max } => {
            let x: Vec<f64> = if max > min {
                let last = (NUMERIC_POINTS - 1) as f64;
                (0..NUMERIC_POINTS)
                    .map(|i| min + (max - min) * i as f64 / last)
                    .map(|v| (v * 1e6).round() / 1e6)
                    .collect()
            } else {
                vec![*min]
            };
            let values = x.iter().map(|v| v.to_string()).collect();
            (true, values, x)
        }
        LeverKind::Categorical { levels } => {
            let mut values = vec![lever.baseline.clone()];
            values.extend(
                levels
                    .iter()
                    .filter(|l| **l != lever.baseline)
                    .take(MAX_LEVELS - 1)
                    .cloned(),
            );
            let x = (0..values.len()).map(|i| i as f64).collect();
            (false, values, x)
        }
        LeverKind::Offer => {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for value in column::texts(frame, &lever.column)
                .unwrap_or_default()
                .into_iter()
                .flatten()
            {
                *counts.entry(value).or_default() += 1;
            }
            let mut frequent: Vec<(String, usize)> = counts.into_iter().collect();
            frequent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut values = vec![lever.baseline.clone()];
            values.extend(
                frequent
                    .into_iter()
                    .map(|(v, _)| v)
                    .filter(|v| *v != lever.baseline)
                    .take(MAX_LEVELS - 1),
            );
            let x = (0..values.len()).map(|i| i as f64).collect();
            (false, values, x)
        }
    }
}

/// Partial dependence and ICE of every lever over (up to `MAX_ROWS` of) `frame`'s rows.
pub fn partial_dependence(
    model: &ForecastModel,
    frame: &DataFrame,
) -> Result<Dependence, ModelError> {
    let all: Vec<usize> = (0..frame.height()).collect();
    let rows = thin_rows(&all, MAX_ROWS);
    let sample = take_rows(frame, &rows).map_err(|e| ModelError::Rows(e.to_string()))?;
    let ice_rows = thin_rows(&(0..rows.len()).collect::<Vec<_>>(), ICE_CURVES);
    let outcomes = &model.meta.encoder.outcomes;
    let mut levers = Vec::new();
    for lever in &model.meta.schema.levers {
        let (numeric, values, x) = grid(lever, frame);
        // predictions[point] for every sampled row.
        let mut predictions = Vec::with_capacity(values.len());
        for value in &values {
            let setting = LeverSetting {
                lever: lever.column.clone(),
                value: value.clone(),
            };
            predictions.push(model.predict_with(&sample, &[setting])?);
        }
        let curves = outcomes
            .iter()
            .enumerate()
            .map(|(j, target)| OutcomeDependence {
                outcome: target.column.clone(),
                average: predictions
                    .iter()
                    .map(|p| {
                        (0..p.rows).map(|r| f64::from(p.mean(r, j))).sum::<f64>()
                            / p.rows.max(1) as f64
                    })
                    .collect(),
                ice: ice_rows
                    .iter()
                    .map(|&r| {
                        predictions
                            .iter()
                            .map(|p| f64::from(p.mean(r, j)))
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        levers.push(LeverDependence {
            lever: lever.column.clone(),
            numeric,
            values,
            x,
            observed: match lever.kind {
                LeverKind::Numeric { min, max } => Some((min, max)),
                _ => None,
            },
            varied: lever.varies,
            outcomes: curves,
        });
    }
    Ok(Dependence {
        rows: rows.len(),
        levers,
    })
}
