//! Summing a forecast: scenario against baseline per outcome, with intervals, plus each row's
//! predictions for export.

use serde::{Deserialize, Serialize};

use super::ModelMeta;
use super::encode::OutcomeTarget;
use super::metrics::quantile;
use super::predict::MemberPredictions;
use crate::data::roles::OutcomeKind;
use crate::numbers::significant;

/// Normal quantile of the 80% central interval.
const Z80: f64 = 1.281_551_565_5;

/// One outcome of a forecast: scenario against baseline over a population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeForecast {
    pub outcome: String,
    pub rows: usize,
    pub scenario_total: f64,
    pub baseline_total: f64,
    pub scenario_mean: f64,
    pub baseline_mean: f64,
    /// 80% interval of the scenario total: the members' spread and the outcome's own noise.
    pub scenario_low: f64,
    pub scenario_high: f64,
    /// 80% interval of the baseline total, built the same way.
    #[serde(default)]
    pub baseline_low: f64,
    #[serde(default)]
    pub baseline_high: f64,
    pub lift: f64,
    pub lift_mean: f64,
    pub lift_pct: f64,
    /// 10% and 90% quantiles of the members' total lift (the model's uncertainty about the
    /// effect; the outcome noise of one population does not enter a difference of two worlds).
    pub lift_low: f64,
    pub lift_high: f64,
    /// Each ensemble member's scenario and baseline totals: paired draws for money intervals,
    /// probabilities and comparisons.
    pub member_scenario_totals: Vec<f64>,
    pub member_baseline_totals: Vec<f64>,
}

/// Per-row predictions of one outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RowPredictions {
    pub outcome: String,
    pub scenario: Vec<f64>,
    pub baseline: Vec<f64>,
    /// 80% interval of the scenario prediction.
    pub scenario_low: Vec<f64>,
    pub scenario_high: Vec<f64>,
}

/// A funnel rate derived from predicted totals (never modelled directly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelRate {
    /// `CTR` (clicks per exposure), `CVR` (orders per click) or `AOV` (revenue per order).
    pub name: String,
    pub numerator: String,
    pub denominator: String,
    pub scenario: f64,
    pub baseline: f64,
}

impl FunnelRate {
    /// "CTR (clicks per exposure): 0.03858 with the campaign, 0.02939 without (from the
    /// predicted totals)", as the workbench and the CLI show it.
    pub fn in_words(&self) -> String {
        format!(
            "{} ({} per {}): {} with the campaign, {} without (from the predicted totals)",
            self.name,
            self.numerator,
            self.denominator,
            significant(self.scenario, 4),
            significant(self.baseline, 4)
        )
    }
}

/// A whole forecast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub outcomes: Vec<OutcomeForecast>,
    /// Funnel rates where the outcomes allow them.
    pub funnel: Vec<FunnelRate>,
    #[serde(skip)]
    pub rows: Vec<RowPredictions>,
    /// Rows with a segment, store or other dimension value never seen in training: their
    /// forecasts rest on the average of the others.
    pub cold_start_rows: usize,
    #[serde(skip)]
    pub cold_start: Vec<bool>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn variance(values: &[f64]) -> f64 {
    let m = mean(values);
    values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len().max(2) - 1) as f64
}

/// What a forecast keeps of its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowDetail {
    /// Every row's predictions and interval, and which rows are cold starts.
    Keep,
    /// Totals only (`rows` and `cold_start` empty, the cold-start count kept): what a
    /// response curve's points and a lift decomposition's subsets read.
    TotalsOnly,
}

