//! The committed sample data is exactly what the generator makes with its seed, and it reads
//! back with the roles and effects it documents.

mod common;

use std::path::Path;

use liftcast::data::sample::{
    self, CSV_NAME, DEFAULT_SEED, PLAN_COVARIATES_NAME, TRUTH_NAME, Truth,
};
use liftcast::data::{ImportOptions, Inspection, Role, RoleOverrides, import};

fn committed(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn regenerating_with_the_seed_gives_identical_bytes() {
    let folder = tempfile::tempdir().unwrap();
    let output = common::liftcast(&[
        "sample",
        "--out",
        folder.path().to_str().unwrap(),
        "--seed",
        &DEFAULT_SEED.to_string(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    for name in [CSV_NAME, TRUTH_NAME, PLAN_COVARIATES_NAME] {
        let fresh = std::fs::read(folder.path().join(name)).unwrap();
        assert!(
            fresh == committed(name),
            "{name} differs from the committed file"
        );
    }
}

/// Other designs are for experiments; one whose windows would overlap, or whose noise or
/// audience is not above zero, is refused with what the option takes, before anything is written.
#[test]
fn a_design_out_of_range_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("design");
    for (option, value, says) in [
        ("--window-spacing", "7", "14..=365"),
        ("--noise-shape", "0", "not a number above 0"),
        ("--audience-scale", "lots", "not a number above 0"),
    ] {
        let output = common::liftcast(&["sample", "--out", out.to_str().unwrap(), option, value]);
        assert_eq!(output.status.code(), Some(2), "{option} {value}");
        assert!(
            common::stderr(&output).contains(says),
            "{}",
            common::stderr(&output)
        );
        assert!(!out.exists(), "{option} {value} wrote files");
    }
}

#[test]
fn committed_sample_is_small_and_complete() {
    let csv = committed(CSV_NAME);
    assert!(csv.len() <= 10 * 1024 * 1024);
    let truth: Truth = serde_json::from_slice(&committed(TRUTH_NAME)).unwrap();
    assert!(truth.scenarios.len() >= 3);
    let generated = sample::generate(DEFAULT_SEED).truth;
    assert_eq!(truth.scenarios.len(), generated.scenarios.len());
    for (read, made) in truth.scenarios.iter().zip(&generated.scenarios) {
        assert_eq!(read.name, made.name);
        assert_eq!(read.rows, made.rows);
        for (a, b) in read.outcomes.iter().zip(&made.outcomes) {
            assert!(
                (a.lift - b.lift).abs() <= 1e-9 * b.lift.abs().max(1.0),
                "{}",
                read.name
            );
        }
    }
}

#[test]
fn sample_roles_are_detected_and_valid() {
    let table = import::load_bytes(
        Path::new(CSV_NAME),
        &committed(CSV_NAME),
        &ImportOptions::default(),
    )
    .unwrap();
    let inspection = Inspection::new(table, None, &RoleOverrides::default()).unwrap();
    let role = |c: &str| inspection.mapping.role_of(c).cloned();
    assert_eq!(role("date"), Some(Role::Time));
    assert_eq!(role("segment"), Some(Role::Dimension));
    assert_eq!(role("sends"), Some(Role::Exposure));
    assert_eq!(role("randomised"), Some(Role::Ignore));
    assert_eq!(role("competitor_sale"), Some(Role::Covariate));
    for lever in [
        "campaign_type",
        "discount_pct",
        "coupon",
        "duration_days",
        "creative",
    ] {
        assert!(
            matches!(role(lever), Some(Role::Lever { .. })),
            "{lever}: {:?}",
            role(lever)
        );
    }
    assert!(
        inspection.validation.is_usable(),
        "{:#?}",
        inspection.validation.problems
    );
}
