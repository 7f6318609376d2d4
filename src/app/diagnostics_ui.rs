//! The Diagnostics step: for each outcome, the holdout's error measures beside the naive
//! baselines with a verdict in words, interval coverage, and the charts (predicted against
//! actual, per day, reliability, error sources), each with how to read it and Export.

use eframe::egui;

use super::Command;
use crate::diagnostics::HoldoutReport;
use crate::export::Chart;
use crate::export::diagnostic_charts::outcome_charts;

/// The last report and its charts, per outcome.
#[derive(Clone, Debug, Default)]
pub struct DiagnosticsPanel {
    pub report: Option<HoldoutReport>,
    pub charts: Vec<Vec<Chart>>,
    pub outcome: usize,
}

impl DiagnosticsPanel {
    pub fn set_report(&mut self, report: HoldoutReport, footnote: &str) {
        self.charts = report
            .outcomes
            .iter()
            .map(|o| outcome_charts(o, footnote))
            .collect();
        self.outcome = self.outcome.min(report.outcomes.len().saturating_sub(1));
        self.report = Some(report);
    }
}

fn figure(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.4}")
    } else {
        "n/a".into()
    }
}

pub fn diagnostics_ui(
    ui: &mut egui::Ui,
    panel: &mut DiagnosticsPanel,
    has_model: bool,
    commands: &mut Vec<Command>,
) {
    ui.heading("How wrong is the model, and where?");
    if !has_model {
        ui.label("Train a model first (step 3): its held-out rows are scored here.");
        return;
    }
    let Some(report) = &panel.report else {
        ui.label("Scoring the held-out rows…");
        return;
    };
    ui.label(format!(
        "Scored on rows the model never trained on ({}).",
        report.split_rule
    ));
    ui.horizontal(|ui| {
        for (i, outcome) in report.outcomes.iter().enumerate() {
            ui.selectable_value(&mut panel.outcome, i, &outcome.outcome);
        }
    });
    let Some(outcome) = report.outcomes.get(panel.outcome) else {
        return;
    };
    let beats = outcome.verdict.contains("does NOT");
    if beats {
        ui.colored_label(ui.visuals().warn_fg_color, &outcome.verdict);
    } else {
        ui.strong(&outcome.verdict);
    }
    egui::Grid::new("diagnostic_scores")
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for header in [
                "measure",
                "model",
                "mean per lever value",
                "same weekday last week",
            ] {
                ui.strong(header);
            }
            ui.end_row();
            for row in &outcome.scores {
                let arrow = if row.higher_is_better {
                    "higher is better"
                } else {
                    "lower is better"
                };
                ui.label(&row.metric).on_hover_text(arrow);
                ui.strong(figure(row.model));
                ui.label(figure(row.naive_lever_mean));
                ui.label(row.seasonal_naive.map(figure).unwrap_or_else(|| "-".into()));
                ui.end_row();
            }
        });
    if !outcome.coverage.is_empty() {
        let shares: Vec<String> = outcome
            .coverage
            .iter()
            .map(|(level, share)| {
                format!("{:.0}% interval holds {:.1}%", level * 100.0, share * 100.0)
            })
            .collect();
        ui.label(format!(
            "Interval coverage on held-out rows: {} (close to the nominal level is right).",
            shares.join(", ")
        ));
    }
    for note in &outcome.notes {
        ui.weak(note);
    }
    if let Some(charts) = panel.charts.get(panel.outcome) {
        for chart in charts {
            ui.separator();
            super::chart_ui::chart_ui(ui, &chart.title.clone(), chart, 220.0, commands);
        }
    }
}
