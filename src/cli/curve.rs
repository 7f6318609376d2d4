//! `liftcast curve MODEL --lever L --from A --to B --steps N`: a response curve over the
//! model's training rows (or --data), other levers held with --set.

use std::process::ExitCode;

use clap::Args;

use super::model_args::{ModelData, parse_settings};
use crate::scenario::curve::response_curve;

#[derive(Args, Debug)]
pub struct CurveArgs {
    #[command(flatten)]
    target: ModelData,
    /// The numeric lever to sweep.
    #[arg(long)]
    lever: String,
    #[arg(long)]
    from: f64,
    #[arg(long)]
    to: f64,
    #[arg(long, default_value_t = 21)]
    steps: usize,
    /// Other levers held at a value, e.g. `--set campaign_type=percent_off`; repeatable.
    #[arg(long = "set", value_name = "LEVER=VALUE")]
    settings: Vec<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &CurveArgs) -> anyhow::Result<ExitCode> {
    let (model, population) = args.target.load()?;
    let fixed = parse_settings(&args.settings)?;
    let points = response_curve(
        &model,
        &population,
        &args.lever,
        (args.from, args.to),
        args.steps,
        &fixed,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&points)?);
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<&str> = points
        .first()
        .map(|p| p.outcomes.iter().map(|o| o.outcome.as_str()).collect())
        .unwrap_or_default();
    println!(
        "{:>10}  {}",
        args.lever,
        names
            .iter()
            .map(|n| format!("{:>36}", format!("{n} lift [80%]")))
            .collect::<String>()
    );
    for point in &points {
        let cells: String = point
            .outcomes
            .iter()
            .map(|o| {
                format!(
                    "{:>36}",
                    format!("{:+.1} [{:+.1}, {:+.1}]", o.lift, o.lift_low, o.lift_high)
                )
            })
            .collect();
        let note = if point.observed {
            ""
        } else {
            "  (extrapolation)"
        };
        println!("{:>10.2}  {cells}{note}", point.value);
    }
    Ok(ExitCode::SUCCESS)
}
