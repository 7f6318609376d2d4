//! Intervals and probabilities from the ensemble's paired draws (one per member).
//!
//! Each member is one plausible model, so its total is one draw of what the plan yields. With
//! many draws the interval is their empirical quantiles. With the few members a desktop trains
//! (5 by default) empirical quantiles would be far too narrow (5 draws cannot show a 2.5% tail),
//! so below `EMPIRICAL_DRAWS` the interval is the Student-t prediction interval of the draws:
//! mean ± t(M−1) × sd × √(1 + 1/M), and probabilities use the same t distribution. Both rest on
//! the draws alone, and widen honestly when there are few.

use serde::{Deserialize, Serialize};

/// From this many draws on, quantiles and shares are read off the draws directly.
pub(crate) const EMPIRICAL_DRAWS: usize = 40;

/// A central interval at a stated level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub level: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// The Student-t predictive distribution of one more draw: centre, scale and degrees of
/// freedom (mean, sd × √(1 + 1/M), M − 1). `None` with fewer than two draws.
pub(crate) fn predictive(draws: &[f64]) -> Option<(f64, f64, f64)> {
    (draws.len() >= 2).then(|| {
        let m = draws.len() as f64;
        (mean(draws), sd(draws) * (1.0 + 1.0 / m).sqrt(), m - 1.0)
    })
}

fn empirical_quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

