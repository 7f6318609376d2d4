//! `liftcast chart lift|plan|curve ... --out FILE.png|svg`: the workbench's charts drawn to files,
//! for scripts and slide decks. The chart comes from the same core numbers as `forecast`,
//! `plan` and `curve`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::curve::CurveQuery;
use super::model_args::{ModelData, parse_settings};
use crate::export::figures::{
    MoneyView, OutcomeView, curve_money_chart, curve_outcome_chart, footnote, forecast_lift_chart,
    plan_daily_chart, plan_lift_chart,
};
use crate::export::write_chart;
use crate::scenario::evaluate::evaluate_plan;
use crate::scenario::plan::Plan;

#[derive(Args, Debug)]
pub struct ChartArgs {
    #[command(subcommand)]
    chart: ChartKind,
}

#[derive(Subcommand, Debug)]
enum ChartKind {
    /// Scenario against no campaign for each outcome, with 80% whiskers (as `forecast`).
    Lift(Box<LiftChartArgs>),
    /// A saved plan against no campaign for each outcome (as `plan`), or one outcome day by day.
    Plan(Box<PlanChartArgs>),
    /// A response curve: one outcome's lift or total, the incremental profit or the ROI (as
    /// `curve`).
    Curve(Box<CurveChartArgs>),
}

/// Where the chart goes and how big it is.
#[derive(Args, Debug)]
struct OutputArgs {
    /// The file to write: .png or .svg.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Pixels, WIDTHxHEIGHT (default: a 16:9 slide at twice its 960 × 540 layout).
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1920x1080")]
    size: (u32, u32),
}

#[derive(Args, Debug)]
struct LiftChartArgs {
    #[command(flatten)]
    target: ModelData,
    /// A lever value for the scenario, e.g. `--set discount_pct=15`; repeatable.
    #[arg(long = "set", value_name = "LEVER=VALUE")]
    settings: Vec<String>,
    /// The scenario's name on the chart (default: its settings).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct PlanChartArgs {
    #[command(flatten)]
    target: ModelData,
    /// A plan file (JSON).
    plan: PathBuf,
    /// Draw this outcome day by day, with and without the plan, instead of the totals.
    #[arg(long, value_name = "OUTCOME")]
    by_day: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct CurveChartArgs {
    #[command(flatten)]
    target: ModelData,
    #[command(flatten)]
    query: CurveQuery,
    /// What to draw: `profit` or `roi` (they need --costs-from), or an outcome's name for its
    /// lift (default: the first outcome).
    #[arg(long)]
    show: Option<String>,
    /// Draw the outcome's total with the campaign instead of its lift.
    #[arg(long)]
    total: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// `1920x1080` → (1920, 1080).
fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (width, height) = text
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("'{text}': write the size as WIDTHxHEIGHT, e.g. 1920x1080"))?;
    let side = |s: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| format!("'{text}': '{s}' is not a whole number of pixels"))
    };
    Ok((side(width)?, side(height)?))
}

pub fn run(args: &ChartArgs) -> anyhow::Result<ExitCode> {
    let (chart, output) = match &args.chart {
        ChartKind::Lift(args) => {
            let (model, population) = args.target.load()?;
            let scenario = parse_settings(&args.settings)?;
            let forecast = model.forecast(&population, &scenario)?;
            let name = args.name.clone().unwrap_or_else(|| {
                if scenario.is_empty() {
                    "no change".into()
                } else {
                    scenario
                        .iter()
                        .map(|s| format!("{}={}", s.lever, s.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            });
            let chart = forecast_lift_chart(&forecast, &name, footnote(&model.meta));
            (chart, &args.output)
        }
        ChartKind::Plan(args) => {
            let (model, history) = args.target.load()?;
            let plan = Plan::load(&args.plan)?;
            let forecast = evaluate_plan(&model, &history, &plan)?;
            let note = footnote(&model.meta);
            let chart = match &args.by_day {
                Some(outcome) => plan_daily_chart(&forecast, outcome, note).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--by-day {outcome}: the plan has no days (unit data) or the model no \
                         such outcome; outcomes: {}",
                        forecast
                            .outcomes
                            .iter()
                            .map(|o| o.outcome.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
                None => plan_lift_chart(&forecast, note),
            };
            (chart, &args.output)
        }
        ChartKind::Curve(args) => {
            let (model, population) = args.target.load()?;
            let curve = args.query.sweep(&model, &population)?;
            let note = footnote(&model.meta);
            let first_outcome = model
                .meta
                .encoder
                .outcomes
                .first()
                .map(|o| o.column.clone());
            let view = if args.total {
                OutcomeView::Total
            } else {
                OutcomeView::Lift
            };
            let chart = match args.show.clone().or(first_outcome).as_deref() {
                Some("profit") => curve_money_chart(&curve, MoneyView::Profit, note)
                    .ok_or_else(|| {
                        anyhow::anyhow!("--show profit needs costs: add --costs-from PLAN.json")
                    })?,
                Some("roi") => curve_money_chart(&curve, MoneyView::Roi, note)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--show roi needs costs (add --costs-from PLAN.json) and a campaign \
                             that costs something"
                        )
                    })?,
                Some(outcome) => {
                    curve_outcome_chart(&curve, outcome, view, note).ok_or_else(|| {
                        anyhow::anyhow!(
                            "--show {outcome}: the model has no such outcome; use one of {}, profit or roi",
                            model
                                .meta
                                .encoder
                                .outcomes
                                .iter()
                                .map(|o| o.column.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?
                }
                None => anyhow::bail!("the model has no outcomes to draw"),
            };
            (chart, &args.output)
        }
    };
    write_chart(&chart, &output.out, output.size)?;
    let (width, height) = output.size;
    println!(
        "wrote {} ({width} × {height}): {}",
        output.out.display(),
        chart.title
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::SLIDE_SIZE;

    #[test]
    fn sizes_read_as_width_by_height() {
        assert_eq!(parse_size("1920x1080"), Ok((1920, 1080)));
        assert_eq!(parse_size("800×600"), Ok((800, 600)));
        assert!(parse_size("1920").is_err());
        assert!(parse_size("wide x 2").is_err());
    }

    #[test]
    fn the_default_size_is_the_slide_size() {
        assert_eq!(parse_size("1920x1080"), Ok(SLIDE_SIZE));
    }
}
