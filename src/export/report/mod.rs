//! The one-page report: everything an analyst needs before anyone trusts a number, in one
//! self-contained HTML file (inline SVG charts, no network, prints to PDF). `gather` computes
//! the content from a model and its data; `html` writes it.

mod html;

use std::path::Path;

use chrono::Local;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

pub use html::render_html;

use super::ExportError;
use crate::data::Inspection;
use crate::diagnostics::backtest::BacktestReport;
use crate::diagnostics::holdout::{HoldoutReport, holdout_report};
use crate::diagnostics::importance::{Importance, permutation_importance};
use crate::files::atomic_write;
use crate::model::{ForecastModel, ModelError};
use crate::scenario::evaluate::{PlanForecast, evaluate_plan};
use crate::scenario::plan::Plan;

/// Shuffles per input for the report's importance (fewer than `explain`: the report is a
/// summary, and the spread is shown).
const IMPORTANCE_REPEATS: usize = 3;
const IMPORTANCE_SEED: u64 = 7;
/// Coverage further than this from its nominal level is a warning.
const COVERAGE_TOLERANCE: f64 = 0.05;

/// What a final fit's report says in place of its held-out accuracy.
pub const FINAL_FIT_NOTE: &str = "This model is a final fit: it learnt from every row, the \
     latest dates included, so nothing was held out to score. Its accuracy, calibration and \
     importance are those of the same settings trained without the final fit: read that \
     model's report.";

/// Everything the report shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportContent {
    pub title: String,
    /// When it was made (local time).
    pub generated: String,
    pub data: DataSummary,
    pub model: ModelSummary,
    pub holdout: HoldoutReport,
    pub backtest: Option<BacktestReport>,
    pub importance: Importance,
    pub plans: Vec<PlanForecast>,
    /// Every warning, from the import to the plans.
    pub warnings: Vec<String>,
    /// Data file, model and date, as under every chart.
    pub footnote: String,
}

/// The data the model was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    pub file: String,
    pub rows: usize,
    pub columns: usize,
    /// Role and the columns that play it.
    pub roles: Vec<(String, String)>,
}

/// How the model was trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub device: String,
    pub members: usize,
    pub epochs_run: usize,
    pub max_epochs: usize,
    pub best_epochs: Vec<usize>,
    pub cancelled: bool,
    pub seed: u64,
    pub split_rule: String,
    pub inputs: usize,
    /// `deep`, `trees` or `hybrid`.
    #[serde(default)]
    pub family: String,
    /// Per outcome: the deep family's weight and each family's validation score.
    #[serde(default)]
    pub blend: Vec<crate::model::blend::OutcomeBlend>,
}

/// What the report is made from.
pub struct ReportSources<'a> {
    pub model: &'a ForecastModel,
    /// The training data (the holdout rows are scored from it).
    pub frame: &'a DataFrame,
    /// The data's inspection, when the caller has it: import and validation warnings.
    pub inspection: Option<&'a Inspection>,
    /// Plans to forecast (saved plans or scenarios).
    pub plans: &'a [Plan],
    /// A backtest, when one was run.
    pub backtest: Option<BacktestReport>,
}

