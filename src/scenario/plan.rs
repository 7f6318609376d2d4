//! A campaign plan: dates, audience, lever values (overall and per segment) and costs, saved as
//! versioned JSON. For time data its rows are the plan's dates × the audience's dimension
//! combinations, with covariates and exposure carried forward as each combination's mean over
//! its last four weeks; for unit data they are the population's rows. The scenario rows carry the plan's lever
//! values, the baseline rows every lever at its baseline.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::costs::CostSettings;
use crate::data::frame::{self, Values};
use crate::data::notation::Offer;
use crate::data::schema::{LeverField, LeverKind, Schema};
use crate::data::{column, dates};
use crate::files::{self, FileError};
use crate::model::LeverSetting;
use crate::numbers::counted;

/// Format version of plan files.
pub const PLAN_FORMAT_VERSION: u32 = 1;
/// Plans longer than this many days are refused (a typo in a year, not a campaign).
const MAX_PLAN_DAYS: i64 = 366;
/// Covariates and exposure of future rows: the mean of this many last days of each combination.
const CARRY_DAYS: i64 = 28;

/// Rows whose dimension `column` takes one of `values`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudienceFilter {
    pub column: String,
    pub values: Vec<String>,
}

/// Lever values for one segment, overriding the plan's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentLevers {
    pub column: String,
    pub value: String,
    /// Further dimension values the rows must also have (segment `vip` *and* channel `sms`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<DimensionValue>,
    pub levers: Vec<LeverSetting>,
}

/// One dimension's value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DimensionValue {
    pub column: String,
    pub value: String,
}

impl SegmentLevers {
    /// Every dimension value a row must have for these levers to apply.
    pub fn conditions(&self) -> Vec<DimensionValue> {
        let mut all = vec![DimensionValue {
            column: self.column.clone(),
            value: self.value.clone(),
        }];
        all.extend(self.also.iter().cloned());
        all
    }
}

/// How a time-data plan fills its future rows' covariates and exposure from the history of
/// each dimension combination.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarryRule {
    /// The mean over the combination's last four weeks.
    #[default]
    RecentMean,
    /// The combination's last known value.
    LastValue,
    /// The mean over the last four weeks of the same weekday (weekly patterns: weekend
    /// competitor sales, weekday send volumes); the recent mean where a weekday has none.
    WeekdayProfile,
}

impl CarryRule {
    pub const ALL: [CarryRule; 3] = [
        CarryRule::RecentMean,
        CarryRule::LastValue,
        CarryRule::WeekdayProfile,
    ];

    /// How the rule reads in the plan's description.
    pub fn describe(self) -> String {
        match self {
            CarryRule::RecentMean => {
                format!("each combination's mean over its last {CARRY_DAYS} days in the data")
            }
            CarryRule::LastValue => "each combination's last value in the data".into(),
            CarryRule::WeekdayProfile => format!(
                "each combination's mean for the same weekday over its last {CARRY_DAYS} days \
                 in the data"
            ),
        }
    }

    /// A short name for menus.
    pub fn name(self) -> &'static str {
        match self {
            CarryRule::RecentMean => "recent mean (4 weeks)",
            CarryRule::LastValue => "last value",
            CarryRule::WeekdayProfile => "weekday profile (4 weeks)",
        }
    }
}

/// A campaign plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub name: String,
    /// First and last day (time data).
    #[serde(default)]
    pub start: Option<NaiveDate>,
    #[serde(default)]
    pub end: Option<NaiveDate>,
    /// Empty: everyone.
    #[serde(default)]
    pub audience: Vec<AudienceFilter>,
    /// Lever values for every row of the plan.
    #[serde(default)]
    pub levers: Vec<LeverSetting>,
    /// Per-segment lever values (e.g. `150:20` to one segment, 10% off to another).
    #[serde(default)]
    pub segment_levers: Vec<SegmentLevers>,
    #[serde(default)]
    pub costs: CostSettings,
    /// How future rows' covariates and exposure are filled in (time data).
    #[serde(default)]
    pub carry: CarryRule,
    /// Time data: a file giving future covariates (or exposure) by date, and by dimension
    /// values where it has those columns; its values replace the carried ones on the days and
    /// combinations it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates_file: Option<PathBuf>,
}

