//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod sample_optimiser;

use std::path::{Path, PathBuf};
use std::process::Output;

/// `../shared/data/NAME` beside the checkout (CI has it too).
pub fn shared_data(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(relative);
    assert!(
        path.exists(),
        "shared data {} is missing: the tests expect ../shared/data beside the checkout",
        path.display()
    );
    path
}

/// Runs the built `liftcast` binary with arguments.
pub fn liftcast(args: &[&str]) -> Output {
    liftcast_with_env(args, &[])
}

/// Runs the built `liftcast` binary with arguments and extra environment variables.
pub fn liftcast_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_liftcast"));
    command
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the liftcast binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes bytes to a file in a temporary folder and returns both (keep the folder alive).
pub fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join(name);
    std::fs::write(&path, bytes).expect("the test file is written");
    (folder, path)
}

/// The embedded sample data, imported and with its roles detected.
pub fn sample_inspection() -> liftcast::data::Inspection {
    use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/shop_campaigns.csv");
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    Inspection::new(table, None, &RoleOverrides::default()).unwrap()
}

/// Trains on an inspection on the CPU and waits for the model.
pub fn train_on_cpu(
    inspection: &liftcast::data::Inspection,
    config: liftcast::model::TrainConfig,
) -> liftcast::model::ForecastModel {
    use liftcast::model::{DeviceChoice, EpochReport, start_training};
    start_training(inspection, config, DeviceChoice::Cpu, None)
        .unwrap()
        .wait(|_: EpochReport| {})
        .unwrap()
        .unwrap()
}

/// Trains the final fit (default settings, every row learnt) on an inspection on the CPU: the
/// model a planner uses, which the truth checks test.
pub fn train_final_fit(inspection: &liftcast::data::Inspection) -> liftcast::model::ForecastModel {
    let config = liftcast::model::TrainConfig {
        final_fit: true,
        ..liftcast::model::TrainConfig::default()
    };
    train_on_cpu(inspection, config)
}

/// Trains a model on `data` with `liftcast train` on the CPU (`epochs` at most, two members)
/// into `out`, and checks it succeeded.
pub fn train_cli(data: &Path, out: &Path, epochs: &str) {
    let output = liftcast(&[
        "train",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--device",
        "cpu",
        "--epochs",
        epochs,
        "--ensemble",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// The sample data file committed in `sample_data/`.
pub fn sample_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/shop_campaigns.csv")
}

/// The randomised Hillstrom e-mail test with its arm as the lever (baseline `No E-Mail`) and
/// visit, conversion and spend as outcomes.
pub fn hillstrom_inspection() -> liftcast::data::Inspection {
    use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
    let path = shared_data(
        "hillstrom/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv",
    );
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    let overrides = RoleOverrides {
        levers: vec![("segment".into(), Some("No E-Mail".into()))],
        outcomes: vec!["visit".into(), "conversion".into(), "spend".into()],
        ..Default::default()
    };
    Inspection::new(table, None, &overrides).unwrap()
}

/// The Artea coupon test with its arm as the lever (baseline `control`) and both outcomes.
pub fn artea_inspection() -> liftcast::data::Inspection {
    use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
    let path = shared_data("artea_coupon/artea-a_b-experiment-recoded.csv");
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    let overrides = RoleOverrides {
        levers: vec![("test_coupon".into(), Some("control".into()))],
        outcomes: vec!["trans_after".into(), "revenue_after".into()],
        ..Default::default()
    };
    Inspection::new(table, None, &overrides).unwrap()
}

/// A plan committed in `sample_data/plans/`.
pub fn sample_plan(name: &str) -> liftcast::scenario::plan::Plan {
    liftcast::scenario::plan::Plan::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample_data/plans")
            .join(name),
    )
    .unwrap()
}
