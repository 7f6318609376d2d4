//! Model: the burn network that forecasts every outcome from the encoded levers, dimensions,
//! covariates and calendar; training as a job, the deep ensemble, save/load and the choice of
//! device (GPU through wgpu, CPU through flex). The only module that imports burn.

pub mod basket;
pub mod blend;
pub mod calibrate;
pub mod device;
pub mod encode;
pub mod forecast;
pub mod group_totals;
pub mod intervals;
pub mod metrics;
pub mod network;
pub mod predict;
pub mod prepared;
pub mod split;
pub mod train;
pub mod tree_predict;
pub mod tree_rows;
pub mod trees;

use std::path::Path;

use burn::module::Module;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::roles::RoleMapping;
use crate::data::schema::Schema;
use crate::data::{Table, column, dates};
use crate::files::{self, FileError};
use crate::jobs::JobContext;
pub use blend::ModelFamily;
pub use device::DeviceChoice;
use encode::InputKind;
pub use encode::{EncodeError, Encoder, LeverSetting};
pub use forecast::{Forecast, OutcomeForecast};
use metrics::OutcomeMetrics;
use network::{EnsembleNet, LiftInputs, NetworkShape};
pub use prepared::PreparedRows;
pub use train::{EpochReport, TrainConfig};

/// Format version of `model.json`. Version 3 added the tree family and the blend; a version 2
/// file is a deep model and reads as one.
pub const MODEL_FORMAT_VERSION: u32 = 3;
const OLDEST_READABLE_MODEL: u32 = 2;
const META_FILE: &str = "model.json";
/// The tree family's boosters, beside the deep weights.
const TREES_FILE: &str = "trees.json";
const TREES_FORMAT_VERSION: u32 = 1;

/// The saved tree family (its `format_version` is checked as it loads).
#[derive(Deserialize)]
struct TreesFile {
    family: trees::TreeFamily,
}

/// The tree family as it is written (borrowed: a hybrid's trees can run to megabytes).
#[derive(Serialize)]
struct TreesFileRef<'a> {
    format_version: u32,
    family: &'a trees::TreeFamily,
}

/// The weights of outcome `index`'s network.
fn weights_file(index: usize) -> String {
    format!("weights_{index}.bpk")
}

/// Why a model could not be trained, saved, loaded or used.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path}: the weights cannot be {action}: {message}")]
    Weights {
        path: String,
        action: &'static str,
        message: String,
    },
    #[error("there are no training rows; the data needs more rows before the holdout")]
    NoTrainingRows,
    #[error(
        "{path}: {what}. Give a model folder written by `liftcast train` or saved with a project."
    )]
    NotAModel { path: String, what: &'static str },
    #[error("{0}")]
    Device(String),
    #[error(
        "{file}: the data is not usable with this mapping; see its problems (liftcast inspect)"
    )]
    NotUsable { file: String },
    #[error("the training thread could not start: {0}")]
    Thread(String),
    #[error("the rows cannot be prepared: {0}")]
    Rows(String),
    #[error(transparent)]
    Trees(#[from] trees::TreeError),
    #[error(
        "training was cancelled before the first tree ensemble member finished; nothing to keep"
    )]
    CancelledEmpty,
    #[error(
        "this model is a final fit: it learnt from every row and held none out, so it has no \
         holdout to score; read the diagnostics of the same settings trained without the final \
         fit"
    )]
    FinalFit,
}

/// Starts training an inspected table on a worker: the job the CLI waits on and the GUI polls.
pub fn start_training(
    inspection: &crate::data::Inspection,
    config: TrainConfig,
    choice: DeviceChoice,
    notify: Option<crate::jobs::Notify>,
) -> Result<crate::jobs::Job<EpochReport, Result<ForecastModel, ModelError>>, ModelError> {
    let Some(schema) = inspection.validation.schema.clone() else {
        return Err(ModelError::NotUsable {
            file: inspection.table.source.display_name(),
        });
    };
    let table = inspection.table.clone();
    let mapping = inspection.mapping.clone();
    crate::jobs::spawn("train", notify, move |context| {
        ForecastModel::fit(&table, &schema, &mapping, &config, choice, context)
    })
    .map_err(|e| ModelError::Thread(e.to_string()))
}

