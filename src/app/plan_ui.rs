//! The campaign plan panel of the Scenarios step: the what-if above made a plan. Dates (for
//! time data the week after the data, the normal case), the audience chosen above or a
//! population file (unit data), the levers above for everyone and other levers for chosen
//! segments (`150:20` to one, 10% off to another, nothing to the rest), and the costs. The
//! forecast shows each outcome's lift with 80% and 95% intervals, the money (each cost part,
//! profit, ROI, the chance of a profit), warnings and the per-segment breakdown. Plans save and
//! open as the JSON files `liftcast plan` reads. The next-test panel suggests traffic shares
//! among the saved scenarios, as arms of this plan.

use std::path::PathBuf;

use chrono::NaiveDate;
use eframe::egui;

use super::Command;
use crate::data::controls::moved_levers;
use crate::data::schema::Schema;
use crate::export::Chart;
use crate::export::figures::plan_daily_chart;
use crate::model::LeverSetting;
use crate::numbers::{decimals_for, decimals_for_largest, grouped, signed};
use crate::scenario::bandit::Suggestion;
use crate::scenario::compare::Comparison;
use crate::scenario::costs::CostSettings;
use crate::scenario::draws::Interval;
use crate::scenario::evaluate::{Breakdown, MoneyOutlook, PlanForecast};
use crate::scenario::plan::{
    AudienceFilter, CarryRule, PLAN_FORMAT_VERSION, Plan, SCENARIO_PLAN_DAYS, SegmentLevers,
    days_after_data,
};

/// A plan to forecast, and the population file it runs over (unit data; `None`: the data's
/// own rows).
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub plan: Plan,
    pub population: Option<PathBuf>,
}

/// Arms (saved scenarios) of a plan and the metric to judge them on: what the comparison of
/// plans and the next-test suggestion run.
#[derive(Clone, Debug)]
pub struct ArmsRequest {
    pub plan: Plan,
    pub arms: Vec<(String, Vec<LeverSetting>)>,
    pub metric: String,
    /// Unit data: the plan's population file, as the plan itself is forecast over.
    pub population: Option<PathBuf>,
}

/// What the plan panel edits and shows.
#[derive(Clone, Debug)]
pub struct PlanPanel {
    pub name: String,
    /// Time data: the plan's first and last day (YYYY-MM-DD).
    pub date_from: String,
    pub date_to: String,
    /// Levers for every row of the plan.
    pub levers: Vec<LeverSetting>,
    /// Levers for chosen segments, over the plan's own.
    pub segment_levers: Vec<SegmentLevers>,
    /// The segment about to be given levers: dimension and value.
    pub segment_column: String,
    pub segment_value: String,
    pub costs: CostSettings,
    /// Time data: how the future rows' covariates and exposure are filled in, and a file
    /// giving them where known.
    pub carry: CarryRule,
    pub covariates_file: Option<PathBuf>,
    /// Unit data: the population file the plan reaches instead of the data's rows.
    pub population: Option<PathBuf>,
    pub result: Option<PlanForecast>,
    /// The lift chart of `result`.
    pub chart: Option<Chart>,
    /// The outcome `result`'s day-by-day chart draws (none chosen: the first).
    pub daily_outcome: Option<String>,
    /// The saved scenarios as arms: the metric, their last comparison (with its chart) and
    /// the last next-test suggestion.
    pub suggest_metric: String,
    pub comparison: Option<(Comparison, Chart)>,
    pub suggestion: Option<Suggestion>,
}

impl Default for PlanPanel {
    fn default() -> Self {
        Self {
            name: "my plan".into(),
            date_from: String::new(),
            date_to: String::new(),
            levers: Vec::new(),
            segment_levers: Vec::new(),
            segment_column: String::new(),
            segment_value: String::new(),
            costs: CostSettings {
                margin_pct: 40.0,
                ..CostSettings::default()
            },
            carry: CarryRule::default(),
            covariates_file: None,
            population: None,
            result: None,
            chart: None,
            daily_outcome: None,
            suggest_metric: "profit".into(),
            comparison: None,
            suggestion: None,
        }
    }
}

