//! Rows prepared once for forecasts under many lever settings: the live what-if as a control
//! moves, a response curve's points, saved scenarios side by side. Only the levers change
//! between those forecasts, and most of a forecast does not depend on them:
//! - the networks' trunk, the lift at the baseline and the lift network's lever-free part
//!   (`EnsembleNet::lever_free_parts`): the trunk's base kept per row; the lift's parts kept
//!   once per group of rows that share their effect inputs (dimensions and covariates: on time
//!   data a population is its dates × a few combinations), or per row where the covariates
//!   differ row by row. A new setting costs the lift's last layer per (group, setting) pair,
//!   or per row, plus the lever terms of each distinct lever vector;
//! - the trees that never split on a lever: summed per row once, so a new setting walks only
//!   the trees that do (`TreeFamily::split_by_levers`), and only for the outcomes the blend
//!   gives the trees weight;
//! - the encoded rows: the settings are copied into the lever positions
//!   (`Encoder::with_settings`), the baseline is predicted once;
//! - for totals alone (a curve's points) of counts and amounts, the sums of each cell of rows
//!   (a lift group and, where the trees weigh in, a tree kind) of their exponentiated baseline
//!   link (`group_totals`): a setting shared by every row is then encoded into a few rows and
//!   costs the groups' lifts and the kinds' lever trees, not a pass over the rows.
//!
//! The numbers are those of `ForecastModel::forecast` up to float rounding (sums are grouped
//! differently); tests/prepared_forecasts.rs compares them.
//!
//! A plan or forecast predicted once uses the same split without keeping it
//! (`link_values_and_baseline`): its rows and their baseline differ only in the levers, so
//! each chunk's lever-free parts serve both and are dropped with the chunk.

use std::collections::HashMap;

use burn::prelude::*;
use polars::prelude::DataFrame;

use super::encode::EncodedRows;
use super::forecast::{self, Forecast, RowDetail};
use super::group_totals::{GroupTotals, RowCells};
use super::network::{EnsembleNet, LeverFreeParts};
use super::predict::{
    LinkValues, MemberPredictions, chunk_rows, copy_outputs, member_inputs, wanted_outputs,
};
use super::trees::TreeLeverSplit;
use super::{ForecastModel, LeverSetting, ModelError, baseline_settings, blend};

/// Above this many bytes of kept network parts (rows × networks × members × (hidden + outputs)
/// floats) the networks are run whole for each setting instead: 1 GiB holds about 1.3 M rows
/// of a three-outcome model with the default 5 members and 32 hidden units.
const MAX_KEPT_BYTES: usize = 1 << 30;

/// Rows per kept chunk: four times a whole forecast's chunks (`chunk_rows`), because a lever
/// move runs only the lift's last layer over them; measured on a 100,000-row lever move on the
/// CPU, 8,192 rows took 78 ms for the networks and 2,048 rows 90 ms.
fn prepared_chunk_rows(device: &Device) -> usize {
    4 * chunk_rows(device)
}

/// Rows of one population ready for forecasts under any lever settings
/// (`ForecastModel::prepare`, `ForecastModel::forecast_prepared`).
pub struct PreparedRows {
    /// The model that prepared them (`ForecastModel::id`).
    model: u64,
    /// One row of the population: where settings are encoded.
    one_row: DataFrame,
    /// The rows encoded as they are (their own lever values).
    as_is: EncodedRows,
    /// The predictions of the rows with every lever at its baseline.
    baseline: MemberPredictions,
    /// The networks' lever-free parts, when they fit in memory.
    deep: Option<DeepKept>,
    /// The trees' lever-free sums, when the model has trees the blend uses.
    trees: Option<TreeLeverSplit>,
    /// The sums that give a totals-only forecast without a pass over the rows, where the
    /// model allows it (`group_totals`).
    group_totals: Option<GroupTotals>,
    /// Where `group_totals` is set: the rows a setting shared by every row is encoded into
    /// instead of all of them (`setting_rows`).
    setting_rows: Vec<usize>,
    /// The rows' summed exposure (`ForecastModel::exposure_total`): a setting does not move it.
    exposure_total: Option<f64>,
}

/// The networks' lever-free parts of prepared rows.
enum DeepKept {
    /// Every row's parts, `[chunk][network]`.
    Rows(Vec<Vec<LeverFreeParts>>),
    /// Rows that share their effect inputs share the lift's parts: kept once per group.
    Groups(GroupedParts),
}

