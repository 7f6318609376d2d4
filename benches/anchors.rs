//! Liftcast's holdout errors beside the naive and LightGBM anchors of ../shared/docs/ANCHORS.md,
//! on the same fixed split (row i held out when i % 5 == 4), and training throughput.
//!
//! Run: `cargo bench --profile release --bench anchors` (prints a Markdown table for
//! BENCHMARKS.md; add `-- gpu` to train the networks on a GPU). Timing figures are printed, never
//! asserted.

use std::path::{Path, PathBuf};
use std::time::Instant;

use liftcast::data::{ImportOptions, Inspection, RoleOverrides, Table, import};
use liftcast::model::{
    DeviceChoice, EpochReport, ForecastModel, ModelFamily, TrainConfig, start_training,
};
use polars::prelude::*;

/// (data set, outcome, metric, naive, LightGBM) from ANCHORS.md.
const ANCHORS: [(&str, &str, &str, f64, f64); 10] = [
    ("Hillstrom", "visit", "log_loss", 0.41642, 0.40474),
    ("Hillstrom", "visit", "auc", 0.556, 0.637),
    ("Hillstrom", "conversion", "log_loss", 0.05312, 0.05477),
    ("Hillstrom", "conversion", "auc", 0.580, 0.606),
    ("Hillstrom", "spend", "rmse", 14.967, 15.107),
    ("Artea", "transacted", "log_loss", 0.37442, 0.32054),
    ("Artea", "transacted", "auc", 0.548, 0.783),
    ("Artea", "trans_after", "rmse", 0.4152, 0.3648),
    ("Artea", "trans_after", "poisson_deviance", 0.6231, 0.4537),
    ("Artea", "revenue_after", "rmse", 23.350, 21.079),
];

fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(relative)
}

/// Where the networks train: `-- gpu` asks for the GPU (the trees always run on the CPU).
fn device() -> DeviceChoice {
    if std::env::args().any(|a| a == "gpu") {
        DeviceChoice::Gpu
    } else {
        DeviceChoice::Cpu
    }
}

struct Run {
    data: &'static str,
    family: ModelFamily,
    model: ForecastModel,
    seconds: f64,
    rows_per_second: f64,
}

fn train(data: &'static str, table: &Table, overrides: &RoleOverrides, config: TrainConfig) -> Run {
    let inspection = Inspection::new(table.clone(), None, overrides).expect("profiles");
    let started = Instant::now();
    let mut throughput = Vec::new();
    let family = config.family;
    let model = start_training(&inspection, config, device(), None)
        .expect("usable data")
        .wait(|report: EpochReport| {
            // Tree progress and the device's report come as epoch 0.
            if report.epoch >= 1 {
                throughput.push(report.rows_per_second);
            }
        })
        .expect("no panic")
        .expect("trains");
    let rows_per_second = throughput.iter().sum::<f64>() / throughput.len().max(1) as f64;
    Run {
        data,
        family,
        model,
        seconds: started.elapsed().as_secs_f64(),
        rows_per_second,
    }
}

fn holdout_score(run: &Run, outcome: &str, metric: &str) -> f64 {
    run.model
        .meta
        .holdout
        .iter()
        .find(|m| m.outcome == outcome)
        .and_then(|m| m.scores.iter().find(|s| s.metric == metric))
        .map(|s| s.model)
        .unwrap_or(f64::NAN)
}

