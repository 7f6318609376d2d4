//! Which campaign arms to test next: Thompson sampling over the model's predictive draws.
//!
//! Each arm (a lever setting) has draws of its value (one per ensemble member, or posterior
//! samples). Thompson sampling gives each arm the share of traffic equal to the probability
//! that it is the best, so arms the model is unsure about (thin data, wide draws) keep getting
//! traffic while clear losers fade. The expected regret of exploiting now is what stopping the
//! test and picking the arm with the best mean is expected to cost against the true best.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StudentT};
use serde::{Deserialize, Serialize};

use super::draws;
use super::evaluate::{ArmError, evaluate_arms};
use super::plan::Plan;
use crate::model::{ForecastModel, LeverSetting};

/// Thompson rounds behind a suggestion's shares.
pub const SUGGESTION_SAMPLES: usize = 10_000;

/// Why arms could not be suggested.
#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    #[error("a next test needs at least two arms to share the traffic")]
    TooFewArms,
    #[error("'{0}' is neither 'profit' nor an outcome of this model")]
    UnknownMetric(String),
    #[error(transparent)]
    Arm(#[from] ArmError),
}

/// One arm's suggestion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmSuggestion {
    pub arm: String,
    pub mean: f64,
    /// Share of the next test's traffic (= probability of being the best arm).
    pub share: f64,
}

/// A suggestion for the next test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub arms: Vec<ArmSuggestion>,
    /// The arm to pick if testing stopped now (best mean).
    pub exploit: String,
    /// Expected shortfall of `exploit` against the true best arm, in the metric's units.
    pub expected_regret: f64,
}

/// A sampler of one arm's value.
struct ArmSampler<'a> {
    draws: &'a [f64],
    mean: f64,
    scale: f64,
    t: Option<StudentT<f64>>,
}

impl<'a> ArmSampler<'a> {
    fn new(draws: &'a [f64]) -> Self {
        let (mean, scale, t) = match draws::predictive(draws) {
            Some((mean, scale, df)) => (mean, scale, StudentT::new(df).ok()),
            None => (draws::mean(draws), 0.0, None),
        };
        Self {
            draws,
            mean,
            scale,
            t,
        }
    }

    /// One Thompson sample: a random draw, or with few draws a Student-t predictive sample.
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        if self.draws.len() >= draws::EMPIRICAL_DRAWS {
            let index = (rand::RngExt::random::<f64>(rng) * self.draws.len() as f64) as usize;
            return self.draws[index.min(self.draws.len() - 1)];
        }
        match &self.t {
            Some(t) => self.mean + self.scale * t.sample(rng),
            None => self.mean,
        }
    }
}

/// Suggests traffic shares for `arms` (name, draws of the metric), from `samples` Thompson
/// rounds; deterministic for a seed.
pub fn suggest(arms: &[(String, Vec<f64>)], samples: usize, seed: u64) -> Suggestion {
    let samplers: Vec<ArmSampler> = arms.iter().map(|(_, d)| ArmSampler::new(d)).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut wins = vec![0usize; arms.len()];
    let exploit = (0..arms.len())
        .max_by(|&a, &b| samplers[a].mean.total_cmp(&samplers[b].mean))
        .unwrap_or(0);
    let mut regret = 0.0;
    let samples = samples.max(1);
    for _ in 0..samples {
        let values: Vec<f64> = samplers.iter().map(|s| s.sample(&mut rng)).collect();
        let best = (0..values.len())
            .max_by(|&a, &b| values[a].total_cmp(&values[b]))
            .unwrap_or(0);
        if let Some(count) = wins.get_mut(best) {
            *count += 1;
        }
        if !values.is_empty() {
            regret += values[best] - values[exploit];
        }
    }
    Suggestion {
        arms: arms
            .iter()
            .zip(&samplers)
            .zip(&wins)
            .map(|(((name, _), sampler), &won)| ArmSuggestion {
                arm: name.clone(),
                mean: sampler.mean,
                share: won as f64 / samples as f64,
            })
            .collect(),
        exploit: arms.get(exploit).map(|a| a.0.clone()).unwrap_or_default(),
        expected_regret: regret / samples as f64,
    }
}

