//! The Train step: settings, Start/Cancel, live loss curves per outcome (train, validation,
//! holdout), speed and ETA, then the holdout metrics beside the naive baseline.

use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::Command;
use crate::data::Inspection;
use crate::model::{DeviceChoice, EpochReport, ModelFamily, ModelMeta, TrainConfig};
use crate::numbers::significant;

/// What the Train step shows and edits.
#[derive(Clone, Debug, Default)]
pub struct TrainPanel {
    pub config: TrainConfig,
    pub device: DeviceChoice,
    /// Epochs reported by the running or last training.
    pub history: Vec<EpochReport>,
    /// (tree members finished, wanted) once the networks are done and the trees train.
    pub trees_progress: Option<(usize, usize)>,
    /// The device the running or last training's networks started on (its description).
    pub started_on: Option<String>,
}

impl TrainPanel {
    /// Takes one progress report: an epoch into the history, the trees' progress, or the
    /// device the networks start on.
    pub fn record(&mut self, report: EpochReport) {
        if let Some(device) = report.started_on {
            self.started_on = Some(device);
            return;
        }
        match report.tree_members_done {
            Some(progress) => self.trees_progress = Some(progress),
            None => self.history.push(report),
        }
    }

    /// Forgets the last training's progress.
    pub fn clear_progress(&mut self) {
        self.history.clear();
        self.trees_progress = None;
        self.started_on = None;
    }
}

/// Everything the panel reads; it never touches the job itself.
pub struct TrainView<'a> {
    pub inspection: &'a Inspection,
    pub meta: Option<&'a ModelMeta>,
    pub training: bool,
}

pub fn train_ui(
    ui: &mut egui::Ui,
    panel: &mut TrainPanel,
    view: &TrainView<'_>,
    commands: &mut Vec<Command>,
) {
    ui.heading("Train the forecast model");
    ui.horizontal(|ui| {
        ui.label("Model");
        egui::ComboBox::from_id_salt("model_family")
            .selected_text(family_label(panel.config.family))
            .show_ui(ui, |ui| {
                for family in ModelFamily::ALL {
                    ui.selectable_value(&mut panel.config.family, family, family_label(family));
                }
            });
        ui.label("Device");
        egui::ComboBox::from_id_salt("device")
            .selected_text(device_label(panel.device))
            .show_ui(ui, |ui| {
                for choice in [DeviceChoice::Auto, DeviceChoice::Cpu, DeviceChoice::Gpu] {
                    ui.selectable_value(&mut panel.device, choice, device_label(choice));
                }
            })
            .response
            .on_hover_text(
                "On the default model size the CPU is as fast as a GPU. A GPU's first use \
                 tunes its kernels for about two minutes per data shape (kept for later runs).",
            );
        ui.label("Members per family");
        ui.add(egui::DragValue::new(&mut panel.config.members).range(1..=20));
        ui.label("Epochs");
        ui.add(egui::DragValue::new(&mut panel.config.epochs).range(1..=500));
        ui.label("Seed");
        ui.add(egui::DragValue::new(&mut panel.config.seed));
        ui.checkbox(&mut panel.config.final_fit, "Final fit")
            .on_hover_text(
                "Learn from every row, the holdout (the latest dates) included: the model to \
                 plan with, once a fit with a holdout has been judged. It has no holdout \
                 diagnostics.",
            );
    });
    ui.horizontal(|ui| {
        let usable = view.inspection.validation.is_usable();
        if view.training {
            if ui.button("Cancel (Esc)").clicked() {
                commands.push(Command::CancelJob);
            }
        } else {
            let start = ui.add_enabled(usable, egui::Button::new("Start training"));
            if start.clicked() {
                commands.push(Command::StartTraining);
            }
            if !usable {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "Fix the problems in the Roles step first.",
                );
            }
        }
        if let Some(last) = panel.history.last() {
            // Once training has ended, the bar says how: "epoch 15/20" alone reads as if
            // it were still running or had been cut off.
            match (view.training, view.meta) {
                (false, Some(meta)) => {
                    let (bar, how) = finished_text(meta);
                    ui.add(egui::ProgressBar::new(1.0).desired_width(220.0).text(bar));
                    ui.label(how);
                }
                _ => {
                    ui.add(
                        egui::ProgressBar::new(last.epoch as f32 / last.epochs.max(1) as f32)
                            .desired_width(220.0)
                            .text(format!("epoch {}/{}", last.epoch, last.epochs)),
                    );
                    ui.label(format!(
                        "{:.0} rows/s · ETA {:.0} s",
                        last.rows_per_second, last.eta_seconds
                    ));
                }
            }
        }
    });
    ui.separator();
    if !panel.history.is_empty() {
        ui.label(
            "Loss per outcome as a change from its first validation loss, in % (lower is better): \
             solid train, dashed validation (stops training), dotted holdout (reported only).",
        );
        loss_plot(ui, &panel.history, view.inspection);
    }
    if let Some(meta) = view.meta {
        ui.separator();
        metrics_ui(ui, meta);
        if ui.button("Save model…").clicked() {
            commands.push(Command::SaveModel);
        }
    }
}