/// What is saved beside the weights: enough to rebuild the network and encode new rows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format_version: u32,
    /// The training data file (absolute when it could be resolved): the default population.
    pub data_file: String,
    pub mapping: RoleMapping,
    pub schema: Schema,
    pub encoder: Encoder,
    pub shape: NetworkShape,
    pub config: TrainConfig,
    pub device: String,
    pub split_rule: String,
    /// The best validation epoch of each outcome.
    pub best_epochs: Vec<usize>,
    pub epochs_run: usize,
    pub cancelled: bool,
    /// Holdout metrics per outcome, beside the naive baseline.
    pub holdout: Vec<OutcomeMetrics>,
    /// Shifts of the linear predictors that calibrate the mean, overall and per lever value.
    pub calibration: calibrate::Calibration,
    /// Widths of the per-row prediction intervals.
    pub intervals: Vec<intervals::OutcomeIntervals>,
    /// Per outcome, the deep family's weight and each family's validation score (empty: a deep
    /// model from before the trees).
    #[serde(default)]
    pub blend: Vec<blend::OutcomeBlend>,
    /// Tree ensemble members per outcome (0: no trees).
    #[serde(default)]
    pub tree_members: usize,
}

/// The train / validation / holdout rows of `frame`, as training splits it: by date for time
/// data, by row number otherwise. Diagnostics use it to score exactly the held-out rows.
pub fn split_of(
    frame: &polars::prelude::DataFrame,
    schema: &Schema,
    config: &TrainConfig,
) -> Result<split::Split, ModelError> {
    let row_dates = match &schema.time {
        Some(time) => Some(
            column::texts(frame, &time.column)
                .map_err(|e| ModelError::Device(e.to_string()))?
                .iter()
                .map(|t| t.as_deref().and_then(|t| dates::parse(t, time.format)))
                .collect::<Vec<_>>(),
        ),
        None => None,
    };
    if config.final_fit {
        return Ok(split::final_fit_rows(frame.height(), row_dates.as_deref()));
    }
    let holdout_from = config
        .holdout_from
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    Ok(split::split_rows(
        frame.height(),
        row_dates.as_deref(),
        holdout_from,
        config.cv_fold,
    ))
}

/// The split of a model's training data for diagnostics scored on its held-out rows: a final
/// fit held nothing out, so they are refused rather than scored on rows it learnt from.
pub fn holdout_split_of(
    frame: &polars::prelude::DataFrame,
    schema: &Schema,
    config: &TrainConfig,
) -> Result<split::Split, ModelError> {
    if config.final_fit {
        return Err(ModelError::FinalFit);
    }
    split_of(frame, schema, config)
}

/// Per outcome: whether the blend gives the trees any weight (walking them is wasted where
/// the networks have it all).
fn trees_wanted(weights: &[f32]) -> Vec<bool> {
    weights.iter().map(|w| *w < 1.0).collect()
}

/// A forecast with every member's per-row predictions (in the outcomes' units).
pub struct DetailedForecast {
    pub forecast: Forecast,
    pub scenario: predict::MemberPredictions,
    pub baseline: predict::MemberPredictions,
}

/// A trained forecast model, ready to predict.
pub struct ForecastModel {
    pub meta: ModelMeta,
    /// One network per outcome: each at its own best validation epoch (none for a trees-only
    /// model).
    nets: Vec<EnsembleNet>,
    /// The gradient-boosted family, when trained.
    trees: Option<trees::TreeFamily>,
    device: burn::prelude::Device,
    /// Which model this is in this process: rows prepared by one model are refused by another.
    id: u64,
}

