//! `liftcast explain MODEL [--set LEVER=VALUE ...] [--from LEVER=VALUE ...] [--repeats N]
//! [--json]`: why the model predicts what it does. Permutation importance of every input on the
//! held-out rows, partial dependence of every lever, and, with `--set`, how much of that
//! scenario's lift each lever change makes (exact Shapley values; the parts add up).

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::model_args::{ModelData, parse_settings};
use crate::diagnostics::decompose::{Decomposition, decompose_lift};
use crate::diagnostics::dependence::{Dependence, partial_dependence};
use crate::diagnostics::importance::{DEFAULT_REPEATS, Importance, permutation_importance};
use crate::numbers::significant;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    target: ModelData,
    /// A scenario's lever values to decompose; repeatable.
    #[arg(long = "set", value_name = "LEVER=VALUE")]
    settings: Vec<String>,
    /// The reference the lift is measured from (default: every lever at no campaign).
    #[arg(long = "from", value_name = "LEVER=VALUE")]
    reference: Vec<String>,
    /// Shuffles per input for the permutation importance.
    #[arg(long, default_value_t = DEFAULT_REPEATS)]
    repeats: usize,
    /// Seed of the shuffles.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

/// Everything `explain` reports, as `--json` writes it.
#[derive(Serialize)]
struct Explanation {
    /// None for a final fit: it held no rows out to shuffle.
    importance: Option<Importance>,
    dependence: Dependence,
    decomposition: Option<Decomposition>,
}

pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let (model, population) = args.target.load()?;
    let importance = if model.meta.config.final_fit {
        None
    } else {
        Some(permutation_importance(
            &model,
            &population,
            args.repeats,
            args.seed,
        )?)
    };
    let dependence = partial_dependence(&model, &population)?;
    let decomposition = if args.settings.is_empty() {
        None
    } else {
        let scenario = parse_settings(&args.settings)?;
        let reference = parse_settings(&args.reference)?;
        Some(decompose_lift(&model, &population, &reference, &scenario)?)
    };
    let explanation = Explanation {
        importance,
        dependence,
        decomposition,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
        return Ok(ExitCode::SUCCESS);
    }
    match &explanation.importance {
        Some(importance) => print_importance(importance),
        None => println!(
            "No permutation importance: this model is a final fit and held no rows out; the \
             same settings trained without --final have it."
        ),
    }
    print_dependence(&explanation.dependence);
    if let Some(decomposition) = &explanation.decomposition {
        print_decomposition(decomposition);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_importance(importance: &Importance) {
    println!(
        "Permutation importance on {} held-out rows ({} shuffles each; mean increase ± sd):",
        importance.rows, importance.repeats
    );
    for outcome in &importance.outcomes {
        println!(
            "{} ({} as is: {})",
            outcome.outcome,
            outcome.metric,
            significant(outcome.score, 5)
        );
        for input in &outcome.inputs {
            println!(
                "  {:<18} {:<10} {:>+12.5} ± {:<10.5} {:>+7.1}%",
                input.column,
                input.role,
                input.increase,
                input.spread,
                input.relative * 100.0
            );
        }
    }
}

fn print_dependence(dependence: &Dependence) {
    println!(
        "\nPartial dependence over {} rows (mean prediction per row at each lever value):",
        dependence.rows
    );
    for lever in &dependence.levers {
        let caveat = if lever.varied {
            ""
        } else {
            " (never varied in the data: the model's guess)"
        };
        println!("{}{caveat}", lever.lever);
        for outcome in &lever.outcomes {
            let points: Vec<String> = lever
                .values
                .iter()
                .zip(&outcome.average)
                .map(|(value, mean)| format!("{value}: {}", significant(*mean, 5)))
                .collect();
            println!("  {:<12} {}", outcome.outcome, points.join("  "));
        }
    }
}

fn print_decomposition(decomposition: &Decomposition) {
    println!("\nLift decomposition (exact Shapley values):");
    if decomposition.changes.is_empty() {
        println!(
            "The scenario sets every lever as the reference does: there is no lift to explain."
        );
        return;
    }
    for outcome in &decomposition.outcomes {
        println!(
            "{}: lift {:+.1} ({:.1} → {:.1})",
            outcome.outcome, outcome.total_lift, outcome.reference_total, outcome.scenario_total
        );
        for (k, (change, part)) in decomposition.changes.iter().zip(&outcome.parts).enumerate() {
            let share = if outcome.total_lift.abs() > 0.0 {
                format!("{:>6.1}%", part / outcome.total_lift * 100.0)
            } else {
                "     -".into()
            };
            let band = match (outcome.parts_low.get(k), outcome.parts_high.get(k)) {
                (Some(low), Some(high)) => {
                    let note = if *low <= 0.0 && *high >= 0.0 {
                        "  (not told apart from no effect)"
                    } else {
                        ""
                    };
                    format!("  80% [{low:+.1}, {high:+.1}]{note}")
                }
                _ => String::new(),
            };
            println!(
                "  {:<16} {:>10} → {:<10} {:>+14.1}  {share}{band}",
                change.lever, change.from, change.to, part
            );
        }
    }
}
