//! Calibration after training: link-scale shifts that make the mean prediction equal the mean
//! outcome on the rows the model learnt from (never the holdout), overall and within each value
//! of every categorical lever. Early stopping shrinks a lever's effect towards zero; matching
//! each arm's mean removes that bias, and on randomised data it ties the model's average lift
//! to the observed difference between arms, adjusted for covariates by the network.
//!
//! By default (`TrainConfig::calibrate_lever_values`) each value of a numeric or offer lever
//! that takes few values (a discount depth, a duration, a `150:20` coupon) is an arm too: early
//! stopping also shrinks a lever's effect towards its average over values, which those arms
//! undo, at the price of matching the noise of values tested on few rows. A value between
//! tested ones (a 12% discount between 10% and 15%) takes the shifts interpolated between
//! theirs, so a response curve runs through the tested values instead of jumping at them.

use serde::{Deserialize, Serialize};

use super::encode::{EncodedRows, Encoder, NumericSource};
use super::predict::{self, LinkValues, MemberPredictions, calibration_shifts};

/// Rounds of raking: each round matches every arm given the others' current shifts.
const ROUNDS: usize = 4;
/// A numeric lever is calibrated value by value when the rows it is fitted on hold at most
/// this many values (a handful of depths or durations, as campaigns are planned); a lever
/// with more is a continuum, left to the network.
const MAX_NUMERIC_ARMS: usize = 12;

/// Shifts of one lever: `shifts[slot][outcome]` (slot 0 = values not calibrated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LeverShifts {
    pub column: String,
    /// Position of the lever among the encoder's categorical features (categorical levers).
    pub feature: usize,
    pub shifts: Vec<Vec<f32>>,
    /// A numeric or offer lever: its input positions (one, or an offer's three)...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<usize>,
    /// ...and the encoded values at those positions of each calibrated arm, slot `i + 1`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Vec<f32>>,
    /// An offer lever: which of `inputs` is the spend threshold and which the amount off
    /// (models saved before have neither, and keep untested offers uncalibrated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_parts: Option<OfferParts>,
}

/// Positions within `LeverShifts::inputs` of an offer's threshold and amount off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferParts {
    pub threshold: usize,
    pub amount_off: usize,
}

impl LeverShifts {
    /// Each row's slot: its category, or the arm whose encoded values it holds (0: none).
    fn slots(&self, encoded: &EncodedRows) -> Vec<usize> {
        if self.inputs.is_empty() {
            return encoded
                .categorical_slots
                .get(self.feature)
                .cloned()
                .unwrap_or_else(|| vec![0; encoded.rows]);
        }
        // Compared in place: a lever move re-derives every row's slot.
        (0..encoded.rows)
            .map(|row| {
                let at = |input: usize| encoded.inputs.get(row * encoded.width + input);
                self.values
                    .iter()
                    .position(|arm| {
                        arm.iter()
                            .zip(&self.inputs)
                            .all(|(value, &input)| at(input) == Some(value))
                    })
                    .map_or(0, |arm| arm + 1)
            })
            .collect()
    }

    /// Adds each row's shifts to `shifts` (rows × `outcomes`). A lever of one numeric input (a
    /// discount depth, a duration) is a line: a value between two calibrated ones takes the
    /// shifts interpolated between theirs, and a value beyond them the nearest one's, so that
    /// a response curve swept through untested values does not jump at each tested one.
    fn add_row_shifts(&self, encoded: &EncodedRows, outcomes: usize, shifts: &mut [f32]) {
        let line = match self.inputs.as_slice() {
            [_] => self.line(),
            _ => Vec::new(),
        };
        let none: &[f32] = &[];
        let of = |slot: usize| self.shifts.get(slot).map_or(none, Vec::as_slice);
        let mut add = |row: usize, low: &[f32], high: &[f32], weight: f32| {
            for j in 0..outcomes {
                let a = low.get(j).copied().unwrap_or(0.0);
                let b = high.get(j).copied().unwrap_or(0.0);
                if let Some(shift) = shifts.get_mut(row * outcomes + j) {
                    *shift += a + weight * (b - a);
                }
            }
        };
        // Rows of one untested offer come in runs (a curve point sets it on every row): its
        // place among the tested ones is found once per run.
        let mut last_offer: Option<([f32; 2], Option<Between>)> = None;
        for (row, slot) in self.slots(encoded).into_iter().enumerate() {
            let value = self
                .inputs
                .first()
                .and_then(|&input| encoded.inputs.get(row * encoded.width + input))
                .copied()
                .filter(|v| v.is_finite() && slot == 0 && !line.is_empty());
            let between = match (value, self.offer_values(encoded, row)) {
                (Some(value), _) => Some(bracket(&line, value)),
                (None, Some(offer)) if slot == 0 => match last_offer {
                    Some((seen, between)) if seen == offer => between,
                    _ => {
                        let between = self.offer_bracket(offer);
                        last_offer = Some((offer, between));
                        between
                    }
                },
                _ => None,
            };
            match between {
                Some((low, high, weight)) => add(row, of(low), of(high), weight),
                None => add(row, of(slot), of(slot), 0.0),
            }
        }
    }