/// A new model identity (`ForecastModel::id`).
fn next_model_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Which inputs are levers, which the lift may depend on, and the levers' baseline encoding
/// (every row encodes the baseline the same way, so the first row's encoding serves).
fn lift_inputs(
    encoder: &Encoder,
    schema: &Schema,
    frame: &polars::prelude::DataFrame,
) -> Result<LiftInputs, ModelError> {
    let kinds = encoder.input_kinds();
    let baseline_settings = baseline_settings(schema);
    let first_row = frame.slice(0, 1);
    let encoded = encoder.encode(&first_row, &baseline_settings)?;
    let is_lever = |k: &InputKind| *k == InputKind::Lever;
    Ok(LiftInputs {
        lever: kinds
            .iter()
            .map(|k| f32::from(u8::from(is_lever(k))))
            .collect(),
        effect: kinds
            .iter()
            .map(|k| {
                f32::from(u8::from(!matches!(
                    k,
                    InputKind::Calendar | InputKind::PostCampaign
                )))
            })
            .collect(),
        baseline: kinds
            .iter()
            .zip(&encoded.inputs)
            .map(|(k, v)| if is_lever(k) { *v } else { 0.0 })
            .collect(),
    })
}

/// Rows from which two jobs over them run side by side: below, a thread costs more than the
/// overlap saves (the optimiser forecasts a few hundred rows at a time).
const ALONGSIDE_ROWS: usize = 4096;

/// Runs `beside` on a thread of its own while `here` runs on this one, for jobs over `rows`
/// rows. What it serves: the two model families of a forecast (on a GPU they overlap whole,
/// and on the CPU the networks' small matrix products leave a core the trees can use: a
/// 100,000-row plan took 612-655 ms one after the other, 504-539 ms side by side,
/// BENCHMARKS.md "Session 18"), the two encodings of a plan's rows and their baseline, and an
/// encoding's days since each series' last campaign beside the rest of it.
/// Prepared rows do not gain: a lever move's networks are one small layer, and its trees
/// already walk on every core. A panic on the other thread goes on here, as it would have
/// inline.
fn alongside<H, B: Send>(
    rows: usize,
    here: impl FnOnce() -> H,
    beside: impl FnOnce() -> B + Send,
) -> (H, B) {
    if rows < ALONGSIDE_ROWS {
        return (here(), beside());
    }
    std::thread::scope(|scope| {
        let beside = scope.spawn(beside);
        let here = here();
        let beside = beside
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (here, beside)
    })
}

/// True when two encodings of the same rows differ at most in the lever inputs and `without`
/// has every lever input at its baseline encoding: then the networks' baseline of `with` is
/// `without`'s prediction.
fn differ_only_in_levers(
    with: &encode::EncodedRows,
    without: &encode::EncodedRows,
    lift_inputs: &LiftInputs,
) -> bool {
    let width = with.width;
    let (lever, baseline) = (&lift_inputs.lever, &lift_inputs.baseline);
    if with.rows != without.rows
        || width != without.width
        || lever.len() != width
        || baseline.len() != width
    {
        return false;
    }
    with.inputs
        .chunks(width)
        .zip(without.inputs.chunks(width))
        .all(|(a, b)| {
            (0..width).all(|c| {
                if lever[c] > 0.0 {
                    b[c].to_bits() == baseline[c].to_bits()
                } else {
                    a[c].to_bits() == b[c].to_bits()
                }
            })
        })
}

/// Every lever at its "no campaign" value.
fn baseline_settings(schema: &Schema) -> Vec<LeverSetting> {
    schema
        .levers
        .iter()
        .map(|lever| LeverSetting {
            lever: lever.column.clone(),
            value: lever.baseline.clone(),
        })
        .collect()
}

impl ModelMeta {
    /// Where the model trained, without the why ("CPU (flex)"): for a top bar or a chart's
    /// footnote; `device` keeps the reason.
    pub fn device_short(&self) -> &str {
        device::short_label(&self.device)
    }
}

