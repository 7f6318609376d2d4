//! The Scenarios step: one control per lever, built from the schema; every change re-forecasts
//! on a worker (latest request wins) and the lift against the no-campaign baseline shows with
//! its interval, funnel rates and cold-start and extrapolation notes beside the numbers.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use eframe::egui;

use super::Command;
use crate::data::controls::same_value;
use crate::data::notation::parse_offer;
use crate::data::profile::ColumnProfile;
use crate::data::schema::{LeverKind, Schema};
use crate::export::Chart;
use crate::model::{Forecast, LeverSetting};
use crate::numbers::{decimals_for, grouped, signed};
use crate::scenario::plan::{
    AudienceFilter, CarryRule, RowFilter, SCENARIO_PLAN_DAYS, days_after_data, offer_extrapolation,
};

/// What the Scenarios step shows and edits.
#[derive(Clone, Debug, Default)]
pub struct ScenarioPanel {
    /// Lever → value as written (a level, a number, a notation).
    pub values: BTreeMap<String, String>,
    pub result: Option<Forecast>,
    /// The lift chart of `result`, built when it arrives (what Export writes).
    pub chart: Option<Chart>,
    /// Scenarios saved under a name (kept in the project).
    pub saved: Vec<crate::project::SavedScenario>,
    /// The name typed for the next saved scenario.
    pub new_name: String,
    /// Forecasts of the saved scenarios, side by side, once compared.
    pub comparison: Vec<(String, Forecast)>,
    /// Each dimension's values, most frequent first (what the audience can be chosen from).
    pub dimension_values: Vec<(String, Vec<String>)>,
    /// Dimension → the values chosen; a dimension with none chosen keeps everyone.
    pub audience: BTreeMap<String, BTreeSet<String>>,
    /// Time data: the first and last date of the data, and the range typed (YYYY-MM-DD).
    pub date_bounds: Option<(NaiveDate, NaiveDate)>,
    pub date_from: String,
    pub date_to: String,
    /// Time data: look at the `days` after the data (a campaign is planned ahead) rather than
    /// the range typed (what the levers would have done then).
    pub ahead: bool,
    pub days: u32,
    /// Numeric levers whose every value in the data is whole (days, a 0/1 arm): their sliders
    /// step by one.
    pub whole_levers: BTreeSet<String>,
    /// Each offer lever's values in the data, most frequent first: picked from a list beside
    /// the text field (any notation can still be typed).
    pub offer_values: BTreeMap<String, Vec<String>>,
}

impl ScenarioPanel {
    /// Starts every lever at its baseline.
    pub fn reset(&mut self, schema: &Schema) {
        self.values = schema
            .levers
            .iter()
            .map(|lever| (lever.column.clone(), lever.baseline.clone()))
            .collect();
        self.result = None;
        self.chart = None;
    }

    /// Reads what the audience and date range can be chosen from: the values the import's
    /// column profiles found (most frequent first) and the schema's first and last date, so the
    /// GUI thread never reads the rows. Everyone is chosen at first, over the week after the
    /// data on time data.
    pub fn prepare_population(&mut self, schema: &Schema, profiles: &[ColumnProfile]) {
        self.dimension_values = schema
            .dimensions
            .iter()
            .map(|dimension| {
                let values = profiles
                    .iter()
                    .find(|p| p.name == *dimension)
                    .map(|p| p.top_values.iter().map(|(v, _)| v.clone()).collect())
                    .unwrap_or_default();
                (dimension.clone(), values)
            })
            .collect();
        self.whole_levers = schema
            .levers
            .iter()
            .filter(|lever| matches!(lever.kind, LeverKind::Numeric { .. }))
            .filter(|lever| {
                profiles
                    .iter()
                    .any(|p| p.name == lever.column && p.numeric && p.integers)
            })
            .map(|lever| lever.column.clone())
            .collect();
        self.offer_values = schema
            .levers
            .iter()
            .filter(|lever| matches!(lever.kind, LeverKind::Offer))
            .filter_map(|lever| {
                let profile = profiles.iter().find(|p| p.name == lever.column)?;
                let values = profile.top_values.iter().map(|(v, _)| v.clone()).collect();
                Some((lever.column.clone(), values))
            })
            .collect();
        self.audience.clear();
        self.date_bounds = schema.time.as_ref().map(|time| (time.first, time.last));
        let (from, to) = self
            .date_bounds
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .unwrap_or_default();
        self.date_from = from;
        self.date_to = to;
        self.ahead = self.date_bounds.is_some();
        self.days = SCENARIO_PLAN_DAYS;
    }

