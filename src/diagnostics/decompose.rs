//! Which lever change makes how much of a scenario's lift: exact Shapley values over the levers
//! that differ between a reference setting (by default, no campaign) and the scenario. Each
//! lever's part is its average marginal effect over every order of switching the levers on, so
//! the parts add up to the total lift exactly and a lever without effect gets about nothing.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::controls::same_value;
use crate::model::metrics::quantile;
use crate::model::{ForecastModel, LeverSetting, ModelError};

/// More changed levers than this would need over 2^8 = 256 forecasts.
pub const MAX_CHANGED_LEVERS: usize = 8;

/// Why a decomposition could not be made.
#[derive(Debug, Error)]
pub enum DecomposeError {
    #[error("'{0}' is not a lever of the model; {1}")]
    UnknownLever(String, String),
    #[error(
        "{0} levers change; the exact decomposition takes at most {MAX_CHANGED_LEVERS} (fix some at the reference value)"
    )]
    TooManyLevers(usize),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The decomposition of every outcome's lift.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decomposition {
    /// The levers that change, with their reference and scenario values.
    pub changes: Vec<LeverChange>,
    pub outcomes: Vec<OutcomeDecomposition>,
}

/// One lever's change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeverChange {
    pub lever: String,
    pub from: String,
    pub to: String,
}

/// One outcome's total lift and each lever's part of it (in `changes` order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeDecomposition {
    pub outcome: String,
    pub reference_total: f64,
    pub scenario_total: f64,
    pub total_lift: f64,
    pub parts: Vec<f64>,
    /// 10% and 90% quantiles of each part over the ensemble members (each member's own
    /// Shapley values): a part whose band straddles zero is not told apart from no effect.
    #[serde(default)]
    pub parts_low: Vec<f64>,
    #[serde(default)]
    pub parts_high: Vec<f64>,
}

/// Decomposes the lift of `scenario` over `reference` (levers not named in `reference` are at
/// their no-campaign baseline; levers not named in `scenario` keep the reference value) on
/// the rows of `population`.
pub fn decompose_lift(
    model: &ForecastModel,
    population: &DataFrame,
    reference: &[LeverSetting],
    scenario: &[LeverSetting],
) -> Result<Decomposition, DecomposeError> {
    let levers = &model.meta.schema.levers;
    let names = || {
        crate::model::encode::levers_in_words(
            &levers.iter().map(|l| l.column.as_str()).collect::<Vec<_>>(),
        )
    };
    for setting in reference.iter().chain(scenario) {
        if !levers.iter().any(|l| l.column == setting.lever) {
            return Err(DecomposeError::UnknownLever(setting.lever.clone(), names()));
        }
    }
    let value_in = |settings: &[LeverSetting], lever: &str| {
        settings
            .iter()
            .rev()
            .find(|s| s.lever == lever)
            .map(|s| s.value.clone())
    };
    let from: Vec<String> = levers
        .iter()
        .map(|l| value_in(reference, &l.column).unwrap_or_else(|| l.baseline.clone()))
        .collect();
    let to: Vec<String> = levers
        .iter()
        .zip(&from)
        .map(|(l, from)| value_in(scenario, &l.column).unwrap_or_else(|| from.clone()))
        .collect();
    let changed: Vec<usize> = (0..levers.len())
        .filter(|&i| !same_value(Some(&to[i]), &from[i]))
        .collect();
    if changed.len() > MAX_CHANGED_LEVERS {
        return Err(DecomposeError::TooManyLevers(changed.len()));
    }
    let n = changed.len();
    // One forecast per subset of the changed levers (bit k: changed[k] at its scenario value).
    let subsets: Vec<Vec<LeverSetting>> = (0..1usize << n)
        .map(|mask| {
            levers
                .iter()
                .enumerate()
                .map(|(i, lever)| {
                    let on = changed
                        .iter()
                        .position(|&c| c == i)
                        .is_some_and(|k| mask & (1 << k) != 0);
                    LeverSetting {
                        lever: lever.column.clone(),
                        value: if on { to[i].clone() } else { from[i].clone() },
                    }
                })
                .collect()
        })
        .collect();
    let forecasts = model.forecast_each_totals(population, &subsets)?;
    let outcomes = model
        .meta
        .encoder
        .outcomes
        .iter()
        .enumerate()
        .map(|(j, target)| {
            let value: Vec<f64> = forecasts
                .iter()
                .map(|f| f.outcomes.get(j).map_or(f64::NAN, |o| o.scenario_total))
                .collect();
            let parts = shapley(&value, n);
            let members = forecasts
                .iter()
                .filter_map(|f| f.outcomes.get(j))
                .map(|o| o.member_scenario_totals.len())
                .min()
                .unwrap_or(0);
            // Parts per member, from the same member's forecast of every coalition.
            let member_parts: Vec<Vec<f64>> = (0..members)
                .map(|m| {
                    let value: Vec<f64> = forecasts
                        .iter()
                        .map(|f| {
                            f.outcomes
                                .get(j)
                                .map_or(f64::NAN, |o| o.member_scenario_totals[m])
                        })
                        .collect();
                    shapley(&value, n)
                })
                .collect();
            let band = |q: f64| -> Vec<f64> {
                (0..n)
                    .map(|k| {
                        let draws: Vec<f64> = member_parts.iter().map(|p| p[k]).collect();
                        quantile(&draws, q)
                    })
                    .collect()
            };
            OutcomeDecomposition {
                outcome: target.column.clone(),
                reference_total: value[0],
                scenario_total: value[(1 << n) - 1],
                total_lift: value[(1 << n) - 1] - value[0],
                parts,
                parts_low: band(0.1),
                parts_high: band(0.9),
            }
        })
        .collect();
    Ok(Decomposition {
        changes: changed
            .iter()
            .map(|&i| LeverChange {
                lever: levers[i].column.clone(),
                from: from[i].clone(),
                to: to[i].clone(),
            })
            .collect(),
        outcomes,
    })
}

/// Exact Shapley values of `n` players from the value of every coalition (indexed by bit
/// mask): φ_k = Σ_S |S|!(n−|S|−1)!/n! · (v(S ∪ k) − v(S)).
fn shapley(value: &[f64], n: usize) -> Vec<f64> {
    let factorial = |m: usize| (1..=m).map(|x| x as f64).product::<f64>();
    (0..n)
        .map(|k| {
            (0..1usize << n)
                .filter(|mask| mask & (1 << k) == 0)
                .map(|mask| {
                    let size = mask.count_ones() as usize;
                    let weight = factorial(size) * factorial(n - size - 1) / factorial(n);
                    weight * (value[mask | (1 << k)] - value[mask])
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::shapley;

    #[test]
    fn shapley_splits_an_interaction_evenly_and_adds_up() {
        // v(∅) = 0, v(a) = 10, v(b) = 0, v(ab) = 20: a alone gives 10; b only adds with a.
        let parts = shapley(&[0.0, 10.0, 0.0, 20.0], 2);
        assert_eq!(parts, vec![15.0, 5.0]);
        assert_eq!(parts.iter().sum::<f64>(), 20.0);
    }

    #[test]
    fn a_player_without_effect_gets_nothing() {
        // b changes nothing anywhere.
        let parts = shapley(&[1.0, 4.0, 1.0, 4.0], 2);
        assert_eq!(parts, vec![3.0, 0.0]);
    }

    #[test]
    fn no_players_no_parts() {
        assert!(shapley(&[5.0], 0).is_empty());
    }
}
