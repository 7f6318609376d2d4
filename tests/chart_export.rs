//! Chart export: the lift chart of a forecast and the response curves, drawn from a model
//! trained on the sample data, written as PNG (decodes at the requested size) and SVG (parses,
//! carries the title, axis labels and footnote).

mod common;

use liftcast::export::figures::{
    MoneyView, OutcomeView, curve_money_chart, curve_outcome_chart, footnote, forecast_lift_chart,
};
use liftcast::export::{Chart, ExportError, render_png, render_svg, write_chart};
use liftcast::model::{LeverSetting, TrainConfig};
use liftcast::scenario::costs::CostSettings;
use liftcast::scenario::curve::response_curve;

fn twenty_percent_off() -> Vec<LeverSetting> {
    vec![
        LeverSetting {
            lever: "campaign_type".into(),
            value: "percent_off".into(),
        },
        LeverSetting {
            lever: "discount_pct".into(),
            value: "20".into(),
        },
    ]
}

/// The charts a presenter exports: lift bars; a curve's lift, total, profit and ROI.
fn charts() -> Vec<Chart> {
    let inspection = common::sample_inspection();
    let config = TrainConfig {
        epochs: 3,
        members: 2,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, config);
    let frame = &inspection.table.frame;
    let note = footnote(&model.meta);
    let forecast = model.forecast(frame, &twenty_percent_off()).unwrap();
    let costs = CostSettings {
        margin_pct: 30.0,
        ..CostSettings::default()
    };
    let curve = response_curve(
        &model,
        frame,
        "discount_pct",
        (0.0, 40.0),
        5,
        &twenty_percent_off()[..1],
        Some(&costs),
    )
    .unwrap();
    assert!(
        curve.observed_range.is_some(),
        "discount_pct is a numeric lever"
    );
    vec![
        forecast_lift_chart(&forecast, "20% off", note.clone()),
        curve_outcome_chart(&curve, "orders", OutcomeView::Lift, note.clone()).unwrap(),
        curve_outcome_chart(&curve, "orders", OutcomeView::Total, note.clone()).unwrap(),
        curve_money_chart(&curve, MoneyView::Profit, note.clone()).unwrap(),
        curve_money_chart(&curve, MoneyView::Roi, note).unwrap(),
    ]
}

fn svg_texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect()
}

