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
    let windows: Vec<_> = report.folds.iter().map(|f| f.dates.unwrap()).collect();
    for (i, (fold, dates_of)) in report.folds.iter().zip(&windows).enumerate() {
        // Nothing at or after the cut-off trains or stops early…
        assert!(dates_of.last_trained < dates_of.cut_off, "{fold:?}");
        // …and every row before it does: the fold uses all the past it may.
        let before = dates
            .iter()
            .filter(|d| d.is_some_and(|d| d < dates_of.cut_off))
            .count();
        assert_eq!(fold.training_rows, before, "fold {i}");
        // Notes are the fold's own caveats, named by outcome.
        assert!(
            fold.notes.iter().all(|n| n.contains(": ")),
            "{:?}",
            fold.notes
        );
        let inside = dates
            .iter()
            .filter(|d| d.is_some_and(|d| d >= dates_of.cut_off && d <= dates_of.last_scored))
            .count();
        assert_eq!(
            fold.scored_rows, inside,
            "fold {i} scores exactly its window"
        );
        if let Some(next) = windows.get(i + 1) {
            assert!(
                next.cut_off > dates_of.last_scored,
                "windows follow one another"
            );
        }
    }
    // RMSPE skips rows whose actual is 0, and a fold says so exactly when its window has one
    // (the committed sample's audiences leave no day without an order, so none does).
    let zero_dates: Vec<chrono::NaiveDate> = {
        let mut zero = vec![false; dates.len()];
        for outcome in &schema.outcomes {
            let values =
                liftcast::data::column::numbers(&inspection.table.frame, &outcome.column).unwrap();
            for (flag, value) in zero.iter_mut().zip(values) {
                *flag |= value == Some(0.0);
            }
        }
        dates
            .iter()
            .zip(zero)
            .filter_map(|(date, zero)| date.filter(|_| zero))
            .collect()
    };
    for (fold, dates_of) in report.folds.iter().zip(&windows) {
        let has_zero = zero_dates
            .iter()
            .any(|d| *d >= dates_of.cut_off && *d <= dates_of.last_scored);
        let says_so = fold.notes.iter().any(|n| n.contains("RMSPE skips"));
        assert_eq!(says_so, has_zero, "{:?}", fold.notes);
    }
    let orders = report
        .summary
        .iter()
        .find(|s| s.outcome == "orders")
        .unwrap();
    println!("{orders:?}");
    assert!(
        orders.model < orders.naive_lever_mean && orders.model < orders.seasonal_naive.unwrap()
    );
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

#[test]
fn unit_data_gets_k_fold_cross_validation_that_scores_each_row_once() {
    let inspection = common::artea_inspection();
    let config = TrainConfig {
        epochs: 3,
        members: 2,
        ..TrainConfig::default()
    };
    let report = backtest(&inspection, &config, 4, DeviceChoice::Cpu, |_| {}).unwrap();
    assert_eq!(report.method, "k-fold cross-validation");
    assert!(report.window_dates.is_none());
    assert_eq!(report.folds.len(), 4);
    let rows = inspection.table.frame.height();
    assert_eq!(
        report.folds.iter().map(|f| f.scored_rows).sum::<usize>(),
        rows,
        "every row is scored in exactly one fold"
    );
    for fold in &report.folds {
        assert!(fold.dates.is_none());
        assert_eq!(fold.training_rows + fold.scored_rows, rows, "{fold:?}");
        for (outcome, measures) in &fold.outcomes {
            let main = &measures[0];
            assert!(main.model.is_finite(), "{outcome}: {main:?}");
            assert!(main.seasonal_naive.is_none(), "no weekdays without dates");
        }
    }
    for summary in &report.summary {
        assert!(summary.seasonal_naive.is_none());
        assert!(
            summary.verdict.contains("mean per lever value"),
            "{}",
            summary.verdict
        );
    }
}
