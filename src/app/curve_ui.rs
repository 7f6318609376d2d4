//! The response-curve panel of the Scenarios step: sweep one numeric lever (the other levers as
//! set above), priced with the planner's costs; the lift of an outcome with its 80% band and the
//! incremental profit are drawn, the data's observed range and the most profitable value marked.
//! The sweep runs on a worker through `jobs`.

use eframe::egui;

use super::Command;
use crate::data::schema::{LeverKind, Schema};
use crate::export::Chart;
use crate::export::figures::{MoneyView, OutcomeView, curve_money_chart, curve_outcome_chart};
use crate::model::LeverSetting;
use crate::numbers::grouped;
use crate::scenario::costs::CostSettings;
use crate::scenario::curve::{Curve, OFF_PART, THRESHOLD_PART};

/// Points a curve may have (the core allows up to 201; more only slows the panel down).
const MAX_STEPS: usize = 41;

/// What the worker needs to draw a curve.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveRequest {
    pub lever: String,
    pub from: f64,
    pub to: f64,
    pub steps: usize,
    /// The other levers, as the scenario above sets them.
    pub fixed: Vec<LeverSetting>,
    pub costs: CostSettings,
    /// Which rows the curve sweeps, in words (those chosen above: "over the 7 days after the
    /// data"); it comes back with the curve.
    pub swept: String,
}

/// The panel's settings and its last curve.
#[derive(Clone, Debug)]
pub struct CurvePanel {
    pub lever: Option<String>,
    pub from: f64,
    pub to: f64,
    pub steps: usize,
    /// The outcome drawn, as its lift or its total, and the money drawn.
    pub outcome: Option<String>,
    pub outcome_view: OutcomeView,
    pub money_view: MoneyView,
    pub result: Option<Curve>,
    /// The model and data the curve came from, for its charts' footnote.
    pub footnote: String,
    /// Which rows the drawn curve swept, in words.
    pub swept: String,
}

impl Default for CurvePanel {
    fn default() -> Self {
        Self {
            lever: None,
            from: 0.0,
            to: 0.0,
            steps: 11,
            outcome: None,
            outcome_view: OutcomeView::default(),
            money_view: MoneyView::default(),
            result: None,
            footnote: String::new(),
            swept: String::new(),
        }
    }
}

impl CurvePanel {
    /// Picks the first numeric lever and its observed range, when none is chosen yet.
    fn choose_defaults(&mut self, schema: &Schema) {
        if self.lever.is_some() {
            return;
        }
        if let Some((lever, min, max)) = sweepable(schema).first() {
            self.lever = Some(lever.clone());
            self.from = *min;
            self.to = *max;
        }
        self.outcome = schema.outcomes.first().map(|o| o.column.clone());
    }
}

/// What a curve can sweep, with the range the data covered: each numeric lever, and the
/// amount off and spend threshold of each coupon lever whose data had 满减 coupons (the other
/// part held at the coupon set above).
fn sweepable(schema: &Schema) -> Vec<(String, f64, f64)> {
    let mut levers = Vec::new();
    for lever in &schema.levers {
        match (&lever.kind, &lever.offers_seen) {
            (LeverKind::Numeric { min, max }, _) => {
                levers.push((lever.column.clone(), *min, *max));
            }
            (LeverKind::Offer, Some(seen)) => {
                for (part, range) in [
                    (OFF_PART, seen.amount_off),
                    (THRESHOLD_PART, seen.threshold),
                ] {
                    if let (Some((min, max)), Some(_)) = (range, seen.threshold) {
                        levers.push((format!("{}:{part}", lever.column), min, max));
                    }
                }
            }
            _ => {}
        }
    }
    levers
}

