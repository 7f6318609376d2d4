//! The GPU code path (burn's wgpu backend): the same saved weights predict the same numbers on
//! the GPU as on the CPU. On CI this runs on software Vulkan (lavapipe), which is slow but
//! correct; on the device machine it runs on the real GPU. Set LIFTCAST_REQUIRE_GPU=1 (CI does)
//! to make a missing adapter a failure instead of a skip.

mod common;

use liftcast::model::{DeviceChoice, ForecastModel, LeverSetting, TrainConfig};

#[test]
fn cpu_and_gpu_predictions_of_the_same_weights_agree() {
    let inspection = common::artea_inspection();
    let frame = inspection.table.frame.clone();
    let config = TrainConfig {
        epochs: 2,
        members: 2,
        ..TrainConfig::default()
    };
    let model = common::train_on_cpu(&inspection, config);
    let folder = tempfile::tempdir().unwrap();
    model.save(folder.path()).unwrap();

    let gpu = match ForecastModel::load(folder.path(), DeviceChoice::Gpu) {
        Ok(gpu) => gpu,
        Err(error) => {
            assert!(
                std::env::var_os("LIFTCAST_REQUIRE_GPU").is_none(),
                "LIFTCAST_REQUIRE_GPU is set but no GPU adapter opened: {error}"
            );
            eprintln!("skipped: no GPU adapter ({error})");
            return;
        }
    };
    let coupon = [LeverSetting {
        lever: "test_coupon".into(),
        value: "coupon".into(),
    }];
    let on_cpu = model.forecast(&frame, &coupon).unwrap();
    let on_gpu = gpu.forecast(&frame, &coupon).unwrap();
    for (cpu, gpu) in on_cpu.outcomes.iter().zip(&on_gpu.outcomes) {
        for (a, b) in [
            (cpu.scenario_total, gpu.scenario_total),
            (cpu.baseline_total, gpu.baseline_total),
        ] {
            assert!(
                (a - b).abs() <= 1e-3 * a.abs().max(1.0),
                "{}: CPU {a} vs GPU {b}",
                cpu.outcome
            );
        }
    }
    for (cpu, gpu) in on_cpu.rows.iter().zip(&on_gpu.rows) {
        for (a, b) in cpu.scenario.iter().zip(&gpu.scenario) {
            assert!(
                (a - b).abs() <= 1e-3 * a.abs().max(1e-3),
                "{}: row CPU {a} vs GPU {b}",
                cpu.outcome
            );
        }
    }
}