/// The lift's parts per group of rows with the same effect inputs (dimensions and covariates;
/// the lift never sees the calendar), and each row's base. On time data a population is its
/// dates × a few combinations, so a lever move runs the lift's last layer over the groups
/// rather than the rows.
struct GroupedParts {
    /// Each row's group.
    row_group: Vec<usize>,
    /// Per network: the groups' hidden pre-activation `[members, groups, hidden]` and lift at
    /// the baseline levers `[members, groups, outputs]`.
    lift: Vec<(Tensor<3>, Tensor<3>)>,
    /// The rows' trunk base before the chain, `[chunk][network]`.
    base: Vec<Vec<Tensor<3>>>,
}

impl DeepKept {
    /// The networks' link values of `with`, the prepared rows with their levers moved.
    fn link_values(
        &self,
        nets: &[EnsembleNet],
        with: &EncodedRows,
        lever: &[f32],
        k: usize,
        device: &Device,
    ) -> LinkValues {
        match self {
            DeepKept::Rows(parts) => link_from_parts(nets, parts, with, lever, k, device),
            DeepKept::Groups(grouped) => link_from_groups(nets, grouped, with, lever, k, device),
        }
    }
}

impl GroupedParts {
    fn groups(&self) -> usize {
        self.lift.first().map_or(0, |(hidden, _)| hidden.dims()[1])
    }
}

/// Each group's lift on the link scale, `[member][group][outcome]`, under the lever inputs of
/// `one_row`.
fn group_lifts(
    nets: &[EnsembleNet],
    grouped: &GroupedParts,
    one_row: &EncodedRows,
    lever: &[f32],
    k: usize,
    device: &Device,
) -> LinkValues {
    let members = nets.first().map_or(0, EnsembleNet::members);
    let groups = grouped.groups();
    let (levers, _) = distinct_levers(one_row, lever, members, device);
    let every_group_first_setting =
        Tensor::<1, Int>::from_ints(TensorData::new(vec![0i64; groups], [groups]), device);
    let mut lifts = LinkValues::zeros(members, groups, k);
    for (net_index, net) in nets.iter().enumerate() {
        let Some((hidden, at_baseline)) = grouped.lift.get(net_index) else {
            break;
        };
        let (lever_hidden, lever_outputs) = net.lever_terms(levers.clone());
        let lift = net.lift_from_parts(
            hidden.clone(),
            at_baseline.clone(),
            lever_hidden.select(1, every_group_first_setting.clone()),
            lever_outputs.select(1, every_group_first_setting.clone()),
        );
        let outputs = net.chained(lift.zeros_like(), lift);
        let wanted = wanted_outputs(net_index, nets.len(), k);
        copy_outputs(outputs, &wanted, 0, &mut lifts);
    }
    lifts
}

/// Groups are used when each holds at least this many rows on average.
const MIN_ROWS_PER_GROUP: usize = 4;

impl PreparedRows {
    /// Whether `model` prepared these rows (only it can forecast them).
    pub fn prepared_by(&self, model: &ForecastModel) -> bool {
        self.model == model.id
    }

    /// Rows in the population.
    pub fn rows(&self) -> usize {
        self.as_is.rows
    }

    /// Of the trees, the share that a lever move walks again (0 without trees).
    pub fn lever_tree_share(&self) -> f64 {
        self.trees
            .as_ref()
            .map_or(0.0, TreeLeverSplit::lever_tree_share)
    }

    /// Whether the networks' lever-free parts are kept (false above the memory cap, or for a
    /// model without networks).
    pub fn keeps_network_parts(&self) -> bool {
        self.deep.is_some()
    }

    /// Whether a totals-only forecast of these rows under one setting sums their cells
    /// instead of their rows (`group_totals`).
    pub fn sums_totals_by_cell(&self) -> bool {
        self.group_totals.is_some()
    }

    /// How many kinds of row the trees tell apart, when their sums are kept per kind.
    pub fn tree_kinds(&self) -> Option<usize> {
        Some(self.trees.as_ref()?.kind_representatives()?.len())
    }

    /// How many groups of rows share the lift's parts, when the rows are kept in groups.
    pub fn effect_groups(&self) -> Option<usize> {
        match &self.deep {
            Some(DeepKept::Groups(grouped)) => Some(grouped.groups()),
            _ => None,
        }
    }
}

