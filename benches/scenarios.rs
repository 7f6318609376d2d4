//! Scenario benchmarks (BENCHMARKS.md records the output with the machine):
//! - the optimiser on the sample data against the generator's truth, for several seeds, with a
//!   binding budget and without one;
//! - the optimiser's time over 12 segment × channel units × 20 settings;
//! - a plan forecast over a 100,000-row population (Hillstrom's customers, repeated) with the
//!   default 5-member ensemble, and a 21-point response curve over 100,000 sample rows.
//!
//! Run: `cargo bench --profile release --bench scenarios` (CPU; add `-- gpu` on a machine with
//! one, `-- timings` for seed 42 alone, `-- no-value-calibration` to train with
//! `TrainConfig::calibrate_lever_values` off).

#[path = "../tests/common/sample_optimiser.rs"]
mod sample_optimiser;

use std::path::Path;
use std::time::Instant;

use liftcast::data::frame::take_rows;
use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
use liftcast::model::{
    DeviceChoice, EpochReport, ForecastModel, LeverSetting, TrainConfig, start_training,
};
use liftcast::scenario::curve::response_curve;
use liftcast::scenario::evaluate::evaluate_plan;
use liftcast::scenario::optimise::{GridOption, optimise};
use liftcast::scenario::plan::Plan;
use polars::prelude::DataFrame;

const SEEDS: [u64; 6] = [42, 1, 2, 3, 4, 5];
const POPULATION: usize = 100_000;
/// Runs per timing of the quick jobs (the 100,000-row ones run fewer: see `main`).
const REPEATS: usize = 5;

fn set(lever: &str, value: &str) -> LeverSetting {
    LeverSetting {
        lever: lever.into(),
        value: value.into(),
    }
}

fn train(inspection: &Inspection, config: TrainConfig, device: DeviceChoice) -> ForecastModel {
    let config = TrainConfig {
        calibrate_lever_values: !std::env::args().any(|a| a == "no-value-calibration"),
        ..config
    };
    start_training(inspection, config, device, None)
        .expect("training starts")
        .wait(|_: EpochReport| {})
        .expect("training finishes")
        .expect("training succeeds")
}

