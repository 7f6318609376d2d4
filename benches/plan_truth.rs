//! Plan lifts against the sample data's noise-free truth (`sample_data/truth.json`), for several
//! seeds, model families, final or evaluated fits, and lifts learnt from controlled rows or all
//! rows: how far each predicted lift is from the truth, how many are within 10%, and how many
//! truths lie inside their 95% intervals.
//!
//! Run: `cargo bench --profile release --bench plan_truth` (prints Markdown for BENCHMARKS.md).
//! For experiments:
//! - `PLAN_TRUTH_CONFIG='{"family":"deep","patience":20}'` trains one setting instead, with those
//!   `TrainConfig` fields changed from the defaults;
//! - `PLAN_TRUTH_SEEDS=42,7` trains with those seeds;
//! - `PLAN_TRUTH_DATA=DIR` reads `shop_campaigns.csv` and `truth.json` from DIR, a sample of
//!   another design (`liftcast sample --out DIR --window-spacing 28 --audience-scale 1`, the
//!   committed design until session 11);
//! - `PLAN_TRUTH_BASELINES=1` adds each plan's baseline error: a lift is a share of its
//!   baseline, so a baseline forecast 6% low takes about 6% off the lift.

use std::path::Path;

use liftcast::data::sample::PLAN_COVARIATES_NAME;
use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
use liftcast::model::{DeviceChoice, EpochReport, ModelFamily, TrainConfig, start_training};
use liftcast::scenario::evaluate::evaluate_plan;
use liftcast::scenario::plan::Plan;

const SEEDS: [u64; 3] = [42, 1, 2];
/// (model family, final fit, lift from controlled rows only); the default penalty throughout.
const SETTINGS: [(ModelFamily, bool, bool); 5] = [
    (ModelFamily::Hybrid, true, true),
    (ModelFamily::Deep, true, true),
    (ModelFamily::Trees, true, true),
    (ModelFamily::Hybrid, false, true),
    (ModelFamily::Deep, true, false),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = std::env::var("PLAN_TRUTH_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("sample_data"));
    let table = import::load(&data.join("shop_campaigns.csv"), &ImportOptions::default())
        .expect("the sample data imports");
    let inspection =
        Inspection::new(table, None, &RoleOverrides::default()).expect("the sample data maps");
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("truth.json")).expect("truth.json reads"),
    )
    .expect("truth.json parses");
    let scenarios = truth["scenarios"].as_array().cloned().unwrap_or_default();

    println!(
        "| model | fit | penalty | lift from | seed | lift errors (%), plan by plan: clicks / orders / revenue | within 10% | inside 95% |"
    );
    println!("|---|---|---:|---|---:|---|---:|---:|");
    let experiment: Option<serde_json::Value> = std::env::var("PLAN_TRUTH_CONFIG")
        .ok()
        .map(|text| serde_json::from_str(&text).expect("PLAN_TRUTH_CONFIG is JSON"));
    let settings: Vec<(ModelFamily, bool, bool)> = match &experiment {
        Some(_) => vec![(ModelFamily::Hybrid, false, true)],
        None => SETTINGS.to_vec(),
    };
    let seeds: Vec<u64> = std::env::var("PLAN_TRUTH_SEEDS")
        .map(|text| text.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_else(|_| SEEDS.to_vec());
    let show_baselines = std::env::var("PLAN_TRUTH_BASELINES").is_ok();
    for (family, final_fit, controlled) in settings {
        for &seed in &seeds {
            let mut config = TrainConfig {
                seed,
                final_fit,
                lift_from_controlled_rows: controlled,
                family,
                ..TrainConfig::default()
            };
            if let Some(changes) = &experiment {
                let mut fields = serde_json::to_value(TrainConfig {
                    seed,
                    ..TrainConfig::default()
                })
                .expect("a config serialises");
                for (key, value) in changes.as_object().into_iter().flatten() {
                    fields[key] = value.clone();
                }
                config =
                    serde_json::from_value(fields).expect("PLAN_TRUTH_CONFIG fits TrainConfig");
            }
            let fit = if config.final_fit {
                "final"
            } else {
                "evaluated"
            };
            let (family, penalty, controlled) = (
                config.family,
                config.interaction_penalty,
                config.lift_from_controlled_rows,
            );
            let model = start_training(&inspection, config, DeviceChoice::Cpu, None)
                .expect("training starts")
                .wait(|_: EpochReport| {})
                .expect("training finishes")
                .expect("training succeeds");
            let (mut errors, mut within, mut inside, mut total) = (Vec::new(), 0, 0, 0);
            for scenario in &scenarios {
                let name = scenario["name"].as_str().unwrap_or_default();
                let mut plan = Plan::load(&root.join(format!("sample_data/plans/{name}.json")))
                    .expect("the plan loads");
                // Another design's plans state its own sends (its audience may be smaller).
                plan.covariates_file = Some(data.join(PLAN_COVARIATES_NAME));
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
                    if show_baselines {
                        let true_baseline = expected["baseline"].as_f64().unwrap_or(f64::NAN);
                        let base_error = 100.0 * (predicted.baseline / true_baseline - 1.0);
                        parts.push(format!("{error:+.0} (base {base_error:+.0})"));
                    } else {
                        parts.push(format!("{error:+.0}"));
                    }
                    within += usize::from(error.abs() <= 10.0);
                    inside += usize::from(predicted.lift_95.contains(true_lift));
                    total += 1;
                }
                errors.push(parts.join("/"));
            }
            let rows = if controlled { "controlled" } else { "all" };
            println!(
                "| {} | {fit} | {penalty} | {rows} | {seed} | {} | {within}/{total} | {inside}/{total} |",
                family.name(),
                errors.join(" · ")
            );
        }
    }
}