impl ForecastModel {
    /// Encodes `frame` and predicts everything about it that no lever setting changes: its
    /// baseline, the networks' lever-free parts and the trees that never split on a lever.
    pub fn prepare(&self, frame: &DataFrame) -> Result<PreparedRows, ModelError> {
        let encoder = &self.meta.encoder;
        let k = encoder.outcomes.len();
        let as_is = encoder.encode(frame, &[])?;
        let one_row = frame.slice(0, 1);
        let baseline_rows =
            encoder.with_settings(&as_is, &one_row, &baseline_settings(&self.meta.schema))?;
        let weights = blend::deep_weights(&self.meta.blend, k);
        let lift_inputs = &self.meta.shape.lift_inputs;
        let uses_deep = self.uses_deep(&weights);
        let groups = uses_deep
            .then(|| effect_groups(&as_is, lift_inputs))
            .flatten();
        // Kept per row: the base, and unless grouped the lift's hidden layer and outputs too.
        let per_row_floats = match groups {
            Some(_) => self.meta.shape.outputs,
            None => self.meta.shape.hidden + 2 * self.meta.shape.outputs,
        };
        let kept_bytes =
            as_is.rows * self.nets.len() * self.meta.shape.members * per_row_floats * 4;
        let keep_deep = uses_deep
            && kept_bytes <= MAX_KEPT_BYTES
            && super::differ_only_in_levers(&as_is, &baseline_rows, lift_inputs);
        let (deep, deep_baseline) = if keep_deep {
            let (kept, baseline) = match groups {
                Some((row_group, representatives)) => grouped_parts(
                    &self.nets,
                    &as_is,
                    row_group,
                    &representatives,
                    k,
                    &self.device,
                ),
                None => {
                    let (parts, baseline) = lever_free_parts(&self.nets, &as_is, k, &self.device);
                    (DeepKept::Rows(parts), baseline)
                }
            };
            (Some(kept), Some(baseline))
        } else if uses_deep {
            let link = super::predict::link_values(&self.nets, &baseline_rows, k, &self.device);
            (None, Some(link))
        } else {
            (None, None)
        };
        let shifts = self.meta.calibration.row_shifts(&baseline_rows, k);
        let lever_positions = lift_inputs.lever_positions();
        let wanted = super::trees_wanted(&weights);
        let trees = self
            .used_trees(&weights)
            .filter(|_| lever_positions.len() == as_is.width)
            .map(|t| t.split_by_levers(&as_is, &lever_positions, &wanted));
        // The trees' baseline per kind of row, when the rows were told apart in kinds: what
        // the totals by cell measure each setting's trees against.
        let trees_by_kind = trees
            .as_ref()
            .zip(self.used_trees(&weights))
            .and_then(|(split, family)| family.link_values_by_kind(split, &baseline_rows, &wanted));
        let trees_baseline = match (&trees, &trees_by_kind) {
            (Some(split), Some(by_kind)) => split.to_rows(by_kind),
            _ => self.trees_link_prepared(trees.as_ref(), &baseline_rows, &weights),
        };
        let link = blend::combine(deep_baseline, trees_baseline, &weights);
        let group_totals = self.cell_sums(
            deep.as_ref(),
            trees.as_ref().zip(trees_by_kind),
            &link,
            &as_is,
            shifts.get(..k),
        );
        let baseline = self.means_of(&link, &baseline_rows, &shifts);
        let setting_rows = match &group_totals {
            Some(_) => setting_rows(
                &as_is,
                &lever_positions,
                trees
                    .as_ref()
                    .and_then(TreeLeverSplit::kind_representatives),
            ),
            None => Vec::new(),
        };
        let exposure_total = self.exposure_total(&as_is);
        Ok(PreparedRows {
            model: self.id,
            one_row,
            as_is,
            baseline,
            deep,
            trees,
            group_totals,
            setting_rows,
            exposure_total,
        })
    }

