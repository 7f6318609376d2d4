//! The forecast network: a multi-task MLP (shared trunk, one output per outcome) replicated as a
//! deep ensemble. Members are stacked along a leading dimension and trained as one batched
//! network, so five members cost one pass, on CPU or GPU alike.
//!
//! Two structures make lifts learnable from little campaign data:
//! - **Base plus lift.** The trunk never sees the levers; a separate lift network adds
//!   `lift(x) − lift(x with every lever at its baseline)`, which is exactly zero on baseline
//!   rows. The lift is therefore learnt only from campaign rows against the base that all the
//!   other rows pin down, and it cannot drift with the calendar (it does not see it).
//! - **Funnel chain.** Where outcomes form a funnel (clicks → orders → revenue), each head
//!   predicts its stage's rate and adds its parent's linear predictor: log orders = log clicks +
//!   log CVR. A campaign's click lift then carries into orders and revenue unless the data says
//!   otherwise, instead of being learnt three times from noisier counts.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Which inputs the lift network sees and what the levers' baseline encodes to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiftInputs {
    /// 1 for lever inputs (hidden from the trunk), 0 otherwise; empty = no lever.
    pub lever: Vec<f32>,
    /// 1 for inputs the lift may depend on (levers, dimensions, covariates; not the calendar).
    pub effect: Vec<f32>,
    /// The lever inputs' encoding when every lever is at its baseline (0 elsewhere).
    pub baseline: Vec<f32>,
}

impl LiftInputs {
    /// Per input position: whether it is a lever.
    pub fn lever_positions(&self) -> Vec<bool> {
        self.lever.iter().map(|l| *l > 0.0).collect()
    }
}

/// Shape of the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkShape {
    pub members: usize,
    pub inputs: usize,
    pub hidden: usize,
    pub outputs: usize,
    /// The funnel parent of each output (`None` for a head of its own).
    pub parents: Vec<Option<usize>>,
    pub lift_inputs: LiftInputs,
}

impl NetworkShape {
    /// Output `j` sums the raw heads of `j` and of all its funnel ancestors: the chain as an
    /// `[outputs, outputs]` matrix, column `j` marking what output `j` adds up.
    fn chain_matrix(&self) -> Vec<f32> {
        let o = self.outputs;
        let mut matrix = vec![0f32; o * o];
        for j in 0..o {
            let mut current = Some(j);
            // At most `o` steps: a malformed (cyclic) chain cannot loop for ever.
            for _ in 0..o {
                let Some(node) = current else { break };
                matrix[node * o + j] = 1.0;
                current = self.parents.get(node).copied().flatten();
            }
        }
        matrix
    }

    /// The raw head biases that make each chained output start at `output_bias`.
    fn raw_biases(&self, output_bias: &[f32]) -> Vec<f32> {
        (0..self.outputs)
            .map(|j| {
                let own = output_bias.get(j).copied().unwrap_or(0.0);
                match self.parents.get(j).copied().flatten() {
                    Some(parent) => own - output_bias.get(parent).copied().unwrap_or(0.0),
                    None => own,
                }
            })
            .collect()
    }
}

/// The ensemble: weights are `[members, in, out]`, biases `[members, 1, out]`.
#[derive(Module, Debug)]
pub struct EnsembleNet {
    w1: Param<Tensor<3>>,
    b1: Param<Tensor<3>>,
    w2: Param<Tensor<3>>,
    b2: Param<Tensor<3>>,
    w3: Param<Tensor<3>>,
    b3: Param<Tensor<3>>,
    /// A linear path from the inputs straight to each head: main effects are learnt quickly
    /// and robustly, the trunk adds the interactions.
    skip: Param<Tensor<3>>,
    /// The shared lift: one hidden layer and a linear path over the levers alone, the same for
    /// every segment.
    shared_w1: Param<Tensor<3>>,
    shared_b1: Param<Tensor<3>>,
    shared_w2: Param<Tensor<3>>,
    shared_skip: Param<Tensor<3>>,
    /// How the lift differs by segment and covariates: the same form over all effect inputs,
    /// its weights penalised (shrunk towards the shared lift), because campaign rows per
    /// segment are few and noisy.
    lift_w1: Param<Tensor<3>>,
    lift_b1: Param<Tensor<3>>,
    lift_w2: Param<Tensor<3>>,
    lift_skip: Param<Tensor<3>>,
    #[module(skip)]
    lift_inputs: LiftInputs,
    #[module(skip)]
    chain: Vec<f32>,
}

