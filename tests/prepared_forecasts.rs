//! Forecasts of prepared rows (what a live what-if, a response curve and a comparison use) give
//! the numbers of a whole forecast: every model family, settings of every lever kind, some
//! levers left at the rows' own values, and the baseline itself.

mod common;

use liftcast::data::frame::take_rows;
use liftcast::data::schema::LeverKind;
use liftcast::model::{Forecast, ForecastModel, LeverSetting, ModelFamily, TrainConfig};
use polars::prelude::DataFrame;

fn set(lever: &str, value: &str) -> LeverSetting {
    LeverSetting {
        lever: lever.into(),
        value: value.into(),
    }
}

/// Agreement to float rounding: the prepared path groups its sums differently.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1e-3)
}

fn assert_same(whole: &Forecast, prepared: &Forecast, what: &str) {
    assert_eq!(whole.cold_start, prepared.cold_start, "{what}");
    assert_same_totals(whole, prepared, what);
    for (a, b) in whole.rows.iter().zip(&prepared.rows) {
        for (row, (x, y)) in a.scenario.iter().zip(&b.scenario).enumerate() {
            assert!(
                close(*x, *y),
                "{what}, {}, row {row}: {x} vs {y}",
                a.outcome
            );
        }
    }
}

fn assert_same_totals(whole: &Forecast, prepared: &Forecast, what: &str) {
    assert_eq!(whole.outcomes.len(), prepared.outcomes.len());
    for (a, b) in whole.outcomes.iter().zip(&prepared.outcomes) {
        for (x, y, name) in [
            (a.scenario_total, b.scenario_total, "scenario total"),
            (a.baseline_total, b.baseline_total, "baseline total"),
            (a.lift, b.lift, "lift"),
            (a.lift_low, b.lift_low, "lift low"),
            (a.lift_high, b.lift_high, "lift high"),
        ] {
            assert!(close(x, y), "{what}, {}: {name} {x} vs {y}", a.outcome);
        }
    }
}

/// Totals-only forecasts (curves, decompositions) of `frame` under each of `settings` give the
/// totals, member totals and intervals of forecasts that keep every row; returns the kept ones.
fn assert_totals_as_kept(
    model: &ForecastModel,
    frame: &DataFrame,
    settings: &[(&str, Vec<LeverSetting>)],
    label: &str,
) -> Vec<Forecast> {
    let scenarios: Vec<Vec<LeverSetting>> = settings.iter().map(|(_, s)| s.clone()).collect();
    let kept = model.forecast_each(frame, &scenarios).unwrap();
    let totals = model.forecast_each_totals(frame, &scenarios).unwrap();
    for ((what, _), (kept, totals)) in settings.iter().zip(kept.iter().zip(&totals)) {
        let what = format!("{label}, totals, {what}");
        assert_same_totals(kept, totals, &what);
        for (a, b) in kept.outcomes.iter().zip(&totals.outcomes) {
            let members = a
                .member_scenario_totals
                .iter()
                .zip(&b.member_scenario_totals);
            for (x, y) in members.chain(
                a.member_baseline_totals
                    .iter()
                    .zip(&b.member_baseline_totals),
            ) {
                assert!(close(*x, *y), "{what}: member total {x} vs {y}");
            }
            for (x, y) in [
                (a.scenario_low, b.scenario_low),
                (a.scenario_high, b.scenario_high),
            ] {
                assert!(close(x, y), "{what}: scenario interval {x} vs {y}");
            }
        }
        assert_eq!(kept.funnel.len(), totals.funnel.len(), "{what}");
        assert_eq!(kept.cold_start_rows, totals.cold_start_rows);
        assert!(!kept.rows.is_empty() && totals.rows.is_empty());
    }
    kept
}

/// A curve through the baseline: a lift of exactly zero there, summed by cell as elsewhere.
fn assert_no_lift_in_totals_at_baseline(model: &ForecastModel, frame: &DataFrame) {
    let baseline: Vec<LeverSetting> = model
        .meta
        .schema
        .levers
        .iter()
        .map(|l| set(&l.column, &l.baseline))
        .collect();
    let at_baseline = model.forecast_each_totals(frame, &[baseline]).unwrap();
    for outcome in &at_baseline[0].outcomes {
        assert_eq!(outcome.lift, 0.0, "totals: {}", outcome.outcome);
    }
}

