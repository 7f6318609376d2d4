//! The charts of the holdout diagnostics, each with its one line on how to read it.

use super::chart::{Bar, BarPanel, Chart, ChartBody, Series, XyPlot};
use crate::diagnostics::backtest::{BacktestReport, OutcomeSummary};
use crate::diagnostics::dependence::LeverDependence;
use crate::diagnostics::holdout::{MetricRow, OutcomeReport};
use crate::diagnostics::importance::OutcomeImportance;

/// Predicted against actual for each held-out row (thinned), with the diagonal.
pub fn scatter_chart(report: &OutcomeReport, footnote: String) -> Chart {
    let mut plot = XyPlot::new(
        format!("actual {}", report.outcome),
        format!("predicted {}", report.outcome),
    );
    plot.diagonal = true;
    plot.series
        .push(Series::points("held-out rows", report.scatter.clone()));
    Chart {
        title: format!(
            "{}: predicted against actual on held-out rows",
            report.outcome
        ),
        how_to_read: "Each dot is a row the model never trained on; on the grey diagonal the \
                      prediction is exact, above it the model over-predicts."
            .into(),
        footnote,
        body: ChartBody::Xy(plot),
    }
}

/// Time data: actual and predicted totals per holdout date; `None` without dates.
pub fn over_time_chart(report: &OutcomeReport, footnote: String) -> Option<Chart> {
    let first = report.by_date.first()?.0;
    let day = |date: chrono::NaiveDate| (date - first).num_days() as f64;
    let mut plot = XyPlot::new(
        format!("days from {first}"),
        format!("{} per day", report.outcome),
    );
    plot.series.push(Series::line(
        "actual",
        report
            .by_date
            .iter()
            .map(|(d, y, _)| [day(*d), *y])
            .collect(),
    ));
    plot.series.push(Series::line(
        "predicted",
        report
            .by_date
            .iter()
            .map(|(d, _, p)| [day(*d), *p])
            .collect(),
    ));
    Some(Chart {
        title: format!(
            "{}: actual and predicted per day of the holdout",
            report.outcome
        ),
        how_to_read: "Where the lines part, the model misses that day's total; a steady gap is \
                      a bias, a gap that grows is drift."
            .into(),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

/// The largest error sources as their share of the total absolute error.
pub fn error_sources_chart(report: &OutcomeReport, footnote: String) -> Chart {
    let bars = report
        .error_sources
        .iter()
        .enumerate()
        .map(|(i, source)| Bar {
            label: format!(
                "{} ({:.0}% of rows)",
                source.source,
                source.row_share * 100.0
            ),
            value: source.share * 100.0,
            interval: None,
            accent: i == 0,
        })
        .collect();
    Chart {
        title: format!("{}: where the error comes from", report.outcome),
        how_to_read: "The groups whose share of the holdout's absolute error most exceeds their \
                      share of its rows (in the label); groups overlap."
            .into(),
        footnote,
        body: ChartBody::Bars(vec![BarPanel {
            title: "top error sources".into(),
            subtitle: format!("{} held-out rows", report.rows),
            y_label: "% of absolute error".into(),
            bars,
        }]),
    }
}

/// Binary outcomes: the observed rate against the predicted probability; `None` otherwise.
pub fn reliability_chart(report: &OutcomeReport, footnote: String) -> Option<Chart> {
    if report.reliability.is_empty() {
        return None;
    }
    let mut plot = XyPlot::new("predicted probability", "observed rate");
    plot.diagonal = true;
    plot.series.push(Series::line(
        "bins of equal size",
        report
            .reliability
            .iter()
            .map(|b| [b.predicted, b.observed])
            .collect(),
    ));
    Some(Chart {
        title: format!(
            "{}: reliability of the predicted probabilities",
            report.outcome
        ),
        how_to_read: "On the diagonal, a predicted 30% happens 30% of the time; below it the \
                      model is over-confident."
            .into(),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

/// Every chart of one outcome's diagnostics.
pub fn outcome_charts(report: &OutcomeReport, footnote: &str) -> Vec<Chart> {
    let mut charts = Vec::new();
    // A yes/no outcome's scatter is two columns of dots at 0 and 1: its reliability diagram
    // (below) is the reading that says something.
    if report.reliability.is_empty() {
        charts.push(scatter_chart(report, footnote.to_owned()));
    }
    charts.extend(over_time_chart(report, footnote.to_owned()));
    charts.extend(reliability_chart(report, footnote.to_owned()));
    charts.extend(pit_chart(report, footnote.to_owned()));
    if !report.error_sources.is_empty() {
        charts.push(error_sources_chart(report, footnote.to_owned()));
    }
    charts
}

/// Monitoring: actual against predicted per day of the newer data, with the 80% band; `None`
/// without dates.
pub fn monitor_chart(
    check: &crate::diagnostics::monitor::OutcomeCheck,
    footnote: String,
) -> Option<Chart> {
    let first = check.by_date.first()?.0;
    let day = |date: chrono::NaiveDate| (date - first).num_days() as f64;
    let mut plot = XyPlot::new(
        format!("days from {first}"),
        format!("{} per day", check.outcome),
    );
    plot.series.push(
        Series::line(
            "predicted",
            check
                .by_date
                .iter()
                .map(|(d, _, p, _, _)| [day(*d), *p])
                .collect(),
        )
        .with_band(
            "80% band",
            check
                .by_date
                .iter()
                .map(|(d, _, _, low, high)| [day(*d), *low, *high])
                .collect(),
        ),
    );
    plot.series.push(Series::points(
        "actual",
        check
            .by_date
            .iter()
            .map(|(d, y, _, _, _)| [day(*d), *y])
            .collect(),
    ));
    Some(Chart {
        title: format!("{}: the saved model on newer data", check.outcome),
        how_to_read: "Dots outside the band on many days mean the model no longer describes the \
                      data: compare with the shifts listed beside it."
            .into(),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

/// The Qini curve of an uplift report beside random targeting.
pub fn qini_chart(report: &crate::diagnostics::uplift::UpliftReport, footnote: String) -> Chart {
    let mut plot = XyPlot::new(
        "share of customers targeted, by predicted lift",
        format!("incremental {}", report.outcome),
    );
    let end = report.qini_curve.last().map(|p| p[1]).unwrap_or(0.0);
    plot.series.push(Series::line(
        "the model's ranking",
        report.qini_curve.clone(),
    ));
    plot.series.push(Series::line(
        "random targeting",
        vec![[0.0, 0.0], [1.0, end]],
    ));
    plot.zero_line = true;
    Chart {
        title: format!(
            "Qini: {} = {} against {} on {} (held-out rows)",
            report.lever, report.treatment, report.control, report.outcome
        ),
        how_to_read: format!(
            "Above the straight line, targeting by the model's predicted lift reaches more \
             responders than chance (Qini coefficient {:.5}).",
            report.qini_coefficient
        ),
        footnote,
        body: ChartBody::Xy(plot),
    }
}

/// Where held-out actuals fall in their predictive distributions; `None` without a histogram.
pub fn pit_chart(report: &OutcomeReport, footnote: String) -> Option<Chart> {
    if report.pit.is_empty() {
        return None;
    }
    let bins = report.pit.len();
    let bars = report
        .pit
        .iter()
        .enumerate()
        .map(|(i, density)| Bar {
            label: format!(
                "{:.1}–{:.1}",
                i as f64 / bins as f64,
                (i + 1) as f64 / bins as f64
            ),
            value: *density,
            interval: None,
            accent: false,
        })
        .collect();
    Some(Chart {
        title: format!("{}: PIT histogram of the held-out actuals", report.outcome),
        how_to_read: "Bars near 1 everywhere: the intervals fit. A U shape: too narrow; a hump: \
                      too wide; a slope: biased."
            .into(),
        footnote,
        body: ChartBody::Bars(vec![BarPanel {
            title: "probability integral transform".into(),
            subtitle: report.pit_reading.clone(),
            y_label: "density (1 = calibrated)".into(),
            bars,
        }]),
    })
}

/// Inputs shown in an importance chart at most.
const IMPORTANCE_BARS: usize = 10;

/// Permutation importance of one outcome's inputs, with ± one standard deviation.
pub fn importance_chart(importance: &OutcomeImportance, footnote: String) -> Chart {
    let scale = if importance.score.abs() > 0.0 {
        100.0 / importance.score.abs()
    } else {
        0.0
    };
    let bars = importance
        .inputs
        .iter()
        .take(IMPORTANCE_BARS)
        .map(|input| Bar {
            label: format!("{} ({})", input.column, input.role),
            value: input.increase * scale,
            interval: Some((
                (input.increase - input.spread) * scale,
                (input.increase + input.spread) * scale,
            )),
            accent: input.role == "lever",
        })
        .collect();
    Chart {
        title: format!("{}: which inputs the model leans on", importance.outcome),
        how_to_read: "How much worse the held-out score gets when one input is shuffled; levers \
                      in colour, whiskers ± one standard deviation over the shuffles."
            .into(),
        footnote,
        body: ChartBody::Bars(vec![BarPanel {
            title: "permutation importance".into(),
            subtitle: format!("{} as is: {:.4}", importance.metric, importance.score),
            y_label: format!("% increase of {}", importance.metric),
            bars,
        }]),
    }
}

/// Partial dependence of one outcome on one lever: the average with single rows behind it
/// (a line for a numeric lever, bars for named values); `None` when the lever has no such
/// outcome.
pub fn dependence_chart(lever: &LeverDependence, outcome: &str, footnote: String) -> Option<Chart> {
    let curves = lever.outcomes.iter().find(|o| o.outcome == outcome)?;
    let caveat = if lever.varied {
        ""
    } else {
        " The lever never varied in the data: this is the model's guess."
    };
    let title = format!("{outcome} by {}: partial dependence", lever.lever);
    if !lever.numeric {
        let bars = lever
            .values
            .iter()
            .zip(&curves.average)
            .enumerate()
            .map(|(i, (value, mean))| {
                let at: Vec<f64> = curves
                    .ice
                    .iter()
                    .filter_map(|c| c.get(i).copied())
                    .collect();
                let low = at.iter().copied().fold(f64::INFINITY, f64::min);
                let high = at.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Bar {
                    label: value.clone(),
                    value: *mean,
                    interval: (low.is_finite() && high.is_finite()).then_some((low, high)),
                    accent: i > 0,
                }
            })
            .collect();
        return Some(Chart {
            title,
            how_to_read: format!(
                "The mean prediction per row with the lever set to each value (no campaign \
                 first); whiskers span the single rows shown.{caveat}"
            ),
            footnote,
            body: ChartBody::Bars(vec![BarPanel {
                title: lever.lever.clone(),
                subtitle: String::new(),
                y_label: format!("{outcome} per row"),
                bars,
            }]),
        });
    }
    let mut plot = XyPlot::new(lever.lever.clone(), format!("{outcome} per row"));
    plot.shaded_x = lever
        .observed
        .map(|(min, max)| (min, max, "range seen in the data".into()));
    for curve in &curves.ice {
        plot.series.push(Series::faint(
            "single rows (ICE)",
            lever.x.iter().zip(curve).map(|(x, y)| [*x, *y]).collect(),
        ));
    }
    plot.series.push(Series::line(
        "average (partial dependence)",
        lever
            .x
            .iter()
            .zip(&curves.average)
            .map(|(x, y)| [*x, *y])
            .collect(),
    ));
    Some(Chart {
        title,
        how_to_read: format!(
            "The mean prediction per row as the lever moves, other inputs as they are; grey \
             lines are single rows, parallel when the effect is the same for all.{caveat}"
        ),
        footnote,
        body: ChartBody::Xy(plot),
    })
}

/// A backtest's main measure per fold for the model and the naive baselines.
pub fn backtest_chart(
    report: &BacktestReport,
    summary: &OutcomeSummary,
    footnote: String,
) -> Chart {
    let mut plot = XyPlot::new("fold", summary.metric.clone());
    let per_fold = |pick: &dyn Fn(&MetricRow) -> Option<f64>| -> Vec<[f64; 2]> {
        report
            .folds
            .iter()
            .enumerate()
            .filter_map(|(i, fold)| {
                let (_, rows) = fold.outcomes.iter().find(|(o, _)| *o == summary.outcome)?;
                Some([(i + 1) as f64, pick(rows.first()?)?])
            })
            .collect()
    };
    plot.series
        .push(Series::line("model", per_fold(&|r| Some(r.model))));
    plot.series.push(Series::line(
        "mean per lever value",
        per_fold(&|r| Some(r.naive_lever_mean)),
    ));
    if summary.seasonal_naive.is_some() {
        plot.series.push(Series::line(
            "same weekday last week",
            per_fold(&|r| r.seasonal_naive),
        ));
    }
    Chart {
        title: format!("{}: {} by backtest fold", summary.outcome, report.method),
        how_to_read: format!(
            "Each fold is scored by a model that never saw it; {} the model's line should sit \
             below the baselines'.",
            if report.window_dates.is_some() {
                "folds run forward in time, and"
            } else {
                ""
            }
        ),
        footnote,
        body: ChartBody::Xy(plot),
    }
}
