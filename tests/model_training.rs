//! The forecast model on CPU: recovers a known lever effect, saves and reloads to identical
//! numbers, refuses damaged folders clearly, stops on cancel, and gets the randomised Artea
//! coupon lift right.

mod common;

use std::path::Path;

use liftcast::data::{ImportOptions, Inspection, RoleOverrides, Table, import};
use liftcast::jobs;
use liftcast::model::{
    DeviceChoice, EpochReport, ForecastModel, LeverSetting, ModelError, ModelFamily, TrainConfig,
    start_training,
};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// A randomised test with a known effect: visit probability sigmoid(-1.5 + 0.9·treated + 0.6·x).
fn synthetic_csv(rows: usize, seed: u64) -> (String, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let mut text = String::from("customer_score,arm,visit\n");
    let mut true_lift = 0.0;
    for _ in 0..rows {
        let x: f64 = rng.random_range(-1.0..1.0);
        let treated = rng.random_bool(0.5);
        let p = sigmoid(-1.5 + if treated { 0.9 } else { 0.0 } + 0.6 * x);
        true_lift += sigmoid(-1.5 + 0.9 + 0.6 * x) - sigmoid(-1.5 + 0.6 * x);
        let visit = u8::from(rng.random_bool(p));
        text.push_str(&format!(
            "{x:.4},{},{visit}\n",
            if treated { "email" } else { "control" }
        ));
    }
    (text, true_lift / rows as f64)
}

fn table_from(csv: &str) -> Table {
    import::load_bytes(
        Path::new("synthetic.csv"),
        csv.as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap()
}

fn train(table: Table, overrides: RoleOverrides, config: TrainConfig) -> ForecastModel {
    common::train_on_cpu(&Inspection::new(table, None, &overrides).unwrap(), config)
}

fn quick_config() -> TrainConfig {
    TrainConfig {
        epochs: 25,
        members: 3,
        ..TrainConfig::default()
    }
}

fn arm_overrides() -> RoleOverrides {
    RoleOverrides {
        levers: vec![("arm".into(), Some("control".into()))],
        outcomes: vec!["visit".into()],
        ..Default::default()
    }
}

fn email() -> Vec<LeverSetting> {
    vec![LeverSetting {
        lever: "arm".into(),
        value: "email".into(),
    }]
}

#[test]
fn recovers_a_known_lever_effect_and_beats_naive() {
    let (csv, true_lift) = synthetic_csv(6000, 11);
    let table = table_from(&csv);
    let model = train(table.clone(), arm_overrides(), quick_config());
    let forecast = model.forecast(&table.frame, &email()).unwrap();
    let visit = &forecast.outcomes[0];
    assert!(
        (visit.lift_mean - true_lift).abs() < 0.035,
        "model lift {} vs true {true_lift}",
        visit.lift_mean
    );
    let holdout = &model.meta.holdout[0];
    assert!(holdout.scores.iter().all(|s| s.model_wins()), "{holdout:?}");
}

#[test]
fn save_and_load_give_identical_forecasts() {
    let (csv, _) = synthetic_csv(1500, 5);
    let table = table_from(&csv);
    // Every model family reloads to the same predictions, to the bit.
    for family in [ModelFamily::Trees, ModelFamily::Hybrid, ModelFamily::Deep] {
        let model = train(
            table.clone(),
            arm_overrides(),
            TrainConfig {
                epochs: 3,
                members: 2,
                family,
                ..TrainConfig::default()
            },
        );
        assert_eq!(
            model.families().len(),
            1 + usize::from(family == ModelFamily::Hybrid)
        );
        let folder = tempfile::tempdir().unwrap();
        model.save(folder.path()).unwrap();
        let loaded = ForecastModel::load(folder.path(), DeviceChoice::Cpu).unwrap();
        assert_eq!(loaded.families(), model.families(), "{family:?}");
        assert_eq!(
            model.forecast(&table.frame, &email()).unwrap(),
            loaded.forecast(&table.frame, &email()).unwrap(),
            "{family:?}"
        );
    }
    let model = train(
        table.clone(),
        arm_overrides(),
        TrainConfig {
            epochs: 3,
            members: 2,
            family: ModelFamily::Deep,
            ..TrainConfig::default()
        },
    );
    let folder = tempfile::tempdir().unwrap();
    model.save(folder.path()).unwrap();

    // A damaged folder says what is wrong: weights cut short, then missing.
    let weights = folder.path().join("weights_0.bpk");
    let whole = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &whole[..whole.len() / 2]).unwrap();
    let error = ForecastModel::load(folder.path(), DeviceChoice::Cpu)
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("the file is damaged")
            && error.to_string().contains("train the model again"),
        "{error}"
    );
    std::fs::remove_file(&weights).unwrap();
    let error = ForecastModel::load(folder.path(), DeviceChoice::Cpu)
        .err()
        .unwrap();
    assert!(matches!(error, ModelError::Weights { .. }), "{error}");
    assert!(error.to_string().contains("missing"), "{error}");

    std::fs::write(
        folder.path().join("model.json"),
        b"{\"format_version\": 99}",
    )
    .unwrap();
    let error = ForecastModel::load(folder.path(), DeviceChoice::Cpu)
        .err()
        .unwrap();
    assert!(error.to_string().contains("format version 99"), "{error}");

    let foreign = tempfile::tempdir().unwrap();
    std::fs::write(foreign.path().join("model.json"), b"not json").unwrap();
    let error = ForecastModel::load(foreign.path(), DeviceChoice::Cpu)
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("not a valid model file"),
        "{error}"
    );
}

