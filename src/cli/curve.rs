//! `liftcast curve MODEL --lever L --from A --to B --steps N`: a response curve over the
//! model's training rows (or --data, or with --days the days after the data), other levers
//! held with --set.

use std::process::ExitCode;

use clap::Args;

use polars::prelude::DataFrame;

use super::model_args::{ModelData, parse_settings};
use super::table;
use crate::model::ForecastModel;
use crate::numbers::{grouped, signed};
use crate::scenario::curve::{Curve, response_curve};
use crate::scenario::plan::{Plan, rows_after_data};

/// What to sweep and how to price it: shared by `curve` and `chart curve`.
#[derive(Args, Debug)]
pub struct CurveQuery {
    /// The numeric lever to sweep, or a coupon lever's part: `COUPON:off` (the amount off)
    /// or `COUPON:threshold` (the spend threshold), the other part held at the coupon given
    /// with --set (e.g. `--lever coupon:off --set coupon=150:20`).
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
    /// Time data: sweep the N days after the data (every dimension combination, covariates
    /// carried forward as a plan's are) instead of the data's own rows.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
}

impl CurveQuery {
    /// The curve over `population` (or the days after it with `--days`), priced when a plan's
    /// costs were named.
    pub fn sweep(&self, model: &ForecastModel, population: &DataFrame) -> anyhow::Result<Curve> {
        let fixed = parse_settings(&self.settings)?;
        let ahead = match self.days {
            Some(days) => Some(rows_after_data(population, &model.meta.schema, &[], days)?.0),
            None => None,
        };
        let population = ahead.as_ref().unwrap_or(population);
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
    let mut header = vec![lever.clone()];
    header.extend(points.first().into_iter().flat_map(|p| {
        p.outcomes
            .iter()
            .map(|o| format!("{} lift [80%]", o.outcome))
    }));
    if priced {
        header.extend(["profit [80%]".to_owned(), "ROI [80%]".to_owned()]);
    }
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for point in points {
        let mut row = vec![format!("{:.2}", point.value)];
        row.extend(point.outcomes.iter().map(|o| {
            let [lift, low, high] = [o.lift, o.lift_low, o.lift_high].map(|v| signed(v, 1));
            format!("{lift} [{low}, {high}]")
        }));
        if let Some(money) = &point.money {
            row.push(format!(
                "{} [{}, {}]",
                grouped(money.incremental_profit, 0),
                grouped(money.incremental_profit_80.low, 0),
                grouped(money.incremental_profit_80.high, 0)
            ));
            row.push(match (money.roi, &money.roi_80) {
                (Some(roi), Some(band)) => format!("{roi:.2} [{:.2}, {:.2}]", band.low, band.high),
                (Some(roi), None) => format!("{roi:.2}"),
                (None, _) => "n/a".into(),
            });
        } else if priced {
            row.extend(["".to_owned(), "".to_owned()]);
        }
        let mut note = Vec::new();
        if !point.observed {
            note.push("(extrapolation)");
        }
        if curve.profit_maximising_value == Some(point.value) {
            note.push("← most profitable");
        }
        rows.push(row);
        notes.push(note.join("  "));
    }
    println!("{}", table::render(&header, 0, &rows, &notes));
    if let Some(note) = curve.coverage_note() {
        println!("{note}");
    }
    Ok(ExitCode::SUCCESS)
}