impl PlanPanel {
    /// A fresh plan for a model: on time data the week after the data.
    pub fn prepare(&mut self, schema: &Schema) {
        let dates = days_after_data(schema, SCENARIO_PLAN_DAYS);
        self.date_from = dates.map(|(from, _)| from.to_string()).unwrap_or_default();
        self.date_to = dates.map(|(_, to)| to.to_string()).unwrap_or_default();
        self.levers.clear();
        self.segment_levers.clear();
        self.result = None;
        self.chart = None;
        self.comparison = None;
        self.suggestion = None;
    }

    /// The plan as edited, for `audience` (the Scenarios step's choice).
    pub fn plan(&self, schema: &Schema, audience: Vec<AudienceFilter>) -> Result<Plan, String> {
        let parse = |what: &str, text: &str| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| format!("the plan's {what} date '{text}' is not YYYY-MM-DD"))
        };
        let (start, end) = if schema.time.is_some() {
            (
                Some(parse("first", &self.date_from)?),
                Some(parse("last", &self.date_to)?),
            )
        } else {
            (None, None)
        };
        Ok(Plan {
            format_version: PLAN_FORMAT_VERSION,
            name: self.name.trim().to_owned(),
            start,
            end,
            audience,
            levers: self.levers.clone(),
            segment_levers: self.segment_levers.clone(),
            costs: self.costs.clone(),
            carry: self.carry,
            covariates_file: self.covariates_file.clone(),
        })
    }

    /// Shows a plan opened from a file (its audience is the file's, shown as a note).
    pub fn load(&mut self, plan: Plan) {
        self.name = plan.name;
        self.date_from = plan.start.map(|d| d.to_string()).unwrap_or_default();
        self.date_to = plan.end.map(|d| d.to_string()).unwrap_or_default();
        self.levers = plan.levers;
        self.segment_levers = plan.segment_levers;
        self.costs = plan.costs;
        self.carry = plan.carry;
        self.covariates_file = plan.covariates_file;
        self.result = None;
        self.chart = None;
    }

    /// Gives the chosen segment `levers` (replacing what it had).
    pub fn give_segment(&mut self, levers: Vec<LeverSetting>) {
        if self.segment_column.is_empty() || self.segment_value.is_empty() {
            return;
        }
        self.segment_levers
            .retain(|s| !(s.column == self.segment_column && s.value == self.segment_value));
        self.segment_levers.push(SegmentLevers {
            column: self.segment_column.clone(),
            value: self.segment_value.clone(),
            also: Vec::new(),
            levers,
        });
    }
}

/// The levers a setting moves off their baselines, as `lever=value, …` ("no campaign" when
/// none).
pub fn describe(schema: &Schema, levers: &[LeverSetting]) -> String {
    let moved = moved_levers(schema, levers);
    if moved.is_empty() {
        "no campaign".into()
    } else {
        moved.join(", ")
    }
}

/// What the panel needs from the rest of the Scenarios step.
pub struct PlanContext<'a> {
    pub schema: &'a Schema,
    /// The lever controls' current values.
    pub scenario: &'a [LeverSetting],
    /// The audience chosen above.
    pub audience: Vec<AudienceFilter>,
    pub dimension_values: &'a [(String, Vec<String>)],
    /// The saved scenarios (the next test's arms).
    pub saved: &'a [crate::project::SavedScenario],
    /// The model learnt from every row (a final fit), the latest dates included.
    pub final_fit: bool,
}

