//! Plan lifts against the sample data's noise-free truth (`sample_data/truth.json`), for several
//! seeds, interaction penalties, and lifts learnt from controlled rows or all rows: how far each predicted lift is from the truth, how many are
//! within 10%, and how many truths lie inside their 95% intervals.
//!
//! Run: `cargo bench --profile release --bench plan_truth` (prints Markdown for BENCHMARKS.md).

use std::path::Path;

use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
use liftcast::model::{DeviceChoice, EpochReport, ModelFamily, TrainConfig, start_training};
use liftcast::scenario::evaluate::evaluate_plan;
use liftcast::scenario::plan::Plan;

const SEEDS: [u64; 3] = [42, 1, 2];
/// (model family, interaction penalty, lift from controlled rows only).
const SETTINGS: [(ModelFamily, f64, bool); 4] = [
    (ModelFamily::Hybrid, 0.1, true),
    (ModelFamily::Deep, 0.1, true),
    (ModelFamily::Trees, 0.1, true),
    (ModelFamily::Deep, 0.1, false),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = import::load(
        &root.join("sample_data/shop_campaigns.csv"),
        &ImportOptions::default(),
    )
    .expect("the sample data imports");
    let inspection =
        Inspection::new(table, None, &RoleOverrides::default()).expect("the sample data maps");
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("sample_data/truth.json")).expect("truth.json reads"),
    )
    .expect("truth.json parses");
    let scenarios = truth["scenarios"].as_array().cloned().unwrap_or_default();

    println!(
        "| model | penalty | lift from | seed | lift errors (%), plan by plan: clicks / orders / revenue | within 10% | inside 95% |"
    );
    println!("|---|---:|---|---:|---|---:|---:|");
    for (family, penalty, controlled) in SETTINGS {
        for seed in SEEDS {
            let config = TrainConfig {
                seed,
                interaction_penalty: penalty,
                lift_from_controlled_rows: controlled,
                family,
                ..TrainConfig::default()
            };
            let model = start_training(&inspection, config, DeviceChoice::Cpu, None)
                .expect("training starts")
                .wait(|_: EpochReport| {})
                .expect("training finishes")
                .expect("training succeeds");
            let (mut errors, mut within, mut inside, mut total) = (Vec::new(), 0, 0, 0);
            for scenario in &scenarios {
                let name = scenario["name"].as_str().unwrap_or_default();
                let plan = Plan::load(&root.join(format!("sample_data/plans/{name}.json")))
                    .expect("the plan loads");
                let forecast = evaluate_plan(&model, &inspection.table.frame, &plan)
                    .expect("the plan forecasts");
                let mut parts = Vec::new();
                for expected in scenario["outcomes"].as_array().into_iter().flatten() {
                    let outcome = expected["outcome"].as_str().unwrap_or_default();
                    let true_lift = expected["lift"].as_f64().unwrap_or(f64::NAN);
                    let Some(predicted) = forecast.outcome(outcome) else {
                        continue;
                    };
                    let error = 100.0 * (predicted.lift / true_lift - 1.0);
                    parts.push(format!("{error:+.0}"));
                    within += usize::from(error.abs() <= 10.0);
                    inside += usize::from(predicted.lift_95.contains(true_lift));
                    total += 1;
                }
                errors.push(parts.join("/"));
            }
            let rows = if controlled { "controlled" } else { "all" };
            println!(
                "| {} | {penalty} | {rows} | {seed} | {} | {within}/{total} | {inside}/{total} |",
                family.name(),
                errors.join(" · ")
            );
        }
    }
}
