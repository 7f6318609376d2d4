//! How long ago each row's series last ended a campaign. After a promotion, demand dips for a
//! while (buyers stocked up, or waited for the offer and then bought): a no-campaign day just
//! after a campaign sits below a normal day. Without telling the two apart, a model learns the
//! dips into its baseline and every plan's no-campaign forecast, and so its lift, comes out
//! low. Time data with levers only.
//!
//! A series is one combination of the dimensions (a segment on a channel); a campaign day is a
//! date on which some row of the series has a lever off its baseline; a run of campaign days
//! ends on the last one before a date of the series without a campaign (or on the series' last
//! date). A row's days since the last campaign count from the latest run end **before** its own
//! date; a run still going does not count, so a plan's own days read the same whether it runs
//! or not (its scenario and baseline rows differ only in their levers).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::column;
use super::controls::same_value;
use super::dates::{self, DateFormat};
use super::schema::Schema;

/// A column the calendar needs could not be read.
#[derive(Debug, Error)]
#[error("cannot read column '{column}': {message}")]
pub struct ReadError {
    pub column: String,
    pub message: String,
}

/// A column's distinct texts and each row's (`column::text_groups`): the calendar reads each
/// date, series value and lever setting once, not once per row.
fn text_groups(
    frame: &DataFrame,
    name: &str,
) -> Result<(Vec<Option<String>>, Vec<usize>), ReadError> {
    column::text_groups(frame, name).map_err(|e| ReadError {
        column: name.to_owned(),
        message: e.to_string(),
    })
}

/// A lever column and the value meaning "no campaign".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeverBaseline {
    pub column: String,
    pub baseline: String,
}

/// What finding campaign runs needs: the dates, the series and the levers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignCalendar {
    pub time_column: String,
    pub format: DateFormat,
    /// The dimension columns whose combination is a series.
    pub series: Vec<String>,
    pub levers: Vec<LeverBaseline>,
}

/// Each series' latest campaign end, keyed by the series' dimension values.
pub type LastEnds = BTreeMap<String, NaiveDate>;

/// The rows of a frame as the calendar reads them.
struct RowCalendar {
    dates: Vec<Option<NaiveDate>>,
    /// Each series' key (its dimension values, joined), in the order first met.
    series_keys: Vec<String>,
    /// Each row's series, by position in `series_keys`.
    series: Vec<usize>,
    campaign: Vec<bool>,
}

impl CampaignCalendar {
    /// Time data with at least one lever that varies; `None` otherwise (nothing to carry over).
    pub fn from_schema(schema: &Schema) -> Option<Self> {
        let time = schema.time.as_ref()?;
        if !schema.levers.iter().any(|l| l.varies) {
            return None;
        }
        Some(Self {
            time_column: time.column.clone(),
            format: time.format,
            series: schema.dimensions.clone(),
            levers: schema
                .levers
                .iter()
                .map(|l| LeverBaseline {
                    column: l.column.clone(),
                    baseline: l.baseline.clone(),
                })
                .collect(),
        })
    }

    fn read(&self, frame: &DataFrame) -> Result<RowCalendar, ReadError> {
        let (date_texts, date_of_row) = text_groups(frame, &self.time_column)?;
        let parsed: Vec<Option<NaiveDate>> = date_texts
            .iter()
            .map(|t| t.as_deref().and_then(|t| dates::parse(t, self.format)))
            .collect();
        let dates = date_of_row.iter().map(|&d| parsed[d]).collect();
        let rows = frame.height();
        // Series are refined one dimension at a time: (series so far, value) → series.
        let mut series_keys = vec![String::new()];
        let mut series = vec![0usize; rows];
        for name in &self.series {
            let (values, value_of_row) = text_groups(frame, name)?;
            let mut refined: HashMap<(usize, usize), usize> = HashMap::new();
            let mut keys = Vec::new();
            for (of_row, &value) in series.iter_mut().zip(&value_of_row) {
                let key = (*of_row, value);
                *of_row = *refined.entry(key).or_insert_with(|| {
                    // A separator no dimension value contains, so ("a b", "c") ≠ ("a", "b c").
                    let text = values[value].as_deref().unwrap_or("");
                    keys.push(format!("{}\u{1f}{text}", series_keys[key.0]));
                    keys.len() - 1
                });
            }
            series_keys = keys;
        }
        let mut campaign = vec![false; rows];
        for lever in &self.levers {
            let (values, value_of_row) = text_groups(frame, &lever.column)?;
            let off_baseline: Vec<bool> = values
                .iter()
                .map(|v| v.is_some() && !same_value(v.as_deref(), &lever.baseline))
                .collect();
            for (flag, &value) in campaign.iter_mut().zip(&value_of_row) {
                *flag |= off_baseline[value];
            }
        }
        Ok(RowCalendar {
            dates,
            series_keys,
            series,
            campaign,
        })
    }