pub fn plan_ui(
    ui: &mut egui::Ui,
    panel: &mut PlanPanel,
    context: &PlanContext,
    commands: &mut Vec<Command>,
) {
    let schema = context.schema;
    ui.heading("Campaign plan");
    ui.label(
        "A plan runs the levers above (or others per segment) over dates and an audience, at a \
         cost: forecast it for the lift, the money and the warnings, and save it for the CLI or \
         the report.",
    );
    if !context.final_fit {
        let held_out = if schema.time.is_some() {
            "its latest dates, the campaigns most like the next one"
        } else {
            "one row in five"
        };
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "This model held out rows to be judged on ({held_out}) and never learnt from \
                 them: once its diagnostics look right, train it again with \"Final fit\" \
                 (step 3) to plan with."
            ),
        );
        if ui
            .button("Train the final fit")
            .on_hover_text(
                "The same settings on every row; the holdout diagnostics of this fit are then \
                 gone, so read them first.",
            )
            .clicked()
        {
            commands.push(Command::TrainFinalFit);
        }
    }
    egui::Grid::new("plan-settings")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("Name");
            ui.text_edit_singleline(&mut panel.name);
            ui.end_row();
            if schema.time.is_some() {
                ui.label("Dates");
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut panel.date_from).desired_width(90.0));
                    ui.label("to");
                    ui.add(egui::TextEdit::singleline(&mut panel.date_to).desired_width(90.0));
                    ui.weak("(YYYY-MM-DD; days after the data are forecast from its last weeks)");
                });
                ui.end_row();
                ui.label("Covariates and exposure");
                ui.horizontal(|ui| {
                    egui::ComboBox::from_id_salt("plan-carry")
                        .selected_text(panel.carry.name())
                        .show_ui(ui, |ui| {
                            for rule in CarryRule::ALL {
                                ui.selectable_value(&mut panel.carry, rule, rule.name());
                            }
                        });
                    ui.weak("carried forward into the plan's days from each combination's history");
                });
                ui.end_row();
                ui.label("Covariates file");
                ui.horizontal(|ui| {
                    match &panel.covariates_file {
                        Some(path) => ui.label(path.display().to_string()),
                        None => ui.label("none (the rule above fills every day)"),
                    };
                    if ui
                        .button("Covariates file…")
                        .on_hover_text(
                            "A file with the date column and any covariates or exposure by day \
                             (and by dimension values): it replaces the carried values where \
                             it has the day",
                        )
                        .clicked()
                    {
                        commands.push(Command::PickCovariates);
                    }
                    if panel.covariates_file.is_some() && ui.button("No file").clicked() {
                        panel.covariates_file = None;
                    }
                });
                ui.end_row();
            } else {
                ui.label("Population");
                ui.horizontal(|ui| {
                    match &panel.population {
                        Some(path) => ui.label(path.display().to_string()),
                        None => ui.label("the data's own rows"),
                    };
                    if ui.button("Population file…").clicked() {
                        commands.push(Command::PickPopulation);
                    }
                    if panel.population.is_some() && ui.button("Use the data's rows").clicked() {
                        panel.population = None;
                    }
                });
                ui.end_row();
            }
            ui.label("Audience");
            if context.audience.is_empty() {
                ui.label("everyone (choose above)");
            } else {
                let parts: Vec<String> = context
                    .audience
                    .iter()
                    .map(|a| format!("{} in {}", a.column, a.values.join(", ")))
                    .collect();
                ui.label(parts.join("; "));
            }
            ui.end_row();
            ui.label("Levers for everyone");
            ui.horizontal(|ui| {
                ui.label(describe(schema, &panel.levers));
                if ui.button("Use the levers above").clicked() {
                    panel.levers = context.scenario.to_vec();
                }
            });
            ui.end_row();
        });
    segments_ui(ui, panel, context);
    costs_ui(ui, &mut panel.costs);
    ui.horizontal(|ui| {
        if ui.button("Forecast plan").clicked() {
            match panel.plan(schema, context.audience.clone()) {
                Ok(plan) => commands.push(Command::ForecastPlan(Box::new(PlanRequest {
                    plan,
                    population: panel.population.clone(),
                }))),
                Err(message) => commands.push(Command::Status(message)),
            }
        }
        if ui.button("Save plan…").clicked() {
            match panel.plan(schema, context.audience.clone()) {
                Ok(plan) => commands.push(Command::SavePlan(Box::new(plan), None)),
                Err(message) => commands.push(Command::Status(message)),
            }
        }
        if ui.button("Open plan…").clicked() {
            commands.push(Command::OpenPlan(None));
        }
    });
    if let Some(result) = &panel.result {
        result_ui(ui, result);
        let footnote = panel.chart.as_ref().map_or("", |c| c.footnote.as_str());
        daily_ui(ui, result, &mut panel.daily_outcome, footnote, commands);
    }
    if let Some(chart) = &panel.chart {
        super::chart_ui::chart_ui(ui, "plan_chart", chart, 200.0, commands);
    }
    ui.separator();
    arms_ui(ui, panel, context, commands);
}