/// The central `level` interval of the quantity the draws sample.
pub fn interval(draws: &[f64], level: f64) -> Interval {
    let finite: Vec<f64> = draws.iter().copied().filter(|d| d.is_finite()).collect();
    if finite.is_empty() {
        return Interval {
            level,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let tail = (1.0 - level) / 2.0;
    if finite.len() >= EMPIRICAL_DRAWS {
        let mut sorted = finite;
        sorted.sort_by(f64::total_cmp);
        return Interval {
            level,
            low: empirical_quantile(&sorted, tail),
            high: empirical_quantile(&sorted, 1.0 - tail),
        };
    }
    let (centre, half) = match predictive(&finite) {
        Some((centre, scale, df)) => (centre, student_t_quantile(1.0 - tail, df) * scale),
        None => (mean(&finite), 0.0),
    };
    Interval {
        level,
        low: centre - half,
        high: centre + half,
    }
}

/// The probability that the quantity the draws sample is above zero.
pub fn probability_positive(draws: &[f64]) -> f64 {
    let finite: Vec<f64> = draws.iter().copied().filter(|d| d.is_finite()).collect();
    if finite.is_empty() {
        return f64::NAN;
    }
    if finite.len() >= EMPIRICAL_DRAWS {
        return finite.iter().filter(|d| **d > 0.0).count() as f64 / finite.len() as f64;
    }
    match predictive(&finite) {
        Some((centre, scale, df)) if scale > 0.0 => student_t_cdf(centre / scale, df),
        // No spread: the draws agree, so the answer is certain either way.
        _ if mean(&finite) > 0.0 => 1.0,
        _ => 0.0,
    }
}

/// Simulated predictive draws behind `probability_best` when the members are few.
const BEST_SAMPLES: usize = 20_000;
/// Their seed: the same draws always give the same probabilities.
const BEST_SEED: u64 = 0x11f7;

/// The probability that each quantity is the highest, from paired draws (`draws[i][m]`:
/// quantity `i` under member `m`). From `EMPIRICAL_DRAWS` members on, the share of members in
/// which each is highest. With fewer, that share would be far too coarse (five members give
/// only multiples of 20%), so it is the share of simulated draws from the paired Student-t
/// predictive the intervals use: the members' means, spreads and correlations, widened by
/// √(1 + 1/M), M − 1 degrees of freedom. For two quantities this is `probability_positive` of
/// their difference. Deterministic.
pub fn probability_best(draws: &[&[f64]]) -> Vec<f64> {
    use rand::SeedableRng;
    use rand_distr::{ChiSquared, Distribution, StandardNormal};
    let quantities = draws.len();
    let members = draws.iter().map(|d| d.len()).min().unwrap_or(0);
    let highest = |value: &dyn Fn(usize) -> f64| {
        (0..quantities)
            .max_by(|&a, &b| value(a).total_cmp(&value(b)))
            .unwrap_or(0)
    };
    // The share of members in which each quantity is highest.
    let member_shares = || -> Vec<f64> {
        let mut wins = vec![0usize; quantities];
        for winner in (0..members).map(|m| highest(&|i| draws[i][m])) {
            if let Some(count) = wins.get_mut(winner) {
                *count += 1;
            }
        }
        let total = members.max(1) as f64;
        wins.iter().map(|w| *w as f64 / total).collect()
    };
    let m = members as f64;
    let df = m - 1.0;
    if !(2..EMPIRICAL_DRAWS).contains(&members) {
        return member_shares();
    }
    let Ok(chi_squared) = ChiSquared::new(df) else {
        return member_shares();
    };
    let mut wins = vec![0usize; quantities];
    let means: Vec<f64> = draws.iter().map(|d| mean(&d[..members])).collect();
    // Σ_m w_m (x_m − x̄) with standard normal weights has the members' covariance × (M − 1).
    let scale = ((1.0 + 1.0 / m) / df).sqrt();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(BEST_SEED);
    let mut weights = vec![0.0; members];
    for _ in 0..BEST_SAMPLES {
        for weight in weights.iter_mut() {
            *weight = StandardNormal.sample(&mut rng);
        }
        let t = scale * (df / chi_squared.sample(&mut rng)).sqrt();
        let value = |i: usize| {
            let deviation: f64 = weights
                .iter()
                .zip(draws[i])
                .map(|(w, x)| w * (x - means[i]))
                .sum();
            means[i] + t * deviation
        };
        if let Some(count) = wins.get_mut(highest(&value)) {
            *count += 1;
        }
    }
    wins.iter()
        .map(|w| *w as f64 / BEST_SAMPLES as f64)
        .collect()
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p` quantile of Student's t, by bisection on the CDF (monotone, so it always converges).
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    let (mut low, mut high) = (-1e3, 1e3);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if student_t_cdf(middle, df) < p {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// I_x(a, b) by its continued fraction (Lentz), using the symmetry for fast convergence.
fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - regularized_incomplete_beta(b, a, 1.0 - x);
    }
    let tiny = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut result = d;
    for m in 1..300 {
        let m = m as f64;
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + even * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = 1.0 + even / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        result *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + odd * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = 1.0 + odd / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let step = d * c;
        result *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * result / a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // Standard t tables: t(0.975; 4) = 2.776, t(0.9; 4) = 1.533, t(0.975; 30) = 2.042.
        assert!((student_t_quantile(0.975, 4.0) - 2.7764).abs() < 1e-3);
        assert!((student_t_quantile(0.9, 4.0) - 1.5332).abs() < 1e-3);
        assert!((student_t_quantile(0.975, 30.0) - 2.0423).abs() < 1e-3);
        assert!((student_t_cdf(0.0, 3.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn few_draws_give_a_t_prediction_interval() {
        let draws = [8.0, 9.0, 10.0, 11.0, 12.0];
        // mean 10, sd 1.5811, √(1 + 1/5) = 1.0954, t(0.975; 4) = 2.7764 → half-width 4.809.
        let interval = interval(&draws, 0.95);
        assert!((interval.low - (10.0 - 4.809)).abs() < 2e-3, "{interval:?}");
        assert!((interval.high - (10.0 + 4.809)).abs() < 2e-3);
        assert!(interval.contains(10.0) && !interval.contains(15.0));
    }

    #[test]
    fn many_draws_give_empirical_quantiles() {
        let draws: Vec<f64> = (0..=100).map(f64::from).collect();
        let interval = interval(&draws, 0.8);
        assert!((interval.low - 10.0).abs() < 1e-9 && (interval.high - 90.0).abs() < 1e-9);
        assert!((probability_positive(&draws) - 100.0 / 101.0).abs() < 1e-12);
    }

    #[test]
    fn probability_best_agrees_with_the_paired_difference() {
        // Two plans sharing most of their members' swings: plan b is ahead in 4 of 5
        // members, so the raw share would say 80% or 20%; the paired t says how sure.
        let a = [10.0, 12.0, 9.0, 11.0, 13.0];
        let b = [10.5, 12.4, 9.8, 10.9, 13.6];
        let best = probability_best(&[&a, &b]);
        let difference: Vec<f64> = b.iter().zip(&a).map(|(b, a)| b - a).collect();
        let expected = probability_positive(&difference);
        assert!(
            (best[1] - expected).abs() < 0.01,
            "{best:?} against {expected}"
        );
        assert!((best[0] + best[1] - 1.0).abs() < 1e-12);
        assert_eq!(best, probability_best(&[&a, &b]), "deterministic");
        // Three plans: shares sum to one and follow the means.
        let c = [8.0, 10.0, 7.5, 9.0, 11.0];
        let best = probability_best(&[&a, &b, &c]);
        assert!((best.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(best[1] > best[0] && best[0] > best[2], "{best:?}");
    }

    #[test]
    fn probability_best_with_many_draws_counts_members() {
        let a: Vec<f64> = (0..50).map(f64::from).collect();
        let b: Vec<f64> = (0..50).map(|i| if i < 10 { 100.0 } else { -1.0 }).collect();
        assert_eq!(probability_best(&[&a, &b]), vec![0.8, 0.2]);
        assert_eq!(probability_best(&[&[1.0], &[2.0]]), vec![0.0, 1.0]);
    }

    #[test]
    fn probability_positive_follows_the_draws() {
        assert!(probability_positive(&[5.0, 6.0, 7.0, 5.5, 6.5]) > 0.99);
        assert!(probability_positive(&[-5.0, -6.0, -7.0, -5.5, -6.5]) < 0.01);
        let even = probability_positive(&[-1.0, 1.0, -2.0, 2.0]);
        assert!((even - 0.5).abs() < 1e-9);
    }
}
