//! Choosing where the network runs: the CPU through burn's flex backend, or a GPU through wgpu.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// What the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    /// The CPU for now; picking a GPU automatically (with a self-test) is not built yet.
    #[default]
    Auto,
    Cpu,
    Gpu,
}

/// The device and a description for people.
pub fn resolve(choice: DeviceChoice) -> Result<(Device, String), String> {
    match choice {
        DeviceChoice::Auto => Ok((
            Device::flex(),
            "CPU (flex; automatic GPU selection is not built yet)".into(),
        )),
        DeviceChoice::Cpu => Ok((Device::flex(), "CPU (flex)".into())),
        DeviceChoice::Gpu => {
            let outcome = std::panic::catch_unwind(|| Device::wgpu(DeviceKind::DefaultDevice));
            outcome
                .map(|device| (device, "GPU (wgpu)".into()))
                .map_err(|_| "no GPU adapter could be opened through wgpu; use --device cpu".into())
        }
    }
}