    /// Chooses the audience and dates a project saved (after `prepare_population`): the days
    /// after the data, or a range of the data's own dates (every date when none was saved).
    pub fn restore_rows(
        &mut self,
        audience: &[AudienceFilter],
        dates: Option<(NaiveDate, NaiveDate)>,
        days_after_data: Option<u32>,
    ) {
        self.audience = audience
            .iter()
            .map(|a| (a.column.clone(), a.values.iter().cloned().collect()))
            .collect();
        if let Some((from, to)) = dates {
            self.date_from = from.to_string();
            self.date_to = to.to_string();
        }
        self.ahead = self.date_bounds.is_some() && days_after_data.is_some();
        if let Some(days) = days_after_data {
            self.days = days;
        }
    }

    /// The days after the data the rows cover, when that is what is chosen.
    fn days_ahead(&self) -> Option<u32> {
        (self.ahead && self.date_bounds.is_some()).then_some(self.days.max(1))
    }

    /// When `filter`'s rows are, in words: "the 7 days after the data", "2024-03-01 to
    /// 2024-03-31", "every date"; `None` on data without time.
    fn period_words(&self, filter: &RowFilter) -> Option<String> {
        self.date_bounds?;
        Some(match (filter.days_after_data, filter.dates) {
            (Some(1), _) => "the day after the data".to_owned(),
            (Some(days), _) => format!("the {days} days after the data"),
            (None, Some((from, to))) => format!("{from} to {to}"),
            (None, None) => "every date".to_owned(),
        })
    }

    /// Which rows a sweep over them covers, as a curve's result line ends: "over the 7 days
    /// after the data", "for the audience chosen above".
    pub fn rows_words(&self) -> String {
        let filter = self.row_filter();
        match self.period_words(&filter) {
            Some(period) if filter.days_after_data.is_some() => format!("over {period}"),
            Some(period) if filter.dates.is_some() => format!("over the dates {period}"),
            Some(_) => "over every date in the data".to_owned(),
            None if filter.audience.is_empty() => "for everyone".to_owned(),
            None => "for the audience chosen above".to_owned(),
        }
    }

    /// The rows the what-if runs over, as chosen; dates that do not parse keep the full range.
    pub fn row_filter(&self) -> RowFilter {
        let audience = self
            .audience
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(column, values)| AudienceFilter {
                column: column.clone(),
                values: values.iter().cloned().collect(),
            })
            .collect();
        let parse = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
        let days_after_data = self.days_ahead();
        let dates = match (
            self.date_bounds,
            parse(&self.date_from),
            parse(&self.date_to),
        ) {
            _ if days_after_data.is_some() => None,
            (Some(bounds), Some(from), Some(to)) if (from, to) != bounds => Some((from, to)),
            _ => None,
        };
        RowFilter {
            audience,
            dates,
            days_after_data,
        }
    }

    /// The scenario's name on charts: the levers it moves off their baselines.
    pub fn name(&self, schema: &Schema) -> String {
        let changed: Vec<String> = schema
            .levers
            .iter()
            .filter_map(|lever| {
                let value = self.values.get(&lever.column)?;
                (!same_value(Some(value), &lever.baseline))
                    .then(|| format!("{}={value}", lever.column))
            })
            .collect();
        if changed.is_empty() {
            "no change".into()
        } else {
            changed.join(", ")
        }
    }

    /// The scenario as lever settings.
    pub fn settings(&self) -> Vec<LeverSetting> {
        self.values
            .iter()
            .map(|(lever, value)| LeverSetting {
                lever: lever.clone(),
                value: value.clone(),
            })
            .collect()
    }
}

