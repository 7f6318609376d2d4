//! Which model family forecasts, and how the two families are blended per outcome: on the
//! link scale (log-odds, log rate), member by member, with each outcome's weight chosen on the
//! validation rows (never the holdout) by the outcome's proper score.

use serde::{Deserialize, Serialize};

use super::encode::{EncodedRows, OutcomeTarget};
use super::predict::{LinkValues, to_means};
use crate::diagnostics::metrics::proper_score;

/// The model a user picks: the deep ensemble, the gradient-boosted trees, or both blended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelFamily {
    Deep,
    Trees,
    #[default]
    Hybrid,
}

impl ModelFamily {
    pub const ALL: [ModelFamily; 3] = [ModelFamily::Hybrid, ModelFamily::Deep, ModelFamily::Trees];

    pub fn name(self) -> &'static str {
        match self {
            ModelFamily::Deep => "deep",
            ModelFamily::Trees => "trees",
            ModelFamily::Hybrid => "hybrid",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|family| family.name().eq_ignore_ascii_case(text.trim()))
    }

    pub fn trains_deep(self) -> bool {
        self != ModelFamily::Trees
    }

    pub fn trains_trees(self) -> bool {
        self != ModelFamily::Deep
    }

    /// Model files written before the trees existed were deep.
    pub fn before_trees() -> Self {
        ModelFamily::Deep
    }
}

/// Weights tried for the deep family: 0, 0.05, …, 1.
const GRID_STEPS: usize = 20;

/// One outcome's blend and the validation scores behind it (lower is better).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeBlend {
    pub outcome: String,
    /// The proper score used: log-loss, Poisson or Tweedie deviance.
    pub metric: String,
    /// Weight of the deep family on the link scale; the trees get the rest.
    pub deep_weight: f32,
    /// Validation scores of each family alone and of the blend (none: not trained, or no
    /// validation rows).
    pub deep_score: Option<f64>,
    pub trees_score: Option<f64>,
    pub blend_score: Option<f64>,
    pub validation_rows: usize,
}

/// The deep family's weight of each outcome: 1 for models without a blend (deep only).
pub fn deep_weights(blend: &[OutcomeBlend], outcomes: usize) -> Vec<f32> {
    (0..outcomes)
        .map(|j| blend.get(j).map_or(1.0, |b| b.deep_weight))
        .collect()
}

/// Members blended pairwise (member m of each family, cycling the smaller one), so that the
/// blend's spread carries both families' spreads. A family that is absent or has no members
/// leaves the other as it is.
pub fn combine(deep: Option<LinkValues>, trees: Option<LinkValues>, weights: &[f32]) -> LinkValues {
    let usable = |link: &Option<LinkValues>| link.as_ref().is_some_and(|l| l.members > 0);
    match (usable(&deep), usable(&trees)) {
        (true, true) => {}
        (true, false) => return deep.unwrap_or_default(),
        (false, true) => return trees.unwrap_or_default(),
        (false, false) => return deep.or(trees).unwrap_or_default(),
    }
    let (Some(deep), Some(trees)) = (deep, trees) else {
        return LinkValues::default();
    };
    let members = deep.members.max(trees.members);
    let (rows, k) = (deep.rows, deep.outcomes);
    let shares = family_shares(weights, k, true, true);
    let mut values = vec![0f32; members * rows * k];
    for m in 0..members {
        for r in 0..rows {
            for (j, (deep_share, trees_share)) in shares.iter().enumerate() {
                values[(m * rows + r) * k + j] = deep_share * deep.get(m % deep.members, r, j)
                    + trees_share * trees.get(m % trees.members, r, j);
            }
        }
    }
    LinkValues {
        members,
        rows,
        outcomes: k,
        values,
    }
}

/// How much of each outcome's link each family gives, `(deep, trees)`, as `combine` weighs
/// them: by the blend's weights when both families are present, all of it to the one that is.
pub fn family_shares(weights: &[f32], outcomes: usize, deep: bool, trees: bool) -> Vec<(f32, f32)> {
    (0..outcomes)
        .map(|j| match (deep, trees) {
            (true, true) => {
                let w = weights.get(j).copied().unwrap_or(1.0);
                (w, 1.0 - w)
            }
            (true, false) => (1.0, 0.0),
            (false, true) => (0.0, 1.0),
            (false, false) => (0.0, 0.0),
        })
        .collect()
}

