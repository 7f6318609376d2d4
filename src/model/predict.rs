//! Predictions in the outcomes' own units, per ensemble member: probabilities for binary
//! outcomes, expected counts and amounts (with the exposure offset) otherwise.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use super::encode::{EncodedRows, OutcomeTarget};
use super::network::EnsembleNet;
use crate::data::roles::OutcomeKind;

/// Rows predicted per forward pass. Small enough that the intermediate tensors (members × rows ×
/// hidden) stay below the allocator's fresh-mapping size: measured on a 64,000-row forecast,
/// 2,048 rows take 1.1 s, 4,096 2.5 s and 16,384 3.1 s, mostly in page faults.
pub const CHUNK_ROWS: usize = 2048;

/// Expected values `[member][row][outcome]`, flattened.
#[derive(Clone, Debug, Default)]
pub struct MemberPredictions {
    pub members: usize,
    pub rows: usize,
    pub outcomes: usize,
    pub values: Vec<f32>,
}

impl MemberPredictions {
    pub fn get(&self, member: usize, row: usize, outcome: usize) -> f32 {
        self.values[(member * self.rows + row) * self.outcomes + outcome]
    }

    /// The ensemble mean for one row and outcome.
    pub fn mean(&self, row: usize, outcome: usize) -> f32 {
        (0..self.members)
            .map(|m| self.get(m, row, outcome))
            .sum::<f32>()
            / self.members.max(1) as f32
    }

    /// Each member's total of one outcome over all rows.
    pub fn member_totals(&self, outcome: usize) -> Vec<f64> {
        (0..self.members)
            .map(|m| {
                (0..self.rows)
                    .map(|r| f64::from(self.get(m, r, outcome)))
                    .sum()
            })
            .collect()
    }
}

/// Predicts every encoded row with every member.
/// `shifts` (rows × outcomes, or empty for none) are added to the linear predictors: the
/// calibration found after training.
pub fn predict(
    nets: &[EnsembleNet],
    encoded: &EncodedRows,
    outcomes: &[OutcomeTarget],
    uses_offset: bool,
    shifts: &[f32],
    device: &Device,
) -> MemberPredictions {
    let Some(first) = nets.first() else {
        return MemberPredictions::default();
    };
    let members = first.members();
    let k = outcomes.len();
    let mut values = vec![0f32; members * encoded.rows * k];
    let width = encoded.width;
    let mut start = 0usize;
    while start < encoded.rows {
        let end = (start + CHUNK_ROWS).min(encoded.rows);
        let n = end - start;
        let inputs = Tensor::<2>::from_data(
            TensorData::new(
                encoded.inputs[start * width..end * width].to_vec(),
                [n, width],
            ),
            device,
        )
        .unsqueeze_dim::<3>(0)
        .repeat_dim(0, members);
        let offset = Tensor::<2>::from_data(
            TensorData::new(encoded.offset[start..end].to_vec(), [n, 1]),
            device,
        )
        .unsqueeze_dim::<3>(0);
        // Outcomes that share a snapshot share one forward pass.
        let mut passes: Vec<(usize, Tensor<3>)> = Vec::new();
        for (j, outcome) in outcomes.iter().enumerate() {
            let net_index = if nets.len() == outcomes.len() { j } else { 0 };
            let cached = passes
                .iter()
                .find(|(index, _)| *index == net_index)
                .map(|(_, eta)| eta.clone());
            let eta = match cached {
                Some(eta) => eta,
                None => {
                    let eta = nets[net_index].forward(inputs.clone());
                    passes.push((net_index, eta.clone()));
                    eta
                }
            };
            let mut eta_j = eta.narrow(2, j, 1);
            if shifts.len() == encoded.rows * k {
                let column: Vec<f32> = (start..end).map(|row| shifts[row * k + j]).collect();
                let shift = Tensor::<2>::from_data(TensorData::new(column, [n, 1]), device)
                    .unsqueeze_dim::<3>(0);
                eta_j = eta_j + shift;
            }
            let mean = match outcome.kind {
                OutcomeKind::Binary => sigmoid(eta_j),
                OutcomeKind::Count | OutcomeKind::Amount => {
                    let log_mean = if uses_offset {
                        eta_j + offset.clone()
                    } else {
                        eta_j
                    };
                    log_mean.exp().mul_scalar(outcome.scale)
                }
            };
            let data: Vec<f32> = mean.into_data().try_into_vec::<f32>().unwrap_or_default();
            for m in 0..members {
                for r in 0..n {
                    if let Some(value) = data.get(m * n + r) {
                        values[(m * encoded.rows + start + r) * k + j] = *value;
                    }
                }
            }
        }
        start = end;
    }
    MemberPredictions {
        members,
        rows: encoded.rows,
        outcomes: k,
        values,
    }
}

/// Shifts on the link scale that make the mean prediction over `rows` equal the mean outcome:
/// exact for log links, two Newton steps for the logit.
pub fn calibration_shifts(
    predictions: &MemberPredictions,
    encoded: &EncodedRows,
    outcomes: &[OutcomeTarget],
    rows: &[usize],
) -> Vec<f32> {
    let k = outcomes.len();
    outcomes
        .iter()
        .enumerate()
        .map(|(j, outcome)| {
            let (mut actual, mut predicted, mut slope, mut count) = (0f64, 0f64, 0f64, 0usize);
            for &row in rows {
                let y = encoded.targets[row * k + j];
                if !y.is_finite() {
                    continue;
                }
                let p = f64::from(predictions.mean(row, j));
                actual += f64::from(y) * outcome.scale;
                predicted += p;
                slope += p * (1.0 - p);
                count += 1;
            }
            if count == 0 || predicted <= 0.0 || actual <= 0.0 {
                return 0.0;
            }
            match outcome.kind {
                // d(mean sigmoid)/d(shift) = mean p(1-p): one Newton step from the current fit.
                OutcomeKind::Binary => ((actual - predicted) / slope.max(1e-9)) as f32,
                _ => (actual / predicted).ln() as f32,
            }
        })
        .collect()
}
