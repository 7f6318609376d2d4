//! Flags for verbs that train or use a model.

use clap::ValueEnum;

use crate::model::DeviceChoice;

/// Where the network runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// A GPU when one works, else the CPU (for now: the CPU).
    #[default]
    Auto,
    Cpu,
    Gpu,
}

impl From<DeviceArg> for DeviceChoice {
    fn from(arg: DeviceArg) -> Self {
        match arg {
            DeviceArg::Auto => DeviceChoice::Auto,
            DeviceArg::Cpu => DeviceChoice::Cpu,
            DeviceArg::Gpu => DeviceChoice::Gpu,
        }
    }
}
