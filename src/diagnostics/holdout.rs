//! How wrong the model is on the rows it never trained on, and where: every error measure that
//! fits the outcome beside naive baselines (the training mean per lever value; for time data the
//! same weekday of the last week before the holdout), interval coverage, a reliability curve for
//! binary outcomes, and the error ranked by its sources (dimension values, lever values, weeks).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{metrics, pit};
use crate::data::column;
use crate::data::controls::row_dates;
use crate::data::roles::OutcomeKind;
use crate::model::{ForecastModel, ModelError, holdout_split_of};

/// Rows of the predicted-against-actual scatter kept at most (evenly spaced).
const MAX_SCATTER_POINTS: usize = 2_000;
/// Bins of the reliability curve.
const RELIABILITY_BINS: usize = 10;
/// Error sources listed.
const TOP_SOURCES: usize = 5;

/// The holdout diagnostics of every outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldoutReport {
    /// How the holdout was chosen.
    pub split_rule: String,
    pub outcomes: Vec<OutcomeReport>,
}

/// One outcome's diagnostics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeReport {
    pub outcome: String,
    pub kind: OutcomeKind,
    pub rows: usize,
    pub scores: Vec<MetricRow>,
    /// In words: does the model beat the naive baselines on the main measure?
    pub verdict: String,
    /// Nominal level and the share of holdout rows inside their interval.
    pub coverage: Vec<(f64, f64)>,
    /// Binary outcomes: mean predicted probability against the observed rate, per bin.
    pub reliability: Vec<ReliabilityBin>,
    /// The largest sources of absolute error.
    pub error_sources: Vec<ErrorSource>,
    /// (actual, predicted) of holdout rows, evenly thinned.
    pub scatter: Vec<[f64; 2]>,
    /// Time data: per holdout date, (date, actual total, predicted total).
    pub by_date: Vec<(NaiveDate, f64, f64)>,
    /// Caveats of the figures (rows skipped and why).
    pub notes: Vec<String>,
    /// PIT histogram of the held-out actuals (density per bin; flat at 1 when calibrated).
    #[serde(default)]
    pub pit: Vec<f64>,
    /// The PIT histogram's shape in words.
    #[serde(default)]
    pub pit_reading: String,
}

/// One error measure for the model and the baselines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    pub metric: String,
    pub higher_is_better: bool,
    pub model: f64,
    /// The training mean of the outcome for the row's lever values.
    pub naive_lever_mean: f64,
    /// Time data: the same weekday in the last week before the holdout, same dimensions.
    pub seasonal_naive: Option<f64>,
}

impl MetricRow {
    /// True when the model is at least as good as `other`.
    pub fn model_beats(&self, other: f64) -> bool {
        if !other.is_finite() {
            return self.model.is_finite();
        }
        if self.higher_is_better {
            self.model >= other
        } else {
            self.model <= other
        }
    }

    /// True when the model is at least as good as every baseline this row has.
    pub fn beats_baselines(&self) -> bool {
        self.model_beats(self.naive_lever_mean)
            && self.seasonal_naive.is_none_or(|s| self.model_beats(s))
    }
}

/// One bin of the reliability curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub predicted: f64,
    pub observed: f64,
    pub rows: usize,
}

/// A group of holdout rows and its part of the absolute error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorSource {
    /// `segment = vip`, `discount_pct = 20`, `week of 2025-11-03`.
    pub source: String,
    pub rows: usize,
    pub absolute_error: f64,
    /// Of the outcome's total absolute error.
    pub share: f64,
    /// Of the held-out rows: a group whose error share exceeds its row share is where the
    /// model is worse than elsewhere.
    pub row_share: f64,
    /// Mean of predicted − actual: positive when the model over-predicts there.
    pub bias: f64,
}

