//! Forecasting a plan: its rows through the model, scenario against baseline per outcome with
//! 80% and 95% intervals from the ensemble's paired draws, the money (each cost part, profit,
//! ROI, the probability of a profit), per-segment and per-day breakdowns, and every warning.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::costs::{Money, PlanQuantities, discount_value, money_with_discount};
use super::draws::{self, Interval};
use super::history;
use super::plan::{Plan, PlanError, PlanRows, plan_rows, plan_warnings};
use crate::data::column;
use crate::data::notation::{Offer, parse_offer};
use crate::data::schema::{LeverField, LeverKind, Schema};
use crate::model::forecast::{FunnelRate, Stage};
use crate::model::predict::MemberPredictions;
use crate::model::{ForecastModel, ModelError};

/// Why a plan could not be forecast.
#[derive(Debug, Error)]
pub enum EvaluateError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// One outcome of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeLift {
    pub outcome: String,
    /// Expected totals (ensemble means).
    pub scenario: f64,
    pub baseline: f64,
    pub lift: f64,
    /// Lift as a percentage of the baseline (NaN when the baseline is 0).
    pub lift_pct: f64,
    /// Intervals of the expected totals and of the lift, from the paired member draws.
    pub scenario_80: Interval,
    pub scenario_95: Interval,
    pub lift_80: Interval,
    pub lift_95: Interval,
}

/// The money of a plan: point figures (each cost part stated) and their uncertainty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoneyOutlook {
    pub point: Money,
    pub incremental_revenue_80: Interval,
    pub incremental_revenue_95: Interval,
    pub incremental_margin_80: Interval,
    pub incremental_margin_95: Interval,
    pub campaign_cost_80: Interval,
    pub campaign_cost_95: Interval,
    pub incremental_profit_80: Interval,
    pub incremental_profit_95: Interval,
    /// ROI intervals, when the campaign costs something.
    pub roi_80: Option<Interval>,
    pub roi_95: Option<Interval>,
    pub probability_profit_positive: f64,
}

/// Totals of one group of the plan's rows (a segment, a channel, a day).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The dimension (or the date column) grouped by.
    pub by: String,
    pub value: String,
    pub rows: usize,
    pub outcomes: Vec<GroupLift>,
}

/// One outcome within a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupLift {
    pub outcome: String,
    pub scenario: f64,
    pub baseline: f64,
    pub lift: f64,
}

impl GroupLift {
    /// The lift as a percentage of the baseline; none when the baseline is zero.
    pub fn lift_pct(&self) -> Option<f64> {
        (self.baseline.abs() > 0.0).then(|| self.lift / self.baseline * 100.0)
    }
}

/// Every member's figures: paired draws for comparisons and suggestions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanDraws {
    /// `[outcome][member]` scenario totals and lifts.
    pub scenario: Vec<Vec<f64>>,
    pub lift: Vec<Vec<f64>>,
    /// Per member.
    pub incremental_profit: Vec<f64>,
    pub campaign_cost: Vec<f64>,
}

/// A plan's forecast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanForecast {
    pub plan: String,
    pub rows: usize,
    /// How the rows were made (dates × combinations, covariates carried forward by …).
    pub rule: String,
    /// How many ensemble members the intervals rest on.
    pub draws_count: usize,
    pub outcomes: Vec<OutcomeLift>,
    pub funnel: Vec<FunnelRate>,
    pub money: MoneyOutlook,
    /// Per value of each dimension, then per day (time data).
    pub by_segment: Vec<Breakdown>,
    pub by_day: Vec<Breakdown>,
    pub cold_start_rows: usize,
    pub warnings: Vec<String>,
    pub draws: PlanDraws,
}

impl PlanForecast {
    /// The outcome that plays a funnel stage, if any.
    pub fn outcome(&self, name: &str) -> Option<&OutcomeLift> {
        self.outcomes.iter().find(|o| o.outcome == name)
    }

    /// The paired draws of a metric: an outcome's lift, or `profit`.
    pub fn metric_draws(&self, metric: &str) -> Option<&[f64]> {
        if metric == "profit" {
            return Some(&self.draws.incremental_profit);
        }
        let index = self.outcomes.iter().position(|o| o.outcome == metric)?;
        self.draws.lift.get(index).map(Vec::as_slice)
    }

