//! Lift decomposition (exact Shapley values over the changed levers) and monitoring of newer
//! data (population shift, keep / watch / retrain) on the sample data.

mod common;

use liftcast::diagnostics::decompose::decompose_lift;
use liftcast::diagnostics::dependence::partial_dependence;
use liftcast::diagnostics::importance::permutation_importance;
use liftcast::model::{LeverSetting, TrainConfig};

fn set(lever: &str, value: &str) -> LeverSetting {
    LeverSetting {
        lever: lever.into(),
        value: value.into(),
    }
}

#[test]
fn shapley_parts_add_up_and_the_null_lever_gets_almost_nothing() {
    let inspection = common::sample_inspection();
    let model = common::train_on_cpu(&inspection, TrainConfig::default());
    let frame = &inspection.table.frame;
    let campaign = [
        set("campaign_type", "percent_off"),
        set("discount_pct", "20"),
        set("duration_days", "7"),
        set("creative", "A"),
        set("coupon", "none"),
    ];
    // From no campaign: four levers change (the coupon stays at none), and their parts add up to the lift.
    let whole = decompose_lift(&model, frame, &[], &campaign).unwrap();
    assert_eq!(whole.changes.len(), 4);
    let direct = model.forecast(frame, &campaign).unwrap();
    for (outcome, forecast) in whole.outcomes.iter().zip(&direct.outcomes) {
        let sum: f64 = outcome.parts.iter().sum();
        assert!(
            (sum - outcome.total_lift).abs() <= 1e-6 * outcome.total_lift.abs(),
            "{}: parts {sum} against lift {}",
            outcome.outcome,
            outcome.total_lift
        );
        // The same lift the forecast reports for the scenario (every lever named, so no row
        // keeps a value of its own).
        assert!(
            (outcome.total_lift - forecast.lift).abs() <= 1e-6 * forecast.lift.abs().max(1.0),
            "{} against {}",
            outcome.total_lift,
            forecast.lift
        );
    }

    // Creative has no effect in the generator: switching it A → B beside a deeper discount
    // moves the forecast by a small share of the campaign's lift, while the deeper discount
    // brings more clicks and orders (as it does in the generator; its revenue barely moves
    // there, so revenue is not asserted). Not exactly zero: the members read a little of the
    // randomised rows' noise into it. On the committed sample the B - A part is -2.9% of the
    // campaign's clicks lift and -4.2% of its orders lift (8ab2b77), and the members' 80% band
    // of it straddles zero (printed below); on session 10's sparser sample, whose randomised rows
    // happened to show creative B about 7% fewer clicks per message than A, it was -9% to -13%
    // of clicks.
    let deeper = [set("discount_pct", "30"), set("creative", "B")];
    let change = decompose_lift(&model, frame, &campaign, &deeper).unwrap();
    let levers: Vec<&str> = change.changes.iter().map(|c| c.lever.as_str()).collect();
    assert_eq!(levers, ["discount_pct", "creative"]);
    for (outcome, reference) in change.outcomes.iter().zip(&whole.outcomes) {
        let creative = outcome.parts[1];
        let (low, high) = (outcome.parts_low[1], outcome.parts_high[1]);
        println!(
            "{}: creative A → B {creative:+.1} 80% [{low:+.1}, {high:+.1}]; discount 20 → 30 {:+.1} 80% [{:+.1}, {:+.1}]; the campaign's lift {:+.1}",
            outcome.outcome,
            outcome.parts[0],
            outcome.parts_low[0],
            outcome.parts_high[0],
            reference.total_lift
        );
        let share = creative.abs() / reference.total_lift.abs();
        assert!(
            share < 0.15,
            "{}: creative's part {creative:+.1} is {:.0}% of the campaign's lift",
            outcome.outcome,
            100.0 * share
        );
        assert!(
            low <= 0.0 && high >= 0.0,
            "{}: the members' 80% band of the null creative's part excludes zero: [{low:+.1}, {high:+.1}]",
            outcome.outcome
        );
        if outcome.outcome != "revenue" {
            assert!(
                outcome.parts_low[0] > 0.0,
                "{}: the deeper discount's part {:?}",
                outcome.outcome,
                (outcome.parts_low[0], outcome.parts_high[0])
            );
        }
    }

    // Unknown levers are named with the ones that exist.
    let error = decompose_lift(&model, frame, &[], &[set("colour", "red")]).unwrap_err();
    assert!(error.to_string().contains("campaign_type"), "{error}");

    importance_ranks_the_real_levers_above_the_null_one(&model, frame);
    partial_dependence_follows_the_discount(&model, frame);
}