/// The proper score of one outcome's ensemble-mean predictions on `rows`.
fn score(
    link: &LinkValues,
    encoded: &EncodedRows,
    outcomes: &[OutcomeTarget],
    uses_offset: bool,
    rows: &[usize],
    outcome: usize,
) -> f64 {
    let k = outcomes.len();
    let means = to_means(link, encoded, outcomes, uses_offset, &[]);
    let (mut predicted, mut actual) = (Vec::new(), Vec::new());
    for &row in rows {
        let y = encoded.targets[row * k + outcome];
        if y.is_finite() {
            predicted.push(f64::from(means.mean(row, outcome)));
            actual.push(f64::from(y) * outcomes[outcome].scale);
        }
    }
    (proper_score(outcomes[outcome].kind).1)(&predicted, &actual)
}

/// The link values of `rows` only (what scoring needs), keeping every member.
fn rows_of(link: &LinkValues, rows: &[usize]) -> LinkValues {
    let k = link.outcomes;
    let mut values = Vec::with_capacity(link.members * rows.len() * k);
    for m in 0..link.members {
        for &r in rows {
            values.extend((0..k).map(|j| link.get(m, r, j)));
        }
    }
    LinkValues {
        members: link.members,
        rows: rows.len(),
        outcomes: k,
        values,
    }
}

/// The encoded rows at `rows` (targets and offsets; what scoring reads).
fn encoded_rows_of(encoded: &EncodedRows, rows: &[usize], k: usize) -> EncodedRows {
    EncodedRows {
        rows: rows.len(),
        width: 0,
        inputs: Vec::new(),
        offset: rows.iter().map(|&r| encoded.offset[r]).collect(),
        targets: rows
            .iter()
            .flat_map(|&r| (0..k).map(move |j| encoded.targets[r * k + j]))
            .collect(),
        cold_start: Vec::new(),
        categorical_slots: Vec::new(),
        baskets: Vec::new(),
    }
}

