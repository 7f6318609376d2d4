//! Error measures of predictions against actual outcomes. Each takes `(predicted, actual)` of
//! equal length and returns NaN where the measure is undefined (no rows, a zero denominator),
//! so a table shows "n/a" instead of a made-up number.

use crate::data::roles::OutcomeKind;

/// An error measure of predictions against actuals.
pub type Measure = fn(&[f64], &[f64]) -> f64;

/// The proper score (lower is better) that fits an outcome kind, with its name: log-loss for
/// binary outcomes, Poisson deviance for counts, Tweedie deviance (power 1.5) for amounts.
pub fn proper_score(kind: OutcomeKind) -> (&'static str, Measure) {
    match kind {
        OutcomeKind::Binary => ("log_loss", log_loss),
        OutcomeKind::Count => ("poisson_deviance", poisson_deviance),
        OutcomeKind::Amount => ("tweedie_deviance_1.5", |p, y| tweedie_deviance(p, y, 1.5)),
    }
}

/// Mean absolute error.
pub fn mae(predicted: &[f64], actual: &[f64]) -> f64 {
    mean(predicted.iter().zip(actual).map(|(p, y)| (p - y).abs()))
}

/// Root mean squared error.
pub fn rmse(predicted: &[f64], actual: &[f64]) -> f64 {
    mean(predicted.iter().zip(actual).map(|(p, y)| (p - y).powi(2))).sqrt()
}

/// Weighted absolute percentage error: Σ|p − y| / Σ|y|, robust where single actuals are zero.
pub fn wape(predicted: &[f64], actual: &[f64]) -> f64 {
    let errors: f64 = predicted
        .iter()
        .zip(actual)
        .map(|(p, y)| (p - y).abs())
        .sum();
    let total: f64 = actual.iter().map(|y| y.abs()).sum();
    if total > 0.0 {
        errors / total
    } else {
        f64::NAN
    }
}

/// Root mean squared percentage error over the rows whose actual is not zero, and how many
/// rows were skipped for a zero actual (a percentage of zero is undefined).
pub fn rmspe(predicted: &[f64], actual: &[f64]) -> (f64, usize) {
    let kept: Vec<f64> = predicted
        .iter()
        .zip(actual)
        .filter(|(_, y)| **y != 0.0)
        .map(|(p, y)| ((p - y) / y).powi(2))
        .collect();
    let skipped = actual.len().min(predicted.len()) - kept.len();
    (mean(kept.into_iter()).sqrt(), skipped)
}

/// Mean Poisson deviance, 2·[y·ln(y/μ) − (y − μ)].
pub fn poisson_deviance(predicted: &[f64], actual: &[f64]) -> f64 {
    mean(predicted.iter().zip(actual).map(|(&mu, &y)| {
        let mu = mu.max(1e-12);
        let log_term = if y > 0.0 { y * (y / mu).ln() } else { 0.0 };
        2.0 * (log_term - (y - mu))
    }))
}

/// Mean Tweedie deviance with power 1 < p < 2 (zero-inflated amounts such as spend):
/// 2·[y^(2−p)/((1−p)(2−p)) − y·μ^(1−p)/(1−p) + μ^(2−p)/(2−p)].
pub fn tweedie_deviance(predicted: &[f64], actual: &[f64], power: f64) -> f64 {
    if !(power > 1.0 && power < 2.0) {
        return f64::NAN;
    }
    let p = power;
    mean(predicted.iter().zip(actual).map(|(&mu, &y)| {
        let mu = mu.max(1e-12);
        let y = y.max(0.0);
        2.0 * (y.powf(2.0 - p) / ((1.0 - p) * (2.0 - p)) - y * mu.powf(1.0 - p) / (1.0 - p)
            + mu.powf(2.0 - p) / (2.0 - p))
    }))
}

/// Mean log-loss of probabilities against 0/1 outcomes (probabilities clipped at 1e-15, as
/// scikit-learn does).
pub fn log_loss(probabilities: &[f64], actual: &[f64]) -> f64 {
    mean(probabilities.iter().zip(actual).map(|(&p, &y)| {
        let p = p.clamp(1e-15, 1.0 - 1e-15);
        -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
    }))
}