pub fn scenario_ui(
    ui: &mut egui::Ui,
    panel: &mut ScenarioPanel,
    schema: &Schema,
    has_model: bool,
    commands: &mut Vec<Command>,
) {
    ui.heading("What if?");
    if !has_model {
        ui.label("Train a model first (step 3): scenarios are forecast with it.");
        return;
    }
    ui.label("Set the levers; the forecast updates as you go. The baseline is every lever at its \"no campaign\" value.");
    let mut changed = false;
    let whole_levers = &panel.whole_levers;
    let offer_values = &panel.offer_values;
    egui::Grid::new("levers")
        .num_columns(3)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            for lever in &schema.levers {
                ui.label(&lever.column);
                let value = panel
                    .values
                    .entry(lever.column.clone())
                    .or_insert_with(|| lever.baseline.clone());
                let note = match &lever.kind {
                    LeverKind::Categorical { levels } => {
                        egui::ComboBox::from_id_salt(("lever", &lever.column))
                            .selected_text(value.as_str())
                            .show_ui(ui, |ui| {
                                for level in levels {
                                    changed |=
                                        ui.selectable_value(value, level.clone(), level).changed();
                                }
                            });
                        String::new()
                    }
                    LeverKind::Numeric { min, max } => {
                        let mut number: f64 = value.parse().unwrap_or(*min);
                        let mut slider = egui::Slider::new(&mut number, *min..=*max)
                            .clamping(egui::SliderClamping::Never);
                        if whole_levers.contains(&lever.column) {
                            slider = slider.step_by(1.0).fixed_decimals(0);
                        }
                        if ui.add(slider).changed() {
                            *value = format_number(number);
                            changed = true;
                        }
                        if number < *min || number > *max {
                            format!("extrapolation: outside the observed {min}..{max}")
                        } else {
                            String::new()
                        }
                    }
                    LeverKind::Offer => {
                        ui.horizontal(|ui| {
                            if ui
                                .add(egui::TextEdit::singleline(value).desired_width(110.0))
                                .changed()
                            {
                                changed = true;
                            }
                            let seen = offer_values.get(&lever.column);
                            if let Some(seen) = seen.filter(|s| !s.is_empty()) {
                                egui::ComboBox::from_id_salt(("offers seen", &lever.column))
                                    .selected_text("seen")
                                    .width(60.0)
                                    .show_ui(ui, |ui| {
                                        for offer in seen {
                                            if ui.selectable_label(value == offer, offer).clicked()
                                            {
                                                value.clone_from(offer);
                                                changed = true;
                                            }
                                        }
                                    });
                            }
                        });
                        let offer = parse_offer(value);
                        match offer_extrapolation(lever, value, &offer) {
                            Some(warning) => format!("{} · {warning}", offer.describe()),
                            None => offer.describe(),
                        }
                    }
                };
                if !lever.varies {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        "never varied in the data: its effect is a guess",
                    );
                } else {
                    ui.label(note);
                }
                ui.end_row();
            }
        });
    changed |= population_ui(ui, panel, schema);
    ui.horizontal(|ui| {
        if ui.button("Reset to baseline").clicked() {
            panel.reset(schema);
            changed = true;
        }
        ui.separator();
        let label = ui.label("Scenario name");
        ui.add(egui::TextEdit::singleline(&mut panel.new_name).desired_width(140.0))
            .labelled_by(label.id);
        let name = panel.new_name.trim().to_owned();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("Save scenario"))
            .on_disabled_hover_text("Type a name for the scenario first")
            .clicked()
        {
            let settings = panel.settings();
            panel.saved.retain(|s| s.name != name);
            panel
                .saved
                .push(crate::project::SavedScenario { name, settings });
            panel.new_name.clear();
            panel.comparison.clear();
        }
    });
    if !panel.saved.is_empty() {
        changed |= saved_ui(ui, panel, commands);
    }
    if changed {
        commands.push(Command::Forecast(panel.settings()));
    }
    ui.separator();
    if let Some(forecast) = &panel.result {
        forecast_ui(ui, forecast);
        if ui
            .small_button("Export table (CSV)…")
            .on_hover_text("Totals, intervals and lift per outcome, full precision")
            .clicked()
        {
            commands.push(Command::ExportTable(vec![(
                panel.name(schema),
                forecast.clone(),
            )]));
        }
        if let Some(chart) = &panel.chart {
            ui.add_space(6.0);
            super::chart_ui::chart_ui(ui, "lift_chart", chart, 220.0, commands);
        }
    } else {
        ui.label("Forecasting…");
    }
}

