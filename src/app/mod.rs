//! The workbench window (eframe/egui): a thin shell over the core. Panels draw and emit
//! [`Command`]s; the app runs them after drawing, and anything slow goes through `jobs`.

mod chart_ui;
mod curve_ui;
mod data_ui;
mod diagnostics_ui;
mod optimise_ui;
mod plan_ui;
mod project_io;
mod roles_ui;
mod scenario_ui;
mod train_ui;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use eframe::egui;

use crate::data::{ImportOptions, Inspection, RoleMapping, RoleOverrides, Validation, import};
use crate::embedded;
use crate::jobs::{self, Job, JobEvent};
use crate::model::{EpochReport, Forecast, ForecastModel, LeverSetting, ModelMeta};

/// The steps of the flow, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Step {
    Data,
    Roles,
    Train,
    Scenarios,
    Diagnostics,
}

/// What a panel asks the app to do.
#[derive(Clone, Debug)]
pub enum Command {
    ShowStep(Step),
    OpenDialog,
    Open(PathBuf),
    /// The user edited the mapping: validate it again.
    SetMapping(RoleMapping),
    SaveMapping,
    LoadMapping,
    StartTraining,
    /// Train the same settings again as a final fit (every row; the model to plan with).
    TrainFinalFit,
    CancelJob,
    SaveModel,
    /// Forecast the current population with these lever values (latest request wins).
    Forecast(Vec<LeverSetting>),
    /// Sweep a lever over the current population for the response curve.
    Curve(curve_ui::CurveRequest),
    /// Choose a setting per unit within the budget.
    Optimise(Box<crate::scenario::optimise::OptimiseRequest>),
    /// Ask for a file and draw the chart into it (PNG or SVG).
    ExportChart(Box<crate::export::Chart>),
    /// Ask for a file and write forecasts (named) as a CSV table.
    ExportTable(Vec<(String, Forecast)>),
    /// Export the chart last drawn (Ctrl+E).
    ExportCurrentChart,
    /// A chart now drawn in place of the last one (a curve's view changed): what Ctrl+E
    /// exports.
    ShowChart(Box<crate::export::Chart>),
    /// Measure permutation importance and partial dependence for the Diagnostics step.
    Explain,
    /// Run a backtest (one model per fold) for the Diagnostics step.
    Backtest,
    /// Write the one-page HTML report; `None` asks for a file.
    ExportReport(Option<PathBuf>),
    /// Forecast every saved scenario for the comparison table.
    CompareSaved(Vec<crate::project::SavedScenario>),
    /// Save the project (Ctrl+S); `None` asks for a file.
    SaveProject(Option<PathBuf>),
    /// Reopen a project; `None` asks for a file.
    OpenProject(Option<PathBuf>),
    ToggleTheme,
    /// Forecast a campaign plan (over a population file, for unit data, when one is given).
    ForecastPlan(Box<plan_ui::PlanRequest>),
    /// Save a plan as JSON; `None` asks for a file.
    SavePlan(Box<crate::scenario::plan::Plan>, Option<PathBuf>),
    /// Open a plan file into the plan panel; `None` asks for a file.
    OpenPlan(Option<PathBuf>),
    /// Ask for the population file a plan reaches (unit data).
    PickPopulation,
    /// Ask for the file of a plan's future covariates (time data).
    PickCovariates,
    /// Suggest the next test's traffic among arms of a plan.
    Suggest(Box<plan_ui::ArmsRequest>),
    /// Compare arms of a plan side by side on a metric.
    ComparePlans(Box<plan_ui::ArmsRequest>),
    /// Say something in the status bar (a panel's input problem).
    Status(String),
}

/// What a plan-file job did.
enum PlanFile {
    Saved(PathBuf),
    Opened(crate::scenario::plan::Plan),
    Population(PathBuf),
    Covariates(PathBuf),
    /// The dialog was closed without a choice.
    NoChoice,
}

type OpenResult = Result<Inspection, String>;
/// Importance and partial dependence, measured together.
type Explanation = (
    crate::diagnostics::importance::Importance,
    crate::diagnostics::dependence::Dependence,
);
/// Model jobs take the model and give it back with their result: it never needs sharing.
type WithModel<T> = (Option<ForecastModel>, Result<T, String>);

/// A what-if forecast with the rows it was made from, kept prepared for the next lever move.
struct LiveForecast {
    forecast: Forecast,
    prepared: PreparedAudience,
}

/// The Scenarios rows prepared for lever moves (`ForecastModel::prepare`), and the audience and
/// dates they are: a lever move then costs a fraction of a whole forecast, a new audience or
/// model prepares again.
type PreparedAudience = (crate::scenario::plan::RowFilter, crate::model::PreparedRows);

/// Work in flight, one at a time.
enum Running {
    Open(Job<String, OpenResult>),
    Validate(Job<(), Validation>),
    PickMapping(Job<(), Option<Result<RoleMapping, String>>>),
    Train(Job<EpochReport, Result<ForecastModel, crate::model::ModelError>>),
    Forecast(Job<(), WithModel<LiveForecast>>),
    /// The curve and which rows it swept, in words.
    Curve(Job<(), WithModel<(crate::scenario::curve::Curve, String)>>),
    Optimise(Job<(), WithModel<crate::scenario::optimise::OptimiseResult>>),
    SaveModel(Job<(), WithModel<Option<PathBuf>>>),
    Export(Job<(), Result<Option<PathBuf>, String>>),
    Diagnose(Job<(), WithModel<crate::diagnostics::HoldoutReport>>),
    Explain(Job<(), WithModel<Explanation>>),
    Backtest(Job<String, Result<crate::diagnostics::backtest::BacktestReport, String>>),
    Report(Job<(), WithModel<Option<PathBuf>>>),
    SaveProject(Job<(), WithModel<Option<PathBuf>>>),
    CompareSaved(Job<(), WithModel<Vec<(String, Forecast)>>>),
    OpenProject(Job<(), Result<Option<project_io::Opened>, String>>),
    Plan(Job<(), WithModel<crate::scenario::evaluate::PlanForecast>>),
    PlanFile(Job<(), Result<PlanFile, String>>),
    Suggest(Job<(), WithModel<crate::scenario::bandit::Suggestion>>),
    ComparePlans(Job<(), WithModel<crate::scenario::compare::Comparison>>),
}

/// What the workbench remembers between runs, in eframe's storage (beside the window's size and
/// place and egui's own layout memory, which eframe keeps itself).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    pub format_version: u32,
    /// Light theme instead of dark.
    pub light: bool,
    /// Data files opened, newest first.
    pub recent_files: Vec<PathBuf>,
    /// The step shown when the window closed.
    pub step: Option<Step>,
}

/// The key of the settings in eframe's storage.
const SETTINGS_KEY: &str = "liftcast-settings";

/// Format version of the stored settings.
const SETTINGS_VERSION: u32 = 1;
/// How many recent files are remembered.
const RECENT_FILES: usize = 8;

/// The workbench's state.
pub struct WorkbenchApp {
    settings: Settings,
    step: Step,
    inspection: Option<Inspection>,
    model: Option<ForecastModel>,
    /// The CJK fallback font is added on the first frame.
    fonts_installed: bool,
    /// A copy of the model's description, shown while a job holds the model.
    model_meta: Option<ModelMeta>,
    train_panel: train_ui::TrainPanel,
    scenario_panel: scenario_ui::ScenarioPanel,
    curve_panel: curve_ui::CurvePanel,
    optimise_panel: optimise_ui::OptimisePanel,
    plan_panel: plan_ui::PlanPanel,
    diagnostics_panel: diagnostics_ui::DiagnosticsPanel,
    /// The last chart drawn (what Ctrl+E exports).
    current_chart: Option<crate::export::Chart>,
    /// The newest forecast asked for while another was running.
    pending_forecast: Option<Vec<LeverSetting>>,
    /// A data file opened (dropped, or given at start) while other work ran: opened when it ends.
    pending_open: Option<PathBuf>,
    /// The rows of the last what-if forecast, prepared for the next lever move.
    prepared: Option<PreparedAudience>,
    running: Option<Running>,
    /// The last message for the status bar (errors stay until the next action).
    status: String,
    notify: Option<jobs::Notify>,
}

