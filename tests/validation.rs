//! Each validation problem is found, located and explained; a clean mapping becomes a schema.

use std::path::Path;

use liftcast::data::roles::OutcomeKind;
use liftcast::data::schema::LeverKind;
use liftcast::data::{
    ImportOptions, Inspection, Problem, ProblemCode, Role, RoleMapping, RoleOverrides, Severity,
    import,
};

/// A small valid campaign table with `rows` rows.
fn campaign_csv(rows: usize) -> String {
    let mut text = String::from("date,segment,discount_pct,sends,orders,revenue\n");
    for day in 0..rows {
        let discount = if day % 3 == 0 { 10 } else { 0 };
        text.push_str(&format!(
            "2024-01-{:02},{},{discount},{},{},{:.2}\n",
            day % 28 + 1,
            if day % 2 == 0 { "new" } else { "vip" },
            1000 + day,
            day % 7,
            (day % 7) as f64 * 31.5
        ));
    }
    text
}

fn inspect(csv: &str, overrides: RoleOverrides) -> Inspection {
    inspect_with(csv, None, overrides)
}

fn inspect_with(csv: &str, base: Option<RoleMapping>, overrides: RoleOverrides) -> Inspection {
    let table = import::load_bytes(
        Path::new("shop.csv"),
        csv.as_bytes(),
        &ImportOptions::default(),
    )
    .expect("the test table loads");
    Inspection::new(table, base, &overrides).expect("the table profiles")
}

fn find(inspection: &Inspection, code: ProblemCode) -> &Problem {
    inspection
        .validation
        .problems
        .iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("expected {code:?} in {:#?}", inspection.validation.problems))
}

#[test]
fn a_clean_table_becomes_a_schema() {
    let inspection = inspect(&campaign_csv(60), RoleOverrides::default());
    let schema = inspection.validation.schema.as_ref().expect("usable");
    assert_eq!(
        schema.time.as_ref().map(|t| t.column.as_str()),
        Some("date")
    );
    assert_eq!(schema.exposure.as_deref(), Some("sends"));
    let outcomes: Vec<_> = schema
        .outcomes
        .iter()
        .map(|o| (o.column.as_str(), o.kind))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("orders", OutcomeKind::Count),
            ("revenue", OutcomeKind::Amount)
        ]
    );
    let lever = &schema.levers[0];
    assert_eq!(lever.column, "discount_pct");
    assert_eq!(lever.baseline, "0");
    assert!(matches!(lever.kind, LeverKind::Numeric { min, max } if min == 0.0 && max == 10.0));
}

#[test]
fn missing_column_names_the_columns_there_are() {
    let overrides = RoleOverrides {
        outcomes: vec!["profit".into()],
        ..Default::default()
    };
    let inspection = inspect(&campaign_csv(60), overrides);
    let problem = find(&inspection, ProblemCode::MissingColumn);
    assert_eq!(problem.severity, Severity::Error);
    assert_eq!(problem.column.as_deref(), Some("profit"));
    assert_eq!(problem.file.as_deref(), Some("shop.csv"));
    assert!(
        problem.message.contains("date, segment"),
        "{}",
        problem.message
    );
    assert!(!inspection.validation.is_usable());
}

#[test]
fn duplicate_header_is_reported() {
    let csv = campaign_csv(60).replacen("revenue", "orders", 1);
    let inspection = inspect(&csv, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::DuplicateColumn);
    assert!(
        problem.message.contains("'orders' twice"),
        "{}",
        problem.message
    );
}

#[test]
fn duplicate_mapping_entry_is_an_error() {
    let mut mapping = RoleMapping::default();
    mapping.columns.push(liftcast::data::roles::ColumnRole {
        column: "orders".into(),
        role: Role::Outcome { kind: None },
    });
    mapping.columns.push(liftcast::data::roles::ColumnRole {
        column: "orders".into(),
        role: Role::Covariate,
    });
    let inspection = inspect_with(&campaign_csv(60), Some(mapping), RoleOverrides::default());
    assert!(find(&inspection, ProblemCode::DuplicateMapping).is_error());
}

