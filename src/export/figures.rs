//! The charts of a forecast and a response curve, built from the core's numbers. The screen and
//! the exported files both draw these.

use super::chart::{Bar, BarPanel, Chart, ChartBody, Series, XyPlot};
use crate::model::ModelMeta;
use crate::model::forecast::{Forecast, OutcomeForecast};
use crate::scenario::compare::Comparison;
use crate::scenario::curve::{Curve, CurveOutcome};
use crate::scenario::evaluate::{OutcomeLift, PlanForecast};

/// The training data's file name, without its folder.
pub fn data_file_name(meta: &ModelMeta) -> String {
    std::path::Path::new(&meta.data_file)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| meta.data_file.clone())
}

/// "Data: FILE · model trained on DEVICE, N epochs · made DATE by Liftcast VERSION".
pub fn footnote(meta: &ModelMeta) -> String {
    let data = data_file_name(meta);
    format!(
        "Data: {data} · model: {}-member ensemble, {} epochs, {} · made {} by Liftcast {}",
        meta.config.members,
        meta.epochs_run,
        meta.device_short(),
        chrono::Local::now().format("%Y-%m-%d"),
        env!("CARGO_PKG_VERSION")
    )
}

/// One outcome of a forecast, as the lift chart needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiftRow {
    pub outcome: String,
    pub baseline: f64,
    pub baseline_80: Option<(f64, f64)>,
    pub scenario: f64,
    pub scenario_80: (f64, f64),
    pub lift: f64,
    pub lift_pct: f64,
    pub lift_80: (f64, f64),
}

impl From<&OutcomeForecast> for LiftRow {
    fn from(o: &OutcomeForecast) -> Self {
        Self {
            outcome: o.outcome.clone(),
            baseline: o.baseline_total,
            baseline_80: Some((o.baseline_low, o.baseline_high)),
            scenario: o.scenario_total,
            scenario_80: (o.scenario_low, o.scenario_high),
            lift: o.lift,
            lift_pct: o.lift_pct,
            lift_80: (o.lift_low, o.lift_high),
        }
    }
}

impl From<&OutcomeLift> for LiftRow {
    fn from(o: &OutcomeLift) -> Self {
        Self {
            outcome: o.outcome.clone(),
            baseline: o.baseline,
            // A plan's baseline is the ensemble's expected total; its spread is not kept.
            baseline_80: None,
            scenario: o.scenario,
            scenario_80: (o.scenario_80.low, o.scenario_80.high),
            lift: o.lift,
            lift_pct: o.lift_pct,
            lift_80: (o.lift_80.low, o.lift_80.high),
        }
    }
}

/// The lift chart of a forecast of the population.
pub fn forecast_lift_chart(forecast: &Forecast, scenario_name: &str, footnote: String) -> Chart {
    let rows: Vec<LiftRow> = forecast.outcomes.iter().map(LiftRow::from).collect();
    let note = (forecast.cold_start_rows > 0).then(|| {
        format!(
            "{} rows are cold start (unseen segments): less certain.",
            forecast.cold_start_rows
        )
    });
    lift_chart(&rows, scenario_name, note, footnote)
}

/// The lift chart of a plan's forecast, its first warning beside the legend.
pub fn plan_lift_chart(forecast: &PlanForecast, footnote: String) -> Chart {
    let rows: Vec<LiftRow> = forecast.outcomes.iter().map(LiftRow::from).collect();
    let note = match forecast.warnings.len() {
        0 => None,
        1 => Some(forecast.warnings[0].clone()),
        n => Some(format!(
            "{} (and {} more warnings)",
            forecast.warnings[0],
            n - 1
        )),
    };
    lift_chart(&rows, &forecast.plan, note, footnote)
}