    /// The sums behind totals by cell (`group_totals`), where the model and rows allow them:
    /// the networks' parts kept in groups and the trees' sums in kinds (for the families the
    /// blend uses), no basket-relative threshold (it differs by segment under one setting) and
    /// no binary outcome. `link` is the rows' blended baseline link, `baseline_shifts` the
    /// calibration shifts every baseline row shares.
    fn cell_sums(
        &self,
        deep: Option<&DeepKept>,
        trees: Option<(&TreeLeverSplit, LinkValues)>,
        link: &LinkValues,
        as_is: &EncodedRows,
        baseline_shifts: Option<&[f32]>,
    ) -> Option<GroupTotals> {
        let encoder = &self.meta.encoder;
        let k = encoder.outcomes.len();
        let weights = blend::deep_weights(&self.meta.blend, k);
        if encoder.baskets.is_some() {
            return None;
        }
        let row_group = match deep {
            Some(DeepKept::Groups(grouped)) => Some(grouped.row_group.as_slice()),
            _ if self.uses_deep(&weights) => return None,
            _ => None,
        };
        let trees = match trees {
            Some((split, by_kind)) => Some((split.kind_of_rows()?, by_kind)),
            None if self.used_trees(&weights).is_some() => return None,
            None => None,
        };
        let shares = blend::family_shares(&weights, k, row_group.is_some(), trees.is_some());
        let cells = RowCells::new(as_is.rows, row_group, trees, shares)?;
        GroupTotals::of(
            link,
            cells,
            as_is,
            &encoder.outcomes,
            encoder.exposure.is_some(),
            baseline_shifts?,
        )
    }

    /// The forecast of prepared rows with the levers in `settings` set on every row (the
    /// others as the rows have them), against their baseline: `forecast` of the same frame.
    pub fn forecast_prepared(
        &self,
        prepared: &PreparedRows,
        settings: &[LeverSetting],
    ) -> Result<Forecast, ModelError> {
        self.forecast_prepared_with(prepared, settings, RowDetail::Keep)
    }

    fn forecast_prepared_with(
        &self,
        prepared: &PreparedRows,
        settings: &[LeverSetting],
        detail: RowDetail,
    ) -> Result<Forecast, ModelError> {
        if !prepared.prepared_by(self) {
            return Err(ModelError::Rows(
                "these rows were prepared by another model; prepare them again".into(),
            ));
        }
        if detail == RowDetail::TotalsOnly
            && let Some(forecast) = self.totals_by_cell(prepared, settings)?
        {
            return Ok(forecast);
        }
        let encoder = &self.meta.encoder;
        let with = encoder.with_settings(&prepared.as_is, &prepared.one_row, settings)?;
        let scenario = self.predict_prepared(prepared, &with);
        Ok(self.summarise_pair(&with, &scenario, &prepared.baseline, detail))
    }

    /// The totals-only forecast of the prepared rows under `settings` from the cells' sums
    /// (`group_totals`), when the rows allow it (`None` otherwise): one lever setting on every
    /// row. The setting is encoded into the few rows a point reads (`setting_rows`), not into
    /// every row. Scenario and baseline (summed when the rows were prepared) are summed the
    /// same way, so a setting at the baseline gives a lift of exactly zero.
    fn totals_by_cell(
        &self,
        prepared: &PreparedRows,
        settings: &[LeverSetting],
    ) -> Result<Option<Forecast>, ModelError> {
        let Some(sums) = prepared.group_totals.as_ref() else {
            return Ok(None);
        };
        if prepared.setting_rows.is_empty() {
            return Ok(None);
        }
        let lift_inputs = &self.meta.shape.lift_inputs;
        let encoder = &self.meta.encoder;
        let rows = prepared.as_is.rows_at(&prepared.setting_rows);
        let with = encoder.with_settings(&rows, &prepared.one_row, settings)?;
        if !with.same_on_every_row(&lift_inputs.lever_positions()) {
            return Ok(None);
        }
        let k = encoder.outcomes.len();
        let first = with.head(1);
        let lifts = match &prepared.deep {
            Some(DeepKept::Groups(grouped)) => Some(group_lifts(
                &self.nets,
                grouped,
                &first,
                &lift_inputs.lever,
                k,
                &self.device,
            )),
            _ => None,
        };
        let weights = blend::deep_weights(&self.meta.blend, k);
        let trees = match (&prepared.trees, self.used_trees(&weights)) {
            (Some(split), Some(family)) => {
                // `setting_rows` holds each kind's first row right after the first row.
                let kinds = split.kind_representatives().map_or(0, <[usize]>::len);
                let representatives: Vec<usize> = (1..=kinds).collect();
                let wanted = super::trees_wanted(&weights);
                match family.link_values_of_kinds(split, &with.rows_at(&representatives), &wanted) {
                    Some(values) => Some(values),
                    None => return Ok(None),
                }
            }
            _ => None,
        };
        let shifts = self.meta.calibration.row_shifts(&first, k);
        let Some(scenario) = sums.member_totals(lifts.as_ref(), trees.as_ref(), &shifts) else {
            return Ok(None);
        };
        // A setting moves only lever inputs: the rows' cold starts and exposure stay theirs.
        let as_is = &prepared.as_is;
        Ok(Some(forecast::summarise_totals(
            &self.meta,
            scenario,
            sums.baseline().to_vec(),
            as_is.rows,
            as_is.cold_start.iter().filter(|c| **c).count(),
            prepared.exposure_total,
        )))
    }