impl WorkbenchApp {
    /// A workbench that starts loading the embedded sample data.
    pub fn new(ctx: Option<&egui::Context>) -> Self {
        Self::opening(ctx, None)
    }

    /// A workbench that starts on `file`: a `.liftcast.json` project, or a data file (what
    /// `liftcast FILE` and "Open with" do); the sample data without one.
    pub fn opening(ctx: Option<&egui::Context>, file: Option<PathBuf>) -> Self {
        let notify: Option<jobs::Notify> = ctx.map(|ctx| {
            let ctx = ctx.clone();
            Arc::new(move || ctx.request_repaint()) as jobs::Notify
        });
        let mut app = Self {
            settings: Settings {
                format_version: SETTINGS_VERSION,
                ..Settings::default()
            },
            step: Step::Data,
            inspection: None,
            model: None,
            fonts_installed: false,
            model_meta: None,
            train_panel: train_ui::TrainPanel::default(),
            scenario_panel: scenario_ui::ScenarioPanel::default(),
            curve_panel: curve_ui::CurvePanel::default(),
            optimise_panel: optimise_ui::OptimisePanel::default(),
            plan_panel: plan_ui::PlanPanel::default(),
            diagnostics_panel: diagnostics_ui::DiagnosticsPanel::default(),
            current_chart: None,
            pending_forecast: None,
            pending_open: None,
            prepared: None,
            running: None,
            status: "Loading the sample data…".into(),
            notify,
        };
        match file {
            Some(path) if crate::project::is_project_file(&path) => {
                app.start_open_project(Some(path))
            }
            file => app.start_open(file),
        }
        app
    }

    pub fn inspection(&self) -> Option<&Inspection> {
        self.inspection.as_ref()
    }

    pub fn is_busy(&self) -> bool {
        self.running.is_some()
    }

    /// The training settings the Train step edits.
    pub fn train_config_mut(&mut self) -> &mut crate::model::TrainConfig {
        &mut self.train_panel.config
    }

    /// The latest scenario forecast shown in the Scenarios step.
    pub fn scenario_forecast(&self) -> Option<&Forecast> {
        self.scenario_panel.result.as_ref()
    }

    /// Sets levers in the Scenarios step (what moving its controls does) and re-forecasts.
    pub fn set_scenario(&mut self, settings: &[LeverSetting]) {
        for setting in settings {
            self.scenario_panel
                .values
                .insert(setting.lever.clone(), setting.value.clone());
        }
        let all = self.scenario_panel.settings();
        self.run(Command::Forecast(all));
    }

    /// The last campaign plan forecast in the Scenarios step.
    pub fn plan_forecast(&self) -> Option<&crate::scenario::evaluate::PlanForecast> {
        self.plan_panel.result.as_ref()
    }

    /// The plan as the plan panel has it, for the audience chosen above.
    pub fn current_plan(&self) -> Option<crate::scenario::plan::Plan> {
        let schema = &self.model_meta.as_ref()?.schema;
        self.plan_panel
            .plan(schema, self.scenario_panel.row_filter().audience)
            .ok()
    }

    /// The last comparison of the saved scenarios as plans.
    pub fn plan_comparison(&self) -> Option<&crate::scenario::compare::Comparison> {
        self.plan_panel.comparison.as_ref().map(|(c, _)| c)
    }

    /// The last next-test suggestion.
    pub fn suggestion(&self) -> Option<&crate::scenario::bandit::Suggestion> {
        self.plan_panel.suggestion.as_ref()
    }

    /// The current model (what the workbench's forecasts run on), when no job holds it.
    pub fn model(&self) -> Option<&ForecastModel> {
        self.model.as_ref()
    }

    /// Saves the plan panel's plan to `path` (what Save plan does after its dialog).
    pub fn save_plan_to(&mut self, path: PathBuf) {
        if let Some(plan) = self.current_plan() {
            self.run(Command::SavePlan(Box::new(plan), Some(path)));
        }
    }

    /// Makes the plan reach the population in `path` (what Population file… does after its
    /// dialog).
    pub fn set_plan_population(&mut self, path: PathBuf) {
        self.plan_panel.population = Some(path);
    }

    /// Sets the plan's first and last day as typed (YYYY-MM-DD), as its date fields do.
    pub fn set_plan_dates(&mut self, from: &str, to: &str) {
        self.plan_panel.date_from = from.into();
        self.plan_panel.date_to = to.into();
    }

    /// Gives the plan a file of future covariates (what Covariates file… does after its
    /// dialog).
    pub fn set_plan_covariates(&mut self, path: PathBuf) {
        self.plan_panel.covariates_file = Some(path);
    }

    /// Opens a plan file into the plan panel (what Open plan does after its dialog).
    pub fn open_plan_from(&mut self, path: PathBuf) {
        self.run(Command::OpenPlan(Some(path)));
    }

    /// The response curve last drawn in the Scenarios step.
    pub fn curve(&self) -> Option<&crate::scenario::curve::Curve> {
        self.curve_panel.result.as_ref()
    }

    /// The status bar's line (what the last job did, or why it failed).
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The chart Ctrl+E exports: the last lift chart or response curve drawn.
    pub fn current_chart(&self) -> Option<&crate::export::Chart> {
        self.current_chart.as_ref()
    }

    /// The Diagnostics step's holdout report, once scored.
    pub fn diagnostics(&self) -> Option<&crate::diagnostics::HoldoutReport> {
        self.diagnostics_panel.report.as_ref()
    }

    /// The backtest of the Diagnostics step, once run.
    pub fn backtest(&self) -> Option<&crate::diagnostics::backtest::BacktestReport> {
        self.diagnostics_panel.backtest.as_ref()
    }

    /// The saved scenarios' forecasts, side by side, once compared.
    pub fn comparison(&self) -> &[(String, Forecast)] {
        &self.scenario_panel.comparison
    }

    /// The optimiser's last answer in the Scenarios step.
    pub fn optimised(&self) -> Option<&crate::scenario::optimise::OptimiseResult> {
        self.optimise_panel.result.as_ref()
    }

    /// The optimiser panel's budget (as typed into its field).
    pub fn set_optimiser_budget(&mut self, budget: f64) {
        self.optimise_panel.limit_budget = true;
        self.optimise_panel.budget = budget;
    }

    /// The device the running or last training started its networks on.
    pub fn training_started_on(&self) -> Option<&str> {
        self.train_panel.started_on.as_deref()
    }

    /// The trained model's description, once training has finished.
    pub fn model_meta(&self) -> Option<&ModelMeta> {
        self.model_meta.as_ref()
    }

    /// Replaces the mapping and validates it again (what editing a role does).
    pub fn apply_mapping(&mut self, mapping: RoleMapping) {
        self.run(Command::SetMapping(mapping));
    }

    /// Restores remembered settings (theme, recent files, step) from eframe's storage.
    pub fn restore(&mut self, ctx: &egui::Context, storage: Option<&dyn eframe::Storage>) {
        let stored = storage
            .and_then(|storage| eframe::get_value::<Settings>(storage, SETTINGS_KEY))
            .filter(|s| s.format_version == SETTINGS_VERSION);
        if let Some(settings) = stored {
            self.step = settings.step.unwrap_or(Step::Data);
            self.settings = settings;
        }
        ctx.set_theme(if self.settings.light {
            egui::Theme::Light
        } else {
            egui::Theme::Dark
        });
    }

    /// The settings as they would be stored now.
    pub fn settings(&self) -> Settings {
        Settings {
            step: Some(self.step),
            ..self.settings.clone()
        }
    }

    fn remember_file(&mut self, path: &std::path::Path) {
        let recent = &mut self.settings.recent_files;
        recent.retain(|p| p != path);
        recent.insert(0, path.to_path_buf());
        recent.truncate(RECENT_FILES);
    }

    /// Opens `path`, or the embedded sample when `None`, on a worker.
    fn start_open(&mut self, path: Option<PathBuf>) {
        if let Some(path) = &path {
            self.status = format!("Opening {}…", path.display());
        }
        let job = jobs::spawn("open", self.notify.clone(), move |context| {
            let table = match &path {
                Some(path) => {
                    context.report(format!("Reading {}…", path.display()));
                    import::load(path, &ImportOptions::default())
                }
                None => import::load_bytes(
                    std::path::Path::new(embedded::SAMPLE_NAME),
                    embedded::SAMPLE_CSV,
                    &ImportOptions::default(),
                ),
            }
            .map_err(|e| e.to_string())?;
            context.report("Detecting column roles…".into());
            Inspection::new(table, None, &RoleOverrides::default()).map_err(|e| e.to_string())
        });
        self.track(job.map(Running::Open));
    }

