//! The budget optimiser: one lever setting per allocation unit (a segment, or a segment ×
//! channel), chosen from a grid to maximise incremental profit (or an outcome's lift) with the
//! campaign cost under a budget. Every unit × setting is forecast once; the choice is then a
//! multiple-choice knapsack solved by dynamic programming over the budget. Costs are rounded
//! *up* to the budget's grid, so the chosen plan never exceeds it.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::costs::{CostSettings, PlanQuantities, discount_value, money_with_discount};
use super::evaluate::{EvaluateError, PlanForecast, evaluate_plan, lever_offer, row_offers};
use super::plan::{DimensionValue, Plan, SegmentLevers, counts_messages, merged_levers, plan_rows};
use crate::data::column;
use crate::data::schema::Schema;
use crate::model::forecast::Stage;
use crate::model::{ForecastModel, LeverSetting};
use crate::numbers::grouped;

/// Budget steps of the knapsack: costs are rounded up to budget / `BUDGET_STEPS`, so at most
/// that share of the budget per unit goes unused through rounding.
const BUDGET_STEPS: usize = 2_000;
/// How many runner-up plans to report.
const ALTERNATIVES: usize = 3;
/// The name of the setting that changes nothing.
pub const NO_CAMPAIGN: &str = "no campaign";

/// One setting the optimiser may give a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridOption {
    pub name: String,
    pub levers: Vec<LeverSetting>,
}

/// What to optimise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimiseRequest {
    /// Dates, audience and costs; its levers (duration, creative) go with every setting.
    pub base: Plan,
    /// Dimension columns whose value combinations each get one setting.
    pub units: Vec<String>,
    /// The settings to choose from; "no campaign" is always one of them.
    pub options: Vec<GridOption>,
    /// Limit on the campaign cost (fixed + exposure + discount given away); none: unlimited.
    pub budget: Option<f64>,
    /// `profit`, or an outcome whose lift is maximised.
    pub objective: String,
    /// Settings giving away more than this share of the price (percent) are left out.
    pub max_discount_pct: Option<f64>,
    /// Limits on the messages (exposure) a channel, or any dimension value, can take.
    #[serde(default)]
    pub capacities: Vec<Capacity>,
}

/// The most exposure (messages sent, impressions) the plan may use on one dimension value:
/// an SMS gateway's daily volume, a push quota.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// The dimension (`channel`), one of the optimiser's units, and its value (`sms`).
    pub column: String,
    pub value: String,
    pub max_exposure: f64,
}

/// How much of a capacity the chosen plan uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacityUse {
    pub column: String,
    pub value: String,
    pub used: f64,
    pub max_exposure: f64,
    /// Units left without a campaign so that the plan fits (their labels).
    pub left_out: Vec<String>,
}

impl CapacityUse {
    /// `channel=sms: 40000 of 50000 messages used; left out to fit: …`.
    pub fn describe(&self) -> String {
        let left_out = if self.left_out.is_empty() {
            String::new()
        } else {
            format!("; left out to fit: {}", self.left_out.join("; "))
        };
        format!(
            "{}={}: {} of {} messages used{left_out}",
            self.column,
            self.value,
            grouped(self.used, 0),
            grouped(self.max_exposure, 0)
        )
    }
}

/// A unit's forecast under one setting (ensemble means over the plan's dates).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitOutcome {
    pub option: String,
    pub objective: f64,
    pub profit: f64,
    pub cost: f64,
    /// Messages sent or impressions bought (0 without an exposure column or a campaign).
    #[serde(default)]
    pub exposure: f64,
}

/// The setting chosen for one unit, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub unit: Vec<DimensionValue>,
    pub choice: UnitOutcome,
    /// Every setting the unit could get (the first is "no campaign").
    pub candidates: Vec<UnitOutcome>,
    pub reason: String,
}

/// A runner-up: the chosen plan with one unit's setting swapped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub change: String,
    pub objective: f64,
    pub cost: f64,
}

/// The optimiser's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimiseResult {
    pub objective: String,
    pub budget: Option<f64>,
    /// Expected totals of the chosen settings (fixed cost included once when anything runs).
    pub total_objective: f64,
    pub total_cost: f64,
    pub total_profit: f64,
    pub allocations: Vec<Allocation>,
    pub alternatives: Vec<Alternative>,
    /// Settings left out by the constraints, with the reason.
    pub excluded: Vec<String>,
    /// Each capacity's use by the chosen plan.
    #[serde(default)]
    pub capacity_use: Vec<CapacityUse>,
    /// The plan's fixed cost, paid once when anything runs (the chosen plan carries none when
    /// nothing does).
    #[serde(default)]
    pub fixed_cost: f64,
    /// The best plan with no limit on the budget, when the budget held it back: how much
    /// more it would earn and cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_budget: Option<Unbudgeted>,
    /// The chosen plan, ready to save, and its full forecast (intervals, warnings).
    pub plan: Plan,
    pub forecast: PlanForecast,
}

/// Totals of the best plan with no budget (fixed cost included when anything runs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unbudgeted {
    pub objective: f64,
    pub cost: f64,
}

/// When nothing fits the budget: the cheapest setting that gains anything, and what it needs.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetShortfall {
    pub budget: f64,
    /// The budget that runs the cheapest gaining setting, fixed cost included.
    pub needed: f64,
    pub option: String,
    pub unit: String,
    pub fixed: f64,
}

impl BudgetShortfall {
    pub fn describe(&self) -> String {
        let with_fixed = if self.fixed > 0.0 {
            format!(" with the fixed cost of {}", grouped(self.fixed, 0))
        } else {
            String::new()
        };
        format!(
            "nothing fits the budget of {}: the cheapest setting that gains anything ({} for \
             {}) costs {}{with_fixed}; raise the budget to at least that to run anything",
            grouped(self.budget, 0),
            self.option,
            self.unit,
            grouped(self.needed, 0)
        )
    }
}

