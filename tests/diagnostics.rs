//! Holdout diagnostics on the sample data: every measure beside both naive baselines, coverage,
//! error sources, the charts, and `liftcast diagnose`.

mod common;

use liftcast::diagnostics::holdout_report;
use liftcast::export::diagnostic_charts::outcome_charts;
use liftcast::model::TrainConfig;

#[test]
fn the_sample_model_beats_both_naive_baselines_on_its_holdout() {
    let inspection = common::sample_inspection();
    let model = common::train_on_cpu(&inspection, TrainConfig::default());
    let report = holdout_report(&model, &inspection.table.frame).unwrap();
    assert!(report.split_rule.contains("date"), "{}", report.split_rule);
    assert_eq!(report.outcomes.len(), 3);
    for outcome in &report.outcomes {
        println!("{}: {}", outcome.outcome, outcome.verdict);
        for row in &outcome.scores {
            println!(
                "  {:<22} model {:.4}  mean per lever {:.4}  seasonal {:?}",
                row.metric, row.model, row.naive_lever_mean, row.seasonal_naive
            );
        }
        assert!(outcome.rows > 1_000, "the last 20% of dates are held out");
        let metrics: Vec<&str> = outcome.scores.iter().map(|r| r.metric.as_str()).collect();
        assert_eq!(
            &metrics[..4],
            ["wape", "mae", "rmse", "rmspe"],
            "counts and amounts get every measure"
        );
        assert!(outcome.scores.iter().all(|r| r.seasonal_naive.is_some()));
        // The main measure (WAPE): the model beats both baselines, and says so.
        let wape = &outcome.scores[0];
        assert!(wape.model_beats(wape.naive_lever_mean), "{wape:?}");
        assert!(wape.model_beats(wape.seasonal_naive.unwrap()), "{wape:?}");
        assert!(outcome.verdict.contains("beats both naive baselines"));
        // Coverage at each level the intervals were fitted for, nested as the levels are.
        let shares: Vec<f64> = outcome.coverage.iter().map(|(_, s)| *s).collect();
        assert_eq!(shares.len(), 3);
        assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
        // Error sources: the largest first, shares of one total.
        let sources = &outcome.error_sources;
        assert!(!sources.is_empty() && sources.len() <= 5);
        let excess = |s: &liftcast::diagnostics::holdout::ErrorSource| s.share - s.row_share;
        assert!(sources.windows(2).all(|w| excess(&w[0]) >= excess(&w[1])));
        assert!(
            sources
                .iter()
                .all(|s| s.share > s.row_share && s.share <= 1.0)
        );
        // One total per held-out date, and charts for each view.
        assert!(outcome.by_date.len() >= 30);
        let charts = outcome_charts(outcome, "test");
        assert_eq!(charts.len(), 4, "scatter, per day, PIT, error sources");
        // The PIT histogram over ten bins: a calibrated model's is near flat (density 1 in
        // every bin). A badly over- or under-dispersed one piles into the end bins.
        assert_eq!(outcome.pit.len(), 10);
        let (lowest, highest) = outcome
            .pit
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), d| (l.min(*d), h.max(*d)));
        assert!(lowest > 0.4 && highest < 2.0, "{:?}", outcome.pit);
        assert!(!outcome.pit_reading.is_empty());
    }
}

#[test]
fn diagnose_prints_json_and_draws_charts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("sample_data/shop_campaigns.csv");
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("model");
    common::train_cli(&data, &model, "2");
    let charts = folder.path().join("charts");
    let output = common::liftcast(&[
        "diagnose",
        model.to_str().unwrap(),
        "--charts",
        charts.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 3);
    assert!(
        outcomes[0]["verdict"]
            .as_str()
            .unwrap()
            .starts_with("clicks: ")
    );
    let drawn = std::fs::read_dir(&charts).unwrap().count();
    assert_eq!(drawn, 12, "four charts for each of three outcomes");
    let (width, height) = image::image_dimensions(charts.join("orders-1.png")).unwrap();
    assert_eq!((width, height), (1920, 1080));
}

/// A yes/no outcome (Hillstrom's visit) is read through its reliability diagram: the scatter of
/// predictions against 0s and 1s is left out.
#[test]
fn a_yes_no_outcome_gets_a_reliability_diagram_instead_of_a_scatter() {
    let inspection = common::hillstrom_inspection();
    let config = TrainConfig {
        epochs: 2,
        members: 2,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, config);
    let report = holdout_report(&model, &inspection.table.frame).unwrap();
    let visit = report
        .outcomes
        .iter()
        .find(|o| o.outcome == "visit")
        .expect("visit is an outcome");
    assert!(!visit.reliability.is_empty());
    let titles: Vec<String> = outcome_charts(visit, "test")
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("reliability")),
        "{titles:?}"
    );
    assert!(
        !titles
            .iter()
            .any(|t| t.contains("predicted against actual")),
        "{titles:?}"
    );
}
