//! The optimiser problem on the sample data and its true answer from the generator's formulas:
//! one offer per segment × channel for the first week after the history, every offer the
//! randomised windows tested on the grid. Shared by `tests/optimise_truth.rs` and
//! `benches/optimise.rs`.

use chrono::Duration;
use liftcast::data::notation::parse_offer;
use liftcast::data::sample::world::{CHANNELS, Campaign, OfferKind, SEGMENTS};
use liftcast::data::sample::{campaign_totals, lever_cells, scenario_start, tested_offers};
use liftcast::model::LeverSetting;
use liftcast::scenario::costs::{CostSettings, PlanQuantities, money};
use liftcast::scenario::optimise::{GridOption, OptimiseRequest, OptimiseResult};
use liftcast::scenario::plan::Plan;

/// Plan length in days (the campaign's duration lever too).
pub const DAYS: u32 = 7;

fn set(lever: &str, value: &str) -> LeverSetting {
    LeverSetting {
        lever: lever.into(),
        value: value.into(),
    }
}

pub fn costs() -> CostSettings {
    CostSettings {
        fixed_cost: 0.0,
        cost_per_exposure: 0.005,
        margin_pct: 40.0,
        revenue_is_net_of_discount: true,
        // The world's coupon orders pay 0.8 × the face value on average.
        redemption_share: 0.8,
    }
}

/// The grid as lever settings, with the offer the world knows each by.
pub fn grid() -> Vec<(GridOption, OfferKind)> {
    tested_offers()
        .into_iter()
        .map(|offer| {
            let (kind, percent, coupon, _, _) = lever_cells(Some(Campaign {
                offer,
                duration_days: DAYS,
                creative: 'A',
            }));
            let name = match offer {
                OfferKind::PercentOff { percent } => format!("{percent}% off"),
                OfferKind::Coupon { .. } => format!("coupon {coupon}"),
            };
            let option = GridOption {
                name,
                levers: vec![
                    set("campaign_type", &kind),
                    set("discount_pct", &percent),
                    set("coupon", &coupon),
                ],
            };
            (option, offer)
        })
        .collect()
}

/// The request: segment × channel units, the whole grid, `budget`.
pub fn request(budget: Option<f64>) -> OptimiseRequest {
    let start = scenario_start();
    OptimiseRequest {
        base: Plan {
            format_version: 1,
            name: "first week after the history".into(),
            start: Some(start),
            end: Some(start + Duration::days(i64::from(DAYS) - 1)),
            audience: Vec::new(),
            levers: vec![
                set("duration_days", &DAYS.to_string()),
                set("creative", "A"),
            ],
            segment_levers: Vec::new(),
            costs: costs(),
            carry: Default::default(),
            covariates_file: None,
        },
        units: vec!["segment".into(), "channel".into()],
        options: grid().into_iter().map(|(option, _)| option).collect(),
        budget,
        objective: "profit".into(),
        max_discount_pct: None,
        capacities: Vec::new(),
    }
}

/// True (profit, cost) per unit (segment-major) and option (0 = no campaign, then the grid).
pub fn truth_table() -> Vec<Vec<(f64, f64)>> {
    let grid = grid();
    let mut table = Vec::new();
    for segment in 0..SEGMENTS.len() {
        for channel in 0..CHANNELS.len() {
            let mut row = vec![(0.0, 0.0)];
            for (_, offer) in &grid {
                let (with, without) =
                    campaign_totals(segment, channel, *offer, scenario_start(), DAYS);
                let quantities = PlanQuantities {
                    exposure: with.sends,
                    orders: with.orders,
                    revenue: with.revenue,
                    baseline_revenue: without.revenue,
                };
                let notation = match offer {
                    OfferKind::PercentOff { percent } => parse_offer(&format!("{percent}% off")),
                    OfferKind::Coupon { threshold, off } => {
                        parse_offer(&format!("{threshold}:{off}"))
                    }
                };
                let money = money(&notation, &quantities, &costs());
                row.push((money.incremental_profit, money.campaign_cost));
            }
            table.push(row);
        }
    }
    table
}

/// An upper bound on the true optimum within `budget`: the knapsack with every cost rounded
/// *down* to a fine grid admits every plan the budget admits (and a few more).
pub fn true_optimum_bound(table: &[Vec<(f64, f64)>], budget: f64) -> f64 {
    const STEPS: usize = 20_000;
    let step = budget / STEPS as f64;
    let mut best = vec![0.0f64; STEPS + 1];
    for row in table {
        let mut next = vec![f64::NEG_INFINITY; STEPS + 1];
        for &(profit, cost) in row {
            let w = (cost / step).floor() as usize;
            for total in w..=STEPS {
                next[total] = next[total].max(best[total - w] + profit);
            }
        }
        best = next;
    }
    best[STEPS]
}

/// The true cost of spending without limit on each unit's most profitable option.
pub fn unlimited_cost(table: &[Vec<(f64, f64)>]) -> f64 {
    table
        .iter()
        .map(|row| {
            row.iter()
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|best| best.1)
                .unwrap_or(0.0)
        })
        .sum()
}

/// The true (profit, cost) of the optimiser's choice.
pub fn true_value_of(result: &OptimiseResult, table: &[Vec<(f64, f64)>]) -> (f64, f64) {
    let (mut profit, mut cost) = (0.0, 0.0);
    for allocation in &result.allocations {
        let value = |column: &str| {
            allocation
                .unit
                .iter()
                .find(|d| d.column == column)
                .map(|d| d.value.as_str())
                .unwrap_or_default()
        };
        let segment = SEGMENTS.iter().position(|x| *x == value("segment"));
        let channel = CHANNELS.iter().position(|x| *x == value("channel"));
        let option = allocation
            .candidates
            .iter()
            .position(|o| o.option == allocation.choice.option);
        if let (Some(s), Some(c), Some(k)) = (segment, channel, option) {
            let (p, q) = table[s * CHANNELS.len() + c][k];
            profit += p;
            cost += q;
        }
    }
    (profit, cost)
}
