//! `liftcast uplift MODEL --lever L --treatment V --outcome O [--chart FILE] [--json]`: on
//! randomised data, whether the model's predicted individual lift ranks customers better than
//! chance (Qini), beside the model-free difference in means.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::ModelData;
use crate::diagnostics::uplift::uplift_report;
use crate::export::diagnostic_charts::qini_chart;
use crate::export::figures::footnote;
use crate::export::{SLIDE_SIZE, write_chart};

#[derive(Args, Debug)]
pub struct UpliftArgs {
    #[command(flatten)]
    target: ModelData,
    /// The randomised lever (its baseline is the control).
    #[arg(long)]
    lever: String,
    /// The treatment arm's value.
    #[arg(long)]
    treatment: String,
    #[arg(long)]
    outcome: String,
    /// Draw the Qini curve to .png or .svg.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &UpliftArgs) -> anyhow::Result<ExitCode> {
    let (model, frame) = args.target.load()?;
    let report = uplift_report(&model, &frame, &args.lever, &args.treatment, &args.outcome)?;
    if let Some(path) = &args.chart {
        write_chart(
            &qini_chart(&report, footnote(&model.meta)),
            path,
            SLIDE_SIZE,
        )?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (low, high) = report.difference_95;
    println!(
        "{} = {} against {}, {} on held-out rows ({} treated, {} control)",
        report.lever,
        report.treatment,
        report.control,
        report.outcome,
        report.treated_rows,
        report.control_rows
    );
    println!(
        "  difference in means (model-free): {:.4} (95% {low:.4} to {high:.4})",
        report.difference_in_means
    );
    println!(
        "  model's average lift:             {:.4}",
        report.model_average_lift
    );
    println!(
        "  Qini coefficient: {:.5} ({})",
        report.qini_coefficient,
        if report.qini_coefficient > 0.0 {
            "ranking by the model beats random targeting"
        } else {
            "ranking by the model does NOT beat random targeting"
        }
    );
    println!("  by decile of predicted lift (highest first): predicted / observed");
    for (i, decile) in report.deciles.iter().enumerate() {
        println!(
            "    {:>2}: {:+.4} / {:+.4} ({} rows)",
            i + 1,
            decile.predicted,
            decile.observed,
            decile.rows
        );
    }
    Ok(ExitCode::SUCCESS)
}
