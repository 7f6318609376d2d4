//! Data: reading files (CSV/TSV, Parquet, JSON Lines, Excel) into tables, column roles and their
//! detection, coupon notations, dates, validation into a schema, and the sample-data generator.

pub mod carryover;
pub mod column;
pub mod controls;
pub mod dates;
pub mod detect;
pub mod festivals;
pub mod frame;
pub mod import;
pub mod missing;
pub mod notation;
pub mod problem;
pub mod profile;
pub mod roles;
pub mod sample;
pub mod schema;
pub mod validate;
pub mod write;

pub use detect::Detection;
pub use import::{ImportError, ImportOptions, Table};
pub use problem::{Problem, ProblemCode, Severity};
pub use profile::ColumnProfile;
pub use roles::{Role, RoleKind, RoleMapping, RoleOverrides};
pub use schema::Schema;
pub use validate::Validation;

use thiserror::Error;

/// A table looked at as a whole: its columns, the suggested roles, the mapping in force and
/// what validation found. This is what `liftcast inspect` prints and the Roles step shows.
#[derive(Clone, Debug)]
pub struct Inspection {
    pub table: Table,
    pub profiles: Vec<ColumnProfile>,
    pub detections: Vec<Detection>,
    pub mapping: RoleMapping,
    pub validation: Validation,
}

/// Why a table could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    #[error("{path}: cannot summarise column values: {message}")]
    Profile { path: String, message: String },
}

impl Inspection {
    /// Profiles the table, detects roles, starts from `base` (a saved mapping) or the
    /// detection, applies the user's overrides, and validates.
    pub fn new(
        table: Table,
        base: Option<RoleMapping>,
        overrides: &RoleOverrides,
    ) -> Result<Self, InspectError> {
        let profiles = profile::profile_table(&table).map_err(|e| InspectError::Profile {
            path: table.source.display_name(),
            message: e.to_string(),
        })?;
        let detections = detect::detect_roles(&profiles);
        let mut mapping = base.unwrap_or_else(|| detect::mapping_from(&detections));
        overrides.apply(&mut mapping, |column| {
            profiles.iter().any(|p| p.name == column && p.numeric)
        });
        let validation = validate::validate(&table, &profiles, &mapping);
        Ok(Self {
            table,
            profiles,
            detections,
            mapping,
            validation,
        })
    }

    /// Re-validates after the user changed the mapping.
    pub fn set_mapping(&mut self, mapping: RoleMapping) {
        self.validation = validate::validate(&self.table, &self.profiles, &mapping);
        self.mapping = mapping;
    }

    pub fn detection(&self, column: &str) -> Option<&Detection> {
        self.detections.iter().find(|d| d.column == column)
    }
}