    /// The point value of a metric: an outcome's lift, or `profit`.
    pub fn metric(&self, metric: &str) -> Option<f64> {
        if metric == "profit" {
            return Some(self.money.point.incremental_profit);
        }
        self.outcome(metric).map(|o| o.lift)
    }
}

/// The cold-start warning, naming the values the model learnt nothing for: a population file
/// that codes a column differently from the training data (`1` for `facebook`) makes every row
/// a cold start, and the values say so.
fn cold_start_warning(model: &ForecastModel, rows: &DataFrame, cold: usize) -> String {
    let values = model
        .meta
        .encoder
        .unseen_in_words(rows)
        .map(|words| format!(": {words}"))
        .unwrap_or_default();
    format!(
        "cold start: {cold} of {} rows have a segment or other dimension value never seen in \
         training{values}. Their forecasts rest on the other values' average and are less \
         certain than the intervals show; if the file codes a column differently from the \
         training data, recode it",
        rows.height()
    )
}

/// Forecasts `plan` over `history` (time data) or the population (unit data).
pub fn evaluate_plan(
    model: &ForecastModel,
    history: &DataFrame,
    plan: &Plan,
) -> Result<PlanForecast, EvaluateError> {
    let schema = &model.meta.schema;
    let rows = plan_rows(history, schema, plan)?;
    let detailed = model.compare_detailed(&rows.scenario, &rows.baseline)?;
    let (scenario, baseline) = (&detailed.scenario, &detailed.baseline);
    let forecast = &detailed.forecast;
    let outcome_names: Vec<String> = forecast
        .outcomes
        .iter()
        .map(|o| o.outcome.clone())
        .collect();

    let mut outcomes = Vec::new();
    let mut draws = PlanDraws::default();
    for outcome in &forecast.outcomes {
        let with = outcome.member_scenario_totals.clone();
        let lift: Vec<f64> = with
            .iter()
            .zip(&outcome.member_baseline_totals)
            .map(|(a, b)| a - b)
            .collect();
        let (s, b) = (outcome.scenario_total, outcome.baseline_total);
        outcomes.push(OutcomeLift {
            outcome: outcome.outcome.clone(),
            scenario: s,
            baseline: b,
            lift: s - b,
            lift_pct: if b != 0.0 {
                100.0 * (s - b) / b
            } else {
                f64::NAN
            },
            scenario_80: draws::interval(&with, 0.8),
            scenario_95: draws::interval(&with, 0.95),
            lift_80: draws::interval(&lift, 0.8),
            lift_95: draws::interval(&lift, 0.95),
        });
        draws.scenario.push(with);
        draws.lift.push(lift);
    }

    let money = plan_money(
        schema, plan, &rows, forecast, scenario, baseline, &mut draws,
    );
    let mut by_segment = Vec::new();
    for dimension in &schema.dimensions {
        let mut groups = breakdown(
            &rows.scenario,
            dimension,
            &outcome_names,
            scenario,
            baseline,
        );
        // By value, as a reader looks them up: unit data meets its values in no order.
        groups.sort_by(|a, b| a.value.cmp(&b.value));
        by_segment.extend(groups);
    }
    let by_day = match &schema.time {
        Some(time) => breakdown(
            &rows.scenario,
            &time.column,
            &outcome_names,
            scenario,
            baseline,
        ),
        None => Vec::new(),
    };

    let mut warnings = plan_warnings(schema, plan);
    warnings.extend(history::history_warnings(history, schema, plan));
    if forecast.cold_start_rows > 0 {
        warnings.push(cold_start_warning(
            model,
            &rows.scenario,
            forecast.cold_start_rows,
        ));
    }
    // Segments given the same setting would repeat its warnings.
    let mut said = std::collections::HashSet::new();
    warnings.retain(|w| said.insert(w.clone()));
    Ok(PlanForecast {
        plan: plan.name.clone(),
        rows: rows.scenario.height(),
        rule: rows.rule,
        draws_count: scenario.members,
        outcomes,
        funnel: forecast.funnel.clone(),
        money,
        by_segment,
        by_day,
        cold_start_rows: forecast.cold_start_rows,
        warnings,
        draws,
    })
}

/// An arm of a plan that could not be forecast.
///
/// The arm's error is in the message, not a source: printed with its chain (`{:#}`), a source
/// would say it twice.
#[derive(Debug, Error)]
#[error("arm '{arm}': {error}")]
pub struct ArmError {
    pub arm: String,
    pub error: EvaluateError,
}

