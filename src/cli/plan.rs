//! `liftcast plan MODEL PLAN.json`: forecasts a saved plan (dates, audience, per-segment levers,
//! costs) against the no-campaign baseline, with money, breakdowns and warnings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::ModelData;
use crate::numbers::{decimals_for, decimals_for_largest, grouped, signed, significant};
use crate::scenario::draws::Interval;
use crate::scenario::evaluate::{PlanForecast, evaluate_plan};
use crate::scenario::plan::Plan;

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    target: ModelData,
    /// A plan file (JSON).
    plan: PathBuf,
    /// Print per-segment and per-day breakdowns too.
    #[arg(long)]
    breakdown: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let (model, history) = args.target.load()?;
    let plan = Plan::load(&args.plan)?;
    let forecast = evaluate_plan(&model, &history, &plan)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&forecast)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_forecast(&forecast, args.breakdown);
    Ok(ExitCode::SUCCESS)
}

fn range(interval: &Interval, places: usize) -> String {
    format!(
        "[{}, {}]",
        signed(interval.low, places),
        signed(interval.high, places)
    )
}

/// A plan's forecast as text.
pub fn print_forecast(forecast: &PlanForecast, breakdown: bool) {
    println!(
        "plan '{}': {} rows ({}); intervals from {} ensemble draws",
        forecast.plan, forecast.rows, forecast.rule, forecast.draws_count
    );
    for o in &forecast.outcomes {
        let places = decimals_for(o.scenario.max(o.baseline));
        println!(
            "  {:<14} scenario {:>16}  baseline {:>16}  lift {} ({:+.1}%)  80% {}  95% {}",
            o.outcome,
            grouped(o.scenario, places),
            grouped(o.baseline, places),
            signed(o.lift, places),
            o.lift_pct,
            range(&o.lift_80, places),
            range(&o.lift_95, places)
        );
    }
    for rate in &forecast.funnel {
        println!(
            "  {:<4} scenario {}  baseline {}",
            rate.name,
            significant(rate.scenario, 4),
            significant(rate.baseline, 4)
        );
    }
    let money = &forecast.money;
    let point = &money.point;
    // Every amount with the decimals the largest warrants, as the outcomes above have theirs.
    let places = decimals_for_largest([
        point.incremental_revenue,
        point.campaign_cost,
        point.incremental_profit,
    ]);
    println!(
        "  money: incremental revenue {} 95% {} (list prices {}), margin {}",
        grouped(point.incremental_revenue, places),
        range(&money.incremental_revenue_95, places),
        grouped(point.incremental_list_revenue, places),
        grouped(point.incremental_margin, places)
    );
    println!(
        "         cost {} = fixed {} + exposure {} + discount given away {}",
        grouped(point.campaign_cost, places),
        grouped(point.fixed_cost, places),
        grouped(point.exposure_cost, places),
        grouped(point.discount_value, places)
    );
    println!(
        "         profit {} 80% {} 95% {}; ROI {}; probability profit > 0: {:.0}%",
        grouped(point.incremental_profit, places),
        range(&money.incremental_profit_80, places),
        range(&money.incremental_profit_95, places),
        match (point.roi, &money.roi_80) {
            (Some(roi), Some(band)) => format!("{roi:.2} 80% [{:.2}, {:.2}]", band.low, band.high),
            (Some(roi), None) => format!("{roi:.2}"),
            (None, _) => "n/a (no cost)".into(),
        },
        money.probability_profit_positive * 100.0
    );
    if breakdown {
        for group in forecast.by_segment.iter().chain(&forecast.by_day) {
            let lifts: Vec<String> = group
                .outcomes
                .iter()
                .map(|o| {
                    let pct = o
                        .lift_pct()
                        .map_or(String::new(), |pct| format!(" ({pct:+.1}%)"));
                    format!("{} {}{pct}", o.outcome, signed(o.lift, 1))
                })
                .collect();
            println!(
                "  {}={} ({} rows): {}",
                group.by,
                group.value,
                group.rows,
                lifts.join(", ")
            );
        }
    }
    for warning in &forecast.warnings {
        println!("  warning: {warning}");
    }
}