/// Why the optimiser could not run.
#[derive(Debug, Error)]
pub enum OptimiseError {
    #[error("the optimiser needs at least one setting to choose from")]
    NoOptions,
    #[error("'{0}' is not a dimension of this model; units are dimension columns")]
    NotADimension(String),
    #[error("'{0}' is neither 'profit' nor an outcome of this model")]
    UnknownObjective(String),
    #[error("setting '{option}' names '{lever}', which is not a lever of this model")]
    UnknownLever { option: String, lever: String },
    #[error("the budget must be a positive amount, not {0}")]
    Budget(f64),
    #[error(
        "a capacity on '{0}' needs '{0}' among the units (--unit {0}), so that each unit is on one {0}"
    )]
    CapacityNotAUnit(String),
    #[error("a capacity limits messages, but this model has no exposure column to count them")]
    CapacityWithoutExposure,
    #[error("the capacity on {column}={value} must be zero or more messages, not {max}")]
    CapacityAmount {
        column: String,
        value: String,
        max: f64,
    },
    #[error(transparent)]
    Evaluate(#[from] EvaluateError),
}

/// Forecasts every unit under every setting and picks the best plan within the budget.
pub fn optimise(
    model: &ForecastModel,
    history: &DataFrame,
    request: &OptimiseRequest,
) -> Result<OptimiseResult, OptimiseError> {
    let schema = &model.meta.schema;
    check_request(schema, request)?;
    let (options, excluded) = allowed_options(schema, request);
    if options.is_empty() {
        return Err(OptimiseError::NoOptions);
    }

    // table[unit][option]; option 0 is "no campaign".
    let mut units: Vec<Vec<DimensionValue>> = Vec::new();
    let mut table: Vec<Vec<UnitOutcome>> = Vec::new();
    for option in &options {
        let outcomes = unit_outcomes(model, history, request, option)?;
        for (unit, outcome) in outcomes {
            let slot = match units.iter().position(|u| *u == unit) {
                Some(slot) => slot,
                None => {
                    units.push(unit);
                    table.push(vec![no_campaign()]);
                    units.len() - 1
                }
            };
            table[slot].push(outcome);
        }
    }
    // A unit missing from some option's rows cannot happen (same population), but keep the
    // table rectangular regardless so indices line up.
    let width = options.len() + 1;
    table.retain(|row| row.len() == width);

    let fixed = request.base.costs.fixed_cost.max(0.0);
    let on_capacity = capacity_members(&units, &request.capacities);
    // The fixed cost is paid once, and only when something runs.
    let charge = if request.objective == "profit" {
        fixed
    } else {
        0.0
    };
    let best = |budget: Option<f64>| {
        best_picks(
            &table,
            budget,
            fixed,
            charge,
            &request.capacities,
            &on_capacity,
        )
    };
    let (picks, left_out) = best(request.budget);
    let (total_objective, total_cost) = plan_totals(&table, &picks, fixed, charge);
    // What the budget holds back: the best plan with no limit, when it is a different one.
    let without_budget = request.budget.and_then(|_| {
        let (free, _) = best(None);
        let (objective, cost) = plan_totals(&table, &free, fixed, charge);
        (free != picks && objective > total_objective).then_some(Unbudgeted { objective, cost })
    });
    let fixed_cost = if picks.iter().any(|&k| k > 0) {
        fixed
    } else {
        0.0
    };
    // What the budget has left once the chosen units and the fixed cost are paid for.
    let budget_left = request.budget.map(|budget| BudgetLeft {
        left: budget - total_cost,
        whole: budget - fixed,
    });
    let allocations: Vec<Allocation> = units
        .iter()
        .zip(&table)
        .zip(&picks)
        .enumerate()
        .map(|(u, ((unit, row), &k))| Allocation {
            unit: unit.clone(),
            choice: row[k].clone(),
            candidates: row.clone(),
            reason: if left_out[u] && k == 0 {
                capacity_reason(row, unit, &request.capacities)
            } else {
                reason(row, k, budget_left)
            },
        })
        .collect();
    let total_profit = allocations.iter().map(|a| a.choice.profit).sum::<f64>() - fixed_cost;
    let limits = Limits {
        budget: request.budget,
        capacities: &request.capacities,
        on_capacity: &on_capacity,
    };
    let alternatives = alternatives(&units, &table, &picks, &limits, fixed, charge);
    let capacity_use = request
        .capacities
        .iter()
        .zip(&on_capacity)
        .map(|(capacity, members)| CapacityUse {
            column: capacity.column.clone(),
            value: capacity.value.clone(),
            used: used_exposure(&table, &picks, members),
            max_exposure: capacity.max_exposure,
            left_out: members
                .iter()
                .filter(|&&u| left_out[u] && picks[u] == 0)
                .map(|&u| unit_label(&units[u]))
                .collect(),
        })
        .collect();

    let plan = chosen_plan(request, &options, &units, &picks);
    let forecast = evaluate_plan(model, history, &plan)?;
    Ok(OptimiseResult {
        objective: request.objective.clone(),
        budget: request.budget,
        total_objective,
        total_cost,
        total_profit,
        allocations,
        alternatives,
        excluded,
        capacity_use,
        fixed_cost: fixed,
        without_budget,
        plan,
        forecast,
    })
}