/// A forecast predicts its rows and their baseline in one pass (the networks from lever-free
/// parts, the trees that never split on a lever walked once for both); it must agree with
/// predicting the scenario rows and the baseline rows each on their own, up to the rounding of
/// sums grouped differently.
#[test]
fn the_paired_forecast_equals_predicting_each_set_of_rows() {
    // Enough rows that the trees walk on a thread of their own beside the networks (4,096).
    let (csv, _) = synthetic_csv(5000, 9);
    let table = table_from(&csv);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * a.abs().max(b.abs()).max(1e-6);
    for family in [ModelFamily::Deep, ModelFamily::Hybrid] {
        let config = TrainConfig {
            epochs: 3,
            members: 2,
            family,
            ..TrainConfig::default()
        };
        let model = train(table.clone(), arm_overrides(), config);
        let forecast = model.forecast(&table.frame, &email()).unwrap();
        let control = vec![LeverSetting {
            lever: "arm".into(),
            value: "control".into(),
        }];
        let baseline = model.predict_with(&table.frame, &control).unwrap();
        let scenario = model.predict_with(&table.frame, &email()).unwrap();
        let mut moved = 0;
        for row in 0..table.frame.height() {
            let (with, without) = (
                forecast.rows[0].scenario[row],
                forecast.rows[0].baseline[row],
            );
            assert!(
                close(without, f64::from(baseline.mean(row, 0))),
                "{family:?} row {row}: baseline {without} vs {}",
                baseline.mean(row, 0)
            );
            assert!(
                close(with, f64::from(scenario.mean(row, 0))),
                "{family:?} row {row}: scenario {with} vs {}",
                scenario.mean(row, 0)
            );
            moved += usize::from(!close(with, without));
        }
        // The e-mail moves the rows: agreement is not two copies of one prediction.
        assert!(moved > 0, "{family:?}: the scenario equals its baseline");
    }
}

