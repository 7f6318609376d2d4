//! `liftcast compare MODEL P1.json P2.json …`: plans side by side on one metric, with the
//! probability that each beats the others from the same (paired) ensemble draws, and
//! `liftcast suggest MODEL PLAN.json --arm …`: traffic shares for the next test.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::model_args::{ModelData, parse_named_list};
use super::table;
use crate::numbers::{decimals_for_largest, grouped};
use crate::scenario::bandit::suggest_for_plans;
use crate::scenario::compare::compare;
use crate::scenario::evaluate::evaluate_plan;
use crate::scenario::plan::Plan;

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    target: ModelData,
    /// Two or more plan files (JSON).
    #[arg(required = true, num_args = 2..)]
    plans: Vec<PathBuf>,
    /// What to compare: `profit`, or an outcome's name (its lift).
    #[arg(long, default_value = "profit")]
    metric: String,
    #[arg(long)]
    json: bool,
}

pub fn run_compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let (model, history) = args.target.load()?;
    let mut forecasts = Vec::new();
    for path in &args.plans {
        let plan = Plan::load(path)?;
        forecasts.push(
            evaluate_plan(&model, &history, &plan)
                .with_context(|| format!("plan {}", path.display()))?,
        );
    }
    let comparison = compare(&forecasts, &args.metric)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "comparison": comparison,
                "plans": forecasts,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("metric: {}", comparison.metric);
    let header = ["#", "plan", comparison.metric.as_str(), "95%", "P(best)"];
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    // Every plan's figures with the decimals the largest warrants.
    let places = decimals_for_largest(comparison.plans.iter().map(|p| p.value));
    for (i, plan) in comparison.plans.iter().enumerate() {
        rows.push(vec![
            format!("#{}", i + 1),
            plan.plan.clone(),
            grouped(plan.value, places),
            format!(
                "[{}, {}]",
                grouped(plan.interval_95.low, places),
                grouped(plan.interval_95.high, places)
            ),
            format!("{:.0}%", plan.probability_best * 100.0),
        ]);
        let beats: Vec<String> = comparison.beats[i]
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, p)| format!("#{} {:.0}%", j + 1, p * 100.0))
            .collect();
        notes.push(format!("beats {}", beats.join(", ")));
    }
    println!("{}", table::render(&header, 2, &rows, &notes));
    for forecast in &forecasts {
        for warning in &forecast.warnings {
            println!("  warning ({}): {warning}", forecast.plan);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct SuggestArgs {
    #[command(flatten)]
    target: ModelData,
    /// The plan the arms vary (dates, audience, costs).
    plan: PathBuf,
    /// An arm: `NAME:LEVER=VALUE,LEVER=VALUE` (levers not named keep the plan's values);
    /// repeatable, at least two.
    #[arg(long = "arm", required = true, num_args = 1)]
    arms: Vec<String>,
    /// What to maximise: `profit`, or an outcome's name (its lift).
    #[arg(long, default_value = "profit")]
    metric: String,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

pub fn run_suggest(args: &SuggestArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.arms.len() >= 2, "give at least two --arm");
    let (model, history) = args.target.load()?;
    let base = Plan::load(&args.plan)?;
    let arms = parse_named_list(&args.arms, "arm")?;
    let suggestion = suggest_for_plans(&model, &history, &base, &arms, &args.metric, args.seed)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&suggestion)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("next test, maximising {}:", args.metric);
    let header = ["arm", "mean", "traffic share"];
    let places = decimals_for_largest(suggestion.arms.iter().map(|a| a.mean));
    let rows: Vec<Vec<String>> = suggestion
        .arms
        .iter()
        .map(|arm| {
            vec![
                arm.arm.clone(),
                grouped(arm.mean, places),
                format!("{:.1}%", arm.share * 100.0),
            ]
        })
        .collect();
    println!("{}", table::render(&header, 1, &rows, &[]));
    println!(
        "exploiting now means '{}', with an expected regret of {}",
        suggestion.exploit,
        grouped(suggestion.expected_regret, places)
    );
    Ok(ExitCode::SUCCESS)
}