impl Plan {
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        files::save_json(path, self, "plan")
    }

    /// Reads a plan. A relative `covariates_file` is read beside the plan file, so a plan and
    /// its future covariates can be kept, copied and shared together. It is made absolute as
    /// it is read: a plan saved again elsewhere (an optimised plan, a plan from the workbench)
    /// still names the same file.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let mut plan: Self = files::load_versioned_json(path, "plan", PLAN_FORMAT_VERSION)?;
        if let (Some(file), Some(folder)) = (&plan.covariates_file, path.parent())
            && file.is_relative()
        {
            let beside = folder.join(file);
            plan.covariates_file = Some(std::path::absolute(&beside).unwrap_or(beside));
        }
        Ok(plan)
    }
}

/// Days a saved scenario's plan covers on time data: the week after the data ends.
pub const SCENARIO_PLAN_DAYS: u32 = 7;

/// Time data: the first and last of the `days` days (at least one) after the data's last date;
/// `None` without dates.
pub fn days_after_data(schema: &Schema, days: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = schema.time.as_ref()?.last + Duration::days(1);
    Some((start, start + Duration::days(i64::from(days.max(1)) - 1)))
}

impl Plan {
    /// A saved scenario (lever values for everyone) as a plan over the whole audience: on time
    /// data the week after the data's last date, with the default costs.
    pub fn from_scenario(name: &str, settings: &[LeverSetting], schema: &Schema) -> Self {
        let dates = days_after_data(schema, SCENARIO_PLAN_DAYS);
        Self {
            format_version: PLAN_FORMAT_VERSION,
            name: name.to_owned(),
            start: dates.map(|(start, _)| start),
            end: dates.map(|(_, end)| end),
            audience: Vec::new(),
            levers: settings.to_vec(),
            segment_levers: Vec::new(),
            costs: CostSettings::default(),
            carry: CarryRule::default(),
            covariates_file: None,
        }
    }
}

impl Plan {
    /// This plan as one arm of a test or comparison: named `name`, with `settings` replacing
    /// its levers of the same name (the others, and the per-segment levers, kept).
    pub fn arm(&self, name: &str, settings: &[LeverSetting]) -> Self {
        Self {
            name: name.to_owned(),
            levers: merged_levers(&self.levers, settings),
            ..self.clone()
        }
    }

    /// Every lever setting the plan makes: those for everyone, then each segment's.
    pub fn all_settings(&self) -> impl Iterator<Item = &LeverSetting> {
        self.levers
            .iter()
            .chain(self.segment_levers.iter().flat_map(|s| s.levers.iter()))
    }
}

/// `base` with `over`'s values replacing those of the same levers.
pub fn merged_levers(base: &[LeverSetting], over: &[LeverSetting]) -> Vec<LeverSetting> {
    let mut all: Vec<LeverSetting> = base
        .iter()
        .filter(|b| !over.iter().any(|o| o.lever == b.lever))
        .cloned()
        .collect();
    all.extend(over.iter().cloned());
    all
}

/// Why a plan's rows could not be made.
#[derive(Debug, Error)]
pub enum PlanError {
    #[error("the plan needs a start and an end date: the data is a time series")]
    NoDates,
    #[error(
        "the data has no dates, so there are no days after it: a population file gives the \
         customers to plan for"
    )]
    NoTimeColumn,
    #[error("the plan ends ({end}) before it starts ({start})")]
    EndsBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("the plan spans {days} days; at most {MAX_PLAN_DAYS} are allowed")]
    TooLong { days: i64 },
    #[error("no rows match the plan's audience")]
    EmptyAudience,
    #[error(
        "the plan's audience asks for {column} = {asked}, which the data does not have; its \
         values are {known}"
    )]
    UnknownAudience {
        column: String,
        asked: String,
        known: String,
    },
    #[error("the plan's levers for {column} = {value} reach no rows: {why}")]
    SegmentReachesNoOne {
        column: String,
        value: String,
        why: String,
    },
    #[error("cannot read column '{column}': {message}")]
    Read { column: String, message: String },
    #[error("{path}: the covariates file cannot be used: {message}")]
    CovariatesFile { path: String, message: String },
    #[error(
        "the plan sets {lever} = '{value}', but {lever} is a number in the data ({min} to \
         {max}): give a number"
    )]
    NotANumber {
        lever: String,
        value: String,
        min: f64,
        max: f64,
    },
}