impl EnsembleNet {
    /// He-initialised weights (seeded, so training is reproducible); the output biases start at
    /// `output_bias` (each outcome's base rate on the link scale) so training starts calibrated.
    pub fn new(shape: &NetworkShape, output_bias: &[f32], seed: u64, device: &Device) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let m = shape.members;
        let (i, h, o) = (shape.inputs, shape.hidden, shape.outputs);
        let mut weights = |fan_in: usize, fan_out: usize, gain: f64| {
            let std = gain * (2.0 / fan_in.max(1) as f64).sqrt();
            let values: Vec<f32> = (0..m * fan_in * fan_out)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    (z * std) as f32
                })
                .collect();
            Param::from_data(TensorData::new(values, [m, fan_in, fan_out]), device)
        };
        let w1 = weights(i, h, 1.0);
        let w2 = weights(h, h, 1.0);
        // A small last layer keeps the start close to the base rates (and the lift near 0).
        let w3 = weights(h, o, 0.1);
        let shared_w1 = weights(i, h, 1.0);
        let shared_w2 = weights(h, o, 0.1);
        let lift_w1 = weights(i, h, 1.0);
        let lift_w2 = weights(h, o, 0.1);
        let zeros = |rows: usize, width: usize| {
            Param::from_data(
                TensorData::new(vec![0f32; m * rows * width], [m, rows, width]),
                device,
            )
        };
        let raw_bias = shape.raw_biases(output_bias);
        let bias: Vec<f32> = (0..m).flat_map(|_| raw_bias.iter().copied()).collect();
        let mut lift_inputs = shape.lift_inputs.clone();
        if lift_inputs.lever.len() != i {
            lift_inputs = LiftInputs {
                lever: vec![0.0; i],
                effect: vec![0.0; i],
                baseline: vec![0.0; i],
            };
        }
        Self {
            skip: zeros(i, o),
            w1,
            b1: zeros(1, h),
            w2,
            b2: zeros(1, h),
            w3,
            b3: Param::from_data(TensorData::new(bias, [m, 1, o]), device),
            shared_w1,
            shared_b1: zeros(1, h),
            shared_w2,
            shared_skip: zeros(i, o),
            lift_w1,
            lift_b1: zeros(1, h),
            lift_w2,
            lift_skip: zeros(i, o),
            lift_inputs,
            chain: shape.chain_matrix(),
        }
    }

    fn row_vector(values: &[f32], device: &Device) -> Tensor<3> {
        Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), device).reshape([
            1,
            1,
            values.len(),
        ])
    }

    /// The lift function: shared over the lever inputs plus the penalised interactions over
    /// all effect inputs.
    fn lift(&self, inputs: Tensor<3>, lever: Tensor<3>) -> Tensor<3> {
        let levers = inputs.clone() * lever;
        let shared = relu(levers.clone().matmul(self.shared_w1.val()) + self.shared_b1.val())
            .matmul(self.shared_w2.val())
            + levers.matmul(self.shared_skip.val());
        let linear = inputs.clone().matmul(self.lift_skip.val());
        let hidden = relu(inputs.matmul(self.lift_w1.val()) + self.lift_b1.val());
        shared + hidden.matmul(self.lift_w2.val()) + linear
    }

    /// Sum of squares of the interaction weights, per member on average: the penalty that
    /// shrinks segment-specific lifts towards the shared one.
    pub fn interaction_penalty(&self) -> Tensor<1> {
        let members = self.members().max(1) as f32;
        let square_sum = |p: &Param<Tensor<3>>| p.val().powi_scalar(2).sum();
        (square_sum(&self.lift_w1) + square_sum(&self.lift_w2) + square_sum(&self.lift_skip))
            / members
    }

    /// Linear predictors `[members, rows, outcomes]` for inputs `[members, rows, inputs]`.
    pub fn forward(&self, inputs: Tensor<3>) -> Tensor<3> {
        self.forward_trusting(inputs, None)
    }

    /// The trunk's base of rows whose lever inputs are zeroed: two hidden layers plus the
    /// linear path, before the funnel chain.
    fn trunk(&self, without_levers: Tensor<3>) -> Tensor<3> {
        let linear = without_levers.clone().matmul(self.skip.val());
        let hidden = relu(without_levers.matmul(self.w1.val()) + self.b1.val());
        let hidden = relu(hidden.matmul(self.w2.val()) + self.b2.val());
        hidden.matmul(self.w3.val()) + self.b3.val() + linear
    }

    /// The base (the trunk, which never sees the levers) and the lift of each row, before the
    /// funnel chain: `lift(x) − lift(x at baseline)`, zero wherever the levers are at their
    /// baselines.
    fn base_and_lift(&self, inputs: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let device = inputs.device();
        let lever = Self::row_vector(&self.lift_inputs.lever, &device);
        let effect = Self::row_vector(&self.lift_inputs.effect, &device);
        let baseline = Self::row_vector(&self.lift_inputs.baseline, &device);
        let without_levers = inputs.clone() - inputs.clone() * lever.clone();
        let base = self.trunk(without_levers.clone());
        let at_baseline = (without_levers + baseline) * effect.clone();
        let lift = self.lift(inputs * effect, lever.clone()) - self.lift(at_baseline, lever);
        (base, lift)
    }

    /// The funnel chain as a `[members, outputs, outputs]` matrix.
    fn chain_matrix_on(&self, members: usize, device: &Device) -> Tensor<3> {
        let outputs = self.chain.len().isqrt();
        Tensor::<2>::from_data(
            TensorData::new(self.chain.clone(), [outputs, outputs]),
            device,
        )
        .unsqueeze_dim::<3>(0)
        .repeat_dim(0, members)
    }

    /// As `forward`, with `lift_trust` `[1, rows, 1]` (1 or 0) saying which rows may teach the
    /// lift. On a 0 row the lift still counts in the prediction, but no gradient reaches the
    /// lift network through it: the base learns what the day was like given the lift the
    /// trusted (controlled) rows taught. The values are the same either way.
    pub fn forward_trusting(&self, inputs: Tensor<3>, lift_trust: Option<Tensor<3>>) -> Tensor<3> {
        let device = inputs.device();
        let [members, _, _] = inputs.dims();
        let (base, lift) = self.base_and_lift(inputs);
        let lift = match lift_trust {
            Some(trust) => {
                let untrusted = trust.clone().neg().add_scalar(1.0);
                lift.clone() * trust + lift.detach() * untrusted
            }
            None => lift,
        };
        (base + lift).matmul(self.chain_matrix_on(members, &device))
    }
}