    /// An untested offer lies on the line of the tested ones that share its threshold (its
    /// amount off swept) or else its amount off (its threshold swept): it takes the shifts
    /// interpolated along that line, the nearest end's beyond it, so that a curve over a
    /// coupon's amount does not jump at the amount tested. `None` when no tested offer shares
    /// either part.
    fn offer_bracket(&self, [threshold, amount_off]: [f32; 2]) -> Option<Between> {
        let parts = self.offer_parts?;
        // The line through the arms holding `held` at position `fixed`, along `along`.
        let line_of = |fixed: usize, held: f32, along: usize| {
            let mut line: Vec<(f32, usize)> = self
                .values
                .iter()
                .enumerate()
                .filter(|(_, arm)| arm.get(fixed) == Some(&held))
                .filter_map(|(arm, values)| Some((*values.get(along)?, arm + 1)))
                .collect();
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            line
        };
        [
            (parts.threshold, threshold, parts.amount_off, amount_off),
            (parts.amount_off, amount_off, parts.threshold, threshold),
        ]
        .into_iter()
        .map(|(fixed, held, along, value)| (line_of(fixed, held, along), value))
        .find(|(line, value)| !line.is_empty() && value.is_finite())
        .map(|(line, value)| bracket(&line, value))
    }

    /// An offer lever's encoded threshold and amount off on `row`; `None` for other levers.
    fn offer_values(&self, encoded: &EncodedRows, row: usize) -> Option<[f32; 2]> {
        let parts = self.offer_parts?;
        let at = |position: usize| {
            let input = *self.inputs.get(position)?;
            encoded.inputs.get(row * encoded.width + input).copied()
        };
        Some([at(parts.threshold)?, at(parts.amount_off)?])
    }

    /// The calibrated values of a one-input lever in ascending order, with their slots.
    fn line(&self) -> Vec<(f32, usize)> {
        let mut line: Vec<(f32, usize)> = self
            .values
            .iter()
            .enumerate()
            .filter_map(|(arm, value)| Some((*value.first()?, arm + 1)))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        line
    }
}

/// The slots of the calibrated values around a value, and the weight of the upper one.
type Between = (usize, usize, f32);

/// Where `value` lies on a line of calibrated values: the slots of the values around it and
/// the weight of the upper one; beyond the line, the nearest end's slot alone.
fn bracket(line: &[(f32, usize)], value: f32) -> Between {
    let above = line.partition_point(|(at, _)| *at < value);
    match (
        above.checked_sub(1).and_then(|i| line.get(i)),
        line.get(above),
    ) {
        (Some(&(low, low_slot)), Some(&(high, high_slot))) => {
            (low_slot, high_slot, (value - low) / (high - low))
        }
        (Some(&(_, slot)), None) | (None, Some(&(_, slot))) => (slot, slot, 0.0),
        (None, None) => (0, 0, 0.0),
    }
}

/// A row's encoded values at `inputs` (the same lever value encodes to the same bits).
fn numeric_key(encoded: &EncodedRows, row: usize, inputs: &[usize]) -> Vec<f32> {
    inputs
        .iter()
        .map(|&i| {
            encoded
                .inputs
                .get(row * encoded.width + i)
                .copied()
                .unwrap_or(f32::NAN)
        })
        .collect()
}