/// Per-segment levers: the list, and "give this segment the levers above".
fn segments_ui(ui: &mut egui::Ui, panel: &mut PlanPanel, context: &PlanContext) {
    let mut remove = None;
    for (i, segment) in panel.segment_levers.iter().enumerate() {
        ui.horizontal(|ui| {
            let mut conditions: Vec<String> = segment
                .conditions()
                .iter()
                .map(|d| format!("{}={}", d.column, d.value))
                .collect();
            conditions.dedup();
            ui.label(format!(
                "{}: {}",
                conditions.join(" and "),
                describe(context.schema, &segment.levers)
            ));
            if ui.small_button("remove").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        panel.segment_levers.remove(i);
    }
    if context.dimension_values.is_empty() {
        return;
    }
    if !context
        .dimension_values
        .iter()
        .any(|(d, _)| *d == panel.segment_column)
    {
        panel.segment_column = context.dimension_values[0].0.clone();
        panel.segment_value.clear();
    }
    let values: &[String] = context
        .dimension_values
        .iter()
        .find(|(d, _)| *d == panel.segment_column)
        .map_or(&[], |(_, v)| v.as_slice());
    if !values.contains(&panel.segment_value) {
        panel.segment_value = values.first().cloned().unwrap_or_default();
    }
    let mut give = false;
    ui.horizontal(|ui| {
        ui.label("Segment");
        egui::ComboBox::from_id_salt("plan-segment-dimension")
            .selected_text(&panel.segment_column)
            .show_ui(ui, |ui| {
                for (dimension, _) in context.dimension_values {
                    ui.selectable_value(&mut panel.segment_column, dimension.clone(), dimension);
                }
            });
        egui::ComboBox::from_id_salt("plan-segment-value")
            .selected_text(&panel.segment_value)
            .show_ui(ui, |ui| {
                for value in values {
                    ui.selectable_value(&mut panel.segment_value, value.clone(), value);
                }
            });
        give = ui.button("Give this segment the levers above").clicked();
    });
    if give {
        panel.give_segment(context.scenario.to_vec());
    }
}

fn costs_ui(ui: &mut egui::Ui, costs: &mut CostSettings) {
    ui.horizontal(|ui| {
        ui.label("Margin % / cost per message / fixed cost");
        margin_and_cost_fields(ui, costs);
    });
    ui.horizontal(|ui| {
        ui.label("Coupon redemption share");
        ui.add(
            egui::DragValue::new(&mut costs.redemption_share)
                .range(0.0..=1.0)
                .speed(0.01),
        );
        ui.checkbox(
            &mut costs.revenue_is_net_of_discount,
            "the data's revenue is net of discounts",
        );
    });
}

/// The margin %, cost per message and fixed cost, side by side: the plan's and the curve's.
pub fn margin_and_cost_fields(ui: &mut egui::Ui, costs: &mut CostSettings) {
    ui.add(
        egui::DragValue::new(&mut costs.margin_pct)
            .range(0.0..=100.0)
            .speed(0.5),
    );
    ui.add(
        egui::DragValue::new(&mut costs.cost_per_exposure)
            .range(0.0..=f64::MAX)
            .speed(0.001),
    );
    ui.add(amount_field(&mut costs.fixed_cost, 0.0, 10.0));
}

/// The costs a curve or the optimiser prices with, in a line: "margin 40%, 0.005 per message,
/// fixed 1,000".
pub fn costs_in_words(costs: &CostSettings) -> String {
    let per_message = if costs.cost_per_exposure == 0.0 {
        "nothing per message".to_owned()
    } else {
        format!("{} per message", costs.cost_per_exposure)
    };
    format!(
        "margin {}%, {per_message}, fixed {}",
        costs.margin_pct,
        crate::numbers::amount(costs.fixed_cost)
    )
}

/// A money amount or a count of messages: shown with its thousands grouped (46,000; cents
/// only when there are any), and typed with or without them.
pub fn amount_field(value: &mut f64, min: f64, speed: f64) -> egui::DragValue<'_> {
    egui::DragValue::new(value)
        .range(min..=f64::MAX)
        .speed(speed)
        .custom_formatter(|v, _| crate::numbers::amount(v))
        .custom_parser(crate::numbers::parse_grouped)
}

fn range(interval: &Interval, places: usize) -> String {
    format!(
        "{} to {}",
        signed(interval.low, places),
        signed(interval.high, places)
    )
}

fn result_ui(ui: &mut egui::Ui, result: &PlanForecast) {
    ui.label(format!(
        "Plan '{}': {} rows ({}); intervals from {} ensemble draws.",
        result.plan, result.rows, result.rule, result.draws_count
    ));
    egui::Grid::new("plan-outcomes")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for header in [
                "outcome",
                "with the plan",
                "baseline",
                "lift",
                "lift %",
                "80%",
                "95%",
            ] {
                ui.strong(header);
            }
            ui.end_row();
            for o in &result.outcomes {
                let places = decimals_for(o.scenario.max(o.baseline));
                ui.label(&o.outcome);
                ui.label(grouped(o.scenario, places));
                ui.label(grouped(o.baseline, places));
                ui.label(signed(o.lift, places));
                ui.label(format!("{:+.1}%", o.lift_pct));
                ui.label(range(&o.lift_80, places));
                ui.label(range(&o.lift_95, places));
                ui.end_row();
            }
        });
    money_ui(ui, &result.money);
    for warning in &result.warnings {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Warning: {warning}"));
    }
    breakdown_ui(ui, "Lift by segment", &result.by_segment, result, |_| {});
}