    fn start_open_dialog(&mut self) {
        let job = jobs::spawn("open-dialog", self.notify.clone(), move |context| {
            let picked = pick_data_file("Open data");
            let Some(path) = picked else {
                return Err("No file chosen.".to_owned());
            };
            context.report(format!("Reading {}…", path.display()));
            let table =
                import::load(&path, &ImportOptions::default()).map_err(|e| e.to_string())?;
            Inspection::new(table, None, &RoleOverrides::default()).map_err(|e| e.to_string())
        });
        self.track(job.map(Running::Open));
    }

    fn start_validate(&mut self, mapping: RoleMapping) {
        let Some(inspection) = &mut self.inspection else {
            return;
        };
        // The mapping shows at once; its validation follows from the worker.
        inspection.mapping = mapping.clone();
        let table = inspection.table.clone();
        let profiles = inspection.profiles.clone();
        let job = jobs::spawn("validate", self.notify.clone(), move |_| {
            crate::data::validate::validate(&table, &profiles, &mapping)
        });
        self.track(job.map(Running::Validate));
    }

    fn start_mapping_dialog(&mut self, save: bool) {
        let Some(inspection) = &self.inspection else {
            return;
        };
        let mapping = inspection.mapping.clone();
        let job = jobs::spawn("mapping-dialog", self.notify.clone(), move |_| {
            let dialog = rfd::FileDialog::new().add_filter("Mapping", &["json"]);
            if save {
                let path = dialog.set_file_name("mapping.json").save_file()?;
                Some(
                    mapping
                        .save(&path)
                        .map(|()| mapping)
                        .map_err(|e| e.to_string()),
                )
            } else {
                let path = dialog.pick_file()?;
                Some(RoleMapping::load(&path).map_err(|e| e.to_string()))
            }
        });
        self.track(job.map(Running::PickMapping));
    }

    fn start_training(&mut self) {
        let Some(inspection) = &self.inspection else {
            return;
        };
        let config = self.train_panel.config.clone();
        match crate::model::start_training(
            inspection,
            config,
            self.train_panel.device,
            self.notify.clone(),
        ) {
            Ok(job) => {
                self.train_panel.clear_progress();
                self.model = None;
                self.model_meta = None;
                self.status = "Training…".into();
                self.running = Some(Running::Train(job));
            }
            Err(error) => self.status = error.to_string(),
        }
    }

    fn start_forecast(&mut self, settings: Vec<LeverSetting>) {
        if self.running.is_some() {
            self.pending_forecast = Some(settings);
            return;
        }
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        let filter = self.scenario_panel.row_filter();
        let kept = self.prepared.take();
        let job = jobs::spawn("forecast", self.notify.clone(), move |_| {
            let result = live_forecast(&model, &frame, filter, kept, &settings);
            (Some(model), result)
        });
        self.track(job.map(Running::Forecast));
    }