    /// Calibrated predictions of `with`: the prepared rows with their levers moved.
    fn predict_prepared(&self, prepared: &PreparedRows, with: &EncodedRows) -> MemberPredictions {
        let k = self.meta.encoder.outcomes.len();
        let weights = blend::deep_weights(&self.meta.blend, k);
        let lever = &self.meta.shape.lift_inputs.lever;
        let deep = match &prepared.deep {
            Some(kept) => Some(kept.link_values(&self.nets, with, lever, k, &self.device)),
            None if self.uses_deep(&weights) => Some(super::predict::link_values(
                &self.nets,
                with,
                k,
                &self.device,
            )),
            None => None,
        };
        let trees = self.trees_link_prepared(prepared.trees.as_ref(), with, &weights);
        let link = blend::combine(deep, trees, &weights);
        let shifts = self.meta.calibration.row_shifts(with, k);
        self.means_of(&link, with, &shifts)
    }

    /// The trees' link values of rows whose lever-free sums `split` holds (the whole walk
    /// without one).
    fn trees_link_prepared(
        &self,
        split: Option<&TreeLeverSplit>,
        encoded: &EncodedRows,
        weights: &[f32],
    ) -> Option<LinkValues> {
        match split {
            Some(split) => self
                .trees
                .as_ref()
                .map(|t| t.link_values_split(split, encoded, &super::trees_wanted(weights))),
            None => self.trees_link(encoded, weights),
        }
    }

    /// Forecasts under several settings of the same rows, prepared once.
    pub(super) fn forecast_each_prepared(
        &self,
        frame: &DataFrame,
        scenarios: &[Vec<LeverSetting>],
        detail: RowDetail,
    ) -> Result<Vec<Forecast>, ModelError> {
        let prepared = self.prepare(frame)?;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(scenarios.len());
        if threads <= 1 {
            return scenarios
                .iter()
                .map(|settings| self.forecast_prepared_with(&prepared, settings, detail))
                .collect();
        }
        let per_thread = scenarios.len().div_ceil(threads);
        let prepared = &prepared;
        std::thread::scope(|scope| {
            let handles: Vec<_> = scenarios
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|settings| self.forecast_prepared_with(prepared, settings, detail))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(scenarios.len());
            for handle in handles {
                let chunk = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                all.extend(chunk);
            }
            Ok(all)
        })
    }
}

/// The rows of `as_is` that a setting shared by every row is encoded into for totals by cell:
/// the first row, then each tree kind's first row (what the trees walk), then, for each lever
/// input whose value differs by row, the first row where it differs from the first. A setting
/// that leaves such a lever as the rows have it then shows as not shared by every row, as it
/// would over all the rows. Empty for no rows.
fn setting_rows(
    as_is: &EncodedRows,
    lever: &[bool],
    kind_representatives: Option<&[usize]>,
) -> Vec<usize> {
    let width = as_is.width;
    if as_is.rows == 0 || as_is.inputs.len() != as_is.rows * width {
        return Vec::new();
    }
    let mut rows = vec![0];
    rows.extend(kind_representatives.unwrap_or_default());
    let first = &as_is.inputs[..width];
    // One pass over the rows (a pass per input would stride through them again and again).
    let mut unmatched: Vec<usize> = (0..width)
        .filter(|&c| lever.get(c).copied().unwrap_or(false))
        .collect();
    for (r, row) in as_is.inputs.chunks(width.max(1)).enumerate() {
        if unmatched.is_empty() {
            break;
        }
        let before = unmatched.len();
        unmatched.retain(|&c| row[c].to_bits() == first[c].to_bits());
        if unmatched.len() < before {
            rows.push(r);
        }
    }
    rows
}

