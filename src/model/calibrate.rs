//! Calibration after training: link-scale shifts that make the mean prediction equal the mean
//! outcome on the rows the model learnt from (never the holdout), overall and within each value
//! of every categorical lever. Early stopping shrinks a lever's effect towards zero; matching
//! each arm's mean removes that bias, and on randomised data it ties the model's average lift
//! to the observed difference between arms, adjusted for covariates by the network.

use serde::{Deserialize, Serialize};

use super::encode::{EncodedRows, Encoder};
use super::predict::{self, LinkValues, MemberPredictions, calibration_shifts};

/// Rounds of raking: each round matches every arm given the others' current shifts.
const ROUNDS: usize = 4;

/// Shifts of one categorical lever: `shifts[slot][outcome]` (slot 0 = unseen values).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LeverShifts {
    pub column: String,
    /// Position of the lever among the encoder's categorical features.
    pub feature: usize,
    pub shifts: Vec<Vec<f32>>,
}

/// All calibration shifts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// One shift per outcome, for models without categorical levers.
    pub global: Vec<f32>,
    pub levers: Vec<LeverShifts>,
}

impl Calibration {
    /// The shift of every row and outcome (rows × outcomes).
    pub fn row_shifts(&self, encoded: &EncodedRows, outcomes: usize) -> Vec<f32> {
        let mut shifts = vec![0f32; encoded.rows * outcomes];
        for row in 0..encoded.rows {
            for j in 0..outcomes {
                let mut total = self.global.get(j).copied().unwrap_or(0.0);
                for lever in &self.levers {
                    let slot = encoded
                        .categorical_slots
                        .get(lever.feature)
                        .and_then(|slots| slots.get(row))
                        .copied()
                        .unwrap_or(0);
                    total += lever
                        .shifts
                        .get(slot)
                        .and_then(|s| s.get(j))
                        .copied()
                        .unwrap_or(0.0);
                }
                shifts[row * outcomes + j] = total;
            }
        }
        shifts
    }

    /// Fits the shifts on `rows` of the model's link-scale predictions (shifts add on that
    /// scale, so no round predicts anew), returning them with the calibrated predictions of
    /// every row.
    pub fn fit(
        link: &LinkValues,
        encoded: &EncodedRows,
        encoder: &Encoder,
        uses_offset: bool,
        rows: &[usize],
    ) -> (Self, MemberPredictions) {
        let outcomes = &encoder.outcomes;
        let k = outcomes.len();
        let mut calibration = Calibration {
            global: vec![0.0; k],
            levers: encoder
                .categorical
                .iter()
                .enumerate()
                .filter(|(_, feature)| feature.lever)
                .map(|(index, feature)| LeverShifts {
                    column: feature.column.clone(),
                    feature: index,
                    shifts: vec![vec![0.0; k]; feature.levels.len() + 1],
                })
                .collect(),
        };
        let predict_all = |calibration: &Calibration| {
            let shifts = calibration.row_shifts(encoded, k);
            predict::to_means(link, encoded, outcomes, uses_offset, &shifts)
        };
        let mut predictions = predict_all(&calibration);
        for _ in 0..ROUNDS {
            if calibration.levers.is_empty() {
                let step = calibration_shifts(&predictions, encoded, outcomes, rows);
                for (total, delta) in calibration.global.iter_mut().zip(step) {
                    *total += delta;
                }
            } else {
                for lever in 0..calibration.levers.len() {
                    let feature = calibration.levers[lever].feature;
                    let slots = calibration.levers[lever].shifts.len();
                    for slot in 0..slots {
                        let arm: Vec<usize> = rows
                            .iter()
                            .copied()
                            .filter(|&row| encoded.categorical_slots[feature][row] == slot)
                            .collect();
                        if arm.is_empty() {
                            continue;
                        }
                        let step = calibration_shifts(&predictions, encoded, outcomes, &arm);
                        for (total, delta) in
                            calibration.levers[lever].shifts[slot].iter_mut().zip(step)
                        {
                            *total += delta;
                        }
                    }
                    predictions = predict_all(&calibration);
                }
                continue;
            }
            predictions = predict_all(&calibration);
        }
        (calibration, predictions)
    }
}
