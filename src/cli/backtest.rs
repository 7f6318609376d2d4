//! `liftcast backtest DATA [roles] [--folds K] [--epochs N] [--json]`: rolling-origin
//! evaluation on time data, a fresh model per fold trained only on dates before its window.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::DeviceArg;
use super::{ImportArgs, RoleArgs};
use crate::data::{Inspection, import};
use crate::diagnostics::backtest::{DEFAULT_FOLDS, backtest};
use crate::model::TrainConfig;

#[derive(Args, Debug)]
pub struct BacktestArgs {
    /// The data file (time data).
    data: PathBuf,
    #[command(flatten)]
    import: ImportArgs,
    #[command(flatten)]
    roles: RoleArgs,
    /// Windows the last 20% of dates is cut into; one model is trained per window.
    #[arg(long, default_value_t = DEFAULT_FOLDS)]
    folds: usize,
    /// Most epochs per fold (default: as `train`).
    #[arg(long)]
    epochs: Option<usize>,
    /// Ensemble members per fold (default: as `train`).
    #[arg(long)]
    ensemble: Option<usize>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    device: DeviceArg,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &BacktestArgs) -> anyhow::Result<ExitCode> {
    let table = import::load(&args.data, &args.import.options())?;
    let inspection = Inspection::new(table, args.roles.base_mapping()?, &args.roles.overrides())?;
    let defaults = TrainConfig::default();
    let config = TrainConfig {
        epochs: args.epochs.unwrap_or(defaults.epochs),
        members: args.ensemble.unwrap_or(defaults.members),
        ..defaults
    };
    let quiet = args.json;
    let report = backtest(
        &inspection,
        &config,
        args.folds,
        args.device.into(),
        |line| {
            if !quiet {
                eprintln!("{line}");
            }
        },
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} folds of {} dates each",
        report.folds.len(),
        report.window_dates
    );
    for fold in &report.folds {
        println!(
            "fold {} to {}: trained on {} rows up to {}, scored {} rows",
            fold.cut_off, fold.last_scored, fold.training_rows, fold.last_trained, fold.scored_rows
        );
        for (outcome, rows) in &fold.outcomes {
            if let Some(main) = rows.first() {
                println!(
                    "  {:<12} {} model {:.4}  mean per lever {:.4}  same weekday last week {}",
                    outcome,
                    main.metric,
                    main.model,
                    main.naive_lever_mean,
                    main.seasonal_naive
                        .map(|v| format!("{v:.4}"))
                        .unwrap_or_else(|| "-".into())
                );
            }
        }
    }
    for summary in &report.summary {
        println!("{}", summary.verdict);
    }
    Ok(ExitCode::SUCCESS)
}