#[test]
fn charts_export_to_png_and_svg_at_the_requested_size() {
    let charts = charts();
    let dir = tempfile::tempdir().unwrap();
    for (i, chart) in charts.iter().enumerate() {
        // PNG: decodes at exactly the requested size, and something besides the white page
        // was drawn.
        let png = render_png(chart, (1600, 900)).unwrap();
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .expect("the PNG decodes")
            .to_rgb8();
        assert_eq!(image.dimensions(), (1600, 900));
        let inked = image.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(
            inked > 1600 * 900 / 50,
            "chart {i} drew only {inked} pixels"
        );

        // SVG: parses, states its size, and carries the title, axis labels and footnote.
        let svg = render_svg(chart, (1920, 1080)).unwrap();
        let texts = svg_texts(&svg);
        assert!(svg.contains(r#"width="1920""#) && svg.contains(r#"height="1080""#));
        for wanted in [&chart.title, &chart.footnote] {
            assert!(texts.contains(wanted), "chart {i} lacks {wanted:?}");
        }
        match &chart.body {
            liftcast::export::chart::ChartBody::Xy(plot) => {
                assert!(texts.contains(&plot.x_label) && texts.contains(&plot.y_label));
                for series in &plot.series {
                    assert!(texts.contains(&series.name), "legend names {}", series.name);
                }
            }
            liftcast::export::chart::ChartBody::Bars(panels) => {
                for panel in panels {
                    assert!(texts.contains(&panel.title) && texts.contains(&panel.y_label));
                }
                assert!(texts.iter().any(|t| t == "no campaign"));
            }
        }

        // Files: the extension picks the format.
        let png_path = dir.path().join(format!("chart{i}.png"));
        let svg_path = dir.path().join(format!("chart{i}.svg"));
        write_chart(chart, &png_path, (1920, 1080)).unwrap();
        write_chart(chart, &svg_path, (1920, 1080)).unwrap();
        assert!(std::fs::read(&png_path).unwrap().starts_with(b"\x89PNG"));
        svg_texts(&std::fs::read_to_string(&svg_path).unwrap());
    }
    let wrong = dir.path().join("chart.jpg");
    assert!(matches!(
        write_chart(&charts[0], &wrong, (1920, 1080)),
        Err(ExportError::UnknownFormat { .. })
    ));
    assert!(!wrong.exists());
}

/// `liftcast chart` draws the same charts from a saved model, for scripts.
#[test]
fn the_cli_writes_lift_plan_and_curve_charts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("sample_data/shop_campaigns.csv");
    let plan = root.join("sample_data/plans/pct15_all_7d.json");
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("model");
    let path = |name: &str| folder.path().join(name).to_str().unwrap().to_owned();
    common::train_cli(&data, &model, "2");
    let model = model.to_str().unwrap();
    let curve = |show: &'static str| {
        vec![
            "chart",
            "curve",
            model,
            "--lever",
            "discount_pct",
            "--from",
            "0",
            "--to",
            "30",
            "--steps",
            "4",
            "--set",
            "campaign_type=percent_off",
            "--costs-from",
            plan.to_str().unwrap(),
            "--show",
            show,
        ]
    };
    let mut total = curve("orders");
    total.push("--total");
    let runs: [Vec<&str>; 6] = [
        vec![
            "chart",
            "lift",
            model,
            "--set",
            "campaign_type=percent_off",
            "--set",
            "discount_pct=15",
        ],
        vec![
            "chart",
            "plan",
            model,
            plan.to_str().unwrap(),
            "--size",
            "800x450",
        ],
        curve("profit"),
        curve("roi"),
        total,
        vec![
            "chart",
            "plan",
            model,
            plan.to_str().unwrap(),
            "--by-day",
            "orders",
        ],
    ];
    let outputs = [
        path("lift.png"),
        path("plan.png"),
        path("curve.svg"),
        path("roi.svg"),
        path("total.svg"),
        path("daily.svg"),
    ];
    for (args, out) in runs.iter().zip(&outputs) {
        let mut args = args.clone();
        args.extend(["--out", out.as_str()]);
        let output = common::liftcast(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            common::stderr(&output)
        );
        assert!(common::stdout(&output).starts_with("wrote "));
    }
    let size = |file: &str| image::image_dimensions(file).unwrap();
    assert_eq!(
        size(&outputs[0]),
        (1920, 1080),
        "the default is a 2× 16:9 slide"
    );
    assert_eq!(size(&outputs[1]), (800, 450));
    for (out, title) in outputs[2..].iter().zip([
        "Incremental profit as discount_pct varies",
        "ROI as discount_pct varies",
        "orders as discount_pct varies",
        "orders per day: 15% off for everyone, 7 days from 2026-03-02 against no campaign",
    ]) {
        let texts = svg_texts(&std::fs::read_to_string(out).unwrap());
        assert!(texts.iter().any(|t| t == title), "{title} in {texts:?}");
    }

    // The forecast's table as CSV: a header and one row per outcome.
    let table = path("forecast.csv");
    let output = common::liftcast(&[
        "forecast",
        model,
        "--set",
        "discount_pct=15",
        "--csv",
        &table,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let text = std::fs::read_to_string(&table).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("scenario,outcome,scenario_total"));
    assert!(lines[2].starts_with("discount_pct=15,orders,"));

    // The days after the data instead of its rows: each segment × channel once a day.
    let output = common::liftcast(&[
        "forecast",
        model,
        "--set",
        "discount_pct=15",
        "--days",
        "3",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let forecast: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(forecast["outcomes"][0]["rows"], 3 * 12);

    // A format it cannot write is refused with what to do, and nothing is left behind.
    let wrong = path("chart.jpg");
    let output = common::liftcast(&["chart", "lift", model, "--out", &wrong]);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        common::stderr(&output).contains(".png or .svg"),
        "{}",
        common::stderr(&output)
    );
    assert!(!std::path::Path::new(&wrong).exists());
}
