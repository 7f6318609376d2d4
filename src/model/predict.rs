//! Predictions in the outcomes' own units, per ensemble member: probabilities for binary
//! outcomes, expected counts and amounts (with the exposure offset) otherwise.

use burn::prelude::*;

use super::encode::{EncodedRows, OutcomeTarget};
use super::network::EnsembleNet;
use crate::data::roles::OutcomeKind;

/// Rows predicted per forward pass. Small enough that the intermediate tensors (members × rows ×
/// hidden) stay below the allocator's fresh-mapping size: measured on a 64,000-row forecast,
/// 2,048 rows take 1.1 s, 4,096 2.5 s and 16,384 3.1 s, mostly in page faults.
pub const CHUNK_ROWS: usize = 2048;

/// Rows per forward pass on a GPU: each pass ends in a read back that makes the CPU wait for the
/// GPU, and the page faults that keep the CPU's chunks small do not arise there.
const GPU_CHUNK_ROWS: usize = 16 * CHUNK_ROWS;

/// Rows per forward pass on `device`.
pub fn chunk_rows(device: &Device) -> usize {
    if *device == Device::flex() {
        CHUNK_ROWS
    } else {
        GPU_CHUNK_ROWS
    }
}

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

/// Link-scale predictions `[member][row][outcome]`, flattened: what a model family produces
/// before the exposure offset, the calibration shifts and the inverse link.
#[derive(Clone, Debug, Default)]
pub struct LinkValues {
    pub members: usize,
    pub rows: usize,
    pub outcomes: usize,
    pub values: Vec<f32>,
}

impl LinkValues {
    pub fn get(&self, member: usize, row: usize, outcome: usize) -> f32 {
        self.values[(member * self.rows + row) * self.outcomes + outcome]
    }
}

/// The deep ensemble's link-scale predictions of every encoded row, per member, chunk by
/// chunk.
pub fn link_values(
    nets: &[EnsembleNet],
    encoded: &EncodedRows,
    outcomes: usize,
    device: &Device,
) -> LinkValues {
    let Some(first) = nets.first() else {
        return LinkValues::default();
    };
    let members = first.members();
    let mut values = LinkValues::zeros(members, encoded.rows, outcomes);
    let chunk = chunk_rows(device);
    let mut start = 0usize;
    while start < encoded.rows {
        let end = (start + chunk).min(encoded.rows);
        let inputs = member_inputs(encoded, start..end, members, device);
        for (net_index, net) in nets.iter().enumerate() {
            let wanted = wanted_outputs(net_index, nets.len(), outcomes);
            copy_outputs(net.forward(inputs.clone()), &wanted, start, &mut values);
        }
        start = end;
    }
    values
}

impl LinkValues {
    /// Zeros for `members` × `rows` × `outcomes`, to be filled chunk by chunk.
    pub fn zeros(members: usize, rows: usize, outcomes: usize) -> Self {
        Self {
            members,
            rows,
            outcomes,
            values: vec![0f32; members * rows * outcomes],
        }
    }
}

/// Encoded rows `range` as the networks take them: `[members, rows, inputs]`, the same rows
/// for every member.
pub fn member_inputs(
    encoded: &EncodedRows,
    range: std::ops::Range<usize>,
    members: usize,
    device: &Device,
) -> Tensor<3> {
    let width = encoded.width;
    let rows = range.len();
    Tensor::<2>::from_data(
        TensorData::new(
            encoded.inputs[range.start * width..range.end * width].to_vec(),
            [rows, width],
        ),
        device,
    )
    .unsqueeze_dim::<3>(0)
    .repeat_dim(0, members)
}

/// Which outputs network `index` of `count` gives: its own outcome when there is one network
/// per outcome (each at its own best epoch), every outcome when one network predicts them all.
pub fn wanted_outputs(index: usize, count: usize, outcomes: usize) -> Vec<usize> {
    if count == outcomes {
        vec![index]
    } else {
        (0..outcomes).collect()
    }
}

/// Copies the `wanted` columns of a network's outputs `[members, n, outcomes]` for the rows
/// `start..start + n` into `target`.
pub fn copy_outputs(tensor: Tensor<3>, wanted: &[usize], start: usize, target: &mut LinkValues) {
    let (members, rows, k) = (target.members, target.rows, target.outcomes);
    let data: Vec<f32> = tensor.into_data().try_into_vec::<f32>().unwrap_or_default();
    let n = data.len() / (members * k).max(1);
    for m in 0..members {
        for r in 0..n {
            for &j in wanted {
                if let Some(value) = data.get((m * n + r) * k + j) {
                    target.values[(m * rows + start + r) * k + j] = *value;
                }
            }
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Turns link-scale values into expected values: `shifts` (rows × outcomes, or empty for none)
/// are added first (the calibration found after training), then the exposure offset and the
/// inverse link, then the outcome's scale.
pub fn to_means(
    link: &LinkValues,
    encoded: &EncodedRows,
    outcomes: &[OutcomeTarget],
    uses_offset: bool,
    shifts: &[f32],
) -> MemberPredictions {
    let k = outcomes.len();
    let rows = link.rows;
    let with_shifts = shifts.len() == rows * k;
    let mut values = vec![0f32; link.members * rows * k];
    for m in 0..link.members {
        for r in 0..rows {
            for (j, outcome) in outcomes.iter().enumerate() {
                let index = (m * rows + r) * k + j;
                let mut eta = link.values[index];
                if with_shifts {
                    eta += shifts[r * k + j];
                }
                values[index] = match outcome.kind {
                    OutcomeKind::Binary => sigmoid(eta),
                    OutcomeKind::Count | OutcomeKind::Amount => {
                        let offset = if uses_offset { encoded.offset[r] } else { 0.0 };
                        (eta + offset).exp() * outcome.scale as f32
                    }
                };
            }
        }
    }
    MemberPredictions {
        members: link.members,
        rows,
        outcomes: k,
        values,
    }
}

/// Predicts every encoded row with every member of the deep ensemble.
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
    let link = link_values(nets, encoded, outcomes.len(), device);
    to_means(&link, encoded, outcomes, uses_offset, shifts)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_keeps_its_small_chunks() {
        assert_eq!(chunk_rows(&Device::flex()), CHUNK_ROWS);
        assert_eq!(chunk_rows(&Device::flex().autodiff()), CHUNK_ROWS);
    }
}
