//! Choosing where the network runs: a GPU through burn's wgpu backend when one works, else the
//! CPU through flex. One code path for both: only the device value differs.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// What the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    /// A hardware GPU that passes a self-test, else the CPU.
    #[default]
    Auto,
    Cpu,
    Gpu,
}

/// Set to make the GPU self-test fail, to exercise the fallback.
pub const SIMULATE_GPU_FAILURE: &str = "LIFTCAST_SIMULATE_GPU_FAILURE";

/// The hardware adapters tried, in order. Auto tries these alone: a software adapter
/// (lavapipe) is many times slower than flex. `--device gpu` asks by the same kinds before
/// falling back to wgpu's default adapter, so both choices open the same device: cubecl keeps its
/// tuned kernels per kind asked for, and a fresh tuning costs about two minutes on an H100
/// (BENCHMARKS.md).
fn hardware_kinds() -> [DeviceKind; 2] {
    [DeviceKind::DiscreteGpu(0), DeviceKind::IntegratedGpu(0)]
}

/// The device and a description for people (which device, and why).
pub fn resolve(choice: DeviceChoice) -> Result<(Device, String), String> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::flex(), "CPU (flex)".into())),
        DeviceChoice::Gpu => {
            let kinds = hardware_kinds()
                .into_iter()
                .chain([DeviceKind::DefaultDevice]);
            first_gpu(kinds)
                .map_err(|why| format!("the GPU cannot be used: {why}; use --device cpu"))
        }
        DeviceChoice::Auto => first_gpu(hardware_kinds()).or_else(|why| {
            Ok((
                Device::flex(),
                format!("CPU (flex), because no GPU passed the self-test ({why})"),
            ))
        }),
    }
}

/// The first of `kinds` that opens and passes the self-test, described; else each kind's
/// reason.
fn first_gpu(kinds: impl IntoIterator<Item = DeviceKind>) -> Result<(Device, String), String> {
    let mut reasons = Vec::new();
    for kind in kinds {
        match gpu(kind.clone()) {
            Ok(device) => return Ok((device, format!("GPU (wgpu, {kind:?})"))),
            Err(why) => reasons.push(format!("{kind:?}: {why}")),
        }
    }
    Err(reasons.join("; "))
}

/// The device's description without why it was chosen ("CPU (flex), because no GPU passed…")
/// or what it replaced ("CPU (flex), after the GPU failed…"): for a top bar.
pub fn short_label(label: &str) -> &str {
    [", because", ", after"]
        .iter()
        .fold(label, |short, reason| {
            short.split(reason).next().unwrap_or(short)
        })
}

/// What to expect before the first epoch on the device `label` describes (`resolve`'s words):
/// a GPU's first run of a data set's shapes tunes its kernels, measured at about two minutes on
/// an H100 (BENCHMARKS.md), which would otherwise look like a hang.
pub fn first_use_note(label: &str) -> Option<&'static str> {
    label.starts_with("GPU").then_some(
        "a GPU's first run on data of this shape tunes its kernels, so the first epoch can take \
         a few minutes; later runs reuse the tuning",
    )
}

/// Opens a wgpu device and checks a small matrix product against the CPU's answer.
fn gpu(kind: DeviceKind) -> Result<Device, String> {
    if std::env::var_os(SIMULATE_GPU_FAILURE).is_some() {
        return Err(format!("simulated failure ({SIMULATE_GPU_FAILURE} is set)"));
    }
    let outcome = crate::quiet_panics::run_quietly(|| {
        let device = Device::wgpu(kind);
        let result = self_test(&device);
        (device, result)
    });
    match outcome {
        Ok((device, Ok(()))) => Ok(device),
        Ok((_, Err(why))) => Err(why),
        Err(_) => Err("no adapter of this kind could be opened".into()),
    }
}

/// A 4×3 by 3×2 product compared with the same product on the CPU.
fn self_test(device: &Device) -> Result<(), String> {
    let left: Vec<f32> = (0..12).map(|i| i as f32 * 0.5 - 2.0).collect();
    let right: Vec<f32> = (0..6).map(|i| 1.0 - i as f32 * 0.25).collect();
    let product = |device: &Device| -> Result<Vec<f32>, String> {
        let a = Tensor::<2>::from_data(TensorData::new(left.clone(), [4, 3]), device);
        let b = Tensor::<2>::from_data(TensorData::new(right.clone(), [3, 2]), device);
        a.matmul(b)
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| format!("{e:?}"))
    };
    let expected = product(&Device::flex())?;
    let actual = product(device)?;
    let close = expected.len() == actual.len()
        && expected
            .iter()
            .zip(&actual)
            .all(|(e, a)| (e - a).abs() <= 1e-4 * (1.0 + e.abs()));
    if close {
        Ok(())
    } else {
        Err(format!("self-test gave {actual:?}, expected {expected:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gpu_warns_of_its_first_run_and_the_cpu_does_not() {
        assert!(first_use_note("GPU (wgpu, DiscreteGpu(0))").is_some());
        assert!(first_use_note("GPU (wgpu)").is_some());
        let fallback = "CPU (flex), because no GPU passed the self-test (DiscreteGpu(0): none)";
        assert_eq!(first_use_note(fallback), None);
        assert_eq!(short_label(fallback), "CPU (flex)");
        assert_eq!(short_label("GPU (wgpu)"), "GPU (wgpu)");
        assert_eq!(
            short_label("GPU (wgpu, DiscreteGpu(0))"),
            "GPU (wgpu, DiscreteGpu(0))"
        );
        assert_eq!(
            short_label("CPU (flex), after the GPU failed during training: lost"),
            "CPU (flex)"
        );
    }
}