/// The money of a plan: each amount with its 80% and 95% intervals where the draws give one,
/// every amount with the decimals the largest warrants, then the ROI and the chance of a profit.
fn money_ui(ui: &mut egui::Ui, money: &MoneyOutlook) {
    let point = &money.point;
    let places = decimals_for_largest([
        point.incremental_revenue,
        point.campaign_cost,
        point.incremental_profit,
    ]);
    // A change is signed; a cost is an amount, so it is not.
    let change = |i: &Interval| range(i, places);
    let amount =
        |i: &Interval| format!("{} to {}", grouped(i.low, places), grouped(i.high, places));
    egui::Grid::new("plan-money")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for header in ["money", "expected", "80%", "95%"] {
                ui.strong(header);
            }
            ui.end_row();
            let mut line = |name: &str, value: String, bands: Option<(String, String)>| {
                ui.label(name);
                ui.label(value);
                let (band_80, band_95) = bands.unwrap_or_default();
                ui.label(band_80);
                ui.label(band_95);
                ui.end_row();
            };
            line(
                "incremental revenue",
                signed(point.incremental_revenue, places),
                Some((
                    change(&money.incremental_revenue_80),
                    change(&money.incremental_revenue_95),
                )),
            );
            line(
                "incremental margin",
                signed(point.incremental_margin, places),
                Some((
                    change(&money.incremental_margin_80),
                    change(&money.incremental_margin_95),
                )),
            );
            line("fixed cost", grouped(point.fixed_cost, places), None);
            line("message cost", grouped(point.exposure_cost, places), None);
            line(
                "discount given away",
                grouped(point.discount_value, places),
                None,
            );
            line(
                "campaign cost",
                grouped(point.campaign_cost, places),
                Some((
                    amount(&money.campaign_cost_80),
                    amount(&money.campaign_cost_95),
                )),
            );
            line(
                "incremental profit",
                signed(point.incremental_profit, places),
                Some((
                    change(&money.incremental_profit_80),
                    change(&money.incremental_profit_95),
                )),
            );
            let ratio = |i: &Interval| format!("{:.2} to {:.2}", i.low, i.high);
            match point.roi {
                Some(roi) => line(
                    "ROI (profit / cost)",
                    format!("{roi:.2}"),
                    money
                        .roi_80
                        .as_ref()
                        .zip(money.roi_95.as_ref())
                        .map(|(r80, r95)| (ratio(r80), ratio(r95))),
                ),
                None => line("ROI", "n/a (the campaign costs nothing)".into(), None),
            }
        });
    ui.strong(format!(
        "Probability of a profit: {:.0}%",
        money.probability_profit_positive * 100.0
    ));
}

/// A plan's lift per group (segment or day), each outcome's lift and lift %, folded away at
/// first with `more` drawn under the table; nothing when the plan has no such groups.
fn breakdown_ui(
    ui: &mut egui::Ui,
    title: &str,
    groups: &[Breakdown],
    result: &PlanForecast,
    more: impl FnOnce(&mut egui::Ui),
) {
    if groups.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(title)
        .id_salt(("plan-breakdown", title))
        .show(ui, |ui| {
            breakdown_grid(ui, title, groups, result);
            more(ui);
        });
}