    /// Per series (by position in `series_keys`), the end dates of its campaign runs, in date
    /// order.
    fn run_ends(calendar: &RowCalendar) -> Vec<Vec<NaiveDate>> {
        // Per series and date: whether any row of that day ran a campaign.
        let mut days: Vec<BTreeMap<NaiveDate, bool>> =
            vec![BTreeMap::new(); calendar.series_keys.len()];
        let rows = calendar
            .dates
            .iter()
            .zip(&calendar.series)
            .zip(&calendar.campaign);
        for ((date, &series), campaign) in rows {
            let Some(date) = *date else {
                continue;
            };
            let flag = days[series].entry(date).or_default();
            *flag |= *campaign;
        }
        days.into_iter()
            .map(|days| {
                let dates: Vec<(&NaiveDate, &bool)> = days.iter().collect();
                dates
                    .iter()
                    .enumerate()
                    .filter(|(i, (_, campaign))| {
                        **campaign && dates.get(i + 1).is_none_or(|(_, next)| !**next)
                    })
                    .map(|(_, (date, _))| **date)
                    .collect()
            })
            .collect()
    }

    /// Each series' latest campaign end in `frame` (the history a model learns from).
    pub fn last_ends(&self, frame: &DataFrame) -> Result<LastEnds, ReadError> {
        let calendar = self.read(frame)?;
        Ok(Self::run_ends(&calendar)
            .into_iter()
            .zip(calendar.series_keys)
            .filter_map(|(ends, series)| Some((series, *ends.last()?)))
            .collect())
    }

    /// Per row: days since its series' latest campaign end before the row's date, from the
    /// frame's own runs and `earlier` (a history's last ends, for rows beyond it); `None`
    /// where no campaign ended before or the date is unreadable.
    pub fn days_since_campaign(
        &self,
        frame: &DataFrame,
        earlier: &LastEnds,
    ) -> Result<Vec<Option<u32>>, ReadError> {
        let calendar = self.read(frame)?;
        let ends = Self::run_ends(&calendar);
        let history_ends: Vec<Option<NaiveDate>> = calendar
            .series_keys
            .iter()
            .map(|key| earlier.get(key).copied())
            .collect();
        Ok((0..frame.height())
            .map(|row| {
                let date = calendar.dates[row]?;
                let series = calendar.series[row];
                let own = &ends[series];
                let before = own.partition_point(|end| *end < date);
                let own_last = before.checked_sub(1).map(|i| own[i]);
                let history_last = history_ends[series].filter(|end| *end < date);
                let last = own_last.max(history_last)?;
                u32::try_from((date - last).num_days()).ok()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::frame::{self, Values};

    fn text(values: &[&str]) -> Values {
        Values::Text(values.iter().map(|v| Some((*v).into())).collect())
    }

    fn calendar() -> CampaignCalendar {
        CampaignCalendar {
            time_column: "date".into(),
            format: DateFormat::Iso,
            series: vec!["segment".into()],
            levers: vec![LeverBaseline {
                column: "discount_pct".into(),
                baseline: "0".into(),
            }],
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
    }

    /// Segment a runs a campaign on the 2nd and 3rd; b runs none, on the same days.
    fn frame() -> DataFrame {
        frame::build(vec![
            (
                "date".into(),
                text(&[
                    "2024-03-01",
                    "2024-03-02",
                    "2024-03-03",
                    "2024-03-04",
                    "2024-03-06",
                    "2024-03-04",
                ]),
            ),
            ("segment".into(), text(&["a", "a", "a", "a", "a", "b"])),
            (
                "discount_pct".into(),
                text(&["0", "20", "20.0", "0", "0", "0"]),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn days_count_from_the_end_of_the_series_own_last_run() {
        let days = calendar()
            .days_since_campaign(&frame(), &LastEnds::new())
            .unwrap();
        // Before and during the run: nothing ended yet; then 1 and 3 days after the 3rd.
        // Segment b never ran one, though a ran on its dates.
        assert_eq!(days, vec![None, None, None, Some(1), Some(3), None]);
    }

    #[test]
    fn a_historys_last_end_carries_into_later_rows_only() {
        let history = frame();
        let ends = calendar().last_ends(&history).unwrap();
        assert_eq!(ends.get("\u{1f}a"), Some(&day(3)));
        assert_eq!(ends.get("\u{1f}b"), None);
        // A later plan: its own running campaign does not count until it ends.
        let plan = frame::build(vec![
            (
                "date".into(),
                text(&["2024-03-10", "2024-03-11", "2024-03-01"]),
            ),
            ("segment".into(), text(&["a", "a", "a"])),
            ("discount_pct".into(), text(&["15", "15", "0"])),
        ])
        .unwrap();
        let days = calendar().days_since_campaign(&plan, &ends).unwrap();
        // The 1st precedes the history's end on the 3rd: nothing had ended by then.
        assert_eq!(days, vec![Some(7), Some(8), None]);
    }

    #[test]
    fn a_run_continues_across_gaps_between_the_series_dates() {
        // Weekly rows: a campaign in two consecutive weeks is one run.
        let weekly = frame::build(vec![
            (
                "date".into(),
                text(&["2024-03-01", "2024-03-08", "2024-03-15", "2024-03-22"]),
            ),
            ("segment".into(), text(&["a", "a", "a", "a"])),
            ("discount_pct".into(), text(&["10", "10", "0", "0"])),
        ])
        .unwrap();
        let days = calendar()
            .days_since_campaign(&weekly, &LastEnds::new())
            .unwrap();
        assert_eq!(days, vec![None, None, Some(7), Some(14)]);
    }
}
