//! `liftcast curve MODEL --lever L --from A --to B --steps N`: a response curve over the
//! model's training rows (or --data), other levers held with --set.

use std::process::ExitCode;

use clap::Args;

use polars::prelude::DataFrame;

use super::model_args::{ModelData, parse_settings};
use crate::model::ForecastModel;
use crate::scenario::curve::{Curve, response_curve};
use crate::scenario::plan::Plan;

/// What to sweep and how to price it: shared by `curve` and `chart curve`.
#[derive(Args, Debug)]
pub struct CurveQuery {
    /// The numeric lever to sweep.
    #[arg(long)]
    pub lever: String,
    #[arg(long)]
    pub from: f64,
    #[arg(long)]
    pub to: f64,
    #[arg(long, default_value_t = 21)]
    pub steps: usize,
    /// Other levers held at a value, e.g. `--set campaign_type=percent_off`; repeatable.
    #[arg(long = "set", value_name = "LEVER=VALUE")]
    pub settings: Vec<String>,
    /// A plan file whose costs (fixed, per message, margin) price each point: adds profit and
    /// ROI and marks the profit-maximising value.
    #[arg(long, value_name = "PLAN.json")]
    pub costs_from: Option<std::path::PathBuf>,
}

impl CurveQuery {
    /// The curve over `population`, priced when a plan's costs were named.
    pub fn sweep(&self, model: &ForecastModel, population: &DataFrame) -> anyhow::Result<Curve> {
        let fixed = parse_settings(&self.settings)?;
        let costs = self
            .costs_from
            .as_deref()
            .map(Plan::load)
            .transpose()?
            .map(|plan| plan.costs);
        Ok(response_curve(
            model,
            population,
            &self.lever,
            (self.from, self.to),
            self.steps,
            &fixed,
            costs.as_ref(),
        )?)
    }
}

#[derive(Args, Debug)]
pub struct CurveArgs {
    #[command(flatten)]
    target: ModelData,
    #[command(flatten)]
    query: CurveQuery,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &CurveArgs) -> anyhow::Result<ExitCode> {
    let (model, population) = args.target.load()?;
    let curve = args.query.sweep(&model, &population)?;
    let priced = args.query.costs_from.is_some();
    let lever = &args.query.lever;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&curve)?);
        return Ok(ExitCode::SUCCESS);
    }
    let points = &curve.points;
    let names: Vec<&str> = points
        .first()
        .map(|p| p.outcomes.iter().map(|o| o.outcome.as_str()).collect())
        .unwrap_or_default();
    println!(
        "{:>10}  {}",
        lever,
        names
            .iter()
            .map(|n| format!("{:>36}", format!("{n} lift [80%]")))
            .collect::<String>()
            + if priced {
                "       profit [80%]       ROI"
            } else {
                ""
            }
    );
    for point in points {
        let cells: String = point
            .outcomes
            .iter()
            .map(|o| {
                format!(
                    "{:>36}",
                    format!("{:+.1} [{:+.1}, {:+.1}]", o.lift, o.lift_low, o.lift_high)
                )
            })
            .collect();
        let money = point
            .money
            .as_ref()
            .map(|m| {
                format!(
                    "  {:>12.0} [{:.0}, {:.0}] {:>6}",
                    m.incremental_profit,
                    m.incremental_profit_80.low,
                    m.incremental_profit_80.high,
                    m.roi
                        .map(|r| format!("{r:.2}"))
                        .unwrap_or_else(|| "n/a".into())
                )
            })
            .unwrap_or_default();
        let mut note = String::new();
        if !point.observed {
            note.push_str("  (extrapolation)");
        }
        if curve.profit_maximising_value == Some(point.value) {
            note.push_str("  ← most profitable");
        }
        println!("{:>10.2}  {cells}{money}{note}", point.value);
    }
    Ok(ExitCode::SUCCESS)
}
