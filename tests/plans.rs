//! Campaign plans on the sample data: future rows, per-segment levers, money, and the CLI.

mod common;

use std::path::Path;

use liftcast::data::column;
use liftcast::model::LeverSetting;
use liftcast::scenario::optimise::{GridOption, OptimiseRequest, optimise};
use liftcast::scenario::plan::{
    AudienceFilter, Plan, PlanError, SegmentLevers, plan_rows, plan_warnings,
};

use common::sample_inspection as sample;

use common::sample_plan as committed_plan;

#[test]
fn future_rows_are_dates_times_combinations_with_per_segment_levers() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let mut plan = committed_plan("pct15_all_7d.json");
    plan.audience = vec![AudienceFilter {
        column: "channel".into(),
        values: vec!["sms".into()],
    }];
    plan.segment_levers = vec![SegmentLevers {
        also: Vec::new(),
        column: "segment".into(),
        value: "vip".into(),
        levers: vec![LeverSetting {
            lever: "discount_pct".into(),
            value: "25".into(),
        }],
    }];
    let rows = plan_rows(&inspection.table.frame, &schema, &plan).unwrap();
    assert_eq!(
        rows.scenario.height(),
        7 * 4,
        "7 days × 4 segments on one channel"
    );
    let dates = column::texts(&rows.scenario, "date").unwrap();
    assert_eq!(dates[0].as_deref(), Some("2026-03-02"));
    let segments = column::texts(&rows.scenario, "segment").unwrap();
    let discounts = column::texts(&rows.scenario, "discount_pct").unwrap();
    for (segment, discount) in segments.iter().zip(&discounts) {
        let expected = if segment.as_deref() == Some("vip") {
            "25"
        } else {
            "15"
        };
        assert_eq!(discount.as_deref(), Some(expected));
    }
    let baseline = column::texts(&rows.baseline, "discount_pct").unwrap();
    assert!(baseline.iter().all(|d| d.as_deref() == Some("0")));
    let sends = column::numbers(&rows.scenario, "sends").unwrap();
    assert!(
        sends.iter().all(|s| s.is_some_and(|s| s > 0.0)),
        "exposure carried forward"
    );
    assert!(rows.rule.contains("last 28 days"));
}

#[test]
fn plans_without_dates_or_ending_early_are_refused() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let mut plan = committed_plan("pct15_all_7d.json");
    plan.end = plan.start.map(|d| d - chrono::Duration::days(1));
    let error = plan_rows(&inspection.table.frame, &schema, &plan)
        .err()
        .unwrap();
    assert!(
        matches!(error, PlanError::EndsBeforeStart { .. }),
        "{error}"
    );
    plan.start = None;
    assert!(matches!(
        plan_rows(&inspection.table.frame, &schema, &plan)
            .err()
            .unwrap(),
        PlanError::NoDates
    ));
}