/// The best picks within the budget (fixed cost included) and the capacities, and the units
/// left out for a capacity. When maximising profit, running nothing at all may beat the best
/// campaign once the fixed cost is paid.
fn best_picks(
    table: &[Vec<UnitOutcome>],
    budget: Option<f64>,
    fixed: f64,
    charge: f64,
    capacities: &[Capacity],
    on_capacity: &[Vec<usize>],
) -> (Vec<usize>, Vec<bool>) {
    let nothing = vec![0; table.len()];
    let budget_left = budget.map(|b| b - fixed);
    if budget_left.is_some_and(|left| left <= 0.0) {
        return (nothing, vec![false; table.len()]);
    }
    let (picks, left_out) = choose_within_capacity(table, budget_left, capacities, on_capacity);
    // Only the charge can make the picks lose: the knapsack itself never prefers a loss to
    // "no campaign".
    if charge > 0.0 && plan_totals(table, &picks, fixed, charge).0 < 0.0 {
        return (nothing, left_out);
    }
    (picks, left_out)
}

impl OptimiseResult {
    /// When the budget leaves out every unit though some setting would gain: what the
    /// cheapest such setting costs, fixed cost included, so the user knows how far to raise
    /// the budget (each unit's reason says it only for that unit).
    pub fn budget_shortfall(&self) -> Option<BudgetShortfall> {
        let budget = self.budget?;
        if self
            .allocations
            .iter()
            .any(|a| a.choice.option != NO_CAMPAIGN)
        {
            return None;
        }
        let (allocation, cheapest) = self
            .allocations
            .iter()
            .flat_map(|a| {
                a.candidates
                    .iter()
                    .skip(1)
                    .filter(|c| c.objective > 0.0)
                    .map(move |c| (a, c))
            })
            .min_by(|(_, a), (_, b)| a.cost.total_cmp(&b.cost))?;
        let fixed = self.fixed_cost;
        let needed = cheapest.cost + fixed;
        (needed > budget).then(|| BudgetShortfall {
            budget,
            needed,
            option: cheapest.option.clone(),
            unit: unit_label(&allocation.unit),
            fixed,
        })
    }

    /// When the budget holds back a better plan: what that plan would earn and cost. Not said
    /// when nothing fits at all (`budget_shortfall` says what would).
    pub fn budget_binds(&self) -> Option<String> {
        let free = self.without_budget.as_ref()?;
        if self.budget_shortfall().is_some() {
            return None;
        }
        Some(format!(
            "the budget holds the plan back: with no limit the best plan's {} would be {} \
             (here {}) for a cost of {}",
            self.objective,
            grouped(free.objective, 0),
            grouped(self.total_objective, 0),
            grouped(free.cost, 0)
        ))
    }
}

fn no_campaign() -> UnitOutcome {
    UnitOutcome {
        option: NO_CAMPAIGN.into(),
        objective: 0.0,
        profit: 0.0,
        cost: 0.0,
        exposure: 0.0,
    }
}

/// For each capacity, the units on its dimension value.
fn capacity_members(units: &[Vec<DimensionValue>], capacities: &[Capacity]) -> Vec<Vec<usize>> {
    capacities
        .iter()
        .map(|capacity| {
            units
                .iter()
                .enumerate()
                .filter(|(_, unit)| {
                    unit.iter()
                        .any(|d| d.column == capacity.column && d.value == capacity.value)
                })
                .map(|(u, _)| u)
                .collect()
        })
        .collect()
}

/// The exposure the picked settings of `members` use.
fn used_exposure(table: &[Vec<UnitOutcome>], picks: &[usize], members: &[usize]) -> f64 {
    members.iter().map(|&u| table[u][picks[u]].exposure).sum()
}

/// Whether the picked settings stay within every capacity.
fn capacities_fit(
    table: &[Vec<UnitOutcome>],
    picks: &[usize],
    capacities: &[Capacity],
    on_capacity: &[Vec<usize>],
) -> bool {
    capacities
        .iter()
        .zip(on_capacity)
        .all(|(c, members)| used_exposure(table, picks, members) <= c.max_exposure + 1e-9)
}

/// The row with the settings `allowed` refuses made worthless (objective −∞), so that
/// `choose` never picks them.
fn masked(row: &[UnitOutcome], allowed: impl Fn(usize) -> bool) -> Vec<UnitOutcome> {
    row.iter()
        .enumerate()
        .map(|(k, option)| UnitOutcome {
            objective: if allowed(k) {
                option.objective
            } else {
                f64::NEG_INFINITY
            },
            ..option.clone()
        })
        .collect()
}

/// A plan's summed objective and cost; when anything runs, the fixed cost is added to the
/// cost and `charge` (the fixed cost when maximising profit, else 0) taken off the objective.
fn plan_totals(table: &[Vec<UnitOutcome>], picks: &[usize], fixed: f64, charge: f64) -> (f64, f64) {
    let objective: f64 = picks.iter().zip(table).map(|(&k, r)| r[k].objective).sum();
    let cost: f64 = picks.iter().zip(table).map(|(&k, r)| r[k].cost).sum();
    if picks.iter().any(|&k| k > 0) {
        (objective - charge, cost + fixed)
    } else {
        (objective, cost)
    }
}

/// `choose` under the budget, then, while a capacity is exceeded, the campaign unit on it that
/// earns least per message is left out (kept at "no campaign") and the rest chosen again, so
/// the budget it freed can go elsewhere. Deterministic; always ends within every capacity
/// (at worst with nothing run on a channel). Returns the picks and the units left out.
pub fn choose_within_capacity(
    table: &[Vec<UnitOutcome>],
    budget: Option<f64>,
    capacities: &[Capacity],
    on_capacity: &[Vec<usize>],
) -> (Vec<usize>, Vec<bool>) {
    let mut left_out = vec![false; table.len()];
    // Each round leaves out one more unit, so at most one round per unit.
    for _ in 0..=table.len() {
        let allowed: Vec<Vec<UnitOutcome>> = table
            .iter()
            .zip(&left_out)
            .map(|(row, &out)| masked(row, |k| !out || k == 0))
            .collect();
        let picks = choose(&allowed, budget);
        let over = capacities
            .iter()
            .zip(on_capacity)
            .find(|(c, members)| used_exposure(table, &picks, members) > c.max_exposure + 1e-9);
        let Some((_, members)) = over else {
            return (picks, left_out);
        };
        let per_message = |u: usize| {
            let option = &table[u][picks[u]];
            option.objective / option.exposure.max(1e-9)
        };
        let weakest = members
            .iter()
            .copied()
            .filter(|&u| picks[u] > 0 && table[u][picks[u]].exposure > 0.0)
            .min_by(|&a, &b| per_message(a).total_cmp(&per_message(b)));
        match weakest {
            Some(u) => left_out[u] = true,
            None => return (picks, left_out),
        }
    }
    (vec![0; table.len()], left_out)
}

