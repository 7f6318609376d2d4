//! The Data step: where the table came from, what the import noticed, and a preview of every
//! row (virtualised, so a million rows scroll as smoothly as ten).

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use super::Command;
use crate::data::{Inspection, Problem, column};

pub fn data_ui(ui: &mut egui::Ui, inspection: &Inspection, commands: &mut Vec<Command>) {
    let table = &inspection.table;
    let source = &table.source;
    ui.horizontal_wrapped(|ui| {
        ui.strong(source.display_name());
        let mut facts = vec![
            crate::numbers::counted(table.rows(), "row"),
            crate::numbers::counted(inspection.profiles.len(), "column"),
            source.format.label().to_owned(),
        ];
        facts.extend(source.encoding.clone());
        if let Some(sheet) = &source.sheet {
            facts.push(format!("sheet {sheet}"));
        }
        ui.label(facts.join(" · "));
        if ui.button("Map column roles >").clicked() {
            commands.push(Command::ShowStep(super::Step::Roles));
        }
    });
    if !table.warnings.is_empty() {
        problems_ui(ui, &table.warnings);
    }
    ui.separator();
    preview_ui(ui, inspection);
}

/// Problems as a list, errors in the error colour.
pub fn problems_ui(ui: &mut egui::Ui, problems: &[Problem]) {
    for problem in problems {
        let color = if problem.is_error() {
            ui.visuals().error_fg_color
        } else {
            ui.visuals().warn_fg_color
        };
        ui.colored_label(color, problem.to_string());
    }
}

fn preview_ui(ui: &mut egui::Ui, inspection: &Inspection) {
    let frame = &inspection.table.frame;
    let profiles = &inspection.profiles;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::horizontal().show(ui, |ui| {
        TableBuilder::new(ui)
            .id_salt("preview")
            .striped(true)
            .resizable(true)
            .column(Column::auto().at_least(48.0))
            .columns(
                Column::initial(120.0).at_least(60.0).clip(true),
                profiles.len(),
            )
            .header(row_height * 2.6, |mut header| {
                header.col(|ui| {
                    ui.weak("row");
                });
                for profile in profiles {
                    header.col(|ui| {
                        ui.vertical(|ui| {
                            ui.strong(&profile.name);
                            let kind = match profile.date {
                                Some(guess) => format!("date {}", guess.format.pattern()),
                                None => profile.type_name.clone(),
                            };
                            ui.weak(format!("{kind} · {} missing", profile.missing));
                        });
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, frame.height(), |mut row| {
                    let index = row.index();
                    row.col(|ui| {
                        ui.weak((index + 1).to_string());
                    });
                    for position in 0..profiles.len() {
                        row.col(|ui| {
                            ui.label(column::cell_text(frame, position, index));
                        });
                    }
                });
            });
    });
}
