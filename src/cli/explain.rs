//! `liftcast explain MODEL --set LEVER=VALUE ... [--from LEVER=VALUE ...] [--json]`: how much of
//! a scenario's lift each lever change makes (exact Shapley values; the parts add up).

use std::process::ExitCode;

use clap::Args;

use super::model_args::{ModelData, parse_settings};
use crate::diagnostics::decompose::decompose_lift;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    target: ModelData,
    /// The scenario's lever values; repeatable.
    #[arg(long = "set", value_name = "LEVER=VALUE")]
    settings: Vec<String>,
    /// The reference the lift is measured from (default: every lever at no campaign).
    #[arg(long = "from", value_name = "LEVER=VALUE")]
    reference: Vec<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let (model, population) = args.target.load()?;
    let scenario = parse_settings(&args.settings)?;
    let reference = parse_settings(&args.reference)?;
    let decomposition = decompose_lift(&model, &population, &reference, &scenario)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&decomposition)?);
        return Ok(ExitCode::SUCCESS);
    }
    if decomposition.changes.is_empty() {
        println!(
            "The scenario sets every lever as the reference does: there is no lift to explain."
        );
        return Ok(ExitCode::SUCCESS);
    }
    for outcome in &decomposition.outcomes {
        println!(
            "{}: lift {:+.1} ({:.1} → {:.1})",
            outcome.outcome, outcome.total_lift, outcome.reference_total, outcome.scenario_total
        );
        for (change, part) in decomposition.changes.iter().zip(&outcome.parts) {
            let share = if outcome.total_lift.abs() > 0.0 {
                format!("{:>6.1}%", part / outcome.total_lift * 100.0)
            } else {
                "     -".into()
            };
            println!(
                "  {:<16} {:>10} → {:<10} {:>+14.1}  {share}",
                change.lever, change.from, change.to, part
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
