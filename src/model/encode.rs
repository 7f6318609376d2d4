//! Turning a validated table into model inputs: numbers standardised (log first when heavy
//! tailed), coupon notations into threshold (over the segment's basket where the data allows,
//! `basket`) / amount off / discount rate, categories one-hot with
//! an "unseen" slot (cold start), dates into calendar cycles and a trend, exposure into a log
//! offset, and on time data with levers how long ago the row's series last ended a campaign
//! (the post-promotion dip). Fitted on training rows only and saved with the model.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::basket::{self, Baskets};
use super::forecast::funnel_parents;
use crate::data::carryover::{CampaignCalendar, LastEnds, ReadError};
use crate::data::column;
use crate::data::controls;
use crate::data::dates::{self, DateFormat};
use crate::data::festivals::SHOPPING_FESTIVALS;
use crate::data::notation::{offer_fields, offer_fields_of_groups, parse_offer};
use crate::data::roles::OutcomeKind;
use crate::data::schema::{LeverKind, Schema};

/// Category values seen fewer times than this in training fold into the unseen slot.
pub const MIN_LEVEL_COUNT: usize = 5;
/// At most this many levels per categorical column get their own slot (most frequent first).
pub const MAX_LEVELS: usize = 200;

/// Why rows could not be encoded.
#[derive(Debug, Error)]
pub enum EncodeError {
    #[error("column '{column}' is missing from the data")]
    MissingColumn { column: String },
    #[error("lever '{lever}' is not in the model; {known}")]
    UnknownLever { lever: String, known: String },
    #[error("lever '{lever}' is numeric but '{value}' is not a number")]
    NotANumber { lever: String, value: String },
    #[error("cannot read column '{column}': {message}")]
    Read { column: String, message: String },
}

impl From<ReadError> for EncodeError {
    fn from(error: ReadError) -> Self {
        EncodeError::Read {
            column: error.column,
            message: error.message,
        }
    }
}

/// Where a numeric input comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumericSource {
    Column,
    OfferThreshold,
    OfferAmountOff,
    OfferDiscountRate,
    /// The spend threshold over the row's segment basket (`Encoder::baskets`): a lever input
    /// that differs by segment under one setting.
    OfferThresholdToBasket,
}

/// One standardised numeric input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericFeature {
    pub column: String,
    pub source: NumericSource,
    /// Applied before centring: log(1 + x) for heavy-tailed non-negative values.
    pub log: bool,
    pub center: f64,
    pub scale: f64,
    /// True for lever inputs (scenarios override them).
    pub lever: bool,
}

/// One categorical input, one-hot with slot 0 for unseen or rare values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoricalFeature {
    pub column: String,
    pub levels: Vec<String>,
    pub lever: bool,
}

/// Calendar inputs from the time column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarFeature {
    pub column: String,
    pub format: DateFormat,
    /// First training date: the trend counts years from here.
    pub origin: NaiveDate,
    /// Last training date: beyond it the trend is damped (`damped_years`). `None` in models
    /// saved before it, whose trend runs on undamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend_end: Option<NaiveDate>,
    /// One input per shopping festival window (`data::festivals`); false in models saved
    /// before them and for day numbers without a calendar.
    #[serde(default)]
    pub festivals: bool,
}

impl CalendarFeature {
    fn width(&self) -> usize {
        CALENDAR_WIDTH
            + if self.festivals {
                SHOPPING_FESTIVALS.len()
            } else {
                0
            }
    }
}

/// Inputs for how long ago the row's series last ended a campaign: decays of the days since,
/// one over two days and one over a week (0 where none ended before), so the network's linear
/// path and the trees can both shape a dip of a few days to a few weeks. (A month-long third
/// decay made plan lifts worse: it marked how often a series ran campaigns rather than a dip;
/// BENCHMARKS.md, session 10.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostCampaignFeature {
    pub calendar: CampaignCalendar,
    /// Each series' last campaign end in the history, for rows beyond it (a plan's days).
    pub last_ends: LastEnds,
}

/// Time constants (days) of the post-campaign inputs.
const POST_CAMPAIGN_DECAYS: [f64; 2] = [2.0, 7.0];
const POST_CAMPAIGN_WIDTH: usize = POST_CAMPAIGN_DECAYS.len();

fn post_campaign_inputs(days: Option<u32>) -> [f32; POST_CAMPAIGN_WIDTH] {
    let Some(days) = days else {
        return [0.0; POST_CAMPAIGN_WIDTH];
    };
    let since = f64::from(days.saturating_sub(1));
    POST_CAMPAIGN_DECAYS.map(|tau| (-since / tau).exp() as f32)
}

/// An outcome and how its target is scaled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeTarget {
    pub column: String,
    pub kind: OutcomeKind,
    /// Amounts are divided by this (their training mean) so every head learns on a unit scale.
    pub scale: f64,
}