/// The discount drives orders in the generator and the creative does nothing: shuffling the
/// discount costs the model more than shuffling the creative, and the same seed repeats.
fn importance_ranks_the_real_levers_above_the_null_one(
    model: &liftcast::model::ForecastModel,
    frame: &polars::prelude::DataFrame,
) {
    let importance = permutation_importance(model, frame, 3, 11).unwrap();
    assert_eq!(importance.repeats, 3);
    let orders = importance
        .outcomes
        .iter()
        .find(|o| o.outcome == "orders")
        .unwrap();
    assert_eq!(orders.metric, "poisson_deviance");
    let of = |column: &str| {
        orders
            .inputs
            .iter()
            .find(|i| i.column == column)
            .unwrap_or_else(|| panic!("{column} missing from {orders:?}"))
    };
    for input in &orders.inputs {
        println!(
            "{:<16} {:<10} {:+.5} ± {:.5}",
            input.column, input.role, input.increase, input.spread
        );
    }
    let (discount, creative) = (of("discount_pct"), of("creative"));
    assert!(
        discount.increase > creative.increase + 2.0 * creative.spread.max(discount.spread),
        "discount {discount:?} against creative {creative:?}"
    );
    assert!(
        orders
            .inputs
            .windows(2)
            .all(|w| w[0].increase >= w[1].increase)
    );
    assert_eq!(
        importance,
        permutation_importance(model, frame, 3, 11).unwrap()
    );
}

/// Orders rise with the discount on average, and the creative's curve is about flat.
fn partial_dependence_follows_the_discount(
    model: &liftcast::model::ForecastModel,
    frame: &polars::prelude::DataFrame,
) {
    let dependence = partial_dependence(model, frame).unwrap();
    let lever = |name: &str| dependence.levers.iter().find(|l| l.lever == name).unwrap();
    let orders = |name: &str| {
        lever(name)
            .outcomes
            .iter()
            .find(|o| o.outcome == "orders")
            .unwrap()
            .clone()
    };
    let discount = lever("discount_pct");
    assert!(discount.numeric);
    assert_eq!(discount.x.len(), discount.values.len());
    let by_discount = orders("discount_pct");
    println!("orders by discount: {:?}", by_discount.average);
    let (first, last) = (by_discount.average[0], *by_discount.average.last().unwrap());
    assert!(
        last > first,
        "orders at the deepest discount {last} vs none {first}"
    );
    assert!(!by_discount.ice.is_empty());
    for curve in &by_discount.ice {
        assert_eq!(curve.len(), discount.values.len());
    }
    let by_creative = orders("creative");
    let spread = by_creative.average.iter().cloned().fold(f64::MIN, f64::max)
        - by_creative.average.iter().cloned().fold(f64::MAX, f64::min);
    println!("orders by creative: {:?}", by_creative.average);
    assert!(
        spread < 0.25 * (last - first).abs(),
        "creative moves orders by {spread}, the discount by {}",
        last - first
    );
}

/// The sample's first year trains the model; the second year, with a competitor sale running
/// on most days, is the newer data.
#[test]
fn monitor_finds_the_injected_shift_and_does_not_say_keep() {
    let text = String::from_utf8(liftcast::embedded::SAMPLE_CSV.to_vec()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let competitor = header
        .split(',')
        .position(|c| c == "competitor_sale")
        .unwrap();
    let (mut old, mut new) = (vec![header.to_owned()], vec![header.to_owned()]);
    for (i, line) in lines.enumerate() {
        if line < "2025" {
            old.push(line.to_owned());
        } else {
            let mut cells: Vec<&str> = line.split(',').collect();
            if i % 5 != 0 {
                cells[competitor] = "1";
            }
            new.push(cells.join(","));
        }
    }
    let folder = tempfile::tempdir().unwrap();
    let old_path = folder.path().join("old.csv");
    let new_path = folder.path().join("new.csv");
    std::fs::write(&old_path, old.join("\n")).unwrap();
    std::fs::write(&new_path, new.join("\n")).unwrap();
    let model = folder.path().join("model");
    common::train_cli(&old_path, &model, "3");
    let chart = folder.path().join("monitor.svg");
    let output = common::liftcast(&[
        "monitor",
        model.to_str().unwrap(),
        new_path.to_str().unwrap(),
        "--device",
        "cpu",
        "--chart",
        chart.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let shifts = report["shifts"].as_array().unwrap();
    assert_eq!(shifts[0]["feature"], "competitor_sale", "{shifts:?}");
    assert_eq!(shifts[0]["level"], "major");
    assert_ne!(report["recommendation"], "keep");
    let reasons = report["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| {
        r.as_str()
            .unwrap()
            .starts_with("competitor_sale has shifted a lot")
    }));
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes[0]["by_date"].as_array().unwrap().len() > 300);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("the saved model on newer data"));
}