/// The parts of a forward pass that do not depend on the lever inputs, for rows whose levers
/// alone will move (`EnsembleNet::lever_free_parts`).
#[derive(Clone, Debug)]
pub struct LeverFreeParts {
    /// The lift network's hidden pre-activation without the levers `[members, rows, hidden]`.
    pub hidden: Tensor<3>,
    /// The trunk's base `[members, rows, outputs]`, before the funnel chain.
    pub base: Tensor<3>,
    /// The lever-dependent part of the lift at the baseline levers, computed as
    /// `forward_from_parts` computes it for any levers (so a row set to the baseline gets a
    /// lift of exactly zero) `[members, rows, outputs]`.
    pub lift_at_baseline: Tensor<3>,
    /// The rows' chained outputs with every lever at its baseline.
    pub baseline: Tensor<3>,
}

impl EnsembleNet {
    /// Splits the forward pass of `inputs` into what the lever inputs do not change. With the
    /// lever terms of `lever_terms`, `forward_from_parts` then gives the outputs for any lever
    /// values at the cost of the lift's last layer alone: the same values as `forward` up to
    /// float rounding (the sums are grouped differently; the lift's lever-free linear term
    /// cancels between the rows and their baseline), and exactly the baseline at the baseline.
    pub fn lever_free_parts(&self, inputs: Tensor<3>) -> LeverFreeParts {
        let (base, baseline) = self.base_parts(inputs.clone());
        let (hidden, lift_at_baseline) = self.lift_parts(inputs);
        LeverFreeParts {
            hidden,
            base,
            lift_at_baseline,
            baseline,
        }
    }