/// A numeric lever set to a word (a plan written for another coding of the data) would reach
/// the model as a missing value; the plan is refused and the message names lever, value and
/// the range, wherever the setting sits.
#[test]
fn a_numeric_lever_set_to_a_word_is_refused() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let frame = &inspection.table.frame;
    let mut plan = committed_plan("pct15_all_7d.json");
    assert!(plan_rows(frame, &schema, &plan).is_ok());
    plan.levers[1].value = "fifteen".into();
    let error = plan_rows(frame, &schema, &plan).err().unwrap();
    assert!(matches!(error, PlanError::NotANumber { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("discount_pct = 'fifteen'") && message.contains("0 to 30"),
        "{message}"
    );

    let mut plan = committed_plan("pct15_all_7d.json");
    plan.segment_levers = vec![SegmentLevers {
        also: Vec::new(),
        column: "segment".into(),
        value: "vip".into(),
        levers: vec![LeverSetting {
            lever: "duration_days".into(),
            value: "a week".into(),
        }],
    }];
    let error = plan_rows(frame, &schema, &plan).err().unwrap();
    assert!(
        error.to_string().contains("duration_days = 'a week'"),
        "{error}"
    );
    // "NaN" and "inf" parse as numbers, but no campaign runs for them.
    for word in ["NaN", "inf", "-inf"] {
        let mut plan = committed_plan("pct15_all_7d.json");
        plan.levers[1].value = word.into();
        let error = plan_rows(frame, &schema, &plan).err().unwrap();
        assert!(
            matches!(error, PlanError::NotANumber { .. }),
            "{word}: {error}"
        );
    }
}

/// An audience value the data does not have (a typo) is named with the values it has, not
/// answered with "no rows".
#[test]
fn an_audience_the_data_lacks_names_the_values_it_has() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let mut plan = committed_plan("pct15_all_7d.json");
    plan.audience = vec![AudienceFilter {
        column: "segment".into(),
        values: vec!["VIP".into()],
    }];
    let error = plan_rows(&inspection.table.frame, &schema, &plan)
        .err()
        .unwrap();
    assert!(
        matches!(error, PlanError::UnknownAudience { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("segment = VIP") && message.contains("active, lapsed, new, vip"),
        "{message}"
    );
    // One known value among unknown ones is a narrower audience, not an error.
    plan.audience[0].values.push("vip".into());
    assert!(plan_rows(&inspection.table.frame, &schema, &plan).is_ok());
}

/// Per-segment levers that reach nobody are refused, saying whether the segment is unknown or
/// left out by the audience; a coupon written back to front is warned about.
#[test]
fn segment_levers_must_reach_someone() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let frame = &inspection.table.frame;
    let coupon_for = |value: &str| SegmentLevers {
        also: Vec::new(),
        column: "segment".into(),
        value: value.into(),
        levers: vec![LeverSetting {
            lever: "coupon".into(),
            value: "150:20".into(),
        }],
    };
    let mut plan = committed_plan("pct15_all_7d.json");
    plan.segment_levers = vec![coupon_for("VIP")];
    let message = plan_rows(frame, &schema, &plan).err().unwrap().to_string();
    assert!(
        message.contains("segment = VIP reach no rows")
            && message.contains("its values are active, lapsed, new, vip"),
        "{message}"
    );
    plan.segment_levers = vec![coupon_for("vip")];
    plan.audience = vec![AudienceFilter {
        column: "segment".into(),
        values: vec!["active".into()],
    }];
    let message = plan_rows(frame, &schema, &plan).err().unwrap().to_string();
    assert!(message.contains("audience leaves it out"), "{message}");
    plan.audience[0].values.push("vip".into());
    assert!(plan_rows(frame, &schema, &plan).is_ok());

    plan.segment_levers[0].levers[0].value = "20:150".into();
    let warnings = plan_warnings(&schema, &plan);
    assert!(
        warnings.iter().any(|w| w.contains("was '150:20' meant?")),
        "{warnings:?}"
    );
}

/// The days after the data: every dimension combination of the audience on each day, every
/// lever at its baseline, dates starting the day after the data ends.
#[test]
fn rows_after_the_data_cover_the_audience_for_each_day() {
    use liftcast::scenario::plan::rows_after_data;
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let frame = &inspection.table.frame;
    let (rows, rule) = rows_after_data(frame, &schema, &[], 7).unwrap();
    assert_eq!(rows.height(), 7 * 12, "4 segments × 3 channels, 7 days");
    assert!(rule.contains("last 28 days"), "{rule}");
    let dates = column::texts(&rows, "date").unwrap();
    let first = schema.time.as_ref().unwrap().last + chrono::Duration::days(1);
    assert!(dates.iter().flatten().all(|d| *d >= first.to_string()));
    for lever in &schema.levers {
        let values = column::texts(&rows, &lever.column).unwrap();
        assert!(
            values
                .iter()
                .all(|v| v.as_deref() == Some(lever.baseline.as_str())),
            "{} at its baseline",
            lever.column
        );
    }
    let vip = [AudienceFilter {
        column: "segment".into(),
        values: vec!["vip".into()],
    }];
    assert_eq!(
        rows_after_data(frame, &schema, &vip, 3).unwrap().0.height(),
        3 * 3
    );
    // Unit data has no days after it.
    let mut undated = schema.clone();
    undated.time = None;
    assert!(matches!(
        rows_after_data(frame, &undated, &[], 7),
        Err(PlanError::NoTimeColumn)
    ));
}

/// A hand-written plan may leave out the costs it does not have: no fixed or message cost, net
/// revenue, every coupon order redeeming. The margin must be stated.
#[test]
fn a_plan_file_may_leave_out_costs_it_does_not_have() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("short.json");
    let write = |costs: &str| {
        let text = format!(
            r#"{{"format_version": 1, "name": "short", "start": "2026-03-02",
                "end": "2026-03-08", "levers": [], "costs": {costs}}}"#
        );
        std::fs::write(&path, text).unwrap();
        Plan::load(&path)
    };
    let plan = write(r#"{"margin_pct": 35}"#).unwrap();
    assert_eq!(plan.costs.margin_pct, 35.0);
    assert_eq!(plan.costs.fixed_cost, 0.0);
    assert_eq!(plan.costs.cost_per_exposure, 0.0);
    assert!(plan.costs.revenue_is_net_of_discount);
    assert_eq!(plan.costs.redemption_share, 1.0);
    let error = write("{}").unwrap_err().to_string();
    assert!(error.contains("margin_pct"), "{error}");
}

#[test]
fn plan_file_round_trips() {
    let plan = committed_plan("coupon_150_20_active_app_push_7d.json");
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("plan.json");
    plan.save(&path).unwrap();
    assert_eq!(Plan::load(&path).unwrap(), plan);
}

