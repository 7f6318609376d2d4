//! Rolling-origin backtest on the sample data: no fold sees a date after its cut-off, the model
//! beats both naive baselines, and the same seed gives the same report.

mod common;

use liftcast::data::controls::row_dates;
use liftcast::diagnostics::backtest::backtest;
use liftcast::model::{DeviceChoice, TrainConfig};

#[test]
fn folds_never_train_on_their_window_or_later_and_beat_the_baselines() {
    let inspection = common::sample_inspection();
    let report = backtest(
        &inspection,
        &TrainConfig::default(),
        4,
        DeviceChoice::Cpu,
        |_| {},
    )
    .unwrap();
    assert_eq!(report.folds.len(), 4);
    let schema = inspection.validation.schema.as_ref().unwrap();
    let dates = row_dates(&inspection.table.frame, schema).unwrap();
    for (i, fold) in report.folds.iter().enumerate() {
        // Nothing at or after the cut-off trains or stops early…
        assert!(fold.last_trained < fold.cut_off, "{fold:?}");
        // …and every row before it does: the fold uses all the past it may.
        let before = dates
            .iter()
            .filter(|d| d.is_some_and(|d| d < fold.cut_off))
            .count();
        assert_eq!(fold.training_rows, before, "fold {i}");
        let inside = dates
            .iter()
            .filter(|d| d.is_some_and(|d| d >= fold.cut_off && d <= fold.last_scored))
            .count();
        assert_eq!(
            fold.scored_rows, inside,
            "fold {i} scores exactly its window"
        );
        if let Some(next) = report.folds.get(i + 1) {
            assert!(
                next.cut_off > fold.last_scored,
                "windows follow one another"
            );
        }
    }
    let orders = report
        .summary
        .iter()
        .find(|s| s.outcome == "orders")
        .unwrap();
    println!("{orders:?}");
    assert!(orders.model < orders.naive_lever_mean && orders.model < orders.seasonal_naive);
    assert!(
        orders.verdict.contains("beats both naive baselines"),
        "{}",
        orders.verdict
    );
}

#[test]
fn the_same_seed_gives_the_same_backtest() {
    let inspection = common::sample_inspection();
    let config = TrainConfig {
        epochs: 2,
        members: 2,
        ..TrainConfig::default()
    };
    let run = || backtest(&inspection, &config, 2, DeviceChoice::Cpu, |_| {}).unwrap();
    assert_eq!(run(), run());
}