    /// The trunk's base of `inputs` `[members, rows, outputs]` (before the funnel chain) and
    /// the rows' chained outputs with every lever at its baseline.
    pub fn base_parts(&self, inputs: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let device = inputs.device();
        let [members, _, _] = inputs.dims();
        let lever = Self::row_vector(&self.lift_inputs.lever, &device);
        let base = self.trunk(inputs.clone() - inputs * lever);
        let baseline = base.clone().matmul(self.chain_matrix_on(members, &device));
        (base, baseline)
    }

    /// The lift network's lever-free hidden pre-activation `[members, rows, hidden]` and the
    /// lever-dependent lift at the baseline levers `[members, rows, outputs]`. Both depend on
    /// the effect inputs alone (dimensions and covariates, not the calendar), so rows that share
    /// them share these.
    pub fn lift_parts(&self, inputs: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let device = inputs.device();
        let [members, _, _] = inputs.dims();
        let lever = Self::row_vector(&self.lift_inputs.lever, &device);
        let effect = Self::row_vector(&self.lift_inputs.effect, &device);
        let without_levers = inputs.clone() - inputs * lever;
        let hidden = (without_levers * effect).matmul(self.lift_w1.val()) + self.lift_b1.val();
        let baseline_levers =
            Self::row_vector(&self.lift_inputs.baseline, &device).repeat_dim(0, members);
        let (lever_hidden, lever_outputs) = self.lever_terms(baseline_levers);
        let lift_at_baseline = self.lever_lift(hidden.clone(), lever_hidden, lever_outputs);
        (hidden, lift_at_baseline)
    }

    /// The lift of rows from their lift parts (`lift_parts`) and lever terms (`lever_terms`,
    /// one per row or broadcast): exactly zero where the levers are at their baseline.
    pub fn lift_from_parts(
        &self,
        hidden: Tensor<3>,
        lift_at_baseline: Tensor<3>,
        lever_hidden: Tensor<3>,
        lever_outputs: Tensor<3>,
    ) -> Tensor<3> {
        self.lever_lift(hidden, lever_hidden, lever_outputs) - lift_at_baseline
    }

    /// Chained outputs of a base and a lift (both before the funnel chain).
    pub fn chained(&self, base: Tensor<3>, lift: Tensor<3>) -> Tensor<3> {
        let device = base.device();
        let [members, _, _] = base.dims();
        (base + lift).matmul(self.chain_matrix_on(members, &device))
    }

    /// The lever terms of distinct lever vectors `[members, settings, inputs]` (0 outside the
    /// lever inputs): what they add to the lift's hidden pre-activation
    /// `[members, settings, hidden]` and, through the shared lift and the linear path, to the
    /// outputs `[members, settings, outputs]`.
    pub fn lever_terms(&self, levers: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let shared = relu(levers.clone().matmul(self.shared_w1.val()) + self.shared_b1.val())
            .matmul(self.shared_w2.val())
            + levers.clone().matmul(self.shared_skip.val())
            + levers.clone().matmul(self.lift_skip.val());
        (levers.matmul(self.lift_w1.val()), shared)
    }

    /// The part of the lift that depends on the levers: the hidden layer over the lever-free
    /// pre-activation plus the levers' own, and the levers' direct terms.
    fn lever_lift(
        &self,
        hidden: Tensor<3>,
        lever_hidden: Tensor<3>,
        lever_outputs: Tensor<3>,
    ) -> Tensor<3> {
        relu(hidden + lever_hidden).matmul(self.lift_w2.val()) + lever_outputs
    }

    /// Chained outputs from the lever-free parts of some rows and each row's lever terms
    /// (`lever_terms`, broadcast or gathered per row).
    pub fn forward_from_parts(
        &self,
        parts: &LeverFreeParts,
        lever_hidden: Tensor<3>,
        lever_outputs: Tensor<3>,
    ) -> Tensor<3> {
        let lift = self.lift_from_parts(
            parts.hidden.clone(),
            parts.lift_at_baseline.clone(),
            lever_hidden,
            lever_outputs,
        );
        self.chained(parts.base.clone(), lift)
    }
}