/// A plan names its covariates file relative to itself, so the two can move together: the
/// committed plans read `plan_covariates.csv` beside them from any working directory.
#[test]
fn a_relative_covariates_file_is_read_beside_the_plan() {
    let plan = committed_plan("pct15_all_7d.json");
    let file = plan.covariates_file.clone().unwrap();
    assert!(file.is_absolute() && file.exists(), "{}", file.display());
    let folder = tempfile::tempdir().unwrap();
    let text = serde_json::to_string(&Plan {
        covariates_file: Some("future.csv".into()),
        ..plan.clone()
    })
    .unwrap();
    std::fs::write(folder.path().join("plan.json"), text).unwrap();
    let moved = Plan::load(&folder.path().join("plan.json")).unwrap();
    assert_eq!(
        moved.covariates_file,
        Some(folder.path().join("future.csv"))
    );
}

/// A plan read by a relative path and saved in another folder (as `liftcast optimize --out`
/// saves its plan) still finds its covariates file when read again.
#[test]
fn a_plan_saved_elsewhere_keeps_its_covariates_file() {
    let plan = Plan::load(Path::new("sample_data/plans/pct15_all_7d.json")).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("copy.json");
    plan.save(&copy).unwrap();
    let reread = Plan::load(&copy).unwrap();
    let file = reread.covariates_file.unwrap();
    assert!(file.exists(), "{}", file.display());
}