/// One outcome's forecast from each member's scenario and baseline totals and the outcome
/// noise variance of each total.
fn outcome_forecast(
    outcome: &str,
    rows: usize,
    (scenario_members, baseline_members): (Vec<f64>, Vec<f64>),
    (scenario_noise, baseline_noise): (f64, f64),
) -> OutcomeForecast {
    let member_lifts: Vec<f64> = scenario_members
        .iter()
        .zip(&baseline_members)
        .map(|(a, b)| a - b)
        .collect();
    let scenario_total = mean(&scenario_members);
    let baseline_total = mean(&baseline_members);
    let spread = (variance(&scenario_members) + scenario_noise).sqrt() * Z80;
    let baseline_spread = (variance(&baseline_members) + baseline_noise).sqrt() * Z80;
    let lift = scenario_total - baseline_total;
    let per_row_count = rows.max(1) as f64;
    OutcomeForecast {
        outcome: outcome.to_owned(),
        rows,
        scenario_total,
        baseline_total,
        scenario_mean: scenario_total / per_row_count,
        baseline_mean: baseline_total / per_row_count,
        scenario_low: (scenario_total - spread).max(0.0),
        scenario_high: scenario_total + spread,
        baseline_low: (baseline_total - baseline_spread).max(0.0),
        baseline_high: baseline_total + baseline_spread,
        lift,
        lift_mean: lift / per_row_count,
        lift_pct: if baseline_total.abs() > 0.0 {
            lift / baseline_total * 100.0
        } else {
            0.0
        },
        lift_low: quantile(&member_lifts, 0.1),
        lift_high: quantile(&member_lifts, 0.9),
        member_scenario_totals: scenario_members,
        member_baseline_totals: baseline_members,
    }
}

/// A totals-only forecast (`RowDetail::TotalsOnly`) of outcomes that are all counts or
/// amounts, from each member's totals `[outcome][member]`: their outcome noise is the
/// dispersion times the expected total, which the totals give without the rows.
pub fn summarise_totals(
    meta: &ModelMeta,
    scenario: Vec<Vec<f64>>,
    baseline: Vec<Vec<f64>>,
    rows: usize,
    cold_start_rows: usize,
    exposure_total: Option<f64>,
) -> Forecast {
    let outcomes: Vec<OutcomeForecast> = meta
        .encoder
        .outcomes
        .iter()
        .enumerate()
        .zip(scenario.into_iter().zip(baseline))
        .map(|((j, outcome), (with, without))| {
            let dispersion = meta.intervals.get(j).map_or(1.0, |b| b.dispersion);
            let noises = (dispersion * mean(&with), dispersion * mean(&without));
            outcome_forecast(&outcome.column, rows, (with, without), noises)
        })
        .collect();
    let funnel = funnel_rates(&outcomes, exposure_total);
    Forecast {
        outcomes,
        funnel,
        rows: Vec::new(),
        cold_start_rows,
        cold_start: Vec::new(),
    }
}

/// Sums scenario and baseline predictions of the same rows into a forecast.
/// `exposure_total` is the population's summed exposure (messages, impressions), when the
/// model has an exposure column.
pub fn summarise(
    meta: &ModelMeta,
    with: &MemberPredictions,
    without: &MemberPredictions,
    cold_start: &[bool],
    exposure_total: Option<f64>,
    detail: RowDetail,
) -> Forecast {
    let rows = with.rows;
    let mut outcomes = Vec::new();
    let mut per_row = Vec::new();
    for (j, outcome) in meta.encoder.outcomes.iter().enumerate() {
        let band = meta.intervals.get(j);
        let scenario_members = with.member_totals(j);
        let baseline_members = without.member_totals(j);
        let row_means = |predictions: &MemberPredictions| -> Vec<f64> {
            (0..rows)
                .map(|r| f64::from(predictions.mean(r, j)))
                .collect()
        };
        let scenario_means = row_means(with);
        let baseline_means = row_means(without);
        // Noise of a total: Bernoulli variance for binary rows, dispersion × mean otherwise.
        let noise = |means: &[f64]| -> f64 {
            match outcome.kind {
                OutcomeKind::Binary => means.iter().map(|p| p * (1.0 - p)).sum(),
                _ => band.map(|b| b.dispersion).unwrap_or(1.0) * means.iter().sum::<f64>(),
            }
        };
        let noises = (noise(&scenario_means), noise(&baseline_means));
        outcomes.push(outcome_forecast(
            &outcome.column,
            rows,
            (scenario_members, baseline_members),
            noises,
        ));
        if detail == RowDetail::TotalsOnly {
            continue;
        }
        let (scenario_low, scenario_high): (Vec<f64>, Vec<f64>) = scenario_means
            .iter()
            .map(|&m| band.map(|b| b.row_interval(m, 0.8)).unwrap_or((m, m)))
            .unzip();
        per_row.push(RowPredictions {
            outcome: outcome.column.clone(),
            scenario: scenario_means,
            baseline: baseline_means,
            scenario_low,
            scenario_high,
        });
    }
    let funnel = funnel_rates(&outcomes, exposure_total);
    Forecast {
        outcomes,
        funnel,
        rows: per_row,
        cold_start_rows: cold_start.iter().filter(|c| **c).count(),
        cold_start: match detail {
            RowDetail::Keep => cold_start.to_vec(),
            RowDetail::TotalsOnly => Vec::new(),
        },
    }
}

