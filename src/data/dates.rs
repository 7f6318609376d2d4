//! Recognising the date format of a column and parsing its values.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The date spellings Liftcast recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `2016-05-16`
    Iso,
    /// `2016-05-16 10:30:00` or `2016-05-16T10:30:00Z`: the date part is used.
    IsoTimestamp,
    /// `2016/05/16`
    IsoSlash,
    /// `20160516`, as text or integer
    Compact,
    /// `05/16/2016` (month first)
    MonthDayYear,
    /// `16/05/2016` (day first)
    DayMonthYear,
    /// Whole numbers counting days (0, 1, 2, …): an order without a calendar.
    DayNumber,
}

impl DateFormat {
    /// How the format is written, for reports.
    pub fn pattern(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::IsoTimestamp => "YYYY-MM-DD hh:mm:ss",
            DateFormat::IsoSlash => "YYYY/MM/DD",
            DateFormat::Compact => "YYYYMMDD",
            DateFormat::MonthDayYear => "MM/DD/YYYY",
            DateFormat::DayMonthYear => "DD/MM/YYYY",
            DateFormat::DayNumber => "day number",
        }
    }

    /// False for day numbers: weekdays and seasons cannot be known from them.
    pub fn has_calendar(self) -> bool {
        self != DateFormat::DayNumber
    }
}

/// Day numbers are placed on a calendar from this arbitrary origin so every format parses to a date.
fn day_number_origin() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

/// Writes a date in a format, so generated rows read back like the data's own.
pub fn format(date: NaiveDate, format: DateFormat) -> String {
    match format {
        DateFormat::Iso | DateFormat::IsoTimestamp => date.format("%Y-%m-%d").to_string(),
        DateFormat::IsoSlash => date.format("%Y/%m/%d").to_string(),
        DateFormat::Compact => date.format("%Y%m%d").to_string(),
        DateFormat::MonthDayYear => date.format("%m/%d/%Y").to_string(),
        DateFormat::DayMonthYear => date.format("%d/%m/%Y").to_string(),
        DateFormat::DayNumber => (date - day_number_origin()).num_days().to_string(),
    }
}

/// Parses one value in a known format.
pub fn parse(text: &str, format: DateFormat) -> Option<NaiveDate> {
    let text = text.trim();
    match format {
        DateFormat::Iso => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
        DateFormat::IsoTimestamp => {
            let (date, rest) = (text.get(..10)?, text.get(10..)?);
            if !(rest.starts_with(' ') || rest.starts_with('T')) {
                return None;
            }
            NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
        }
        DateFormat::IsoSlash => NaiveDate::parse_from_str(text, "%Y/%m/%d").ok(),
        DateFormat::Compact => {
            let digits = text.strip_suffix(".0").unwrap_or(text);
            if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let date = NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?;
            (1900..=2200)
                .contains(&chrono::Datelike::year(&date))
                .then_some(date)
        }
        DateFormat::MonthDayYear => NaiveDate::parse_from_str(text, "%m/%d/%Y").ok(),
        DateFormat::DayMonthYear => NaiveDate::parse_from_str(text, "%d/%m/%Y").ok(),
        DateFormat::DayNumber => {
            let number: i64 = text.strip_suffix(".0").unwrap_or(text).parse().ok()?;
            if !(0..=100_000).contains(&number) {
                return None;
            }
            day_number_origin().checked_add_signed(Duration::days(number))
        }
    }
}

/// The format that parses the most present values, when it parses at least `min_share` of them.
/// Day numbers are only considered when `allow_day_numbers` (the column's name says it is time),
/// since any small integer column would parse as them.
pub fn detect(
    values: &[Option<String>],
    allow_day_numbers: bool,
    min_share: f64,
) -> Option<(DateFormat, f64)> {
    let present: Vec<&str> = values
        .iter()
        .flatten()
        .map(String::as_str)
        .take(2000)
        .collect();
    if present.is_empty() {
        return None;
    }
    let mut candidates = vec![
        DateFormat::Iso,
        DateFormat::IsoTimestamp,
        DateFormat::IsoSlash,
        DateFormat::Compact,
        month_or_day_first(&present),
    ];
    if allow_day_numbers {
        candidates.push(DateFormat::DayNumber);
    }
    let mut best: Option<(DateFormat, f64)> = None;
    for format in candidates {
        let parsed = present
            .iter()
            .filter(|v| parse(v, format).is_some())
            .count();
        let share = parsed as f64 / present.len() as f64;
        if share >= min_share && best.is_none_or(|(_, s)| share > s) {
            best = Some((format, share));
        }
    }
    best
}

