//! `liftcast diagnose MODEL [--charts DIR] [--json]`: how wrong the model is on the rows it
//! held out, beside naive baselines; coverage, calibration and the largest error sources.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::ModelData;
use crate::diagnostics::holdout::{HoldoutReport, holdout_report};
use crate::export::diagnostic_charts::outcome_charts;
use crate::export::figures::footnote;
use crate::export::{SLIDE_SIZE, write_chart};

#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    target: ModelData,
    /// Also draw every chart (scatter, per day, reliability, error sources) as PNG files here.
    #[arg(long, value_name = "DIR")]
    charts: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &DiagnoseArgs) -> anyhow::Result<ExitCode> {
    let (model, frame) = args.target.load()?;
    let report = holdout_report(&model, &frame)?;
    if let Some(folder) = &args.charts {
        std::fs::create_dir_all(folder)?;
        let note = footnote(&model.meta);
        for outcome in &report.outcomes {
            for (i, chart) in outcome_charts(outcome, &note).iter().enumerate() {
                let path = folder.join(format!("{}-{}.png", outcome.outcome, i + 1));
                write_chart(chart, &path, SLIDE_SIZE)?;
                if !args.json {
                    println!("wrote {}: {}", path.display(), chart.title);
                }
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn figure(value: f64) -> String {
    if value.is_finite() {
        crate::numbers::significant(value, 5)
    } else {
        "n/a".into()
    }
}

fn print_report(report: &HoldoutReport) {
    println!("holdout: {}", report.split_rule);
    for outcome in &report.outcomes {
        println!("\n{} ({} held-out rows)", outcome.outcome, outcome.rows);
        println!(
            "  {:<22} {:>12} {:>16} {:>18}",
            "measure", "model", "mean per lever", "same day last wk"
        );
        for row in &outcome.scores {
            println!(
                "  {:<22} {:>12} {:>16} {:>18}",
                format!(
                    "{} ({})",
                    row.metric,
                    if row.higher_is_better { "↑" } else { "↓" }
                ),
                figure(row.model),
                figure(row.naive_lever_mean),
                row.seasonal_naive.map(figure).unwrap_or_else(|| "-".into())
            );
        }
        println!("  {}", outcome.verdict);
        if !outcome.coverage.is_empty() {
            let shares: Vec<String> = outcome
                .coverage
                .iter()
                .map(|(level, share)| format!("{:.0}% → {:.1}%", level * 100.0, share * 100.0))
                .collect();
            println!(
                "  interval coverage (nominal → held out): {}",
                shares.join(", ")
            );
        }
        for bin in &outcome.reliability {
            println!(
                "  reliability: predicted {:.3}, observed {:.3} ({} rows)",
                bin.predicted, bin.observed, bin.rows
            );
        }
        for source in &outcome.error_sources {
            println!(
                "  error source: {:<32} {:>5.1}% of the absolute error from {:>5.1}% of the rows, bias {:+.3}",
                source.source,
                source.share * 100.0,
                source.row_share * 100.0,
                source.bias
            );
        }
        if !outcome.pit_reading.is_empty() {
            println!("  PIT histogram: {}", outcome.pit_reading);
        }
        for note in &outcome.notes {
            println!("  note: {note}");
        }
    }
}
