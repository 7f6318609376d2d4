//! The three real data sets in ../shared/data are read and understood correctly.

mod common;

use common::shared_data;
use liftcast::data::notation::{Offer, parse_offer};
use liftcast::data::roles::OutcomeKind;
use liftcast::data::{ImportOptions, Inspection, Role, RoleKind, RoleOverrides, import};

fn inspect(relative: &str) -> Inspection {
    let table = import::load(&shared_data(relative), &ImportOptions::default()).expect("loads");
    Inspection::new(table, None, &RoleOverrides::default()).expect("profiles")
}

#[test]
fn hillstrom_is_read_and_segment_is_a_lever_candidate() {
    let inspection = inspect(
        "hillstrom/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv",
    );
    assert_eq!(inspection.table.rows(), 64_000);
    assert_eq!(inspection.profiles.len(), 12);
    assert_eq!(
        inspection.mapping.role_of("segment"),
        Some(&Role::Lever {
            baseline: Some("No E-Mail".into())
        })
    );
    for (outcome, kind) in [
        ("visit", OutcomeKind::Binary),
        ("conversion", OutcomeKind::Binary),
        ("spend", OutcomeKind::Amount),
    ] {
        assert_eq!(
            inspection.mapping.role_of(outcome),
            Some(&Role::Outcome { kind: Some(kind) }),
            "{outcome}"
        );
    }
    let history_segment = inspection
        .profiles
        .iter()
        .find(|p| p.name == "history_segment")
        .unwrap();
    assert!(
        history_segment
            .top_values
            .iter()
            .any(|(value, _)| value == "6) $750 - $1,000")
    );
    assert!(
        inspection.validation.is_usable(),
        "{:#?}",
        inspection.validation.problems
    );
}

#[test]
fn artea_bom_does_not_leak_into_the_first_column() {
    let inspection = inspect("artea_coupon/artea-a_b-experiment-recoded.csv");
    assert_eq!(inspection.table.rows(), 5_000);
    assert_eq!(inspection.table.column_names()[0], "id");
    assert_eq!(inspection.mapping.role_of("id"), Some(&Role::Ignore));
    assert_eq!(
        inspection.mapping.role_of("test_coupon"),
        Some(&Role::Lever {
            baseline: Some("control".into())
        })
    );
    let outcomes = inspection.mapping.columns_with(RoleKind::Outcome);
    assert_eq!(outcomes, vec!["trans_after", "revenue_after"]);
    assert_eq!(
        inspection.mapping.role_of("weeks_since_visit"),
        Some(&Role::Covariate)
    );
    assert!(
        inspection.validation.is_usable(),
        "{:#?}",
        inspection.validation.problems
    );
}

#[test]
fn o2o_rows_dates_and_both_coupon_notations() {
    let inspection = inspect("o2o_coupon/ccf_offline_stage1_test_revised.csv");
    assert_eq!(inspection.table.rows(), 113_640);
    let discount = inspection
        .profiles
        .iter()
        .find(|p| p.name == "Discount_rate")
        .unwrap();
    let notation = discount.notation.as_ref().expect("notation parsed");
    assert_eq!(notation.spend_threshold, 111_074);
    assert_eq!(notation.price_rate, 2_566);
    assert_eq!(notation.labels, 0);
    assert!(matches!(
        inspection.mapping.role_of("Discount_rate"),
        Some(Role::Lever { .. })
    ));
    assert_eq!(
        parse_offer("150:20"),
        Offer::SpendThreshold {
            threshold: 150.0,
            amount_off: 20.0
        }
    );
    let values = liftcast::data::column::texts(&inspection.table.frame, "Discount_rate").unwrap();
    let fields = liftcast::data::notation::offer_fields(&values);
    assert_eq!(
        fields.discount_rate.iter().flatten().count(),
        113_640,
        "every row has a rate"
    );
    let first = (fields.threshold[0], fields.amount_off[0]);
    assert_eq!(first, (Some(30.0), Some(5.0)), "row 1 is 30:5");
    let distance = inspection
        .profiles
        .iter()
        .find(|p| p.name == "Distance")
        .unwrap();
    assert_eq!(distance.missing, 12_064, "literal null is missing");
    assert!(distance.numeric);
    assert_eq!(
        inspection.mapping.role_of("Date_received"),
        Some(&Role::Time)
    );
    assert_eq!(inspection.mapping.role_of("User_id"), Some(&Role::Ignore));
    let time = inspection
        .validation
        .problems
        .iter()
        .all(|p| p.column.as_deref() != Some("Date_received"));
    assert!(
        time,
        "the yyyymmdd dates parse: {:#?}",
        inspection.validation.problems
    );
    // No outcome column: usable as a population, not for training.
    assert!(!inspection.validation.is_usable());
}