/// Suggests the next test's traffic among `arms` (name, lever settings replacing `base`'s
/// levers of the same name) of one plan: each arm's plan is forecast, and its draws of
/// `metric` (`profit` or an outcome's lift) go to `suggest`.
pub fn suggest_for_plans(
    model: &ForecastModel,
    history: &polars::prelude::DataFrame,
    base: &Plan,
    arms: &[(String, Vec<LeverSetting>)],
    metric: &str,
    seed: u64,
) -> Result<Suggestion, SuggestError> {
    if arms.len() < 2 {
        return Err(SuggestError::TooFewArms);
    }
    let arm_draws = evaluate_arms(model, history, base, arms)?
        .into_iter()
        .map(|forecast| {
            let draws = forecast
                .metric_draws(metric)
                .ok_or_else(|| SuggestError::UnknownMetric(metric.to_owned()))?
                .to_vec();
            Ok((forecast.plan, draws))
        })
        .collect::<Result<Vec<_>, SuggestError>>()?;
    Ok(suggest(&arm_draws, SUGGESTION_SAMPLES, seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Beta, Binomial};

    /// Beta-posterior draws of each arm's conversion rate from its successes and trials.
    fn posterior_draws(successes: u64, trials: u64, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        let beta = Beta::new(1.0 + successes as f64, 1.0 + (trials - successes) as f64).unwrap();
        (0..200).map(|_| beta.sample(rng)).collect()
    }

    /// Regret per round of a policy on arms with known conversion rates.
    fn simulate(rates: &[f64], rounds: usize, per_round: u64, thompson: bool) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let best = rates.iter().copied().fold(f64::MIN, f64::max);
        let (mut successes, mut trials) = (vec![0u64; rates.len()], vec![0u64; rates.len()]);
        let mut regret = Vec::new();
        for round in 0..rounds {
            let shares: Vec<f64> = if thompson {
                let arms: Vec<(String, Vec<f64>)> = (0..rates.len())
                    .map(|i| {
                        (
                            format!("arm{i}"),
                            posterior_draws(successes[i], trials[i], &mut rng),
                        )
                    })
                    .collect();
                suggest(&arms, 2_000, round as u64)
                    .arms
                    .iter()
                    .map(|a| a.share)
                    .collect()
            } else {
                vec![1.0 / rates.len() as f64; rates.len()]
            };
            let mut round_regret = 0.0;
            for (i, share) in shares.iter().enumerate() {
                let n = (share * per_round as f64).round() as u64;
                let converted = Binomial::new(n, rates[i]).unwrap().sample(&mut rng);
                successes[i] += converted;
                trials[i] += n;
                round_regret += n as f64 * (best - rates[i]);
            }
            regret.push(round_regret);
        }
        regret
    }

    #[test]
    fn thompson_regret_is_sublinear_and_beats_uniform() {
        let rates = [0.04, 0.05, 0.06, 0.075];
        let thompson = simulate(&rates, 40, 1_000, true);
        let uniform = simulate(&rates, 40, 1_000, false);
        let total = |r: &[f64]| r.iter().sum::<f64>();
        assert!(total(&thompson) < 0.5 * total(&uniform), "{thompson:?}");
        // Sublinear: the last ten rounds cost far less than the first ten.
        assert!(
            total(&thompson[30..]) < 0.5 * total(&thompson[..10]),
            "{thompson:?}"
        );
        // Deterministic for the seeds.
        assert_eq!(thompson, simulate(&rates, 40, 1_000, true));
    }

    #[test]
    fn uncertain_arms_get_traffic_and_clear_losers_do_not() {
        let arms = vec![
            ("sure".to_owned(), vec![10.0, 10.1, 9.9, 10.0, 10.05]),
            ("unsure".to_owned(), vec![4.0, 16.0, 8.0, 12.0, 10.0]),
            ("loser".to_owned(), vec![2.0, 2.1, 1.9, 2.0, 2.05]),
        ];
        let suggestion = suggest(&arms, 5_000, 1);
        let share = |i: usize| suggestion.arms[i].share;
        assert!(share(1) > 0.3, "{suggestion:?}");
        assert!(share(2) < 0.01, "{suggestion:?}");
        assert!((share(0) + share(1) + share(2) - 1.0).abs() < 1e-9);
        assert!(suggestion.expected_regret > 0.0);
        assert_eq!(suggestion, suggest(&arms, 5_000, 1));
    }
}