fn main() {
    let hillstrom = import::load(
        &shared("hillstrom/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"),
        &ImportOptions::default(),
    )
    .expect("Hillstrom loads");
    let mut artea = import::load(
        &shared("artea_coupon/artea-a_b-experiment-recoded.csv"),
        &ImportOptions::default(),
    )
    .expect("Artea loads");
    // ANCHORS.md scores "trans_after > 0" as a binary outcome of its own.
    let transacted: Vec<i64> = liftcast::data::column::numbers(&artea.frame, "trans_after")
        .expect("trans_after")
        .iter()
        .map(|v| i64::from(v.unwrap_or(0.0) > 0.0))
        .collect();
    artea
        .frame
        .with_column(Column::new("transacted".into(), transacted))
        .expect("adds the column");
    let hillstrom_roles = RoleOverrides {
        levers: vec![("segment".into(), Some("No E-Mail".into()))],
        outcomes: vec!["visit".into(), "conversion".into(), "spend".into()],
        ..Default::default()
    };
    let artea_roles = RoleOverrides {
        levers: vec![("test_coupon".into(), Some("control".into()))],
        outcomes: vec![
            "transacted".into(),
            "trans_after".into(),
            "revenue_after".into(),
        ],
        ..Default::default()
    };

    let mut runs = Vec::new();
    for family in [ModelFamily::Deep, ModelFamily::Trees, ModelFamily::Hybrid] {
        let config = TrainConfig {
            family,
            ..TrainConfig::default()
        };
        runs.push(train(
            "Hillstrom",
            &hillstrom,
            &hillstrom_roles,
            config.clone(),
        ));
        runs.push(train("Artea", &artea, &artea_roles, config));
    }
    let run_of = |data: &str, family: ModelFamily| {
        runs.iter()
            .find(|r| r.data == data && r.family == family)
            .expect("run")
    };

    println!(
        "| data | outcome | metric | naive | LightGBM | Liftcast deep | Liftcast trees | Liftcast hybrid | hybrid vs best anchor |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---|");
    for (data, outcome, metric, naive, lightgbm) in ANCHORS {
        let scores = [ModelFamily::Deep, ModelFamily::Trees, ModelFamily::Hybrid]
            .map(|family| holdout_score(run_of(data, family), outcome, metric));
        let higher_is_better = metric == "auc";
        let best = if higher_is_better {
            naive.max(lightgbm)
        } else {
            naive.min(lightgbm)
        };
        let hybrid = scores[2];
        let verdict =
            if (higher_is_better && hybrid >= best) || (!higher_is_better && hybrid <= best) {
                "as good or better"
            } else {
                "worse"
            };
        println!(
            "| {data} | {outcome} | {metric} | {naive} | {lightgbm} | {:.5} | {:.5} | {:.5} | {verdict} |",
            scores[0], scores[1], scores[2]
        );
    }
    println!();
    for run in &runs {
        let means: Vec<String> = run
            .model
            .meta
            .holdout
            .iter()
            .map(|m| format!("{} {:.3}", m.outcome, m.mean_ratio))
            .collect();
        let weights: Vec<String> = run
            .model
            .meta
            .blend
            .iter()
            .map(|b| format!("{} {:.2}", b.outcome, b.deep_weight))
            .collect();
        let throughput = if run.model.meta.epochs_run > 0 {
            format!("{:.0} member-rows/s", run.rows_per_second)
        } else {
            "no network".into()
        };
        println!(
            "{} {}: trained in {:.1} s on {} ({} members, {} epochs, {} tree members); {}; deep weights: {}; holdout mean prediction / mean outcome: {}",
            run.data,
            run.family.name(),
            run.seconds,
            run.model.meta.device,
            run.model.meta.config.members,
            run.model.meta.epochs_run,
            run.model.meta.tree_members,
            throughput,
            weights.join(", "),
            means.join(", ")
        );
    }

    // ANCHORS.md: LightGBM trains Hillstrom visit (51,200 rows) in 0.76 s on one core. The
    // same job here: one booster, one outcome, Hillstrom visit; run the bench under
    // `taskset -c 0` for the one-core figure (perpetual sizes its pool by the cores it may use).
    let visit_only = RoleOverrides {
        outcomes: vec!["visit".into()],
        ..hillstrom_roles.clone()
    };
    let config = TrainConfig {
        family: ModelFamily::Trees,
        members: 1,
        ..TrainConfig::default()
    };
    let inspection = Inspection::new(hillstrom.clone(), None, &visit_only).expect("profiles");
    let started = Instant::now();
    let model = start_training(&inspection, config, DeviceChoice::Cpu, None)
        .expect("usable data")
        .wait(|_: EpochReport| {})
        .expect("no panic")
        .expect("trains");
    println!(
        "Hillstrom visit, one tree booster (budget {}), {} cores: {:.2} s including encoding and scoring",
        model.meta.config.tree_budget,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        started.elapsed().as_secs_f64()
    );
}
