//! The optimiser panel of the Scenarios step: settings are collected from the scenario editor
//! ("add the scenario above"), units are chosen among the dimensions, and the core optimiser
//! picks one setting per unit within the budget for the campaign plan above: its dates (time
//! data) or population (unit data), audience and costs, as `liftcast optimize MODEL PLAN` does.
//! The table says why each unit got its setting. The search runs on a worker through `jobs`.

use std::collections::BTreeSet;

use eframe::egui;

use super::Command;
use crate::data::controls::moved_levers;
use crate::data::schema::Schema;
use crate::model::LeverSetting;
use crate::numbers::grouped;
use crate::scenario::optimise::{
    Capacity, GridOption, OptimiseRequest, OptimiseResult, unit_label,
};
use crate::scenario::plan::Plan;

/// The panel's settings and its last answer.
#[derive(Clone, Debug)]
pub struct OptimisePanel {
    pub options: Vec<GridOption>,
    pub units: BTreeSet<String>,
    pub limit_budget: bool,
    pub budget: f64,
    /// Limits on the messages of a unit dimension's value (a channel's volume).
    pub capacities: Vec<Capacity>,
    /// The capacity being entered: dimension, value, messages.
    pub capacity_draft: Capacity,
    pub result: Option<OptimiseResult>,
}

impl Default for OptimisePanel {
    fn default() -> Self {
        Self {
            options: Vec::new(),
            units: BTreeSet::new(),
            limit_budget: true,
            budget: 10_000.0,
            capacities: Vec::new(),
            capacity_draft: Capacity {
                column: String::new(),
                value: String::new(),
                max_exposure: 50_000.0,
            },
            result: None,
        }
    }
}

impl OptimisePanel {
    /// Adds the scenario as a setting, named by the levers it changes (once).
    pub fn add_setting(&mut self, schema: &Schema, scenario: &[LeverSetting]) {
        let changed = moved_levers(schema, scenario);
        if changed.is_empty() || self.options.iter().any(|o| o.levers == scenario) {
            return;
        }
        self.options.push(GridOption {
            name: changed.join(", "),
            levers: scenario.to_vec(),
        });
    }

    /// The request for the campaign plan `base` (its dates, audience and costs), every unit
    /// choosing its own setting: the plan's own levers go, so "no campaign" is no campaign.
    pub fn request(&self, base: &Plan) -> OptimiseRequest {
        OptimiseRequest {
            base: Plan {
                name: "optimised plan".into(),
                levers: Vec::new(),
                segment_levers: Vec::new(),
                ..base.clone()
            },
            units: self.units.iter().cloned().collect(),
            options: self.options.clone(),
            budget: self.limit_budget.then_some(self.budget),
            objective: "profit".into(),
            max_discount_pct: None,
            // Only the capacities of dimensions that are units apply.
            capacities: self
                .capacities
                .iter()
                .filter(|c| self.units.contains(&c.column))
                .cloned()
                .collect(),
        }
    }
}

pub fn optimise_ui(
    ui: &mut egui::Ui,
    panel: &mut OptimisePanel,
    schema: &Schema,
    scenario: &[LeverSetting],
    base: &Result<Plan, String>,
    dimension_values: &[(String, Vec<String>)],
    commands: &mut Vec<Command>,
) {
    ui.heading("Optimiser");
    ui.label(
        "Collect settings with the levers above, choose what gets its own setting, and the \
         optimiser picks one per unit (or none) for the most profit within the budget.",
    );
    match base {
        Ok(plan) => {
            let over = match (plan.start, plan.end) {
                (Some(start), Some(end)) => format!("dates ({start} to {end})"),
                _ => "population (the data's rows without one)".into(),
            };
            ui.label(format!(
                "It plans the campaign plan's {over}, its audience (chosen above) and its \
                 costs: {}.",
                super::plan_ui::costs_in_words(&plan.costs)
            ));
        }
        Err(why) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("The campaign plan above cannot be optimised yet: {why}."),
            );
        }
    }
    if ui.button("Add the scenario above as a setting").clicked() {
        panel.add_setting(schema, scenario);
    }
    let mut remove = None;
    for (i, option) in panel.options.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(&option.name);
            if ui.small_button("remove").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        panel.options.remove(i);
    }
    ui.horizontal(|ui| {
        ui.label("One setting per");
        for dimension in &schema.dimensions {
            let mut on = panel.units.contains(dimension);
            if ui.checkbox(&mut on, dimension).changed() {
                if on {
                    panel.units.insert(dimension.clone());
                } else {
                    panel.units.remove(dimension);
                }
            }
        }
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut panel.limit_budget, "Budget");
        ui.add_enabled(
            panel.limit_budget,
            super::plan_ui::amount_field(&mut panel.budget, 1.0, 100.0),
        );
    });
    if schema.exposure.is_some() && !panel.units.is_empty() {
        capacity_ui(ui, panel, dimension_values);
    }
    let ready = !panel.options.is_empty() && !panel.units.is_empty() && base.is_ok();
    if ui
        .add_enabled(ready, egui::Button::new("Optimise"))
        .on_disabled_hover_text(
            "Add a setting, choose at least one dimension, and give the plan valid dates",
        )
        .clicked()
        && let Ok(plan) = base
    {
        commands.push(Command::Optimise(Box::new(panel.request(plan))));
    }
    let raised = panel
        .result
        .as_ref()
        .and_then(|result| result_ui(ui, result));
    if let Some(budget) = raised {
        panel.limit_budget = true;
        panel.budget = budget;
        if let Ok(plan) = base {
            commands.push(Command::Optimise(Box::new(panel.request(plan))));
        }
    }
}

