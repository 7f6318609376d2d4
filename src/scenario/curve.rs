//! Response curves: one numeric lever swept over a grid, the others held, giving each outcome's
//! total and lift with its band at every point, where the data's observed range ends, and, when
//! costs are given, the incremental profit and ROI at every point with the profit-maximising
//! value marked.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::costs::{CostSettings, PlanQuantities, discount_value, money_with_discount};
use super::draws::{self, Interval};
use super::evaluate::lever_offer;
use crate::data::column;
use crate::data::controls::same_value;
use crate::data::notation::Offer;
use crate::data::schema::{LeverKind, Schema};
use crate::model::forecast::{Forecast, Stage};
use crate::model::{ForecastModel, LeverSetting, ModelError};

/// One point of a curve, per outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub value: f64,
    /// False outside the range the lever took in the data: extrapolation.
    pub observed: bool,
    pub outcomes: Vec<CurveOutcome>,
    /// Profit and ROI at this point, when the curve was asked for with costs.
    #[serde(default)]
    pub money: Option<CurveMoney>,
}

/// The money at one point of a curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveMoney {
    pub incremental_profit: f64,
    pub incremental_profit_80: Interval,
    pub campaign_cost: f64,
    /// incremental profit / cost, when the campaign costs something.
    pub roi: Option<f64>,
    /// 80% interval of the ROI over the ensemble members, when each member's campaign costs
    /// something.
    #[serde(default)]
    pub roi_80: Option<Interval>,
}

/// A response curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub lever: String,
    pub points: Vec<CurvePoint>,
    /// The swept value with the highest expected incremental profit (with costs only).
    pub profit_maximising_value: Option<f64>,
}

/// An outcome at one point of the curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveOutcome {
    pub outcome: String,
    pub scenario_total: f64,
    /// 80% interval of the total with the campaign (the members' spread and the outcome's
    /// own noise, as a forecast's).
    #[serde(default)]
    pub scenario_low: f64,
    #[serde(default)]
    pub scenario_high: f64,
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
/// set as given and the rest at their baselines; with `costs`, each point's money too.
pub fn response_curve(
    model: &ForecastModel,
    population: &DataFrame,
    lever: &str,
    (from, to): (f64, f64),
    steps: usize,
    fixed: &[LeverSetting],
    costs: Option<&CostSettings>,
) -> Result<Curve, CurveError> {
    let Some(field) = model.meta.schema.levers.iter().find(|l| l.column == lever) else {
        return Err(CurveError::NotNumeric(lever.to_owned()));
    };
    let LeverKind::Numeric { min, max } = field.kind else {
        return Err(CurveError::NotNumeric(lever.to_owned()));
    };
    if !(2..=201).contains(&steps) {
        return Err(CurveError::Steps);
    }
    let values: Vec<f64> = (0..steps)
        .map(|step| from + (to - from) * step as f64 / (steps - 1) as f64)
        .collect();
    let sweep: Vec<Vec<LeverSetting>> = values
        .iter()
        .map(|value| {
            let mut settings: Vec<LeverSetting> =
                fixed.iter().filter(|s| s.lever != lever).cloned().collect();
            settings.push(LeverSetting {
                lever: lever.to_owned(),
                value: value.to_string(),
            });
            settings
        })
        .collect();
    let forecasts = model.forecast_each_totals(population, &sweep)?;
    let mut points = Vec::with_capacity(steps);
    for ((value, settings), forecast) in values.into_iter().zip(&sweep).zip(forecasts) {
        let money = costs
            .map(|costs| point_money(&model.meta.schema, population, settings, &forecast, costs));
        points.push(CurvePoint {
            value,
            observed: value >= min - 1e-9 && value <= max + 1e-9,
            money,
            outcomes: forecast
                .outcomes
                .iter()
                .map(|o| CurveOutcome {
                    outcome: o.outcome.clone(),
                    scenario_total: o.scenario_total,
                    scenario_low: o.scenario_low,
                    scenario_high: o.scenario_high,
                    lift: o.lift,
                    lift_low: o.lift_low,
                    lift_high: o.lift_high,
                })
                .collect(),
        });
    }
    let profit_maximising_value = points
        .iter()
        .filter_map(|p| p.money.as_ref().map(|m| (p.value, m.incremental_profit)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(value, _)| value);
    Ok(Curve {
        lever: lever.to_owned(),
        points,
        profit_maximising_value,
    })
}

/// Every member's money with the same offer on every row (a curve point), then the point
/// figures from the ensemble mean and the 80% interval from the members.
fn point_money(
    schema: &Schema,
    population: &DataFrame,
    settings: &[LeverSetting],
    forecast: &Forecast,
    costs: &CostSettings,
) -> CurveMoney {
    // The first lever (in schema order) whose value gives something away, as plans read it.
    let offer = schema
        .levers
        .iter()
        .filter_map(|lever| {
            let setting = settings.iter().find(|s| s.lever == lever.column)?;
            lever_offer(lever, &setting.value)
        })
        .next()
        .unwrap_or(Offer::NoOffer);
    let treated = schema.levers.iter().any(|lever| {
        settings
            .iter()
            .find(|s| s.lever == lever.column)
            .is_some_and(|s| !same_value(Some(&s.value), &lever.baseline))
    });
    let exposure = match (&schema.exposure, treated) {
        (Some(c), true) => column::numbers(population, c)
            .map(|v| v.iter().flatten().sum())
            .unwrap_or(0.0),
        _ => 0.0,
    };
    let totals = |stage: Stage| {
        forecast.stage(stage).map(|o| {
            (
                o.member_scenario_totals.clone(),
                o.member_baseline_totals.clone(),
            )
        })
    };
    let orders = totals(Stage::Orders);
    let revenue = totals(Stage::Revenue);
    let members = orders
        .as_ref()
        .or(revenue.as_ref())
        .map_or(1, |(s, _)| s.len().max(1));
    let at = |pair: &Option<(Vec<f64>, Vec<f64>)>, m: usize, scenario: bool| {
        pair.as_ref()
            .and_then(|(s, b)| if scenario { s.get(m) } else { b.get(m) })
            .copied()
            .unwrap_or(0.0)
    };
    let member_money: Vec<_> = (0..members)
        .map(|m| {
            let quantities = PlanQuantities {
                exposure,
                orders: at(&orders, m, true),
                revenue: at(&revenue, m, true),
                baseline_revenue: at(&revenue, m, false),
            };
            let discount = discount_value(&offer, &quantities, costs);
            (quantities, discount)
        })
        .collect();
    let share = 1.0 / members as f64;
    let mut mean = PlanQuantities {
        exposure,
        ..PlanQuantities::default()
    };
    let mut mean_discount = 0.0;
    for (q, d) in &member_money {
        mean.orders += q.orders * share;
        mean.revenue += q.revenue * share;
        mean.baseline_revenue += q.baseline_revenue * share;
        mean_discount += d * share;
    }
    let point = money_with_discount(mean_discount, &mean, costs);
    let members: Vec<_> = member_money
        .iter()
        .map(|(q, d)| money_with_discount(*d, q, costs))
        .collect();
    let profits: Vec<f64> = members.iter().map(|m| m.incremental_profit).collect();
    let rois: Option<Vec<f64>> = members.iter().map(|m| m.roi).collect();
    CurveMoney {
        incremental_profit: point.incremental_profit,
        incremental_profit_80: draws::interval(&profits, 0.8),
        campaign_cost: point.campaign_cost,
        roi: point.roi,
        roi_80: rois
            .filter(|r| !r.is_empty())
            .map(|r| draws::interval(&r, 0.8)),
    }
}