/// Brier score: the mean squared difference of probability and 0/1 outcome.
pub fn brier(probabilities: &[f64], actual: &[f64]) -> f64 {
    mean(
        probabilities
            .iter()
            .zip(actual)
            .map(|(p, y)| (p - y).powi(2)),
    )
}

/// Area under the ROC curve: the chance a random positive is ranked above a random negative
/// (ties count half). NaN without both classes.
pub fn auc(scores: &[f64], actual: &[f64]) -> f64 {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .zip(actual)
        .map(|(&s, &y)| (s, y > 0.5))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = pairs.iter().filter(|p| p.1).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    // Sum of positive ranks, with tied scores sharing their average rank.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < pairs.len() {
        let mut end = start;
        while end + 1 < pairs.len() && pairs[end + 1].0 == pairs[start].0 {
            end += 1;
        }
        let average_rank = (start + end) as f64 / 2.0 + 1.0;
        rank_sum += pairs[start..=end].iter().filter(|p| p.1).count() as f64 * average_rank;
        start = end + 1;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + b.abs())
    }

    #[test]
    fn absolute_and_squared_errors_by_hand() {
        let predicted = [2.0, 4.0, 0.0];
        let actual = [1.0, 6.0, 0.0];
        // |1| + |−2| + 0 = 3 over 3 rows; squares 1 + 4 + 0 = 5.
        assert!(close(mae(&predicted, &actual), 1.0));
        assert!(close(rmse(&predicted, &actual), (5.0f64 / 3.0).sqrt()));
        // 3 / (1 + 6 + 0).
        assert!(close(wape(&predicted, &actual), 3.0 / 7.0));
        // Percentages of the two non-zero actuals: 100% and −33.3%.
        let (value, skipped) = rmspe(&predicted, &actual);
        assert_eq!(skipped, 1);
        assert!(close(value, ((1.0 + 1.0 / 9.0) / 2.0f64).sqrt()));
        assert!(wape(&[1.0], &[0.0]).is_nan());
        assert!(mae(&[], &[]).is_nan());
    }

    #[test]
    fn deviances_by_hand() {
        // y = 0, μ = 1: 2·(0 − (0 − 1)) = 2; y = 2, μ = 2: 0.
        assert!(close(poisson_deviance(&[1.0, 2.0], &[0.0, 2.0]), 1.0));
        // Power 1.5, y = 0, μ = 4: 2·μ^0.5/0.5 = 8. y = μ gives 0.
        assert!(close(tweedie_deviance(&[4.0], &[0.0], 1.5), 8.0));
        assert!(tweedie_deviance(&[3.0], &[3.0], 1.5).abs() < 1e-9);
        assert!(tweedie_deviance(&[3.0], &[3.0], 2.5).is_nan());
    }

    #[test]
    fn auc_by_hand_and_with_ties() {
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[0.0, 0.0, 1.0, 1.0]), 0.75);
        assert_eq!(auc(&[0.5, 0.5], &[0.0, 1.0]), 0.5);
        assert!(auc(&[0.5, 0.7], &[1.0, 1.0]).is_nan());
    }

    #[test]
    fn log_loss_and_brier_by_hand() {
        assert!(close(
            log_loss(&[0.5, 0.5], &[1.0, 0.0]),
            std::f64::consts::LN_2
        ));
        // (0.2² + 0.3²) / 2.
        assert!(close(brier(&[0.8, 0.3], &[1.0, 0.0]), 0.065));
    }

    /// A fixed example scored with scikit-learn 1.9.1 (`log_loss`, `roc_auc_score`,
    /// `brier_score_loss`); the figures are recorded here.
    #[test]
    fn binary_metrics_match_scikit_learn() {
        let y = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let p = [0.1, 0.8, 0.65, 0.3, 0.9, 0.45, 0.35, 0.7, 0.2, 0.6];
        assert!((log_loss(&p, &y) - SKLEARN_LOG_LOSS).abs() < 1e-12);
        assert!((auc(&p, &y) - SKLEARN_AUC).abs() < 1e-12);
        assert!((brier(&p, &y) - SKLEARN_BRIER).abs() < 1e-12);
    }

    const SKLEARN_LOG_LOSS: f64 = 0.4365090795042444;
    const SKLEARN_AUC: f64 = 0.92;
    const SKLEARN_BRIER: f64 = 0.13875;
}
