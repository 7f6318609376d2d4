//! The one-page HTML report: every section the analyst needs is there with its figures, the
//! page is self-contained (no scripts, nothing fetched), it parses as strict XML, and a
//! headless Chromium opens it without errors.

mod common;

use std::path::Path;
use std::process::Command;

use liftcast::diagnostics::backtest::backtest;
use liftcast::export::report::{ReportSources, gather, render_html, write_report};
use liftcast::model::{DeviceChoice, TrainConfig};

const SECTIONS: [&str; 8] = [
    "summary",
    "data",
    "model",
    "accuracy",
    "calibration",
    "importance",
    "plans",
    "warnings",
];

fn quick() -> TrainConfig {
    TrainConfig {
        epochs: 4,
        members: 2,
        ..TrainConfig::default()
    }
}

/// The page as strict XML (its only DTD is `<!DOCTYPE html>`).
fn parse(html: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, options).expect("the report is well-formed XML")
}

/// The text of an element and everything inside it.
fn text_of(node: roxmltree::Node) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_report_has_every_section_with_its_figures_and_is_self_contained() {
    let inspection = common::sample_inspection();
    let model = common::train_on_cpu(&inspection, quick());
    let plans = [
        common::sample_plan("pct15_all_7d.json"),
        common::sample_plan("coupon_150_20_active_app_push_7d.json"),
    ];
    let folds = backtest(&inspection, &quick(), 2, DeviceChoice::Cpu, |_| {}).unwrap();
    let mut steps = Vec::new();
    let content = gather(
        ReportSources {
            model: &model,
            frame: &inspection.table.frame,
            inspection: Some(&inspection),
            plans: &plans,
            backtest: Some(folds),
        },
        |step| steps.push(step.to_owned()),
    )
    .unwrap();
    assert!(steps.iter().any(|s| s.contains("importance")), "{steps:?}");
    assert_eq!(content.plans.len(), 2);
    let html = render_html(&content).unwrap();
    let document = parse(&html);

    // Nothing runs and nothing is fetched: no scripts, no links or sources off the page.
    for node in document.descendants().filter(|n| n.is_element()) {
        assert_ne!(node.tag_name().name(), "script");
        for attribute in ["src", "href"] {
            if let Some(value) = node.attribute(attribute) {
                assert!(
                    value.starts_with('#') || value.starts_with("data:"),
                    "{attribute}={value} would leave the page"
                );
            }
        }
    }

    let section = |id: &str| {
        document
            .descendants()
            .find(|n| n.tag_name().name() == "section" && n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no section '{id}'"))
    };
    for id in SECTIONS {
        let node = section(id);
        assert!(
            node.children().any(|c| c.tag_name().name() == "h2"),
            "section {id} has no heading"
        );
    }
    let svgs_in = |id: &str| {
        section(id)
            .descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .count()
    };

    // Data: rows and every role.
    let data = text_of(section("data"));
    assert!(data.contains("8,772 rows"), "{data}");
    for role in ["time", "dimensions", "levers", "outcomes"] {
        assert!(data.contains(role), "{role} missing: {data}");
    }
    // Model: the device and the ensemble.
    let model_text = text_of(section("model"));
    assert!(model_text.contains("CPU") && model_text.contains("2 members"));
    // Accuracy: each outcome's measures beside both baselines, the backtest, scatter charts.
    let accuracy = text_of(section("accuracy"));
    for needle in [
        "clicks",
        "orders",
        "revenue",
        "wape",
        "poisson_deviance",
        "same weekday last week",
        "rolling origin",
    ] {
        assert!(accuracy.contains(needle), "{needle} missing from accuracy");
    }
    assert!(
        svgs_in("accuracy") >= 3 + 3,
        "scatter per outcome and backtest per outcome"
    );
    // Calibration: coverage at each level and a PIT histogram per outcome.
    let calibration = text_of(section("calibration"));
    for level in ["50%", "80%", "95%"] {
        assert!(calibration.contains(&format!("inside {level} interval")));
    }
    assert!(svgs_in("calibration") >= 3);
    // Importance: a chart per outcome and the levers by name.
    assert_eq!(svgs_in("importance"), 3);
    assert!(text_of(section("importance")).contains("discount_pct (lever)"));
    // Plans: both by name, with lift intervals, ROI and the chance of a profit.
    let plans_text = text_of(section("plans"));
    for plan in &plans {
        assert!(plans_text.contains(&plan.name), "{} missing", plan.name);
    }
    for needle in ["lift 95%", "ROI (95%)", "P(profit > 0)"] {
        assert!(plans_text.contains(needle), "{needle} missing from plans");
    }
    assert_eq!(svgs_in("plans"), 2);
    // Warnings: every collected warning is listed.
    let listed = section("warnings")
        .descendants()
        .filter(|n| n.tag_name().name() == "li")
        .count();
    assert_eq!(listed, content.warnings.len());

    // Written whole, and the same content renders the same page.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("report.html");
    write_report(&content, &path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), html);
    opens_in_headless_chromium(&path);
}

