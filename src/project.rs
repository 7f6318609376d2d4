//! A project file (`*.liftcast.json`): the data file with its content hash, the column mapping,
//! the model folder, the saved scenarios and the chosen curve. Reopening restores the screens
//! and reproduces every number; a data file that changed since is detected and reported, never
//! silently used.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::{ImportOptions, Inspection, RoleMapping, RoleOverrides, import};
use crate::embedded;
use crate::files::{FileError, load_versioned_json, save_json};
use crate::model::{DeviceChoice, ForecastModel, LeverSetting, ModelError};

pub const PROJECT_FORMAT_VERSION: u32 = 1;
/// The extension projects are saved with.
pub const PROJECT_EXTENSION: &str = "liftcast.json";

/// Whether `path` names a project (`*.liftcast.json`) rather than a data file.
pub fn is_project_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            name.to_lowercase()
                .ends_with(&format!(".{PROJECT_EXTENSION}"))
        })
}

/// Where the project's data comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataRef {
    /// The sample data compiled into Liftcast.
    Embedded,
    /// A file, by its path relative to the project file (absolute when on another drive), with
    /// the BLAKE3 hash of its bytes and how it was read.
    File {
        path: PathBuf,
        blake3: String,
        #[serde(default)]
        sheet: Option<String>,
        #[serde(default)]
        encoding: Option<String>,
    },
}

/// A scenario saved under a name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedScenario {
    pub name: String,
    pub settings: Vec<LeverSetting>,
}

/// The response curve the project shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveChoice {
    pub lever: String,
    pub from: f64,
    pub to: f64,
    pub steps: usize,
    pub outcome: Option<String>,
}

/// Everything a user made, by reference to the data and model files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub format_version: u32,
    pub data: DataRef,
    pub mapping: RoleMapping,
    /// The model folder, relative to the project file; `None` before a model was trained.
    pub model_folder: Option<PathBuf>,
    /// The scenario being edited.
    pub scenario: Vec<LeverSetting>,
    pub saved_scenarios: Vec<SavedScenario>,
    #[serde(default)]
    pub curve: Option<CurveChoice>,
    /// The campaign plan being edited (dates, levers for everyone and per segment, costs).
    #[serde(default)]
    pub plan: Option<crate::scenario::plan::Plan>,
    /// The population file the plan reaches (unit data), as chosen.
    #[serde(default)]
    pub plan_population: Option<PathBuf>,
    /// The Scenarios step's audience (dimension values chosen; none: everyone).
    #[serde(default)]
    pub audience: Vec<crate::scenario::plan::AudienceFilter>,
    /// The Scenarios step's date range (time data; none: every date).
    #[serde(default)]
    pub dates: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// The Scenarios step looks at this many days after the data instead (time data; projects
    /// saved before this choice existed looked at the data's own dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_after_data: Option<u32>,
}

/// Why a project could not be saved or reopened.
#[derive(Debug, Error)]
pub enum ProjectError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(
        "{path}: the data file changed since the project was saved (its content hash differs); \
         open it as new data and train again, or restore the saved version"
    )]
    DataChanged { path: String },
    #[error("{path}: the project's data file is missing; put it back or open the data anew")]
    DataMissing { path: String },
    #[error("the project's data cannot be read: {0}")]
    Data(String),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// A reopened project: the project, its data inspected with its mapping, and its model.
pub struct OpenedProject {
    pub project: Project,
    pub inspection: Inspection,
    pub model: Option<ForecastModel>,
}

/// Reopens the project at `path`: checks the data file's hash, reads it as it was read, applies
/// the mapping and loads the model (on `device`).
pub fn open_project(path: &Path, device: DeviceChoice) -> Result<OpenedProject, ProjectError> {
    let project = Project::load(path)?;
    let data = |e: &dyn std::fmt::Display| ProjectError::Data(e.to_string());
    let table = match (&project.data, project.data_file(path)?) {
        (
            DataRef::File {
                sheet, encoding, ..
            },
            Some(file),
        ) => {
            let options = ImportOptions {
                sheet: sheet.clone(),
                encoding: encoding.clone(),
            };
            import::load(&file, &options)
        }
        _ => import::load_bytes(
            Path::new(embedded::SAMPLE_NAME),
            embedded::SAMPLE_CSV,
            &ImportOptions::default(),
        ),
    }
    .map_err(|e| data(&e))?;
    let inspection = Inspection::new(
        table,
        Some(project.mapping.clone()),
        &RoleOverrides::default(),
    )
    .map_err(|e| data(&e))?;
    let model = project
        .model_path(path)
        .map(|folder| ForecastModel::load(&folder, device))
        .transpose()?;
    Ok(OpenedProject {
        project,
        inspection,
        model,
    })
}

/// The BLAKE3 hash of `bytes`, in hex.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// `path` relative to `base` when it lies under it, else unchanged (absolute).
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, base) = (absolute(path), absolute(base));
    path.strip_prefix(&base)
        .map(Path::to_path_buf)
        .unwrap_or(path)
}

impl Project {
    /// Writes the project atomically.
    pub fn save(&self, path: &Path) -> Result<(), ProjectError> {
        save_json(path, self, "project")?;
        Ok(())
    }