impl ForecastModel {
    /// Trains on a validated table. Progress goes to `context`; cancel keeps the best so far.
    pub fn fit(
        table: &Table,
        schema: &Schema,
        mapping: &RoleMapping,
        config: &TrainConfig,
        choice: DeviceChoice,
        context: &JobContext<EpochReport>,
    ) -> Result<Self, ModelError> {
        let (mut device, mut device_label) = device::resolve(choice).map_err(ModelError::Device)?;
        let frame = &table.frame;
        let split = split_of(frame, schema, config)?;
        if split.train.is_empty() {
            return Err(ModelError::NoTrainingRows);
        }
        let encoder = Encoder::fit(
            frame,
            schema,
            &split.train,
            config.post_campaign_inputs,
            config.threshold_basket_input,
        )?;
        let encoded = encoder.encode(frame, &[])?;
        let uses_offset = encoder.exposure.is_some();
        let parents = forecast::funnel_parents(&encoder.outcomes);
        let lift_inputs = lift_inputs(&encoder, schema, frame)?;
        let evidence = if config.lift_from_controlled_rows {
            crate::data::controls::lift_evidence(frame, schema)
        } else {
            vec![true; frame.height()]
        };
        let lift_trust: Vec<f32> = evidence
            .iter()
            .map(|&t| if t { 1.0 } else { 0.0 })
            .collect();
        let set = train::TrainingSet {
            encoded: &encoded,
            outcomes: &encoder.outcomes,
            uses_offset,
            train_rows: &split.train,
            validation_rows: &split.validation,
            holdout_rows: &split.holdout,
            parents: &parents,
            lift_inputs: &lift_inputs,
            lift_trust: &lift_trust,
        };
        let on_gpu = device_label.starts_with("GPU");
        let family = config.family;
        let trained = if family.trains_deep() {
            context.report(EpochReport::started(device_label.clone()));
            match crate::quiet_panics::run_quietly(|| train::train(&set, config, &device, context))
            {
                Ok(trained) => trained,
                // A GPU that fails mid-training (driver reset, out of memory): in auto mode, say so
                // and train again on the CPU, on the same code path.
                Err(panic) if on_gpu && choice == DeviceChoice::Auto => {
                    let why = crate::jobs::panic_text(panic.as_ref());
                    device = burn::prelude::Device::flex();
                    device_label =
                        format!("CPU (flex), after the GPU failed during training: {why}");
                    context.report(EpochReport::started(device_label.clone()));
                    train::train(&set, config, &device, context)
                }
                Err(panic) => {
                    let why = crate::jobs::panic_text(panic.as_ref());
                    return Err(ModelError::Device(format!(
                        "training failed on {device_label}: {why}"
                    )));
                }
            }
        } else {
            train::Trained::untrained(&set, config)
        };
        // Cancelling the networks ends training: the trees only start on a run that went on.
        let tree_family = if family.trains_trees() && !trained.cancelled {
            let lever_inputs = lift_inputs.lever_positions();
            let settings = trees::TreeSettings {
                members: config.members.max(1),
                budget: config.tree_budget,
                seed: config.seed,
                hidden_levers: evidence.contains(&false).then_some(trees::HiddenLevers {
                    lever_inputs: &lever_inputs,
                    trusted_rows: &evidence,
                }),
            };
            let keep_going = || !context.is_cancelled();
            let on_member = |done, wanted| context.report(EpochReport::trees(done, wanted));
            context.report(EpochReport::trees(0, settings.members));
            let family = trees::train(
                &encoded,
                &encoder.outcomes,
                uses_offset,
                &split.train,
                settings,
                &keep_going,
                &on_member,
            )?;
            (family.members() > 0).then_some(family)
        } else {
            None
        };
        if !family.trains_deep() && tree_family.is_none() {
            return Err(ModelError::CancelledEmpty);
        }
        let cancelled = trained.cancelled
            || (family.trains_trees()
                && tree_family
                    .as_ref()
                    .is_none_or(|t| t.members() < config.members.max(1)));
        let deep_link = (!trained.nets.is_empty()).then(|| {
            predict::link_values(&trained.nets, &encoded, encoder.outcomes.len(), &device)
        });
        let trees_link = tree_family.as_ref().map(|t| t.link_values(&encoded));
        let blend = blend::choose(
            family,
            deep_link.as_ref(),
            trees_link.as_ref(),
            &encoded,
            &encoder.outcomes,
            uses_offset,
            &split.validation,
        );
        let link = blend::combine(
            deep_link,
            trees_link,
            &blend::deep_weights(&blend, encoder.outcomes.len()),
        );
        // The mean prediction must match the mean outcome, or every lift is off by the same
        // factor: shift each head on the rows the model may learn from (never the holdout).
        // Campaign rows that may not teach the lift stay out: a festival sale's rows sit above
        // what the model predicts for them (the festival's own demand), and matching its arm's
        // mean on them would hand that festival demand to every campaign of the arm.
        let fitted_rows: Vec<usize> = split
            .train
            .iter()
            .chain(&split.validation)
            .copied()
            .filter(|&row| evidence.get(row).copied().unwrap_or(true))
            .collect();
        let (calibration, predictions) = calibrate::Calibration::fit(
            &link,
            &encoded,
            &encoder,
            uses_offset,
            &fitted_rows,
            config.calibrate_lever_values,
        );
        let intervals =
            intervals::fit(&predictions, &encoded, &encoder.outcomes, &split.validation);
        // A final fit holds nothing out: no metrics rather than figures of zero rows.
        let mut holdout = if split.holdout.is_empty() {
            Vec::new()
        } else {
            metrics::holdout_metrics(frame, schema, &encoder, &predictions, &split)
        };
        for (j, (metric, band)) in holdout.iter_mut().zip(&intervals).enumerate() {
            let scale = encoder.outcomes[j].scale;
            metric.coverage = intervals::LEVELS
                .iter()
                .map(|&level| {
                    let share = intervals::coverage(
                        band,
                        &predictions,
                        &encoded,
                        j,
                        scale,
                        &split.holdout,
                        level,
                    );
                    (level, share)
                })
                .collect();
        }
        let data_file = std::fs::canonicalize(&table.source.path)
            .unwrap_or_else(|_| table.source.path.clone())
            .display()
            .to_string();
        let meta = ModelMeta {
            format_version: MODEL_FORMAT_VERSION,
            data_file,
            mapping: mapping.clone(),
            schema: schema.clone(),
            encoder,
            shape: trained.shape,
            config: config.clone(),
            device: device_label,
            split_rule: split.rule,
            best_epochs: trained.best_epochs.clone(),
            epochs_run: trained.history.len(),
            cancelled,
            holdout,
            calibration,
            intervals,
            blend,
            tree_members: tree_family.as_ref().map_or(0, trees::TreeFamily::members),
        };
        Ok(Self {
            meta,
            nets: trained.nets,
            trees: tree_family,
            device,
            id: next_model_id(),
        })
    }