/// Why a unit left out for a capacity got no campaign.
fn capacity_reason(
    row: &[UnitOutcome],
    unit: &[DimensionValue],
    capacities: &[Capacity],
) -> String {
    let full: Vec<String> = capacities
        .iter()
        .filter(|c| {
            unit.iter()
                .any(|d| d.column == c.column && d.value == c.value)
        })
        .map(|c| {
            let messages = grouped(c.max_exposure, 0);
            format!("{}={} ({messages} messages)", c.column, c.value)
        })
        .collect();
    let best = row
        .iter()
        .skip(1)
        .max_by(|a, b| a.objective.total_cmp(&b.objective));
    match best {
        Some(best) => format!(
            "left out for capacity: {} is full, and its best setting ({}) gains {} for {} \
             messages ({:.3} per message), less than the units kept there",
            full.join(", "),
            best.option,
            grouped(best.objective, 0),
            grouped(best.exposure, 0),
            best.objective / best.exposure.max(1e-9)
        ),
        None => format!("left out for capacity: {} is full", full.join(", ")),
    }
}

fn check_request(schema: &Schema, request: &OptimiseRequest) -> Result<(), OptimiseError> {
    if request.options.is_empty() {
        return Err(OptimiseError::NoOptions);
    }
    for option in &request.options {
        if let Some(unknown) = option
            .levers
            .iter()
            .find(|s| !schema.levers.iter().any(|l| l.column == s.lever))
        {
            return Err(OptimiseError::UnknownLever {
                option: option.name.clone(),
                lever: unknown.lever.clone(),
            });
        }
    }
    for unit in &request.units {
        if !schema.dimensions.contains(unit) {
            return Err(OptimiseError::NotADimension(unit.clone()));
        }
    }
    if request.objective != "profit"
        && !schema
            .outcomes
            .iter()
            .any(|o| o.column == request.objective)
    {
        return Err(OptimiseError::UnknownObjective(request.objective.clone()));
    }
    for capacity in &request.capacities {
        if !request.units.contains(&capacity.column) {
            return Err(OptimiseError::CapacityNotAUnit(capacity.column.clone()));
        }
        if !counts_messages(schema) {
            return Err(OptimiseError::CapacityWithoutExposure);
        }
        if !(capacity.max_exposure.is_finite() && capacity.max_exposure >= 0.0) {
            return Err(OptimiseError::CapacityAmount {
                column: capacity.column.clone(),
                value: capacity.value.clone(),
                max: capacity.max_exposure,
            });
        }
    }
    match request.budget {
        Some(b) if !(b.is_finite() && b > 0.0) => Err(OptimiseError::Budget(b)),
        _ => Ok(()),
    }
}

/// The settings the constraints allow, with each one's levers merged over the base plan's.
fn allowed_options(schema: &Schema, request: &OptimiseRequest) -> (Vec<GridOption>, Vec<String>) {
    let mut allowed = Vec::new();
    let mut excluded = Vec::new();
    for option in &request.options {
        let levers = merged_levers(&request.base.levers, &option.levers);
        let deepest = levers
            .iter()
            .filter_map(|s| {
                let lever = schema.levers.iter().find(|l| l.column == s.lever)?;
                lever_offer(lever, &s.value)?.discount_rate()
            })
            .fold(0.0f64, f64::max);
        match request.max_discount_pct {
            Some(max) if deepest * 100.0 > max + 1e-9 => excluded.push(format!(
                "{}: gives away {:.1}% of the price, more than the {max}% allowed",
                option.name,
                deepest * 100.0
            )),
            _ => allowed.push(GridOption {
                name: option.name.clone(),
                levers,
            }),
        }
    }
    (allowed, excluded)
}