/// The fitted encoder: everything needed to turn rows into inputs again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Encoder {
    pub numeric: Vec<NumericFeature>,
    pub categorical: Vec<CategoricalFeature>,
    pub calendar: Option<CalendarFeature>,
    pub exposure: Option<String>,
    pub outcomes: Vec<OutcomeTarget>,
    /// Absent in models saved before it, and where there is no time or no varying lever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_campaign: Option<PostCampaignFeature>,
    /// Each segment's revenue per order, for `OfferThresholdToBasket` inputs. Absent in models
    /// saved before it and where the data has no spend threshold, dimension, orders or revenue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baskets: Option<Baskets>,
}

/// What an input position encodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Lever,
    Dimension,
    Covariate,
    Calendar,
    /// Days since the series' last campaign ended.
    PostCampaign,
}

/// A lever set to one value on every row (a scenario, or the baseline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeverSetting {
    pub lever: String,
    pub value: String,
}

/// Encoded rows, row-major.
#[derive(Clone, Debug, Default)]
pub struct EncodedRows {
    pub rows: usize,
    pub width: usize,
    /// rows × width inputs.
    pub inputs: Vec<f32>,
    /// log(exposure) per row (0 without an exposure column).
    pub offset: Vec<f32>,
    /// rows × outcomes targets (scaled), NaN where missing.
    pub targets: Vec<f32>,
    /// Rows with a dimension value never seen in training.
    pub cold_start: Vec<bool>,
    /// For each categorical feature (encoder order), each row's slot (0 = unseen).
    pub categorical_slots: Vec<Vec<usize>>,
    /// Each row's segment basket (`Encoder::baskets`); empty when the encoder has none.
    pub baskets: Vec<f64>,
}

impl EncodedRows {
    /// Rows of inputs alone (no offset, target, cold start, slot or basket): what the trees
    /// read.
    pub fn inputs_only(inputs: Vec<f32>, width: usize) -> EncodedRows {
        EncodedRows {
            rows: inputs.len() / width.max(1),
            width,
            inputs,
            offset: Vec::new(),
            targets: Vec::new(),
            cold_start: Vec::new(),
            categorical_slots: Vec::new(),
            baskets: Vec::new(),
        }
    }

    /// Whether every row holds the first row's values (to the bit) at the inputs `marked`
    /// marks (positions beyond it are unmarked): one setting of the levers on every row.
    pub fn same_on_every_row(&self, marked: &[bool]) -> bool {
        let width = self.width;
        let columns: Vec<usize> = (0..width)
            .filter(|&c| marked.get(c).copied().unwrap_or(false))
            .collect();
        let first = self.inputs.get(..width).unwrap_or_default();
        self.inputs.chunks(width.max(1)).all(|row| {
            columns
                .iter()
                .all(|&c| row[c].to_bits() == first[c].to_bits())
        })
    }

    /// The first `rows` rows (all of them when there are fewer).
    pub fn head(&self, rows: usize) -> EncodedRows {
        let rows: Vec<usize> = (0..rows.min(self.rows)).collect();
        self.rows_at(&rows)
    }

    /// The rows at `rows` (each below `self.rows`), in that order.
    pub fn rows_at(&self, rows: &[usize]) -> EncodedRows {
        let rows: Vec<usize> = rows.iter().copied().filter(|&r| r < self.rows).collect();
        let outcomes = self.targets.len() / self.rows.max(1);
        EncodedRows {
            rows: rows.len(),
            width: self.width,
            inputs: pick_rows(&self.inputs, self.width, &rows),
            offset: pick_rows(&self.offset, 1, &rows),
            targets: pick_rows(&self.targets, outcomes, &rows),
            cold_start: pick_rows(&self.cold_start, 1, &rows),
            categorical_slots: self
                .categorical_slots
                .iter()
                .map(|slots| pick_rows(slots, 1, &rows))
                .collect(),
            baskets: pick_rows(&self.baskets, 1, &rows),
        }
    }
}

/// The `width` values of each of `rows` from row-major `values` (none for a row it lacks).
fn pick_rows<T: Copy>(values: &[T], width: usize, rows: &[usize]) -> Vec<T> {
    rows.iter()
        .filter_map(|&r| values.get(r * width..(r + 1) * width))
        .flatten()
        .copied()
        .collect()
}

const CALENDAR_WIDTH: usize = 5;

/// The values of one category column that the model learnt nothing for: its cold starts.
#[derive(Clone, Debug, PartialEq)]
pub struct UnseenValues {
    pub column: String,
    /// Each unseen value with its number of rows, most rows first.
    pub values: Vec<(String, usize)>,
    /// The values the model has learnt (training's frequent ones).
    pub known: Vec<String>,
}

/// How many values a description lists before "and N more".
const LISTED_VALUES: usize = 3;

/// `'a', 'b', 'c' and 2 more`.
fn listed<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut text = items
        .iter()
        .take(LISTED_VALUES)
        .map(show)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED_VALUES {
        text.push_str(&format!(" and {} more", items.len() - LISTED_VALUES));
    }
    text
}