/// Chromium (Debian's package) loads the page and dumps the DOM it built; the page's sections
/// are in it and the console has no errors. CI installs Chromium and requires this check
/// (LIFTCAST_REQUIRE_BROWSER=1); elsewhere it runs when Chromium is there.
fn opens_in_headless_chromium(path: &Path) {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        assert!(
            std::env::var_os("LIFTCAST_REQUIRE_BROWSER").is_none(),
            "LIFTCAST_REQUIRE_BROWSER is set but /usr/bin/chromium is missing"
        );
        eprintln!("Chromium is not installed: the browser check is skipped");
        return;
    }
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", path.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let dom = String::from_utf8_lossy(&output.stdout);
    for id in SECTIONS {
        assert!(
            dom.contains(&format!("<section id=\"{id}\">")),
            "Chromium's DOM lacks section {id}"
        );
    }
    let log = String::from_utf8_lossy(&output.stderr);
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") && line.contains("rror")),
            "console error: {line}"
        );
        assert!(!line.contains("Uncaught"), "page error: {line}");
    }
}

#[test]
fn the_cli_writes_the_report_of_a_model_folder() {
    let folder = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/shop_campaigns.csv");
    let model = folder.path().join("model");
    common::train_cli(&data, &model, "2");
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/plans/pct15_all_7d.json");
    let report = folder.path().join("report.html");
    let output = common::liftcast(&[
        "report",
        model.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--plan",
        plan.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert!(common::stdout(&output).contains("1 plans"));
    let html = std::fs::read_to_string(&report).unwrap();
    parse(&html);
    assert!(html.contains("15% off for everyone"));

    // A folder that is not a model is refused with the reason, not a panic.
    let output = common::liftcast(&[
        "report",
        folder.path().to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!common::stderr(&output).is_empty());
}

/// A final fit's report shows its plans and says where its accuracy is read, instead of
/// refusing (presenters report the model they plan with) or scoring rows it learnt from.
#[test]
fn a_final_fit_reports_its_plans_and_where_its_accuracy_is() {
    let inspection = common::sample_inspection();
    let model = common::train_on_cpu(
        &inspection,
        TrainConfig {
            final_fit: true,
            ..quick()
        },
    );
    let plans = [common::sample_plan("pct15_all_7d.json")];
    let content = gather(
        ReportSources {
            model: &model,
            frame: &inspection.table.frame,
            inspection: Some(&inspection),
            plans: &plans,
            backtest: None,
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(content.plans.len(), 1);
    assert!(content.holdout.outcomes.is_empty());
    assert!(content.importance.outcomes.is_empty());
    assert!(content.warnings.iter().any(|w| w.contains("final fit")));
    let html = render_html(&content).unwrap();
    let document = parse(&html);
    let section_text = |id: &str| {
        document
            .descendants()
            .find(|n| n.tag_name().name() == "section" && n.attribute("id") == Some(id))
            .map(text_of)
    };
    let accuracy = section_text("accuracy").expect("the accuracy section says why it is empty");
    assert!(accuracy.contains("final fit"), "{accuracy}");
    assert!(section_text("calibration").is_none());
    assert!(section_text("importance").is_none());
    assert!(
        section_text("plans")
            .expect("the plans are shown")
            .contains("15% off for everyone")
    );
}