/// The numeric and offer levers that take few values on `rows`, as uncalibrated shifts.
fn numeric_arms(
    encoded: &EncodedRows,
    encoder: &Encoder,
    rows: &[usize],
    k: usize,
) -> Vec<LeverShifts> {
    let mut columns: Vec<(String, Vec<usize>)> = Vec::new();
    // Numeric features come first in the inputs, one position each, in encoder order.
    for (position, feature) in encoder.numeric.iter().enumerate() {
        // A threshold over the segment's basket differs by segment under one coupon: the
        // coupon's arm is told by its other inputs (amount off and rate).
        if !feature.lever || feature.source == NumericSource::OfferThresholdToBasket {
            continue;
        }
        match columns
            .iter_mut()
            .find(|(column, _)| *column == feature.column)
        {
            Some((_, inputs)) => inputs.push(position),
            None => columns.push((feature.column.clone(), vec![position])),
        }
    }
    columns
        .into_iter()
        .filter_map(|(column, inputs)| {
            let mut values: Vec<Vec<f32>> = Vec::new();
            for &row in rows {
                let key = numeric_key(encoded, row, &inputs);
                if key.iter().all(|v| v.is_finite()) && !values.contains(&key) {
                    if values.len() == MAX_NUMERIC_ARMS {
                        return None;
                    }
                    values.push(key);
                }
            }
            let part = |source: NumericSource| {
                inputs.iter().position(|&input| {
                    encoder.numeric.get(input).map(|f| &f.source) == Some(&source)
                })
            };
            let offer_parts = part(NumericSource::OfferThreshold)
                .zip(part(NumericSource::OfferAmountOff))
                .map(|(threshold, amount_off)| OfferParts {
                    threshold,
                    amount_off,
                });
            Some(LeverShifts {
                column,
                feature: 0,
                shifts: vec![vec![0.0; k]; values.len() + 1],
                inputs,
                values,
                offer_parts,
            })
        })
        .collect()
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
        for row_shifts in shifts.chunks_mut(outcomes.max(1)) {
            for (j, shift) in row_shifts.iter_mut().enumerate() {
                *shift = self.global.get(j).copied().unwrap_or(0.0);
            }
        }
        for lever in &self.levers {
            lever.add_row_shifts(encoded, outcomes, &mut shifts);
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
        value_arms: bool,
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
                    ..LeverShifts::default()
                })
                .chain(
                    value_arms
                        .then(|| numeric_arms(encoded, encoder, rows, k))
                        .into_iter()
                        .flatten(),
                )
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
                    let row_slots = calibration.levers[lever].slots(encoded);
                    let slots = calibration.levers[lever].shifts.len();
                    for slot in 0..slots {
                        let arm: Vec<usize> = rows
                            .iter()
                            .copied()
                            .filter(|&row| row_slots[row] == slot)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::roles::OutcomeKind;
    use crate::model::encode::{NumericFeature, OutcomeTarget};

    /// An encoder of one numeric lever (its values as they are) and one count outcome.
    fn one_lever_encoder(column: &str) -> Encoder {
        Encoder {
            numeric: vec![NumericFeature {
                column: column.into(),
                source: NumericSource::Column,
                log: false,
                center: 0.0,
                scale: 1.0,
                lever: true,
            }],
            categorical: Vec::new(),
            calendar: None,
            post_campaign: None,
            baskets: None,
            exposure: None,
            outcomes: vec![OutcomeTarget {
                column: "orders".into(),
                kind: OutcomeKind::Count,
                scale: 1.0,
            }],
        }
    }

    /// A model that gives every row the same prediction (link 0: a count of 1), against
    /// outcomes that vary with a duration lever taking three values: each value's arm is
    /// matched, and a value never fitted takes the shifts of the line through the arms.
    #[test]
    fn a_numeric_lever_with_few_values_is_calibrated_value_by_value() {
        let encoder = one_lever_encoder("duration_days");
        let durations = [0.0f32, 3.0, 14.0];
        let truth = [1.0f32, 3.0, 2.0];
        let rows = 30;
        let encoded = EncodedRows {
            rows,
            width: 1,
            inputs: (0..rows).map(|r| durations[r % 3]).collect(),
            offset: vec![0.0; rows],
            targets: (0..rows).map(|r| truth[r % 3]).collect(),
            cold_start: vec![false; rows],
            categorical_slots: Vec::new(),
            baskets: Vec::new(),
        };
        let link = LinkValues::zeros(2, rows, 1);
        let fitted: Vec<usize> = (0..rows).collect();
        let (calibration, predictions) =
            Calibration::fit(&link, &encoded, &encoder, false, &fitted, true);
        for (arm, expected) in truth.iter().enumerate() {
            let predicted = predictions.mean(arm, 0);
            assert!(
                (predicted - expected).abs() < 1e-3,
                "duration {}: {predicted} against {expected}",
                durations[arm]
            );
        }
        // 7 and 21 days were never fitted: 7 lies between the 3- and 14-day arms, 4/11 of the
        // way, and 21 beyond the last; a row of a missing duration keeps the overall shift.
        let untested = EncodedRows {
            rows: 3,
            inputs: vec![7.0, 21.0, f32::NAN],
            ..encoded.clone()
        };
        let shifts = calibration.row_shifts(&untested, 1);
        let lever = &calibration.levers[0];
        let arm_shift = |duration: f32| {
            let arm = lever.values.iter().position(|v| v[0] == duration).unwrap();
            lever.shifts[arm + 1][0]
        };
        let (three, fourteen) = (arm_shift(3.0), arm_shift(14.0));
        assert!(
            (three - fourteen).abs() > 0.1,
            "the arms differ: {three} {fourteen}"
        );
        let global = calibration.global[0];
        let between = global + three + 4.0 / 11.0 * (fourteen - three);
        assert!(
            (shifts[0] - between).abs() < 1e-5,
            "{} {between}",
            shifts[0]
        );
        assert!((shifts[1] - (global + fourteen)).abs() < 1e-5);
        assert!((shifts[2] - (global + lever.shifts[0][0])).abs() < 1e-6);
    }

    /// A lever that takes many values is a continuum: no arms.
    #[test]
    fn a_numeric_lever_with_many_values_is_left_to_the_network() {
        let encoder = one_lever_encoder("price");
        let rows = 40;
        let encoded = EncodedRows {
            rows,
            width: 1,
            inputs: (0..rows).map(|r| r as f32).collect(),
            offset: vec![0.0; rows],
            targets: vec![1.0; rows],
            cold_start: vec![false; rows],
            categorical_slots: Vec::new(),
            baskets: Vec::new(),
        };
        let fitted: Vec<usize> = (0..rows).collect();
        assert!(numeric_arms(&encoded, &encoder, &fitted, 1).is_empty());
    }
}