#[test]
fn prepared_forecasts_equal_whole_forecasts() {
    let inspection = common::sample_inspection();
    let frame = &inspection.table.frame;
    let settings: Vec<(&str, Vec<LeverSetting>)> = vec![
        (
            "every lever set",
            vec![
                set("campaign_type", "percent_off"),
                set("discount_pct", "15"),
                set("duration_days", "7"),
                set("creative", "A"),
                set("coupon", "none"),
            ],
        ),
        (
            "every lever set, a coupon",
            vec![
                set("campaign_type", "coupon"),
                set("discount_pct", "0"),
                set("duration_days", "5"),
                set("creative", "B"),
                set("coupon", "150:20"),
            ],
        ),
        (
            "a coupon in notation",
            vec![set("campaign_type", "coupon"), set("coupon", "150:20")],
        ),
        // Unset levers keep each row's own value: many distinct lever vectors.
        ("one lever set", vec![set("discount_pct", "25")]),
        ("nothing set (the rows as they are)", Vec::new()),
    ];
    let mut previous: Option<liftcast::model::PreparedRows> = None;
    // The last model reads coupon thresholds against each segment's basket: its lever inputs
    // differ by segment under one setting.
    for (family, threshold_basket_input) in [
        (ModelFamily::Hybrid, false),
        (ModelFamily::Deep, false),
        (ModelFamily::Trees, false),
        (ModelFamily::Hybrid, true),
    ] {
        let model = common::train_on_cpu(
            &inspection,
            TrainConfig {
                epochs: 3,
                members: 2,
                family,
                threshold_basket_input,
                ..TrainConfig::default()
            },
        );
        assert_eq!(model.meta.encoder.baskets.is_some(), threshold_basket_input);
        let prepared = model.prepare(frame).unwrap();
        assert_eq!(prepared.rows(), frame.height());
        assert_eq!(
            prepared.keeps_network_parts(),
            family != ModelFamily::Trees,
            "{family:?}"
        );
        // The sample's lift sees segment, channel and the competitor flag: at most 4 × 3 × 2
        // groups of rows share its parts (dates do not split them).
        if family != ModelFamily::Trees {
            let groups = prepared.effect_groups().expect("the rows are grouped");
            assert!((1..=24).contains(&groups), "{groups} groups");
        }
        for (what, scenario) in &settings {
            let whole = model.forecast(frame, scenario).unwrap();
            let fast = model.forecast_prepared(&prepared, scenario).unwrap();
            assert_same(&whole, &fast, &format!("{family:?}, {what}"));
        }
        // Totals only (curves, decompositions): the same outcomes, no rows kept. Counts and
        // amounts are summed by cell (one setting on every row) where the networks' parts are
        // kept in groups and the trees' sums (if weighed) in kinds; a basket-relative
        // threshold sums row by row, as kept forecasts do.
        let trees_weigh = model.meta.blend.iter().any(|b| b.deep_weight < 1.0);
        assert_eq!(
            prepared.sums_totals_by_cell(),
            !threshold_basket_input && (!trees_weigh || prepared.tree_kinds().is_some()),
            "{family:?}"
        );
        let kept = assert_totals_as_kept(&model, frame, &settings, &format!("{family:?}"));
        // The sample's rows are nearly all different to the trees; twice over, its rows come
        // in kinds, and the trees' sums are kept per kind and summed by cell.
        if trees_weigh && !threshold_basket_input {
            let twice: Vec<usize> = (0..2 * frame.height())
                .map(|r| r % frame.height())
                .collect();
            let twice = take_rows(frame, &twice).unwrap();
            let prepared_twice = model.prepare(&twice).unwrap();
            assert!(prepared_twice.tree_kinds().is_some(), "{family:?}");
            assert!(prepared_twice.sums_totals_by_cell(), "{family:?}");
            assert_totals_as_kept(&model, &twice, &settings, &format!("{family:?}, twice"));
            assert_no_lift_in_totals_at_baseline(&model, &twice);
        }
        if prepared.sums_totals_by_cell() {
            assert_no_lift_in_totals_at_baseline(&model, frame);
        }
        // The scenarios are forecast on several threads, and come back in their order.
        assert_eq!(kept.len(), settings.len());
        for ((what, scenario), each) in settings.iter().zip(&kept) {
            let one = model.forecast_prepared(&prepared, scenario).unwrap();
            assert_eq!(one.outcomes, each.outcomes, "{family:?}, {what}");
        }
        // At the baseline the prepared path gives exactly the baseline: a lift of zero.
        let levers = model.meta.schema.levers.clone();
        let baseline: Vec<LeverSetting> =
            levers.iter().map(|l| set(&l.column, &l.baseline)).collect();
        let at_baseline = model.forecast_prepared(&prepared, &baseline).unwrap();
        for outcome in &at_baseline.outcomes {
            assert_eq!(outcome.lift, 0.0, "{family:?}: {}", outcome.outcome);
        }
        // Rows prepared by another model are refused, not forecast with the wrong parts.
        if let Some(other) = &previous {
            assert!(!other.prepared_by(&model));
            assert!(model.forecast_prepared(other, &baseline).is_err());
        }
        // A lever the model does not know is refused, as by a whole forecast.
        assert!(
            model
                .forecast_prepared(&prepared, &[set("no_such_lever", "1")])
                .is_err()
        );
        previous = Some(prepared);
    }
}

/// Unit data whose covariates differ row by row keeps the networks' parts per row: the same
/// numbers as whole forecasts there too.
#[test]
fn prepared_unit_rows_equal_whole_forecasts() {
    let inspection = common::artea_inspection();
    let frame = &inspection.table.frame;
    let model = common::train_on_cpu(
        &inspection,
        TrainConfig {
            epochs: 2,
            members: 2,
            family: ModelFamily::Deep,
            ..TrainConfig::default()
        },
    );
    let prepared = model.prepare(frame).unwrap();
    assert!(prepared.keeps_network_parts());
    assert_eq!(prepared.effect_groups(), None, "rows kept one by one");
    let lever = model.meta.schema.levers[0].clone();
    let LeverKind::Categorical { levels } = &lever.kind else {
        panic!("Artea's lever is an arm: {:?}", lever.kind);
    };
    for level in levels {
        let scenario = [set(&lever.column, level)];
        let whole = model.forecast(frame, &scenario).unwrap();
        let fast = model.forecast_prepared(&prepared, &scenario).unwrap();
        assert_same(&whole, &fast, &format!("artea, {level}"));
    }
}