/// Scores `frame` (the training data) on the rows the model held out.
pub fn holdout_report(
    model: &ForecastModel,
    frame: &DataFrame,
) -> Result<HoldoutReport, ModelError> {
    let schema = &model.meta.schema;
    let split = holdout_split_of(frame, schema, &model.meta.config)?;
    let predictions = model.predict_as_is(frame)?;
    let dates = row_dates(frame, schema);
    let lever_keys = group_keys(
        frame,
        &schema
            .levers
            .iter()
            .map(|l| l.column.clone())
            .collect::<Vec<_>>(),
    );
    let dimension_keys = group_keys(frame, &schema.dimensions);
    let groups = source_groups(frame, schema, dates.as_deref());
    let outcomes = model
        .meta
        .encoder
        .outcomes
        .iter()
        .enumerate()
        .map(|(j, target)| {
            let actual = column::numbers(frame, &target.column).unwrap_or_default();
            let known = |row: usize| actual.get(row).copied().flatten();
            let (rows, truth, predicted) =
                crate::model::metrics::known_rows(&split.holdout, &actual, &predictions, j);
            let naive =
                crate::model::metrics::group_means(&lever_keys, &split.train, &known, &rows);
            let seasonal = dates
                .as_deref()
                .map(|dates| seasonal_naive(dates, &dimension_keys, &split.train, &known, &rows));
            let mut notes = Vec::new();
            let scores = score_rows(
                target.kind,
                &predicted,
                &truth,
                &naive,
                seasonal.as_deref(),
                &mut notes,
            );
            let verdict = verdict(&target.column, &scores);
            let coverage = model
                .meta
                .intervals
                .get(j)
                .filter(|_| target.kind != OutcomeKind::Binary)
                .map(|band| {
                    band.levels
                        .iter()
                        .map(|q| {
                            let inside = predicted
                                .iter()
                                .zip(&truth)
                                .filter(|(m, y)| {
                                    let (low, high) = band.row_interval(**m, q.level);
                                    **y >= low - 1e-9 && **y <= high + 1e-9
                                })
                                .count();
                            (q.level, inside as f64 / truth.len().max(1) as f64)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let pit_ranges = if target.kind == OutcomeKind::Binary {
                pit::binary_ranges(&predicted, &truth)
            } else {
                let residual = |mean: f64, y: f64| {
                    let mean = mean.max(1e-9);
                    (y - mean) / mean.sqrt()
                };
                let reference: Vec<f64> = split
                    .validation
                    .iter()
                    .filter_map(|&r| Some(residual(f64::from(predictions.mean(r, j)), known(r)?)))
                    .collect();
                let held_out: Vec<f64> = predicted
                    .iter()
                    .zip(&truth)
                    .map(|(m, y)| residual(*m, *y))
                    .collect();
                pit::empirical_ranges(&reference, &held_out)
            };
            let pit = pit::histogram(&pit_ranges);
            let reliability = if target.kind == OutcomeKind::Binary {
                reliability_curve(&predicted, &truth)
            } else {
                Vec::new()
            };
            OutcomeReport {
                outcome: target.column.clone(),
                kind: target.kind,
                rows: truth.len(),
                error_sources: error_sources(&groups, &rows, &predicted, &truth),
                scatter: thin(&truth, &predicted),
                by_date: dates
                    .as_deref()
                    .map(|dates| totals_by_date(dates, &rows, &truth, &predicted))
                    .unwrap_or_default(),
                scores,
                verdict,
                coverage,
                reliability,
                notes,
                pit_reading: pit::reading(&pit),
                pit,
            }
        })
        .collect();
    Ok(HoldoutReport {
        split_rule: split.rule,
        outcomes,
    })
}

/// The measures that fit the outcome's kind, for the model and each baseline.
fn score_rows(
    kind: OutcomeKind,
    predicted: &[f64],
    truth: &[f64],
    naive: &[f64],
    seasonal: Option<&[f64]>,
    notes: &mut Vec<String>,
) -> Vec<MetricRow> {
    let row = |metric: &str, higher_is_better: bool, f: &dyn Fn(&[f64], &[f64]) -> f64| MetricRow {
        metric: metric.into(),
        higher_is_better,
        model: f(predicted, truth),
        naive_lever_mean: f(naive, truth),
        seasonal_naive: seasonal.map(|s| f(s, truth)),
    };
    match kind {
        OutcomeKind::Binary => vec![
            row("log_loss", false, &metrics::log_loss),
            row("auc", true, &metrics::auc),
            row("brier", false, &metrics::brier),
        ],
        OutcomeKind::Count | OutcomeKind::Amount => {
            let (_, skipped) = metrics::rmspe(predicted, truth);
            if skipped > 0 {
                notes.push(format!(
                    "RMSPE skips {skipped} of {} rows whose actual is 0 (a percentage of 0 is undefined).",
                    truth.len()
                ));
            }
            let (name, deviance) = metrics::proper_score(kind);
            let deviance = row(name, false, &deviance);
            vec![
                row("wape", false, &metrics::wape),
                row("mae", false, &metrics::mae),
                row("rmse", false, &metrics::rmse),
                row("rmspe", false, &|p, y| metrics::rmspe(p, y).0),
                deviance,
            ]
        }
    }
}

/// One sentence on the main measure (the first row): beats both baselines, or says which not.
fn verdict(outcome: &str, scores: &[MetricRow]) -> String {
    let Some(main) = scores.first() else {
        return format!("{outcome}: no holdout rows to score.");
    };
    let mut losses = Vec::new();
    if !main.model_beats(main.naive_lever_mean) {
        losses.push(format!(
            "the mean per lever value ({:.4})",
            main.naive_lever_mean
        ));
    }
    if let Some(seasonal) = main.seasonal_naive
        && !main.model_beats(seasonal)
    {
        losses.push(format!("same weekday last week ({seasonal:.4})"));
    }
    let baselines = if main.seasonal_naive.is_some() {
        "both naive baselines"
    } else {
        "the naive baseline"
    };
    if losses.is_empty() {
        format!(
            "{outcome}: the model beats {baselines} on {} ({:.4}).",
            main.metric, main.model
        )
    } else {
        format!(
            "{outcome}: the model does NOT beat {} on {} ({:.4}); treat its forecasts with care.",
            losses.join(" or "),
            main.metric,
            main.model
        )
    }
}

/// Each row's values of `columns`, joined: the row's group.
fn group_keys(frame: &DataFrame, columns: &[String]) -> Vec<String> {
    let mut keys = vec![String::new(); frame.height()];
    for name in columns {
        let texts = column::texts(frame, name).unwrap_or_default();
        for (key, text) in keys.iter_mut().zip(texts) {
            key.push_str(text.as_deref().unwrap_or(""));
            key.push('\u{1f}');
        }
    }
    keys
}

/// For each holdout row, the mean outcome of its dimension group on the same weekday in the
/// last training week (no holdout actual is used); the group's training mean when that day
/// is missing.
fn seasonal_naive(
    dates: &[Option<NaiveDate>],
    keys: &[String],
    train: &[usize],
    known: &dyn Fn(usize) -> Option<f64>,
    rows: &[usize],
) -> Vec<f64> {
    let last = train.iter().filter_map(|&r| dates[r]).max();
    let mut last_week: HashMap<(&str, u32), (f64, usize)> = HashMap::new();
    if let Some(last) = last {
        let from = last - Duration::days(6);
        for &row in train {
            if let (Some(date), Some(y)) = (dates[row], known(row))
                && date >= from
            {
                let entry = last_week
                    .entry((keys[row].as_str(), date.weekday().num_days_from_monday()))
                    .or_default();
                entry.0 += y;
                entry.1 += 1;
            }
        }
    }
    let fallback = crate::model::metrics::group_means(keys, train, known, rows);
    rows.iter()
        .zip(fallback)
        .map(|(&row, fallback)| {
            dates[row]
                .and_then(|d| {
                    last_week.get(&(keys[row].as_str(), d.weekday().num_days_from_monday()))
                })
                .map(|(sum, count)| sum / *count as f64)
                .unwrap_or(fallback)
        })
        .collect()
}

/// Each row's named groups: one per dimension value, lever value and (time data) week.
fn source_groups(
    frame: &DataFrame,
    schema: &crate::data::schema::Schema,
    dates: Option<&[Option<NaiveDate>]>,
) -> Vec<Vec<String>> {
    let mut groups = vec![Vec::new(); frame.height()];
    let columns = schema
        .dimensions
        .iter()
        .chain(schema.levers.iter().map(|l| &l.column));
    for name in columns {
        let texts = column::texts(frame, name).unwrap_or_default();
        for (row, text) in texts.into_iter().enumerate() {
            groups[row].push(format!(
                "{name} = {}",
                text.as_deref().unwrap_or("(missing)")
            ));
        }
    }
    if let Some(dates) = dates {
        for (row, date) in dates.iter().enumerate() {
            if let Some(date) = date {
                let monday =
                    *date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
                groups[row].push(format!("week of {monday}"));
            }
        }
    }
    groups
}

/// The groups with the largest absolute error, with their share of the total.
fn error_sources(
    groups: &[Vec<String>],
    rows: &[usize],
    predicted: &[f64],
    truth: &[f64],
) -> Vec<ErrorSource> {
    let total: f64 = predicted
        .iter()
        .zip(truth)
        .map(|(p, y)| (p - y).abs())
        .sum();
    let mut by_group: BTreeMap<&str, (usize, f64, f64)> = BTreeMap::new();
    for ((&row, p), y) in rows.iter().zip(predicted).zip(truth) {
        for group in &groups[row] {
            let entry = by_group.entry(group.as_str()).or_default();
            entry.0 += 1;
            entry.1 += (p - y).abs();
            entry.2 += p - y;
        }
    }
    let held_out = rows.len().max(1) as f64;
    let mut sources: Vec<ErrorSource> = by_group
        .into_iter()
        .map(|(source, (count, absolute, signed))| ErrorSource {
            source: source.to_owned(),
            rows: count,
            absolute_error: absolute,
            share: if total > 0.0 { absolute / total } else { 0.0 },
            row_share: count as f64 / held_out,
            bias: signed / count.max(1) as f64,
        })
        .collect();
    // Ranked by the error beyond the group's size: a group holding 90% of the rows holds most
    // of the error without being a source of it.
    sources.sort_by(|a, b| (b.share - b.row_share).total_cmp(&(a.share - a.row_share)));
    // Groups of the very same rows (every lever at "none" on no-campaign days) are one source.
    let mut seen = Vec::new();
    sources.retain(|s| {
        let key = (s.rows, s.absolute_error.to_bits());
        let fresh = !seen.contains(&key);
        seen.push(key);
        fresh && s.share > s.row_share
    });
    sources.truncate(TOP_SOURCES);
    sources
}

/// Equal-count bins of the predicted probability.
fn reliability_curve(predicted: &[f64], truth: &[f64]) -> Vec<ReliabilityBin> {
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]));
    let size = order.len().div_ceil(RELIABILITY_BINS).max(1);
    order
        .chunks(size)
        .map(|bin| {
            let n = bin.len() as f64;
            ReliabilityBin {
                predicted: bin.iter().map(|&i| predicted[i]).sum::<f64>() / n,
                observed: bin.iter().map(|&i| truth[i]).sum::<f64>() / n,
                rows: bin.len(),
            }
        })
        .collect()
}

/// At most MAX_SCATTER_POINTS (actual, predicted) pairs, evenly spaced.
fn thin(truth: &[f64], predicted: &[f64]) -> Vec<[f64; 2]> {
    let step = truth.len().div_ceil(MAX_SCATTER_POINTS).max(1);
    truth
        .iter()
        .zip(predicted)
        .step_by(step)
        .map(|(y, p)| [*y, *p])
        .collect()
}

fn totals_by_date(
    dates: &[Option<NaiveDate>],
    rows: &[usize],
    truth: &[f64],
    predicted: &[f64],
) -> Vec<(NaiveDate, f64, f64)> {
    let mut totals: BTreeMap<NaiveDate, (f64, f64)> = BTreeMap::new();
    for ((&row, y), p) in rows.iter().zip(truth).zip(predicted) {
        if let Some(date) = dates[row] {
            let entry = totals.entry(date).or_default();
            entry.0 += y;
            entry.1 += p;
        }
    }
    totals.into_iter().map(|(d, (y, p))| (d, y, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmspe_says_when_it_skips_rows_whose_actual_is_zero() {
        let mut notes = Vec::new();
        let predicted = [1.0, 2.0, 3.0];
        score_rows(
            OutcomeKind::Count,
            &predicted,
            &[1.0, 0.0, 3.0],
            &predicted,
            None,
            &mut notes,
        );
        assert_eq!(
            notes,
            ["RMSPE skips 1 of 3 rows whose actual is 0 (a percentage of 0 is undefined)."]
        );
        notes.clear();
        score_rows(
            OutcomeKind::Count,
            &predicted,
            &[1.0, 2.0, 3.0],
            &predicted,
            None,
            &mut notes,
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn error_sources_rank_groups_by_their_share() {
        let groups = vec![
            vec!["segment = a".to_owned()],
            vec!["segment = a".to_owned()],
            vec!["segment = b".to_owned()],
        ];
        let sources = error_sources(&groups, &[0, 1, 2], &[2.0, 2.0, 9.0], &[1.0, 1.0, 1.0]);
        assert_eq!(sources.len(), 1, "only b holds more error than rows");
        assert_eq!(sources[0].source, "segment = b");
        assert!((sources[0].share - 0.8).abs() < 1e-12, "8 of 10");
        assert!((sources[0].row_share - 1.0 / 3.0).abs() < 1e-12);
        assert!((sources[0].bias - 8.0).abs() < 1e-12, "over-predicts by 8");
    }

    #[test]
    fn the_seasonal_naive_uses_only_the_last_training_week() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 1, d);
        // Training: Mondays 6th (y = 5) and 13th (y = 7); holdout: Monday 20th.
        let dates = vec![day(6), day(13), day(20)];
        let keys = vec!["a".to_owned(); 3];
        let actual = [5.0, 7.0, 100.0];
        let known = |r: usize| Some(actual[r]);
        let forecast = seasonal_naive(&dates, &keys, &[0, 1], &known, &[2]);
        assert_eq!(forecast, vec![7.0]);
    }

    #[test]
    fn reliability_bins_pair_predicted_and_observed_rates() {
        let predicted: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let truth: Vec<f64> = (0..100).map(|i| if i >= 50 { 1.0 } else { 0.0 }).collect();
        let bins = reliability_curve(&predicted, &truth);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[0].observed, 0.0);
        assert_eq!(bins[9].observed, 1.0);
        assert!(bins.iter().map(|b| b.rows).sum::<usize>() == 100);
    }

    #[test]
    fn the_verdict_names_a_baseline_the_model_loses_to() {
        let rows = vec![MetricRow {
            metric: "wape".into(),
            higher_is_better: false,
            model: 0.5,
            naive_lever_mean: 0.4,
            seasonal_naive: Some(0.6),
        }];
        let text = verdict("orders", &rows);
        assert!(
            text.contains("does NOT beat the mean per lever value"),
            "{text}"
        );
        assert!(!text.contains("weekday"), "{text}");
    }
}
