//! `liftcast train` and `liftcast forecast` end to end on the Artea coupon test.

mod common;

use common::{liftcast, shared_data, stderr, stdout};

#[test]
fn train_then_forecast_with_a_lever_setting() {
    let data = shared_data("artea_coupon/artea-a_b-experiment-recoded.csv");
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("artea_model");
    let output = liftcast(&[
        "train",
        data.to_str().unwrap(),
        "--lever",
        "test_coupon=control",
        "--outcome",
        "trans_after",
        "--out",
        model.to_str().unwrap(),
        "--device",
        "cpu",
        "--epochs",
        "5",
        "--ensemble",
        "2",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["event"] == "epoch"));
    let done = lines.last().unwrap();
    assert_eq!(done["event"], "done");
    assert_eq!(done["holdout"][0]["outcome"], "trans_after");

    let output = liftcast(&[
        "forecast",
        model.to_str().unwrap(),
        "--set",
        "test_coupon=coupon",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let forecast: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let outcome = &forecast["outcomes"][0];
    assert_eq!(outcome["rows"], 5000);
    let lift = outcome["lift"].as_f64().unwrap();
    let difference =
        outcome["scenario_total"].as_f64().unwrap() - outcome["baseline_total"].as_f64().unwrap();
    assert!((lift - difference).abs() < 1e-6);

    // Customers have no days after the data: said, not guessed.
    let output = liftcast(&[
        "forecast",
        model.to_str().unwrap(),
        "--set",
        "test_coupon=coupon",
        "--days",
        "7",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no days after it"),
        "{}",
        stderr(&output)
    );

    let output = liftcast(&[
        "forecast",
        model.to_str().unwrap(),
        "--set",
        "no_such_lever=1",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not in the model"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn forecast_of_a_missing_model_folder_is_a_clear_error() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("none");
    let output = liftcast(&["forecast", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    assert!(
        said.contains("none: no such folder. Give a model folder written by `liftcast train`"),
        "{said}"
    );
    // Said once, in words: not the system's "(os error 2)" twice over.
    assert!(!said.contains("os error"), "{said}");
    // A folder that holds no model says so.
    let output = liftcast(&["forecast", folder.path().to_str().unwrap()]);
    assert!(
        stderr(&output).contains("is not a model folder: it has no model.json"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_failing_gpu_falls_back_to_the_cpu_in_auto_mode_only() {
    let data = shared_data("artea_coupon/artea-a_b-experiment-recoded.csv");
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("m");
    let simulate = [("LIFTCAST_SIMULATE_GPU_FAILURE", "1")];
    let args = |device: &'static str| {
        vec![
            "train".to_owned(),
            data.display().to_string(),
            "--outcome".into(),
            "trans_after".into(),
            "--out".into(),
            model.display().to_string(),
            "--epochs".into(),
            "1".into(),
            "--ensemble".into(),
            "1".into(),
            "--device".into(),
            device.into(),
            "--json".into(),
        ]
    };
    let auto = args("auto");
    let auto: Vec<&str> = auto.iter().map(String::as_str).collect();
    let output = common::liftcast_with_env(&auto, &simulate);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let done: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let device = done["device"].as_str().unwrap();
    assert!(
        device.starts_with("CPU") && device.contains("simulated"),
        "{device}"
    );

    let gpu = args("gpu");
    let gpu: Vec<&str> = gpu.iter().map(String::as_str).collect();
    let output = common::liftcast_with_env(&gpu, &simulate);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the GPU cannot be used"),
        "{}",
        stderr(&output)
    );
}

/// On a machine without a desktop session (no `XDG_RUNTIME_DIR`: a server, cron, CI), probing
/// for a GPU must not print Mesa's device-select complaints: the command's output is all the
/// user sees. Where no Vulkan driver is installed there is nothing to print either way.
#[test]
fn probing_for_a_gpu_without_a_desktop_session_prints_no_errors() {
    let data = shared_data("artea_coupon/artea-a_b-experiment-recoded.csv");
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("m");
    let model_arg = model.display().to_string();
    let data_arg = data.display().to_string();
    let args = [
        "train",
        data_arg.as_str(),
        "--outcome",
        "trans_after",
        "--out",
        model_arg.as_str(),
        "--epochs",
        "1",
        "--ensemble",
        "1",
        "--device",
        "auto",
    ];
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_liftcast"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NODEVICE_SELECT")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let errors = stderr(&output);
    assert!(!errors.contains("XDG_RUNTIME_DIR"), "{errors}");
}
