//! Column roles: what each column means to a forecast. A mapping is what the user chose (or
//! accepted from detection); it is saved as versioned JSON and checked by `validate`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::files::{self, FileError};

/// Format version of saved mapping files.
pub const MAPPING_FORMAT_VERSION: u32 = 1;

/// What kind of quantity an outcome is; it decides the model's loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// 0/1 per unit (visited, converted).
    Binary,
    /// Whole numbers (clicks, orders).
    Count,
    /// Non-negative money or quantity, often mostly zero (revenue, spend).
    Amount,
}

/// The role of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// The date of each row.
    Time,
    /// A categorical split: segment, store, channel, merchant.
    Dimension,
    /// What a planner controls. `baseline` is the value meaning "no campaign".
    Lever {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<String>,
    },
    /// An input nobody controls (weather, past purchases).
    Covariate,
    /// How many units the outcomes are counted over: audience, messages, impressions.
    Exposure,
    /// What is forecast.
    Outcome {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<OutcomeKind>,
    },
    /// Not used.
    Ignore,
}

/// A role without its parameters, for pickers and counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Time,
    Dimension,
    Lever,
    Covariate,
    Exposure,
    Outcome,
    Ignore,
}

impl RoleKind {
    pub const ALL: [RoleKind; 7] = [
        RoleKind::Time,
        RoleKind::Dimension,
        RoleKind::Lever,
        RoleKind::Covariate,
        RoleKind::Exposure,
        RoleKind::Outcome,
        RoleKind::Ignore,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RoleKind::Time => "time",
            RoleKind::Dimension => "dimension",
            RoleKind::Lever => "lever",
            RoleKind::Covariate => "covariate",
            RoleKind::Exposure => "exposure",
            RoleKind::Outcome => "outcome",
            RoleKind::Ignore => "ignore",
        }
    }

    /// The role with default parameters.
    pub fn to_role(self) -> Role {
        match self {
            RoleKind::Time => Role::Time,
            RoleKind::Dimension => Role::Dimension,
            RoleKind::Lever => Role::Lever { baseline: None },
            RoleKind::Covariate => Role::Covariate,
            RoleKind::Exposure => Role::Exposure,
            RoleKind::Outcome => Role::Outcome { kind: None },
            RoleKind::Ignore => Role::Ignore,
        }
    }
}

impl Role {
    pub fn kind(&self) -> RoleKind {
        match self {
            Role::Time => RoleKind::Time,
            Role::Dimension => RoleKind::Dimension,
            Role::Lever { .. } => RoleKind::Lever,
            Role::Covariate => RoleKind::Covariate,
            Role::Exposure => RoleKind::Exposure,
            Role::Outcome { .. } => RoleKind::Outcome,
            Role::Ignore => RoleKind::Ignore,
        }
    }
}

/// One column and its role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnRole {
    pub column: String,
    #[serde(flatten)]
    pub role: Role,
}

/// The roles of a table's columns, as the user chose them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleMapping {
    pub format_version: u32,
    pub columns: Vec<ColumnRole>,
}

impl Default for RoleMapping {
    fn default() -> Self {
        Self {
            format_version: MAPPING_FORMAT_VERSION,
            columns: Vec::new(),
        }
    }
}

impl RoleMapping {
    pub fn role_of(&self, column: &str) -> Option<&Role> {
        self.columns
            .iter()
            .find(|c| c.column == column)
            .map(|c| &c.role)
    }

    /// Sets a column's role, adding the column when the mapping does not name it yet.
    pub fn set(&mut self, column: &str, role: Role) {
        match self.columns.iter_mut().find(|c| c.column == column) {
            Some(entry) => entry.role = role,
            None => self.columns.push(ColumnRole {
                column: column.to_owned(),
                role,
            }),
        }
    }

    /// Columns with a role of this kind, in mapping order.
    pub fn columns_with(&self, kind: RoleKind) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.role.kind() == kind)
            .map(|c| c.column.as_str())
            .collect()
    }

    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        files::save_json(path, self, "column mapping")
    }

    pub fn load(path: &Path) -> Result<Self, FileError> {
        files::load_versioned_json(path, "column mapping", MAPPING_FORMAT_VERSION)
    }
}

