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
use crate::data::notation::{Offer, parse_offer};
use crate::data::schema::{LeverKind, OfferRanges, Schema};
use crate::model::forecast::{Forecast, Stage};
use crate::model::{ForecastModel, LeverSetting, ModelError};
use crate::numbers::readable;

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
    /// What was swept: a numeric lever, or a coupon lever's part (`coupon:off`).
    pub lever: String,
    /// A coupon part in words, with the part held ("coupon amount off (spend 150)");
    /// empty for a numeric lever.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub axis: String,
    pub points: Vec<CurvePoint>,
    /// The swept value with the highest expected incremental profit (with costs only).
    pub profit_maximising_value: Option<f64>,
    /// The stretch of the swept values the data covered (shaded on charts): a numeric lever's
    /// range, or the amounts (thresholds) whose coupons stay within the parts and depths the
    /// data's coupons took, the other part held.
    #[serde(default)]
    pub observed_range: Option<(f64, f64)>,
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

impl Curve {
    /// What the curve sweeps, as charts name it: the lever, or the coupon part in words.
    pub fn axis_name(&self) -> &str {
        if self.axis.is_empty() {
            &self.lever
        } else {
            &self.axis
        }
    }

    /// A coupon curve's evidence in words: the stretch of the sweep the data's coupons
    /// covered (where the data let amount and threshold vary together only, it is short), or
    /// that they covered none of it; `None` for a numeric lever, whose range the chart shades.
    pub fn coverage_note(&self) -> Option<String> {
        if self.axis.is_empty() {
            return None;
        }
        let swept = self.points.first().zip(self.points.last());
        Some(match (self.observed_range, swept) {
            (Some((low, high)), _) => format!(
                "The data's coupons cover {} from {} to {} only: there each part and the \
                 coupon's depth (amount over threshold) stay within what they took; beyond, \
                 the model extrapolates.",
                self.axis,
                readable(low),
                readable(high)
            ),
            (None, Some((first, last))) => format!(
                "The data's coupons cover none of {} from {} to {}: every point is \
                 extrapolation.",
                self.axis,
                readable(first.value),
                readable(last.value)
            ),
            (None, None) => return None,
        })
    }
}

/// A coupon lever's part a curve sweeps: `COLUMN:off` (the amount off, the threshold held) or
/// `COLUMN:threshold` (the spend threshold, the amount held).
pub const OFF_PART: &str = "off";
pub const THRESHOLD_PART: &str = "threshold";

/// Why a curve could not be drawn.
#[derive(Debug, Error)]
pub enum CurveError {
    #[error(
        "'{0}' is not a numeric lever of this model, nor a coupon lever's part (COLUMN:off, \
         COLUMN:threshold); curves sweep numbers (discount %, coupon value, threshold, duration)"
    )]
    NotNumeric(String),
    #[error(
        "sweeping {lever} holds the coupon's other part from its setting: set {column} to a \
         'threshold:off' coupon such as 150:20"
    )]
    NeedsCoupon { lever: String, column: String },
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
    let schema = &model.meta.schema;
    let axis = Axis::of(schema, lever, fixed)?;
    if !(2..=201).contains(&steps) {
        return Err(CurveError::Steps);
    }
    let values: Vec<f64> = (0..steps)
        .map(|step| from + (to - from) * step as f64 / (steps - 1) as f64)
        .collect();
    let column = axis.column();
    let sweep: Vec<Vec<LeverSetting>> = values
        .iter()
        .map(|&value| {
            let mut settings: Vec<LeverSetting> = fixed
                .iter()
                .filter(|s| s.lever != column)
                .cloned()
                .collect();
            settings.push(LeverSetting {
                lever: column.to_owned(),
                value: axis.setting(value),
            });
            settings
        })
        .collect();
    let forecasts = model.forecast_each_totals(population, &sweep)?;
    let mut points = Vec::with_capacity(steps);
    for ((value, settings), forecast) in values.into_iter().zip(&sweep).zip(forecasts) {
        let money = costs.map(|costs| point_money(schema, population, settings, &forecast, costs));
        points.push(CurvePoint {
            value,
            observed: axis.observed(schema, value),
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
        axis: axis.in_words(),
        points,
        profit_maximising_value,
        observed_range: axis.observed_range(schema),
    })
}

