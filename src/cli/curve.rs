//! `liftcast curve MODEL --lever L --from A --to B --steps N`: a response curve over the
//! model's training rows (or --data), other levers held with --set.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::{DeviceArg, parse_settings};
use crate::data::import;
use crate::model::ForecastModel;
use crate::scenario::curve::response_curve;

#[derive(Args, Debug)]
pub struct CurveArgs {
    /// A model folder written by `liftcast train`.
    model: PathBuf,
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
    /// The population (default: the training data).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    device: DeviceArg,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &CurveArgs) -> anyhow::Result<ExitCode> {
    let model = ForecastModel::load(&args.model, args.device.into())?;
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from(&model.meta.data_file));
    let table = import::load(&data, &Default::default())?;
    let fixed = parse_settings(&args.settings)?;
    let points = response_curve(
        &model,
        &table.frame,
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