/// The lift day by day, as a table and as a chart of one outcome (chosen here) with and
/// without the plan.
fn daily_ui(
    ui: &mut egui::Ui,
    result: &PlanForecast,
    outcome: &mut Option<String>,
    footnote: &str,
    commands: &mut Vec<Command>,
) {
    breakdown_ui(ui, "Lift by day", &result.by_day, result, |ui| {
        let names: Vec<&str> = result.outcomes.iter().map(|o| o.outcome.as_str()).collect();
        let chosen = match outcome.as_deref() {
            Some(name) if names.contains(&name) => name.to_owned(),
            _ => names.first().copied().unwrap_or_default().to_owned(),
        };
        ui.horizontal(|ui| {
            ui.label("Chart of");
            egui::ComboBox::from_id_salt("plan-daily-outcome")
                .selected_text(chosen.as_str())
                .show_ui(ui, |ui| {
                    for name in &names {
                        if ui.selectable_label(chosen == *name, *name).clicked() {
                            *outcome = Some((*name).to_owned());
                        }
                    }
                });
        });
        if let Some(chart) = plan_daily_chart(result, &chosen, footnote.to_owned()) {
            super::chart_ui::chart_ui(ui, "plan_daily_chart", &chart, 180.0, commands);
        }
    });
}

fn breakdown_grid(ui: &mut egui::Ui, title: &str, groups: &[Breakdown], result: &PlanForecast) {
    egui::Grid::new(("plan-breakdown-grid", title))
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            // One dimension (or the dates): its name heads the column.
            let by = groups.first().map(|g| g.by.as_str()).unwrap_or_default();
            let one_by = groups.iter().all(|g| g.by == by);
            ui.strong(if one_by { by } else { "group" });
            ui.strong("rows");
            for o in &result.outcomes {
                ui.strong(format!("{} lift", o.outcome));
            }
            ui.end_row();
            for group in groups {
                if one_by {
                    ui.label(&group.value);
                } else {
                    ui.label(format!("{}={}", group.by, group.value));
                }
                ui.label(grouped(group.rows as f64, 0));
                for o in &group.outcomes {
                    let places = decimals_for(o.scenario.max(o.baseline));
                    let pct = o
                        .lift_pct()
                        .map_or(String::new(), |pct| format!(" ({pct:+.1}%)"));
                    ui.label(format!("{}{pct}", signed(o.lift, places)));
                }
                ui.end_row();
            }
        });
}

/// The saved scenarios as arms of the plan: compared side by side, and the next test.
fn arms_ui(
    ui: &mut egui::Ui,
    panel: &mut PlanPanel,
    context: &PlanContext,
    commands: &mut Vec<Command>,
) {
    ui.heading("Saved scenarios as plans: compare, test next");
    ui.label(
        "Each saved scenario runs as this plan's levers. Compare shows which is best and how \
         sure that is (the same ensemble member scores every plan, so shared error cancels). \
         Suggest gives each the share of the next test's traffic equal to its chance of being \
         the best (Thompson sampling), so the ones the model is unsure about keep being tested.",
    );
    let mut asked = None;
    ui.horizontal(|ui| {
        ui.label("Judge on");
        egui::ComboBox::from_id_salt("suggest-metric")
            .selected_text(&panel.suggest_metric)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.suggest_metric, "profit".into(), "profit");
                for outcome in &context.schema.outcomes {
                    ui.selectable_value(
                        &mut panel.suggest_metric,
                        outcome.column.clone(),
                        format!("{} lift", outcome.column),
                    );
                }
            });
        let ready = context.saved.len() >= 2;
        let why = "Save at least two scenarios above: they are the plans compared";
        if ui
            .add_enabled(ready, egui::Button::new("Compare as plans"))
            .on_disabled_hover_text(why)
            .clicked()
        {
            asked = Some(false);
        }
        if ui
            .add_enabled(ready, egui::Button::new("Suggest the next test"))
            .on_disabled_hover_text(why)
            .clicked()
        {
            asked = Some(true);
        }
    });
    if let Some(suggest) = asked {
        match panel.plan(context.schema, context.audience.clone()) {
            Ok(plan) => {
                let request = Box::new(ArmsRequest {
                    plan,
                    arms: context
                        .saved
                        .iter()
                        .map(|s| (s.name.clone(), s.settings.clone()))
                        .collect(),
                    metric: panel.suggest_metric.clone(),
                    population: panel.population.clone(),
                });
                commands.push(if suggest {
                    Command::Suggest(request)
                } else {
                    Command::ComparePlans(request)
                });
            }
            Err(message) => commands.push(Command::Status(message)),
        }
    }
    if let Some((comparison, chart)) = &panel.comparison {
        comparison_ui(ui, comparison);
        super::chart_ui::chart_ui(ui, "plan_comparison", chart, 200.0, commands);
    }
    if let Some(suggestion) = &panel.suggestion {
        egui::Grid::new("suggestion")
            .striped(true)
            .spacing([14.0, 4.0])
            .show(ui, |ui| {
                ui.strong("arm");
                ui.strong("expected");
                ui.strong("traffic share");
                ui.end_row();
                for arm in &suggestion.arms {
                    ui.label(&arm.arm);
                    ui.label(grouped(arm.mean, decimals_for(arm.mean)));
                    ui.label(format!("{:.1}%", arm.share * 100.0));
                    ui.end_row();
                }
            });
        ui.label(format!(
            "Stopping now means '{}', with an expected regret of {}.",
            suggestion.exploit,
            grouped(
                suggestion.expected_regret,
                decimals_for(suggestion.expected_regret)
            )
        ));
    }
}