    /// Every member's prediction of each row of `frame` as it is (its own lever values):
    /// what holdout diagnostics score against the actual outcomes.
    pub fn predict_as_is(
        &self,
        frame: &polars::prelude::DataFrame,
    ) -> Result<predict::MemberPredictions, ModelError> {
        let encoded = self.meta.encoder.encode(frame, &[])?;
        Ok(self.predict_encoded(&encoded))
    }

    /// Every member's prediction of each row of `frame` with the levers in `settings` set on
    /// every row (the others as they are): what partial dependence sweeps.
    pub fn predict_with(
        &self,
        frame: &polars::prelude::DataFrame,
        settings: &[LeverSetting],
    ) -> Result<predict::MemberPredictions, ModelError> {
        let encoded = self.meta.encoder.encode(frame, settings)?;
        Ok(self.predict_encoded(&encoded))
    }

    /// Predicts `frame` with the levers set as given (the scenario) and at their baselines:
    /// totals, lift and intervals per outcome, and every row's predictions.
    pub fn forecast(
        &self,
        frame: &polars::prelude::DataFrame,
        scenario: &[LeverSetting],
    ) -> Result<Forecast, ModelError> {
        let encoder = &self.meta.encoder;
        let baseline = baseline_settings(&self.meta.schema);
        let with = encoder.encode(frame, scenario)?;
        let without = encoder.encode(frame, &baseline)?;
        Ok(self.predict_pair(&with, &without).forecast)
    }

    /// Forecasts prepared rows: `scenario` with the plan's lever values, `baseline` the same
    /// rows with every lever at its baseline (a plan's rows, per-segment levers included).
    pub fn compare(
        &self,
        scenario: &polars::prelude::DataFrame,
        baseline: &polars::prelude::DataFrame,
    ) -> Result<Forecast, ModelError> {
        Ok(self.compare_detailed(scenario, baseline)?.forecast)
    }