/// Every unit's expected objective, profit and cost with `option` on all of the audience.
/// Costs leave out the fixed cost, which the whole plan pays once.
fn unit_outcomes(
    model: &ForecastModel,
    history: &DataFrame,
    request: &OptimiseRequest,
    option: &GridOption,
) -> Result<Vec<(Vec<DimensionValue>, UnitOutcome)>, OptimiseError> {
    let schema = &model.meta.schema;
    let plan = Plan {
        levers: option.levers.clone(),
        segment_levers: Vec::new(),
        ..request.base.clone()
    };
    let rows = plan_rows(history, schema, &plan).map_err(EvaluateError::from)?;
    let detailed = model
        .compare_detailed(&rows.scenario, &rows.baseline)
        .map_err(EvaluateError::from)?;
    let forecast = &detailed.forecast;
    let position = |name: &str| forecast.outcomes.iter().position(|o| o.outcome == name);
    let stage = |stage: Stage| forecast.stage(stage).and_then(|o| position(&o.outcome));
    let (orders, revenue) = (stage(Stage::Orders), stage(Stage::Revenue));
    let objective = (request.objective != "profit")
        .then(|| position(&request.objective))
        .flatten();
    let mean = |p: &crate::model::predict::MemberPredictions, r: usize, j: Option<usize>| {
        j.map(|j| f64::from(p.mean(r, j))).unwrap_or(0.0)
    };

    let keys: Vec<Vec<Option<String>>> = request
        .units
        .iter()
        .map(|c| column::texts(&rows.scenario, c).unwrap_or_default())
        .collect();
    let messages = rows.messages(schema);
    let offers = row_offers(&rows.scenario, schema);
    let costs = CostSettings {
        fixed_cost: 0.0,
        ..request.base.costs.clone()
    };

    struct Sums {
        quantities: PlanQuantities,
        discount: f64,
        lift: f64,
    }
    let mut sums: BTreeMap<Vec<DimensionValue>, Sums> = BTreeMap::new();
    for (r, offer) in offers.iter().enumerate() {
        // A row missing a unit's value belongs to no unit a plan could name: it stays at no
        // campaign, as the plan's segment levers leave it.
        let Some(unit) = request
            .units
            .iter()
            .zip(&keys)
            .map(|(c, values)| {
                values
                    .get(r)
                    .cloned()
                    .flatten()
                    .map(|value| DimensionValue {
                        column: c.clone(),
                        value,
                    })
            })
            .collect::<Option<Vec<DimensionValue>>>()
        else {
            continue;
        };
        let row = PlanQuantities {
            exposure: messages[r],
            orders: mean(&detailed.scenario, r, orders),
            revenue: mean(&detailed.scenario, r, revenue),
            baseline_revenue: mean(&detailed.baseline, r, revenue),
        };
        let entry = sums.entry(unit).or_insert(Sums {
            quantities: PlanQuantities::default(),
            discount: 0.0,
            lift: 0.0,
        });
        entry.quantities.exposure += row.exposure;
        entry.quantities.orders += row.orders;
        entry.quantities.revenue += row.revenue;
        entry.quantities.baseline_revenue += row.baseline_revenue;
        entry.discount += discount_value(offer, &row, &costs);
        entry.lift +=
            mean(&detailed.scenario, r, objective) - mean(&detailed.baseline, r, objective);
    }
    Ok(sums
        .into_iter()
        .map(|(unit, s)| {
            let money = money_with_discount(s.discount, &s.quantities, &costs);
            let outcome = UnitOutcome {
                option: option.name.clone(),
                objective: if objective.is_some() {
                    s.lift
                } else {
                    money.incremental_profit
                },
                profit: money.incremental_profit,
                cost: money.campaign_cost,
                exposure: s.quantities.exposure,
            };
            (unit, outcome)
        })
        .collect())
}

/// One setting per unit maximising the summed objective with the summed cost ≤ `budget`
/// (multiple-choice knapsack; costs rounded up to the budget grid). Ties keep the earlier
/// setting, so the answer is deterministic.
pub fn choose(table: &[Vec<UnitOutcome>], budget: Option<f64>) -> Vec<usize> {
    let best_of = |row: &[UnitOutcome], fits: &dyn Fn(&UnitOutcome) -> bool| {
        let mut best = 0;
        for (k, option) in row.iter().enumerate() {
            if fits(option) && option.objective > row[best].objective {
                best = k;
            }
        }
        best
    };
    let Some(budget) = budget else {
        return table.iter().map(|row| best_of(row, &|_| true)).collect();
    };
    let step = budget / BUDGET_STEPS as f64;
    let weight = |cost: f64| -> Option<usize> {
        let w = (cost.max(0.0) / step - 1e-9).ceil();
        (w <= BUDGET_STEPS as f64).then_some(w as usize)
    };
    // best[w]: the largest objective of the units so far using at most w steps.
    let mut best = vec![0.0f64; BUDGET_STEPS + 1];
    let mut picked: Vec<Vec<usize>> = Vec::with_capacity(table.len());
    for row in table {
        let mut next = vec![f64::NEG_INFINITY; BUDGET_STEPS + 1];
        let mut pick = vec![0usize; BUDGET_STEPS + 1];
        for (k, option) in row.iter().enumerate() {
            let Some(w) = weight(option.cost) else {
                continue;
            };
            for total in w..=BUDGET_STEPS {
                let value = best[total - w] + option.objective;
                if value > next[total] {
                    next[total] = value;
                    pick[total] = k;
                }
            }
        }
        best = next;
        picked.push(pick);
    }
    // Walk back from the full budget.
    let mut total = BUDGET_STEPS;
    let mut picks = vec![0; table.len()];
    for (u, row) in table.iter().enumerate().rev() {
        let k = picked[u][total];
        picks[u] = k;
        total -= weight(row[k].cost).unwrap_or(0);
    }
    picks
}

/// What the budget allows the units: `whole` (the budget less the fixed cost) and `left` (what
/// the chosen plan leaves of it).
#[derive(Clone, Copy, Debug)]
struct BudgetLeft {
    left: f64,
    whole: f64,
}

