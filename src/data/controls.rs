//! Which campaign rows had a concurrent control: another row of the same day with every lever
//! at its baseline. A campaign with a same-day control can be told apart from the day itself (a
//! festival, a season); one without cannot, since everything that ran that day ran it. Time
//! data only; unit data has no calendar to be confounded with.

use std::collections::HashSet;

use chrono::NaiveDate;
use polars::prelude::DataFrame;

use super::schema::Schema;
use super::{column, dates};

/// Equal as text, or as numbers (`15` and `15.0`).
pub fn same_value(text: Option<&str>, value: &str) -> bool {
    let Some(text) = text else { return false };
    if text.trim() == value.trim() {
        return true;
    }
    match (text.trim().parse::<f64>(), value.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => (a - b).abs() < 1e-9,
        _ => false,
    }
}

/// The settings that move a lever off its baseline, as `lever=value` (schema order is not
/// imposed: the settings' own order).
pub fn moved_levers(schema: &Schema, settings: &[crate::model::LeverSetting]) -> Vec<String> {
    settings
        .iter()
        .filter(|s| {
            schema
                .levers
                .iter()
                .any(|l| l.column == s.lever && !same_value(Some(&s.value), &l.baseline))
        })
        .map(|s| format!("{}={}", s.lever, s.value))
        .collect()
}

/// Each row's date (time data; `None` for unit data or an unreadable column).
pub fn row_dates(frame: &DataFrame, schema: &Schema) -> Option<Vec<Option<NaiveDate>>> {
    let time = schema.time.as_ref()?;
    Some(
        column::texts(frame, &time.column)
            .ok()?
            .iter()
            .map(|t| t.as_deref().and_then(|t| dates::parse(t, time.format)))
            .collect(),
    )
}

/// Whether each row has every lever at its baseline (a no-campaign row).
pub fn at_baseline(frame: &DataFrame, schema: &Schema) -> Option<Vec<bool>> {
    let mut at_baseline = vec![true; frame.height()];
    for lever in &schema.levers {
        let texts = column::texts(frame, &lever.column).ok()?;
        for (flag, text) in at_baseline.iter_mut().zip(&texts) {
            if !same_value(text.as_deref(), &lever.baseline) {
                *flag = false;
            }
        }
    }
    Some(at_baseline)
}

/// The days on which some row ran no campaign.
pub fn controlled_days(dates: &[Option<NaiveDate>], at_baseline: &[bool]) -> HashSet<NaiveDate> {
    dates
        .iter()
        .zip(at_baseline)
        .filter_map(|(date, base)| if *base { *date } else { None })
        .collect()
}

/// Per row: may its outcome teach the model what the levers do? True for no-campaign rows and
/// for campaign rows with a same-day control; false for campaign rows without one (time data).
/// Unit data, or data whose levers or dates cannot be read, trusts every row.
pub fn lift_evidence(frame: &DataFrame, schema: &Schema) -> Vec<bool> {
    let everyone = vec![true; frame.height()];
    let (Some(dates), Some(at_baseline)) = (row_dates(frame, schema), at_baseline(frame, schema))
    else {
        return everyone;
    };
    let controlled = controlled_days(&dates, &at_baseline);
    dates
        .iter()
        .zip(&at_baseline)
        .map(|(date, base)| *base || date.is_some_and(|d| controlled.contains(&d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dates::DateFormat;
    use crate::data::frame::{self, Values};
    use crate::data::schema::{LeverField, LeverKind, TimeField};

    #[test]
    fn numbers_compare_by_value() {
        assert!(same_value(Some("15.0"), "15"));
        assert!(same_value(Some(" none "), "none"));
        assert!(!same_value(Some("15"), "16"));
        assert!(!same_value(None, "0"));
    }

    #[test]
    fn festival_campaigns_without_a_same_day_control_teach_no_lift() {
        let text =
            |values: &[&str]| Values::Text(values.iter().map(|v| Some((*v).into())).collect());
        let frame = frame::build(vec![
            (
                "date".into(),
                text(&["2024-06-18", "2024-06-18", "2024-03-05", "2024-03-05"]),
            ),
            ("discount_pct".into(), text(&["20", "20", "10", "0"])),
        ])
        .unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let schema = Schema {
            source: "days.csv".into(),
            rows: 4,
            time: Some(TimeField {
                column: "date".into(),
                format: DateFormat::Iso,
                first: day(3, 5),
                last: day(6, 18),
                distinct_dates: 2,
            }),
            dimensions: Vec::new(),
            levers: vec![LeverField {
                column: "discount_pct".into(),
                kind: LeverKind::Numeric {
                    min: 0.0,
                    max: 20.0,
                },
                baseline: "0".into(),
                varies: true,
                offers_seen: None,
            }],
            covariates: Vec::new(),
            exposure: None,
            outcomes: Vec::new(),
        };
        // 618: everyone ran 20% off, no control that day; March: a 10% test beside a holdout.
        assert_eq!(
            lift_evidence(&frame, &schema),
            vec![false, false, true, true]
        );
        let mut unit_data = schema;
        unit_data.time = None;
        assert_eq!(lift_evidence(&frame, &unit_data), vec![true; 4]);
    }
}