    /// As `compare`, keeping every member's prediction of every row: what plans need for
    /// breakdowns, per-row discount costs and paired draws.
    pub fn compare_detailed(
        &self,
        scenario: &polars::prelude::DataFrame,
        baseline: &polars::prelude::DataFrame,
    ) -> Result<DetailedForecast, ModelError> {
        let encoder = &self.meta.encoder;
        // Two encodings of as many rows: one on each of two cores.
        let (with, without) = alongside(
            scenario.height(),
            || encoder.encode(scenario, &[]),
            || encoder.encode(baseline, &[]),
        );
        let (with, without) = (with?, without?);
        Ok(self.predict_pair(&with, &without))
    }

    /// Forecasts `frame` under each of `scenarios` against one baseline, predicted once, and
    /// with what no lever changes predicted once (`prepare`): what a response curve and a
    /// comparison of saved scenarios need.
    pub fn forecast_each(
        &self,
        frame: &polars::prelude::DataFrame,
        scenarios: &[Vec<LeverSetting>],
    ) -> Result<Vec<Forecast>, ModelError> {
        self.forecast_each_prepared(frame, scenarios, forecast::RowDetail::Keep)
    }

    /// As `forecast_each`, keeping the totals only (no per-row predictions): what a response
    /// curve's points and a lift decomposition's subsets read. Over 100,000 rows each forecast
    /// then spends no time on, and keeps no memory for, rows it would drop (BENCHMARKS.md,
    /// session 13).
    pub fn forecast_each_totals(
        &self,
        frame: &polars::prelude::DataFrame,
        scenarios: &[Vec<LeverSetting>],
    ) -> Result<Vec<Forecast>, ModelError> {
        self.forecast_each_prepared(frame, scenarios, forecast::RowDetail::TotalsOnly)
    }

    /// Predicts encoded scenario and baseline rows and sums them into a forecast, keeping the
    /// member predictions.
    fn predict_pair(
        &self,
        with: &encode::EncodedRows,
        without: &encode::EncodedRows,
    ) -> DetailedForecast {
        let (scenario, baseline) = self.predict_encoded_pair(with, without);
        let forecast = self.summarise_pair(with, &scenario, &baseline, forecast::RowDetail::Keep);
        DetailedForecast {
            forecast,
            scenario,
            baseline,
        }
    }

    fn summarise_pair(
        &self,
        with: &encode::EncodedRows,
        scenario: &predict::MemberPredictions,
        baseline: &predict::MemberPredictions,
        detail: forecast::RowDetail,
    ) -> Forecast {
        forecast::summarise(
            &self.meta,
            scenario,
            baseline,
            &with.cold_start,
            self.exposure_total(with),
            detail,
        )
    }

    /// The rows' summed exposure (messages, impressions), when the model has an exposure
    /// column: the funnel's first rate divides by it.
    fn exposure_total(&self, rows: &encode::EncodedRows) -> Option<f64> {
        self.meta
            .encoder
            .exposure
            .as_ref()
            .map(|_| rows.offset.iter().map(|o| f64::from(*o).exp()).sum::<f64>())
    }

