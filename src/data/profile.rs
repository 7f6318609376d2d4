//! What each column holds: type, missing values, distinct values, range, date format and coupon
//! notation. Detection, validation, `inspect` and the preview table all read these.

use std::collections::HashMap;

use polars::prelude::PolarsResult;
use serde::{Deserialize, Serialize};

use crate::data::column;
use crate::data::dates::{self, DateFormat};
use crate::data::import::Table;
use crate::data::notation::{self, NotationSummary};

/// How many of the most frequent values a profile keeps.
const TOP_VALUES: usize = 20;

/// A date format recognised in a column, with the share of values it parses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DateGuess {
    pub format: DateFormat,
    pub share: f64,
}

/// Facts about one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    /// Stored type for people: text, integer, decimal, date, …
    pub type_name: String,
    /// Stored as numbers (or booleans).
    pub numeric: bool,
    pub rows: usize,
    pub missing: usize,
    pub distinct: usize,
    /// The most frequent values with their counts, most frequent first.
    pub top_values: Vec<(String, usize)>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// Every present value is a whole number.
    pub integers: bool,
    /// Every present value is 0 or 1.
    pub binary: bool,
    /// Values below zero.
    pub negatives: usize,
    /// Infinite values or magnitudes beyond 1e15 (absurd for campaign data).
    pub absurd: usize,
    /// First 1-based row with an absurd number.
    pub first_absurd_row: Option<usize>,
    pub date: Option<DateGuess>,
    /// Present for text columns in which some value is a coupon or discount notation.
    pub notation: Option<NotationSummary>,
}

impl ColumnProfile {
    pub fn present(&self) -> usize {
        self.rows - self.missing
    }

    /// A few example values for display.
    pub fn samples(&self, count: usize) -> Vec<&str> {
        self.top_values
            .iter()
            .take(count)
            .map(|(v, _)| v.as_str())
            .collect()
    }

    pub fn is_offer_column(&self) -> bool {
        self.notation
            .as_ref()
            .is_some_and(NotationSummary::is_offer_column)
    }
}

/// Profiles every column of a table.
pub fn profile_table(table: &Table) -> PolarsResult<Vec<ColumnProfile>> {
    table
        .column_names()
        .iter()
        .map(|name| profile_column(table, name))
        .collect()
}

fn profile_column(table: &Table, name: &str) -> PolarsResult<ColumnProfile> {
    let frame = &table.frame;
    let texts = column::texts(frame, name)?;
    let numeric = column::is_numeric(frame, name);
    let rows = texts.len();
    let missing = texts.iter().filter(|v| v.is_none()).count();

    let mut counts: HashMap<&str, usize> = HashMap::new();
    for value in texts.iter().flatten() {
        *counts.entry(value.as_str()).or_default() += 1;
    }
    let distinct = counts.len();
    let mut top_values: Vec<(String, usize)> =
        counts.into_iter().map(|(v, c)| (v.to_owned(), c)).collect();
    top_values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_values.truncate(TOP_VALUES);

    let mut profile = ColumnProfile {
        name: name.to_owned(),
        type_name: column::type_name(frame, name),
        numeric,
        rows,
        missing,
        distinct,
        top_values,
        min: None,
        max: None,
        mean: None,
        integers: false,
        binary: false,
        negatives: 0,
        absurd: 0,
        first_absurd_row: None,
        date: None,
        notation: None,
    };
    if numeric {
        add_number_facts(&mut profile, &column::numbers(frame, name)?);
    } else {
        let summary = notation::summarize(&texts);
        if summary.spend_threshold + summary.percent_off + summary.amount_off > 0 {
            profile.notation = Some(summary);
        }
    }
    // Day numbers parse from any small-integer column, so they need a time-like name and
    // enough distinct days to be a calendar rather than a duration or a count.
    let time_name = dates::name_suggests_time(name);
    let allow_day_numbers = dates::name_suggests_day_number(name) && profile.distinct > 30;
    let is_date_type = matches!(profile.type_name.as_str(), "date" | "datetime");
    if !numeric || time_name || looks_compact_date(&profile) || is_date_type {
        profile.date = dates::detect(&texts, allow_day_numbers, 0.95)
            .map(|(format, share)| DateGuess { format, share });
    }
    Ok(profile)
}

fn looks_compact_date(profile: &ColumnProfile) -> bool {
    profile.integers
        && profile.min.is_some_and(|m| m >= 19_000_101.0)
        && profile.max.is_some_and(|m| m <= 22_001_231.0)
}

fn add_number_facts(profile: &mut ColumnProfile, numbers: &[Option<f64>]) {
    let mut sum = 0.0;
    let mut count = 0usize;
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    let mut integers = true;
    let mut binary = true;
    for (index, value) in numbers.iter().enumerate() {
        let Some(value) = *value else { continue };
        if !value.is_finite() || value.abs() > 1e15 {
            profile.absurd += 1;
            profile.first_absurd_row.get_or_insert(index + 1);
            continue;
        }
        sum += value;
        count += 1;
        min = min.min(value);
        max = max.max(value);
        integers &= value.fract() == 0.0;
        binary &= value == 0.0 || value == 1.0;
        if value < 0.0 {
            profile.negatives += 1;
        }
    }
    if count > 0 {
        profile.min = Some(min);
        profile.max = Some(max);
        profile.mean = Some(sum / count as f64);
        profile.integers = integers;
        profile.binary = binary;
    }
}