/// Chooses each outcome's deep weight on the validation rows: the family the user picked
/// fixes it (deep 1, trees 0); the hybrid takes the grid value with the best score, and 0.5
/// when there are no validation rows to judge by.
pub fn choose(
    family: ModelFamily,
    deep: Option<&LinkValues>,
    trees: Option<&LinkValues>,
    encoded: &EncodedRows,
    outcomes: &[OutcomeTarget],
    uses_offset: bool,
    validation_rows: &[usize],
) -> Vec<OutcomeBlend> {
    let k = outcomes.len();
    let validation = encoded_rows_of(encoded, validation_rows, k);
    let all: Vec<usize> = (0..validation_rows.len()).collect();
    let deep = deep.map(|l| rows_of(l, validation_rows));
    let trees = trees.map(|l| rows_of(l, validation_rows));
    let score_with = |weight: f32, j: usize| -> f64 {
        let mut weights = vec![1.0f32; k];
        weights[j] = weight;
        let link = combine(deep.clone(), trees.clone(), &weights);
        if link.members == 0 || all.is_empty() {
            return f64::NAN;
        }
        score(&link, &validation, outcomes, uses_offset, &all, j)
    };
    let has = |link: &Option<LinkValues>| link.as_ref().is_some_and(|l| l.members > 0);
    outcomes
        .iter()
        .enumerate()
        .map(|(j, outcome)| {
            let finite = |v: f64| v.is_finite().then_some(v);
            let deep_score = has(&deep).then(|| score_with(1.0, j)).and_then(finite);
            let trees_score = has(&trees).then(|| score_with(0.0, j)).and_then(finite);
            let deep_weight = match family {
                ModelFamily::Deep => 1.0,
                ModelFamily::Trees => 0.0,
                ModelFamily::Hybrid if !has(&deep) => 0.0,
                ModelFamily::Hybrid if !has(&trees) => 1.0,
                ModelFamily::Hybrid if all.is_empty() => 0.5,
                ModelFamily::Hybrid => (0..=GRID_STEPS)
                    .map(|step| step as f32 / GRID_STEPS as f32)
                    .map(|w| (w, score_with(w, j)))
                    .filter(|(_, s)| s.is_finite())
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map_or(0.5, |(w, _)| w),
            };
            OutcomeBlend {
                outcome: outcome.column.clone(),
                metric: proper_score(outcome.kind).0.to_string(),
                deep_weight,
                deep_score,
                trees_score,
                blend_score: finite(score_with(deep_weight, j)),
                validation_rows: validation_rows.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::roles::OutcomeKind;

    fn link(members: usize, rows: usize, value: impl Fn(usize, usize) -> f32) -> LinkValues {
        let mut values = Vec::new();
        for m in 0..members {
            for r in 0..rows {
                values.push(value(m, r));
            }
        }
        LinkValues {
            members,
            rows,
            outcomes: 1,
            values,
        }
    }

    #[test]
    fn members_pair_and_weights_mix_on_the_link_scale() {
        let deep = link(2, 3, |m, _| m as f32);
        let trees = link(3, 3, |_, r| 10.0 * r as f32);
        let blended = combine(Some(deep), Some(trees), &[0.25]);
        assert_eq!(blended.members, 3);
        // member 2 pairs deep member 0 with trees member 2
        assert_eq!(blended.get(2, 1, 0), 0.25 * 0.0 + 0.75 * 10.0);
        assert_eq!(blended.get(1, 2, 0), 0.25 * 1.0 + 0.75 * 20.0);
        let alone = combine(None, Some(link(1, 2, |_, r| r as f32)), &[1.0]);
        assert_eq!(alone.get(0, 1, 0), 1.0);
    }

    #[test]
    fn the_hybrid_weight_follows_the_better_family() {
        // Binary outcome with p = 0.8 on every row: trees say logit(0.8), deep says 0.
        let rows = 500;
        let targets: Vec<f32> = (0..rows).map(|r| f32::from(u8::from(r % 5 != 0))).collect();
        let encoded = EncodedRows {
            rows,
            width: 0,
            inputs: Vec::new(),
            offset: vec![0.0; rows],
            targets,
            cold_start: Vec::new(),
            categorical_slots: Vec::new(),
            baskets: Vec::new(),
        };
        let outcomes = [OutcomeTarget {
            column: "bought".into(),
            kind: OutcomeKind::Binary,
            scale: 1.0,
        }];
        let logit = (0.8f32 / 0.2).ln();
        let deep = link(2, rows, |_, _| 0.0);
        let trees = link(2, rows, |_, _| logit);
        let validation: Vec<usize> = (0..rows).collect();
        let choice = |family| {
            choose(
                family,
                Some(&deep),
                Some(&trees),
                &encoded,
                &outcomes,
                false,
                &validation,
            )[0]
            .clone()
        };
        let hybrid = choice(ModelFamily::Hybrid);
        assert_eq!(hybrid.deep_weight, 0.0);
        assert!(hybrid.trees_score.unwrap() < hybrid.deep_score.unwrap());
        assert_eq!(hybrid.blend_score, hybrid.trees_score);
        assert_eq!(choice(ModelFamily::Deep).deep_weight, 1.0);
        let trees_only = choose(
            ModelFamily::Trees,
            None,
            Some(&trees),
            &encoded,
            &outcomes,
            false,
            &validation,
        );
        assert_eq!(trees_only[0].deep_score, None);
        // A model file carries no NaN (JSON has none): the scores round-trip.
        let json = serde_json::to_string(&trees_only).unwrap();
        let back: Vec<OutcomeBlend> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, trees_only);
        assert_eq!(choice(ModelFamily::Trees).deep_weight, 0.0);
        assert_eq!(ModelFamily::parse(" Trees"), Some(ModelFamily::Trees));
        assert_eq!(ModelFamily::parse("forest"), None);
    }
}
