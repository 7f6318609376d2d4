//! Saving and reopening a project on a worker: the work each job does, away from the GUI
//! thread. Saving writes the model into a folder beside the project (so reopening reproduces
//! every number) and the project file last; opening checks the data file's hash first.

use std::path::{Path, PathBuf};

use crate::data::{Inspection, RoleMapping};
use crate::embedded;
use crate::model::{DeviceChoice, ForecastModel, LeverSetting};
use crate::project::{
    CurveChoice, DataRef, OpenedProject, PROJECT_FORMAT_VERSION, Project, SavedScenario,
    open_project,
};

/// What the app hands the save job.
pub struct SaveRequest {
    /// `None`: ask with a dialog.
    pub path: Option<PathBuf>,
    pub data_source: PathBuf,
    pub sheet: Option<String>,
    pub encoding: Option<String>,
    pub mapping: RoleMapping,
    pub scenario: Vec<LeverSetting>,
    pub saved_scenarios: Vec<SavedScenario>,
    pub curve: Option<CurveChoice>,
    pub plan: Option<crate::scenario::plan::Plan>,
    pub plan_population: Option<PathBuf>,
    /// The rows the Scenarios step looks at.
    pub rows: crate::scenario::plan::RowFilter,
}

/// A reopened project, ready to show.
pub struct Opened {
    pub path: PathBuf,
    pub project: Project,
    pub inspection: Inspection,
    pub model: Option<ForecastModel>,
}

/// Saves the model (when there is one) and the project; the project's path, or `None` when the
/// dialog was cancelled.
pub fn save(
    request: SaveRequest,
    model: Option<&ForecastModel>,
) -> Result<Option<PathBuf>, String> {
    let path = match request.path {
        Some(path) => path,
        None => {
            let Some(path) = rfd::FileDialog::new()
                .set_title("Save the project")
                .add_filter("Liftcast project", &["json"])
                .set_file_name(format!("campaign.{}", crate::project::PROJECT_EXTENSION))
                .save_file()
            else {
                return Ok(None);
            };
            path
        }
    };
    let data = if request.data_source == Path::new(embedded::SAMPLE_NAME) {
        DataRef::Embedded
    } else {
        Project::reference_file(&request.data_source, &path, request.sheet, request.encoding)
            .map_err(|e| e.to_string())?
    };
    let model_folder = match model {
        Some(model) => {
            let folder = Project::default_model_folder(&path);
            let full = path
                .parent()
                .map(|p| p.join(&folder))
                .unwrap_or(folder.clone());
            model.save(&full).map_err(|e| e.to_string())?;
            Some(folder)
        }
        None => None,
    };
    Project {
        format_version: PROJECT_FORMAT_VERSION,
        data,
        mapping: request.mapping,
        model_folder,
        scenario: request.scenario,
        saved_scenarios: request.saved_scenarios,
        curve: request.curve,
        plan: request.plan,
        plan_population: request.plan_population,
        audience: request.rows.audience,
        dates: request.rows.dates,
        days_after_data: request.rows.days_after_data,
    }
    .save(&path)
    .map_err(|e| e.to_string())?;
    Ok(Some(path))
}

/// Opens a project (asking with a dialog when `path` is `None`): checks and reads the data with
/// the saved mapping, and loads the model.
pub fn open(path: Option<PathBuf>) -> Result<Option<Opened>, String> {
    let path = match path {
        Some(path) => path,
        None => {
            let Some(path) = rfd::FileDialog::new()
                .set_title("Open a project")
                .add_filter("Liftcast project", &["json"])
                .pick_file()
            else {
                return Ok(None);
            };
            path
        }
    };
    let OpenedProject {
        project,
        inspection,
        model,
    } = open_project(&path, DeviceChoice::Auto).map_err(|e| e.to_string())?;
    Ok(Some(Opened {
        path,
        project,
        inspection,
        model,
    }))
}