/// Computes the report's content; `progress` hears each step.
pub fn gather(
    sources: ReportSources<'_>,
    mut progress: impl FnMut(&str),
) -> Result<ReportContent, ModelError> {
    let model = sources.model;
    let meta = &model.meta;
    // A final fit held nothing out: the report shows its plans, and says where its accuracy
    // is to be read, instead of scoring rows the model learnt from.
    let (holdout, importance) = if meta.config.final_fit {
        let nothing_held_out = HoldoutReport {
            split_rule: meta.split_rule.clone(),
            outcomes: Vec::new(),
        };
        let no_importance = Importance {
            rows: 0,
            repeats: 0,
            outcomes: Vec::new(),
        };
        (nothing_held_out, no_importance)
    } else {
        progress("scoring the held-out rows");
        let holdout = holdout_report(model, sources.frame)?;
        progress("measuring permutation importance");
        let importance =
            permutation_importance(model, sources.frame, IMPORTANCE_REPEATS, IMPORTANCE_SEED)?;
        (holdout, importance)
    };
    let mut warnings = Vec::new();
    if let Some(inspection) = sources.inspection {
        warnings.extend(inspection.table.warnings.iter().map(ToString::to_string));
        warnings.extend(
            inspection
                .validation
                .problems
                .iter()
                .map(ToString::to_string),
        );
    }
    warnings.extend(model_warnings(model, &holdout));
    if let Some(backtest) = &sources.backtest {
        warnings.extend(
            backtest
                .summary
                .iter()
                .filter(|s| !s.beats_baselines)
                .map(|s| format!("Backtest: {}", s.verdict)),
        );
    }
    let mut plans = Vec::new();
    for plan in sources.plans {
        progress(&format!("forecasting plan '{}'", plan.name));
        match evaluate_plan(model, sources.frame, plan) {
            Ok(forecast) => {
                warnings.extend(
                    forecast
                        .warnings
                        .iter()
                        .map(|w| format!("Plan '{}': {w}", plan.name)),
                );
                plans.push(forecast);
            }
            Err(error) => warnings.push(format!(
                "Plan '{}' could not be forecast: {error}",
                plan.name
            )),
        }
    }
    Ok(ReportContent {
        title: format!("Liftcast report: {}", super::figures::data_file_name(meta)),
        generated: Local::now().format("%Y-%m-%d %H:%M").to_string(),
        data: data_summary(model, sources.frame),
        model: ModelSummary {
            device: meta.device.clone(),
            members: meta.config.members,
            epochs_run: meta.epochs_run,
            max_epochs: meta.config.epochs,
            best_epochs: meta.best_epochs.clone(),
            cancelled: meta.cancelled,
            seed: meta.config.seed,
            split_rule: meta.split_rule.clone(),
            inputs: meta.encoder.width(),
            family: meta.config.family.name().to_string(),
            blend: meta.blend.clone(),
        },
        holdout,
        backtest: sources.backtest,
        importance,
        plans,
        warnings,
        footnote: super::figures::footnote(meta),
    })
}

/// The data's size and which columns play which role.
fn data_summary(model: &ForecastModel, frame: &DataFrame) -> DataSummary {
    let schema = &model.meta.schema;
    let mut roles = Vec::new();
    if let Some(time) = &schema.time {
        roles.push(("time".to_owned(), time.column.clone()));
    }
    let mut push = |role: &str, columns: Vec<String>| {
        if !columns.is_empty() {
            roles.push((role.to_owned(), columns.join(", ")));
        }
    };
    push("dimensions", schema.dimensions.clone());
    push(
        "levers",
        schema
            .levers
            .iter()
            .map(|l| format!("{} (no campaign: {})", l.column, l.baseline))
            .collect(),
    );
    push("covariates", schema.covariates.clone());
    push("exposure", schema.exposure.iter().cloned().collect());
    push(
        "outcomes",
        schema.outcomes.iter().map(|o| o.column.clone()).collect(),
    );
    DataSummary {
        file: model.meta.data_file.clone(),
        rows: frame.height(),
        columns: frame.width(),
        roles,
    }
}

/// What a reader must know about the model before trusting its numbers.
fn model_warnings(model: &ForecastModel, holdout: &HoldoutReport) -> Vec<String> {
    let meta = &model.meta;
    let mut warnings = Vec::new();
    if meta.config.final_fit {
        warnings.push(FINAL_FIT_NOTE.to_owned());
    }
    if meta.cancelled {
        warnings.push(format!(
            "Training was cancelled after {} of {} epochs: the model is the best found by then.",
            meta.epochs_run, meta.config.epochs
        ));
    }
    for lever in meta.schema.levers.iter().filter(|l| !l.varies) {
        warnings.push(format!(
            "Lever '{}' never varied in the data: any effect the model gives it is a guess.",
            lever.column
        ));
    }
    for outcome in &holdout.outcomes {
        if outcome
            .scores
            .first()
            .is_some_and(|main| !main.beats_baselines())
        {
            warnings.push(format!("Holdout: {}", outcome.verdict));
        }
        for (level, share) in &outcome.coverage {
            if (share - level).abs() > COVERAGE_TOLERANCE {
                warnings.push(format!(
                    "{}: the {:.0}% intervals hold {:.1}% of held-out rows.",
                    outcome.outcome,
                    level * 100.0,
                    share * 100.0
                ));
            }
        }
        if !outcome.pit_reading.is_empty() && !outcome.pit_reading.starts_with("About flat") {
            warnings.push(format!("{}: {}", outcome.outcome, outcome.pit_reading));
        }
    }
    warnings
}

/// Writes the report to `path` whole or not at all.
pub fn write_report(content: &ReportContent, path: &Path) -> Result<(), ExportError> {
    let html = render_html(content)?;
    atomic_write(path, html.as_bytes())?;
    Ok(())
}