/// A funnel stage, recognised in an outcome's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Clicks,
    Orders,
    Revenue,
}

impl Stage {
    fn words(self) -> &'static [&'static str] {
        match self {
            Stage::Clicks => &["click"],
            Stage::Orders => &["order", "conversion", "transaction", "purchase"],
            Stage::Revenue => &["revenue", "spend", "gmv", "sales"],
        }
    }
}

/// The position of the outcome that plays `stage`, by name.
fn stage(outcomes: &[OutcomeForecast], wanted: Stage) -> Option<usize> {
    outcomes
        .iter()
        .position(|o| stage_of(&o.outcome) == Some(wanted))
}

/// The stage an outcome's name says it plays.
fn stage_of(name: &str) -> Option<Stage> {
    let name = name.to_lowercase();
    [Stage::Clicks, Stage::Orders, Stage::Revenue]
        .into_iter()
        .find(|stage| stage.words().iter().any(|w| name.contains(w)))
}

/// The funnel parent of each outcome: orders follow clicks, revenue follows orders. Only
/// counts and amounts chain (their log links multiply: orders = clicks × CVR); a binary
/// outcome's logit does not.
pub(crate) fn funnel_parents(outcomes: &[OutcomeTarget]) -> Vec<Option<usize>> {
    let chainable = |o: &OutcomeTarget| o.kind != OutcomeKind::Binary;
    let find = |wanted: Stage| {
        outcomes
            .iter()
            .position(|o| chainable(o) && stage_of(&o.column) == Some(wanted))
    };
    outcomes
        .iter()
        .map(|outcome| {
            if !chainable(outcome) {
                return None;
            }
            match stage_of(&outcome.column) {
                Some(Stage::Orders) => find(Stage::Clicks),
                Some(Stage::Revenue) => find(Stage::Orders),
                _ => None,
            }
        })
        .collect()
}

impl Forecast {
    /// The outcome that plays a funnel stage (orders, revenue), when the model has one.
    pub fn stage(&self, wanted: Stage) -> Option<&OutcomeForecast> {
        stage(&self.outcomes, wanted).map(|index| &self.outcomes[index])
    }
}

/// CTR, CVR and AOV from the predicted totals, where the outcomes and exposure allow.
fn funnel_rates(outcomes: &[OutcomeForecast], exposure_total: Option<f64>) -> Vec<FunnelRate> {
    let clicks = stage(outcomes, Stage::Clicks);
    let orders = stage(outcomes, Stage::Orders);
    let revenue = stage(outcomes, Stage::Revenue);
    let mut rates = Vec::new();
    let mut push = |name: &str, top: &OutcomeForecast, bottom: (&str, f64, f64)| {
        if bottom.1 > 0.0 && bottom.2 > 0.0 {
            rates.push(FunnelRate {
                name: name.into(),
                numerator: top.outcome.clone(),
                denominator: bottom.0.into(),
                scenario: top.scenario_total / bottom.1,
                baseline: top.baseline_total / bottom.2,
            });
        }
    };
    if let (Some(c), Some(exposure)) = (clicks, exposure_total) {
        push("CTR", &outcomes[c], ("exposure", exposure, exposure));
    }
    if let (Some(o), Some(c)) = (orders, clicks) {
        let c = &outcomes[c];
        push(
            "CVR",
            &outcomes[o],
            (&c.outcome, c.scenario_total, c.baseline_total),
        );
    }
    if let (Some(r), Some(o)) = (revenue, orders) {
        let o = &outcomes[o];
        push(
            "AOV",
            &outcomes[r],
            (&o.outcome, o.scenario_total, o.baseline_total),
        );
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::FunnelRate;

    #[test]
    fn a_funnel_rate_reads_with_and_without_the_campaign() {
        let rate = FunnelRate {
            name: "CTR".into(),
            numerator: "clicks".into(),
            denominator: "exposure".into(),
            scenario: 0.038_581_2,
            baseline: 0.029_391,
        };
        assert_eq!(
            rate.in_words(),
            "CTR (clicks per exposure): 0.03858 with the campaign, 0.02939 without (from the \
             predicted totals)"
        );
    }
}