/// A hybrid's training says where its networks train, reports its epochs, then each finished
/// tree member.
#[test]
fn training_reports_the_trees_after_the_epochs() {
    let (csv, _) = synthetic_csv(1500, 13);
    let table = table_from(&csv);
    let inspection = Inspection::new(table, None, &arm_overrides()).unwrap();
    let config = TrainConfig {
        epochs: 2,
        members: 3,
        family: ModelFamily::Hybrid,
        ..TrainConfig::default()
    };
    let mut reports = Vec::new();
    start_training(&inspection, config, DeviceChoice::Cpu, None)
        .unwrap()
        .wait(|report: EpochReport| reports.push(report))
        .unwrap()
        .unwrap();
    assert_eq!(reports[0].started_on.as_deref(), Some("CPU (flex)"));
    assert!(reports[1..].iter().all(|r| r.started_on.is_none()));
    let trees: Vec<(usize, usize)> = reports.iter().filter_map(|r| r.tree_members_done).collect();
    assert_eq!(trees, [(0, 3), (1, 3), (2, 3), (3, 3)]);
    let first_tree = reports
        .iter()
        .position(|r| r.tree_members_done.is_some())
        .unwrap();
    assert!(first_tree >= 2, "epochs come first");
    assert!(reports[1..first_tree].iter().all(|r| r.epoch >= 1));
}