/// One outcome of a plan day by day: the total with the plan and without it, so the gap is each
/// day's lift; `None` without days (unit data) or without that outcome.
pub fn plan_daily_chart(forecast: &PlanForecast, outcome: &str, footnote: String) -> Option<Chart> {
    let first = forecast.by_day.first()?;
    // The days come sorted by date, one group each: day 1 is the plan's first.
    let totals: Vec<(f64, f64, f64)> = forecast
        .by_day
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let o = day.outcomes.iter().find(|o| o.outcome == outcome)?;
            Some((i as f64 + 1.0, o.scenario, o.baseline))
        })
        .collect::<Option<_>>()?;
    let mut plot = XyPlot::new(
        format!("day of the plan (day 1: {})", first.value),
        format!("{outcome} per day"),
    );
    plot.series.push(Series::line(
        "with the plan",
        totals.iter().map(|&(x, with, _)| [x, with]).collect(),
    ));
    plot.series.push(Series::line(
        "no campaign",
        totals.iter().map(|&(x, _, without)| [x, without]).collect(),
    ));
    Some(Chart {
        title: format!("{outcome} per day: {} against no campaign", forecast.plan),
        how_to_read: "The gap between the lines is each day's expected lift; both are forecasts \
                      (the plan's intervals are for its totals)."
            .into(),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

/// Plans side by side on one metric: each plan's value with its 95% interval, the likeliest
/// best in the accent colour, and each plan's chance of being the best over the bars.
pub fn comparison_chart(comparison: &Comparison, footnote: String) -> Chart {
    let best = comparison
        .plans
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.probability_best.total_cmp(&b.1.probability_best))
        .map(|(i, _)| i);
    let what = if comparison.metric == "profit" {
        "incremental profit".to_owned()
    } else {
        format!("lift in {}", comparison.metric)
    };
    let chances: Vec<String> = comparison
        .plans
        .iter()
        .map(|p| format!("{} {:.0}%", p.plan, p.probability_best * 100.0))
        .collect();
    Chart {
        title: format!("Plans compared: {what}"),
        how_to_read: "Bars: expected value; whiskers: 95% intervals; blue: the plan most often \
                      best across the ensemble's paired draws."
            .into(),
        footnote,
        body: ChartBody::Bars(vec![BarPanel {
            title: what.clone(),
            subtitle: format!("chance of being the best: {}", chances.join(", ")),
            y_label: what,
            bars: comparison
                .plans
                .iter()
                .enumerate()
                .map(|(i, p)| Bar {
                    label: p.plan.clone(),
                    value: p.value,
                    interval: Some((p.interval_95.low, p.interval_95.high)),
                    accent: Some(i) == best,
                })
                .collect(),
        }]),
    }
}

/// Scenario beside baseline for each outcome, each panel on its own scale, with the 80%
/// intervals as whiskers and the lift under the panel's title.
pub fn lift_chart(
    rows: &[LiftRow],
    scenario_name: &str,
    note: Option<String>,
    footnote: String,
) -> Chart {
    let panels = rows
        .iter()
        .map(|row| BarPanel {
            title: format!("{}: {}", row.outcome, percent(row.lift_pct)),
            subtitle: format!(
                "lift {} (80%: {} to {})",
                signed(row.lift),
                signed(row.lift_80.0),
                signed(row.lift_80.1)
            ),
            y_label: format!("{} (total)", row.outcome),
            bars: vec![
                Bar {
                    label: "no campaign".into(),
                    value: row.baseline,
                    interval: row.baseline_80,
                    accent: false,
                },
                Bar {
                    // The title names the scenario; a long name would not fit under a bar.
                    label: "with the campaign".into(),
                    value: row.scenario,
                    interval: Some(row.scenario_80),
                    accent: true,
                },
            ],
        })
        .collect();
    let note = note.map(|n| format!(" {n}")).unwrap_or_default();
    Chart {
        title: format!("Predicted totals: {scenario_name} against no campaign"),
        how_to_read: format!(
            "Grey: without the campaign; blue: with it. Whiskers: 80% intervals.{note}"
        ),
        footnote,
        body: ChartBody::Bars(panels),
    }
}

fn percent(value: f64) -> String {
    if value.is_finite() {
        format!("{value:+.1}%")
    } else {
        "lift % undefined (no baseline)".into()
    }
}

/// A signed number, compact: +1.7M, +35k, +12.5.
fn signed(value: f64) -> String {
    let text = super::chart::compact_number(value);
    if value >= 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// The stretch the data covered (shaded) and the most profitable value (marked).
fn curve_marks(plot: &mut XyPlot, curve: &Curve) {
    plot.zero_line = true;
    plot.shaded_x = curve
        .observed_range
        .map(|(min, max)| (min, max, "range seen in the data".into()));
    if let Some(best) = curve.profit_maximising_value {
        plot.vlines.push((best, format!("most profitable: {best}")));
    }
}

/// What a curve's outcome chart draws along the swept lever.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutcomeView {
    /// The change against no campaign (the default: what the lever buys).
    #[default]
    Lift,
    /// The total with the campaign.
    Total,
}

/// What a curve's money chart draws along the swept lever.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MoneyView {
    /// Incremental profit after every campaign cost.
    #[default]
    Profit,
    /// Incremental profit per unit of campaign cost.
    Roi,
}