/// Why a unit got its setting, in marginal terms: profit (objective) per unit of cost, against
/// the next cheaper setting and the better one it could not afford. `budget`: what it allows
/// and what the chosen plan leaves of it (`None`: no budget).
fn reason(row: &[UnitOutcome], chosen: usize, budget: Option<BudgetLeft>) -> String {
    let budgeted = budget.is_some();
    let pick = &row[chosen];
    let best = row
        .iter()
        .max_by(|a, b| a.objective.total_cmp(&b.objective))
        .unwrap_or(pick);
    let per_cost = |gain: f64, cost: f64| {
        if cost > 0.0 {
            format!("{:.2} per unit of cost", gain / cost)
        } else {
            "at no cost".into()
        }
    };
    if chosen == 0 {
        if best.objective <= 0.0 {
            return "no setting is expected to gain anything here".into();
        }
        let why = match budget {
            Some(BudgetLeft { whole, .. }) if whole <= 0.0 => {
                "the budget does not cover the plan's fixed cost".into()
            }
            Some(BudgetLeft { whole, .. }) if best.cost > whole => {
                let whole = grouped(whole, 0);
                format!("even alone it costs more than the budget allows ({whole})")
            }
            // A better rate than some chosen unit's, but too dear for what is left: the
            // knapsack found that making room would give up more than it brings.
            Some(BudgetLeft { left, .. }) if best.cost > left => format!(
                "it costs more than the {} the budget has left, and making room would give up \
                 more elsewhere",
                grouped(left, 0)
            ),
            _ => "less than the budget earns elsewhere".into(),
        };
        return format!(
            "left out: its best setting ({}) gains {} for {} ({}); {why}",
            best.option,
            grouped(best.objective, 0),
            grouped(best.cost, 0),
            per_cost(best.objective, best.cost)
        );
    }
    let mut text = format!(
        "{} gains {} for {} ({})",
        pick.option,
        grouped(pick.objective, 0),
        grouped(pick.cost, 0),
        per_cost(pick.objective, pick.cost)
    );
    // The best cheaper alternative: what the extra cost buys.
    if let Some(cheaper) = row
        .iter()
        .skip(1)
        .filter(|o| o.cost < pick.cost)
        .max_by(|a, b| a.objective.total_cmp(&b.objective))
    {
        text.push_str(&format!(
            "; over {} the extra {} of cost gains {} more ({})",
            cheaper.option,
            grouped(pick.cost - cheaper.cost, 0),
            grouped(pick.objective - cheaper.objective, 0),
            per_cost(pick.objective - cheaper.objective, pick.cost - cheaper.cost)
        ));
    }
    if best.objective > pick.objective && budgeted {
        text.push_str(&format!(
            "; {} would gain {} more for {} more cost, which the budget does not allow at \
             that rate",
            best.option,
            grouped(best.objective - pick.objective, 0),
            grouped(best.cost - pick.cost, 0)
        ));
    }
    text
}

/// What a plan must stay within: the budget (fixed cost included) and the capacities, with
/// the units on each capacity.
struct Limits<'a> {
    budget: Option<f64>,
    capacities: &'a [Capacity],
    on_capacity: &'a [Vec<usize>],
}

/// The runners-up: for each unit and each setting it did not get, the best plan that gives it
/// that setting, the other units chosen again under the same budget and capacities (so
/// "nothing for the active segment" shows where its budget would go). The best of them is the
/// second-best plan overall: that plan differs from the chosen one in some unit's setting.
fn alternatives(
    units: &[Vec<DimensionValue>],
    table: &[Vec<UnitOutcome>],
    picks: &[usize],
    limits: &Limits,
    fixed: f64,
    charge: f64,
) -> Vec<Alternative> {
    let budget_left = limits.budget.map(|b| b - fixed);
    let mut plans: Vec<Vec<usize>> = vec![picks.to_vec()];
    let mut found = Vec::new();
    // One copy of the table; unit `u`'s row is narrowed to the forced setting in turn.
    let mut forced = table.to_vec();
    for (u, row) in table.iter().enumerate() {
        for k in (0..row.len()).filter(|&k| k != picks[u]) {
            if budget_left.is_some_and(|left| row[k].cost > left) {
                continue;
            }
            forced[u] = masked(row, |j| j == k);
            let (alternative, _) =
                choose_within_capacity(&forced, budget_left, limits.capacities, limits.on_capacity);
            let (objective, cost) = plan_totals(table, &alternative, fixed, charge);
            let within = limits.budget.is_none_or(|b| cost <= b + 1e-9)
                && capacities_fit(table, &alternative, limits.capacities, limits.on_capacity);
            if alternative[u] != k || !within || plans.contains(&alternative) {
                continue;
            }
            let change = |v: usize| {
                format!(
                    "{}: {} → {}",
                    unit_label(&units[v]),
                    table[v][picks[v]].option,
                    table[v][alternative[v]].option
                )
            };
            let others = (0..table.len()).filter(|&v| v != u && alternative[v] != picks[v]);
            found.push(Alternative {
                change: std::iter::once(u)
                    .chain(others)
                    .map(change)
                    .collect::<Vec<_>>()
                    .join("; "),
                objective,
                cost,
            });
            plans.push(alternative);
        }
        forced[u] = row.clone();
    }
    found.sort_by(|a, b| b.objective.total_cmp(&a.objective));
    found.truncate(ALTERNATIVES);
    found
}

