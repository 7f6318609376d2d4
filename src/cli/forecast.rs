//! `liftcast forecast MODEL_DIR [--data FILE] [--set LEVER=VALUE]...`: predicts a population with
//! the levers as set (the scenario) and at their baselines, and reports totals and lift.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::ImportArgs;
use super::model_args::{DeviceArg, parse_settings};
use crate::data::import;
use crate::data::write::{AddedColumn, write_with_columns};
use crate::model::{Forecast, ForecastModel, LeverSetting};
use crate::numbers::{counted, decimals_for, grouped, signed, significant};
use crate::scenario::plan::{days_after_data, rows_after_data};

#[derive(Args, Debug)]
pub struct ForecastArgs {
    /// A model folder written by `liftcast train`.
    model: PathBuf,
    /// The population to forecast (default: the training data).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    #[command(flatten)]
    import: ImportArgs,
    /// A lever value for the scenario, e.g. `--set segment="Mens E-Mail"`; repeatable. Levers
    /// not named keep each row's own value (no `--set`: the rows as they are against no
    /// campaign); name every lever to forecast one campaign for everyone.
    #[arg(long = "set", value_name = "LEVER=VALUE")]
    settings: Vec<String>,
    /// Time data: forecast the N days after the model's data (each dimension combination once
    /// a day, covariates and exposure carried forward from the population as plans carry
    /// them) instead of the population's own rows, as the workbench's what-if does.
    #[arg(long, value_name = "N")]
    days: Option<u32>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    device: DeviceArg,
    /// Also write every row's predictions (scenario, baseline, 80% interval per outcome) beside
    /// the input's columns, as .csv or .parquet.
    #[arg(long, value_name = "OUT")]
    rows: Option<PathBuf>,
    /// Also write the per-outcome table (totals, 80% intervals, lift) as CSV.
    #[arg(long, value_name = "FILE.csv")]
    csv: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ForecastArgs) -> anyhow::Result<ExitCode> {
    let model = ForecastModel::load(&args.model, args.device.into())?;
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from(&model.meta.data_file));
    let table = import::load(&data, &args.import.options())?;
    let scenario = parse_settings(&args.settings)?;
    // The rows forecast: the population's own, or the days after the data, with the words
    // that say which.
    let (frame, rows_are) = match args.days {
        Some(days) => {
            let (rows, rule) = rows_after_data(&table.frame, &model.meta.schema, &[], days)?;
            let dates = days_after_data(&model.meta.schema, days)
                .map(|(from, to)| format!("{from} to {to}"))
                .unwrap_or_default();
            (rows, format!("the days after the data, {dates} ({rule})"))
        }
        None => (table.frame.clone(), data.display().to_string()),
    };
    let forecast = model.forecast(&frame, &scenario)?;
    if let Some(path) = &args.rows {
        write_rows(&frame, &forecast, path)?;
    }
    if let Some(path) = &args.csv {
        let name = args.settings.join(" ");
        crate::export::tables::write_forecasts_csv(&[(name, forecast.clone())], path)?;
    }
    let outcomes = &forecast.outcomes;
    // A hybrid says how each family alone sees the lift, so a lever effect that one family
    // misses is visible.
    let by_family = if model.families().len() > 1 {
        model.forecast_by_family(&frame, &scenario)?
    } else {
        Vec::new()
    };
    if args.json {
        let families: Vec<serde_json::Value> = by_family
            .iter()
            .map(|(family, f)| {
                serde_json::json!({
                    "family": family.name(),
                    "lift": f.outcomes.iter().map(|o| (o.outcome.clone(), o.lift)).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "model": args.model,
                "data": data,
                "rows_are": rows_are,
                "scenario": scenario,
                "outcomes": outcomes,
                "lift_by_family": families,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} of {rows_are}; scenario: {}",
        counted(frame.height(), "row"),
        describe(&scenario)
    );
    println!(
        "{:<16} {:>16} {:>32} {:>16} {:>14} {:>12} {:>9}  lift 80% (ensemble)",
        "outcome", "scenario", "scenario 80%", "baseline", "lift", "lift/row", "lift %"
    );
    for outcome in outcomes {
        let places = decimals_for(outcome.scenario_total.max(outcome.baseline_total));
        println!(
            "{:<16} {:>16} {:>32} {:>16} {:>14} {:>12} {:>8.1}%  [{}, {}]",
            outcome.outcome,
            grouped(outcome.scenario_total, places),
            format!(
                "[{}, {}]",
                grouped(outcome.scenario_low, places),
                grouped(outcome.scenario_high, places)
            ),
            grouped(outcome.baseline_total, places),
            signed(outcome.lift, places),
            significant(outcome.lift_mean, 5),
            outcome.lift_pct,
            signed(outcome.lift_low, places),
            signed(outcome.lift_high, places)
        );
    }
    for (family, alone) in &by_family {
        let lifts: Vec<String> = alone
            .outcomes
            .iter()
            .map(|o| format!("{} {}", o.outcome, signed(o.lift, 2)))
            .collect();
        println!(
            "lift by {} alone (before the blend's calibration): {}",
            family.name(),
            lifts.join(", ")
        );
    }
    for rate in &forecast.funnel {
        println!("{}", rate.in_words());
    }
    if forecast.cold_start_rows > 0 {
        let values = model
            .meta
            .encoder
            .unseen_in_words(&frame)
            .map(|words| format!(": {words}"))
            .unwrap_or_default();
        println!(
            "note: {} rows have a dimension value never seen in training (cold start){values}; \
             their forecasts rest on the other values' average",
            forecast.cold_start_rows
        );
    }
    if let Some(path) = &args.rows {
        println!("per-row predictions written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_rows(
    frame: &polars::prelude::DataFrame,
    forecast: &Forecast,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let mut added = Vec::new();
    for row in &forecast.rows {
        for (suffix, values) in [
            ("scenario", &row.scenario),
            ("baseline", &row.baseline),
            ("scenario_low80", &row.scenario_low),
            ("scenario_high80", &row.scenario_high),
        ] {
            added.push(AddedColumn {
                name: format!("{}_{suffix}", row.outcome),
                values: values.clone(),
            });
        }
    }
    added.push(AddedColumn {
        name: "cold_start".into(),
        values: forecast
            .cold_start
            .iter()
            .map(|c| if *c { 1.0 } else { 0.0 })
            .collect(),
    });
    write_with_columns(frame, added, path)?;
    Ok(())
}

fn describe(scenario: &[LeverSetting]) -> String {
    if scenario.is_empty() {
        return "every lever at its baseline".into();
    }
    scenario
        .iter()
        .map(|s| format!("{}={}", s.lever, s.value))
        .collect::<Vec<_>>()
        .join(", ")
}