pub fn curve_ui(
    ui: &mut egui::Ui,
    panel: &mut CurvePanel,
    schema: &Schema,
    (scenario, rows): (&[LeverSetting], &str),
    costs: &CostSettings,
    commands: &mut Vec<Command>,
) {
    ui.heading("Response curve");
    panel.choose_defaults(schema);
    let levers = sweepable(schema);
    if levers.is_empty() {
        ui.label(
            "No numeric lever to sweep: curves need a number (discount %, coupon value, duration).",
        );
        return;
    }
    ui.label(
        "Sweep one number, the other levers as set above, for the audience and dates chosen \
         above (a coupon's amount off or threshold holds its other part from the coupon set \
         above). Profit = margin on the extra list-price revenue − (fixed + per-message costs + \
         the discount given away).",
    );
    let views = (panel.outcome.clone(), panel.outcome_view, panel.money_view);
    egui::Grid::new("curve_settings")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            ui.label("Lever");
            let selected = panel.lever.clone().unwrap_or_default();
            egui::ComboBox::from_id_salt("curve_lever")
                .selected_text(selected.as_str())
                .show_ui(ui, |ui| {
                    for (lever, min, max) in &levers {
                        if ui.selectable_label(selected == *lever, lever).clicked() {
                            panel.lever = Some(lever.clone());
                            panel.from = *min;
                            panel.to = *max;
                        }
                    }
                });
            ui.end_row();
            ui.label("From / to / points");
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut panel.from).speed(0.5));
                ui.add(egui::DragValue::new(&mut panel.to).speed(0.5));
                ui.add(egui::DragValue::new(&mut panel.steps).range(2..=MAX_STEPS));
            });
            ui.end_row();
            ui.label("Chart");
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("curve_outcome_view")
                    .selected_text(outcome_view_text(panel.outcome_view))
                    .width(70.0)
                    .show_ui(ui, |ui| {
                        for view in [OutcomeView::Lift, OutcomeView::Total] {
                            ui.selectable_value(
                                &mut panel.outcome_view,
                                view,
                                outcome_view_text(view),
                            );
                        }
                    });
                let outcome = panel.outcome.clone().unwrap_or_default();
                egui::ComboBox::from_id_salt("curve_outcome")
                    .selected_text(outcome.as_str())
                    .show_ui(ui, |ui| {
                        for field in &schema.outcomes {
                            if ui
                                .selectable_label(outcome == field.column, &field.column)
                                .clicked()
                            {
                                panel.outcome = Some(field.column.clone());
                            }
                        }
                    });
                ui.label("and");
                egui::ComboBox::from_id_salt("curve_money_view")
                    .selected_text(money_view_text(panel.money_view))
                    .width(140.0)
                    .show_ui(ui, |ui| {
                        for view in [MoneyView::Profit, MoneyView::Roi] {
                            ui.selectable_value(&mut panel.money_view, view, money_view_text(view));
                        }
                    });
            });
            ui.end_row();
            ui.label("Costs");
            ui.label(format!(
                "the plan's above: {}",
                super::plan_ui::costs_in_words(costs)
            ));
            ui.end_row();
        });
    if ui.button("Draw curve").clicked()
        && let Some(lever) = panel.lever.clone()
    {
        commands.push(Command::Curve(CurveRequest {
            lever,
            from: panel.from,
            to: panel.to,
            steps: panel.steps.clamp(2, MAX_STEPS),
            fixed: scenario.to_vec(),
            costs: costs.clone(),
            swept: rows.to_owned(),
        }));
    }
    if let Some(curve) = &panel.result {
        // The chart redrawn in another view is the one Ctrl+E exports: the money chart (the
        // last) when its view changed, the outcome's otherwise.
        let (outcome, outcome_view, money_view) = views;
        let money_changed = money_view != panel.money_view;
        if money_changed || (outcome, outcome_view) != (panel.outcome.clone(), panel.outcome_view) {
            let charts = curve_charts(curve, panel);
            let redrawn = if money_changed {
                charts.last()
            } else {
                charts.first()
            };
            if let Some(chart) = redrawn {
                commands.push(Command::ShowChart(Box::new(chart.clone())));
            }
        }
        curve_plots(ui, curve, panel, commands);
    }
}

fn outcome_view_text(view: OutcomeView) -> &'static str {
    match view {
        OutcomeView::Lift => "lift in",
        OutcomeView::Total => "total of",
    }
}

fn money_view_text(view: MoneyView) -> &'static str {
    match view {
        MoneyView::Profit => "incremental profit",
        MoneyView::Roi => "ROI",
    }
}

fn curve_plots(ui: &mut egui::Ui, curve: &Curve, panel: &CurvePanel, commands: &mut Vec<Command>) {
    for chart in curve_charts(curve, panel) {
        ui.add_space(6.0);
        super::chart_ui::chart_ui(ui, &chart.title.clone(), &chart, 200.0, commands);
    }
    if let Some(note) = curve.coverage_note() {
        ui.colored_label(ui.visuals().warn_fg_color, note);
    }
    if let Some(best) = curve.profit_maximising_value
        && let Some(point) = curve.points.iter().find(|p| p.value == best)
        && let Some(money) = &point.money
    {
        let roi = match (money.roi, &money.roi_80) {
            (Some(roi), Some(band)) => {
                format!("ROI {roi:.2}, 80% {:.2} to {:.2}", band.low, band.high)
            }
            (Some(roi), None) => format!("ROI {roi:.2}"),
            (None, _) => "no cost".into(),
        };
        ui.strong(format!(
            "Most profitable: {} = {} (incremental profit {}, 80% {} to {}; {roi}) {}",
            curve.axis_name(),
            best,
            grouped(money.incremental_profit, 0),
            grouped(money.incremental_profit_80.low, 0),
            grouped(money.incremental_profit_80.high, 0),
            panel.swept
        ));
        if !point.observed {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "That value lies outside the range seen in the data: the model extrapolates there.",
            );
        }
    }
}

/// The chosen outcome's chart and the money chart (when priced) of `curve`, as the panel's
/// choices draw and export them.
pub fn curve_charts(curve: &Curve, panel: &CurvePanel) -> Vec<Chart> {
    let footnote = &panel.footnote;
    let outcome = panel
        .outcome
        .as_deref()
        .and_then(|name| curve_outcome_chart(curve, name, panel.outcome_view, footnote.clone()));
    let money = curve_money_chart(curve, panel.money_view, footnote.clone());
    outcome.into_iter().chain(money).collect()
}