/// Who and when the what-if covers: checkboxes per dimension value and, for time data, the
/// days after the data or a range of its dates. True when the choice changed.
fn population_ui(ui: &mut egui::Ui, panel: &mut ScenarioPanel, schema: &Schema) -> bool {
    let mut changed = false;
    let filter = panel.row_filter();
    let who = if filter.audience.is_empty() {
        "everyone".to_owned()
    } else {
        let chosen: Vec<String> = filter
            .audience
            .iter()
            .map(|a| format!("{} in {}", a.column, a.values.join(", ")))
            .collect();
        chosen.join("; ")
    };
    // The days after the data by their dates too: what the forecast below covers.
    let period = panel.period_words(&filter).map(|words| {
        match filter
            .days_after_data
            .and_then(|days| days_after_data(schema, days))
        {
            Some((from, to)) if from == to => format!("{words} ({from})"),
            Some((from, to)) => format!("{words} ({from} to {to})"),
            None => words,
        }
    });
    let summary = match period {
        Some(period) if filter.audience.is_empty() => format!("Audience: {who}, {period}"),
        Some(period) => format!("Audience: {who}; {period}"),
        None => format!("Audience: {who}"),
    };
    egui::CollapsingHeader::new(summary)
        .id_salt("audience")
        .show(ui, |ui| {
            ui.weak("Tick values to forecast only those rows; a dimension with nothing ticked keeps everyone.");
            for (dimension, values) in &panel.dimension_values {
                ui.horizontal_wrapped(|ui| {
                    ui.strong(format!("{dimension}:"));
                    let chosen = panel.audience.entry(dimension.clone()).or_default();
                    for value in values {
                        let mut on = chosen.contains(value);
                        if ui.checkbox(&mut on, value).changed() {
                            if on {
                                chosen.insert(value.clone());
                            } else {
                                chosen.remove(value);
                            }
                            changed = true;
                        }
                    }
                });
            }
            if let Some((first, last)) = panel.date_bounds {
                changed |= period_ui(ui, panel, schema, (first, last));
            }
        });
    changed
}

