//! Plans on the sample data against the generator's noise-free truth (`sample_data/truth.json`),
//! and the plan warnings that the history triggers.

mod common;

use std::path::Path;

use liftcast::data::sample::{campaign_totals, scenario_start, world::OfferKind};
use liftcast::data::{ImportOptions, column, import};
use liftcast::model::TrainConfig;
use liftcast::scenario::evaluate::evaluate_plan;
use liftcast::scenario::plan::plan_warnings;

use common::{sample_inspection as sample, train_final_fit, train_on_cpu};

use common::sample_plan as plan;

/// Plans are forecast with the final fit, the model a planner uses: it learnt from every date,
/// the latest campaigns included. With the default seed every expected lift is within 10% of
/// the truth (the worst, the 15%-off plan's clicks, -8.5%). Across training seeds 42 and 1-5
/// it is 58 of 72, and the truth is inside the 95% interval in 72 of 72 (`cargo bench
/// --profile release --bench plan_truth`, BENCHMARKS.md session 11).
#[test]
fn true_lifts_are_within_10_percent_and_inside_the_95_percent_intervals() {
    let inspection = sample();
    let model = train_final_fit(&inspection);
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/truth.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut outside = Vec::new();
    let mut off = Vec::new();
    for scenario in truth["scenarios"].as_array().unwrap() {
        let name = scenario["name"].as_str().unwrap();
        let forecast = evaluate_plan(
            &model,
            &inspection.table.frame,
            &plan(&format!("{name}.json")),
        )
        .unwrap();
        for expected in scenario["outcomes"].as_array().unwrap() {
            let outcome = expected["outcome"].as_str().unwrap();
            let true_lift = expected["lift"].as_f64().unwrap();
            let predicted = forecast.outcome(outcome).unwrap();
            // Printed for the record (BENCHMARKS.md); the 95% interval is what is asserted.
            println!(
                "{name} {outcome}: true lift {true_lift:.1}, predicted {:.1} ({:+.1}%), 95% [{:.1}, {:.1}]",
                predicted.lift,
                100.0 * (predicted.lift / true_lift - 1.0),
                predicted.lift_95.low,
                predicted.lift_95.high
            );
            assert!(predicted.lift_95.low < predicted.lift_95.high);
            if !predicted.lift_95.contains(true_lift) {
                outside.push(format!("{name} {outcome}"));
            }
            let error = predicted.lift / true_lift - 1.0;
            if error.abs() > 0.1 {
                off.push(format!("{name} {outcome} {:+.1}%", 100.0 * error));
            }
            assert!(predicted.lift_80.low >= predicted.lift_95.low);
        }
        let money = &forecast.money.point;
        assert!(
            (money.incremental_profit - (money.incremental_margin - money.campaign_cost)).abs()
                < 0.005
        );
    }
    assert!(
        outside.is_empty(),
        "truth outside the 95% interval: {outside:?}"
    );
    assert!(
        off.is_empty(),
        "lifts more than 10% from the truth: {off:?}"
    );
}

/// Shorter campaigns carry more urgency (the generator scales the lift by 1 / (1 + days / 21)).
/// Early stopping shrinks a lever's effect towards its average over values, and session 9's
/// model flattened this: a 3-day `150:20` coupon's clicks lift came out 1.30 times a 14-day
/// one's where the truth says 1.46 (the assertion failed). The festival and post-campaign
/// inputs brought it to 1.40 on the sparser sample of sessions 1–10; on the committed sample,
/// with each duration calibrated as its own arm (`calibrate_lever_values`, the default), it is
/// 1.45, and 1.49 with the damped trend and penalty 0.03 (8ab2b77).
#[test]
fn a_short_campaigns_urgency_survives_training() {
    let inspection = sample();
    let model = train_final_fit(&inspection);
    let history = &inspection.table.frame;
    let offer = OfferKind::Coupon {
        threshold: 150.0,
        off: 20.0,
    };
    let lift_pct = |days: u32| {
        let mut plan = plan("coupon_150_20_active_app_push_7d.json");
        plan.end = Some(scenario_start() + chrono::Duration::days(i64::from(days) - 1));
        for setting in &mut plan.levers {
            if setting.lever == "duration_days" {
                setting.value = days.to_string();
            }
        }
        let forecast = evaluate_plan(&model, history, &plan).unwrap();
        let clicks = forecast.outcome("clicks").unwrap();
        // Segment 1 (active), channel 0 (app push): the plan's audience.
        let (with, without) = campaign_totals(1, 0, offer, scenario_start(), days);
        (
            clicks.lift_pct,
            100.0 * (with.clicks / without.clicks - 1.0),
        )
    };
    let (short, short_truth) = lift_pct(3);
    let (long, long_truth) = lift_pct(14);
    let (ratio, true_ratio) = (short / long, short_truth / long_truth);
    println!("3-day / 14-day clicks lift: {ratio:.2}, truly {true_ratio:.2}");
    assert!(
        (ratio / true_ratio - 1.0).abs() < 0.1,
        "3-day / 14-day clicks lift {ratio:.2}, truly {true_ratio:.2}"
    );
}

