//! The budget optimiser on the sample data against the generator's noise-free truth: its choice
//! of offer per segment × channel must earn at least 95% of the true optimum's profit for what
//! it spends, and its plan must stay within the budget.

mod common;

use liftcast::model::TrainConfig;
use liftcast::scenario::optimise::optimise;

use common::sample_optimiser::{
    request, true_optimum_bound, true_value_of, truth_table, unlimited_cost,
};
use common::{sample_inspection, train_final_fit, train_on_cpu};

/// With the final fit, the model a planner uses (it learnt from the latest campaigns too).
#[test]
fn the_optimiser_earns_at_least_95_percent_of_the_true_optimum_within_budget() {
    let inspection = sample_inspection();
    let model = train_final_fit(&inspection);
    let truth = truth_table();
    // A budget that binds: half of what the unconstrained true optimum spends.
    let budget = 0.5 * unlimited_cost(&truth);
    let result = optimise(&model, &inspection.table.frame, &request(Some(budget))).unwrap();

    assert!(
        result.total_cost <= budget,
        "cost {} over budget {budget}",
        result.total_cost
    );
    let forecast_cost = result.forecast.money.point.campaign_cost;
    assert!(
        forecast_cost <= budget + 1.0,
        "the chosen plan's forecast costs {forecast_cost}, over {budget}"
    );
    let (earned, spent) = true_value_of(&result, &truth);
    // The choice is judged against the best the truth allows for what it really spends (its
    // cost forecast can be off either way), and never for less than the budget.
    let optimum = true_optimum_bound(&truth, budget.max(spent));
    println!(
        "budget {budget:.0}: the choice earns {earned:.0} and spends {spent:.0} (forecast \
         {:.0}); true optimum for that spend ≤ {optimum:.0} ({:.1}%)",
        result.total_cost,
        100.0 * earned / optimum
    );
    assert!(
        earned >= 0.95 * optimum,
        "the choice earns {earned:.0}, under 95% of the true optimum {optimum:.0}"
    );
    // Each unit's reason names its setting; the alternatives fit the budget too.
    for allocation in &result.allocations {
        assert!(!allocation.reason.is_empty());
    }
    assert!(result.alternatives.iter().all(|a| a.cost <= budget));
}

#[test]
fn a_discount_cap_leaves_deeper_offers_out() {
    let inspection = sample_inspection();
    let model = train_on_cpu(&inspection, TrainConfig::default());
    let mut capped = request(None);
    capped.max_discount_pct = Some(12.0);
    let result = optimise(&model, &inspection.table.frame, &capped).unwrap();
    // 15–30% off, and coupons worth more than 12% of their threshold (150:20, 200:30, 300:50).
    assert_eq!(result.excluded.len(), 7, "{:?}", result.excluded);
    for allocation in &result.allocations {
        assert!(
            ["no campaign", "5% off", "10% off", "coupon 100:10"]
                .contains(&allocation.choice.option.as_str()),
            "{}",
            allocation.choice.option
        );
    }
}

#[test]
fn a_channel_capacity_is_never_exceeded() {
    use liftcast::scenario::optimise::Capacity;
    let inspection = sample_inspection();
    // Constraints, not accuracy: a quickly trained model serves.
    let model = train_on_cpu(
        &inspection,
        TrainConfig {
            epochs: 3,
            members: 2,
            ..TrainConfig::default()
        },
    );
    let frame = &inspection.table.frame;
    let free = optimise(&model, frame, &request(None)).unwrap();
    let sms_used: f64 = free
        .allocations
        .iter()
        .filter(|a| a.unit.iter().any(|d| d.value == "sms"))
        .map(|a| a.choice.exposure)
        .sum();
    assert!(sms_used > 0.0, "the unconstrained plan sends sms");

    let mut limited = request(None);
    limited.capacities = vec![Capacity {
        column: "channel".into(),
        value: "sms".into(),
        max_exposure: 0.4 * sms_used,
    }];
    let result = optimise(&model, frame, &limited).unwrap();
    let used = &result.capacity_use[0];
    assert!(used.used <= 0.4 * sms_used + 1e-6, "{used:?}");
    assert!(!used.left_out.is_empty(), "{used:?}");
    for label in &used.left_out {
        let allocation = result
            .allocations
            .iter()
            .find(|a| &liftcast::scenario::optimise::unit_label(&a.unit) == label)
            .unwrap();
        assert_eq!(allocation.choice.option, "no campaign");
        assert!(
            allocation.reason.contains("capacity"),
            "{}",
            allocation.reason
        );
    }
    // The units off sms keep their unconstrained settings (no budget links them).
    for (a, b) in free.allocations.iter().zip(&result.allocations) {
        if !a.unit.iter().any(|d| d.value == "sms") {
            assert_eq!(a.choice.option, b.choice.option);
        }
    }
    // A capacity on a dimension that is not a unit is refused with the fix.
    let mut wrong = limited.clone();
    wrong.units = vec!["segment".into()];
    let error = optimise(&model, frame, &wrong).err().unwrap();
    assert!(error.to_string().contains("--unit channel"), "{error}");
}