fn family_label(family: ModelFamily) -> &'static str {
    match family {
        ModelFamily::Hybrid => "hybrid (deep + trees, blended)",
        ModelFamily::Deep => "deep ensemble",
        ModelFamily::Trees => "gradient-boosted trees",
    }
}

fn device_label(choice: DeviceChoice) -> &'static str {
    match choice {
        DeviceChoice::Auto => "auto (GPU if it works)",
        DeviceChoice::Cpu => "CPU",
        DeviceChoice::Gpu => "GPU",
    }
}

fn loss_plot(ui: &mut egui::Ui, history: &[EpochReport], inspection: &Inspection) {
    let outcomes: Vec<String> = inspection
        .validation
        .schema
        .as_ref()
        .map(|s| s.outcomes.iter().map(|o| o.column.clone()).collect())
        .unwrap_or_default();
    Plot::new("loss_curves")
        .height(260.0)
        .legend(Legend::default())
        .x_axis_label("epoch")
        .y_axis_label("loss change, %")
        .show(ui, |plot| {
            for (j, outcome) in outcomes.iter().enumerate() {
                // Losses of counts and amounts carry arbitrary constants and scales; a relative
                // change from the first validation loss puts every outcome on one axis.
                let reference = history
                    .first()
                    .and_then(|r| r.validation_loss.get(j))
                    .map(|v| f64::from(*v))
                    .filter(|v| v.abs() > 1e-12)
                    .unwrap_or(1.0);
                let series = |pick: fn(&EpochReport) -> &Vec<f32>| -> Vec<[f64; 2]> {
                    history
                        .iter()
                        .filter_map(|r| {
                            // A final fit's holdout loss is NaN: no rows, no point.
                            pick(r).get(j).filter(|v| v.is_finite()).map(|v| {
                                [
                                    r.epoch as f64,
                                    (f64::from(*v) - reference) / reference.abs() * 100.0,
                                ]
                            })
                        })
                        .filter(|p| p[1].is_finite())
                        .collect()
                };
                plot.line(Line::new(
                    format!("{outcome} train"),
                    PlotPoints::from(series(|r| &r.train_loss)),
                ));
                plot.line(
                    Line::new(
                        format!("{outcome} validation"),
                        PlotPoints::from(series(|r| &r.validation_loss)),
                    )
                    .style(egui_plot::LineStyle::dashed_dense()),
                );
                plot.line(
                    Line::new(
                        format!("{outcome} holdout"),
                        PlotPoints::from(series(|r| &r.holdout_loss)),
                    )
                    .style(egui_plot::LineStyle::dotted_dense()),
                );
            }
        });
}

