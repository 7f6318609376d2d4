//! Flags for verbs that train or use a model.

use clap::ValueEnum;

use crate::model::{DeviceChoice, LeverSetting};

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

/// `--set LEVER=VALUE` flags as lever settings (quotes around the value are dropped).
pub fn parse_settings(flags: &[String]) -> anyhow::Result<Vec<LeverSetting>> {
    flags
        .iter()
        .map(|flag| {
            let Some((lever, value)) = flag.split_once('=') else {
                anyhow::bail!("--set {flag}: write it as LEVER=VALUE, e.g. --set discount_pct=15");
            };
            Ok(LeverSetting {
                lever: lever.trim().to_owned(),
                value: value.trim().trim_matches('"').to_owned(),
            })
        })
        .collect()
}
