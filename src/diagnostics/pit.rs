//! The probability integral transform (PIT) histogram: where each held-out actual falls in its
//! own predictive distribution. A calibrated model gives a flat histogram; a U shape means the
//! actuals land in the tails too often (intervals too narrow), a hump that they are too wide,
//! and a slope that the predictions are biased.
//!
//! Outcomes with ties (binary, and counts against an empirical residual distribution) use the
//! non-randomised PIT of Czado, Gneiting and Held (2009): each row spreads its unit of mass
//! uniformly over [F(y−), F(y)] instead of drawing one random point from it.

/// Bins of the histogram.
pub const BINS: usize = 10;

/// The PIT range of binary actuals `y` predicted with probabilities `p`: y = 0 covers
/// [0, 1 − p], y = 1 covers [1 − p, 1].
pub fn binary_ranges(p: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    p.iter()
        .zip(y)
        .map(|(p, y)| {
            let below = (1.0 - p).clamp(0.0, 1.0);
            if *y >= 0.5 {
                (below, 1.0)
            } else {
                (0.0, below)
            }
        })
        .collect()
}

/// The PIT range of each of `residuals` under the empirical distribution of `reference`
/// residuals (the validation rows', the distribution the intervals are drawn from).
pub fn empirical_ranges(reference: &[f64], residuals: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<f64> = reference
        .iter()
        .copied()
        .filter(|r| r.is_finite())
        .collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len().max(1) as f64;
    residuals
        .iter()
        .map(|r| {
            let below = sorted.partition_point(|v| v < r) as f64;
            let at_most = sorted.partition_point(|v| v <= r) as f64;
            (below / n, at_most / n)
        })
        .collect()
}

/// Density per bin (1.0 everywhere when flat) from each row's PIT range.
pub fn histogram(ranges: &[(f64, f64)]) -> Vec<f64> {
    let mut mass = [0.0f64; BINS];
    for &(low, high) in ranges {
        let (low, high) = (low.clamp(0.0, 1.0), high.clamp(0.0, 1.0));
        if high - low < 1e-12 {
            let bin = ((low * BINS as f64) as usize).min(BINS - 1);
            mass[bin] += 1.0;
            continue;
        }
        for (bin, slot) in mass.iter_mut().enumerate() {
            let from = bin as f64 / BINS as f64;
            let to = (bin + 1) as f64 / BINS as f64;
            let overlap = (high.min(to) - low.max(from)).max(0.0);
            *slot += overlap / (high - low);
        }
    }
    let total = ranges.len().max(1) as f64;
    mass.iter().map(|m| m / total * BINS as f64).collect()
}

/// The histogram's shape in one sentence.
pub fn reading(density: &[f64]) -> String {
    if density.len() < 4 {
        return "Too few held-out rows for a PIT histogram.".into();
    }
    let n = density.len();
    let tails = (density[0] + density[n - 1]) / 2.0;
    let low_half: f64 = density[..n / 2].iter().sum::<f64>() / (n / 2) as f64;
    let high_half: f64 = density[n / 2..].iter().sum::<f64>() / (n - n / 2) as f64;
    if low_half > 1.25 * high_half {
        "Slopes down: actuals fall low in their predictive distributions, so the model over-predicts.".into()
    } else if high_half > 1.25 * low_half {
        "Slopes up: actuals fall high in their predictive distributions, so the model under-predicts.".into()
    } else if tails > 1.5 {
        "U-shaped: actuals land in the tails too often, so the intervals are too narrow.".into()
    } else if tails < 0.5 {
        "Hump-shaped: actuals rarely reach the tails, so the intervals are too wide.".into()
    } else {
        "About flat: the predictive distributions fit the held-out actuals.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrated_binary_predictions_give_a_flat_histogram() {
        // Probability 0.3 everywhere, and exactly 30% ones: the mass is spread evenly.
        let p = vec![0.3; 10];
        let y: Vec<f64> = (0..10).map(|i| f64::from(u8::from(i < 3))).collect();
        let density = histogram(&binary_ranges(&p, &y));
        for d in &density {
            assert!((d - 1.0).abs() < 1e-9, "{density:?}");
        }
        assert!(reading(&density).starts_with("About flat"));
    }

    #[test]
    fn overconfident_residuals_give_a_u_shape() {
        // Reference residuals in [−1, 1]; the held-out ones mostly far outside.
        let reference: Vec<f64> = (0..100).map(|i| -1.0 + i as f64 / 50.0).collect();
        let held_out: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { -3.0 } else { 3.0 })
            .collect();
        let density = histogram(&empirical_ranges(&reference, &held_out));
        assert!(density[0] > 4.0 && density[BINS - 1] > 4.0, "{density:?}");
        assert!(reading(&density).starts_with("U-shaped"));
    }

    #[test]
    fn biased_predictions_slope() {
        let reference: Vec<f64> = (0..100).map(|i| -1.0 + i as f64 / 50.0).collect();
        let held_out = vec![-0.9; 50];
        let density = histogram(&empirical_ranges(&reference, &held_out));
        assert!(reading(&density).contains("over-predicts"), "{density:?}");
    }

    #[test]
    fn ranges_respect_ties() {
        let ranges = empirical_ranges(&[0.0, 1.0, 1.0, 2.0], &[1.0]);
        assert_eq!(ranges, vec![(0.25, 0.75)]);
    }
}
