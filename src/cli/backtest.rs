//! `liftcast backtest DATA [roles] [--folds K] [--epochs N] [--json]`: rolling-origin
//! evaluation on time data, a fresh model per fold trained only on dates before its window;
//! k-fold cross-validation on data without dates.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::{DeviceArg, FamilyArg};
use super::{ImportArgs, RoleArgs};
use crate::data::{Inspection, import};
use crate::diagnostics::backtest::{DEFAULT_FOLDS, backtest};
use crate::model::TrainConfig;
use crate::numbers::significant;

#[derive(Args, Debug)]
pub struct BacktestArgs {
    /// The data file.
    data: PathBuf,
    #[command(flatten)]
    import: ImportArgs,
    #[command(flatten)]
    roles: RoleArgs,
    /// Time data: windows the last 20% of dates is cut into; other data: cross-validation
    /// folds. One model is trained per fold.
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
    /// Which model each fold trains: hybrid, deep or trees.
    #[arg(long, value_enum, default_value_t = FamilyArg::Hybrid)]
    model: FamilyArg,
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
        family: args.model.into(),
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
    match report.window_dates {
        Some(dates) => println!(
            "{}: {} folds of {dates} dates each",
            report.method,
            report.folds.len()
        ),
        None => println!("{}: {} folds", report.method, report.folds.len()),
    }
    for fold in &report.folds {
        let trained = fold
            .dates
            .map(|d| format!(" up to {}", d.last_trained))
            .unwrap_or_default();
        println!(
            "{}: trained on {} rows{trained}, scored {} rows",
            fold.window, fold.training_rows, fold.scored_rows
        );
        for note in &fold.notes {
            println!("  note: {note}");
        }
        for (outcome, rows) in &fold.outcomes {
            if let Some(main) = rows.first() {
                println!(
                    "  {:<12} {} model {}  mean per lever {}  same weekday last week {}",
                    outcome,
                    main.metric,
                    significant(main.model, 5),
                    significant(main.naive_lever_mean, 5),
                    main.seasonal_naive
                        .map(|v| significant(v, 5))
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