    fn start_curve(&mut self, request: curve_ui::CurveRequest) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        let filter = self.scenario_panel.row_filter();
        self.status = format!("Sweeping {}…", request.lever);
        let job = jobs::spawn("curve", self.notify.clone(), move |_| {
            // The curve sweeps the rows the forecast above looks at.
            let result = chosen_rows(&model, &frame, &filter).and_then(|rows| {
                crate::scenario::curve::response_curve(
                    &model,
                    &rows,
                    &request.lever,
                    (request.from, request.to),
                    request.steps,
                    &request.fixed,
                    Some(&request.costs),
                )
                .map(|curve| (curve, request.swept))
                .map_err(|e| e.to_string())
            });
            (Some(model), result)
        });
        self.track(job.map(Running::Curve));
    }

    fn start_optimise(&mut self, request: crate::scenario::optimise::OptimiseRequest) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        // Unit data plans for the plan's population, as the plan itself is forecast.
        let population = self
            .plan_panel
            .population
            .clone()
            .filter(|_| model.meta.schema.time.is_none());
        self.status = "Optimising…".into();
        let job = jobs::spawn("optimise", self.notify.clone(), move |_| {
            let result = plan_rows_source(&frame, population.as_deref()).and_then(|rows| {
                crate::scenario::optimise::optimise(&model, &rows, &request)
                    .map_err(|e| e.to_string())
            });
            (Some(model), result)
        });
        self.track(job.map(Running::Optimise));
    }

    fn start_diagnose(&mut self) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        self.status = "Scoring the held-out rows…".into();
        let job = jobs::spawn("diagnose", self.notify.clone(), move |_| {
            let result =
                crate::diagnostics::holdout_report(&model, &frame).map_err(|e| e.to_string());
            (Some(model), result)
        });
        self.track(job.map(Running::Diagnose));
    }

    fn start_explain(&mut self) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        self.status = "Measuring importance and partial dependence…".into();
        let job = jobs::spawn("explain", self.notify.clone(), move |_| {
            let result = crate::diagnostics::importance::permutation_importance(
                &model,
                &frame,
                crate::diagnostics::importance::DEFAULT_REPEATS,
                EXPLAIN_SEED,
            )
            .and_then(|importance| {
                let dependence =
                    crate::diagnostics::dependence::partial_dependence(&model, &frame)?;
                Ok((importance, dependence))
            })
            .map_err(|e| e.to_string());
            (Some(model), result)
        });
        self.track(job.map(Running::Explain));
    }

    /// Backtests with the model's training settings; progress lines go to the status bar.
    fn start_backtest(&mut self) {
        let (Some(meta), Some(inspection)) = (&self.model_meta, &self.inspection) else {
            return;
        };
        let config = crate::model::TrainConfig {
            holdout_from: None,
            cv_fold: None,
            ..meta.config.clone()
        };
        let inspection = inspection.clone();
        let device = self.train_panel.device;
        self.status = "Backtesting…".into();
        let job = jobs::spawn("backtest", self.notify.clone(), move |context| {
            crate::diagnostics::backtest::backtest_until(
                &inspection,
                &config,
                crate::diagnostics::backtest::DEFAULT_FOLDS,
                device,
                |line| context.report(line),
                &|| context.is_cancelled(),
            )
            .map_err(|e| e.to_string())
        });
        self.track(job.map(Running::Backtest));
    }

    /// Writes the report of the current model, data and saved scenarios (as plans).
    fn start_report(&mut self, path: Option<PathBuf>) {
        let Some(inspection) = self.inspection.clone() else {
            return;
        };
        let Some(model) = self.model.take() else {
            self.status = "Train a model first: the report describes it.".into();
            return;
        };
        let saved = self.scenario_panel.saved.clone();
        self.status = "Writing the report…".into();
        let job = jobs::spawn("report", self.notify.clone(), move |_| {
            let path = match path {
                Some(path) => path,
                None => match rfd::FileDialog::new()
                    .set_title("Export the report")
                    .add_filter("HTML page", &["html"])
                    .set_file_name("liftcast-report.html")
                    .save_file()
                {
                    Some(path) => path,
                    None => return (Some(model), Ok(None)),
                },
            };
            let result = write_report_for(&model, &inspection, &saved, &path).map(|()| Some(path));
            (Some(model), result)
        });
        self.track(job.map(Running::Report));
    }

    fn start_plan(&mut self, request: plan_ui::PlanRequest) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        self.status = format!("Forecasting the plan '{}'…", request.plan.name);
        let job = jobs::spawn("plan", self.notify.clone(), move |_| {
            let result = plan_rows_source(&frame, request.population.as_deref()).and_then(|rows| {
                crate::scenario::evaluate::evaluate_plan(&model, &rows, &request.plan)
                    .map_err(|e| e.to_string())
            });
            (Some(model), result)
        });
        self.track(job.map(Running::Plan));
    }

    fn start_plan_file(&mut self, action: PlanFileAction) {
        let job = jobs::spawn("plan-file", self.notify.clone(), move |_| match action {
            PlanFileAction::Save(plan, path) => {
                let path = match path {
                    Some(path) => path,
                    None => match rfd::FileDialog::new()
                        .set_title("Save the plan")
                        .add_filter("Plan", &["json"])
                        .set_file_name(format!("{}.json", file_stem(&plan.name)))
                        .save_file()
                    {
                        Some(path) => path,
                        None => return Ok(PlanFile::NoChoice),
                    },
                };
                plan.save(&path)
                    .map(|()| PlanFile::Saved(path))
                    .map_err(|e| e.to_string())
            }
            PlanFileAction::Open(path) => {
                let path = match path {
                    Some(path) => path,
                    None => match rfd::FileDialog::new()
                        .set_title("Open a plan")
                        .add_filter("Plan", &["json"])
                        .pick_file()
                    {
                        Some(path) => path,
                        None => return Ok(PlanFile::NoChoice),
                    },
                };
                crate::scenario::plan::Plan::load(&path)
                    .map(PlanFile::Opened)
                    .map_err(|e| e.to_string())
            }
            PlanFileAction::PickPopulation => Ok(pick_data_file("The population the plan reaches")
                .map_or(PlanFile::NoChoice, PlanFile::Population)),
            PlanFileAction::PickCovariates => Ok(pick_data_file("Future covariates for the plan")
                .map_or(PlanFile::NoChoice, PlanFile::Covariates)),
        });
        self.track(job.map(Running::PlanFile));
    }

    fn start_suggest(&mut self, request: plan_ui::ArmsRequest) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        self.status = "Forecasting each arm for the next test…".into();
        let job = jobs::spawn("suggest", self.notify.clone(), move |_| {
            let result = plan_rows_source(&frame, request.population.as_deref()).and_then(|rows| {
                crate::scenario::bandit::suggest_for_plans(
                    &model,
                    &rows,
                    &request.plan,
                    &request.arms,
                    &request.metric,
                    SUGGEST_SEED,
                )
                .map_err(|e| e.to_string())
            });
            (Some(model), result)
        });
        self.track(job.map(Running::Suggest));
    }

    fn start_compare_plans(&mut self, request: plan_ui::ArmsRequest) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        self.status = "Forecasting each saved scenario as a plan…".into();
        let job = jobs::spawn("compare-plans", self.notify.clone(), move |_| {
            let result = plan_rows_source(&frame, request.population.as_deref())
                .and_then(|rows| {
                    crate::scenario::evaluate::evaluate_arms(
                        &model,
                        &rows,
                        &request.plan,
                        &request.arms,
                    )
                    .map_err(|e| e.to_string())
                })
                .and_then(|forecasts| {
                    crate::scenario::compare::compare(&forecasts, &request.metric)
                        .map_err(|e| e.to_string())
                });
            (Some(model), result)
        });
        self.track(job.map(Running::ComparePlans));
    }

    /// Makes `model` the current one: every panel built on the old model starts afresh.
    fn adopt_model(&mut self, model: ForecastModel) {
        self.model_meta = Some(model.meta.clone());
        self.scenario_panel.reset(&model.meta.schema);
        if let Some(inspection) = &self.inspection {
            self.scenario_panel
                .prepare_population(&model.meta.schema, &inspection.profiles);
        }
        self.curve_panel = curve_ui::CurvePanel::default();
        self.optimise_panel = optimise_ui::OptimisePanel::default();
        self.plan_panel.prepare(&model.meta.schema);
        self.current_chart = None;
        self.diagnostics_panel = diagnostics_ui::DiagnosticsPanel::default();
        self.model = Some(model);
    }

    fn start_save_project(&mut self, path: Option<PathBuf>) {
        let Some(inspection) = &self.inspection else {
            self.status = "Open some data first: a project starts from a data file.".into();
            return;
        };
        let source = &inspection.table.source;
        let curve = &self.curve_panel;
        let request = project_io::SaveRequest {
            path,
            data_source: source.path.clone(),
            sheet: source.sheet.clone(),
            encoding: source.encoding.clone(),
            mapping: inspection.mapping.clone(),
            scenario: self.scenario_panel.settings(),
            saved_scenarios: self.scenario_panel.saved.clone(),
            curve: curve
                .lever
                .clone()
                .map(|lever| crate::project::CurveChoice {
                    lever,
                    from: curve.from,
                    to: curve.to,
                    steps: curve.steps,
                    outcome: curve.outcome.clone(),
                }),
            plan: self.current_plan(),
            plan_population: self.plan_panel.population.clone(),
            rows: self.scenario_panel.row_filter(),
        };
        let model = self.model.take();
        self.status = "Saving the project…".into();
        let job = jobs::spawn("save-project", self.notify.clone(), move |_| {
            let result = project_io::save(request, model.as_ref());
            (model, result)
        });
        self.track(job.map(Running::SaveProject));
    }

    fn start_compare(&mut self, saved: Vec<crate::project::SavedScenario>) {
        let (Some(model), Some(inspection)) = (self.model.take(), &self.inspection) else {
            return;
        };
        let frame = inspection.table.frame.clone();
        let filter = self.scenario_panel.row_filter();
        self.status = "Forecasting the saved scenarios…".into();
        let job = jobs::spawn("compare", self.notify.clone(), move |_| {
            let settings: Vec<Vec<LeverSetting>> =
                saved.iter().map(|s| s.settings.clone()).collect();
            let result = chosen_rows(&model, &frame, &filter)
                .and_then(|rows| {
                    model
                        .forecast_each(&rows, &settings)
                        .map_err(|e| e.to_string())
                })
                .map(|forecasts| {
                    saved
                        .iter()
                        .map(|s| s.name.clone())
                        .zip(forecasts)
                        .collect::<Vec<_>>()
                });
            (Some(model), result)
        });
        self.track(job.map(Running::CompareSaved));
    }

    fn start_open_project(&mut self, path: Option<PathBuf>) {
        self.status = "Opening the project…".into();
        let job = jobs::spawn("open-project", self.notify.clone(), move |_| {
            project_io::open(path)
        });
        self.track(job.map(Running::OpenProject));
    }

    /// Shows a reopened project: its data, mapping, model, scenario, audience and dates, curve
    /// and plan settings.
    fn restore_project(&mut self, opened: project_io::Opened) {
        let project_io::Opened {
            path,
            project,
            inspection,
            model,
        } = opened;
        self.inspection = Some(inspection);
        // Rows prepared from the previous data must not be forecast again.
        self.prepared = None;
        self.model = None;
        self.model_meta = None;
        self.train_panel.clear_progress();
        match model {
            Some(model) => {
                self.adopt_model(model);
                for setting in &project.scenario {
                    self.scenario_panel
                        .values
                        .insert(setting.lever.clone(), setting.value.clone());
                }
                if let Some(curve) = &project.curve {
                    self.curve_panel.lever = Some(curve.lever.clone());
                    self.curve_panel.from = curve.from;
                    self.curve_panel.to = curve.to;
                    self.curve_panel.steps = curve.steps;
                    self.curve_panel.outcome = curve.outcome.clone();
                }
                if let Some(plan) = project.plan.clone() {
                    self.plan_panel.load(plan);
                }
                self.scenario_panel.restore_rows(
                    &project.audience,
                    project.dates,
                    project.days_after_data,
                );
                self.plan_panel.population = project.plan_population.clone();
                self.step = Step::Scenarios;
            }
            None => self.step = Step::Roles,
        }
        self.scenario_panel.saved = project.saved_scenarios;
        self.status = format!("Opened the project {}.", path.display());
    }

    /// Takes back the model a model job hands back (none after a crash), leaving its answer.
    fn model_back<T>(&mut self, end: Result<WithModel<T>, String>) -> Result<T, String> {
        end.and_then(|(model, result)| {
            self.model = model;
            result
        })
    }

    /// The footnote of charts from the current model.
    fn footnote(&self) -> String {
        self.model_meta
            .as_ref()
            .map(crate::export::figures::footnote)
            .unwrap_or_default()
    }

    fn start_export_table(&mut self, table: Vec<(String, Forecast)>) {
        self.status = "Exporting the table…".into();
        let job = jobs::spawn("export-table", self.notify.clone(), move |_| {
            let Some(path) = rfd::FileDialog::new()
                .set_title("Export the table")
                .add_filter("CSV", &["csv"])
                .set_file_name("scenarios.csv")
                .save_file()
            else {
                return Ok(None);
            };
            crate::export::tables::write_forecasts_csv(&table, &path)
                .map(|()| Some(path))
                .map_err(|e| e.to_string())
        });
        self.track(job.map(Running::Export));
    }

    fn start_export(&mut self, chart: crate::export::Chart) {
        self.status = format!("Exporting \"{}\"…", chart.title);
        let job = jobs::spawn("export", self.notify.clone(), move |_| {
            let Some(path) = rfd::FileDialog::new()
                .set_title("Export the chart")
                .add_filter("PNG image", &["png"])
                .add_filter("SVG drawing", &["svg"])
                .set_file_name(format!("{}.png", file_stem(&chart.title)))
                .save_file()
            else {
                return Ok(None);
            };
            crate::export::write_chart(&chart, &path, crate::export::SLIDE_SIZE)
                .map(|()| Some(path))
                .map_err(|e| e.to_string())
        });
        self.track(job.map(Running::Export));
    }

    fn start_save_model(&mut self) {
        let Some(model) = self.model.take() else {
            return;
        };
        let job = jobs::spawn("save-model", self.notify.clone(), move |_| {
            let Some(folder) = rfd::FileDialog::new()
                .set_title("Folder to save the model in")
                .pick_folder()
            else {
                return (Some(model), Ok(None));
            };
            let result = model
                .save(&folder)
                .map(|()| Some(folder))
                .map_err(|e| e.to_string());
            (Some(model), result)
        });
        self.track(job.map(Running::SaveModel));
    }

    fn track(&mut self, job: std::io::Result<Running>) {
        match job {
            Ok(running) => self.running = Some(running),
            Err(error) => self.status = format!("Could not start the work: {error}"),
        }
    }

    /// Takes in whatever the worker sent since the last frame.
    fn poll_jobs(&mut self) {
        let Some(running) = &mut self.running else {
            return;
        };
        let mut finished = false;
        let mut restored = None;
        match running {
            Running::Open(job) => {
                for event in job.poll() {
                    match event {
                        JobEvent::Progress(message) => self.status = message,
                        JobEvent::Done(Ok(inspection)) => {
                            let embedded = inspection.table.source.path
                                == std::path::Path::new(embedded::SAMPLE_NAME);
                            if !embedded && inspection.table.source.path.exists() {
                                let path = inspection.table.source.path.clone();
                                self.remember_file(&path);
                            }
                            self.status = format!(
                                "Opened {}: {} rows, {} columns.",
                                inspection.table.source.display_name(),
                                inspection.table.rows(),
                                inspection.profiles.len()
                            );
                            self.inspection = Some(inspection);
                            // Rows prepared from the previous data must not be forecast again.
                            self.prepared = None;
                            finished = true;
                        }
                        JobEvent::Done(Err(message)) | JobEvent::Crashed(message) => {
                            self.status = message;
                            finished = true;
                        }
                    }
                }
            }
            Running::Validate(job) => {
                for event in job.poll() {
                    match event {
                        JobEvent::Progress(()) => {}
                        JobEvent::Done(validation) => {
                            if let Some(inspection) = &mut self.inspection {
                                inspection.validation = validation;
                            }
                            finished = true;
                        }
                        JobEvent::Crashed(message) => {
                            self.status = format!("Validation failed: {message}");
                            finished = true;
                        }
                    }
                }
            }
            Running::Train(job) => {
                for event in job.poll() {
                    match event {
                        JobEvent::Progress(report) => {
                            if let Some(device) = &report.started_on {
                                self.status = training_status(device);
                            }
                            self.train_panel.record(report);
                        }
                        JobEvent::Done(Ok(model)) => {
                            self.status = format!("Model trained on {}.", model.meta.device);
                            self.adopt_model(model);
                            finished = true;
                        }
                        JobEvent::Done(Err(error)) => {
                            self.status = format!("Training failed: {error}");
                            finished = true;
                        }
                        JobEvent::Crashed(message) => {
                            self.status = format!("Training failed: {message}");
                            finished = true;
                        }
                    }
                }
            }
            Running::Forecast(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(LiveForecast { forecast, prepared }) => {
                            self.prepared = Some(prepared);
                            let name = self
                                .model_meta
                                .as_ref()
                                .map(|meta| self.scenario_panel.name(&meta.schema))
                                .unwrap_or_else(|| "scenario".into());
                            let chart = crate::export::figures::forecast_lift_chart(
                                &forecast,
                                &name,
                                self.footnote(),
                            );
                            self.current_chart = Some(chart.clone());
                            self.scenario_panel.chart = Some(chart);
                            self.scenario_panel.result = Some(forecast);
                        }
                        Err(message) => self.status = format!("Forecast failed: {message}"),
                    }
                }
            }
            Running::Curve(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok((curve, swept)) => {
                            self.status = format!("Curve of {} drawn.", curve.axis_name());
                            self.curve_panel.footnote = self.footnote();
                            self.curve_panel.swept = swept;
                            self.current_chart = curve_ui::curve_charts(&curve, &self.curve_panel)
                                .into_iter()
                                .next();
                            self.curve_panel.result = Some(curve);
                        }
                        Err(message) => self.status = format!("Curve failed: {message}"),
                    }
                }
            }
            Running::Optimise(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(result) => {
                            self.status = "Optimised.".into();
                            self.optimise_panel.result = Some(result);
                        }
                        Err(message) => self.status = format!("Optimiser failed: {message}"),
                    }
                }
            }
            Running::Plan(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(forecast) => {
                            self.status = format!("Plan '{}' forecast.", forecast.plan);
                            let chart =
                                crate::export::figures::plan_lift_chart(&forecast, self.footnote());
                            self.current_chart = Some(chart.clone());
                            self.plan_panel.chart = Some(chart);
                            self.plan_panel.result = Some(forecast);
                        }
                        Err(message) => self.status = format!("The plan failed: {message}"),
                    }
                }
            }
            Running::PlanFile(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match end.and_then(|r| r) {
                        Ok(PlanFile::Saved(path)) => {
                            self.status = format!("Plan saved to {}.", path.display())
                        }
                        Ok(PlanFile::Opened(plan)) => {
                            self.status = format!(
                                "Plan '{}' opened; its audience is the one chosen above.",
                                plan.name
                            );
                            self.plan_panel.load(plan);
                        }
                        Ok(PlanFile::Population(path)) => {
                            self.status = format!("The plan reaches {}.", path.display());
                            self.plan_panel.population = Some(path);
                        }
                        Ok(PlanFile::Covariates(path)) => {
                            self.status =
                                format!("The plan's covariates come from {}.", path.display());
                            self.plan_panel.covariates_file = Some(path);
                        }
                        Ok(PlanFile::NoChoice) => self.status.clear(),
                        Err(message) => self.status = format!("Plan file: {message}"),
                    }
                }
            }
            Running::Suggest(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(suggestion) => {
                            self.status = "Next test suggested.".into();
                            self.plan_panel.suggestion = Some(suggestion);
                        }
                        Err(message) => self.status = format!("No suggestion: {message}"),
                    }
                }
            }
            Running::ComparePlans(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(comparison) => {
                            self.status = "Plans compared.".into();
                            let chart = crate::export::figures::comparison_chart(
                                &comparison,
                                self.footnote(),
                            );
                            self.current_chart = Some(chart.clone());
                            self.plan_panel.comparison = Some((comparison, chart));
                        }
                        Err(message) => self.status = format!("Comparison failed: {message}"),
                    }
                }
            }
            Running::Diagnose(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(report) => {
                            self.status = "Held-out rows scored.".into();
                            let footnote = self.footnote();
                            self.diagnostics_panel.set_report(report, &footnote);
                        }
                        Err(message) => self.status = format!("Diagnostics failed: {message}"),
                    }
                }
            }
            Running::Explain(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok((importance, dependence)) => {
                            self.status = "Importance and partial dependence measured.".into();
                            let footnote = self.footnote();
                            self.diagnostics_panel.set_explanation(
                                &importance,
                                &dependence,
                                &footnote,
                            );
                        }
                        Err(message) => self.status = format!("Explaining failed: {message}"),
                    }
                }
            }
            Running::Backtest(job) => {
                for event in job.poll() {
                    match event {
                        JobEvent::Progress(line) => self.status = format!("Backtest: {line}"),
                        JobEvent::Done(Ok(report)) => {
                            finished = true;
                            self.status = "Backtest finished.".into();
                            let footnote = self.footnote();
                            self.diagnostics_panel.set_backtest(report, &footnote);
                        }
                        JobEvent::Done(Err(message)) | JobEvent::Crashed(message) => {
                            finished = true;
                            self.status = format!("Backtest stopped: {message}");
                        }
                    }
                }
            }
            Running::Report(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    self.status = match self.model_back(end) {
                        Ok(Some(path)) => format!("Report saved to {}.", path.display()),
                        Ok(None) => "Report not saved.".into(),
                        Err(message) => format!("The report failed: {message}"),
                    };
                }
            }
            Running::SaveProject(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    self.status = match self.model_back(end) {
                        Ok(Some(path)) => format!("Project saved to {}.", path.display()),
                        Ok(None) => "Saving cancelled.".into(),
                        Err(message) => format!("Saving the project failed: {message}"),
                    };
                }
            }
            Running::CompareSaved(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match self.model_back(end) {
                        Ok(comparison) => {
                            self.status = "Saved scenarios compared.".into();
                            self.scenario_panel.comparison = comparison;
                        }
                        Err(message) => self.status = format!("Comparison failed: {message}"),
                    }
                }
            }
            Running::OpenProject(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    match end.and_then(|result| result) {
                        Ok(Some(opened)) => restored = Some(opened),
                        Ok(None) => self.status = "Opening cancelled.".into(),
                        Err(message) => {
                            self.status = format!("Opening the project failed: {message}")
                        }
                    }
                }
            }
            Running::Export(job) => {
                if let Some(end) = job_end(job.poll()) {
                    finished = true;
                    self.status = match end.and_then(|result| result) {
                        Ok(Some(path)) => format!("Saved to {}.", path.display()),
                        Ok(None) => "Export cancelled.".into(),
                        Err(message) => format!("Export failed: {message}"),
                    };
                }
            }
            Running::SaveModel(job) => {
                for event in job.poll() {
                    match event {
                        JobEvent::Progress(()) => {}
                        JobEvent::Done((model, result)) => {
                            self.model = model;
                            self.status = match result {
                                Ok(Some(folder)) => format!("Model saved in {}.", folder.display()),
                                Ok(None) => "Not saved.".into(),
                                Err(message) => message,
                            };
                            finished = true;
                        }
                        JobEvent::Crashed(message) => {
                            self.status = format!("Saving failed: {message}");
                            finished = true;
                        }
                    }
                }
            }
            Running::PickMapping(job) => {
                let mut loaded = None;
                for event in job.poll() {
                    match event {
                        JobEvent::Progress(()) => {}
                        JobEvent::Done(Some(Ok(mapping))) => {
                            loaded = Some(mapping);
                            finished = true;
                        }
                        JobEvent::Done(Some(Err(message))) | JobEvent::Crashed(message) => {
                            self.status = message;
                            finished = true;
                        }
                        JobEvent::Done(None) => finished = true,
                    }
                }
                if finished {
                    self.running = None;
                }
                if let Some(mapping) = loaded {
                    self.status = "Mapping loaded.".into();
                    self.start_validate(mapping);
                }
                return;
            }
        }
        if finished {
            self.running = None;
            if let Some(opened) = restored {
                self.restore_project(opened);
                if self.model.is_some() {
                    self.pending_forecast = Some(self.scenario_panel.settings());
                }
            }
            if let Some(path) = self.pending_open.take() {
                // New data: a forecast waiting for the old data is moot.
                self.pending_forecast = None;
                self.start_open(Some(path));
            } else if let Some(settings) = self.pending_forecast.take() {
                self.start_forecast(settings);
            }
        }
    }

    fn run(&mut self, command: Command) {
        match command {
            Command::ShowStep(step) => {
                self.step = step;
                // Opening the Scenarios step shows the current scenario's forecast at once.
                if step == Step::Scenarios
                    && self.scenario_panel.result.is_none()
                    && self.model.is_some()
                {
                    let settings = self.scenario_panel.settings();
                    self.start_forecast(settings);
                }
                if step == Step::Diagnostics
                    && self.diagnostics_panel.report.is_none()
                    && self.running.is_none()
                {
                    self.start_diagnose();
                }
            }
            Command::OpenDialog if self.running.is_none() => self.start_open_dialog(),
            Command::Open(path) if self.running.is_none() => self.start_open(Some(path)),
            Command::Open(path) => {
                self.status = format!("{} opens when the current work finishes.", path.display());
                self.pending_open = Some(path);
            }
            Command::SetMapping(mapping) => self.start_validate(mapping),
            Command::SaveMapping if self.running.is_none() => self.start_mapping_dialog(true),
            Command::LoadMapping if self.running.is_none() => self.start_mapping_dialog(false),
            Command::StartTraining if self.running.is_none() => self.start_training(),
            Command::TrainFinalFit if self.running.is_none() => {
                self.train_panel.config.final_fit = true;
                self.start_training();
            }
            Command::SaveModel if self.running.is_none() => self.start_save_model(),
            Command::Forecast(settings) => self.start_forecast(settings),
            Command::Curve(request) if self.running.is_none() => self.start_curve(request),
            Command::Optimise(request) if self.running.is_none() => self.start_optimise(*request),
            Command::ExportChart(chart) if self.running.is_none() => self.start_export(*chart),
            Command::ExportTable(table) if self.running.is_none() => self.start_export_table(table),
            Command::SaveProject(path) if self.running.is_none() => self.start_save_project(path),
            Command::CompareSaved(saved) if self.running.is_none() => self.start_compare(saved),
            Command::OpenProject(path) if self.running.is_none() => self.start_open_project(path),
            Command::Explain if self.running.is_none() => self.start_explain(),
            Command::Backtest if self.running.is_none() => self.start_backtest(),
            Command::ExportReport(path) if self.running.is_none() => self.start_report(path),
            Command::ExportCurrentChart if self.running.is_none() => {
                match self.current_chart.clone() {
                    Some(chart) => self.start_export(chart),
                    None => {
                        self.status =
                            "No chart to export yet: forecast a scenario or draw a curve.".into()
                    }
                }
            }
            Command::ShowChart(chart) => self.current_chart = Some(*chart),
            Command::ToggleTheme => {
                self.settings.light = !self.settings.light;
            }
            Command::ForecastPlan(request) if self.running.is_none() => self.start_plan(*request),
            Command::SavePlan(plan, path) if self.running.is_none() => {
                self.start_plan_file(PlanFileAction::Save(*plan, path))
            }
            Command::OpenPlan(path) if self.running.is_none() => {
                self.start_plan_file(PlanFileAction::Open(path))
            }
            Command::PickPopulation if self.running.is_none() => {
                self.start_plan_file(PlanFileAction::PickPopulation)
            }
            Command::PickCovariates if self.running.is_none() => {
                self.start_plan_file(PlanFileAction::PickCovariates)
            }
            Command::Suggest(request) if self.running.is_none() => self.start_suggest(*request),
            Command::ComparePlans(request) if self.running.is_none() => {
                self.start_compare_plans(*request)
            }
            Command::Status(message) => self.status = message,
            Command::CancelJob => match &self.running {
                Some(Running::Train(job)) => {
                    job.cancel();
                    self.status = "Cancelling: the best model so far is kept.".into();
                }
                Some(Running::Backtest(job)) => {
                    job.cancel();
                    self.status = "Cancelling: the backtest stops after this fold.".into();
                }
                _ => {}
            },
            _ => self.status = "Busy: wait for the current work to finish.".into(),
        }
    }

    /// Saves the project to `path` (what Save project does after its dialog).
    pub fn save_project_to(&mut self, path: PathBuf) {
        self.run(Command::SaveProject(Some(path)));
    }

    /// Reopens the project at `path` (what Open project does after its dialog).
    pub fn open_project_from(&mut self, path: PathBuf) {
        self.run(Command::OpenProject(Some(path)));
    }

    /// Writes the report to `path` (what Export report does after its dialog).
    pub fn export_report_to(&mut self, path: PathBuf) {
        self.run(Command::ExportReport(Some(path)));
    }

    /// Opens a data file (what the Open dialog and dropping a file do).
    pub fn open_file(&mut self, path: PathBuf) {
        self.run(Command::Open(path));
    }

    /// Draws one frame and runs the commands the panels emitted.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        if !self.fonts_installed {
            install_fonts(ui.ctx());
            self.fonts_installed = true;
        }
        self.poll_jobs();
        let wanted = if self.settings.light {
            egui::Theme::Light
        } else {
            egui::Theme::Dark
        };
        if ui.ctx().theme() != wanted {
            ui.ctx().set_theme(wanted);
        }
        let mut commands = Vec::new();
        let dropped: Vec<PathBuf> = ui.ctx().input(|input| {
            input
                .raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_path_buf())
                .filter(|path| !path.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            commands.push(Command::Open(path));
        }
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui, &mut commands));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui, &mut commands));
        egui::CentralPanel::default().show(ui, |ui| match (&self.inspection, self.step) {
            (None, _) => {
                ui.centered_and_justified(|ui| {
                    ui.label("Open a CSV, TSV, Parquet, JSON Lines or XLSX file to begin.");
                });
            }
            (Some(inspection), Step::Data) => data_ui::data_ui(ui, inspection, &mut commands),
            (Some(inspection), Step::Roles) => roles_ui::roles_ui(ui, inspection, &mut commands),
            (Some(inspection), Step::Train) => {
                let view = train_ui::TrainView {
                    inspection,
                    meta: self.model_meta.as_ref(),
                    training: matches!(self.running, Some(Running::Train(_))),
                };
                train_ui::train_ui(ui, &mut self.train_panel, &view, &mut commands);
            }
            (Some(inspection), Step::Scenarios) => {
                let schema = self
                    .model_meta
                    .as_ref()
                    .map(|m| &m.schema)
                    .or(inspection.validation.schema.as_ref());
                match schema {
                    Some(schema) => {
                        egui::ScrollArea::vertical().show(ui, |ui| {
                            scenario_ui::scenario_ui(
                                ui,
                                &mut self.scenario_panel,
                                schema,
                                self.model_meta.is_some(),
                                &mut commands,
                            );
                            if self.model_meta.is_some() {
                                ui.separator();
                                let scenario = self.scenario_panel.settings();
                                let audience = self.scenario_panel.row_filter().audience;
                                let context = plan_ui::PlanContext {
                                    schema,
                                    scenario: &scenario,
                                    audience: audience.clone(),
                                    dimension_values: &self.scenario_panel.dimension_values,
                                    saved: &self.scenario_panel.saved,
                                    final_fit: self
                                        .model_meta
                                        .as_ref()
                                        .is_some_and(|meta| meta.config.final_fit),
                                };
                                plan_ui::plan_ui(ui, &mut self.plan_panel, &context, &mut commands);
                                ui.separator();
                                curve_ui::curve_ui(
                                    ui,
                                    &mut self.curve_panel,
                                    schema,
                                    (&scenario, &self.scenario_panel.rows_words()),
                                    &self.plan_panel.costs,
                                    &mut commands,
                                );
                                ui.separator();
                                // What the optimiser plans: the campaign plan above.
                                let plan_base = self.plan_panel.plan(schema, audience);
                                optimise_ui::optimise_ui(
                                    ui,
                                    &mut self.optimise_panel,
                                    schema,
                                    &scenario,
                                    &plan_base,
                                    &self.scenario_panel.dimension_values,
                                    &mut commands,
                                );
                            }
                        });
                    }
                    None => {
                        ui.label("Fix the mapping in the Roles step first.");
                    }
                }
            }
            (Some(_), Step::Diagnostics) => {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    diagnostics_ui::diagnostics_ui(
                        ui,
                        &mut self.diagnostics_panel,
                        self.model_meta.is_some(),
                        self.running.is_none() && self.model.is_some(),
                        &mut commands,
                    );
                });
            }
        });
        let (escape, open, export, save) = ui.ctx().input(|i| {
            (
                i.key_pressed(egui::Key::Escape),
                i.modifiers.command && i.key_pressed(egui::Key::O),
                i.modifiers.command && i.key_pressed(egui::Key::E),
                i.modifiers.command && i.key_pressed(egui::Key::S),
            )
        });
        if save {
            commands.push(Command::SaveProject(None));
        }
        if export {
            commands.push(Command::ExportCurrentChart);
        }
        if escape {
            commands.push(Command::CancelJob);
        }
        if open {
            commands.push(Command::OpenDialog);
        }
        for command in commands {
            self.run(command);
        }
        if self.running.is_some() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn top_bar_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.heading("Liftcast");
            ui.separator();
            if ui
                .add_enabled(self.running.is_none(), egui::Button::new("Open…"))
                .on_hover_text("Open a data file (Ctrl+O), or drop one on the window")
                .clicked()
            {
                commands.push(Command::OpenDialog);
            }
            if ui
                .add_enabled(self.running.is_none(), egui::Button::new("Open project…"))
                .on_hover_text("Reopen a saved project: data, roles, model and scenarios")
                .clicked()
            {
                commands.push(Command::OpenProject(None));
            }
            if ui
                .add_enabled(
                    self.running.is_none() && self.inspection.is_some(),
                    egui::Button::new("Save project…"),
                )
                .on_hover_text("Save data reference, roles, model and scenarios (Ctrl+S)")
                .clicked()
            {
                commands.push(Command::SaveProject(None));
            }
            if ui
                .add_enabled(
                    self.running.is_none() && self.model.is_some(),
                    egui::Button::new("Report…"),
                )
                .on_hover_text(
                    "Export the one-page HTML report: data, model, accuracy, calibration, \
                     importance, saved scenarios, warnings",
                )
                .clicked()
            {
                commands.push(Command::ExportReport(None));
            }
            if !self.settings.recent_files.is_empty() {
                egui::ComboBox::from_id_salt("recent")
                    .selected_text("Recent")
                    .show_ui(ui, |ui| {
                        for path in &self.settings.recent_files {
                            if ui
                                .selectable_label(false, path.display().to_string())
                                .clicked()
                            {
                                commands.push(Command::Open(path.clone()));
                            }
                        }
                    });
            }
            let theme = if self.settings.light {
                "Dark theme"
            } else {
                "Light theme"
            };
            if ui.button(theme).clicked() {
                commands.push(Command::ToggleTheme);
            }
            ui.separator();
            let steps = [
                (Step::Data, "1 Data"),
                (Step::Roles, "2 Roles"),
                (Step::Train, "3 Train"),
                (Step::Scenarios, "4 Scenarios"),
                (Step::Diagnostics, "5 Diagnostics"),
            ];
            for (step, label) in steps {
                if ui.selectable_label(self.step == step, label).clicked() {
                    commands.push(Command::ShowStep(step));
                }
            }
            ui.separator();
            // Where the model runs: the short form, the reason on hover.
            match (&self.model_meta, &self.train_panel.started_on) {
                (Some(meta), _) => {
                    ui.label(format!("Device: {}", meta.device_short()))
                        .on_hover_text(&meta.device);
                }
                // Training has started: the device it chose, before any model exists.
                (None, Some(device)) if matches!(self.running, Some(Running::Train(_))) => {
                    ui.label(format!(
                        "Device: {}",
                        crate::model::device::short_label(device)
                    ))
                    .on_hover_text(device);
                }
                (None, _) => {
                    ui.weak("Device: chosen at training");
                }
            }
        });
    }

    /// The current job: a progress bar with the ETA and Cancel while training, a spinner
    /// otherwise; then the status line.
    fn status_bar_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            match (&self.running, self.train_panel.history.last()) {
                (Some(Running::Train(_)), _) if self.train_panel.trees_progress.is_some() => {
                    let (done, wanted) = self.train_panel.trees_progress.unwrap_or((0, 1));
                    ui.add(
                        egui::ProgressBar::new(done as f32 / wanted.max(1) as f32)
                            .desired_width(180.0)
                            .text(format!("trees: {done} of {wanted} members")),
                    );
                    if ui
                        .button("Cancel")
                        .on_hover_text("Esc; the finished members are kept")
                        .clicked()
                    {
                        commands.push(Command::CancelJob);
                    }
                }
                (Some(Running::Train(_)), Some(report)) => {
                    let done = report.epoch as f32 / report.epochs.max(1) as f32;
                    ui.add(
                        egui::ProgressBar::new(done)
                            .desired_width(180.0)
                            .text(format!(
                                "epoch {} of at most {}",
                                report.epoch, report.epochs
                            )),
                    );
                    ui.label(format!("ETA {:.0} s", report.eta_seconds));
                    if ui
                        .button("Cancel")
                        .on_hover_text("Esc; the best model so far is kept")
                        .clicked()
                    {
                        commands.push(Command::CancelJob);
                    }
                }
                (Some(Running::Backtest(_)), _) => {
                    ui.spinner();
                    if ui
                        .button("Cancel")
                        .on_hover_text("Esc; stops before the next fold")
                        .clicked()
                    {
                        commands.push(Command::CancelJob);
                    }
                }
                (Some(_), _) => {
                    ui.spinner();
                }
                (None, _) => {}
            }
            ui.label(&self.status);
        });
    }
}