    /// Calibrated predictions of scenario rows and of the same rows with every lever at its
    /// baseline. When the two differ only in the levers (always so for forecasts and plans;
    /// checked, not assumed), the networks give both from one pass of lever-free parts and the
    /// trees that never split on a lever are walked once for both.
    fn predict_encoded_pair(
        &self,
        with: &encode::EncodedRows,
        without: &encode::EncodedRows,
    ) -> (predict::MemberPredictions, predict::MemberPredictions) {
        let encoder = &self.meta.encoder;
        let k = encoder.outcomes.len();
        let weights = blend::deep_weights(&self.meta.blend, k);
        let lift_inputs = &self.meta.shape.lift_inputs;
        if !differ_only_in_levers(with, without, lift_inputs) {
            return (self.predict_encoded(with), self.predict_encoded(without));
        }
        let ((deep_with, deep_without), (trees_with, trees_without)) = alongside(
            with.rows,
            || {
                if self.uses_deep(&weights) {
                    let (a, b) = prepared::link_values_and_baseline(
                        &self.nets,
                        with,
                        &lift_inputs.lever,
                        k,
                        &self.device,
                    );
                    (Some(a), Some(b))
                } else {
                    (None, None)
                }
            },
            || match self.used_trees(&weights) {
                Some(trees) => {
                    let (a, b) = trees.link_values_pair(
                        with,
                        without,
                        &lift_inputs.lever_positions(),
                        &trees_wanted(&weights),
                    );
                    (Some(a), Some(b))
                }
                None => (None, None),
            },
        );
        let means = |deep, trees, rows: &encode::EncodedRows| {
            let link = blend::combine(deep, trees, &weights);
            let shifts = self.meta.calibration.row_shifts(rows, k);
            self.means_of(&link, rows, &shifts)
        };
        (
            means(deep_with, trees_with, with),
            means(deep_without, trees_without, without),
        )
    }

    /// Calibrated predictions of encoded rows by the blend.
    fn predict_encoded(&self, encoded: &encode::EncodedRows) -> predict::MemberPredictions {
        let k = self.meta.encoder.outcomes.len();
        let weights = blend::deep_weights(&self.meta.blend, k);
        let shifts = self.meta.calibration.row_shifts(encoded, k);
        self.predict_blended(encoded, &weights, &shifts)
    }

    /// Predictions of encoded rows with the given deep weights and link-scale shifts; a family
    /// whose weight is 0 for every outcome is not run.
    fn predict_blended(
        &self,
        encoded: &encode::EncodedRows,
        weights: &[f32],
        shifts: &[f32],
    ) -> predict::MemberPredictions {
        let encoder = &self.meta.encoder;
        let k = encoder.outcomes.len();
        let deep = self
            .uses_deep(weights)
            .then(|| predict::link_values(&self.nets, encoded, k, &self.device));
        let link = blend::combine(deep, self.trees_link(encoded, weights), weights);
        self.means_of(&link, encoded, shifts)
    }

    /// Whether the blend gives the networks weight on some outcome (and there are networks).
    fn uses_deep(&self, weights: &[f32]) -> bool {
        weights.iter().any(|w| *w > 0.0) && !self.nets.is_empty()
    }

    /// The trees, when the model has them and the blend gives them weight on some outcome.
    fn used_trees(&self, weights: &[f32]) -> Option<&trees::TreeFamily> {
        self.trees
            .as_ref()
            .filter(|_| weights.iter().any(|w| *w < 1.0))
    }

    /// The trees' link values of encoded rows, when the model has trees and some outcome
    /// gives them weight.
    fn trees_link(
        &self,
        encoded: &encode::EncodedRows,
        weights: &[f32],
    ) -> Option<predict::LinkValues> {
        self.used_trees(weights)
            .map(|t| t.link_values_of(encoded, &trees_wanted(weights)))
    }

    /// Expected values of blended link values (shifts, exposure offset, inverse link).
    fn means_of(
        &self,
        link: &predict::LinkValues,
        encoded: &encode::EncodedRows,
        shifts: &[f32],
    ) -> predict::MemberPredictions {
        let encoder = &self.meta.encoder;
        predict::to_means(
            link,
            encoded,
            &encoder.outcomes,
            encoder.exposure.is_some(),
            shifts,
        )
    }

    /// The families this model holds (one, or both for a hybrid).
    pub fn families(&self) -> Vec<ModelFamily> {
        let mut families = Vec::new();
        if !self.nets.is_empty() {
            families.push(ModelFamily::Deep);
        }
        if self.trees.is_some() {
            families.push(ModelFamily::Trees);
        }
        families
    }