/// Slashed dates are month-first unless a first part above 12 proves them day-first.
fn month_or_day_first(values: &[&str]) -> DateFormat {
    let day_first = values.iter().any(|v| {
        v.split('/')
            .next()
            .and_then(|first| first.trim().parse::<u32>().ok())
            .is_some_and(|first| first > 12)
    });
    if day_first {
        DateFormat::DayMonthYear
    } else {
        DateFormat::MonthDayYear
    }
}

/// Names that suggest a column holds time.
pub fn name_suggests_time(name: &str) -> bool {
    let lower = name.to_lowercase();
    let exact = ["ds", "t", "dt"];
    let within = [
        "date", "day", "time", "week", "period", "日期", "時間", "时间", "日付",
    ];
    exact.contains(&lower.as_str()) || within.iter().any(|hint| lower.contains(hint))
}

/// Names that may hold day numbers (0, 1, 2, …): a day or period index, never a duration or a
/// count of days since something.
pub fn name_suggests_day_number(name: &str) -> bool {
    let tokens: Vec<String> = name
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let timeish = [
        "day", "date", "t", "ds", "period", "time", "dayindex", "daynum",
    ];
    let excluded = [
        "since", "duration", "length", "days", "weeks", "ago", "age", "until",
    ];
    tokens.iter().any(|t| timeish.contains(&t.as_str()))
        && !tokens.iter().any(|t| excluded.contains(&t.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(items: &[&str]) -> Vec<Option<String>> {
        items.iter().map(|s| Some(s.to_string())).collect()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn detects_each_format() {
        let cases: [(&[&str], DateFormat); 6] = [
            (&["2016-05-16", "2016-05-17"], DateFormat::Iso),
            (&["20160516", "20160517"], DateFormat::Compact),
            (&["05/16/2016", "05/17/2016"], DateFormat::MonthDayYear),
            (&["16/05/2016", "17/05/2016"], DateFormat::DayMonthYear),
            (&["2016/05/16"], DateFormat::IsoSlash),
            (
                &["2016-05-16 10:00:00", "2016-05-17T08:30:00Z"],
                DateFormat::IsoTimestamp,
            ),
        ];
        for (items, expected) in cases {
            let (format, share) = detect(&values(items), false, 0.9).unwrap();
            assert_eq!(format, expected, "{items:?}");
            assert_eq!(share, 1.0);
            assert_eq!(parse(items[0], format), Some(ymd(2016, 5, 16)));
        }
    }

    #[test]
    fn day_numbers_only_when_allowed() {
        let days = values(&["0", "1", "2", "3"]);
        assert!(detect(&days, false, 0.9).is_none());
        let (format, _) = detect(&days, true, 0.9).unwrap();
        assert_eq!(format, DateFormat::DayNumber);
        assert!(!format.has_calendar());
    }

    #[test]
    fn format_round_trips_through_parse() {
        let date = ymd(2026, 3, 2);
        for format in [
            DateFormat::Iso,
            DateFormat::IsoSlash,
            DateFormat::Compact,
            DateFormat::MonthDayYear,
            DateFormat::DayMonthYear,
            DateFormat::DayNumber,
        ] {
            assert_eq!(
                parse(&self::format(date, format), format),
                Some(date),
                "{format:?}"
            );
        }
    }

    #[test]
    fn day_number_names() {
        assert!(name_suggests_day_number("day"));
        assert!(name_suggests_day_number("period_t"));
        assert!(!name_suggests_day_number("duration_days"));
        assert!(!name_suggests_day_number("weeks_since_visit"));
    }

    #[test]
    fn compact_integers_from_numeric_columns_parse() {
        assert_eq!(
            parse("20160712", DateFormat::Compact),
            Some(ymd(2016, 7, 12))
        );
        assert_eq!(parse("12345678", DateFormat::Compact), None);
    }

    #[test]
    fn text_is_not_a_date() {
        assert!(detect(&values(&["Web", "Phone"]), true, 0.9).is_none());
    }
}