impl eframe::App for WorkbenchApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    /// eframe calls this on exit and every half minute, on the GUI thread: a few bytes.
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings());
    }
}

/// WenQuanYi Micro Hei behind egui's fonts: Chinese, Japanese and Korean text in the data renders
/// instead of boxes.
const CJK_FONT: &[u8] = crate::embedded::CJK_FONT;

fn install_fonts(ctx: &egui::Context) {
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| egui::epaint::text::InsertFontFamily {
            family,
            priority: egui::FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(egui::FontInsert {
        name: "wqy-microhei".into(),
        data: egui::FontData::from_static(CJK_FONT),
        families,
    });
}

/// True when a window can be opened at all.
fn display_available() -> bool {
    if cfg!(target_os = "linux") {
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    } else {
        true
    }
}

/// Opens the workbench window on `file` (a data file or a project), else on the embedded
/// sample data.
pub fn run_workbench(file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if !display_available() {
        eprintln!(
            "liftcast: no display to open the workbench window on (neither DISPLAY nor \
             WAYLAND_DISPLAY is set).\nUse the command line instead, e.g. `liftcast inspect \
             FILE`; `liftcast --help` lists every command."
        );
        return Ok(ExitCode::from(crate::cli::EXIT_UNUSABLE));
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Liftcast")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0]),
        ..Default::default()
    };
    let result = eframe::run_native(
        "Liftcast",
        options,
        Box::new(|creation| {
            let mut app = WorkbenchApp::opening(Some(&creation.egui_ctx), file);
            app.restore(&creation.egui_ctx, creation.storage);
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!(
                "liftcast: the workbench window could not be opened ({error}).\nThe command line \
                 works without a window: `liftcast --help` lists every command."
            );
            Ok(ExitCode::from(crate::cli::EXIT_UNUSABLE))
        }
    }
}

/// The status line while training starts on `device` (its description), with what to expect
/// of a GPU's first run.
fn training_status(device: &str) -> String {
    let short = crate::model::device::short_label(device);
    match crate::model::device::first_use_note(device) {
        Some(note) => format!("Training on {short}: {note}."),
        None => format!("Training on {short}…"),
    }
}

/// How a job that reports no progress ended: its result, or why it crashed as `Err`; `None`
/// while it runs.
fn job_end<T>(events: Vec<JobEvent<(), T>>) -> Option<Result<T, String>> {
    events.into_iter().find_map(|event| match event {
        JobEvent::Progress(()) => None,
        JobEvent::Done(result) => Some(Ok(result)),
        JobEvent::Crashed(message) => Some(Err(message)),
    })
}

/// The what-if forecast of the Scenarios rows under `settings` (on a worker): the rows kept
/// prepared from the last one when they are the same audience, dates and model, prepared anew
/// otherwise.
fn live_forecast(
    model: &ForecastModel,
    frame: &polars::prelude::DataFrame,
    filter: crate::scenario::plan::RowFilter,
    kept: Option<PreparedAudience>,
    settings: &[LeverSetting],
) -> Result<LiveForecast, String> {
    let prepared = match kept {
        Some((kept_filter, rows)) if kept_filter == filter && rows.prepared_by(model) => rows,
        _ => {
            let rows = chosen_rows(model, frame, &filter)?;
            model.prepare(&rows).map_err(|e| e.to_string())?
        }
    };
    let forecast = model
        .forecast_prepared(&prepared, settings)
        .map_err(|e| e.to_string())?;
    Ok(LiveForecast {
        forecast,
        prepared: (filter, prepared),
    })
}

/// Asks for a data file in a format Liftcast reads (on a worker: the dialog blocks).
fn pick_data_file(title: &str) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_title(title)
        .add_filter(
            "Data",
            &[
                "csv", "tsv", "txt", "parquet", "jsonl", "ndjson", "xlsx", "xls",
            ],
        )
        .pick_file()
}

/// A plan-file job's work.
enum PlanFileAction {
    Save(crate::scenario::plan::Plan, Option<PathBuf>),
    Open(Option<PathBuf>),
    PickPopulation,
    PickCovariates,
}

/// Seed of the next-test suggestion (fixed: the same arms give the same shares).
const SUGGEST_SEED: u64 = 7;

/// The rows a plan starts from (on a worker): the population file when one is given, the
/// data's own rows otherwise.
fn plan_rows_source(
    frame: &polars::prelude::DataFrame,
    population: Option<&std::path::Path>,
) -> Result<polars::prelude::DataFrame, String> {
    match population {
        Some(path) => import::load(path, &ImportOptions::default())
            .map(|table| table.frame)
            .map_err(|e| e.to_string()),
        None => Ok(frame.clone()),
    }
}

/// The rows the Scenarios step's audience and date range keep (on a worker).
fn chosen_rows(
    model: &ForecastModel,
    frame: &polars::prelude::DataFrame,
    filter: &crate::scenario::plan::RowFilter,
) -> Result<polars::prelude::DataFrame, String> {
    crate::scenario::plan::select_rows(frame, &model.meta.schema, filter).map_err(|e| e.to_string())
}

/// Shuffle seed of the workbench's permutation importance (fixed: the same model explains the
/// same way every time).
const EXPLAIN_SEED: u64 = 7;

/// Gathers and writes the report (on a worker): saved scenarios become plans.
fn write_report_for(
    model: &ForecastModel,
    inspection: &Inspection,
    saved: &[crate::project::SavedScenario],
    path: &std::path::Path,
) -> Result<(), String> {
    let frame = &inspection.table.frame;
    let plans: Vec<crate::scenario::plan::Plan> = saved
        .iter()
        .map(|s| {
            crate::scenario::plan::Plan::from_scenario(&s.name, &s.settings, &model.meta.schema)
        })
        .collect();
    let content = crate::export::report::gather(
        crate::export::report::ReportSources {
            model,
            frame,
            inspection: Some(inspection),
            plans: &plans,
            backtest: None,
        },
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    crate::export::report::write_report(&content, path).map_err(|e| e.to_string())
}

/// A file name from a chart title: letters, digits and CJK kept, the rest as dashes.
fn file_stem(title: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            stem.extend(c.to_lowercase());
        } else if !stem.ends_with('-') && !stem.is_empty() {
            stem.push('-');
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "chart".into()
    } else {
        stem.chars().take(60).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{file_stem, training_status};

    #[test]
    fn the_status_line_says_where_training_runs_and_what_a_gpu_costs_first() {
        assert_eq!(training_status("CPU (flex)"), "Training on CPU (flex)…");
        assert_eq!(
            training_status("CPU (flex), because no GPU passed the self-test (none)"),
            "Training on CPU (flex)…"
        );
        let gpu = training_status("GPU (wgpu, DiscreteGpu(0))");
        assert!(gpu.starts_with("Training on GPU (wgpu, DiscreteGpu(0)): a GPU's first run"));
        assert!(gpu.contains("can take a few minutes"));
    }

    #[test]
    fn chart_titles_become_file_names() {
        assert_eq!(
            file_stem("Lift in orders as discount_pct varies"),
            "lift-in-orders-as-discount-pct-varies"
        );
        assert_eq!(file_stem("门店 销售额: +5%"), "门店-销售额-5");
        assert_eq!(file_stem("%%%"), "chart");
    }
}