#[test]
fn text_outcome_is_the_wrong_type() {
    let overrides = RoleOverrides {
        outcomes: vec!["segment".into()],
        ..Default::default()
    };
    let inspection = inspect(&campaign_csv(60), overrides);
    let problem = find(&inspection, ProblemCode::WrongType);
    assert_eq!(problem.column.as_deref(), Some("segment"));
    assert!(
        problem.message.contains("must be a number"),
        "{}",
        problem.message
    );
}

#[test]
fn unparseable_date_names_the_row() {
    let csv = campaign_csv(60).replacen("2024-01-05", "5th of Jan", 1);
    let inspection = inspect(
        &csv,
        RoleOverrides {
            time: Some("date".into()),
            ..Default::default()
        },
    );
    let problem = find(&inspection, ProblemCode::UnparseableDate);
    assert_eq!(problem.row, Some(5));
    assert!(
        problem.message.contains("'5th of Jan'"),
        "{}",
        problem.message
    );
}

#[test]
fn negative_amount_names_the_row() {
    let csv = campaign_csv(60).replacen(",63.00\n", ",-63.00\n", 1);
    let inspection = inspect(&csv, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::NegativeAmount);
    assert_eq!(problem.column.as_deref(), Some("revenue"));
    assert_eq!(problem.row, Some(3));
    assert!(problem.is_error());
}

#[test]
fn constant_outcome_is_an_error() {
    let mut csv = String::from("segment,orders\n");
    for row in 0..40 {
        csv.push_str(&format!("{},3\n", if row % 2 == 0 { "a" } else { "b" }));
    }
    let inspection = inspect(&csv, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::ConstantOutcome);
    assert!(
        problem.message.contains("single value (3)"),
        "{}",
        problem.message
    );
}

#[test]
fn lever_that_never_varies_is_a_warning_that_says_why() {
    let csv = campaign_csv(60).replace(",10,", ",0,");
    let inspection = inspect(
        &csv,
        RoleOverrides {
            levers: vec![("discount_pct".into(), Some("0".into()))],
            ..Default::default()
        },
    );
    let problem = find(&inspection, ProblemCode::LeverNeverVaries);
    assert_eq!(problem.severity, Severity::Warning);
    assert!(
        problem.message.contains("cannot be learned"),
        "{}",
        problem.message
    );
    assert!(
        inspection.validation.is_usable(),
        "warnings let the user go on"
    );
}

#[test]
fn too_few_rows_is_an_error() {
    let inspection = inspect(&campaign_csv(5), RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::TooFewRows);
    assert!(problem.is_error());
    assert!(
        problem.message.contains("5 data rows"),
        "{}",
        problem.message
    );
}

#[test]
fn id_like_dimension_is_flagged() {
    let mut csv = String::from("customer,orders\n");
    for row in 0..100 {
        csv.push_str(&format!("c{row},{}\n", row % 3));
    }
    let inspection = inspect(
        &csv,
        RoleOverrides {
            dimensions: vec!["customer".into()],
            ..Default::default()
        },
    );
    let problem = find(&inspection, ProblemCode::IdLike);
    assert!(
        problem.message.contains("identifier"),
        "{}",
        problem.message
    );
}

#[test]
fn no_outcome_is_an_error() {
    let inspection = inspect(
        &campaign_csv(60),
        RoleOverrides {
            ignore: vec!["orders".into(), "revenue".into()],
            ..Default::default()
        },
    );
    assert!(find(&inspection, ProblemCode::NoOutcome).is_error());
}

#[test]
fn absurd_numbers_are_errors() {
    let csv = campaign_csv(60)
        .replacen(",1002,", ",1e300,", 1)
        .replacen(",63.00\n", ",inf\n", 1);
    let inspection = inspect(&csv, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::AbsurdNumber);
    assert!(problem.is_error());
    assert!(problem.row.is_some());
    // Written as people write it, and counted in the singular when there is one.
    assert!(
        problem
            .message
            .starts_with("1e300 is not a plausible value")
            && problem.message.contains("(1 such value)")
            && problem.message.ends_with("fix or remove it"),
        "{}",
        problem.message
    );
}

