//! `liftcast plan MODEL PLAN.json`: forecasts a saved plan (dates, audience, per-segment levers,
//! costs) against the no-campaign baseline, with money and warnings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::DeviceArg;
use crate::data::import;
use crate::data::notation::{Offer, parse_offer};
use crate::model::Forecast;
use crate::model::ForecastModel;
use crate::model::forecast::Stage;
use crate::scenario::costs::{PlanQuantities, money, money_uncertainty};
use crate::scenario::plan::{Plan, plan_rows, plan_warnings};

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// A model folder written by `liftcast train`.
    model: PathBuf,
    /// A plan file (JSON).
    plan: PathBuf,
    /// History or population file (default: the model's training data).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    device: DeviceArg,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let model = ForecastModel::load(&args.model, args.device.into())?;
    let plan = Plan::load(&args.plan)?;
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from(&model.meta.data_file));
    let table = import::load(&data, &Default::default())?;
    let rows = plan_rows(&table.frame, &model.meta.schema, &plan)?;
    let forecast = model.compare(&rows.scenario, &rows.baseline)?;

    let exposure = model
        .meta
        .schema
        .exposure
        .as_ref()
        .and_then(|c| crate::data::column::numbers(&rows.scenario, c).ok())
        .map(|v| v.iter().flatten().sum())
        .unwrap_or(0.0);
    let orders = forecast.stage(Stage::Orders);
    let revenue = forecast.stage(Stage::Revenue);
    let quantities = PlanQuantities {
        exposure,
        orders: orders.map(|o| o.scenario_total).unwrap_or(0.0),
        revenue: revenue.map(|o| o.scenario_total).unwrap_or(0.0),
        baseline_revenue: revenue.map(|o| o.baseline_total).unwrap_or(0.0),
    };
    let offer = plan_offer(&plan, &model.meta.schema);
    let money = money(&offer, &quantities, &plan.costs);
    let members = member_quantities(&forecast, exposure);
    let mut warnings = plan_warnings(&model.meta.schema, &plan);
    if forecast.cold_start_rows > 0 {
        warnings.push(format!(
            "{} rows are cold start (a dimension value never seen in training): their forecasts rest on the other values' average",
            forecast.cold_start_rows
        ));
    }
    let uncertainty = money_uncertainty(&offer, &members, &plan.costs);

    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "plan": plan.name,
                "rows": rows.scenario.height(),
                "rule": rows.rule,
                "outcomes": forecast.outcomes,
                "funnel": forecast.funnel,
                "money": money,
                "money_uncertainty": uncertainty,
                "cold_start_rows": forecast.cold_start_rows,
                "warnings": warnings,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "plan '{}': {} rows ({})",
        plan.name,
        rows.scenario.height(),
        rows.rule
    );
    for outcome in &forecast.outcomes {
        println!(
            "  {:<14} scenario {:>14.1} [{:.1}, {:.1}]  baseline {:>14.1}  lift {:+.1} ({:+.1}%), 80% [{:+.1}, {:+.1}]",
            outcome.outcome,
            outcome.scenario_total,
            outcome.scenario_low,
            outcome.scenario_high,
            outcome.baseline_total,
            outcome.lift,
            outcome.lift_pct,
            outcome.lift_low,
            outcome.lift_high
        );
    }
    println!(
        "  money: incremental revenue {:.2}, margin {:.2}; cost {:.2} (fixed {:.2}, exposure {:.2}, discount {:.2} of {:.2} given); profit {:.2}; ROI {}",
        money.incremental_revenue,
        money.incremental_margin,
        money.campaign_cost,
        money.fixed_cost,
        money.exposure_cost,
        money.discount_cost,
        money.discount_value,
        money.incremental_profit,
        money
            .roi
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "n/a (no cost)".into())
    );
    println!(
        "  over the ensemble: profit 80% [{:.2}, {:.2}]; probability profit > 0: {:.0}%",
        uncertainty.incremental_profit.low,
        uncertainty.incremental_profit.high,
        uncertainty.probability_profit_positive * 100.0
    );
    for warning in &warnings {
        println!("  warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The offer a plan makes, for its discount cost: a coupon or discount notation lever, or a
/// numeric lever whose name says it is a percentage off.
fn plan_offer(plan: &Plan, schema: &crate::data::Schema) -> Offer {
    use crate::data::schema::LeverKind;
    for setting in &plan.levers {
        let Some(lever) = schema.levers.iter().find(|l| l.column == setting.lever) else {
            continue;
        };
        let offer = match lever.kind {
            LeverKind::Offer => parse_offer(&setting.value),
            LeverKind::Numeric { .. } => {
                let name = lever.column.to_lowercase();
                let is_percent = ["pct", "percent", "discount"]
                    .iter()
                    .any(|w| name.contains(w));
                match setting.value.trim().parse::<f64>() {
                    Ok(percent) if is_percent && percent > 0.0 => Offer::PercentOff { percent },
                    _ => continue,
                }
            }
            LeverKind::Categorical { .. } => continue,
        };
        if offer.discount_rate().is_some_and(|r| r > 0.0) || offer.amount_off() > 0.0 {
            return offer;
        }
    }
    Offer::NoOffer
}

/// Each member's orders and revenue totals, paired scenario with baseline.
fn member_quantities(forecast: &Forecast, exposure: f64) -> Vec<PlanQuantities> {
    let orders = forecast.stage(Stage::Orders);
    let revenue = forecast.stage(Stage::Revenue);
    let members = forecast
        .outcomes
        .first()
        .map(|o| o.member_scenario_totals.len())
        .unwrap_or(0);
    (0..members)
        .map(|m| PlanQuantities {
            exposure,
            orders: orders
                .and_then(|o| o.member_scenario_totals.get(m))
                .copied()
                .unwrap_or(0.0),
            revenue: revenue
                .and_then(|o| o.member_scenario_totals.get(m))
                .copied()
                .unwrap_or(0.0),
            baseline_revenue: revenue
                .and_then(|o| o.member_baseline_totals.get(m))
                .copied()
                .unwrap_or(0.0),
        })
        .collect()
}