/// Roles the user stated explicitly (CLI flags), applied over a detected or loaded mapping.
/// Naming any column for a role replaces detection for that role: a detected outcome the user
/// did not list is ignored (never a feature: it would leak the answer), a detected lever not
/// listed becomes a plain dimension or covariate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleOverrides {
    pub time: Option<String>,
    pub dimensions: Vec<String>,
    /// Lever columns with an optional baseline value.
    pub levers: Vec<(String, Option<String>)>,
    pub covariates: Vec<String>,
    pub exposure: Option<String>,
    pub outcomes: Vec<String>,
    pub ignore: Vec<String>,
}

impl RoleOverrides {
    pub fn is_empty(&self) -> bool {
        self == &RoleOverrides::default()
    }

    /// Applies the overrides; `is_numeric` tells demoted levers which role they fall back to.
    pub fn apply(&self, mapping: &mut RoleMapping, is_numeric: impl Fn(&str) -> bool) {
        for entry in &mut mapping.columns {
            let demoted = match entry.role.kind() {
                RoleKind::Outcome if !self.outcomes.is_empty() => Some(Role::Ignore),
                RoleKind::Time if self.time.is_some() => Some(Role::Ignore),
                RoleKind::Exposure if self.exposure.is_some() => Some(Role::Covariate),
                RoleKind::Lever if !self.levers.is_empty() => Some(if is_numeric(&entry.column) {
                    Role::Covariate
                } else {
                    Role::Dimension
                }),
                _ => None,
            };
            if let Some(role) = demoted {
                entry.role = role;
            }
        }
        if let Some(time) = &self.time {
            mapping.set(time, Role::Time);
        }
        if let Some(exposure) = &self.exposure {
            mapping.set(exposure, Role::Exposure);
        }
        for column in &self.dimensions {
            mapping.set(column, Role::Dimension);
        }
        for column in &self.covariates {
            mapping.set(column, Role::Covariate);
        }
        for (column, baseline) in &self.levers {
            let baseline = baseline.clone().or_else(|| match mapping.role_of(column) {
                Some(Role::Lever { baseline }) => baseline.clone(),
                _ => None,
            });
            mapping.set(column, Role::Lever { baseline });
        }
        for column in &self.outcomes {
            let kind = match mapping.role_of(column) {
                Some(Role::Outcome { kind }) => *kind,
                _ => None,
            };
            mapping.set(column, Role::Outcome { kind });
        }
        for column in &self.ignore {
            mapping.set(column, Role::Ignore);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(entries: &[(&str, Role)]) -> RoleMapping {
        let mut mapping = RoleMapping::default();
        for (column, role) in entries {
            mapping.set(column, role.clone());
        }
        mapping
    }

    #[test]
    fn json_round_trip_is_identical() {
        let original = mapping(&[
            ("date", Role::Time),
            (
                "segment",
                Role::Lever {
                    baseline: Some("No E-Mail".into()),
                },
            ),
            (
                "visit",
                Role::Outcome {
                    kind: Some(OutcomeKind::Binary),
                },
            ),
        ]);
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("mapping.json");
        original.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""role": "lever""#), "{text}");
        assert_eq!(RoleMapping::load(&path).unwrap(), original);
    }

    #[test]
    fn naming_outcomes_ignores_other_detected_outcomes() {
        let mut detected = mapping(&[
            ("visit", Role::Outcome { kind: None }),
            ("spend", Role::Outcome { kind: None }),
            ("arm", Role::Lever { baseline: None }),
            ("discount", Role::Lever { baseline: None }),
        ]);
        let overrides = RoleOverrides {
            outcomes: vec!["visit".into()],
            levers: vec![("arm".into(), Some("control".into()))],
            ..Default::default()
        };
        overrides.apply(&mut detected, |column| column == "discount");
        assert_eq!(detected.role_of("spend"), Some(&Role::Ignore));
        assert_eq!(detected.role_of("discount"), Some(&Role::Covariate));
        assert_eq!(
            detected.role_of("arm"),
            Some(&Role::Lever {
                baseline: Some("control".into())
            })
        );
        assert_eq!(
            detected.role_of("visit"),
            Some(&Role::Outcome { kind: None })
        );
    }
}