/// The scenario and baseline rows of a plan, and how they were made.
pub struct PlanRows {
    pub scenario: DataFrame,
    pub baseline: DataFrame,
    /// Rows where some lever differs from its baseline: the campaign reaches them (exposure
    /// costs count only there).
    pub treated: Vec<bool>,
    /// How covariates and exposure were filled in, for the report.
    pub rule: String,
}

impl PlanRows {
    /// Messages the campaign sends on each row (0 where it does not reach the row): the
    /// exposure column where the data has one; on unit data without one, each customer
    /// reached is one message; on time data without one, messages cannot be counted (0), and
    /// `plan_warnings` says so when the plan prices them.
    pub fn messages(&self, schema: &Schema) -> Vec<f64> {
        let per_row: Vec<f64> = match (&schema.exposure, &schema.time) {
            (Some(column), _) => column::numbers(&self.scenario, column)
                .map(|values| values.into_iter().map(|v| v.unwrap_or(0.0)).collect())
                .unwrap_or_else(|_| vec![0.0; self.treated.len()]),
            (None, None) => vec![1.0; self.treated.len()],
            (None, Some(_)) => vec![0.0; self.treated.len()],
        };
        per_row
            .into_iter()
            .zip(&self.treated)
            .map(|(messages, &treated)| if treated { messages } else { 0.0 })
            .collect()
    }
}

/// Whether messages can be counted on this data (`PlanRows::messages`).
pub fn counts_messages(schema: &Schema) -> bool {
    schema.exposure.is_some() || schema.time.is_none()
}

fn read_texts(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>, PlanError> {
    column::texts(frame, name).map_err(|e| PlanError::Read {
        column: name.into(),
        message: e.to_string(),
    })
}

/// Makes the plan's rows from the history (time data) or the population (unit data).
pub fn plan_rows(history: &DataFrame, schema: &Schema, plan: &Plan) -> Result<PlanRows, PlanError> {
    let (population, rule) = match &schema.time {
        Some(time) => future_population(history, schema, plan, &time.column, time.format)?,
        None => (
            audience_rows(history, &plan.audience)?,
            "the population's own rows".to_owned(),
        ),
    };
    if population.height() == 0 {
        return Err(PlanError::EmptyAudience);
    }
    check_numeric_levers(schema, plan)?;
    check_segment_levers(history, &population, plan)?;
    let (scenario, treated) = with_levers(&population, schema, plan, true)?;
    let (baseline, _) = with_levers(&population, schema, plan, false)?;
    Ok(PlanRows {
        scenario,
        baseline,
        treated,
        rule,
    })
}

/// Time data: the `days` days after the data's last date, for each of the audience's
/// dimension combinations, covariates and exposure carried forward as a plan's are and every
/// lever at its baseline; with the rule that filled them in. What a response curve sweeps
/// when it plans ahead, as the optimiser does.
pub fn rows_after_data(
    history: &DataFrame,
    schema: &Schema,
    audience: &[AudienceFilter],
    days: u32,
) -> Result<(DataFrame, String), PlanError> {
    let Some((start, end)) = days_after_data(schema, days) else {
        return Err(PlanError::NoTimeColumn);
    };
    let plan = Plan {
        start: Some(start),
        end: Some(end),
        audience: audience.to_vec(),
        ..Plan::from_scenario("days after the data", &[], schema)
    };
    let rows = plan_rows(history, schema, &plan)?;
    Ok((rows.baseline, rows.rule))
}

/// Which rows a what-if runs over: an audience (dimension values) and, for time data, either a
/// date range of the data (inclusive) or the days after the data (the audience's combinations
/// carried forward by the plans' default rule, as `rows_after_data` makes them). The default
/// keeps every row of the data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowFilter {
    pub audience: Vec<AudienceFilter>,
    pub dates: Option<(NaiveDate, NaiveDate)>,
    /// When set, the rows are this many days after the data's last date (`dates` unused).
    pub days_after_data: Option<u32>,
}