/// Time data: the days after the data (the default: a campaign is planned ahead), or a range
/// of the data's own dates. True when the choice changed.
fn period_ui(
    ui: &mut egui::Ui,
    panel: &mut ScenarioPanel,
    schema: &Schema,
    (first, last): (NaiveDate, NaiveDate),
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        changed |= ui
            .radio_value(&mut panel.ahead, true, "The days after the data:")
            .changed();
        changed |= ui
            .add_enabled(
                panel.ahead,
                egui::DragValue::new(&mut panel.days).range(1..=366),
            )
            .changed();
        if let Some((from, to)) = days_after_data(schema, panel.days) {
            ui.weak(format!(
                "({from} to {to}; covariates and exposure: {})",
                CarryRule::default().describe()
            ));
        }
    });
    ui.horizontal(|ui| {
        changed |= ui
            .radio_value(&mut panel.ahead, false, "Dates in the data:")
            .changed();
        ui.add_enabled_ui(!panel.ahead, |ui| {
            let from = ui.label("From");
            changed |= ui
                .add(egui::TextEdit::singleline(&mut panel.date_from).desired_width(90.0))
                .labelled_by(from.id)
                .changed();
            let to = ui.label("to");
            changed |= ui
                .add(egui::TextEdit::singleline(&mut panel.date_to).desired_width(90.0))
                .labelled_by(to.id)
                .changed();
            ui.weak(format!("(YYYY-MM-DD; the data runs {first} to {last})"));
        });
    });
    changed
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn forecast_ui(ui: &mut egui::Ui, forecast: &Forecast) {
    egui::Grid::new("forecast")
        .striped(true)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            for header in [
                "outcome",
                "scenario",
                "80% interval",
                "baseline",
                "lift",
                "lift %",
                "lift 80% (model)",
            ] {
                ui.strong(header);
            }
            ui.end_row();
            for outcome in &forecast.outcomes {
                let places = decimals_for(outcome.scenario_total.max(outcome.baseline_total));
                ui.label(&outcome.outcome);
                ui.label(grouped(outcome.scenario_total, places));
                ui.label(format!(
                    "{} to {}",
                    grouped(outcome.scenario_low, places),
                    grouped(outcome.scenario_high, places)
                ));
                ui.label(grouped(outcome.baseline_total, places));
                ui.strong(signed(outcome.lift, places));
                ui.strong(format!("{:+.1}%", outcome.lift_pct));
                ui.label(format!(
                    "{} to {}",
                    signed(outcome.lift_low, places),
                    signed(outcome.lift_high, places)
                ));
                ui.end_row();
            }
        });
    for rate in &forecast.funnel {
        ui.label(rate.in_words());
    }
    if forecast.cold_start_rows > 0 {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} rows are cold start (a value never seen in training): their forecasts are less certain.",
                forecast.cold_start_rows
            ),
        );
    }
}

/// The saved scenarios: load or remove each, and compare them side by side.
fn saved_ui(ui: &mut egui::Ui, panel: &mut ScenarioPanel, commands: &mut Vec<Command>) -> bool {
    let mut load = None;
    let mut remove = None;
    ui.horizontal_wrapped(|ui| {
        ui.label("Saved:");
        for (i, saved) in panel.saved.iter().enumerate() {
            ui.group(|ui| {
                ui.label(&saved.name);
                if ui.small_button("load").clicked() {
                    load = Some(i);
                }
                if ui.small_button("remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if ui.button("Compare saved scenarios").clicked() {
            commands.push(Command::CompareSaved(panel.saved.clone()));
        }
    });
    let mut changed = false;
    if let Some(i) = load {
        for setting in &panel.saved[i].settings {
            panel
                .values
                .insert(setting.lever.clone(), setting.value.clone());
        }
        changed = true;
    }
    if let Some(i) = remove {
        panel.saved.remove(i);
        panel.comparison.clear();
    }
    if !panel.comparison.is_empty() {
        comparison_ui(ui, &panel.comparison);
        if ui.small_button("Export comparison (CSV)…").clicked() {
            commands.push(Command::ExportTable(panel.comparison.clone()));
        }
    }
    changed
}

/// Outcomes down, scenarios across: the total with the campaign and the lift in %.
fn comparison_ui(ui: &mut egui::Ui, comparison: &[(String, Forecast)]) {
    egui::Grid::new("comparison")
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            ui.strong("outcome");
            for (name, _) in comparison {
                ui.strong(name);
            }
            ui.end_row();
            let outcomes = comparison
                .first()
                .map(|(_, f)| f.outcomes.len())
                .unwrap_or(0);
            for j in 0..outcomes {
                ui.label(&comparison[0].1.outcomes[j].outcome);
                for (_, forecast) in comparison {
                    match forecast.outcomes.get(j) {
                        Some(o) => {
                            let places = decimals_for(o.scenario_total.max(o.baseline_total));
                            ui.label(format!(
                                "{} ({:+.1}%, 80% {} to {})",
                                grouped(o.scenario_total, places),
                                o.lift_pct,
                                signed(o.lift_low, places),
                                signed(o.lift_high, places)
                            ))
                        }
                        None => ui.label("-"),
                    };
                }
                ui.end_row();
            }
        });
}