/// Forecasts each arm of `base`: named lever settings replacing its levers of the same name
/// (`Plan::arm`). What a comparison of arms and the next-test suggestion start from.
pub fn evaluate_arms(
    model: &ForecastModel,
    history: &DataFrame,
    base: &Plan,
    arms: &[(String, Vec<crate::model::LeverSetting>)],
) -> Result<Vec<PlanForecast>, ArmError> {
    arms.iter()
        .map(|(name, settings)| {
            evaluate_plan(model, history, &base.arm(name, settings)).map_err(|error| ArmError {
                arm: name.clone(),
                error,
            })
        })
        .collect()
}

/// Money per member (each row's own offer priced on that member's predictions), then the
/// point figures from the ensemble means and the intervals from the member draws.
fn plan_money(
    schema: &Schema,
    plan: &Plan,
    plan_rows: &PlanRows,
    forecast: &crate::model::Forecast,
    scenario: &MemberPredictions,
    baseline: &MemberPredictions,
    draws: &mut PlanDraws,
) -> MoneyOutlook {
    let position = |stage: Stage| {
        forecast.stage(stage).and_then(|o| {
            forecast
                .outcomes
                .iter()
                .position(|x| x.outcome == o.outcome)
        })
    };
    let (orders, revenue) = (position(Stage::Orders), position(Stage::Revenue));
    let rows = &plan_rows.scenario;
    let exposure: f64 = plan_rows.messages(schema).iter().sum();
    let offers = row_offers(rows, schema);
    let value = |p: &MemberPredictions, m: usize, r: usize, j: Option<usize>| {
        j.map(|j| f64::from(p.get(m, r, j))).unwrap_or(0.0)
    };
    let members = scenario.members.max(1);
    let mut member_money = Vec::with_capacity(members);
    let mut mean_quantities = PlanQuantities {
        exposure,
        ..PlanQuantities::default()
    };
    let mut mean_discount = 0.0;
    for m in 0..scenario.members {
        let mut quantities = PlanQuantities {
            exposure,
            ..PlanQuantities::default()
        };
        let mut discount = 0.0;
        for (r, offer) in offers.iter().enumerate() {
            let row = PlanQuantities {
                exposure: 0.0,
                orders: value(scenario, m, r, orders),
                revenue: value(scenario, m, r, revenue),
                baseline_revenue: value(baseline, m, r, revenue),
            };
            quantities.orders += row.orders;
            quantities.revenue += row.revenue;
            quantities.baseline_revenue += row.baseline_revenue;
            discount += discount_value(offer, &row, &plan.costs);
        }
        let share = 1.0 / members as f64;
        mean_quantities.orders += quantities.orders * share;
        mean_quantities.revenue += quantities.revenue * share;
        mean_quantities.baseline_revenue += quantities.baseline_revenue * share;
        mean_discount += discount * share;
        member_money.push(money_with_discount(discount, &quantities, &plan.costs));
    }
    let point = money_with_discount(mean_discount, &mean_quantities, &plan.costs);
    let pick = |f: fn(&Money) -> f64| member_money.iter().map(f).collect::<Vec<f64>>();
    let revenue_draws = pick(|m| m.incremental_revenue);
    let profit_draws = pick(|m| m.incremental_profit);
    let cost_draws = pick(|m| m.campaign_cost);
    let margin_draws = pick(|m| m.incremental_margin);
    let roi_draws: Vec<f64> = member_money.iter().filter_map(|m| m.roi).collect();
    let roi =
        |level| (roi_draws.len() == member_money.len()).then(|| draws::interval(&roi_draws, level));
    draws.incremental_profit = profit_draws.clone();
    draws.campaign_cost = cost_draws.clone();
    MoneyOutlook {
        point,
        incremental_revenue_80: draws::interval(&revenue_draws, 0.8),
        incremental_revenue_95: draws::interval(&revenue_draws, 0.95),
        incremental_margin_80: draws::interval(&margin_draws, 0.8),
        incremental_margin_95: draws::interval(&margin_draws, 0.95),
        campaign_cost_80: draws::interval(&cost_draws, 0.8),
        campaign_cost_95: draws::interval(&cost_draws, 0.95),
        incremental_profit_80: draws::interval(&profit_draws, 0.8),
        incremental_profit_95: draws::interval(&profit_draws, 0.95),
        roi_80: roi(0.8),
        roi_95: roi(0.95),
        probability_profit_positive: draws::probability_positive(&profit_draws),
    }
}