/// Median wall time of `repeats` runs, in milliseconds.
fn median_ms(repeats: usize, mut run: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

/// The sample's model with the default (evaluated) or the final fit, and that fit's name.
fn sample_fit(
    sample: &Inspection,
    final_fit: bool,
    device: DeviceChoice,
) -> (ForecastModel, &'static str) {
    let config = TrainConfig {
        final_fit,
        ..TrainConfig::default()
    };
    let fit = if final_fit {
        "final fit"
    } else {
        "default fit"
    };
    (train(sample, config, device), fit)
}

/// `frame`'s rows repeated up to `rows`.
fn repeated(frame: &DataFrame, rows: usize) -> DataFrame {
    let indices: Vec<usize> = (0..rows).map(|r| r % frame.height()).collect();
    take_rows(frame, &indices).expect("rows are taken")
}

fn main() {
    // As the liftcast binary does (src/main.rs); `-- moves plain` measures without it.
    if !std::env::args().any(|a| a == "plain") {
        liftcast::memory::keep_freed_memory();
    }
    let device = if std::env::args().any(|a| a == "gpu") {
        DeviceChoice::Gpu
    } else {
        DeviceChoice::Cpu
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `-- plan` times the 100,000-row plan forecast alone (for profiling).
    if std::env::args().any(|a| a == "plan") {
        let (population_ms, own_ms) = plan_timing(root, device);
        println!("plan forecast, {POPULATION} rows: {population_ms:.0} ms");
        println!("plan forecast, Hillstrom's own 64,000 rows: {own_ms:.0} ms");
        return;
    }
    let moves_only = std::env::args().any(|a| a == "moves");
    let sample = Inspection::new(
        import::load(
            &root.join("sample_data/shop_campaigns.csv"),
            &ImportOptions::default(),
        )
        .expect("the sample data imports"),
        None,
        &RoleOverrides::default(),
    )
    .expect("the sample data maps");
    let history = &sample.table.frame;

    // `-- curve` times the 100,000-row response curve five times, with the preparing of its
    // rows (a curve's first step) beside each (for profiling).
    if std::env::args().any(|a| a == "curve") {
        for final_fit in [false, true] {
            let (model, fit) = sample_fit(&sample, final_fit, device);
            let population = repeated(history, POPULATION);
            let runs: Vec<String> = (0..5)
                .map(|_| {
                    let timings = lever_timings(&model, &population);
                    format!("{:.0} ({:.0})", timings.curve_ms, timings.prepare_ms)
                })
                .collect();
            println!(
                "{fit}: 21-point curve over {POPULATION} rows (preparing them), five runs: {} ms",
                runs.join(", ")
            );
        }
        return;
    }
    // `-- moves` times lever moves over prepared rows alone (for profiling).
    if moves_only {
        for final_fit in [false, true] {
            let (model, fit) = sample_fit(&sample, final_fit, device);
            let weights: Vec<String> = model
                .meta
                .blend
                .iter()
                .map(|b| format!("{:.2}", b.deep_weight))
                .collect();
            println!("{fit}: deep weights {}", weights.join("/"));
            // The 100,000-row population, and the sample's own rows (what the workbench shows).
            for rows in [repeated(history, POPULATION), history.clone()] {
                let prepared = model.prepare(&rows).expect("the rows prepare");
                let started = Instant::now();
                for pct in 0..50 {
                    let settings = [
                        set("campaign_type", "percent_off"),
                        set("discount_pct", &(pct % 30).to_string()),
                        set("duration_days", "7"),
                        set("creative", "A"),
                        set("coupon", "none"),
                    ];
                    model
                        .forecast_prepared(&prepared, &settings)
                        .expect("the prepared rows forecast");
                }
                println!(
                    "{fit}: 50 lever moves over {} rows: {:.1} ms each",
                    rows.height(),
                    started.elapsed().as_secs_f64() * 20.0
                );
            }
        }
        return;
    }
    let truth = sample_optimiser::truth_table();
    let budget = 0.5 * sample_optimiser::unlimited_cost(&truth);
    println!("## Optimiser against the truth (12 segment × channel units, 10 offers)\n");
    println!(
        "| seed | budget | true profit of the choice | its true cost (forecast) | true optimum for that spend | share |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    // `-- timings` skips the optimiser's accuracy study (five more trainings): for profiling.
    let seeds: &[u64] = if std::env::args().any(|a| a == "timings") {
        &SEEDS[..1]
    } else {
        &SEEDS
    };
    let mut seed_42_model = None;
    for &seed in seeds {
        // The final fit: the model a planner optimises with.
        let config = TrainConfig {
            seed,
            final_fit: true,
            ..TrainConfig::default()
        };
        let model = train(&sample, config, device);
        for limit in [Some(budget), None] {
            let result = optimise(&model, history, &sample_optimiser::request(limit))
                .expect("the optimiser runs");
            let (earned, spent) = sample_optimiser::true_value_of(&result, &truth);
            let optimum =
                sample_optimiser::true_optimum_bound(&truth, limit.map_or(1e12, |b| b.max(spent)));
            println!(
                "| {seed} | {} | {earned:.0} | {spent:.0} ({:.0}) | {optimum:.0} | {:.1}% |",
                limit.map_or("none".into(), |b| format!("{b:.0}")),
                result.total_cost,
                100.0 * earned / optimum
            );
        }
        if seed == 42 {
            seed_42_model = Some(model);
        }
    }
    let Some(model) = seed_42_model else { return };

    // 20 settings: every tested offer at two durations.
    let mut request = sample_optimiser::request(Some(budget));
    request.options = sample_optimiser::grid()
        .into_iter()
        .flat_map(|(option, _)| {
            ["5", "7"].map(|days| GridOption {
                name: format!("{} for {days} days", option.name),
                levers: [option.levers.clone(), vec![set("duration_days", days)]].concat(),
            })
        })
        .collect();
    let optimiser_ms = median_ms(REPEATS, || {
        optimise(&model, history, &request).expect("the optimiser runs");
    });

    let population = repeated(history, POPULATION);
    // The workbench trains the default fit unless "Final fit" is ticked; a final fit's blend
    // may weight the trees on every outcome, so both are timed.
    let default_fit = train(&sample, TrainConfig::default(), device);
    let lever_timings = [
        ("default fit", lever_timings(&default_fit, &population)),
        ("final fit", lever_timings(&model, &population)),
    ];

    let (plan_ms, _) = plan_timing(root, device);

    println!(
        "\n## Timings ({device:?}; median of {REPEATS} optimiser runs, 3 plan runs, 1 curve)\n"
    );
    println!("| what | goal | measured |");
    println!("|---|---:|---:|");
    println!("| optimiser, 12 units × 20 settings (sample model) | ≤ 2 s | {optimiser_ms:.0} ms |");
    println!(
        "| plan forecast, {POPULATION} rows, 5 members (Hillstrom model) | ≤ 50 ms | {plan_ms:.0} ms |"
    );
    for (fit, timing) in &lever_timings {
        println!(
            "| response curve, 21 points × {POPULATION} rows (sample model, {fit}) | ≤ 250 ms | {:.0} ms |",
            timing.curve_ms
        );
        println!(
            "| live what-if: one lever move over {POPULATION} prepared rows (sample model, {fit}) | ≤ 100 ms | {:.0} ms |",
            timing.move_ms
        );
        println!(
            "| preparing those rows (once per audience; {fit}) | | {:.0} ms |",
            timing.prepare_ms
        );
    }
    for (fit, timing) in &lever_timings {
        println!(
            "\n{fit}: trees that split on a lever (walked again at each move): {:.0}% of all trees; deep weights {}.",
            100.0 * timing.lever_tree_share,
            timing.deep_weights
        );
    }
}

/// What a lever moves costs over a population: a response curve, preparing the rows, a move.
struct LeverTimings {
    curve_ms: f64,
    prepare_ms: f64,
    move_ms: f64,
    lever_tree_share: f64,
    deep_weights: String,
}

fn lever_timings(model: &ForecastModel, population: &DataFrame) -> LeverTimings {
    // Every lever set, as the workbench's controls set them.
    let fixed = [
        set("campaign_type", "percent_off"),
        set("duration_days", "7"),
        set("creative", "A"),
        set("coupon", "none"),
    ];
    let curve_ms = median_ms(1, || {
        let costs = sample_optimiser::costs();
        response_curve(
            model,
            population,
            "discount_pct",
            (0.0, 30.0),
            21,
            &fixed,
            Some(&costs),
        )
        .expect("the curve runs");
    });
    // The live what-if: the population prepared once (when the audience is chosen), then one
    // forecast per lever move.
    let mut prepared = None;
    let prepare_ms = median_ms(1, || {
        prepared = Some(model.prepare(population).expect("the rows prepare"));
    });
    let prepared = prepared.expect("prepared above");
    let moves: Vec<Vec<LeverSetting>> = [5, 10, 15, 20, 25]
        .iter()
        .map(|pct| [fixed.to_vec(), vec![set("discount_pct", &pct.to_string())]].concat())
        .collect();
    let mut next_move = 0usize;
    let move_ms = median_ms(REPEATS, || {
        let settings = &moves[next_move % moves.len()];
        next_move += 1;
        model
            .forecast_prepared(&prepared, settings)
            .expect("the prepared rows forecast");
    });
    let deep_weights: Vec<String> = model
        .meta
        .blend
        .iter()
        .map(|b| format!("{:.2}", b.deep_weight))
        .collect();
    LeverTimings {
        curve_ms,
        prepare_ms,
        move_ms,
        lever_tree_share: prepared.lever_tree_share(),
        deep_weights: deep_weights.join("/"),
    }
}

/// The median time of a plan forecast over 100,000 customers (Hillstrom's, repeated) with a
/// quickly trained Hillstrom model, and over Hillstrom's own 64,000 customers (no row
/// twice: the trees' kinds of row then come from the data alone). `PLAN_REPEATS=N` times N
/// plans of each (3 by default), for profiling.
fn plan_timing(root: &Path, device: DeviceChoice) -> (f64, f64) {
    let hillstrom_path = root.join("../shared/data/hillstrom/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv");
    let hillstrom = Inspection::new(
        import::load(&hillstrom_path, &ImportOptions::default()).expect("Hillstrom loads"),
        None,
        &RoleOverrides {
            levers: vec![("segment".into(), Some("No E-Mail".into()))],
            outcomes: vec!["visit".into(), "conversion".into(), "spend".into()],
            ..Default::default()
        },
    )
    .expect("Hillstrom maps");
    // The forecast's cost does not depend on how well the model fits: a few epochs do.
    let quick = TrainConfig {
        epochs: 2,
        ..TrainConfig::default()
    };
    let hillstrom_model = train(&hillstrom, quick, device);
    let customers = repeated(&hillstrom.table.frame, POPULATION);
    let plan = Plan {
        format_version: 1,
        name: "men's e-mail to everyone".into(),
        start: None,
        end: None,
        audience: Vec::new(),
        levers: vec![set("segment", "Mens E-Mail")],
        segment_levers: Vec::new(),
        costs: Default::default(),
        carry: Default::default(),
        covariates_file: None,
    };
    let repeats = std::env::var("PLAN_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let time_over = |rows: &DataFrame| {
        median_ms(repeats, || {
            evaluate_plan(&hillstrom_model, rows, &plan).expect("the plan forecasts");
        })
    };
    (time_over(&customers), time_over(&hillstrom.table.frame))
}