impl RowFilter {
    /// Every row of the data, as it is.
    pub fn is_everyone(&self) -> bool {
        self.audience.is_empty() && self.dates.is_none() && self.days_after_data.is_none()
    }
}

/// The rows of `frame` that `filter` keeps, or the days after it that `filter` asks for; an
/// empty selection is an error, not an empty forecast. Everyone is `frame` itself, not a copy
/// (the workbench asks on every lever move).
pub fn select_rows(
    frame: &DataFrame,
    schema: &Schema,
    filter: &RowFilter,
) -> Result<DataFrame, PlanError> {
    if let Some(days) = filter.days_after_data {
        return rows_after_data(frame, schema, &filter.audience, days).map(|(rows, _)| rows);
    }
    if filter.is_everyone() && frame.height() > 0 {
        return Ok(frame.clone());
    }
    let mut rows = audience_rows(frame, &filter.audience)?;
    if let (Some((from, to)), Some(_)) = (filter.dates, &schema.time) {
        let dates = crate::data::controls::row_dates(&rows, schema).unwrap_or_default();
        let keep: Vec<usize> = dates
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_some_and(|d| d >= from && d <= to))
            .map(|(r, _)| r)
            .collect();
        rows = frame::take_rows(&rows, &keep).map_err(|e| PlanError::Read {
            column: "dates".into(),
            message: e.to_string(),
        })?;
    }
    if rows.height() == 0 {
        return Err(PlanError::EmptyAudience);
    }
    Ok(rows)
}

fn audience_rows(frame: &DataFrame, audience: &[AudienceFilter]) -> Result<DataFrame, PlanError> {
    let mut keep = vec![true; frame.height()];
    for filter in audience {
        let texts = read_texts(frame, &filter.column)?;
        if !filter.values.is_empty() && !texts.iter().flatten().any(|t| filter.values.contains(t)) {
            return Err(unknown_audience(filter, &texts));
        }
        for (row, text) in texts.iter().enumerate() {
            keep[row] &= text.as_ref().is_some_and(|t| filter.values.contains(t));
        }
    }
    let rows: Vec<usize> = keep
        .iter()
        .enumerate()
        .filter(|(_, k)| **k)
        .map(|(r, _)| r)
        .collect();
    frame::take_rows(frame, &rows).map_err(|e| PlanError::Read {
        column: "audience".into(),
        message: e.to_string(),
    })
}

/// An audience filter none of whose values the data has (a typo, another data set's
/// segment): the values it has, the first few in order.
fn unknown_audience(filter: &AudienceFilter, texts: &[Option<String>]) -> PlanError {
    PlanError::UnknownAudience {
        column: filter.column.clone(),
        asked: filter.values.join(", "),
        known: first_values(texts),
    }
}

/// A column's distinct values in order, the first dozen, for a message.
fn first_values(texts: &[Option<String>]) -> String {
    const SHOWN: usize = 12;
    let values: std::collections::BTreeSet<&str> =
        texts.iter().flatten().map(String::as_str).collect();
    let mut known: Vec<&str> = values.iter().copied().take(SHOWN).collect();
    if values.len() > SHOWN {
        known.push("…");
    }
    known.join(", ")
}

/// Refuses per-segment levers that reach no row of the plan (a typo in the segment, or a
/// segment the audience leaves out): the plan would silently run without them.
fn check_segment_levers(
    history: &DataFrame,
    population: &DataFrame,
    plan: &Plan,
) -> Result<(), PlanError> {
    for segment in &plan.segment_levers {
        for condition in segment.conditions() {
            let reached = read_texts(population, &condition.column)?;
            if reached.iter().flatten().any(|t| *t == condition.value) {
                continue;
            }
            let all = read_texts(history, &condition.column)?;
            let why = if all.iter().flatten().any(|t| *t == condition.value) {
                "the plan's audience leaves it out".to_owned()
            } else {
                format!(
                    "the data has no such {}; its values are {}",
                    condition.column,
                    first_values(&all)
                )
            };
            return Err(PlanError::SegmentReachesNoOne {
                column: condition.column,
                value: condition.value,
                why,
            });
        }
    }
    Ok(())
}