/// The offer a lever's value makes, if it gives something away: a coupon or discount notation
/// lever, or a numeric lever whose name says it is a percentage off.
pub fn lever_offer(lever: &LeverField, text: &str) -> Option<Offer> {
    let offer = match lever.kind {
        LeverKind::Offer => parse_offer(text),
        LeverKind::Numeric { .. } => {
            let name = lever.column.to_lowercase();
            if !["pct", "percent", "discount"]
                .iter()
                .any(|w| name.contains(w))
            {
                return None;
            }
            match text.trim().parse::<f64>() {
                Ok(percent) if percent > 0.0 => Offer::PercentOff { percent },
                _ => return None,
            }
        }
        LeverKind::Categorical { .. } => return None,
    };
    (offer.discount_rate().is_some_and(|rate| rate > 0.0) || offer.amount_off() > 0.0)
        .then_some(offer)
}

/// The offer each row makes: the first lever (in schema order) whose value gives something away.
pub fn row_offers(rows: &DataFrame, schema: &Schema) -> Vec<Offer> {
    let mut offers = vec![Offer::NoOffer; rows.height()];
    let mut decided = vec![false; rows.height()];
    for lever in &schema.levers {
        let Ok(texts) = column::texts(rows, &lever.column) else {
            continue;
        };
        for (r, text) in texts.iter().enumerate() {
            if decided[r] {
                continue;
            }
            if let Some(offer) = text.as_deref().and_then(|t| lever_offer(lever, t)) {
                offers[r] = offer;
                decided[r] = true;
            }
        }
    }
    offers
}

/// Totals per value of `by` (a dimension or the date), in the order the values first appear
/// (the plan's rows are made date by date, so days come in calendar order).
fn breakdown(
    rows: &DataFrame,
    by: &str,
    outcomes: &[String],
    scenario: &MemberPredictions,
    baseline: &MemberPredictions,
) -> Vec<Breakdown> {
    let Ok((values, row_group)) = column::text_groups(rows, by) else {
        return Vec::new();
    };
    // Each group's row count and totals, `[group][outcome]`, in one pass over the rows.
    let k = outcomes.len();
    let mut counts = vec![0usize; values.len()];
    let mut sums = vec![(0f64, 0f64); values.len() * k];
    for (r, &group) in row_group.iter().enumerate() {
        counts[group] += 1;
        for j in 0..k {
            let sum = &mut sums[group * k + j];
            sum.0 += f64::from(scenario.mean(r, j));
            sum.1 += f64::from(baseline.mean(r, j));
        }
    }
    values
        .into_iter()
        .enumerate()
        .map(|(group, value)| Breakdown {
            by: by.to_owned(),
            value: value.unwrap_or_else(|| "(missing)".into()),
            rows: counts[group],
            outcomes: outcomes
                .iter()
                .enumerate()
                .map(|(j, name)| {
                    let (s, b) = sums[group * k + j];
                    GroupLift {
                        outcome: name.clone(),
                        scenario: s,
                        baseline: b,
                        lift: s - b,
                    }
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_groups_lift_in_percent_needs_a_baseline() {
        let group = |baseline: f64, lift: f64| GroupLift {
            outcome: "orders".into(),
            scenario: baseline + lift,
            baseline,
            lift,
        };
        assert_eq!(group(200.0, 30.0).lift_pct(), Some(15.0));
        assert_eq!(group(200.0, -10.0).lift_pct(), Some(-5.0));
        assert_eq!(group(0.0, 4.0).lift_pct(), None);
    }

    #[test]
    fn an_arm_error_says_its_cause_once_when_printed_with_its_chain() {
        let error = anyhow::Error::from(ArmError {
            arm: "a".into(),
            error: EvaluateError::Plan(PlanError::SegmentReachesNoOne {
                column: "segment".into(),
                value: "a".into(),
                why: "the data has no such segment".into(),
            }),
        });
        let printed = format!("{error:#}");
        assert_eq!(
            printed,
            "arm 'a': the plan's levers for segment = a reach no rows: the data has no such \
             segment"
        );
    }
}