#[test]
fn history_and_schema_warnings_are_triggered() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let history = &inspection.table.frame;
    // 11-day campaigns only ever ran at 11.11, when every segment was on a campaign.
    let mut festival = plan("pct15_all_7d.json");
    festival.end = Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 17).unwrap());
    for setting in &mut festival.levers {
        if setting.lever == "duration_days" {
            setting.value = "11".into();
        }
    }
    let warnings = liftcast::scenario::history::history_warnings(history, &schema, &festival);
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("confounded: duration_days = 11")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("longer than any campaign seen: the plan runs 16 days")),
        "{warnings:?}"
    );
    // The randomised 15%-off week is neither confounded nor too long.
    let clean =
        liftcast::scenario::history::history_warnings(history, &schema, &plan("pct15_all_7d.json"));
    assert!(clean.is_empty(), "{clean:?}");

    // A lever that never varied: its effect was never learnt.
    let mut frozen = schema.clone();
    for lever in &mut frozen.levers {
        if lever.column == "creative" {
            lever.varies = false;
        }
    }
    let warnings = plan_warnings(&frozen, &plan("pct15_all_7d.json"));
    assert!(
        warnings.iter().any(|w| w.contains("creative never varied")),
        "{warnings:?}"
    );
}

#[test]
fn unseen_segments_are_cold_start() {
    let inspection = sample();
    let config = TrainConfig {
        epochs: 2,
        members: 2,
        ..TrainConfig::default()
    };
    let model = train_on_cpu(&inspection, config);
    // The same history with the VIPs renamed: a segment the model never saw.
    let folder = tempfile::tempdir().unwrap();
    let renamed = folder.path().join("renamed.csv");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/shop_campaigns.csv"),
    )
    .unwrap();
    std::fs::write(&renamed, text.replace(",vip,", ",platinum,")).unwrap();
    let table = import::load(&renamed, &ImportOptions::default()).unwrap();
    let forecast = evaluate_plan(&model, &table.frame, &plan("pct15_all_7d.json")).unwrap();
    assert_eq!(
        forecast.cold_start_rows,
        7 * 3,
        "7 days × 3 channels of platinum"
    );
    let warning = forecast
        .warnings
        .iter()
        .find(|w| w.starts_with("cold start: 21 of 84 rows"))
        .unwrap_or_else(|| panic!("{:?}", forecast.warnings));
    // It names the value the model does not know, its rows, and what the model knows instead.
    assert!(
        warning.contains("segment = 'platinum' (21 rows)")
            && warning.contains("the model knows 'active', 'lapsed', 'new' and 1 more"),
        "{warning}"
    );
    assert!(!warning.contains("channel ="), "{warning}");
}

/// The randomised campaign rows are the evidence for lift: against the model's own baseline,
/// the lift it predicts on them must be the lift they show. (A festival sale's rows once
/// entered the per-campaign-type calibration and raised every campaign's lift by half.)
#[test]
fn the_lift_on_randomised_campaign_rows_is_what_they_show() {
    let inspection = sample();
    let model = train_on_cpu(&inspection, TrainConfig::default());
    let frame = &inspection.table.frame;
    let forecast = model.forecast(frame, &[]).unwrap();
    let randomised = column::numbers(frame, "randomised").unwrap();
    let campaign = column::texts(frame, "campaign_type").unwrap();
    let treated: Vec<usize> = (0..frame.height())
        .filter(|&r| randomised[r] == Some(1.0) && campaign[r].as_deref() != Some("none"))
        .collect();
    assert!(
        treated.len() > 500,
        "{} randomised campaign rows",
        treated.len()
    );
    for predictions in &forecast.rows {
        let actual = column::numbers(frame, &predictions.outcome).unwrap();
        let (mut observed, mut predicted, mut baseline) = (0.0, 0.0, 0.0);
        for &r in &treated {
            observed += actual[r].unwrap();
            predicted += predictions.scenario[r];
            baseline += predictions.baseline[r];
        }
        let ratio = (observed - baseline) / (predicted - baseline);
        println!(
            "{}: observed lift / predicted lift on the randomised campaign rows {ratio:.3}",
            predictions.outcome
        );
        assert!(
            (0.9..=1.1).contains(&ratio),
            "{}: the rows show {:.0}, the model predicts {:.0} over a baseline of {baseline:.0}",
            predictions.outcome,
            observed - baseline,
            predicted - baseline
        );
    }
}
