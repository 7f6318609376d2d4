//! The charts of the holdout diagnostics, each with its one line on how to read it.

use super::chart::{Bar, BarPanel, Chart, ChartBody, Series, XyPlot};
use crate::diagnostics::holdout::OutcomeReport;

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
    let mut charts = vec![scatter_chart(report, footnote.to_owned())];
    charts.extend(over_time_chart(report, footnote.to_owned()));
    charts.extend(reliability_chart(report, footnote.to_owned()));
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