impl EnsembleNet {
    /// How many members the ensemble has.
    pub fn members(&self) -> usize {
        self.w1.val().dims()[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(parents: Vec<Option<usize>>) -> NetworkShape {
        NetworkShape {
            members: 1,
            inputs: 2,
            hidden: 4,
            outputs: parents.len(),
            parents,
            lift_inputs: LiftInputs::default(),
        }
    }

    #[test]
    fn chain_sums_each_output_with_its_ancestors() {
        // clicks ← orders ← revenue, plus a stand-alone outcome.
        let shape = shape(vec![None, Some(0), Some(1), None]);
        let m = shape.chain_matrix();
        let column = |j: usize| (0..4).map(|a| m[a * 4 + j]).collect::<Vec<_>>();
        assert_eq!(column(0), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(column(1), [1.0, 1.0, 0.0, 0.0]);
        assert_eq!(column(2), [1.0, 1.0, 1.0, 0.0]);
        assert_eq!(column(3), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            shape.raw_biases(&[-3.0, -6.0, -1.0, 2.0]),
            [-3.0, -3.0, 5.0, 2.0]
        );
    }

    #[test]
    fn a_cyclic_chain_still_terminates() {
        let shape = shape(vec![Some(1), Some(0)]);
        assert_eq!(shape.chain_matrix().len(), 4);
    }

    #[test]
    fn lift_is_exactly_zero_at_the_baseline() {
        let device = Device::flex();
        let net_with = |effect: Vec<f32>| {
            let mut shape = shape(vec![None]);
            shape.lift_inputs = LiftInputs {
                lever: vec![1.0, 0.0],
                effect,
                baseline: vec![-0.5, 0.0],
            };
            // Same seed: the same trunk weights in both nets.
            EnsembleNet::new(&shape, &[0.0], 3, &device)
        };
        let with_lift = net_with(vec![1.0, 1.0]);
        let without_lift = net_with(vec![0.0, 0.0]);
        let eta = |net: &EnsembleNet, lever: f32, other: f32| {
            let input = Tensor::<1>::from_data(TensorData::new(vec![lever, other], [2]), &device)
                .reshape([1, 1, 2]);
            net.forward(input).into_scalar::<f32>()
        };
        assert_eq!(eta(&with_lift, -0.5, 0.7), eta(&without_lift, -0.5, 0.7));
        assert_eq!(
            eta(&without_lift, 2.0, 0.7),
            eta(&without_lift, -0.5, 0.7),
            "the trunk never sees the lever"
        );
        assert_ne!(eta(&with_lift, 2.0, 0.7), eta(&with_lift, -0.5, 0.7));
    }

    #[test]
    fn forward_from_parts_matches_the_forward_pass() {
        let device = Device::flex();
        let mut shape = shape(vec![None, Some(0)]);
        shape.inputs = 3;
        shape.members = 2;
        shape.lift_inputs = LiftInputs {
            lever: vec![1.0, 0.0, 0.0],
            effect: vec![1.0, 1.0, 0.0],
            baseline: vec![-0.5, 0.0, 0.0],
        };
        let net = EnsembleNet::new(&shape, &[-1.0, -2.0], 5, &device);
        let rows: Vec<f32> = vec![0.8, 0.3, -1.0, 1.7, -0.4, 0.2, -0.5, 1.1, 0.6];
        let tensor = |values: Vec<f32>, rows: usize| {
            Tensor::<2>::from_data(TensorData::new(values, [rows, 3]), &device)
                .unsqueeze_dim::<3>(0)
                .repeat_dim(0, 2)
        };
        let direct: Vec<f32> = net
            .forward(tensor(rows.clone(), 3))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let parts = net.lever_free_parts(tensor(rows.clone(), 3));
        let baseline: Vec<f32> = parts
            .baseline
            .clone()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        // Each row its own lever vector: three settings, gathered in row order.
        let levers: Vec<f32> = (0..3).flat_map(|r| [rows[r * 3], 0.0, 0.0]).collect();
        let (lever_hidden, lever_outputs) = net.lever_terms(tensor(levers, 3));
        let from_parts: Vec<f32> = net
            .forward_from_parts(&parts, lever_hidden, lever_outputs)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(direct.len(), from_parts.len());
        for (a, b) in direct.iter().zip(&from_parts) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        // Row 2 sits at the baseline: its output is the baseline output, to the bit.
        for m in 0..2 {
            for j in 0..2 {
                let at = (m * 3 + 2) * 2 + j;
                assert_eq!(baseline[at], from_parts[at]);
            }
        }
    }
}
