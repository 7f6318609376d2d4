//! `liftcast monitor MODEL NEWER.csv [--chart FILE] [--json]`: the saved model on newer data —
//! predicted against actual, the shift of every input (PSI), and keep / watch / retrain.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::ImportArgs;
use super::model_args::ModelData;
use crate::data::import;
use crate::diagnostics::monitor::monitor;
use crate::export::diagnostic_charts::monitor_chart;
use crate::export::figures::footnote;
use crate::export::{SLIDE_SIZE, write_chart};

#[derive(Args, Debug)]
pub struct MonitorArgs {
    /// The model, and with --data the training file when it moved.
    #[command(flatten)]
    target: ModelData,
    /// The newer data, with the same columns.
    newer: PathBuf,
    #[command(flatten)]
    import: ImportArgs,
    /// Draw the first outcome's predicted-against-actual chart (time data) to .png or .svg.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &MonitorArgs) -> anyhow::Result<ExitCode> {
    let (model, training) = args.target.load()?;
    let newer = import::load(&args.newer, &args.import.options())?;
    let report = monitor(&model, &training, &newer.frame)?;
    if let Some(path) = &args.chart {
        let chart = report
            .outcomes
            .first()
            .and_then(|check| monitor_chart(check, footnote(&model.meta)))
            .ok_or_else(|| anyhow::anyhow!("--chart needs time data (a date column)"))?;
        write_chart(&chart, path, SLIDE_SIZE)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} newer rows scored with the saved model", report.rows);
    for check in &report.outcomes {
        println!(
            "  {:<14} actual {:>14.1}  predicted {:>14.1} (80% {:.1} to {:.1})  WAPE {:.3}",
            check.outcome,
            check.actual_total,
            check.predicted_total,
            check.predicted_80.0,
            check.predicted_80.1,
            check.wape
        );
    }
    println!("population shift (PSI; 0.1 moderate, 0.25 major):");
    for shift in &report.shifts {
        println!(
            "  {:<20} {:>7.3}  {}",
            shift.feature, shift.psi, shift.level
        );
    }
    println!("recommendation: {:?}", report.recommendation);
    for reason in &report.reasons {
        println!("  {reason}");
    }
    Ok(ExitCode::SUCCESS)
}
