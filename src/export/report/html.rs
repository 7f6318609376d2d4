//! The report as one HTML page: inline CSS and SVG, no scripts, no network. The markup is also
//! well-formed XML (every element closed, text escaped), so the test parses it strictly.

use std::fmt::Write;

use super::ReportContent;
use crate::diagnostics::holdout::MetricRow;
use crate::export::chart::Chart;
use crate::export::diagnostic_charts::{
    backtest_chart, importance_chart, pit_chart, reliability_chart, scatter_chart,
};
use crate::export::figures::plan_lift_chart;
use crate::export::{ExportError, render_svg};
use crate::scenario::draws::Interval;

/// Inputs listed by rank in the importance table (levers are always listed).
const IMPORTANCE_TABLE_TOP: usize = 3;
/// Charts are drawn at a small slide size and scaled by the page.
const CHART_SIZE: (u32, u32) = (960, 540);

const STYLE: &str = "
body { font-family: 'Helvetica Neue', Arial, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC',
       'WenQuanYi Micro Hei', sans-serif;
       color: #222; max-width: 1100px; margin: 24px auto; padding: 0 16px; font-size: 14px; }
h1 { font-size: 22px; margin-bottom: 2px; }
h2 { font-size: 17px; border-bottom: 2px solid #1f77b4; padding-bottom: 3px; margin-top: 26px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
.meta { color: #666; font-size: 12px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 12.5px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f6fa; }
.verdict { margin: 4px 0; }
.bad { color: #b32020; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.charts figure { margin: 0; }
.charts svg { width: 100%; height: auto; border: 1px solid #eee; }
ul.warnings li { margin: 3px 0; }
footer { color: #777; font-size: 11px; margin-top: 24px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  section { break-inside: avoid-page; }
  figure { break-inside: avoid; }
}
@page { size: A4; margin: 12mm; }
";

/// Text made safe for HTML and XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a table: grouped thousands for large values, four significant digits below.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        crate::numbers::grouped(value, 0)
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

fn interval(interval: &Interval) -> String {
    format!("{} to {}", number(interval.low), number(interval.high))
}

/// The page.
pub fn render_html(content: &ReportContent) -> Result<String, ExportError> {
    let mut page = String::new();
    let title = escape(&content.title);
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>{title}</h1>\n<p class=\"meta\">Made {} by Liftcast {} · model on {}</p>\n\
         </header>\n",
        escape(&content.generated),
        env!("CARGO_PKG_VERSION"),
        escape(&content.model.device)
    );
    summary_section(&mut page, content);
    data_section(&mut page, content);
    model_section(&mut page, content);
    accuracy_section(&mut page, content)?;
    calibration_section(&mut page, content)?;
    importance_section(&mut page, content)?;
    plans_section(&mut page, content)?;
    warnings_section(&mut page, content);
    let _ = write!(
        page,
        "<footer>{}</footer>\n</body>\n</html>\n",
        escape(&content.footnote)
    );
    Ok(page)
}

fn open_section(page: &mut String, id: &str, heading: &str) {
    let _ = write!(
        page,
        "<section id=\"{id}\">\n<h2>{}</h2>\n",
        escape(heading)
    );
}

fn close_section(page: &mut String) {
    page.push_str("</section>\n");
}

/// Charts in a two-column grid, each an inline SVG under its caption.
fn charts(page: &mut String, charts: &[Chart]) -> Result<(), ExportError> {
    if charts.is_empty() {
        return Ok(());
    }
    page.push_str("<div class=\"charts\">\n");
    for chart in charts {
        let svg = render_svg(chart, CHART_SIZE)?;
        // The SVG is well-formed XML on its own; its declaration, if any, cannot sit mid-page.
        let svg = match svg.find("<svg") {
            Some(start) => &svg[start..],
            None => svg.as_str(),
        };
        // The chart carries its title and how-to-read line itself; the label is for screen
        // readers.
        let _ = write!(
            page,
            "<figure aria-label=\"{}\">\n{svg}\n</figure>\n",
            escape(&chart.title)
        );
    }
    page.push_str("</div>\n");
    Ok(())
}

fn table(page: &mut String, header: &[&str], rows: &[Vec<String>]) {
    page.push_str("<table>\n<tr>");
    for cell in header {
        let _ = write!(page, "<th>{}</th>", escape(cell));
    }
    page.push_str("</tr>\n");
    for row in rows {
        page.push_str("<tr>");
        for cell in row {
            let _ = write!(page, "<td>{}</td>", escape(cell));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table>\n");
}

/// The key sentences first: does the model beat the baselines, and what do the plans bring.
fn summary_section(page: &mut String, content: &ReportContent) {
    open_section(page, "summary", "Summary");
    for outcome in &content.holdout.outcomes {
        let good = outcome
            .scores
            .first()
            .is_some_and(MetricRow::beats_baselines);
        let _ = writeln!(
            page,
            "<p class=\"verdict{}\">{}</p>",
            if good { "" } else { " bad" },
            escape(&outcome.verdict)
        );
    }
    for plan in &content.plans {
        let profit = &plan.money.incremental_profit_95;
        let _ = writeln!(
            page,
            "<p class=\"verdict\">Plan {}: incremental profit {} (95% {}), probability of a profit {:.0}%.</p>",
            escape(&plan.plan),
            number(plan.money.point.incremental_profit),
            interval(profit),
            plan.money.probability_profit_positive * 100.0
        );
    }
    let _ = writeln!(
        page,
        "<p class=\"meta\">{}; see the last section.</p>",
        crate::numbers::counted(content.warnings.len(), "warning")
    );
    close_section(page);
}

fn data_section(page: &mut String, content: &ReportContent) {
    let data = &content.data;
    open_section(page, "data", "Data");
    let _ = writeln!(
        page,
        "<p>{}: {} rows, {} columns.</p>",
        escape(&data.file),
        number(data.rows as f64),
        data.columns
    );
    let rows: Vec<Vec<String>> = data
        .roles
        .iter()
        .map(|(role, columns)| vec![role.clone(), columns.clone()])
        .collect();
    table(page, &["role", "columns"], &rows);
    close_section(page);
}

fn model_section(page: &mut String, content: &ReportContent) {
    let model = &content.model;
    open_section(page, "model", "Model and device");
    let best: Vec<String> = model.best_epochs.iter().map(|e| e.to_string()).collect();
    let rows = vec![
        vec!["device".into(), model.device.clone()],
        vec![
            "ensemble".into(),
            format!("{} members, seed {}", model.members, model.seed),
        ],
        vec![
            "epochs".into(),
            format!(
                "{} run of at most {}{}; best per outcome {}",
                model.epochs_run,
                model.max_epochs,
                if model.cancelled { " (cancelled)" } else { "" },
                best.join(", ")
            ),
        ],
        vec!["encoded inputs".into(), model.inputs.to_string()],
        vec!["split".into(), model.split_rule.clone()],
    ];
    let rows = [vec![vec!["model".into(), model.family.clone()]], rows].concat();
    table(page, &["", ""], &rows);
    if !model.blend.is_empty() {
        let shown = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| format!("{v:.5}"));
        let blend_rows: Vec<Vec<String>> = model
            .blend
            .iter()
            .map(|b| {
                vec![
                    b.outcome.clone(),
                    b.metric.clone(),
                    shown(b.deep_score),
                    shown(b.trees_score),
                    shown(b.blend_score),
                    format!("{:.2}", b.deep_weight),
                ]
            })
            .collect();
        page.push_str(
            "<p>Validation score of each family and of the blend (lower is better); the \
             weights were chosen on these rows, never the holdout.</p>\n",
        );
        table(
            page,
            &["outcome", "score", "deep", "trees", "blend", "deep weight"],
            &blend_rows,
        );
    }
    close_section(page);
}

fn accuracy_section(page: &mut String, content: &ReportContent) -> Result<(), ExportError> {
    open_section(
        page,
        "accuracy",
        "Accuracy on held-out rows, beside naive baselines",
    );
    if content.holdout.outcomes.is_empty() {
        let _ = writeln!(page, "<p>{}</p>", escape(super::FINAL_FIT_NOTE));
        close_section(page);
        return Ok(());
    }
    let _ = writeln!(
        page,
        "<p class=\"meta\">Held out: {}. Baselines: the training mean per lever value, and for \
         time data the same weekday of the last week before the holdout.</p>",
        escape(&content.holdout.split_rule)
    );
    let mut figures = Vec::new();
    for outcome in &content.holdout.outcomes {
        let _ = writeln!(
            page,
            "<h3>{} ({} rows)</h3>",
            escape(&outcome.outcome),
            outcome.rows
        );
        let rows: Vec<Vec<String>> = outcome
            .scores
            .iter()
            .map(|s| {
                vec![
                    s.metric.clone(),
                    number(s.model),
                    number(s.naive_lever_mean),
                    s.seasonal_naive.map(number).unwrap_or_else(|| "–".into()),
                    if s.beats_baselines() { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        table(
            page,
            &[
                "measure",
                "model",
                "mean per lever value",
                "same weekday last week",
                "model beats both",
            ],
            &rows,
        );
        for note in &outcome.notes {
            let _ = writeln!(page, "<p class=\"meta\">{}</p>", escape(note));
        }
        figures.push(scatter_chart(outcome, content.footnote.clone()));
    }
    if let Some(backtest) = &content.backtest {
        let _ = writeln!(
            page,
            "<h3>Backtest: {} over {} folds</h3>",
            escape(&backtest.method),
            backtest.folds.len()
        );
        let rows: Vec<Vec<String>> = backtest
            .summary
            .iter()
            .map(|s| {
                vec![
                    s.outcome.clone(),
                    s.metric.clone(),
                    number(s.model),
                    number(s.naive_lever_mean),
                    s.seasonal_naive.map(number).unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        table(
            page,
            &[
                "outcome",
                "measure (mean over folds)",
                "model",
                "mean per lever value",
                "same weekday last week",
            ],
            &rows,
        );
        for summary in &backtest.summary {
            let _ = writeln!(
                page,
                "<p class=\"verdict\">{}</p>",
                escape(&summary.verdict)
            );
            figures.push(backtest_chart(backtest, summary, content.footnote.clone()));
        }
    }
    charts(page, &figures)?;
    close_section(page);
    Ok(())
}

fn calibration_section(page: &mut String, content: &ReportContent) -> Result<(), ExportError> {
    if content.holdout.outcomes.is_empty() {
        return Ok(());
    }
    open_section(page, "calibration", "Calibration and intervals");
    let rows: Vec<Vec<String>> = content
        .holdout
        .outcomes
        .iter()
        .map(|o| {
            let mut row = vec![o.outcome.clone()];
            for level in crate::model::intervals::LEVELS {
                let share = o
                    .coverage
                    .iter()
                    .find(|(l, _)| (l - level).abs() < 1e-9)
                    .map(|(_, s)| format!("{:.1}%", s * 100.0))
                    .unwrap_or_else(|| "–".into());
                row.push(share);
            }
            row.push(o.pit_reading.clone());
            row
        })
        .collect();
    table(
        page,
        &[
            "outcome",
            "inside 50% interval",
            "inside 80% interval",
            "inside 95% interval",
            "PIT histogram",
        ],
        &rows,
    );
    let mut figures = Vec::new();
    for outcome in &content.holdout.outcomes {
        figures.extend(reliability_chart(outcome, content.footnote.clone()));
        figures.extend(pit_chart(outcome, content.footnote.clone()));
    }
    charts(page, &figures)?;
    close_section(page);
    Ok(())
}

fn importance_section(page: &mut String, content: &ReportContent) -> Result<(), ExportError> {
    if content.importance.outcomes.is_empty() {
        return Ok(());
    }
    open_section(page, "importance", "What the model leans on");
    let _ = writeln!(
        page,
        "<p class=\"meta\">Permutation importance on {} held-out rows, {} shuffles per input.</p>",
        content.importance.rows, content.importance.repeats
    );
    // The top inputs and every lever, in numbers: a lever's bar can be too short to read
    // beside a dominant input.
    let mut rows = Vec::new();
    for outcome in &content.importance.outcomes {
        for (rank, input) in outcome.inputs.iter().enumerate() {
            if rank < IMPORTANCE_TABLE_TOP || input.role == "lever" {
                rows.push(vec![
                    outcome.outcome.clone(),
                    (rank + 1).to_string(),
                    format!("{} ({})", input.column, input.role),
                    format!("{} ± {}", number(input.increase), number(input.spread)),
                    format!("{:+.1}%", input.relative * 100.0),
                ]);
            }
        }
    }
    table(
        page,
        &[
            "outcome",
            "rank",
            "input",
            "increase of the measure ± sd",
            "relative",
        ],
        &rows,
    );
    let figures: Vec<Chart> = content
        .importance
        .outcomes
        .iter()
        .map(|o| importance_chart(o, content.footnote.clone()))
        .collect();
    charts(page, &figures)?;
    close_section(page);
    Ok(())
}

fn plans_section(page: &mut String, content: &ReportContent) -> Result<(), ExportError> {
    open_section(page, "plans", "Plans: lift, cost and ROI");
    if content.plans.is_empty() {
        page.push_str("<p>No plans were saved.</p>\n");
        close_section(page);
        return Ok(());
    }
    let mut lift_rows = Vec::new();
    let mut money_rows = Vec::new();
    for plan in &content.plans {
        for outcome in &plan.outcomes {
            lift_rows.push(vec![
                plan.plan.clone(),
                outcome.outcome.clone(),
                number(outcome.baseline),
                number(outcome.scenario),
                number(outcome.lift),
                format!("{:+.1}%", outcome.lift_pct),
                interval(&outcome.lift_80),
                interval(&outcome.lift_95),
            ]);
        }
        let money = &plan.money;
        money_rows.push(vec![
            plan.plan.clone(),
            number(money.point.incremental_revenue),
            number(money.point.campaign_cost),
            format!(
                "{} ({})",
                number(money.point.incremental_profit),
                interval(&money.incremental_profit_95)
            ),
            match (money.point.roi, &money.roi_95) {
                (Some(roi), Some(band)) => format!("{} ({})", number(roi), interval(band)),
                (Some(roi), None) => number(roi),
                _ => "– (no cost)".into(),
            },
            format!("{:.0}%", money.probability_profit_positive * 100.0),
        ]);
    }
    table(
        page,
        &[
            "plan",
            "outcome",
            "baseline",
            "with the plan",
            "lift",
            "lift %",
            "lift 80%",
            "lift 95%",
        ],
        &lift_rows,
    );
    table(
        page,
        &[
            "plan",
            "incremental revenue",
            "campaign cost",
            "incremental profit (95%)",
            "ROI (95%)",
            "P(profit > 0)",
        ],
        &money_rows,
    );
    for plan in &content.plans {
        let _ = writeln!(
            page,
            "<p class=\"meta\">{}: {} rows; {}.</p>",
            escape(&plan.plan),
            plan.rows,
            escape(&plan.rule)
        );
    }
    let figures: Vec<Chart> = content
        .plans
        .iter()
        .map(|p| plan_lift_chart(p, content.footnote.clone()))
        .collect();
    charts(page, &figures)?;
    close_section(page);
    Ok(())
}

fn warnings_section(page: &mut String, content: &ReportContent) {
    open_section(page, "warnings", "Warnings");
    if content.warnings.is_empty() {
        page.push_str("<p>None.</p>\n");
    } else {
        page.push_str("<ul class=\"warnings\">\n");
        for warning in &content.warnings {
            let _ = writeln!(page, "<li>{}</li>", escape(warning));
        }
        page.push_str("</ul>\n");
    }
    close_section(page);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_grouped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(number(1_234_567.8), "1,234,568");
        assert_eq!(number(-12_345.0), "-12,345");
        assert_eq!(number(12.345), "12.35");
        assert_eq!(number(0.012345), "0.0123");
        assert_eq!(number(f64::NAN), "–");
    }
}