/// Each chunk's lever-free parts per network, and the baseline's link values.
fn lever_free_parts(
    nets: &[EnsembleNet],
    encoded: &EncodedRows,
    k: usize,
    device: &Device,
) -> (Vec<Vec<LeverFreeParts>>, LinkValues) {
    chunked_parts(nets, encoded, k, device, |net, inputs| {
        let part = net.lever_free_parts(inputs);
        let baseline = part.baseline.clone();
        (part, baseline)
    })
}

/// Runs `part` over the rows of `encoded` chunk by chunk and network by network, keeping what
/// it returns `[chunk][network]` and copying each network's outcomes of the baseline outputs it
/// returns beside into the baseline's link values. The chunks are shared out over the cores,
/// each thread taking a contiguous run of them: a network's small matrix products keep one
/// core busy (preparing 100,000 sample rows spent about 145 ms there on one core of two).
fn chunked_parts<T: Send>(
    nets: &[EnsembleNet],
    encoded: &EncodedRows,
    k: usize,
    device: &Device,
    part: impl Fn(&EnsembleNet, Tensor<3>) -> (T, Tensor<3>) + Sync,
) -> (Vec<Vec<T>>, LinkValues) {
    let members = nets.first().map_or(0, EnsembleNet::members);
    let chunk = prepared_chunk_rows(device).max(1);
    let starts: Vec<usize> = (0..encoded.rows).step_by(chunk).collect();
    let run = |start: &usize| -> Vec<(T, Tensor<3>)> {
        let end = (start + chunk).min(encoded.rows);
        let inputs = member_inputs(encoded, *start..end, members, device);
        nets.iter().map(|net| part(net, inputs.clone())).collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(starts.len())
        .max(1);
    let share = starts.len().div_ceil(threads).max(1);
    let done: Vec<Vec<(T, Tensor<3>)>> = std::thread::scope(|scope| {
        let mut shares = starts.chunks(share);
        // The first share runs here, the others on threads of their own.
        let here = shares.next().unwrap_or_default();
        let run = &run;
        let others: Vec<_> = shares
            .map(|starts| scope.spawn(move || starts.iter().map(run).collect::<Vec<_>>()))
            .collect();
        let mut done: Vec<_> = here.iter().map(run).collect();
        for other in others {
            done.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        done
    });
    let mut baseline = LinkValues::zeros(members, encoded.rows, k);
    let mut chunks = Vec::with_capacity(done.len());
    for (&start, parts) in starts.iter().zip(done) {
        let mut kept = Vec::with_capacity(nets.len());
        for (index, (part, rows_baseline)) in parts.into_iter().enumerate() {
            let wanted = wanted_outputs(index, nets.len(), k);
            copy_outputs(rows_baseline, &wanted, start, &mut baseline);
            kept.push(part);
        }
        chunks.push(kept);
    }
    (chunks, baseline)
}

/// The distinct lever vectors of `with` as a `[members, settings, width]` tensor (0 outside
/// the lever inputs), and each row's setting: most moves give one, or one per segment.
fn distinct_levers(
    with: &EncodedRows,
    lever: &[f32],
    members: usize,
    device: &Device,
) -> (Tensor<3>, Vec<i64>) {
    let width = with.width;
    let lever_columns: Vec<usize> = (0..width)
        .filter(|c| lever.get(*c).is_some_and(|l| *l > 0.0))
        .collect();
    let mut distinct: Vec<Vec<f32>> = Vec::new();
    let mut index_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut row_setting = Vec::with_capacity(with.rows);
    let mut previous: Option<(Vec<u32>, usize)> = None;
    for row in with.inputs.chunks(width) {
        let key: Vec<u32> = lever_columns.iter().map(|c| row[*c].to_bits()).collect();
        let index = match &previous {
            Some((last, index)) if *last == key => *index,
            _ => {
                let next = distinct.len();
                let index = *index_of.entry(key.clone()).or_insert(next);
                if index == next {
                    let mut vector = vec![0f32; width];
                    for c in &lever_columns {
                        vector[*c] = row[*c];
                    }
                    distinct.push(vector);
                }
                previous = Some((key, index));
                index
            }
        };
        row_setting.push(index as i64);
    }
    let settings = distinct.len().max(1);
    let mut flat: Vec<f32> = distinct.into_iter().flatten().collect();
    flat.resize(settings * width, 0.0);
    let levers = Tensor::<2>::from_data(TensorData::new(flat, [settings, width]), device)
        .unsqueeze_dim::<3>(0)
        .repeat_dim(0, members);
    (levers, row_setting)
}

/// The networks' link values of `with` from the kept parts: the distinct lever vectors'
/// terms are computed once and gathered per row.
fn link_from_parts(
    nets: &[EnsembleNet],
    parts: &[Vec<LeverFreeParts>],
    with: &EncodedRows,
    lever: &[f32],
    k: usize,
    device: &Device,
) -> LinkValues {
    let members = nets.first().map_or(0, EnsembleNet::members);
    let (levers, row_setting) = distinct_levers(with, lever, members, device);
    let mut link = LinkValues::zeros(members, with.rows, k);
    for (index, net) in nets.iter().enumerate() {
        let terms = net.lever_terms(levers.clone());
        let wanted = wanted_outputs(index, nets.len(), k);
        let mut start = 0usize;
        for chunk in parts {
            let Some(part) = chunk.get(index) else {
                break;
            };
            let [_, n, _] = part.base.dims();
            let (hidden_terms, output_terms) =
                rows_terms(&terms, &row_setting[start..start + n], device);
            let outputs = net.forward_from_parts(part, hidden_terms, output_terms);
            copy_outputs(outputs, &wanted, start, &mut link);
            start += n;
        }
    }
    link
}

/// The lever terms of some rows from those of the distinct settings (`lever_terms`) and each
/// row's setting: one setting broadcasts over the rows, several are gathered row by row.
fn rows_terms(
    terms: &(Tensor<3>, Tensor<3>),
    row_setting: &[i64],
    device: &Device,
) -> (Tensor<3>, Tensor<3>) {
    let (lever_hidden, lever_outputs) = terms;
    if lever_hidden.dims()[1] == 1 {
        return (lever_hidden.clone(), lever_outputs.clone());
    }
    let n = row_setting.len();
    let rows = Tensor::<1, Int>::from_ints(TensorData::new(row_setting.to_vec(), [n]), device);
    (
        lever_hidden.clone().select(1, rows.clone()),
        lever_outputs.clone().select(1, rows),
    )
}

/// The networks' link values of rows whose levers alone differ from their baseline, and of
/// that baseline, in one pass that keeps nothing: a plan's or a forecast's rows are predicted
/// once. Each chunk's lever-free parts serve both (the trunk's base is the baseline; the lift's
/// lever-free hidden layer is computed once), the lever terms are computed once per distinct
/// lever vector, and the parts are dropped with the chunk. Against running the networks over
/// the rows and over the baseline rows, this saves the lift's first layer twice and its
/// linear paths per row.
pub(super) fn link_values_and_baseline(
    nets: &[EnsembleNet],
    with: &EncodedRows,
    lever: &[f32],
    k: usize,
    device: &Device,
) -> (LinkValues, LinkValues) {
    let members = nets.first().map_or(0, EnsembleNet::members);
    let (levers, row_setting) = distinct_levers(with, lever, members, device);
    let terms: Vec<_> = nets
        .iter()
        .map(|net| net.lever_terms(levers.clone()))
        .collect();
    let mut link = LinkValues::zeros(members, with.rows, k);
    let mut baseline = LinkValues::zeros(members, with.rows, k);
    let chunk = chunk_rows(device);
    let mut start = 0usize;
    while start < with.rows {
        let end = (start + chunk).min(with.rows);
        let inputs = member_inputs(with, start..end, members, device);
        for ((index, net), net_terms) in nets.iter().enumerate().zip(&terms) {
            let wanted = wanted_outputs(index, nets.len(), k);
            let part = net.lever_free_parts(inputs.clone());
            let (hidden_terms, output_terms) =
                rows_terms(net_terms, &row_setting[start..end], device);
            let outputs = net.forward_from_parts(&part, hidden_terms, output_terms);
            copy_outputs(outputs, &wanted, start, &mut link);
            copy_outputs(part.baseline, &wanted, start, &mut baseline);
        }
        start = end;
    }
    (link, baseline)
}

/// Groups the rows by their effect inputs (the lift's inputs other than the levers): each row's
/// group and each group's first row, or `None` when the groups would be too small to pay.
fn effect_groups(
    encoded: &EncodedRows,
    lift_inputs: &super::network::LiftInputs,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let width = encoded.width;
    let positions: Vec<usize> = (0..width)
        .filter(|&c| {
            lift_inputs.effect.get(c).is_some_and(|e| *e > 0.0)
                && lift_inputs.lever.get(c).is_none_or(|l| *l <= 0.0)
        })
        .collect();
    let most = encoded.rows / MIN_ROWS_PER_GROUP;
    let mut index_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut row_group = Vec::with_capacity(encoded.rows);
    let mut representatives = Vec::new();
    for (row, inputs) in encoded.inputs.chunks(width.max(1)).enumerate() {
        let key: Vec<u32> = positions.iter().map(|&c| inputs[c].to_bits()).collect();
        let next = representatives.len();
        let group = *index_of.entry(key).or_insert(next);
        if group == next {
            if next >= most {
                return None;
            }
            representatives.push(row);
        }
        row_group.push(group);
    }
    (!representatives.is_empty()).then_some((row_group, representatives))
}

/// The grouped parts of `encoded` (`effect_groups`) and the baseline's link values.
fn grouped_parts(
    nets: &[EnsembleNet],
    encoded: &EncodedRows,
    row_group: Vec<usize>,
    representatives: &[usize],
    k: usize,
    device: &Device,
) -> (DeepKept, LinkValues) {
    let members = nets.first().map_or(0, EnsembleNet::members);
    let width = encoded.width;
    let group_inputs: Vec<f32> = representatives
        .iter()
        .flat_map(|&r| encoded.inputs[r * width..(r + 1) * width].iter().copied())
        .collect();
    let groups = Tensor::<2>::from_data(
        TensorData::new(group_inputs, [representatives.len(), width]),
        device,
    )
    .unsqueeze_dim::<3>(0)
    .repeat_dim(0, members);
    let lift = nets
        .iter()
        .map(|net| net.lift_parts(groups.clone()))
        .collect();
    let (base, baseline) = chunked_parts(nets, encoded, k, device, |net, inputs| {
        net.base_parts(inputs)
    });
    let kept = GroupedParts {
        row_group,
        lift,
        base,
    };
    (DeepKept::Groups(kept), baseline)
}

/// The networks' link values of `with` from grouped parts: the lift is computed once per
/// (group, lever vector) pair that occurs and gathered per row onto the rows' base.
fn link_from_groups(
    nets: &[EnsembleNet],
    grouped: &GroupedParts,
    with: &EncodedRows,
    lever: &[f32],
    k: usize,
    device: &Device,
) -> LinkValues {
    let members = nets.first().map_or(0, EnsembleNet::members);
    let (levers, row_setting) = distinct_levers(with, lever, members, device);
    let mut pair_of: HashMap<(usize, i64), usize> = HashMap::new();
    let (mut pair_groups, mut pair_settings) = (Vec::new(), Vec::new());
    let row_pair: Vec<i64> = grouped
        .row_group
        .iter()
        .zip(&row_setting)
        .map(|(&group, &setting)| {
            let next = pair_groups.len();
            let pair = *pair_of.entry((group, setting)).or_insert(next);
            if pair == next {
                pair_groups.push(group as i64);
                pair_settings.push(setting);
            }
            pair as i64
        })
        .collect();
    let index = |values: Vec<i64>| {
        let n = values.len();
        Tensor::<1, Int>::from_ints(TensorData::new(values, [n]), device)
    };
    let (pair_groups, pair_settings) = (index(pair_groups), index(pair_settings));
    let mut link = LinkValues::zeros(members, with.rows, k);
    for (net_index, net) in nets.iter().enumerate() {
        let Some((hidden, at_baseline)) = grouped.lift.get(net_index) else {
            break;
        };
        let (lever_hidden, lever_outputs) = net.lever_terms(levers.clone());
        let lift = net.lift_from_parts(
            hidden.clone().select(1, pair_groups.clone()),
            at_baseline.clone().select(1, pair_groups.clone()),
            lever_hidden.select(1, pair_settings.clone()),
            lever_outputs.select(1, pair_settings.clone()),
        );
        let wanted = wanted_outputs(net_index, nets.len(), k);
        let mut start = 0usize;
        for chunk in &grouped.base {
            let Some(base) = chunk.get(net_index) else {
                break;
            };
            let [_, n, _] = base.dims();
            let rows = index(row_pair[start..start + n].to_vec());
            let outputs = net.chained(base.clone(), lift.clone().select(1, rows));
            copy_outputs(outputs, &wanted, start, &mut link);
            start += n;
        }
    }
    link
}
