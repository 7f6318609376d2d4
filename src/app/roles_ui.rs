//! The Roles step: one row per column with its role, the lever baseline, what detection
//! suggested and why, parsed notations; validation problems listed live below.

use eframe::egui;

use super::Command;
use crate::data::detect::kind_label;
use crate::data::notation::parse_offer;
use crate::data::roles::OutcomeKind;
use crate::data::{Inspection, Role, RoleKind};
use crate::numbers::{readable, significant};

pub fn roles_ui(ui: &mut egui::Ui, inspection: &Inspection, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading("Column roles");
        if ui.button("Save mapping…").clicked() {
            commands.push(Command::SaveMapping);
        }
        if ui.button("Load mapping…").clicked() {
            commands.push(Command::LoadMapping);
        }
    });
    ui.label(
        "Tell Liftcast what each column means. Levers are what you plan (discount, coupon, \
         arm); their baseline is the \"no campaign\" value that lift is measured against.",
    );
    ui.separator();
    let mut edited = None;
    egui::ScrollArea::vertical()
        .id_salt("roles_scroll")
        .max_height(ui.available_height() * 0.62)
        .show(ui, |ui| {
            egui::Grid::new("roles_grid")
                .striped(true)
                .num_columns(5)
                .spacing([16.0, 6.0])
                .show(ui, |ui| {
                    ui.strong("column");
                    ui.strong("role");
                    ui.strong("baseline / kind");
                    ui.strong("detected");
                    ui.strong("values");
                    ui.end_row();
                    for profile in &inspection.profiles {
                        if let Some(role) = column_row_ui(ui, inspection, &profile.name) {
                            edited = Some((profile.name.clone(), role));
                        }
                        ui.end_row();
                    }
                });
        });
    if let Some((column, role)) = edited {
        let mut mapping = inspection.mapping.clone();
        mapping.set(&column, role);
        commands.push(Command::SetMapping(mapping));
    }
    ui.separator();
    let validation = &inspection.validation;
    let errors = validation.errors().count();
    if validation.is_usable() {
        ui.colored_label(
            egui::Color32::from_rgb(60, 170, 90),
            format!(
                "Ready to train: {}.",
                crate::numbers::counted(validation.problems.len() - errors, "warning")
            ),
        );
    } else {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!(
                "Not ready: {} to fix first.",
                crate::numbers::counted(errors, "problem")
            ),
        );
    }
    egui::ScrollArea::vertical()
        .id_salt("problems_scroll")
        .show(ui, |ui| {
            super::data_ui::problems_ui(ui, &validation.problems)
        });
}

/// Draws one column's row; returns the new role when the user changed it.
fn column_row_ui(ui: &mut egui::Ui, inspection: &Inspection, column: &str) -> Option<Role> {
    let current = inspection
        .mapping
        .role_of(column)
        .cloned()
        .unwrap_or(Role::Ignore);
    let mut changed = None;
    ui.label(column);

    let mut kind = current.kind();
    egui::ComboBox::from_id_salt(("role", column))
        .selected_text(kind.label())
        .show_ui(ui, |ui| {
            for option in RoleKind::ALL {
                ui.selectable_value(&mut kind, option, option.label());
            }
        });
    if kind != current.kind() {
        changed = Some(kind.to_role());
    }

    match &current {
        Role::Outcome { kind } => {
            let detected = inspection
                .profiles
                .iter()
                .find(|p| p.name == column)
                .map(crate::data::detect::outcome_kind);
            let mut chosen = kind.or(detected);
            egui::ComboBox::from_id_salt(("outcome_kind", column))
                .selected_text(chosen.map(kind_label).unwrap_or("kind"))
                .show_ui(ui, |ui| {
                    for option in [OutcomeKind::Binary, OutcomeKind::Count, OutcomeKind::Amount] {
                        ui.selectable_value(&mut chosen, Some(option), kind_label(option));
                    }
                });
            if chosen != kind.or(detected) {
                changed = Some(Role::Outcome { kind: chosen });
            }
        }
        Role::Lever { baseline } => {
            let mut text = baseline.clone().unwrap_or_default();
            let response = ui.add(egui::TextEdit::singleline(&mut text).desired_width(120.0));
            if response.changed() {
                let baseline = (!text.trim().is_empty()).then(|| text.clone());
                changed = Some(Role::Lever { baseline });
            }
        }
        _ => {
            ui.label("");
        }
    }

    match inspection.detection(column) {
        Some(detection) => {
            ui.label(format!(
                "{} ({:.0}%)",
                detection.role.kind().label(),
                detection.confidence * 100.0
            ))
            .on_hover_text(&detection.reason);
        }
        None => {
            ui.label("");
        }
    }

    let profile = inspection.profiles.iter().find(|p| p.name == column);
    let values = match profile {
        Some(profile) if profile.is_offer_column() => profile
            .samples(3)
            .iter()
            .map(|v| format!("{v}: {}", parse_offer(v).describe()))
            .collect::<Vec<_>>()
            .join("; "),
        Some(profile) => match (profile.date, profile.min, profile.max) {
            (Some(guess), _, _) => format!("dates {}", guess.format.pattern()),
            (None, Some(min), Some(max)) => format!(
                "{} · {} to {} · mean {}",
                profile.type_name,
                readable(min),
                readable(max),
                significant(profile.mean.unwrap_or_default(), 3)
            ),
            _ => format!(
                "{} · {} distinct · e.g. {}",
                profile.type_name,
                profile.distinct,
                profile.samples(3).join(", ")
            ),
        },
        None => String::new(),
    };
    ui.label(values);
    changed
}