/// One outcome along the swept lever, its lift or its total, with its 80% band; `None` when
/// the curve has no such outcome.
pub fn curve_outcome_chart(
    curve: &Curve,
    outcome: &str,
    view: OutcomeView,
    footnote: String,
) -> Option<Chart> {
    let index = curve
        .points
        .first()?
        .outcomes
        .iter()
        .position(|o| o.outcome == outcome)?;
    let at = |p: &crate::scenario::curve::CurvePoint| p.outcomes.get(index).cloned();
    let [line, low, high]: [fn(&CurveOutcome) -> f64; 3] = match view {
        OutcomeView::Lift => [|o| o.lift, |o| o.lift_low, |o| o.lift_high],
        OutcomeView::Total => [
            |o| o.scenario_total,
            |o| o.scenario_low,
            |o| o.scenario_high,
        ],
    };
    let points = curve
        .points
        .iter()
        .filter_map(|p| at(p).map(|o| [p.value, line(&o)]))
        .collect();
    let band = curve
        .points
        .iter()
        .filter_map(|p| at(p).map(|o| [p.value, low(&o), high(&o)]))
        .collect();
    let (y_label, name, title, how_to_read) = match view {
        OutcomeView::Lift => (
            format!("lift in {outcome} (total)"),
            format!("{outcome} lift"),
            format!("Lift in {outcome} as {} varies", curve.axis_name()),
            "Line: expected lift over no campaign; band: 80% interval; shaded: the range seen \
             in the data (outside it the model extrapolates).",
        ),
        OutcomeView::Total => (
            format!("{outcome} (total)"),
            format!("{outcome} with the campaign"),
            format!("{outcome} as {} varies", curve.axis_name()),
            "Line: expected total with the campaign; band: 80% interval (the model's spread \
             and the outcome's own noise); shaded: the range seen in the data.",
        ),
    };
    let mut plot = XyPlot::new(curve.axis_name(), y_label);
    plot.series
        .push(Series::line(name, points).with_band("80% band", band));
    curve_marks(&mut plot, curve);
    Some(Chart {
        title,
        how_to_read: how_to_read.into(),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

/// Incremental profit or ROI along the swept lever, with its 80% band; `None` for a curve
/// drawn without costs, or an ROI curve whose campaign costs nothing.
pub fn curve_money_chart(curve: &Curve, view: MoneyView, footnote: String) -> Option<Chart> {
    // Each priced point's value and band; for ROI, only where the campaign costs something.
    let priced: Vec<[f64; 4]> = curve
        .points
        .iter()
        .filter_map(|p| {
            let m = p.money.as_ref()?;
            match view {
                MoneyView::Profit => Some([
                    p.value,
                    m.incremental_profit,
                    m.incremental_profit_80.low,
                    m.incremental_profit_80.high,
                ]),
                MoneyView::Roi => {
                    let band = m.roi_80.as_ref()?;
                    Some([p.value, m.roi?, band.low, band.high])
                }
            }
        })
        .collect();
    if priced.is_empty() {
        return None;
    }
    let points = priced.iter().map(|[x, y, _, _]| [*x, *y]).collect();
    let band = priced.iter().map(|[x, _, lo, hi]| [*x, *lo, *hi]).collect();
    let (y_label, title, how_to_read) = match view {
        MoneyView::Profit => (
            "incremental profit",
            format!("Incremental profit as {} varies", curve.axis_name()),
            "Line: expected profit over no campaign after every campaign cost; band: 80% \
             interval; the mark: the most profitable value swept.",
        ),
        MoneyView::Roi => (
            "ROI (profit per unit of cost)",
            format!("ROI as {} varies", curve.axis_name()),
            "Line: expected incremental profit per unit of campaign cost (0: the campaign pays \
             for itself, no more); band: 80% interval; the mark: the most profitable value \
             swept, which need not have the highest ROI.",
        ),
    };
    let mut plot = XyPlot::new(curve.axis_name(), y_label);
    plot.series
        .push(Series::line(y_label, points).with_band("80% band", band));
    curve_marks(&mut plot, curve);
    Some(Chart {
        title,
        how_to_read: how_to_read.into(),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compare::ComparedPlan;
    use crate::scenario::draws::Interval;

    fn plan(name: &str, value: f64, best: f64) -> ComparedPlan {
        ComparedPlan {
            plan: name.into(),
            value,
            interval_95: Interval {
                level: 0.95,
                low: value - 10.0,
                high: value + 10.0,
            },
            probability_best: best,
        }
    }

    #[test]
    fn the_comparison_chart_accents_the_likeliest_best_plan() {
        let comparison = Comparison {
            metric: "orders".into(),
            plans: vec![plan("a", 50.0, 0.2), plan("b", 40.0, 0.8)],
            beats: vec![vec![f64::NAN, 0.2], vec![0.8, f64::NAN]],
        };
        let chart = comparison_chart(&comparison, "shop.csv".into());
        assert_eq!(chart.title, "Plans compared: lift in orders");
        let ChartBody::Bars(panels) = &chart.body else {
            panic!("a bar chart");
        };
        let accented: Vec<&str> = panels[0]
            .bars
            .iter()
            .filter(|b| b.accent)
            .map(|b| b.label.as_str())
            .collect();
        assert_eq!(accented, ["b"]);
        assert_eq!(panels[0].bars[0].interval, Some((40.0, 60.0)));
        assert!(panels[0].subtitle.contains("a 20%, b 80%"));
    }
}