#[test]
fn time_data_with_too_few_dates_is_an_error_before_training() {
    // 60 rows on two dates: one would be held out and none left to train and stop on.
    let mut two_dates = String::from("date,segment,discount_pct,sends,orders,revenue\n");
    for (i, line) in campaign_csv(60).lines().skip(1).enumerate() {
        let rest = line
            .split_once(',')
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        two_dates.push_str(&format!("2024-01-0{},{rest}\n", 1 + i % 2));
    }
    let inspection = inspect(&two_dates, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::TooFewDates);
    assert!(problem.is_error());
    assert_eq!(problem.column.as_deref(), Some("date"));
    assert!(
        problem
            .message
            .contains("only 2 dates (2024-01-01 to 2024-01-02)")
            && problem.message.contains("at least 3"),
        "{}",
        problem.message
    );
    // Three dates are enough.
    let three = two_dates.replacen("2024-01-01,", "2024-01-03,", 1);
    let inspection = inspect(&three, RoleOverrides::default());
    assert!(
        !inspection
            .validation
            .problems
            .iter()
            .any(|p| p.code == ProblemCode::TooFewDates)
    );
}

#[test]
fn a_lever_named_but_never_varied_is_detected_as_a_lever_and_warned_of() {
    let csv = campaign_csv(60).replace(",10,", ",0,");
    let inspection = inspect(&csv, RoleOverrides::default());
    assert!(
        matches!(
            inspection.mapping.role_of("discount_pct"),
            Some(Role::Lever { .. })
        ),
        "{:?}",
        inspection.mapping.role_of("discount_pct")
    );
    let problem = find(&inspection, ProblemCode::LeverNeverVaries);
    assert_eq!(problem.column.as_deref(), Some("discount_pct"));
}

#[test]
fn no_lever_is_a_warning_that_says_what_is_lost() {
    let inspection = inspect(
        &campaign_csv(60),
        RoleOverrides {
            ignore: vec!["discount_pct".into()],
            ..Default::default()
        },
    );
    let problem = find(&inspection, ProblemCode::NoLever);
    assert_eq!(problem.severity, Severity::Warning);
    assert!(
        problem.message.contains("not what a campaign changes"),
        "{}",
        problem.message
    );
    assert!(inspection.validation.is_usable());
}

#[test]
fn a_coupon_taking_off_more_than_its_threshold_is_flagged_as_reversed() {
    let mut csv = String::from("segment,coupon,orders\n");
    for row in 0..60 {
        let coupon = ["none", "150:20", "20:150", "300:50"][row % 4];
        csv.push_str(&format!("{},{coupon},{}\n", ["a", "b"][row % 2], row % 5));
    }
    let inspection = inspect(&csv, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::ImplausibleOffer);
    assert_eq!(problem.severity, Severity::Warning);
    assert!(
        problem
            .message
            .starts_with("'20:150' takes off at least what must be spent (1 such coupon)"),
        "{}",
        problem.message
    );
    // The plausible coupons alone raise nothing.
    let plausible = csv.replace("20:150", "200:30");
    let inspection = inspect(&plausible, RoleOverrides::default());
    assert!(
        !inspection
            .validation
            .problems
            .iter()
            .any(|p| p.code == ProblemCode::ImplausibleOffer)
    );
}

#[test]
fn baseline_missing_from_the_data_is_a_warning() {
    let inspection = inspect(
        &campaign_csv(60),
        RoleOverrides {
            levers: vec![("segment".into(), Some("control".into()))],
            ..Default::default()
        },
    );
    let problem = find(&inspection, ProblemCode::BaselineNotInData);
    assert!(
        problem.message.contains("'control' never occurs"),
        "{}",
        problem.message
    );
}

#[test]
fn two_time_columns_are_an_error() {
    let csv = campaign_csv(60).replace("segment", "day2");
    let mut mapping = RoleMapping::default();
    mapping.set("date", Role::Time);
    mapping.set("day2", Role::Time);
    mapping.set("orders", Role::Outcome { kind: None });
    let inspection = inspect_with(&csv, Some(mapping), RoleOverrides::default());
    assert!(find(&inspection, ProblemCode::DuplicateRole).is_error());
}

#[test]
fn outcome_with_missing_values_warns() {
    let csv = campaign_csv(60).replacen(",63.00\n", ",NA\n", 1);
    let inspection = inspect(&csv, RoleOverrides::default());
    let problem = find(&inspection, ProblemCode::MissingValues);
    assert_eq!(problem.column.as_deref(), Some("revenue"));
}