/// Plans down: value, 95% interval, chance of being the best, and of beating each other.
fn comparison_ui(ui: &mut egui::Ui, comparison: &Comparison) {
    egui::Grid::new("plan-comparison")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for header in ["plan", &comparison.metric, "95%", "P(best)", "beats"] {
                ui.strong(header);
            }
            ui.end_row();
            for (i, plan) in comparison.plans.iter().enumerate() {
                let places = decimals_for(plan.value);
                ui.label(&plan.plan);
                ui.label(grouped(plan.value, places));
                ui.label(range(&plan.interval_95, places));
                ui.label(format!("{:.0}%", plan.probability_best * 100.0));
                let beats: Vec<String> = comparison
                    .plans
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(j, other)| {
                        let p = comparison.beats[i].get(j).copied().unwrap_or(f64::NAN);
                        format!("{} {:.0}%", other.plan, p * 100.0)
                    })
                    .collect();
                ui.label(beats.join(", "));
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::schema::{LeverField, LeverKind};

    #[test]
    fn costs_read_as_a_line() {
        let costs = CostSettings {
            margin_pct: 35.0,
            cost_per_exposure: 0.005,
            fixed_cost: 12_500.0,
            ..CostSettings::default()
        };
        assert_eq!(
            costs_in_words(&costs),
            "margin 35%, 0.005 per message, fixed 12,500"
        );
        let free = CostSettings {
            fixed_cost: 99.5,
            cost_per_exposure: 0.0,
            ..costs
        };
        assert_eq!(
            costs_in_words(&free),
            "margin 35%, nothing per message, fixed 99.50"
        );
    }

    fn schema() -> Schema {
        Schema {
            source: "shop.csv".into(),
            rows: 10,
            time: None,
            dimensions: vec!["segment".into()],
            levers: vec![LeverField {
                column: "discount_pct".into(),
                kind: LeverKind::Numeric {
                    min: 0.0,
                    max: 30.0,
                },
                baseline: "0".into(),
                varies: true,
                offers_seen: None,
            }],
            covariates: Vec::new(),
            exposure: None,
            outcomes: Vec::new(),
        }
    }

    fn set(value: &str) -> Vec<LeverSetting> {
        vec![LeverSetting {
            lever: "discount_pct".into(),
            value: value.into(),
        }]
    }

    #[test]
    fn a_segment_given_levers_twice_keeps_the_newest() {
        let mut panel = PlanPanel {
            segment_column: "segment".into(),
            segment_value: "vip".into(),
            ..PlanPanel::default()
        };
        panel.give_segment(set("10"));
        panel.give_segment(set("20"));
        assert_eq!(panel.segment_levers.len(), 1);
        assert_eq!(panel.segment_levers[0].levers, set("20"));
        let plan = panel.plan(&schema(), Vec::new()).unwrap();
        assert_eq!(plan.segment_levers, panel.segment_levers);
        assert_eq!(describe(&schema(), &set("0")), "no campaign");
        assert_eq!(describe(&schema(), &set("20")), "discount_pct=20");
    }
}