/// `amount` rounded up to its two leading digits (12,345 → 13,000), a budget to type.
fn rounded_up(amount: f64) -> f64 {
    if !(amount.is_finite() && amount > 0.0) {
        return amount;
    }
    let step = 10f64.powf(amount.log10().floor() - 1.0).max(1.0);
    (amount / step).ceil() * step
}

/// Capacities: the most messages a value of a unit dimension may take (e.g. sms 50,000).
fn capacity_ui(
    ui: &mut egui::Ui,
    panel: &mut OptimisePanel,
    dimension_values: &[(String, Vec<String>)],
) {
    let mut remove = None;
    for (i, capacity) in panel.capacities.iter().enumerate() {
        ui.horizontal(|ui| {
            let applies = panel.units.contains(&capacity.column);
            let text = format!(
                "At most {} messages on {}={}",
                grouped(capacity.max_exposure, 0),
                capacity.column,
                capacity.value
            );
            if applies {
                ui.label(text);
            } else {
                ui.weak(format!(
                    "{text} (not applied: {} is not a unit)",
                    capacity.column
                ));
            }
            if ui.small_button("remove").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        panel.capacities.remove(i);
    }
    let draft = &mut panel.capacity_draft;
    if !panel.units.contains(&draft.column) {
        draft.column = panel.units.iter().next().cloned().unwrap_or_default();
        draft.value.clear();
    }
    let values: Vec<String> = dimension_values
        .iter()
        .find(|(d, _)| *d == draft.column)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !values.contains(&draft.value) {
        draft.value = values.first().cloned().unwrap_or_default();
    }
    let mut add = false;
    ui.horizontal(|ui| {
        ui.label("Capacity: at most");
        ui.add(super::plan_ui::amount_field(
            &mut draft.max_exposure,
            0.0,
            1000.0,
        ));
        ui.label("messages on");
        egui::ComboBox::from_id_salt("capacity-dimension")
            .selected_text(&draft.column)
            .show_ui(ui, |ui| {
                for unit in &panel.units {
                    ui.selectable_value(&mut draft.column, unit.clone(), unit);
                }
            });
        egui::ComboBox::from_id_salt("capacity-value")
            .selected_text(&draft.value)
            .show_ui(ui, |ui| {
                for value in &values {
                    ui.selectable_value(&mut draft.value, value.clone(), value);
                }
            });
        add = ui
            .add_enabled(!draft.value.is_empty(), egui::Button::new("Add capacity"))
            .clicked();
    });
    if add {
        let draft = panel.capacity_draft.clone();
        panel
            .capacities
            .retain(|c| !(c.column == draft.column && c.value == draft.value));
        panel.capacities.push(draft);
    }
}

/// The answer; returns a new budget when the user asks to raise it.
fn result_ui(ui: &mut egui::Ui, result: &OptimiseResult) -> Option<f64> {
    let mut raise = None;
    let budget = result
        .budget
        .map(|b| grouped(b, 0))
        .unwrap_or_else(|| "no limit".into());
    let money = &result.forecast.money;
    ui.strong(format!(
        "Expected profit {} (95% {} to {}, P(profit > 0) {:.0}%) for a cost of {} (budget \
         {budget})",
        grouped(result.total_profit, 0),
        grouped(money.incremental_profit_95.low, 0),
        grouped(money.incremental_profit_95.high, 0),
        money.probability_profit_positive * 100.0,
        grouped(result.total_cost, 0)
    ));
    // Either note comes with a button that re-runs with the budget that would change it.
    let notes = [
        result.budget_shortfall().map(|s| (s.describe(), s.needed)),
        result
            .budget_binds()
            .zip(result.without_budget.as_ref().map(|free| free.cost)),
    ];
    for (note, needed) in notes.into_iter().flatten() {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, capitalised(&note));
            let budget = rounded_up(needed);
            let label = format!("Raise the budget to {}", grouped(budget, 0));
            if ui.button(label).clicked() {
                raise = Some(budget);
            }
        });
    }
    // The reason column takes what the other columns leave of the panel (wrapped text in a
    // grid cell otherwise shrinks to the column's width of the frame before).
    let why_width = (ui.available_width() * 0.6).max(240.0);
    egui::Grid::new("allocations")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for header in ["unit", "setting", "profit", "cost", "why"] {
                ui.strong(header);
            }
            ui.end_row();
            for allocation in &result.allocations {
                ui.label(unit_label(&allocation.unit));
                ui.label(&allocation.choice.option);
                ui.label(grouped(allocation.choice.profit, 0));
                ui.label(grouped(allocation.choice.cost, 0));
                // Reasons run long: wrapped in the last column, not cut at the window's edge.
                ui.scope(|ui| {
                    ui.set_width(why_width);
                    ui.add(egui::Label::new(&allocation.reason).wrap());
                });
                ui.end_row();
            }
        });
    for alternative in &result.alternatives {
        ui.add(
            egui::Label::new(format!(
                "Next best: {} ({} {}, cost {})",
                alternative.change,
                result.objective,
                grouped(alternative.objective, 0),
                grouped(alternative.cost, 0)
            ))
            .wrap(),
        );
    }
    for capacity in &result.capacity_use {
        ui.label(capacity.describe());
    }
    for warning in &result.forecast.warnings {
        ui.colored_label(ui.visuals().warn_fg_color, warning);
    }
    raise
}

/// The sentence with its first letter in capitals (the core's notes start in lower case).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_round_up_to_two_leading_digits() {
        assert_eq!(rounded_up(12_345.0), 13_000.0);
        assert_eq!(rounded_up(13_000.0), 13_000.0);
        assert_eq!(rounded_up(987.2), 990.0);
        assert_eq!(rounded_up(7.2), 8.0);
        assert_eq!(rounded_up(0.4), 1.0);
    }
}
