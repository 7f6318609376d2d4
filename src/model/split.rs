//! Which rows train, which pick the stopping epoch, and which are held out for the reported
//! metrics. Time data holds out its last dates; other data uses the fixed `i % 5 == 4` rule of
//! ANCHORS.md so figures compare with LightGBM's.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Share of the latest dates held out for the reported metrics.
pub const HOLDOUT_SHARE: f64 = 0.2;
/// Share of the training dates (the latest) used to stop early.
pub const VALIDATION_SHARE: f64 = 0.1;

/// Row indices of the three parts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub holdout: Vec<usize>,
    /// How the split was made, for reports.
    pub rule: String,
}

/// One fold of a k-fold cross-validation of unit data: rows with `i % folds == fold` are held
/// out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvFold {
    pub fold: usize,
    pub folds: usize,
}

/// Splits by date when `dates` is given (one per row), else by row number. With
/// `holdout_from`, time data holds out the dates from that one on (a backtest's cut-off); with
/// `cv_fold`, data without dates holds out that fold's rows.
pub fn split_rows(
    rows: usize,
    dates: Option<&[Option<NaiveDate>]>,
    holdout_from: Option<NaiveDate>,
    cv_fold: Option<CvFold>,
) -> Split {
    match (dates, cv_fold) {
        (Some(dates), _) => by_date(dates, holdout_from),
        (None, Some(fold)) if fold.folds >= 2 => by_fold(rows, fold),
        (None, _) => by_row_number(rows),
    }
}

/// The split of a final fit: nothing is held out. Time data trains on every date but the
/// latest `VALIDATION_SHARE`, which stops early; other data keeps its validation rows and
/// trains on the rest, the usual holdout included.
pub fn final_fit_rows(rows: usize, dates: Option<&[Option<NaiveDate>]>) -> Split {
    match dates {
        Some(dates) => {
            // A cut-off after every date: the holdout is empty.
            let mut split = by_date(dates, Some(NaiveDate::MAX));
            let validation_from = split.validation.iter().filter_map(|&r| dates[r]).min();
            split.rule = format!(
                "final fit: nothing held out; dates from {} stop early",
                validation_from.map(|d| d.to_string()).unwrap_or_default()
            );
            split
        }
        None => {
            let mut split = by_row_number(rows);
            split.train.append(&mut split.holdout);
            split.train.sort_unstable();
            split.rule = "final fit: nothing held out; i % 10 == 8 stop early".into();
            split
        }
    }
}

/// Cross-validation: the fold's rows are held out; of the others, every tenth stops early.
fn by_fold(rows: usize, cv: CvFold) -> Split {
    let mut split = Split {
        rule: format!(
            "fold {} of {}: rows with index i % {} == {} held out; every tenth other row stops early",
            cv.fold + 1,
            cv.folds,
            cv.folds,
            cv.fold
        ),
        ..Default::default()
    };
    for row in 0..rows {
        if row % cv.folds == cv.fold {
            split.holdout.push(row);
        } else if (row / cv.folds) % 10 == 8 {
            split.validation.push(row);
        } else {
            split.train.push(row);
        }
    }
    split
}

fn by_row_number(rows: usize) -> Split {
    let mut split = Split {
        rule: "rows with index i % 5 == 4 held out; i % 10 == 8 stop early".into(),
        ..Default::default()
    };
    for row in 0..rows {
        if row % 5 == 4 {
            split.holdout.push(row);
        } else if row % 10 == 8 {
            split.validation.push(row);
        } else {
            split.train.push(row);
        }
    }
    split
}

fn by_date(dates: &[Option<NaiveDate>], cut_off: Option<NaiveDate>) -> Split {
    let distinct: Vec<NaiveDate> = dates
        .iter()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cut = |share: f64, count: usize| {
        count - ((count as f64 * share).round() as usize).clamp(1, count.max(1))
    };
    let (holdout_from, train_dates) = match cut_off {
        Some(date) => (Some(date), distinct.partition_point(|d| *d < date)),
        None => {
            let train_dates = cut(HOLDOUT_SHARE, distinct.len());
            (distinct.get(train_dates).copied(), train_dates)
        }
    };
    let validation_from = distinct.get(cut(VALIDATION_SHARE, train_dates)).copied();
    let mut split = Split {
        rule: format!(
            "dates from {} held out; dates from {} stop early",
            holdout_from.map(|d| d.to_string()).unwrap_or_default(),
            validation_from.map(|d| d.to_string()).unwrap_or_default()
        ),
        ..Default::default()
    };
    for (row, date) in dates.iter().enumerate() {
        let Some(date) = date else { continue };
        if holdout_from.is_some_and(|from| *date >= from) {
            split.holdout.push(row);
        } else if validation_from.is_some_and(|from| *date >= from) {
            split.validation.push(row);
        } else {
            split.train.push(row);
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_fit_holds_nothing_out() {
        let day = |d: u32| Some(NaiveDate::from_ymd_opt(2024, 1, d).unwrap());
        let dates: Vec<Option<NaiveDate>> = (1..=20).map(day).collect();
        let evaluated = split_rows(20, Some(&dates), None, None);
        let last = final_fit_rows(20, Some(&dates));
        assert!(last.holdout.is_empty(), "{last:?}");
        // Most of the evaluated split's holdout dates train now; the latest still stop early.
        assert!(evaluated.holdout.iter().any(|r| last.train.contains(r)));
        assert_eq!(last.validation, vec![18, 19]);
        assert_eq!(last.train.len() + last.validation.len(), 20);
        assert!(
            last.rule.starts_with("final fit: nothing held out"),
            "{}",
            last.rule
        );

        let units = final_fit_rows(20, None);
        assert!(units.holdout.is_empty());
        assert!(units.train.contains(&4) && units.train.contains(&19));
        assert!(units.validation.iter().all(|r| r % 10 == 8));
        assert_eq!(units.train.len() + units.validation.len(), 20);
    }

    #[test]
    fn row_rule_matches_anchors() {
        let split = split_rows(20, None, None, None);
        assert_eq!(split.holdout, vec![4, 9, 14, 19]);
        assert!(split.validation.iter().all(|r| r % 10 == 8));
        assert_eq!(
            split.train.len() + split.validation.len() + split.holdout.len(),
            20
        );
    }

    #[test]
    fn date_rule_holds_out_the_latest_dates() {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let dates: Vec<Option<NaiveDate>> = (0..100)
            .map(|d| Some(start + chrono::Duration::days(d)))
            .collect();
        let split = split_rows(100, Some(&dates), None, None);
        assert_eq!(split.holdout.len(), 20);
        assert_eq!(split.holdout[0], 80);
        assert_eq!(split.validation.len(), 8);
        assert!(split.train.iter().all(|&r| r < 72));
    }

    #[test]
    fn folds_hold_out_every_row_once_and_never_train_on_it() {
        let mut held = vec![0usize; 53];
        for fold in 0..4 {
            let split = split_rows(53, None, None, Some(CvFold { fold, folds: 4 }));
            assert_eq!(
                split.train.len() + split.validation.len() + split.holdout.len(),
                53
            );
            for &row in &split.holdout {
                held[row] += 1;
                assert!(!split.train.contains(&row) && !split.validation.contains(&row));
            }
            assert!(!split.validation.is_empty());
        }
        assert!(held.iter().all(|&h| h == 1));
    }
}