/// In words, per column: the unseen values with their rows, and what the model knows instead:
/// `channel_acq = '1' (2412 rows), '3' (1205 rows) (the model knows 'facebook', 'google')`.
fn describe_unseen(unseen: &[UnseenValues]) -> String {
    unseen
        .iter()
        .map(|column| {
            let values = listed(&column.values, |(value, rows)| {
                format!("'{value}' ({rows} rows)")
            });
            let known = if column.known.is_empty() {
                "no value of it".to_owned()
            } else {
                listed(&column.known, |value| format!("'{value}'"))
            };
            format!("{} = {values} (the model knows {known})", column.column)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Encoder {
    /// Per category column that is not a lever, the values in `frame` the model has no slot
    /// for (never seen in training, or too rarely): the rows `encode` flags as cold starts.
    pub fn unseen_values(&self, frame: &DataFrame) -> Result<Vec<UnseenValues>, EncodeError> {
        let mut found = Vec::new();
        for feature in self.categorical.iter().filter(|f| !f.lever) {
            let texts = read_texts(frame, &feature.column)?;
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for (slot, text) in slots_of(feature, &texts).into_iter().zip(&texts) {
                if let (0, Some(text)) = (slot, text) {
                    *counts.entry(text.as_str()).or_default() += 1;
                }
            }
            if counts.is_empty() {
                continue;
            }
            let mut values: Vec<(String, usize)> = counts
                .into_iter()
                .map(|(value, rows)| (value.to_owned(), rows))
                .collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            found.push(UnseenValues {
                column: feature.column.clone(),
                values,
                known: feature.levels.clone(),
            });
        }
        Ok(found)
    }

    /// The cold starts of `frame` in words (`describe_unseen`); `None` when it has none or
    /// cannot be read (the caller's count of cold-start rows still stands).
    pub fn unseen_in_words(&self, frame: &DataFrame) -> Option<String> {
        match self.unseen_values(frame) {
            Ok(unseen) if !unseen.is_empty() => Some(describe_unseen(&unseen)),
            _ => None,
        }
    }

    /// Fits the encoder on `train_rows` of `frame`; `post_campaign` adds the days since the
    /// series' last campaign where the data has dates and a varying lever; `threshold_basket`
    /// adds each coupon's spend threshold over the row's segment basket where the data has
    /// thresholds, dimensions, orders and revenue.
    pub fn fit(
        frame: &DataFrame,
        schema: &Schema,
        train_rows: &[usize],
        post_campaign: bool,
        threshold_basket: bool,
    ) -> Result<Self, EncodeError> {
        let mut numeric = Vec::new();
        let mut categorical = Vec::new();
        // Offer levers whose training rows hold a spend threshold, with every row's threshold.
        let mut thresholds: Vec<(String, Vec<Option<f64>>)> = Vec::new();
        for column in &schema.covariates {
            let values = read_numbers(frame, column)?;
            numeric.push(fit_numeric(
                column,
                NumericSource::Column,
                &pick(&values, train_rows),
                false,
            ));
        }
        for lever in &schema.levers {
            match &lever.kind {
                LeverKind::Numeric { .. } => {
                    let values = read_numbers(frame, &lever.column)?;
                    numeric.push(fit_numeric(
                        &lever.column,
                        NumericSource::Column,
                        &pick(&values, train_rows),
                        true,
                    ));
                }
                LeverKind::Offer => {
                    let fields = offer_fields(&read_texts(frame, &lever.column)?);
                    for (source, values) in [
                        (NumericSource::OfferThreshold, &fields.threshold),
                        (NumericSource::OfferAmountOff, &fields.amount_off),
                        (NumericSource::OfferDiscountRate, &fields.discount_rate),
                    ] {
                        numeric.push(fit_numeric(
                            &lever.column,
                            source,
                            &pick(values, train_rows),
                            true,
                        ));
                    }
                    let has_threshold = train_rows
                        .iter()
                        .any(|&r| fields.threshold.get(r).copied().flatten() > Some(0.0));
                    if has_threshold {
                        thresholds.push((lever.column.clone(), fields.threshold));
                    }
                }
                LeverKind::Categorical { .. } => {
                    let texts = read_texts(frame, &lever.column)?;
                    categorical.push(fit_categorical(
                        &lever.column,
                        &pick(&texts, train_rows),
                        true,
                    ));
                }
            }
        }
        for column in &schema.dimensions {
            let texts = read_texts(frame, column)?;
            categorical.push(fit_categorical(column, &pick(&texts, train_rows), false));
        }
        let calendar = match &schema.time {
            Some(time) => {
                let texts = read_texts(frame, &time.column)?;
                let trained: Vec<NaiveDate> = train_rows
                    .iter()
                    .filter_map(|&r| texts.get(r).cloned().flatten())
                    .filter_map(|t| dates::parse(&t, time.format))
                    .collect();
                let first = trained.iter().min().copied().unwrap_or(time.first);
                Some(CalendarFeature {
                    column: time.column.clone(),
                    format: time.format,
                    origin: first,
                    trend_end: trained.iter().max().copied(),
                    festivals: time.format.has_calendar(),
                })
            }
            None => None,
        };
        let mut outcomes = Vec::new();
        for outcome in &schema.outcomes {
            let values = read_numbers(frame, &outcome.column)?;
            let train: Vec<f64> = train_rows
                .iter()
                .filter_map(|&r| values.get(r).copied().flatten())
                .collect();
            let mean = train.iter().sum::<f64>() / train.len().max(1) as f64;
            let scale = if outcome.kind == OutcomeKind::Amount && mean > 0.0 {
                mean
            } else {
                1.0
            };
            outcomes.push(OutcomeTarget {
                column: outcome.column.clone(),
                kind: outcome.kind,
                scale,
            });
        }
        let fitted = if threshold_basket && !thresholds.is_empty() {
            fit_baskets(frame, schema, train_rows, &categorical, &outcomes)?
        } else {
            None
        };
        if let Some((baskets, per_row)) = &fitted {
            for (column, thresholds) in thresholds {
                let ratios: Vec<Option<f64>> = train_rows
                    .iter()
                    .map(|&r| {
                        let threshold = thresholds.get(r).copied().flatten();
                        let basket = per_row.get(r).copied().unwrap_or(baskets.overall);
                        basket::threshold_to_basket(threshold, basket)
                    })
                    .collect();
                let ratio = fit_numeric(
                    &column,
                    NumericSource::OfferThresholdToBasket,
                    &ratios,
                    true,
                );
                // The ratio takes the raw threshold's place: beside it, the raw threshold kept
                // telling segments' coupons apart (BENCHMARKS.md, session 13).
                let raw = numeric
                    .iter_mut()
                    .find(|f| f.column == column && f.source == NumericSource::OfferThreshold);
                match raw {
                    Some(raw) => *raw = ratio,
                    None => numeric.push(ratio),
                }
            }
        }
        let post_campaign = match CampaignCalendar::from_schema(schema).filter(|_| post_campaign) {
            Some(calendar) => {
                // A fact about the history, not a fitted value: every row counts.
                let last_ends = calendar.last_ends(frame)?;
                Some(PostCampaignFeature {
                    calendar,
                    last_ends,
                })
            }
            None => None,
        };
        let baskets = fitted.map(|(baskets, _)| baskets);
        Ok(Self {
            numeric,
            categorical,
            calendar,
            exposure: schema.exposure.clone(),
            outcomes,
            post_campaign,
            baskets,
        })
    }

    /// Number of inputs per row.
    pub fn width(&self) -> usize {
        self.numeric.len()
            + self
                .categorical
                .iter()
                .map(|c| c.levels.len() + 1)
                .sum::<usize>()
            + self.calendar.as_ref().map_or(0, CalendarFeature::width)
            + if self.post_campaign.is_some() {
                POST_CAMPAIGN_WIDTH
            } else {
                0
            }
    }

    /// What each input position encodes, in input order.
    pub fn input_kinds(&self) -> Vec<InputKind> {
        let mut kinds = Vec::with_capacity(self.width());
        for feature in &self.numeric {
            kinds.push(if feature.lever {
                InputKind::Lever
            } else {
                InputKind::Covariate
            });
        }
        for feature in &self.categorical {
            let kind = if feature.lever {
                InputKind::Lever
            } else {
                InputKind::Dimension
            };
            kinds.extend(std::iter::repeat_n(kind, feature.levels.len() + 1));
        }
        if let Some(calendar) = &self.calendar {
            kinds.extend(std::iter::repeat_n(InputKind::Calendar, calendar.width()));
        }
        if self.post_campaign.is_some() {
            kinds.extend([InputKind::PostCampaign; POST_CAMPAIGN_WIDTH]);
        }
        kinds
    }

    /// Lever columns the model knows.
    pub fn levers(&self) -> Vec<String> {
        let mut levers: Vec<String> = Vec::new();
        let names = self
            .numeric
            .iter()
            .filter(|f| f.lever)
            .map(|f| &f.column)
            .chain(
                self.categorical
                    .iter()
                    .filter(|c| c.lever)
                    .map(|c| &c.column),
            );
        for name in names {
            if !levers.contains(name) {
                levers.push(name.clone());
            }
        }
        levers
    }

    /// `encoded` (the rows of some frame) with the levers in `settings` set on every row,
    /// exactly as `encode` sets them: the settings are encoded on `one_row` (any one row of a
    /// frame with the same columns; a setting does not depend on the row) and copied into
    /// every row's lever positions. What a forecast under many settings of the same rows
    /// needs without reading the frame again.
    pub fn with_settings(
        &self,
        encoded: &EncodedRows,
        one_row: &DataFrame,
        settings: &[LeverSetting],
    ) -> Result<EncodedRows, EncodeError> {
        let set = self.encode(one_row, settings)?;
        let mut result = encoded.clone();
        if set.rows == 0 || set.width != encoded.width {
            return Ok(result);
        }
        let is_set = |column: &str| settings.iter().any(|s| s.lever == column);
        let width = encoded.width;
        let copy_positions = |inputs: &mut [f32], start: usize, len: usize| {
            let values = &set.inputs[start..start + len];
            for row in inputs.chunks_mut(width) {
                row[start..start + len].copy_from_slice(values);
            }
        };
        let mut position = 0usize;
        for feature in &self.numeric {
            let setting = settings.iter().find(|s| s.lever == feature.column);
            match (setting, &feature.source) {
                (Some(setting), NumericSource::OfferThresholdToBasket) => {
                    // Differs by segment: the setting's threshold over each row's basket.
                    let offer = parse_offer(&setting.value);
                    let threshold = offer.is_notation().then(|| offer.threshold());
                    for (row, basket) in result.inputs.chunks_mut(width).zip(&encoded.baskets) {
                        let ratio = basket::threshold_to_basket(threshold, *basket);
                        row[position] = standardise(feature, ratio);
                    }
                }
                (Some(_), _) if feature.lever => copy_positions(&mut result.inputs, position, 1),
                _ => {}
            }
            position += 1;
        }
        for (index, feature) in self.categorical.iter().enumerate() {
            let len = feature.levels.len() + 1;
            if feature.lever && is_set(&feature.column) {
                copy_positions(&mut result.inputs, position, len);
                let slot = set
                    .categorical_slots
                    .get(index)
                    .and_then(|s| s.first())
                    .copied()
                    .unwrap_or(0);
                if let Some(slots) = result.categorical_slots.get_mut(index) {
                    slots.iter_mut().for_each(|s| *s = slot);
                }
            }
            position += len;
        }
        Ok(result)
    }

    /// Encodes every row of `frame`, with levers overridden by `settings`. Outcome columns are
    /// optional (a population to forecast has none).
    pub fn encode(
        &self,
        frame: &DataFrame,
        settings: &[LeverSetting],
    ) -> Result<EncodedRows, EncodeError> {
        let known = self.levers();
        for setting in settings {
            if !known.contains(&setting.lever) {
                return Err(EncodeError::UnknownLever {
                    lever: setting.lever.clone(),
                    known: levers_in_words(&known),
                });
            }
        }
        // The days since each series' last campaign read the frame's dates, series and levers
        // over again: on a second core, beside the rest.
        let (encoded, days) = super::alongside(
            frame.height(),
            || self.encode_rows(frame, settings),
            || self.days_since_campaign(frame),
        );
        let mut encoded = encoded?;
        if let Some(days) = days? {
            let width = encoded.width;
            let at = width.saturating_sub(POST_CAMPAIGN_WIDTH);
            for (row, days) in encoded.inputs.chunks_mut(width.max(1)).zip(days) {
                row[at..].copy_from_slice(&post_campaign_inputs(days));
            }
        }
        Ok(encoded)
    }

    /// Each row's days since its series' last campaign, for a model that reads them. From the
    /// frame's own lever columns, never from settings: a scenario and its baseline differ in
    /// their levers alone.
    fn days_since_campaign(
        &self,
        frame: &DataFrame,
    ) -> Result<Option<Vec<Option<u32>>>, EncodeError> {
        match &self.post_campaign {
            Some(feature) => Ok(Some(
                feature
                    .calendar
                    .days_since_campaign(frame, &feature.last_ends)?,
            )),
            None => Ok(None),
        }
    }

    /// `encode` without the days since the last campaign (their inputs, the last ones, are
    /// left at zero).
    fn encode_rows(
        &self,
        frame: &DataFrame,
        settings: &[LeverSetting],
    ) -> Result<EncodedRows, EncodeError> {
        let rows = frame.height();
        let width = self.width();
        let mut inputs = vec![0f32; rows * width];
        let mut cold_start = vec![false; rows];
        let mut categorical_slots = Vec::with_capacity(self.categorical.len());
        let mut position = 0usize;

        // Thresholds to be read over each row's basket once the dimensions' slots are known.
        let mut over_baskets: Vec<(usize, &NumericFeature, Vec<Option<f64>>)> = Vec::new();
        let mut offer_cache: HashMap<String, crate::data::notation::OfferFields> = HashMap::new();
        for feature in &self.numeric {
            let setting = settings.iter().find(|s| s.lever == feature.column);
            let values: Vec<Option<f64>> = match (&feature.source, setting) {
                (NumericSource::Column, Some(setting)) => {
                    // "NaN" and "inf" parse, but are no setting anyone can run.
                    let value: f64 = setting
                        .value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| EncodeError::NotANumber {
                            lever: setting.lever.clone(),
                            value: setting.value.clone(),
                        })?;
                    vec![Some(value); rows]
                }
                (NumericSource::Column, None) => read_numbers(frame, &feature.column)?,
                (source, Some(setting)) => {
                    let offer = parse_offer(&setting.value);
                    let known = offer.is_notation();
                    let value = match source {
                        NumericSource::OfferThreshold | NumericSource::OfferThresholdToBasket => {
                            known.then(|| offer.threshold())
                        }
                        NumericSource::OfferAmountOff => known.then(|| offer.amount_off()),
                        _ => offer.discount_rate(),
                    };
                    vec![value; rows]
                }
                (source, None) => {
                    if !offer_cache.contains_key(&feature.column) {
                        let (texts, text_of_row) = read_text_groups(frame, &feature.column)?;
                        let fields = offer_fields_of_groups(&texts, &text_of_row);
                        offer_cache.insert(feature.column.clone(), fields);
                    }
                    let fields = &offer_cache[&feature.column];
                    match source {
                        NumericSource::OfferThreshold | NumericSource::OfferThresholdToBasket => {
                            fields.threshold.clone()
                        }
                        NumericSource::OfferAmountOff => fields.amount_off.clone(),
                        _ => fields.discount_rate.clone(),
                    }
                }
            };
            if feature.source == NumericSource::OfferThresholdToBasket {
                over_baskets.push((position, feature, values));
            } else {
                for (row, value) in values.iter().enumerate() {
                    inputs[row * width + position] = standardise(feature, *value);
                }
            }
            position += 1;
        }
        for feature in &self.categorical {
            let setting = settings.iter().find(|s| s.lever == feature.column);
            let (texts, text_of_row) = match setting {
                Some(setting) => (vec![Some(setting.value.clone())], vec![0; rows]),
                None => read_text_groups(frame, &feature.column)?,
            };
            let text_slots = slots_of(feature, &texts);
            let slots: Vec<usize> = text_of_row.iter().map(|&t| text_slots[t]).collect();
            for (row, (&slot, &text)) in slots.iter().zip(&text_of_row).enumerate() {
                if slot == 0 && !feature.lever && texts[text].is_some() {
                    cold_start[row] = true;
                }
                inputs[row * width + position + slot] = 1.0;
            }
            categorical_slots.push(slots);
            position += feature.levels.len() + 1;
        }
        let baskets = match &self.baskets {
            Some(baskets) => baskets.per_row(&categorical_slots, rows),
            None => Vec::new(),
        };
        for (at, feature, thresholds) in over_baskets {
            for (row, (threshold, basket)) in thresholds.iter().zip(&baskets).enumerate() {
                let ratio = basket::threshold_to_basket(*threshold, *basket);
                inputs[row * width + at] = standardise(feature, ratio);
            }
        }
        if let Some(calendar) = &self.calendar {
            // Each distinct date's inputs once: a plan's rows repeat their dates per segment.
            let (texts, text_of_row) = read_text_groups(frame, &calendar.column)?;
            let days = calendar.width();
            let mut per_text = vec![0f32; texts.len() * days];
            for (text, slots) in texts.iter().zip(per_text.chunks_mut(days.max(1))) {
                let date = text
                    .as_deref()
                    .and_then(|t| dates::parse(t, calendar.format));
                calendar_inputs(calendar, date, slots);
            }
            for (row, &text) in text_of_row.iter().enumerate() {
                let start = row * width + position;
                inputs[start..start + days]
                    .copy_from_slice(&per_text[text * days..(text + 1) * days]);
            }
        }
        let offset = match &self.exposure {
            Some(column) => read_numbers(frame, column)?
                .iter()
                .map(|v| v.unwrap_or(1.0).max(1.0).ln() as f32)
                .collect(),
            None => vec![0.0; rows],
        };
        let mut targets = vec![f32::NAN; rows * self.outcomes.len()];
        for (k, outcome) in self.outcomes.iter().enumerate() {
            if frame.column(&outcome.column).is_err() {
                continue;
            }
            for (row, value) in read_numbers(frame, &outcome.column)?.iter().enumerate() {
                if let Some(value) = value {
                    targets[row * self.outcomes.len() + k] = (value / outcome.scale) as f32;
                }
            }
        }
        Ok(EncodedRows {
            rows,
            width,
            inputs,
            offset,
            targets,
            cold_start,
            categorical_slots,
            baskets,
        })
    }
}

/// Writes a date's calendar inputs into `slots` (zero-filled): weekday and yearly cycles, the
/// trend in years, then one flag per shopping festival window.
fn calendar_inputs(calendar: &CalendarFeature, date: Option<NaiveDate>, slots: &mut [f32]) {
    let Some(date) = date else {
        return;
    };
    slots[CALENDAR_WIDTH - 1] = damped_years(calendar, date) as f32;
    if !calendar.format.has_calendar() {
        return;
    }
    let tau = std::f64::consts::TAU;
    let weekday = f64::from(date.weekday().num_days_from_monday()) / 7.0;
    let day_of_year = f64::from(date.ordinal0()) / 365.25;
    slots[..CALENDAR_WIDTH - 1].copy_from_slice(&[
        (tau * weekday).sin() as f32,
        (tau * weekday).cos() as f32,
        (tau * day_of_year).sin() as f32,
        (tau * day_of_year).cos() as f32,
    ]);
    if calendar.festivals {
        for (slot, festival) in slots[CALENDAR_WIDTH..].iter_mut().zip(&SHOPPING_FESTIVALS) {
            *slot = f32::from(u8::from(festival.contains(date)));
        }
    }
}

/// How far a damped trend runs on past the last training date, in years: at most this much
/// more slope is ever added, two thirds of it in the first `TREND_DAMPING_YEARS`.
const TREND_DAMPING_YEARS: f64 = 0.25;

/// The trend input: years since the first training date, damped past the last one (Gardner's
/// damped trend, the robust default of forecasting). A slope the network read off two years of
/// noise would otherwise run on at full strength into every plan months ahead: on the sample,
/// seed-to-seed baselines drifted 2–5% low over the three months past the data while every
/// month inside it stayed within 2% (BENCHMARKS.md, session 11).
fn damped_years(calendar: &CalendarFeature, date: NaiveDate) -> f64 {
    let years = |to: NaiveDate| (to - calendar.origin).num_days() as f64 / 365.25;
    match calendar.trend_end {
        Some(end) if date > end => {
            let beyond = years(date) - years(end);
            years(end) + TREND_DAMPING_YEARS * (1.0 - (-beyond / TREND_DAMPING_YEARS).exp())
        }
        _ => years(date),
    }
}

fn standardise(feature: &NumericFeature, value: Option<f64>) -> f32 {
    let Some(value) = value.filter(|v| v.is_finite()) else {
        return 0.0;
    };
    let value = if feature.log {
        value.max(0.0).ln_1p()
    } else {
        value
    };
    (((value - feature.center) / feature.scale).clamp(-10.0, 10.0)) as f32
}

fn pick<T: Clone>(values: &[Option<T>], rows: &[usize]) -> Vec<Option<T>> {
    rows.iter()
        .map(|&r| values.get(r).cloned().flatten())
        .collect()
}

fn fit_numeric(
    column: &str,
    source: NumericSource,
    values: &[Option<f64>],
    lever: bool,
) -> NumericFeature {
    let mut present: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    present.sort_by(f64::total_cmp);
    let quantile = |q: f64| -> f64 {
        if present.is_empty() {
            0.0
        } else {
            present[((present.len() - 1) as f64 * q).round() as usize]
        }
    };
    // Heavy tails (spend, audience sizes) are compressed with log1p first.
    let log = present.first().is_some_and(|&min| min >= 0.0)
        && quantile(0.99) > 10.0 * (quantile(0.5) + 1.0);
    let transformed: Vec<f64> = if log {
        present.iter().map(|v| v.ln_1p()).collect()
    } else {
        present.clone()
    };
    // Robust standardisation: median and interquartile range, so a few huge values do not
    // squash everyone else; the standard deviation only where the IQR is zero (mostly-zero
    // flags), and 1 for constants.
    let robust_quantile = |q: f64| -> f64 {
        if transformed.is_empty() {
            0.0
        } else {
            transformed[((transformed.len() - 1) as f64 * q).round() as usize]
        }
    };
    let n = transformed.len().max(1) as f64;
    let mean = transformed.iter().sum::<f64>() / n;
    let deviation = (transformed.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let iqr = robust_quantile(0.75) - robust_quantile(0.25);
    let (center, scale) = if iqr > 1e-9 {
        (robust_quantile(0.5), iqr / 1.349)
    } else if deviation > 1e-9 {
        (mean, deviation)
    } else {
        (mean, 1.0)
    };
    NumericFeature {
        column: column.to_owned(),
        source,
        log,
        center,
        scale,
        lever,
    }
}

fn fit_categorical(column: &str, values: &[Option<String>], lever: bool) -> CategoricalFeature {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for value in values.iter().flatten() {
        *counts.entry(value.as_str()).or_default() += 1;
    }
    let mut levels: Vec<(&str, usize)> = counts
        .into_iter()
        .filter(|&(_, count)| count >= MIN_LEVEL_COUNT || lever)
        .collect();
    levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    levels.truncate(MAX_LEVELS);
    let mut names: Vec<String> = levels.into_iter().map(|(l, _)| l.to_owned()).collect();
    names.sort();
    let unique: HashSet<&String> = names.iter().collect();
    debug_assert_eq!(unique.len(), names.len());
    CategoricalFeature {
        column: column.to_owned(),
        levels: names,
        lever,
    }
}

/// Each row's slot in `feature` (0: unseen or rare, or missing).
fn slots_of(feature: &CategoricalFeature, texts: &[Option<String>]) -> Vec<usize> {
    let index: HashMap<&str, usize> = feature
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i + 1))
        .collect();
    texts
        .iter()
        .map(|text| {
            text.as_deref()
                .and_then(|t| index.get(t).copied())
                .unwrap_or(0)
        })
        .collect()
}

/// The segment baskets: revenue per order (the revenue outcome and its funnel parent) on the
/// no-campaign training rows, by combination of the dimensions, and every row's basket.
/// `None` where the data has no dimension, no such pair of outcomes or no orders.
fn fit_baskets(
    frame: &DataFrame,
    schema: &Schema,
    train_rows: &[usize],
    categorical: &[CategoricalFeature],
    outcomes: &[OutcomeTarget],
) -> Result<Option<(Baskets, Vec<f64>)>, EncodeError> {
    let parents = funnel_parents(outcomes);
    let pair = outcomes.iter().enumerate().find_map(|(j, outcome)| {
        let parent = parents.get(j).copied().flatten()?;
        (outcome.kind == OutcomeKind::Amount).then(|| (&outcomes[parent].column, &outcome.column))
    });
    let dimensions: Vec<usize> = (0..categorical.len())
        .filter(|&i| !categorical[i].lever)
        .collect();
    let (Some((orders, revenue)), false) = (pair, dimensions.is_empty()) else {
        return Ok(None);
    };
    let Some(at_baseline) = controls::at_baseline(frame, schema) else {
        return Ok(None);
    };
    let rows: Vec<usize> = train_rows
        .iter()
        .copied()
        .filter(|&r| at_baseline.get(r).copied().unwrap_or(false))
        .collect();
    let slots = dimension_slots(frame, categorical, &dimensions)?;
    let orders = read_numbers(frame, orders)?;
    let revenue = read_numbers(frame, revenue)?;
    Ok(
        Baskets::fit(dimensions, &slots, &orders, &revenue, &rows).map(|baskets| {
            let per_row = baskets.per_row(&slots, frame.height());
            (baskets, per_row)
        }),
    )
}

/// Each categorical feature's slots for every row of `frame`, read for the `dimensions` only
/// (the others left empty).
fn dimension_slots(
    frame: &DataFrame,
    categorical: &[CategoricalFeature],
    dimensions: &[usize],
) -> Result<Vec<Vec<usize>>, EncodeError> {
    let mut slots = vec![Vec::new(); categorical.len()];
    for &i in dimensions {
        if let Some(feature) = categorical.get(i) {
            slots[i] = slots_of(feature, &read_texts(frame, &feature.column)?);
        }
    }
    Ok(slots)
}

/// Reads column `name` of `frame` with `read`, or says why it cannot be read.
fn read_column<T>(
    frame: &DataFrame,
    name: &str,
    read: impl FnOnce(&DataFrame, &str) -> polars::prelude::PolarsResult<T>,
) -> Result<T, EncodeError> {
    if frame.column(name).is_err() {
        return Err(EncodeError::MissingColumn {
            column: name.to_owned(),
        });
    }
    read(frame, name).map_err(|e| EncodeError::Read {
        column: name.to_owned(),
        message: e.to_string(),
    })
}

fn read_numbers(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, EncodeError> {
    read_column(frame, name, column::numbers)
}

fn read_texts(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>, EncodeError> {
    read_column(frame, name, column::texts)
}

/// A column's distinct texts and each row's (`column::text_groups`), or why it cannot be read.
fn read_text_groups(
    frame: &DataFrame,
    name: &str,
) -> Result<(Vec<Option<String>>, Vec<usize>), EncodeError> {
    read_column(frame, name, column::text_groups)
}

/// The model's levers for a message that names one it lacks: "its levers are: a, b", or
/// that it has none.
pub fn levers_in_words<S: AsRef<str>>(levers: &[S]) -> String {
    if levers.is_empty() {
        "the model has no levers: none was mapped when it was trained".into()
    } else {
        let names: Vec<&str> = levers.iter().map(AsRef::as_ref).collect();
        format!("its levers are: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn rows_at_takes_each_rows_values_in_the_order_asked() {
        let rows = EncodedRows {
            offset: vec![0.1, 0.2, 0.3],
            targets: vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0],
            cold_start: vec![false, true, false],
            categorical_slots: vec![vec![4, 5, 6]],
            baskets: vec![100.0, 200.0, 300.0],
            ..EncodedRows::inputs_only(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 2)
        };
        // Row 7 does not exist: left out, not a panic.
        let picked = rows.rows_at(&[2, 0, 7]);
        assert_eq!(picked.rows, 2);
        assert_eq!(picked.inputs, [4.0, 5.0, 0.0, 1.0]);
        assert_eq!(picked.offset, [0.3, 0.1]);
        assert_eq!(picked.targets, [3.0, 30.0, 1.0, 10.0]);
        assert_eq!(picked.cold_start, [false, false]);
        assert_eq!(picked.categorical_slots, [vec![6, 4]]);
        assert_eq!(picked.baskets, [300.0, 100.0]);
        assert_eq!(rows.head(2).inputs, [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(rows.head(9).rows, 3);
    }

    #[test]
    fn a_model_without_levers_says_so_instead_of_an_empty_list() {
        assert_eq!(
            levers_in_words(&["coupon", "channel"]),
            "its levers are: coupon, channel"
        );
        assert_eq!(
            levers_in_words::<&str>(&[]),
            "the model has no levers: none was mapped when it was trained"
        );
    }

    #[test]
    fn the_trend_is_damped_past_the_last_training_date() {
        let mut calendar = CalendarFeature {
            column: "date".into(),
            format: DateFormat::Iso,
            origin: day(2024, 1, 1),
            trend_end: Some(day(2025, 1, 1)),
            festivals: false,
        };
        let end = damped_years(&calendar, day(2025, 1, 1));
        // Inside the training dates the trend is the years since the first one.
        assert!((damped_years(&calendar, day(2024, 7, 1)) - 182.0 / 365.25).abs() < 1e-9);
        // Past them it keeps rising, ever more slowly, and never adds more than the damping.
        let (month, year, decade) = (
            damped_years(&calendar, day(2025, 2, 1)) - end,
            damped_years(&calendar, day(2026, 1, 1)) - end,
            damped_years(&calendar, day(2035, 1, 1)) - end,
        );
        assert!(
            month > 0.8 * 31.0 / 365.25 && month < 31.0 / 365.25,
            "{month}"
        );
        assert!(year > month && year < TREND_DAMPING_YEARS, "{year}");
        assert!(
            decade < TREND_DAMPING_YEARS + 1e-12 && decade > year,
            "{decade}"
        );
        // A model saved before the damping keeps its undamped trend.
        calendar.trend_end = None;
        assert!((damped_years(&calendar, day(2026, 1, 1)) - 731.0 / 365.25).abs() < 1e-9);
    }
}