    /// Reads a project, refusing other format versions.
    pub fn load(path: &Path) -> Result<Self, ProjectError> {
        Ok(load_versioned_json(
            path,
            "project",
            PROJECT_FORMAT_VERSION,
        )?)
    }

    /// The folder paths in the project are relative to.
    fn folder_of(project_path: &Path) -> PathBuf {
        project_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The data file's path, checked against the saved hash; `None` for the embedded sample.
    pub fn data_file(&self, project_path: &Path) -> Result<Option<PathBuf>, ProjectError> {
        let DataRef::File { path, blake3, .. } = &self.data else {
            return Ok(None);
        };
        let full = Self::folder_of(project_path).join(path);
        let bytes = std::fs::read(&full).map_err(|_| ProjectError::DataMissing {
            path: full.display().to_string(),
        })?;
        if &content_hash(&bytes) != blake3 {
            return Err(ProjectError::DataChanged {
                path: full.display().to_string(),
            });
        }
        Ok(Some(full))
    }

    /// The model folder's path, when the project has a model.
    pub fn model_path(&self, project_path: &Path) -> Option<PathBuf> {
        self.model_folder
            .as_ref()
            .map(|folder| Self::folder_of(project_path).join(folder))
    }

    /// The model folder a project saves its model in: beside the project, named after it.
    pub fn default_model_folder(project_path: &Path) -> PathBuf {
        let name = project_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name
            .strip_suffix(&format!(".{PROJECT_EXTENSION}"))
            .or_else(|| name.strip_suffix(".json"))
            .unwrap_or(&name);
        PathBuf::from(format!("{stem}.model"))
    }

    /// A `DataRef` for the file at `data_path`, hashed now, relative to the project's folder.
    pub fn reference_file(
        data_path: &Path,
        project_path: &Path,
        sheet: Option<String>,
        encoding: Option<String>,
    ) -> Result<DataRef, ProjectError> {
        let bytes = std::fs::read(data_path).map_err(|_| ProjectError::DataMissing {
            path: data_path.display().to_string(),
        })?;
        Ok(DataRef::File {
            path: relative_to(data_path, &Self::folder_of(project_path)),
            blake3: content_hash(&bytes),
            sheet,
            encoding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(data: DataRef) -> Project {
        Project {
            format_version: PROJECT_FORMAT_VERSION,
            data,
            mapping: RoleMapping::default(),
            model_folder: Some("shop.model".into()),
            scenario: vec![LeverSetting {
                lever: "discount_pct".into(),
                value: "15".into(),
            }],
            saved_scenarios: vec![SavedScenario {
                name: "15% off".into(),
                settings: Vec::new(),
            }],
            curve: None,
            plan: Some(crate::scenario::plan::Plan {
                format_version: crate::scenario::plan::PLAN_FORMAT_VERSION,
                name: "15% off for a week".into(),
                start: None,
                end: None,
                audience: Vec::new(),
                levers: vec![LeverSetting {
                    lever: "discount_pct".into(),
                    value: "15".into(),
                }],
                segment_levers: Vec::new(),
                costs: Default::default(),
                carry: Default::default(),
                covariates_file: None,
            }),
            plan_population: None,
            audience: vec![crate::scenario::plan::AudienceFilter {
                column: "segment".into(),
                values: vec!["vip".into()],
            }],
            dates: None,
            days_after_data: Some(7),
        }
    }

    #[test]
    fn the_hash_is_blake3() {
        // The BLAKE3 reference value of the empty input.
        assert_eq!(
            content_hash(b""),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn saves_reloads_and_detects_a_changed_data_file() {
        let folder = tempfile::tempdir().unwrap();
        let data = folder.path().join("sales.csv");
        std::fs::write(&data, "a,b\n1,2\n").unwrap();
        let path = folder.path().join("shop.liftcast.json");
        let reference = Project::reference_file(&data, &path, None, None).unwrap();
        let saved = project(reference);
        saved.save(&path).unwrap();
        let loaded = Project::load(&path).unwrap();
        assert_eq!(loaded, saved);
        let DataRef::File { path: relative, .. } = &loaded.data else {
            panic!("a file reference");
        };
        assert_eq!(relative, Path::new("sales.csv"), "stored relative");
        assert_eq!(loaded.data_file(&path).unwrap(), Some(data.clone()));
        assert_eq!(
            loaded.model_path(&path),
            Some(folder.path().join("shop.model"))
        );

        std::fs::write(&data, "a,b\n1,3\n").unwrap();
        assert!(matches!(
            loaded.data_file(&path),
            Err(ProjectError::DataChanged { .. })
        ));
        std::fs::remove_file(&data).unwrap();
        assert!(matches!(
            loaded.data_file(&path),
            Err(ProjectError::DataMissing { .. })
        ));
    }

    #[test]
    fn the_model_folder_is_named_after_the_project() {
        assert_eq!(
            Project::default_model_folder(Path::new("/x/spring.liftcast.json")),
            PathBuf::from("spring.model")
        );
        assert_eq!(
            Project::default_model_folder(Path::new("plan.json")),
            PathBuf::from("plan.model")
        );
    }

    #[test]
    fn the_embedded_sample_needs_no_file() {
        let p = project(DataRef::Embedded);
        assert_eq!(p.data_file(Path::new("any.liftcast.json")).unwrap(), None);
    }
}
