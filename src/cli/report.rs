//! `liftcast report PROJECT_OR_MODEL --out report.html [--plan P.json ...] [--backtest]
//! [--json]`: the one-page HTML report (data, model, accuracy beside baselines, calibration,
//! importance, plans with lift and ROI, every warning), self-contained for mail or print.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::model_args::DeviceArg;
use crate::data::{Inspection, RoleOverrides, import};
use crate::diagnostics::backtest::{DEFAULT_FOLDS, backtest};
use crate::export::report::{ReportSources, gather, write_report};
use crate::model::{DeviceChoice, ForecastModel, TrainConfig};
use crate::project::open_project;
use crate::scenario::plan::Plan;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A project file (*.liftcast.json; its saved scenarios become plans) or a model folder.
    source: PathBuf,
    /// The HTML file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// With a model folder: the data it was trained on (default: the file it was trained on).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// A plan file to forecast in the report; repeatable.
    #[arg(long = "plan", value_name = "PLAN.json")]
    plans: Vec<PathBuf>,
    /// Also run a backtest (retrains one model per fold; takes a while).
    #[arg(long)]
    backtest: bool,
    /// Backtest folds.
    #[arg(long, default_value_t = DEFAULT_FOLDS)]
    folds: usize,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    device: DeviceArg,
    /// Also print the report's content as JSON.
    #[arg(long)]
    json: bool,
}

/// The model, its data and the plans a project or model folder brings.
fn open_source(
    args: &ReportArgs,
    device: DeviceChoice,
) -> anyhow::Result<(ForecastModel, Inspection, Vec<Plan>)> {
    if args.source.is_file() {
        let opened = open_project(&args.source, device)?;
        let model = opened.model.with_context(|| {
            format!(
                "{}: the project has no trained model; train one in the workbench and save the \
                 project, or pass a model folder",
                args.source.display()
            )
        })?;
        let schema = &model.meta.schema;
        let plans = opened
            .project
            .saved_scenarios
            .iter()
            .map(|s| Plan::from_scenario(&s.name, &s.settings, schema))
            .collect();
        return Ok((model, opened.inspection, plans));
    }
    let model = ForecastModel::load(&args.source, device)?;
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from(&model.meta.data_file));
    let table = import::load(&data, &Default::default())?;
    let inspection = Inspection::new(
        table,
        Some(model.meta.mapping.clone()),
        &RoleOverrides::default(),
    )?;
    Ok((model, inspection, Vec::new()))
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let device: DeviceChoice = args.device.into();
    let (model, inspection, mut plans) = open_source(args, device)?;
    for path in &args.plans {
        plans.push(Plan::load(path)?);
    }
    let quiet = args.json;
    let say = |line: &str| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let backtest = if args.backtest {
        let config = TrainConfig {
            holdout_from: None,
            cv_fold: None,
            ..model.meta.config.clone()
        };
        Some(backtest(
            &inspection,
            &config,
            args.folds,
            device,
            |line| say(&line),
        )?)
    } else {
        None
    };
    let content = gather(
        ReportSources {
            model: &model,
            frame: &inspection.table.frame,
            inspection: Some(&inspection),
            plans: &plans,
            backtest,
        },
        say,
    )?;
    write_report(&content, &args.out)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&content)?);
    } else {
        println!(
            "wrote {}: {} outcomes, {} plans, {} warnings",
            args.out.display(),
            content.holdout.outcomes.len(),
            content.plans.len(),
            content.warnings.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
