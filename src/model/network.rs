//! The forecast network: a multi-task MLP (shared trunk, one output per outcome) replicated as a
//! deep ensemble. Members are stacked along a leading dimension and trained as one batched
//! network, so five members cost one pass, on CPU or GPU alike.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Shape of the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkShape {
    pub members: usize,
    pub inputs: usize,
    pub hidden: usize,
    pub outputs: usize,
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
    /// A linear path from the inputs straight to each head: main effects (a lever's average
    /// lift) are learnt quickly and robustly, the trunk adds the interactions.
    skip: Param<Tensor<3>>,
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
        // A small last layer keeps the start close to the base rates.
        let w3 = weights(h, o, 0.1);
        let zeros = |width: usize| {
            Param::from_data(
                TensorData::new(vec![0f32; m * width], [m, 1, width]),
                device,
            )
        };
        let mut bias = Vec::with_capacity(m * o);
        for _ in 0..m {
            bias.extend((0..o).map(|k| output_bias.get(k).copied().unwrap_or(0.0)));
        }
        let skip = Param::from_data(TensorData::new(vec![0f32; m * i * o], [m, i, o]), device);
        Self {
            skip,
            w1,
            b1: zeros(h),
            w2,
            b2: zeros(h),
            w3,
            b3: Param::from_data(TensorData::new(bias, [m, 1, o]), device),
        }
    }

    /// Linear predictors `[members, rows, outcomes]` for inputs `[members, rows, inputs]`.
    pub fn forward(&self, inputs: Tensor<3>) -> Tensor<3> {
        let linear = inputs.clone().matmul(self.skip.val());
        let hidden = relu(inputs.matmul(self.w1.val()) + self.b1.val());
        let hidden = relu(hidden.matmul(self.w2.val()) + self.b2.val());
        hidden.matmul(self.w3.val()) + self.b3.val() + linear
    }
}

impl EnsembleNet {
    /// How many members the ensemble has.
    pub fn members(&self) -> usize {
        self.w1.val().dims()[0]
    }
}