#[test]
fn cancel_keeps_the_best_model_so_far() {
    let (csv, _) = synthetic_csv(3000, 9);
    let inspection = Inspection::new(table_from(&csv), None, &arm_overrides()).unwrap();
    let config = TrainConfig {
        epochs: 500,
        patience: 500,
        members: 2,
        ..TrainConfig::default()
    };
    let job = start_training(&inspection, config, DeviceChoice::Cpu, None).unwrap();
    let mut epochs_seen = 0;
    let mut job = job;
    // Cancel after the first epoch report arrives (the report before it names the device).
    loop {
        let events = job.poll();
        if events
            .iter()
            .any(|e| matches!(e, jobs::JobEvent::Progress(r) if r.epoch >= 1))
        {
            epochs_seen += 1;
            job.cancel();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let model = job.wait(|_| {}).unwrap().unwrap();
    assert!(epochs_seen >= 1);
    assert!(model.meta.cancelled);
    assert!(
        model.meta.epochs_run < 500,
        "stopped early: {}",
        model.meta.epochs_run
    );
}

#[test]
fn artea_coupon_lift_lies_inside_the_randomised_interval() {
    let inspection = common::artea_inspection();
    let hybrid = TrainConfig {
        family: ModelFamily::Hybrid,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, hybrid);
    let coupon = vec![LeverSetting {
        lever: "test_coupon".into(),
        value: "coupon".into(),
    }];
    let forecast = model.forecast(&inspection.table.frame, &coupon).unwrap();
    let lift = |name: &str| {
        forecast
            .outcomes
            .iter()
            .find(|o| o.outcome == name)
            .unwrap()
            .lift_mean
    };
    assert!(
        (0.003..=0.049).contains(&lift("trans_after")),
        "{}",
        lift("trans_after")
    );
    assert!(
        (-1.55..=1.07).contains(&lift("revenue_after")),
        "{}",
        lift("revenue_after")
    );
    for metric in &model.meta.holdout {
        println!("{metric:?}");
        assert!(metric.scores[0].model_wins(), "{metric:?}");
    }
    let revenue = model
        .meta
        .holdout
        .iter()
        .find(|m| m.outcome == "revenue_after")
        .unwrap();
    assert!((revenue.mean_ratio - 1.0).abs() < 0.05, "{revenue:?}");
}

/// The third Artea outcome of ANCHORS.md, "trans_after > 0", as a binary outcome of its own:
/// the hybrid's coupon lift must lie inside the randomised test's 95% interval too.
#[test]
fn artea_any_transaction_lift_lies_inside_the_randomised_interval() {
    let path = common::shared_data("artea_coupon/artea-a_b-experiment-recoded.csv");
    let mut table = import::load(&path, &ImportOptions::default()).unwrap();
    let transacted: Vec<i64> = liftcast::data::column::numbers(&table.frame, "trans_after")
        .unwrap()
        .iter()
        .map(|v| i64::from(v.unwrap_or(0.0) > 0.0))
        .collect();
    table
        .frame
        .with_column(polars::prelude::Column::new(
            "transacted".into(),
            transacted,
        ))
        .unwrap();
    let overrides = RoleOverrides {
        levers: vec![("test_coupon".into(), Some("control".into()))],
        outcomes: vec!["transacted".into()],
        ..Default::default()
    };
    let inspection = Inspection::new(table, None, &overrides).unwrap();
    let hybrid = TrainConfig {
        family: ModelFamily::Hybrid,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, hybrid);
    let coupon = vec![LeverSetting {
        lever: "test_coupon".into(),
        value: "coupon".into(),
    }];
    let forecast = model.forecast(&inspection.table.frame, &coupon).unwrap();
    let lift = forecast.outcomes[0].lift_mean;
    println!("Artea trans_after > 0: hybrid lift {lift:.5}");
    assert!((-0.00069..=0.03472).contains(&lift), "{lift}");
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let (csv, _) = synthetic_csv(1500, 21);
    let table = table_from(&csv);
    let config = TrainConfig {
        epochs: 4,
        members: 2,
        ..TrainConfig::default()
    };
    let first = train(table.clone(), arm_overrides(), config.clone());
    let second = train(table.clone(), arm_overrides(), config);
    assert_eq!(
        first.forecast(&table.frame, &email()).unwrap(),
        second.forecast(&table.frame, &email()).unwrap()
    );
}

/// The randomised Hillstrom e-mail test: each contrast's model lift must lie inside the
/// difference-in-means 95% interval of ANCHORS.md, and the holdout error must beat the naive
/// per-arm mean.
#[test]
fn hillstrom_lifts_lie_inside_the_randomised_intervals() {
    let inspection = common::hillstrom_inspection();
    let hybrid = TrainConfig {
        family: ModelFamily::Hybrid,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, hybrid);
    assert_eq!(model.families(), [ModelFamily::Deep, ModelFamily::Trees]);
    let table = &inspection.table;
    let intervals = [
        (
            "Mens E-Mail",
            [(0.0700, 0.0832), (0.0050, 0.0086), (0.485, 1.055)],
        ),
        (
            "Womens E-Mail",
            [(0.0389, 0.0516), (0.0015, 0.0047), (0.169, 0.680)],
        ),
    ];
    for (arm, bounds) in intervals {
        let setting = vec![LeverSetting {
            lever: "segment".into(),
            value: arm.into(),
        }];
        let forecast = model.forecast(&table.frame, &setting).unwrap();
        // How each family alone sees the lift: printed, for the record in BENCHMARKS.md.
        for (family, alone) in model.forecast_by_family(&table.frame, &setting).unwrap() {
            for outcome in &alone.outcomes {
                println!(
                    "{arm} {}: {} alone {:.5}",
                    outcome.outcome,
                    family.name(),
                    outcome.lift_mean
                );
            }
        }
        for (outcome, (low, high)) in forecast.outcomes.iter().zip(bounds) {
            println!(
                "{arm} {}: lift per customer {:.5}",
                outcome.outcome, outcome.lift_mean
            );
            assert!(
                (low..=high).contains(&outcome.lift_mean),
                "{arm} {}: {} outside [{low}, {high}]",
                outcome.outcome,
                outcome.lift_mean
            );
        }
    }
    for metric in &model.meta.holdout {
        println!("{metric:?}");
        assert!(metric.scores[0].model_wins(), "{metric:?}");
    }
}

/// The sample data's 80% row intervals cover 70–90% of the held-out (latest) days' outcomes;
/// the mean prediction there is within 5% of the mean outcome; the model beats the naive
/// per-arm mean.
#[test]
fn sample_data_intervals_cover_about_80_percent() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/shop_campaigns.csv");
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    let model = train(table, RoleOverrides::default(), TrainConfig::default());
    for metric in &model.meta.holdout {
        let (_, covered) = metric
            .coverage
            .iter()
            .copied()
            .find(|(level, _)| *level == 0.8)
            .unwrap();
        println!("{}: 80% coverage {covered:.3}", metric.outcome);
        assert!((0.70..=0.90).contains(&covered), "{metric:?}");
        assert!((metric.mean_ratio - 1.0).abs() < 0.05, "{metric:?}");
        assert!(metric.scores.iter().all(|s| s.model_wins()), "{metric:?}");
    }
}