/// `segment=vip, channel=sms`.
pub fn unit_label(unit: &[DimensionValue]) -> String {
    unit.iter()
        .map(|d| format!("{}={}", d.column, d.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The base plan with each unit's chosen levers as a segment override, nothing elsewhere.
fn chosen_plan(
    request: &OptimiseRequest,
    options: &[GridOption],
    units: &[Vec<DimensionValue>],
    picks: &[usize],
) -> Plan {
    let segment_levers = units
        .iter()
        .zip(picks)
        .filter(|(unit, k)| **k > 0 && !unit.is_empty())
        .map(|(unit, &k)| SegmentLevers {
            column: unit[0].column.clone(),
            value: unit[0].value.clone(),
            also: unit[1..].to_vec(),
            levers: options[k - 1].levers.clone(),
        })
        .collect();
    let mut costs = request.base.costs.clone();
    // A plan that runs nothing pays nothing, its fixed cost included (as the totals say).
    if picks.iter().all(|&k| k == 0) {
        costs.fixed_cost = 0.0;
    }
    Plan {
        name: format!("{} (optimised)", request.base.name),
        levers: Vec::new(),
        segment_levers,
        costs,
        ..request.base.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, objective: f64, cost: f64) -> UnitOutcome {
        UnitOutcome {
            option: name.into(),
            objective,
            profit: objective,
            cost,
            exposure: 0.0,
        }
    }

    /// A unit row whose campaign settings each send `messages`.
    fn row_sending(options: &[(f64, f64)], messages: f64) -> Vec<UnitOutcome> {
        let mut row = row(options);
        for option in row.iter_mut().skip(1) {
            option.exposure = messages;
        }
        row
    }

    fn sms_capacity(max_exposure: f64) -> Capacity {
        Capacity {
            column: "channel".into(),
            value: "sms".into(),
            max_exposure,
        }
    }

    #[test]
    fn a_full_channel_leaves_out_the_unit_earning_least_per_message() {
        // Units 0–2 on sms (1000, 3000, 2000 messages), unit 3 on email. 4000 sms messages
        // allowed: unit 1 earns 0.1 per message, the least, and goes; 0 and 2 fit (3000).
        let table = vec![
            row_sending(&[(500.0, 10.0)], 1000.0),
            row_sending(&[(300.0, 10.0)], 3000.0),
            row_sending(&[(700.0, 10.0)], 2000.0),
            row_sending(&[(100.0, 10.0)], 9000.0),
        ];
        let on_capacity = vec![vec![0, 1, 2]];
        let capacities = [sms_capacity(4000.0)];
        let (picks, left_out) = choose_within_capacity(&table, None, &capacities, &on_capacity);
        assert_eq!(picks, vec![1, 0, 1, 1]);
        assert_eq!(left_out, vec![false, true, false, false]);
        assert!(capacities_fit(&table, &picks, &capacities, &on_capacity));
        assert_eq!(used_exposure(&table, &picks, &on_capacity[0]), 3000.0);
        // A roomy capacity changes nothing; a zero one runs nothing on sms.
        let roomy = [sms_capacity(1e9)];
        assert_eq!(
            choose_within_capacity(&table, None, &roomy, &on_capacity).0,
            choose(&table, None)
        );
        let closed = [sms_capacity(0.0)];
        assert_eq!(
            choose_within_capacity(&table, None, &closed, &on_capacity).0,
            vec![0, 0, 0, 1]
        );
    }

    #[test]
    fn the_budget_a_left_out_unit_frees_goes_elsewhere() {
        // Budget 20: the sms units 0 and 1 take it all; sms allows one of them; the email
        // unit 2 gets the budget unit 1 freed.
        let table = vec![
            row_sending(&[(900.0, 10.0)], 1000.0),
            row_sending(&[(800.0, 10.0)], 1000.0),
            row_sending(&[(100.0, 10.0)], 1000.0),
        ];
        let on_capacity = vec![vec![0, 1]];
        let (picks, _) =
            choose_within_capacity(&table, Some(20.0), &[sms_capacity(1500.0)], &on_capacity);
        assert_eq!(picks, vec![1, 0, 1]);
    }

    fn row(options: &[(f64, f64)]) -> Vec<UnitOutcome> {
        let mut row = vec![no_campaign()];
        row.extend(
            options
                .iter()
                .enumerate()
                .map(|(i, &(v, c))| outcome(&format!("o{i}"), v, c)),
        );
        row
    }

    /// Giving up the chosen unit's setting frees its budget for the others: the runner-up
    /// says where it goes, and the best runner-up is the second-best plan of all.
    #[test]
    fn runners_up_choose_the_other_units_again() {
        // Budget 10: the knapsack takes unit 0's setting (gain 10 for 10); without it, units 1
        // and 2 both fit (6 + 3 for 5 + 5).
        let table = vec![row(&[(10.0, 10.0)]), row(&[(6.0, 5.0)]), row(&[(3.0, 5.0)])];
        let units: Vec<Vec<DimensionValue>> = (0..3)
            .map(|u| {
                vec![DimensionValue {
                    column: "segment".into(),
                    value: format!("s{u}"),
                }]
            })
            .collect();
        let limits = Limits {
            budget: Some(10.0),
            capacities: &[],
            on_capacity: &[],
        };
        let picks = choose(&table, limits.budget);
        assert_eq!(picks, vec![1, 0, 0]);
        let found = alternatives(&units, &table, &picks, &limits, 0.0, 0.0);
        let best = &found[0];
        assert_eq!(
            best.change,
            "segment=s0: o0 → no campaign; segment=s1: no campaign → o0; \
             segment=s2: no campaign → o0"
        );
        assert_eq!((best.objective, best.cost), (9.0, 10.0));
        // The brute-force second best agrees, and every runner-up is a different plan within
        // the budget.
        let mut totals: Vec<f64> = Vec::new();
        for a in 0..2 {
            for b in 0..2 {
                for c in 0..2 {
                    let plan = [a, b, c];
                    let cost: f64 = (0..3).map(|u| table[u][plan[u]].cost).sum();
                    if cost <= 10.0 {
                        totals.push((0..3).map(|u| table[u][plan[u]].objective).sum());
                    }
                }
            }
        }
        totals.sort_by(|x, y| y.total_cmp(x));
        assert_eq!(best.objective, totals[1]);
        assert!(found.iter().all(|a| a.cost <= 10.0 && a.objective < 10.0));
    }

    /// Every combination, for checking the knapsack on small tables.
    fn brute_force(table: &[Vec<UnitOutcome>], budget: f64) -> f64 {
        let mut best = f64::NEG_INFINITY;
        let mut picks = vec![0usize; table.len()];
        loop {
            let cost: f64 = picks.iter().zip(table).map(|(&k, r)| r[k].cost).sum();
            if cost <= budget {
                let value: f64 = picks.iter().zip(table).map(|(&k, r)| r[k].objective).sum();
                best = best.max(value);
            }
            let mut u = 0;
            loop {
                if u == table.len() {
                    return best;
                }
                picks[u] += 1;
                if picks[u] < table[u].len() {
                    break;
                }
                picks[u] = 0;
                u += 1;
            }
        }
    }

    #[test]
    fn without_a_budget_each_unit_takes_its_best_setting() {
        let table = vec![
            row(&[(10.0, 5.0), (30.0, 50.0)]),
            row(&[(-5.0, 1.0), (-1.0, 2.0)]),
        ];
        assert_eq!(choose(&table, None), vec![2, 0]);
    }

    #[test]
    fn a_budget_trades_the_dearer_setting_for_cheaper_ones_elsewhere() {
        // 100 to spend: a's 300-for-90 alone (300), or a's cheap 100-for-10 with b's 200-for-50
        // and c's 150-for-40 (450 for exactly 100).
        let table = vec![
            row(&[(300.0, 90.0), (100.0, 10.0)]),
            row(&[(200.0, 50.0)]),
            row(&[(150.0, 40.0)]),
        ];
        let picks = choose(&table, Some(100.0));
        let value: f64 = picks.iter().zip(&table).map(|(&k, r)| r[k].objective).sum();
        assert_eq!(picks, vec![2, 1, 1]);
        assert_eq!(value, 450.0);
        assert_eq!(value, brute_force(&table, 100.0));
    }

    #[test]
    fn the_knapsack_matches_brute_force_and_never_exceeds_the_budget() {
        // Deterministic pseudo-random tables.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64) / f64::from(u32::MAX >> 1)
        };
        for _ in 0..40 {
            let table: Vec<Vec<UnitOutcome>> = (0..4)
                .map(|_| {
                    let options: Vec<(f64, f64)> = (0..4)
                        .map(|_| (next() * 100.0 - 20.0, next() * 60.0))
                        .collect();
                    row(&options)
                })
                .collect();
            let budget = 20.0 + next() * 100.0;
            let picks = choose(&table, Some(budget));
            let cost: f64 = picks.iter().zip(&table).map(|(&k, r)| r[k].cost).sum();
            let value: f64 = picks.iter().zip(&table).map(|(&k, r)| r[k].objective).sum();
            assert!(cost <= budget, "cost {cost} over budget {budget}");
            // Rounding costs up may lose at most a sliver of the budget per unit.
            let optimum = brute_force(&table, budget);
            let relaxed = brute_force(&table, budget * (1.0 - 4.0 / BUDGET_STEPS as f64));
            assert!(
                value >= relaxed - 1e-9 && value <= optimum + 1e-9,
                "{value} vs optimum {optimum}"
            );
        }
    }

    #[test]
    fn reasons_speak_in_marginal_terms() {
        let row = row(&[(100.0, 50.0), (160.0, 150.0)]);
        let budget = |left: f64| {
            Some(BudgetLeft {
                left,
                whole: 1000.0,
            })
        };
        let chosen = reason(&row, 1, budget(0.0));
        assert!(
            chosen.contains("o0 gains 100 for 50 (2.00 per unit of cost)"),
            "{chosen}"
        );
        assert!(
            chosen.contains("o1 would gain 60 more for 100 more cost"),
            "{chosen}"
        );
        let dearer = reason(&row, 2, budget(0.0));
        assert!(
            dearer.contains("over o0 the extra 100 of cost gains 60 more (0.60"),
            "{dearer}"
        );
        let too_dear = reason(&row, 0, budget(40.0));
        assert!(
            too_dear.starts_with("left out: its best setting (o1) gains 160 for 150")
                && too_dear.contains("more than the 40 the budget has left"),
            "{too_dear}"
        );
        let poorer = reason(&row, 0, budget(400.0));
        assert!(
            poorer.ends_with("less than the budget earns elsewhere"),
            "{poorer}"
        );
        let beyond = reason(
            &row,
            0,
            Some(BudgetLeft {
                left: 100.0,
                whole: 100.0,
            }),
        );
        assert!(
            beyond.ends_with("even alone it costs more than the budget allows (100)"),
            "{beyond}"
        );
        let uncovered = reason(
            &row,
            0,
            Some(BudgetLeft {
                left: -5.0,
                whole: -5.0,
            }),
        );
        assert!(
            uncovered.ends_with("the budget does not cover the plan's fixed cost"),
            "{uncovered}"
        );
    }

    #[test]
    fn options_merge_over_the_base_levers() {
        let set = |lever: &str, value: &str| LeverSetting {
            lever: lever.into(),
            value: value.into(),
        };
        let merged = merged_levers(
            &[set("duration_days", "7"), set("discount_pct", "0")],
            &[set("discount_pct", "10")],
        );
        assert_eq!(
            merged,
            vec![set("duration_days", "7"), set("discount_pct", "10")]
        );
    }

    #[test]
    fn the_fixed_cost_can_make_running_nothing_best() {
        // Two units gaining 30 and 20 at cost 10 each; a fixed cost of 60 turns the plan into
        // a loss of 10 when maximising profit, but not when maximising an outcome (no charge).
        let table = vec![row(&[(30.0, 10.0)]), row(&[(20.0, 10.0)])];
        let (picks, _) = best_picks(&table, None, 60.0, 60.0, &[], &[]);
        assert_eq!(picks, vec![0, 0]);
        let (picks, _) = best_picks(&table, None, 60.0, 0.0, &[], &[]);
        assert_eq!(picks, vec![1, 1]);
        // A budget the fixed cost alone uses up runs nothing; one above it runs the best unit.
        assert_eq!(
            best_picks(&table, Some(60.0), 60.0, 0.0, &[], &[]).0,
            vec![0, 0]
        );
        assert_eq!(
            best_picks(&table, Some(75.0), 60.0, 0.0, &[], &[]).0,
            vec![1, 0]
        );
    }
}