/// Dates × dimension combinations, covariates and exposure from each combination's last day.
fn future_population(
    history: &DataFrame,
    schema: &Schema,
    plan: &Plan,
    time_column: &str,
    format: dates::DateFormat,
) -> Result<(DataFrame, String), PlanError> {
    let (Some(start), Some(end)) = (plan.start, plan.end) else {
        return Err(PlanError::NoDates);
    };
    if end < start {
        return Err(PlanError::EndsBeforeStart { start, end });
    }
    let days = (end - start).num_days() + 1;
    if days > MAX_PLAN_DAYS {
        return Err(PlanError::TooLong { days });
    }
    let history = audience_rows(history, &plan.audience)?;
    let times = read_texts(&history, time_column)?;
    let dimension_values: Vec<Vec<Option<String>>> = schema
        .dimensions
        .iter()
        .map(|d| read_texts(&history, d))
        .collect::<Result<_, _>>()?;
    // Each dimension combination's rows with their dates.
    let mut history_rows: BTreeMap<Vec<Option<String>>, Vec<(NaiveDate, usize)>> = BTreeMap::new();
    for (row, time) in times.iter().enumerate() {
        let Some(date) = time.as_deref().and_then(|t| dates::parse(t, format)) else {
            continue;
        };
        let key: Vec<Option<String>> = dimension_values.iter().map(|v| v[row].clone()).collect();
        history_rows.entry(key).or_default().push((date, row));
    }
    // Each combination's rows within its last CARRY_DAYS days, oldest first.
    let combos: Vec<(&Vec<Option<String>>, DatedRows)> = history_rows
        .iter()
        .map(|(key, rows)| {
            let last = rows.iter().map(|(d, _)| *d).max().unwrap_or(start);
            let from = last - Duration::days(CARRY_DAYS - 1);
            let mut recent: Vec<(NaiveDate, usize)> =
                rows.iter().filter(|(d, _)| *d >= from).copied().collect();
            recent.sort_by_key(|(d, _)| *d);
            (key, recent)
        })
        .collect();
    let mut carried: Vec<String> = schema.covariates.clone();
    carried.extend(schema.exposure.clone());
    let carried_values: Vec<Vec<Option<f64>>> = carried
        .iter()
        .map(|c| {
            column::numbers(&history, c).map_err(|e| PlanError::Read {
                column: c.clone(),
                message: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;

    let mut columns: Vec<(String, Values)> = Vec::new();
    let mut date_texts = Vec::new();
    let mut dimension_columns: Vec<Vec<Option<String>>> = vec![Vec::new(); schema.dimensions.len()];
    let mut carried_columns: Vec<Vec<Option<f64>>> = vec![Vec::new(); carried.len()];
    let mut future_dates: Vec<NaiveDate> = Vec::new();
    // Each combination's carried values per weekday (the same for every weekday unless the
    // rule is the weekday profile): computed once.
    let carried_by_weekday: Vec<[Vec<Option<f64>>; 7]> = combos
        .iter()
        .map(|(_, recent)| {
            std::array::from_fn(|weekday| {
                carried_values
                    .iter()
                    .map(|values| carry_value(plan.carry, recent, values, weekday))
                    .collect()
            })
        })
        .collect();
    for offset in 0..days {
        let date = start + Duration::days(offset);
        let weekday = date.weekday().num_days_from_monday() as usize;
        for ((key, _), by_weekday) in combos.iter().zip(&carried_by_weekday) {
            date_texts.push(Some(dates::format(date, format)));
            future_dates.push(date);
            for (column, value) in dimension_columns.iter_mut().zip(key.iter()) {
                column.push(value.clone());
            }
            for (column, value) in carried_columns.iter_mut().zip(&by_weekday[weekday]) {
                column.push(*value);
            }
        }
    }
    let given = match &plan.covariates_file {
        Some(path) => {
            let future = FutureRows {
                dates: &future_dates,
                dimensions: &dimension_columns,
            };
            let given = given_covariates(path, schema, time_column, format, &future, &carried)?;
            Some(given.apply(&mut carried_columns, path))
        }
        None => None,
    };
    columns.push((time_column.to_owned(), Values::Text(date_texts)));
    for (name, values) in schema.dimensions.iter().zip(dimension_columns) {
        columns.push((name.clone(), Values::Text(values)));
    }
    for (name, values) in carried.iter().zip(carried_columns) {
        columns.push((name.clone(), Values::Numbers(values)));
    }
    let frame = frame::build(columns).map_err(|e| PlanError::Read {
        column: "plan rows".into(),
        message: e.to_string(),
    })?;
    let mut rule = format!(
        "{} × {}; covariates and exposure carried forward as {}",
        counted(usize::try_from(days).unwrap_or(0), "day"),
        counted(combos.len(), "dimension combination"),
        plan.carry.describe()
    );
    if let Some(note) = given {
        rule.push_str("; ");
        rule.push_str(&note);
    }
    Ok((frame, rule))
}

/// The future rows being made: each one's date and dimension values (column by column).
struct FutureRows<'a> {
    dates: &'a [NaiveDate],
    dimensions: &'a [Vec<Option<String>>],
}

/// Values a covariates file gives the future rows: for each carried column it has, each
/// future row's value where the file has that row's day (and dimension values).
struct GivenCovariates {
    /// (carried column index, name, per future row value)
    columns: Vec<(usize, String, Vec<Option<f64>>)>,
    matched: usize,
    rows: usize,
}

impl GivenCovariates {
    /// Writes the given values over the carried ones; says what came from the file.
    fn apply(self, carried: &mut [Vec<Option<f64>>], path: &Path) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(_, n, _)| n.as_str()).collect();
        for (index, _, values) in &self.columns {
            if let Some(column) = carried.get_mut(*index) {
                for (slot, value) in column.iter_mut().zip(values) {
                    if value.is_some() {
                        *slot = *value;
                    }
                }
            }
        }
        format!(
            "{} from {} on {} of {} rows",
            names.join(", "),
            path.display(),
            self.matched,
            self.rows
        )
    }
}

/// Reads a covariates file: a date column named as the data's, any of the data's dimension
/// columns (rows match on those it has), and any carried columns (covariates, exposure).
fn given_covariates(
    path: &Path,
    schema: &Schema,
    time_column: &str,
    format: dates::DateFormat,
    future: &FutureRows,
    carried: &[String],
) -> Result<GivenCovariates, PlanError> {
    let problem = |message: String| PlanError::CovariatesFile {
        path: path.display().to_string(),
        message,
    };
    let file = crate::data::import::load(path, &crate::data::ImportOptions::default())
        .map_err(|e| problem(e.to_string()))?
        .frame;
    let texts = |name: &str| column::texts(&file, name).map_err(|e| problem(e.to_string()));
    if file.column(time_column).is_err() {
        return Err(problem(format!(
            "it needs the date column '{time_column}', as the data names it"
        )));
    }
    let file_dates: Vec<Option<NaiveDate>> = texts(time_column)?
        .iter()
        .map(|t| {
            t.as_deref().and_then(|t| {
                dates::parse(t, format)
                    .or_else(|| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok())
            })
        })
        .collect();
    // The dimensions the file has: rows match on those.
    let dimensions: Vec<(usize, Vec<Option<String>>)> = schema
        .dimensions
        .iter()
        .enumerate()
        .filter(|(_, d)| file.column(d.as_str()).is_ok())
        .map(|(i, d)| texts(d).map(|values| (i, values)))
        .collect::<Result<_, _>>()?;
    let given: Vec<(usize, String, Vec<Option<f64>>)> = carried
        .iter()
        .enumerate()
        .filter(|(_, c)| file.column(c.as_str()).is_ok())
        .map(|(i, c)| {
            column::numbers(&file, c)
                .map(|values| (i, c.clone(), values))
                .map_err(|e| problem(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    if given.is_empty() {
        return Err(problem(format!(
            "it has none of the columns a plan carries forward ({})",
            carried.join(", ")
        )));
    }
    let mut index: HashMap<(NaiveDate, Vec<Option<String>>), usize> = HashMap::new();
    for (row, date) in file_dates.iter().enumerate() {
        if let Some(date) = date {
            let key: Vec<Option<String>> = dimensions.iter().map(|(_, v)| v[row].clone()).collect();
            index.entry((*date, key)).or_insert(row);
        }
    }
    let rows = future.dates.len();
    let mut columns: Vec<(usize, String, Vec<Option<f64>>)> = given
        .iter()
        .map(|(i, name, _)| (*i, name.clone(), vec![None; rows]))
        .collect();
    let mut matched = 0;
    for (r, date) in future.dates.iter().enumerate() {
        let key: Vec<Option<String>> = dimensions
            .iter()
            .map(|(i, _)| {
                future
                    .dimensions
                    .get(*i)
                    .and_then(|c| c.get(r))
                    .cloned()
                    .flatten()
            })
            .collect();
        let Some(&row) = index.get(&(*date, key)) else {
            continue;
        };
        matched += 1;
        for ((_, _, values), (_, _, target)) in given.iter().zip(columns.iter_mut()) {
            target[r] = values.get(row).copied().flatten();
        }
    }
    Ok(GivenCovariates {
        columns,
        matched,
        rows,
    })
}

/// History rows of one dimension combination with their dates.
type DatedRows = Vec<(NaiveDate, usize)>;

/// One carried column's value for a future day on `weekday` (0 = Monday), from a
/// combination's recent rows (oldest first) by `rule`.
fn carry_value(
    rule: CarryRule,
    recent: &[(NaiveDate, usize)],
    values: &[Option<f64>],
    weekday: usize,
) -> Option<f64> {
    let mean = |rows: &mut dyn Iterator<Item = usize>| {
        let present: Vec<f64> = rows
            .filter_map(|r| values.get(r).copied().flatten())
            .collect();
        (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
    };
    let recent_mean = || mean(&mut recent.iter().map(|(_, r)| *r));
    match rule {
        CarryRule::RecentMean => recent_mean(),
        CarryRule::LastValue => recent
            .iter()
            .rev()
            .find_map(|(_, r)| values.get(*r).copied().flatten()),
        CarryRule::WeekdayProfile => mean(
            &mut recent
                .iter()
                .filter(|(d, _)| d.weekday().num_days_from_monday() as usize == weekday)
                .map(|(_, r)| *r),
        )
        .or_else(recent_mean),
    }
}

/// The rows with every lever column set: the plan's values (with segment overrides) for the
/// scenario, the baselines for the baseline; and which rows differ from the baseline.
fn with_levers(
    population: &DataFrame,
    schema: &Schema,
    plan: &Plan,
    scenario: bool,
) -> Result<(DataFrame, Vec<bool>), PlanError> {
    let rows = population.height();
    let mut treated = vec![false; rows];
    let mut columns = Vec::new();
    for lever in &schema.levers {
        let overall = plan
            .levers
            .iter()
            .find(|s| s.lever == lever.column)
            .map(|s| s.value.clone())
            .unwrap_or_else(|| lever.baseline.clone());
        let mut values = vec![
            Some(if scenario {
                overall
            } else {
                lever.baseline.clone()
            });
            rows
        ];
        if scenario {
            for segment in &plan.segment_levers {
                let Some(setting) = segment.levers.iter().find(|s| s.lever == lever.column) else {
                    continue;
                };
                let mut matches = vec![true; rows];
                for condition in segment.conditions() {
                    let texts = read_texts(population, &condition.column)?;
                    for (m, text) in matches.iter_mut().zip(texts) {
                        *m &= text.as_deref() == Some(condition.value.as_str());
                    }
                }
                for (value, matched) in values.iter_mut().zip(matches) {
                    if matched {
                        *value = Some(setting.value.clone());
                    }
                }
            }
        }
        for (t, value) in treated.iter_mut().zip(&values) {
            *t |= value.as_deref() != Some(lever.baseline.as_str());
        }
        columns.push((lever.column.clone(), values));
    }
    let frame = frame::with_text_columns(population, columns).map_err(|e| PlanError::Read {
        column: "levers".into(),
        message: e.to_string(),
    })?;
    Ok((frame, treated))
}

/// Refuses a numeric lever set to something that is not a number: its rows would reach the
/// model as a missing value and the forecast would answer a question nobody asked.
fn check_numeric_levers(schema: &Schema, plan: &Plan) -> Result<(), PlanError> {
    for setting in plan.all_settings() {
        let Some(lever) = schema.levers.iter().find(|l| l.column == setting.lever) else {
            continue;
        };
        if let LeverKind::Numeric { min, max } = lever.kind
            && setting.value != lever.baseline
            && !setting
                .value
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| v.is_finite())
        {
            return Err(PlanError::NotANumber {
                lever: lever.column.clone(),
                value: setting.value.clone(),
                min,
                max,
            });
        }
    }
    Ok(())
}

/// What a plan asks of the model that the data cannot vouch for, in words for the report:
/// lever values outside the observed range (extrapolation), values never seen, and levers that
/// never varied (their effect was not learnt).
pub fn plan_warnings(schema: &Schema, plan: &Plan) -> Vec<String> {
    use crate::data::notation::parse_offer;
    let mut warnings = Vec::new();
    if plan.costs.cost_per_exposure > 0.0 && !counts_messages(schema) {
        warnings.push(format!(
            "the cost per message ({}) is not counted: the data has no exposure column \
             (messages sent) to count the plan's messages by; map one, or put the messages' \
             cost in the fixed cost",
            plan.costs.cost_per_exposure
        ));
    }
    for setting in plan.all_settings() {
        let Some(lever) = schema.levers.iter().find(|l| l.column == setting.lever) else {
            warnings.push(format!(
                "'{}' is not a lever of this model; it is ignored",
                setting.lever
            ));
            continue;
        };
        if setting.value == lever.baseline {
            continue;
        }
        if !lever.varies {
            warnings.push(format!(
                "{} never varied in the data: the effect of {} = {} was not learnt and is a guess",
                lever.column, lever.column, setting.value
            ));
        }
        match &lever.kind {
            // A value that is not a number is refused by `plan_rows` (`check_numeric_levers`).
            LeverKind::Numeric { min, max } => {
                if let Ok(value) = setting.value.trim().parse::<f64>()
                    && (value < *min || value > *max)
                {
                    warnings.push(format!(
                        "extrapolation: {} = {value} is outside the range seen in the data ({min} to {max})",
                        lever.column
                    ));
                }
            }
            LeverKind::Categorical { levels } if !levels.contains(&setting.value) => {
                warnings.push(format!(
                    "{} = '{}' never occurs in the data: the model has no evidence for it",
                    lever.column, setting.value
                ))
            }
            LeverKind::Categorical { .. } => {}
            LeverKind::Offer => match parse_offer(&setting.value) {
                offer if !offer.is_notation() => warnings.push(format!(
                    "{} = '{}' is not a coupon or discount notation the model can read",
                    lever.column, setting.value
                )),
                // `20:150` for `150:20`: more off than the spend that earns it.
                Offer::SpendThreshold {
                    threshold,
                    amount_off,
                } if threshold > 0.0 && amount_off >= threshold => warnings.push(format!(
                    "{} = '{}' takes {amount_off} off a spend of {threshold}, more than the \
                     spend itself: was '{amount_off}:{threshold}' meant?",
                    lever.column, setting.value
                )),
                Offer::PercentOff { percent } if percent >= 100.0 => warnings.push(format!(
                    "{} = '{}' gives the whole price away",
                    lever.column, setting.value
                )),
                // Within the notation's own sense, is it within what the data tried?
                offer => warnings.extend(offer_extrapolation(lever, &setting.value, &offer)),
            },
        }
    }
    warnings
}

/// An offer beyond the thresholds, amounts or discounts its lever took in the data, in words
/// (nothing for models saved before the ranges were kept).
pub fn offer_extrapolation(lever: &LeverField, value: &str, offer: &Offer) -> Option<String> {
    let beyond = lever.offers_seen.as_ref()?.beyond(offer);
    (!beyond.is_empty()).then(|| {
        format!(
            "extrapolation: {} = {value} has {}; the model extrapolates there",
            lever.column,
            beyond.join(" and ")
        )
    })
}