/// How training ended, for the bar and beside it: every epoch run, stopped early, or
/// cancelled.
fn finished_text(meta: &ModelMeta) -> (String, &'static str) {
    let epochs = meta.config.epochs;
    let bar = format!("done · {}/{epochs} epochs", meta.epochs_run);
    let how = if meta.cancelled {
        "cancelled: the best epochs so far are kept"
    } else if meta.epochs_run < epochs {
        "stopped early: the validation loss no longer improved"
    } else {
        "every epoch run"
    };
    (bar, how)
}

fn metrics_ui(ui: &mut egui::Ui, meta: &ModelMeta) {
    ui.strong(format!(
        "Trained on {} · best epochs {:?} of {}{}",
        meta.device,
        meta.best_epochs,
        meta.epochs_run,
        if meta.cancelled {
            " (cancelled: best so far kept)"
        } else {
            ""
        }
    ));
    blend_ui(ui, meta);
    if meta.config.final_fit {
        ui.label(
            "Final fit: every row taught the model, so there is no holdout error to show; \
             judge these settings by a fit without the final fit.",
        );
        return;
    }
    ui.label(
        "Holdout error beside the naive baseline (the training mean within each lever value):",
    );
    egui::Grid::new("holdout_metrics")
        .striped(true)
        .show(ui, |ui| {
            for header in [
                "outcome",
                "metric",
                "model",
                "naive",
                "",
                "80% interval covers",
            ] {
                ui.strong(header);
            }
            ui.end_row();
            for metric in &meta.holdout {
                for score in &metric.scores {
                    ui.label(&metric.outcome);
                    ui.label(&score.metric);
                    ui.label(significant(score.model, 5));
                    ui.label(significant(score.naive, 5));
                    ui.label(if score.model_wins() {
                        "beats naive"
                    } else {
                        "does NOT beat naive"
                    });
                    let coverage = metric
                        .coverage
                        .iter()
                        .find(|(level, _)| *level == 0.8)
                        .map(|(_, share)| format!("{:.0}%", share * 100.0))
                        .unwrap_or_default();
                    ui.label(coverage);
                    ui.end_row();
                }
            }
        });
}

/// Each family's validation score beside the blend's, and the deep family's weight.
fn blend_ui(ui: &mut egui::Ui, meta: &ModelMeta) {
    if meta.blend.is_empty() {
        return;
    }
    ui.label(format!(
        "Model: {}. Validation score of each family and of the blend (lower is better); the \
         blend's weights were chosen on these rows, never the holdout:",
        family_label(meta.config.family)
    ));
    let shown = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| significant(v, 5));
    egui::Grid::new("blend_scores")
        .striped(true)
        .show(ui, |ui| {
            for header in ["outcome", "score", "deep", "trees", "blend", "deep weight"] {
                ui.strong(header);
            }
            ui.end_row();
            for blend in &meta.blend {
                ui.label(&blend.outcome);
                ui.label(&blend.metric);
                ui.label(shown(blend.deep_score));
                ui.label(shown(blend.trees_score));
                ui.label(shown(blend.blend_score));
                ui.label(format!("{:.2}", blend.deep_weight));
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_progress_is_kept_apart_from_the_epochs() {
        let mut panel = TrainPanel::default();
        let mut epoch = EpochReport::trees(0, 1);
        epoch.tree_members_done = None;
        epoch.epoch = 1;
        panel.record(EpochReport::started("CPU (flex)".into()));
        panel.record(epoch);
        panel.record(EpochReport::trees(2, 5));
        assert_eq!(panel.history.len(), 1, "only epochs are plotted");
        assert_eq!(panel.history[0].epoch, 1);
        assert_eq!(panel.started_on.as_deref(), Some("CPU (flex)"));
        assert_eq!(panel.trees_progress, Some((2, 5)));
        panel.clear_progress();
        assert!(panel.history.is_empty() && panel.trees_progress.is_none());
        assert!(panel.started_on.is_none());
    }
}
