//! Flags for verbs that train or use a model.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use polars::prelude::DataFrame;

use crate::data::import;
use crate::model::{DeviceChoice, ForecastModel, LeverSetting, ModelFamily};

/// A saved model and the rows it runs over, for verbs that use a model.
#[derive(Args, Debug)]
pub struct ModelData {
    /// A model folder written by `liftcast train`.
    pub model: PathBuf,
    /// History or population file (default: the model's training data).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
}

impl ModelData {
    /// Loads the model on the chosen device, then its data.
    pub fn load(&self) -> anyhow::Result<(ForecastModel, DataFrame)> {
        let model = ForecastModel::load(&self.model, self.device.into())?;
        let data = self
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from(&model.meta.data_file));
        let table = import::load(&data, &Default::default())?;
        Ok((model, table.frame))
    }
}

/// Which model family trains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// The deep ensemble and gradient-boosted trees, blended per outcome on validation rows.
    #[default]
    Hybrid,
    /// The deep ensemble alone.
    Deep,
    /// The gradient-boosted trees alone (bagged perpetual boosters, on the CPU).
    Trees,
}

impl From<FamilyArg> for ModelFamily {
    fn from(arg: FamilyArg) -> Self {
        match arg {
            FamilyArg::Hybrid => ModelFamily::Hybrid,
            FamilyArg::Deep => ModelFamily::Deep,
            FamilyArg::Trees => ModelFamily::Trees,
        }
    }
}

/// Where the network runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// A hardware GPU that passes a self-test, else the CPU (says which and why).
    #[default]
    Auto,
    /// The CPU: on the default model size as fast as a GPU, and with no first-use kernel tuning
    /// (about two minutes per data shape on a GPU; BENCHMARKS.md)
    Cpu,
    /// A GPU through wgpu (a hardware one first, else wgpu's default adapter), or an error when
    /// none passes the self-test
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

/// `NAME:LEVER=VALUE,LEVER=VALUE` (an arm or a grid setting) as its name and settings.
pub fn parse_named_settings(flag: &str) -> anyhow::Result<(String, Vec<LeverSetting>)> {
    let Some((name, settings)) = flag.split_once(':') else {
        anyhow::bail!("'{flag}' should read NAME:LEVER=VALUE,LEVER=VALUE");
    };
    let settings: Vec<String> = settings.split(',').map(str::to_owned).collect();
    Ok((name.trim().to_owned(), parse_settings(&settings)?))
}

/// Every `--{flag} NAME:LEVER=VALUE,…`, refusing two of one name: the answer names them.
pub fn parse_named_list(
    flags: &[String],
    flag: &str,
) -> anyhow::Result<Vec<(String, Vec<LeverSetting>)>> {
    let mut named: Vec<(String, Vec<LeverSetting>)> = Vec::with_capacity(flags.len());
    for text in flags {
        let (name, settings) = parse_named_settings(text)?;
        if named.iter().any(|(other, _)| *other == name) {
            anyhow::bail!("two --{flag} are named '{name}': give each its own name");
        }
        named.push((name, settings));
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_settings_keep_their_names_apart() {
        let flags = [
            "p10:discount_pct=10".to_owned(),
            "c150:coupon=150:20".to_owned(),
        ];
        let named = parse_named_list(&flags, "arm").unwrap();
        assert_eq!(named[0].0, "p10");
        assert_eq!(named[1].1[0].value, "150:20");
        let twice = [
            "a:discount_pct=10".to_owned(),
            "a:discount_pct=20".to_owned(),
        ];
        let error = parse_named_list(&twice, "arm").unwrap_err().to_string();
        assert!(error.contains("two --arm are named 'a'"), "{error}");
    }
}