/// What a curve sweeps, read from its name: a numeric lever's value, or one part of a 满减
/// coupon lever with the other part held at the coupon the fixed settings give it.
enum Axis<'a> {
    Number(&'a str),
    CouponOff { column: &'a str, threshold: f64 },
    CouponThreshold { column: &'a str, amount_off: f64 },
}

impl<'a> Axis<'a> {
    fn of(schema: &Schema, lever: &'a str, fixed: &[LeverSetting]) -> Result<Self, CurveError> {
        let not_numeric = || CurveError::NotNumeric(lever.to_owned());
        if let Some(field) = schema.levers.iter().find(|l| l.column == lever) {
            return match field.kind {
                LeverKind::Numeric { .. } => Ok(Axis::Number(lever)),
                _ => Err(not_numeric()),
            };
        }
        let (column, part) = lever.rsplit_once(':').ok_or_else(not_numeric)?;
        let field = schema
            .levers
            .iter()
            .find(|l| l.column == column && l.kind == LeverKind::Offer)
            .ok_or_else(not_numeric)?;
        let held = fixed
            .iter()
            .find(|s| s.lever == field.column)
            .map(|s| parse_offer(&s.value));
        let Some(Offer::SpendThreshold {
            threshold,
            amount_off,
        }) = held
        else {
            return Err(CurveError::NeedsCoupon {
                lever: lever.to_owned(),
                column: column.to_owned(),
            });
        };
        match part {
            OFF_PART => Ok(Axis::CouponOff { column, threshold }),
            THRESHOLD_PART => Ok(Axis::CouponThreshold { column, amount_off }),
            _ => Err(not_numeric()),
        }
    }

    /// The lever column set at each point.
    fn column(&self) -> &'a str {
        match self {
            Axis::Number(column)
            | Axis::CouponOff { column, .. }
            | Axis::CouponThreshold { column, .. } => column,
        }
    }

    /// The lever's value at a swept `value`: the number, or the coupon's notation.
    fn setting(&self, value: f64) -> String {
        match self {
            Axis::Number(_) => value.to_string(),
            Axis::CouponOff { threshold, .. } => format!("{threshold}:{value}"),
            Axis::CouponThreshold { amount_off, .. } => format!("{value}:{amount_off}"),
        }
    }

    /// Whether the data covered `value`: within a numeric lever's range, or a coupon within
    /// every part and depth its lever's coupons took (true when a model did not keep them).
    fn observed(&self, schema: &Schema, value: f64) -> bool {
        let within = |(min, max): (f64, f64)| value >= min - 1e-9 && value <= max + 1e-9;
        match self {
            Axis::Number(lever) => numeric_range(schema, lever).is_none_or(within),
            Axis::CouponOff { column, .. } | Axis::CouponThreshold { column, .. } => {
                offers_seen(schema, column)
                    .is_none_or(|seen| seen.beyond(&parse_offer(&self.setting(value))).is_empty())
            }
        }
    }

    /// The stretch of swept values `observed` holds true on (an interval: each constraint is
    /// monotone in the swept part); `None` when the data did not say or covers none of it.
    fn observed_range(&self, schema: &Schema) -> Option<(f64, f64)> {
        let (low, high) = match self {
            Axis::Number(lever) => return numeric_range(schema, lever),
            Axis::CouponOff { column, threshold } => {
                let seen = offers_seen(schema, column)?;
                let (off_low, off_high) = seen.amount_off?;
                let (rate_low, rate_high) = seen.coupon_rate?;
                (
                    off_low.max(rate_low * threshold),
                    off_high.min(rate_high * threshold),
                )
            }
            Axis::CouponThreshold { column, amount_off } => {
                let seen = offers_seen(schema, column)?;
                let (low, high) = seen.threshold?;
                let (rate_low, rate_high) = seen.coupon_rate?;
                let by_rate = |rate: f64| {
                    if rate > 0.0 {
                        amount_off / rate
                    } else {
                        f64::INFINITY
                    }
                };
                (low.max(by_rate(rate_high)), high.min(by_rate(rate_low)))
            }
        };
        (low <= high).then_some((low, high))
    }

    /// A coupon part in words with the part held; empty for a numeric lever.
    fn in_words(&self) -> String {
        match self {
            Axis::Number(_) => String::new(),
            Axis::CouponOff { column, threshold } => {
                format!("{column} amount off (spend {threshold})")
            }
            Axis::CouponThreshold { column, amount_off } => {
                format!("{column} spend threshold ({amount_off} off)")
            }
        }
    }
}

/// The range a numeric lever took in the data.
fn numeric_range(schema: &Schema, lever: &str) -> Option<(f64, f64)> {
    schema.levers.iter().find_map(|l| match l.kind {
        LeverKind::Numeric { min, max } if l.column == lever => Some((min, max)),
        _ => None,
    })
}

/// The ranges an offer lever's coupons took in the data, when the model kept them.
fn offers_seen<'s>(schema: &'s Schema, column: &str) -> Option<&'s OfferRanges> {
    schema
        .levers
        .iter()
        .find(|l| l.column == column)?
        .offers_seen
        .as_ref()
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
