//! The Diagnostics step: for each outcome, the holdout's error measures beside the naive
//! baselines with a verdict in words, interval coverage, and the charts (predicted against
//! actual, per day, reliability, PIT, error sources), each with how to read it and Export. On
//! request, permutation importance and partial dependence; and the one-page report.

use eframe::egui;

use super::Command;
use crate::diagnostics::HoldoutReport;
use crate::diagnostics::backtest::BacktestReport;
use crate::diagnostics::dependence::Dependence;
use crate::diagnostics::holdout::MetricRow;
use crate::diagnostics::importance::Importance;
use crate::export::Chart;
use crate::export::diagnostic_charts::{
    backtest_chart, dependence_chart, importance_chart, outcome_charts,
};

/// The last report and its charts, per outcome.
#[derive(Clone, Debug, Default)]
pub struct DiagnosticsPanel {
    pub report: Option<HoldoutReport>,
    pub charts: Vec<Vec<Chart>>,
    pub outcome: usize,
    /// Per outcome, once asked for (they take a while): the importance chart, then one partial
    /// dependence chart per lever.
    pub explain_charts: Vec<Vec<Chart>>,
    /// The backtest, once run, and its chart per outcome.
    pub backtest: Option<BacktestReport>,
    pub backtest_charts: Vec<Chart>,
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

    pub fn set_backtest(&mut self, report: BacktestReport, footnote: &str) {
        self.backtest_charts = report
            .summary
            .iter()
            .map(|summary| backtest_chart(&report, summary, footnote.to_owned()))
            .collect();
        self.backtest = Some(report);
    }

    pub fn set_explanation(
        &mut self,
        importance: &Importance,
        dependence: &Dependence,
        footnote: &str,
    ) {
        self.explain_charts = importance
            .outcomes
            .iter()
            .map(|outcome| {
                let mut charts = vec![importance_chart(outcome, footnote.to_owned())];
                charts.extend(dependence.levers.iter().filter_map(|lever| {
                    dependence_chart(lever, &outcome.outcome, footnote.to_owned())
                }));
                charts
            })
            .collect();
    }
}

fn figure(value: f64) -> String {
    if value.is_finite() {
        crate::numbers::significant(value, 5)
    } else {
        "n/a".into()
    }
}

pub fn diagnostics_ui(
    ui: &mut egui::Ui,
    panel: &mut DiagnosticsPanel,
    has_model: bool,
    idle: bool,
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
    let beats = outcome
        .scores
        .first()
        .is_some_and(MetricRow::beats_baselines);
    verdict_ui(ui, &outcome.verdict, beats);
    egui::Grid::new("diagnostic_scores")
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            // The seasonal baseline exists only for time data: no column of dashes otherwise.
            let seasonal = outcome.scores.iter().any(|r| r.seasonal_naive.is_some());
            let headers = ["measure", "model", "mean per lever value"];
            for header in headers {
                ui.strong(header);
            }
            if seasonal {
                ui.strong("same weekday last week");
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
                if seasonal {
                    ui.label(row.seasonal_naive.map(figure).unwrap_or_else(|| "-".into()));
                }
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
    if !outcome.pit_reading.is_empty() {
        ui.label(format!("PIT histogram: {}", outcome.pit_reading));
    }
    ui.horizontal(|ui| {
        if panel.explain_charts.is_empty()
            && ui
                .add_enabled(
                    idle,
                    egui::Button::new("Explain: importance and partial dependence"),
                )
                .on_hover_text(
                    "Shuffle each input on the held-out rows, and sweep each lever: takes a moment",
                )
                .clicked()
        {
            commands.push(Command::Explain);
        }
        if ui
            .add_enabled(idle, egui::Button::new("Backtest"))
            .on_hover_text(
                "Retrain one model per fold (rolling origin on time data, k-fold otherwise) and \
                 score each beside the baselines; Cancel stops before the next fold",
            )
            .clicked()
        {
            commands.push(Command::Backtest);
        }
        if ui
            .add_enabled(idle, egui::Button::new("Export report…"))
            .on_hover_text(
                "One self-contained HTML page: data, model, accuracy, calibration, importance, \
                 saved scenarios as plans, warnings",
            )
            .clicked()
        {
            commands.push(Command::ExportReport(None));
        }
    });
    charts_ui(ui, panel.charts.get(panel.outcome), commands);
    if let Some(backtest) = &panel.backtest {
        ui.separator();
        ui.strong(format!(
            "Backtest: {} over {} folds",
            backtest.method,
            backtest.folds.len()
        ));
        for summary in &backtest.summary {
            verdict_ui(ui, &summary.verdict, summary.beats_baselines);
        }
        let chart = backtest
            .summary
            .iter()
            .position(|s| s.outcome == outcome.outcome)
            .and_then(|i| panel.backtest_charts.get(i));
        if let Some(chart) = chart {
            super::chart_ui::chart_ui(ui, &chart.title.clone(), chart, 220.0, commands);
        }
    }
    charts_ui(ui, panel.explain_charts.get(panel.outcome), commands);
}

/// A verdict in words: in the warning colour when the model does not beat its baselines.
fn verdict_ui(ui: &mut egui::Ui, verdict: &str, beats_baselines: bool) {
    if beats_baselines {
        ui.strong(verdict);
    } else {
        ui.colored_label(ui.visuals().warn_fg_color, verdict);
    }
}

/// Charts one under another, each with its title, how-to-read line and Export.
fn charts_ui(ui: &mut egui::Ui, charts: Option<&Vec<Chart>>, commands: &mut Vec<Command>) {
    for chart in charts.into_iter().flatten() {
        ui.separator();
        super::chart_ui::chart_ui(ui, &chart.title.clone(), chart, 220.0, commands);
    }
}
