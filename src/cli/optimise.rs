//! `liftcast optimize MODEL PLAN.json --unit segment --option NAME:L=V,… --budget B`: one
//! setting per segment from a grid, maximising profit (or an outcome's lift) within a budget.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::model_args::{ModelData, parse_named_list};
use super::table;
use crate::numbers::{decimals_for_largest, grouped};
use crate::scenario::optimise::{Capacity, GridOption, OptimiseRequest, optimise, unit_label};
use crate::scenario::plan::Plan;

#[derive(Args, Debug)]
pub struct OptimiseArgs {
    #[command(flatten)]
    target: ModelData,
    /// The plan to optimise: its dates, audience and costs; its levers (duration, creative)
    /// go with every setting.
    plan: PathBuf,
    /// A dimension whose values each get one setting; repeat for combinations
    /// (`--unit segment --unit channel`).
    #[arg(long = "unit", required = true, value_name = "DIMENSION")]
    units: Vec<String>,
    /// A setting to choose from: `NAME:LEVER=VALUE,LEVER=VALUE`; repeatable. "No campaign"
    /// is always a choice.
    #[arg(long = "option", required = true, value_name = "NAME:LEVER=VALUE,…")]
    options: Vec<String>,
    /// Limit on the campaign cost (fixed + per message + discount given away).
    #[arg(long)]
    budget: Option<f64>,
    /// Leave out settings giving away more than this percentage of the price.
    #[arg(long, value_name = "PERCENT")]
    max_discount: Option<f64>,
    /// The most messages one channel (or other unit dimension value) may send:
    /// `channel=sms:50000`; repeatable. The dimension must be one of the units.
    #[arg(long = "capacity", value_name = "DIMENSION=VALUE:MESSAGES")]
    capacities: Vec<String>,
    /// What to maximise: `profit`, or an outcome's name (its lift).
    #[arg(long, default_value = "profit")]
    metric: String,
    /// Save the chosen plan here (JSON), to forecast, compare or open in the workbench.
    #[arg(long, value_name = "FILE")]
    save_plan: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &OptimiseArgs) -> anyhow::Result<ExitCode> {
    let (model, history) = args.target.load()?;
    let options = parse_named_list(&args.options, "option")?
        .into_iter()
        .map(|(name, levers)| GridOption { name, levers })
        .collect();
    let request = OptimiseRequest {
        base: Plan::load(&args.plan)?,
        units: args.units.clone(),
        options,
        budget: args.budget,
        objective: args.metric.clone(),
        max_discount_pct: args.max_discount,
        capacities: args
            .capacities
            .iter()
            .map(|flag| parse_capacity(flag))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let result = optimise(&model, &history, &request)?;
    if let Some(path) = &args.save_plan {
        result.plan.save(path)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(ExitCode::SUCCESS);
    }
    // Amounts with the decimals the largest warrants (the reasons below already have none).
    let places = decimals_for_largest([
        result.total_cost,
        result.total_profit,
        result.budget.unwrap_or(0.0),
    ]);
    let budget = match result.budget {
        Some(budget) => format!("within a budget of {}", grouped(budget, places)),
        None => "with no budget limit".into(),
    };
    let cost = grouped(result.total_cost, places);
    let profit = grouped(result.total_profit, places);
    if result.objective == "profit" {
        println!("maximising profit {budget}: profit {profit} for a cost of {cost}");
    } else {
        println!(
            "maximising the lift in {} {budget}: lift {}, cost {cost}, profit {profit}",
            result.objective,
            grouped(result.total_objective, places),
        );
    }
    if let Some(shortfall) = result.budget_shortfall() {
        println!("{}", shortfall.describe());
    }
    if let Some(binds) = result.budget_binds() {
        println!("{binds}");
    }
    // Columns as wide as their longest entry: unit names run long with two or more dimensions.
    let rows: Vec<Vec<String>> = result
        .allocations
        .iter()
        .map(|a| {
            vec![
                unit_label(&a.unit),
                a.choice.option.clone(),
                a.reason.clone(),
            ]
        })
        .collect();
    let header = ["unit", "setting", "why"];
    println!("{}", table::render(&header, 3, &rows, &[]));
    let money = &result.forecast.money;
    println!(
        "the chosen plan: profit {} 95% [{}, {}], probability profit > 0: {:.0}%",
        grouped(money.point.incremental_profit, places),
        grouped(money.incremental_profit_95.low, places),
        grouped(money.incremental_profit_95.high, places),
        money.probability_profit_positive * 100.0
    );
    if !result.alternatives.is_empty() {
        println!("next best:");
        let rows: Vec<Vec<String>> = result
            .alternatives
            .iter()
            .map(|a| {
                vec![
                    a.change.clone(),
                    grouped(a.objective, places),
                    grouped(a.cost, places),
                ]
            })
            .collect();
        let header = ["change", "expected", "cost"];
        println!("{}", table::render(&header, 1, &rows, &[]));
    }
    for excluded in &result.excluded {
        println!("  left out: {excluded}");
    }
    for capacity in &result.capacity_use {
        println!("  capacity {}", capacity.describe());
    }
    for warning in &result.forecast.warnings {
        println!("  warning: {warning}");
    }
    if let Some(path) = &args.save_plan {
        println!("saved the chosen plan to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `channel=sms:50000` as a capacity.
fn parse_capacity(flag: &str) -> anyhow::Result<Capacity> {
    let problem = || {
        anyhow::anyhow!(
            "--capacity '{flag}': expected DIMENSION=VALUE:MESSAGES, e.g. channel=sms:50000"
        )
    };
    let (place, amount) = flag.rsplit_once(':').ok_or_else(problem)?;
    let (column, value) = place.split_once('=').ok_or_else(problem)?;
    let max_exposure: f64 = amount.trim().parse().map_err(|_| problem())?;
    if column.trim().is_empty() || value.trim().is_empty() {
        return Err(problem());
    }
    Ok(Capacity {
        column: column.trim().to_owned(),
        value: value.trim().to_owned(),
        max_exposure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_parse_from_the_flag() {
        let capacity = parse_capacity("channel=sms:50000").unwrap();
        assert_eq!(capacity.column, "channel");
        assert_eq!(capacity.value, "sms");
        assert_eq!(capacity.max_exposure, 50000.0);
        for bad in ["channel:50000", "channel=sms", "channel=sms:lots", "=sms:5"] {
            assert!(parse_capacity(bad).is_err(), "{bad}");
        }
    }
}