    /// How each family alone forecasts `frame` under `scenario` (before the calibration that
    /// the blend was given): what shows each family's part in a hybrid's lift.
    pub fn forecast_by_family(
        &self,
        frame: &polars::prelude::DataFrame,
        scenario: &[LeverSetting],
    ) -> Result<Vec<(ModelFamily, Forecast)>, ModelError> {
        let encoder = &self.meta.encoder;
        let k = encoder.outcomes.len();
        let with = encoder.encode(frame, scenario)?;
        let without = encoder.encode(frame, &baseline_settings(&self.meta.schema))?;
        self.families()
            .into_iter()
            .map(|family| {
                let weight = if family == ModelFamily::Deep {
                    1.0
                } else {
                    0.0
                };
                let weights = vec![weight; k];
                let scenario = self.predict_blended(&with, &weights, &[]);
                let baseline = self.predict_blended(&without, &weights, &[]);
                let forecast =
                    self.summarise_pair(&with, &scenario, &baseline, forecast::RowDetail::Keep);
                Ok((family, forecast))
            })
            .collect()
    }

    /// Saves `model.json` and the weights into `folder`, each file written whole or not at all.
    pub fn save(&self, folder: &Path) -> Result<(), ModelError> {
        std::fs::create_dir_all(folder).map_err(|e| FileError::Io {
            path: folder.display().to_string(),
            action: "create the model folder",
            reason: files::io_reason(&e),
        })?;
        if let Some(family) = &self.trees {
            let file = TreesFileRef {
                format_version: TREES_FORMAT_VERSION,
                family,
            };
            files::save_json(&folder.join(TREES_FILE), &file, "tree family")?;
        }
        for (index, net) in self.nets.iter().enumerate() {
            let weights = folder.join(weights_file(index));
            let temporary = folder.join(format!(
                ".{}.{}.tmp",
                weights_file(index),
                std::process::id()
            ));
            let weights_error = |message: String| ModelError::Weights {
                path: weights.display().to_string(),
                action: "written",
                message,
            };
            net.clone()
                .save_file(&temporary)
                .map_err(|e| weights_error(e.to_string()))?;
            std::fs::rename(&temporary, &weights).map_err(|e| weights_error(e.to_string()))?;
        }
        // The description goes last: a folder with model.json always has its weights.
        files::save_json(&folder.join(META_FILE), &self.meta, "model")?;
        Ok(())
    }

    /// Loads a model folder on the chosen device.
    pub fn load(folder: &Path, choice: DeviceChoice) -> Result<Self, ModelError> {
        if !folder.join(META_FILE).is_file() {
            return Err(ModelError::NotAModel {
                path: folder.display().to_string(),
                what: if folder.is_dir() {
                    "is not a model folder: it has no model.json"
                } else if folder.exists() {
                    "is a file, not a model folder"
                } else {
                    "no such folder"
                },
            });
        }
        let meta: ModelMeta = files::load_json_versions(
            &folder.join(META_FILE),
            "model",
            OLDEST_READABLE_MODEL..=MODEL_FORMAT_VERSION,
        )?;
        let (device, _) = device::resolve(choice).map_err(ModelError::Device)?;
        let trees = if meta.tree_members > 0 {
            let file: TreesFile = files::load_versioned_json(
                &folder.join(TREES_FILE),
                "tree family",
                TREES_FORMAT_VERSION,
            )?;
            Some(file.family)
        } else {
            None
        };
        let deep_outcomes = if meta.config.family.trains_deep() {
            meta.encoder.outcomes.len().max(1)
        } else {
            0
        };
        let mut nets = Vec::new();
        for index in 0..deep_outcomes {
            let weights = folder.join(weights_file(index));
            let weights_error = |message: String| ModelError::Weights {
                path: weights.display().to_string(),
                action: "read",
                message,
            };
            if !weights.exists() {
                return Err(weights_error(
                    "the file is missing; the model folder is incomplete".into(),
                ));
            }
            let skeleton = EnsembleNet::new(&meta.shape, &[], 0, &device);
            let net = skeleton.try_load_file(&weights).map_err(|e| {
                weights_error(format!(
                    "the file is damaged or belongs to another model ({e}); train the model \
                     again"
                ))
            })?;
            nets.push(net);
        }
        Ok(Self {
            meta,
            nets,
            trees,
            device,
            id: next_model_id(),
        })
    }
}
