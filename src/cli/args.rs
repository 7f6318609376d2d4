//! Flags shared by every verb that reads data: how to read the file and which column plays
//! which role. Defined once so `inspect`, `train` and `forecast` read them the same way.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::data::{ImportOptions, RoleMapping, RoleOverrides};
use crate::files::FileError;

/// How to read the data file.
#[derive(Args, Clone, Debug, Default)]
pub struct ImportArgs {
    /// Worksheet to read from an Excel workbook (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Text encoding when detection gets it wrong (utf-8, gbk, gb18030, shift_jis, utf-16le…).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
}

impl ImportArgs {
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            sheet: self.sheet.clone(),
            encoding: self.encoding.clone(),
        }
    }
}

/// Column roles, overriding what Liftcast detects.
#[derive(Args, Clone, Debug, Default)]
pub struct RoleArgs {
    /// The date column.
    #[arg(long, value_name = "COLUMN")]
    pub time: Option<String>,
    /// A categorical split (segment, store, channel); repeatable.
    #[arg(long = "dim", value_name = "COLUMN")]
    pub dimensions: Vec<String>,
    /// A lever the planner sets, with its "no campaign" value: `--lever segment="No E-Mail"`;
    /// repeatable.
    #[arg(long = "lever", value_name = "COLUMN[=BASELINE]")]
    pub levers: Vec<String>,
    /// An uncontrolled numeric input; repeatable.
    #[arg(long = "covariate", value_name = "COLUMN")]
    pub covariates: Vec<String>,
    /// Audience size, messages sent or impressions.
    #[arg(long, value_name = "COLUMN")]
    pub exposure: Option<String>,
    /// What to forecast; repeatable.
    #[arg(long = "outcome", value_name = "COLUMN")]
    pub outcomes: Vec<String>,
    /// A column to leave out; repeatable.
    #[arg(long = "ignore", value_name = "COLUMN")]
    pub ignore: Vec<String>,
    /// Start from a saved mapping (JSON) instead of detection.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

impl RoleArgs {
    pub fn overrides(&self) -> RoleOverrides {
        RoleOverrides {
            time: self.time.clone(),
            dimensions: self.dimensions.clone(),
            levers: self.levers.iter().map(|l| split_lever(l)).collect(),
            covariates: self.covariates.clone(),
            exposure: self.exposure.clone(),
            outcomes: self.outcomes.clone(),
            ignore: self.ignore.clone(),
        }
    }

    /// The saved mapping to start from, when one was named.
    pub fn base_mapping(&self) -> Result<Option<RoleMapping>, FileError> {
        self.mapping.as_deref().map(RoleMapping::load).transpose()
    }

    pub fn mapping_path(&self) -> Option<&Path> {
        self.mapping.as_deref()
    }
}

/// `segment=No E-Mail` → (`segment`, `Some("No E-Mail")`); quotes around the value are dropped.
fn split_lever(flag: &str) -> (String, Option<String>) {
    match flag.split_once('=') {
        Some((column, baseline)) => (
            column.trim().to_owned(),
            Some(baseline.trim().trim_matches('"').to_owned()),
        ),
        None => (flag.trim().to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lever_flags_split_at_the_first_equals() {
        assert_eq!(
            split_lever("segment=No E-Mail"),
            ("segment".into(), Some("No E-Mail".into()))
        );
        assert_eq!(
            split_lever("coupon=\"a=b\""),
            ("coupon".into(), Some("a=b".into()))
        );
        assert_eq!(split_lever("discount"), ("discount".into(), None));
    }
}