#[test]
fn cli_plan_reports_lift_and_money() {
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("shop_model");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/shop_campaigns.csv");
    common::train_cli(&data, &model, "5");
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/plans/pct15_all_7d.json");
    let run_plan = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            model.to_str().unwrap(),
            plan.to_str().unwrap(),
            "--device",
            "cpu",
        ];
        args.extend_from_slice(extra);
        let output = common::liftcast(&args);
        assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
        output
    };
    let output = run_plan(&["--json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["rows"], 84);
    let money = &report["money"]["point"];
    let profit = money["incremental_profit"].as_f64().unwrap();
    let identity =
        money["incremental_margin"].as_f64().unwrap() - money["campaign_cost"].as_f64().unwrap();
    assert!((profit - identity).abs() < 0.005);
    let parts = money["fixed_cost"].as_f64().unwrap()
        + money["exposure_cost"].as_f64().unwrap()
        + money["discount_value"].as_f64().unwrap();
    assert!((parts - money["campaign_cost"].as_f64().unwrap()).abs() < 0.005);
    assert!(
        money["discount_value"].as_f64().unwrap() > 0.0,
        "15% off gives a discount away"
    );
    let p = report["money"]["probability_profit_positive"]
        .as_f64()
        .unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(report["by_segment"].as_array().unwrap().len(), 4 + 3);
    assert_eq!(report["by_day"].as_array().unwrap().len(), 7);

    // The text says the same profit, with the decimals the plan's largest amount warrants, and
    // the ROI with its band.
    let text = common::stdout(&run_plan(&[]));
    let places = liftcast::numbers::decimals_for_largest(
        ["incremental_revenue", "campaign_cost", "incremental_profit"]
            .iter()
            .map(|k| money[*k].as_f64().unwrap()),
    );
    let said = format!("profit {} 80% ", liftcast::numbers::grouped(profit, places));
    assert!(text.contains(&said), "{said} not in\n{text}");
    let roi_80 = &report["money"]["roi_80"];
    let roi = format!(
        "ROI {:.2} 80% [{:.2}, {:.2}]",
        money["roi"].as_f64().unwrap(),
        roi_80["low"].as_f64().unwrap(),
        roi_80["high"].as_f64().unwrap()
    );
    assert!(text.contains(&roi), "{roi} not in\n{text}");

    // The breakdown gives each group's lift in % of its baseline too.
    let breakdown = common::stdout(&run_plan(&["--breakdown"]));
    let group = &report["by_segment"][0];
    let first = &group["outcomes"][0];
    let lift = first["lift"].as_f64().unwrap();
    let pct = lift / first["baseline"].as_f64().unwrap() * 100.0;
    let said = format!(
        "{}={} ({} rows): {} {} ({pct:+.1}%)",
        group["by"].as_str().unwrap(),
        group["value"].as_str().unwrap(),
        group["rows"],
        first["outcome"].as_str().unwrap(),
        liftcast::numbers::signed(lift, 1)
    );
    assert!(breakdown.contains(&said), "{said} not in\n{breakdown}");

    let other = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data/plans/coupon_150_20_active_app_push_7d.json");
    let output = common::liftcast(&[
        "compare",
        model.to_str().unwrap(),
        plan.to_str().unwrap(),
        other.to_str().unwrap(),
        "--metric",
        "orders",
        "--device",
        "cpu",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let comparison = &report["comparison"];
    let beats = |i: usize, j: usize| comparison["beats"][i][j].as_f64().unwrap();
    assert!(
        (beats(0, 1) + beats(1, 0) - 1.0).abs() < 1e-6,
        "{comparison}"
    );
    let best: f64 = (0..2)
        .map(|i| comparison["plans"][i]["probability_best"].as_f64().unwrap())
        .sum();
    assert!((best - 1.0).abs() < 1e-9);

    let output = common::liftcast(&[
        "suggest",
        model.to_str().unwrap(),
        plan.to_str().unwrap(),
        "--arm",
        "p10:discount_pct=10",
        "--arm",
        "p25:discount_pct=25",
        "--device",
        "cpu",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let suggestion: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let shares: f64 = suggestion["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9, "{suggestion}");

    let chosen = folder.path().join("optimised.json");
    let optimize = |extra: &[&str]| {
        let mut args = vec![
            "optimize",
            model.to_str().unwrap(),
            plan.to_str().unwrap(),
            "--unit",
            "segment",
            "--option",
            "p10:campaign_type=percent_off,discount_pct=10",
            "--option",
            "c150:campaign_type=coupon,coupon=150:20",
            "--device",
            "cpu",
        ];
        args.extend_from_slice(extra);
        common::liftcast(&args)
    };
    let output = optimize(&[
        "--budget",
        "20000",
        "--json",
        "--save-plan",
        chosen.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        result["total_cost"].as_f64().unwrap() <= 20_000.0,
        "{result}"
    );
    assert_eq!(result["allocations"].as_array().unwrap().len(), 4);
    let saved = liftcast::scenario::plan::Plan::load(&chosen).unwrap();
    assert!(saved.levers.is_empty(), "levers go per segment only");
    // What the budget holds back is the plan chosen with no budget at all.
    let output = optimize(&["--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let free: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let number = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap();
    let held_back = number(&free, "total_objective") > number(&result, "total_objective") + 1e-6;
    let without = &result["without_budget"];
    assert_eq!(without.is_object(), held_back, "{without} against {free}");
    if held_back {
        assert!((number(without, "cost") - number(&free, "total_cost")).abs() < 1e-6);
        assert!((number(without, "objective") - number(&free, "total_objective")).abs() < 1e-6);
    }
    // A budget below every setting's cost runs nothing, and says what would run something.
    let output = optimize(&["--budget", "1"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let text = common::stdout(&output);
    assert!(
        text.contains("nothing fits the budget of 1: the cheapest setting that gains anything"),
        "{text}"
    );
    assert!(!text.contains("holds the plan back"), "said once: {text}");
    // A capacity on the segment unit `vip`: at most 1 message there, so vip gets nothing.
    let output = optimize(&["--capacity", "segment=vip:1", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let used = &result["capacity_use"][0];
    assert!(used["used"].as_f64().unwrap() <= 1.0, "{used}");
    let output = optimize(&["--capacity", "channel=sms:100"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains("--unit channel"),
        "{}",
        common::stderr(&output)
    );
    let output = optimize(&["--option", "bad:no_such_lever=1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains("no_such_lever"),
        "{}",
        common::stderr(&output)
    );
}

#[test]
fn plans_beyond_the_data_are_flagged() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let mut plan = committed_plan("pct15_all_7d.json");
    plan.levers = vec![
        LeverSetting {
            lever: "discount_pct".into(),
            value: "45".into(),
        },
        LeverSetting {
            lever: "creative".into(),
            value: "C".into(),
        },
    ];
    let warnings = plan_warnings(&schema, &plan);
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("extrapolation: discount_pct = 45")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("creative = 'C' never occurs")),
        "{warnings:?}"
    );
    assert!(plan_warnings(&schema, &committed_plan("pct15_all_7d.json")).is_empty());

    // A coupon beyond the thresholds and amounts the sample's coupons took (100:10 to 300:50),
    // and one within them that was never tested as such: only the first is extrapolation.
    let mut coupon = committed_plan("coupon_150_20_active_app_push_7d.json");
    for (value, beyond) in [("500:60", true), ("250:25", false), ("150:20", false)] {
        for setting in coupon.levers.iter_mut().filter(|s| s.lever == "coupon") {
            setting.value = value.into();
        }
        let warnings = plan_warnings(&schema, &coupon);
        let flagged = warnings
            .iter()
            .find(|w| w.starts_with("extrapolation: coupon"));
        assert_eq!(flagged.is_some(), beyond, "{value}: {warnings:?}");
        if let Some(warning) = flagged {
            assert!(
                warning.contains("a spend threshold of 500, beyond the 100 to 300 seen")
                    && warning.contains("an amount off of 60, beyond the 10 to 50 seen"),
                "{warning}"
            );
        }
    }
}

/// A three-point curve a hair either side of its middle value: every outcome's lift at the
/// middle within 0.1% of its neighbours' (no jump at a tested value).
fn assert_no_jump(close: &liftcast::scenario::curve::Curve) {
    let middle = close.points[1].value;
    for outcome in 0..close.points[1].outcomes.len() {
        let lift = |point: usize| close.points[point].outcomes[outcome].lift;
        for beside in [0, 2] {
            assert!(
                (lift(1) - lift(beside)).abs() < 0.001 * lift(1).abs(),
                "outcome {outcome}: lift at {middle} {} against {} at {}",
                lift(1),
                lift(beside),
                close.points[beside].value
            );
        }
    }
}

#[test]
fn response_curve_sweeps_a_numeric_lever_and_marks_extrapolation() {
    use liftcast::model::{ModelFamily, TrainConfig};
    use liftcast::scenario::curve::{CurveError, response_curve};
    let inspection = sample();
    // The networks alone: boosted trees are step functions of a lever by design.
    let config = TrainConfig {
        epochs: 3,
        members: 2,
        family: ModelFamily::Deep,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, config);
    let fixed = [LeverSetting {
        lever: "campaign_type".into(),
        value: "percent_off".into(),
    }];
    let frame = &inspection.table.frame;
    let costs = committed_plan("pct15_all_7d.json").costs;
    let curve = response_curve(
        &model,
        frame,
        "discount_pct",
        (0.0, 40.0),
        5,
        &fixed,
        Some(&costs),
    )
    .unwrap();
    let points = &curve.points;
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    assert_eq!(values, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    let observed: Vec<bool> = points.iter().map(|p| p.observed).collect();
    assert_eq!(
        observed,
        vec![true, true, true, true, false],
        "the data's discounts stop at 30"
    );
    assert_eq!(points[0].outcomes.len(), 3);
    // Profit at every point, ROI its ratio to cost, and the marker on the most profitable.
    let profits: Vec<f64> = points
        .iter()
        .map(|p| p.money.as_ref().unwrap().incremental_profit)
        .collect();
    let best = profits.iter().cloned().fold(f64::MIN, f64::max);
    let marked = curve.profit_maximising_value.unwrap();
    assert_eq!(
        profits[values.iter().position(|v| *v == marked).unwrap()],
        best
    );
    for point in points {
        let money = point.money.as_ref().unwrap();
        assert!(
            money.campaign_cost > 0.0,
            "messages cost something at every point"
        );
        let roi = money.roi.unwrap();
        assert!((roi - money.incremental_profit / money.campaign_cost).abs() < 1e-9);
        assert!(money.incremental_profit_80.low <= money.incremental_profit_80.high);
        // Every member's campaign costs something, so the ROI has its band; the totals theirs.
        let band = money.roi_80.as_ref().expect("an ROI band");
        assert!(band.low <= band.high, "{band:?}");
        for o in &point.outcomes {
            assert!(
                o.scenario_low <= o.scenario_total && o.scenario_total < o.scenario_high,
                "{o:?}"
            );
        }
    }
    assert!(
        points[4].money.as_ref().unwrap().campaign_cost
            > points[1].money.as_ref().unwrap().campaign_cost,
        "40% off gives away more than 10% off"
    );
    // Through a tested depth (15%) the curve runs on, without a jump: the calibration of tested
    // values is interpolated between them, not applied at them alone.
    let close = response_curve(
        &model,
        frame,
        "discount_pct",
        (14.999, 15.001),
        3,
        &fixed,
        None,
    )
    .unwrap();
    assert_no_jump(&close);
    let error = response_curve(&model, frame, "campaign_type", (0.0, 1.0), 5, &[], None)
        .err()
        .unwrap();
    assert!(matches!(error, CurveError::NotNumeric(_)));

    // A 满减 coupon's amount off, the spend threshold held at the coupon set (150): the
    // sample's coupons took 10% to 16.7% of their threshold off, so at a spend of 150 the data
    // covered 15 to 25 off and 35 off is extrapolation; the discount given away grows with
    // the amount.
    let coupon = [
        LeverSetting {
            lever: "campaign_type".into(),
            value: "coupon".into(),
        },
        LeverSetting {
            lever: "coupon".into(),
            value: "150:20".into(),
        },
    ];
    let off = response_curve(
        &model,
        frame,
        "coupon:off",
        (15.0, 35.0),
        3,
        &coupon,
        Some(&costs),
    )
    .unwrap();
    assert_eq!(off.axis_name(), "coupon amount off (spend 150)");
    let observed: Vec<bool> = off.points.iter().map(|p| p.observed).collect();
    assert_eq!(observed, vec![true, true, false]);
    let (low, high) = off.observed_range.expect("the coupons' ranges were kept");
    assert!(
        (low - 15.0).abs() < 1e-9 && (high - 25.0).abs() < 1e-9,
        "{low} {high}"
    );
    let note = off
        .coverage_note()
        .expect("a coupon curve says what the data covered");
    assert!(note.contains("from 15 to 25 only"), "{note}");
    assert!(
        curve.coverage_note().is_none(),
        "a numeric lever's range is shaded"
    );
    let costs_at: Vec<f64> = off
        .points
        .iter()
        .map(|p| p.money.as_ref().unwrap().campaign_cost)
        .collect();
    assert!(
        costs_at.windows(2).all(|w| w[0] < w[1]),
        "more off costs more: {costs_at:?}"
    );
    // The point at 20 off is the coupon set: the same lift as forecasting it.
    let at_twenty =
        response_curve(&model, frame, "coupon:off", (20.0, 20.0), 2, &coupon, None).unwrap();
    let direct = model.forecast(frame, &coupon).unwrap();
    for (point, forecast) in at_twenty.points[0].outcomes.iter().zip(&direct.outcomes) {
        assert!((point.lift - forecast.lift).abs() <= 1e-6 * forecast.lift.abs().max(1.0));
    }
    // Through the tested coupon the curve runs on without a jump: an untested amount at a
    // tested threshold takes the calibration of the coupons tested there.
    let close = response_curve(
        &model,
        frame,
        "coupon:off",
        (19.999, 20.001),
        3,
        &coupon,
        None,
    )
    .unwrap();
    assert_no_jump(&close);
    // The threshold, the amount held; and without a coupon set there is nothing to hold.
    let threshold = response_curve(
        &model,
        frame,
        "coupon:threshold",
        (100.0, 400.0),
        4,
        &coupon,
        None,
    )
    .unwrap();
    assert_eq!(threshold.axis_name(), "coupon spend threshold (20 off)");
    assert!(
        !threshold.points[3].observed,
        "no coupon asked a spend of 400"
    );
    let error = response_curve(&model, frame, "coupon:off", (10.0, 50.0), 3, &fixed, None)
        .err()
        .unwrap();
    assert!(matches!(error, CurveError::NeedsCoupon { .. }), "{error}");
}

#[test]
fn a_row_filter_keeps_exactly_the_chosen_segments_and_dates() {
    use chrono::NaiveDate;
    use liftcast::data::column;
    use liftcast::scenario::plan::{AudienceFilter, RowFilter, select_rows};
    let inspection = common::sample_inspection();
    let schema = inspection.validation.schema.as_ref().unwrap();
    let frame = &inspection.table.frame;
    let everyone = select_rows(frame, schema, &RowFilter::default()).unwrap();
    assert_eq!(everyone.height(), frame.height());
    let from = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
    let filter = RowFilter {
        audience: vec![AudienceFilter {
            column: "segment".into(),
            values: vec!["vip".into(), "new".into()],
        }],
        dates: Some((from, to)),
        days_after_data: None,
    };
    let chosen = select_rows(frame, schema, &filter).unwrap();
    let segments = column::texts(frame, "segment").unwrap();
    let dates = column::texts(frame, "date").unwrap();
    let expected = segments
        .iter()
        .zip(&dates)
        .filter(|(s, d)| {
            let date = d
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            matches!(s.as_deref(), Some("vip" | "new"))
                && date.is_some_and(|d| d >= from && d <= to)
        })
        .count();
    assert!(expected > 0);
    assert_eq!(chosen.height(), expected);
    // Nobody left is an error that says so.
    let nobody = RowFilter {
        audience: vec![AudienceFilter {
            column: "segment".into(),
            values: vec!["no such segment".into()],
        }],
        ..RowFilter::default()
    };
    assert!(select_rows(frame, schema, &nobody).is_err());

    // The days after the data: the same audience, each of its combinations once a day, dated
    // after the data's last date whatever range `dates` holds.
    let ahead = RowFilter {
        days_after_data: Some(3),
        ..filter
    };
    let future = select_rows(frame, schema, &ahead).unwrap();
    let last = schema.time.as_ref().unwrap().last;
    let future_dates = column::texts(&future, "date").unwrap();
    let future_segments = column::texts(&future, "segment").unwrap();
    let combinations = |segment: &str| {
        let channels = |frame: &polars::prelude::DataFrame| {
            let segments = column::texts(frame, "segment").unwrap();
            let channels = column::texts(frame, "channel").unwrap();
            segments
                .iter()
                .zip(&channels)
                .filter(|(s, _)| s.as_deref() == Some(segment))
                .map(|(_, c)| c.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        };
        (channels(frame), channels(&future))
    };
    for segment in ["vip", "new"] {
        let (in_data, ahead) = combinations(segment);
        assert_eq!(ahead, in_data, "{segment}: every channel carried forward");
    }
    assert_eq!(
        future.height(),
        3 * (combinations("vip").0 + combinations("new").0)
    );
    assert!(
        future_segments
            .iter()
            .all(|s| matches!(s.as_deref(), Some("vip" | "new")))
    );
    for date in future_dates.iter().flatten() {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        assert!(
            date > last && date <= last + chrono::Duration::days(3),
            "{date}"
        );
    }
}

/// Future rows' covariates follow the plan's carry rule: the recent mean, the last value, or
/// the same weekday's mean (a weekly pattern kept).
#[test]
fn future_covariates_follow_the_carry_rule() {
    use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
    use liftcast::scenario::plan::CarryRule;
    // Four weeks of one store: a promotion flag on Saturdays (2024-01-06 is a Saturday),
    // visits 100 on weekdays and 160 on Saturdays; the last day (Sunday 2024-01-28) has 90.
    let mut csv = String::from("date,store,discount_pct,promo,visits\n");
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for day in 0..28 {
        let date = first + chrono::Duration::days(day);
        let saturday = date.format("%a").to_string() == "Sat";
        let discount = if day % 5 == 0 { 10 } else { 0 };
        let visits = if day == 27 {
            90
        } else if saturday {
            160
        } else {
            100
        };
        csv.push_str(&format!(
            "{date},s1,{discount},{},{visits}\n",
            u8::from(saturday)
        ));
    }
    let table = import::load_bytes(
        std::path::Path::new("store.csv"),
        csv.as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap();
    let overrides = RoleOverrides {
        levers: vec![("discount_pct".into(), Some("0".into()))],
        covariates: vec!["promo".into()],
        outcomes: vec!["visits".into()],
        ..Default::default()
    };
    let inspection = Inspection::new(table, None, &overrides).unwrap();
    let schema = inspection.validation.schema.clone().unwrap();
    let mut plan = liftcast::scenario::plan::Plan::from_scenario("next week", &[], &schema);
    let promo_of = |plan: &liftcast::scenario::plan::Plan| {
        let rows = plan_rows(&inspection.table.frame, &schema, plan).unwrap();
        let promo = column::numbers(&rows.scenario, "promo").unwrap();
        (promo, rows.rule)
    };
    // The plan's week starts on Monday 2024-01-29: its Saturday is the sixth day.
    let (recent, rule) = promo_of(&plan);
    assert!(
        recent
            .iter()
            .all(|p| (p.unwrap() - 4.0 / 28.0).abs() < 1e-9)
    );
    assert!(rule.contains("mean over its last 28 days"), "{rule}");
    plan.carry = CarryRule::LastValue;
    let (last, rule) = promo_of(&plan);
    assert!(last.iter().all(|p| *p == Some(0.0)), "{last:?}");
    assert!(rule.contains("last value"), "{rule}");
    plan.carry = CarryRule::WeekdayProfile;
    let (profile, rule) = promo_of(&plan);
    let expected = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    assert_eq!(
        profile.iter().map(|p| p.unwrap()).collect::<Vec<_>>(),
        expected
    );
    assert!(rule.contains("same weekday"), "{rule}");
}

/// A file of future covariates replaces the carried values on the days and combinations it
/// covers (here: a competitor sale on sms all week), and the plan's rule says so.
#[test]
fn a_covariates_file_gives_future_values_where_it_has_them() {
    let inspection = sample();
    let schema = inspection.validation.schema.clone().unwrap();
    let mut plan = committed_plan("pct15_all_7d.json");
    plan.covariates_file = None;
    let start = plan.start.unwrap();
    let mut csv = String::from("date,channel,competitor_sale\n");
    for day in 0..7 {
        csv.push_str(&format!("{},sms,1\n", start + chrono::Duration::days(day)));
    }
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("future.csv");
    std::fs::write(&path, csv).unwrap();
    let carried = plan_rows(&inspection.table.frame, &schema, &plan).unwrap();
    let mut given_plan = plan.clone();
    given_plan.covariates_file = Some(path.clone());
    let given = plan_rows(&inspection.table.frame, &schema, &given_plan).unwrap();
    let channels = column::texts(&given.scenario, "channel").unwrap();
    let before = column::numbers(&carried.scenario, "competitor_sale").unwrap();
    let after = column::numbers(&given.scenario, "competitor_sale").unwrap();
    let mut on_sms = 0;
    for ((channel, b), a) in channels.iter().zip(&before).zip(&after) {
        if channel.as_deref() == Some("sms") {
            on_sms += 1;
            assert_eq!(*a, Some(1.0));
        } else {
            assert_eq!(
                a, b,
                "channels the file does not cover keep the carried value"
            );
        }
    }
    assert!(
        before.iter().any(|b| *b != Some(1.0)),
        "the file changes something"
    );
    assert!(
        given.rule.contains(&format!(
            "competitor_sale from {} on {on_sms} of",
            path.display()
        )),
        "{}",
        given.rule
    );
    // A file without the date column says what it needs.
    std::fs::write(&path, "day,competitor_sale\n2026-03-02,1\n").unwrap();
    let error = plan_rows(&inspection.table.frame, &schema, &given_plan)
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("needs the date column 'date'"),
        "{error}"
    );
}

/// On unit data each customer the campaign reaches is one message, so a cost per message is
/// counted without an exposure column; rows the plan leaves at the baseline send nothing.
/// Breakdowns list a dimension's values in order.
#[test]
fn unit_data_counts_one_message_per_customer_reached() {
    use liftcast::model::TrainConfig;
    use liftcast::scenario::evaluate::evaluate_plan;
    let inspection = common::artea_inspection();
    let schema = inspection.validation.schema.clone().unwrap();
    assert!(schema.exposure.is_none() && schema.time.is_none());
    let config = TrainConfig {
        epochs: 2,
        members: 2,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, config);
    let frame = &inspection.table.frame;
    let mut plan: Plan = serde_json::from_value(serde_json::json!({
        "format_version": 1,
        "name": "coupon to facebook and google",
        "levers": [],
        "segment_levers": [
            { "column": "channel_acq", "value": "facebook",
              "levers": [{ "lever": "test_coupon", "value": "coupon" }] },
            { "column": "channel_acq", "value": "google",
              "levers": [{ "lever": "test_coupon", "value": "coupon" }] }
        ],
        "costs": { "fixed_cost": 0, "cost_per_exposure": 0.1, "margin_pct": 40,
                   "revenue_is_net_of_discount": true, "redemption_share": 1.0 }
    }))
    .unwrap();
    let channels = column::texts(frame, "channel_acq").unwrap();
    let reached = channels
        .iter()
        .filter(|c| matches!(c.as_deref(), Some("facebook" | "google")))
        .count();
    assert!(reached > 0 && reached < frame.height());
    let forecast = evaluate_plan(&model, frame, &plan).unwrap();
    let expected = (0.1 * reached as f64 * 100.0).round() / 100.0;
    assert_eq!(forecast.money.point.exposure_cost, expected);
    assert!(
        !forecast.warnings.iter().any(|w| w.contains("not counted")),
        "{:?}",
        forecast.warnings
    );
    let values: Vec<&str> = forecast
        .by_segment
        .iter()
        .filter(|b| b.by == "channel_acq")
        .map(|b| b.value.as_str())
        .collect();
    let mut sorted = values.clone();
    sorted.sort_unstable();
    assert!(values.len() > 2 && values == sorted, "{values:?}");

    // Without a campaign nobody is reached: no messages to pay for.
    plan.segment_levers.clear();
    let forecast = evaluate_plan(&model, frame, &plan).unwrap();
    assert_eq!(forecast.money.point.exposure_cost, 0.0);

    // Customers missing the unit's value belong to no unit a plan could name: the optimiser
    // leaves them at no campaign rather than choose for a "(missing)" channel no plan reaches.
    let blanked: Vec<Option<String>> = channels
        .iter()
        .enumerate()
        .map(|(i, c)| if i % 7 == 0 { None } else { c.clone() })
        .collect();
    let mut history = frame.clone();
    history
        .with_column(polars::prelude::Column::new("channel_acq".into(), blanked))
        .unwrap();
    let request = OptimiseRequest {
        base: plan.clone(),
        units: vec!["channel_acq".into()],
        options: vec![GridOption {
            name: "coupon".into(),
            levers: vec![LeverSetting {
                lever: "test_coupon".into(),
                value: "coupon".into(),
            }],
        }],
        budget: None,
        objective: "profit".into(),
        max_discount_pct: None,
        capacities: Vec::new(),
    };
    let result = optimise(&model, &history, &request).expect("rows without a channel are skipped");
    assert!(!result.allocations.is_empty());
    assert!(
        result
            .allocations
            .iter()
            .all(|a| a.unit.iter().all(|d| d.value != "(missing)")),
        "{:?}",
        result.allocations
    );
}

/// Time data rows are aggregates: without an exposure column a plan's messages cannot be
/// counted, and a plan that prices them hears so instead of a silent zero.
#[test]
fn an_unpriceable_message_cost_is_said() {
    let inspection = sample();
    let mut schema = inspection.validation.schema.clone().unwrap();
    let plan = committed_plan("pct15_all_7d.json");
    assert!(plan.costs.cost_per_exposure > 0.0);
    let unpriced = |w: &String| w.contains("cost per message (0.005) is not counted");
    assert!(!plan_warnings(&schema, &plan).iter().any(unpriced));
    schema.exposure = None;
    let warnings = plan_warnings(&schema, &plan);
    assert!(warnings.iter().any(unpriced), "{warnings:?}");
}
