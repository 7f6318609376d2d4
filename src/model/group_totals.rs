//! Totals of prepared rows without a pass over the rows, for the points of a response curve.
//! A count's or amount's expected value is `exp(link + shift + offset) × scale`. On rows kept in
//! groups (`prepared`: rows sharing the lift's inputs), a row's network link is its base plus
//! its group's lift, and one setting on every row gives every row the same calibration shift.
//! A member's total is then `Σ over groups of exp(lift + shift) × Σ over the group's rows of
//! exp(base + offset)`; the second factor does not depend on the setting and is summed once,
//! when the rows are prepared. A point then costs the lift of each group, not a pass over
//! 100,000 rows × members × outcomes.
//!
//! It holds only where that algebra does: networks alone (no tree walked for any outcome), no
//! binary outcome (the logistic link does not factor) and one setting shared by every row.

use super::encode::{EncodedRows, OutcomeTarget};
use super::predict::LinkValues;
use crate::data::roles::OutcomeKind;

/// What the totals of prepared, grouped rows need beside each point's group lifts.
#[derive(Clone, Debug)]
pub struct GroupTotals {
    members: usize,
    groups: usize,
    outcomes: usize,
    /// Σ over each group's rows of `exp(base + offset)`, `[member][group][outcome]`.
    exp_sums: Vec<f64>,
    scales: Vec<f64>,
    /// Each member's baseline total of each outcome, `[outcome][member]`: the same for every
    /// setting, so summed once.
    baseline: Vec<Vec<f64>>,
}

impl GroupTotals {
    /// The sums of rows in groups (`row_group`, `groups` of them) from their baseline link
    /// values (the base: the lift is zero at the baseline) and the baseline's calibration
    /// shift of each outcome, or `None` when an outcome is binary or the sizes do not match.
    pub fn of(
        baseline: &LinkValues,
        row_group: &[usize],
        groups: usize,
        encoded: &EncodedRows,
        outcomes: &[OutcomeTarget],
        uses_offset: bool,
        baseline_shifts: &[f32],
    ) -> Option<Self> {
        let (members, rows, k) = (baseline.members, baseline.rows, baseline.outcomes);
        if outcomes.iter().any(|o| o.kind == OutcomeKind::Binary)
            || outcomes.len() != k
            || row_group.len() != rows
            || encoded.rows != rows
            || (uses_offset && encoded.offset.len() != rows)
            || row_group.iter().any(|&g| g >= groups)
        {
            return None;
        }
        let mut exp_sums = vec![0f64; members * groups * k];
        for m in 0..members {
            for (r, &g) in row_group.iter().enumerate() {
                let offset = if uses_offset { encoded.offset[r] } else { 0.0 };
                for j in 0..k {
                    let link = baseline.values[(m * rows + r) * k + j];
                    exp_sums[(m * groups + g) * k + j] += f64::from(link + offset).exp();
                }
            }
        }
        let mut sums = Self {
            members,
            groups,
            outcomes: k,
            exp_sums,
            scales: outcomes.iter().map(|o| o.scale).collect(),
            baseline: Vec::new(),
        };
        sums.baseline = sums.member_totals(None, baseline_shifts)?;
        Some(sums)
    }

    /// Each member's baseline total of each outcome, `[outcome][member]`.
    pub fn baseline(&self) -> &[Vec<f64>] {
        &self.baseline
    }

    /// Each member's total of each outcome, `[outcome][member]`, with `lifts` the groups' link
    /// lifts `[member][group][outcome]` (`None`: no lift, the baseline) and `shifts` the
    /// calibration shift of each outcome. `None` when the lifts do not fit the groups.
    pub fn member_totals(
        &self,
        lifts: Option<&LinkValues>,
        shifts: &[f32],
    ) -> Option<Vec<Vec<f64>>> {
        let (groups, k) = (self.groups, self.outcomes);
        if lifts.is_some_and(|l| l.members != self.members || l.rows != groups || l.outcomes != k)
            || shifts.len() != k
        {
            return None;
        }
        let totals = (0..k)
            .map(|j| {
                (0..self.members)
                    .map(|m| {
                        let sum: f64 = (0..groups)
                            .map(|g| {
                                let lift = lifts.map_or(0.0, |l| l.get(m, g, j));
                                let factor = f64::from(lift + shifts[j]).exp();
                                factor * self.exp_sums[(m * groups + g) * k + j]
                            })
                            .sum();
                        sum * self.scales[j]
                    })
                    .collect()
            })
            .collect();
        Some(totals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(kind: OutcomeKind, scale: f64) -> OutcomeTarget {
        OutcomeTarget {
            column: "orders".into(),
            kind,
            scale,
        }
    }

    #[test]
    fn group_sums_give_the_rows_totals() {
        // One member, three rows in two groups, one count outcome with an exposure offset.
        let baseline = LinkValues {
            members: 1,
            rows: 3,
            outcomes: 1,
            values: vec![0.1, -0.3, 0.5],
        };
        let encoded = EncodedRows {
            rows: 3,
            width: 0,
            inputs: Vec::new(),
            offset: vec![0.0, 1.0, 0.5],
            targets: Vec::new(),
            cold_start: vec![false; 3],
            categorical_slots: Vec::new(),
            baskets: Vec::new(),
        };
        let row_group = [0, 1, 0];
        let outcomes = [outcome(OutcomeKind::Count, 2.0)];
        let shift = 0.05f32;
        let sums = GroupTotals::of(
            &baseline,
            &row_group,
            2,
            &encoded,
            &outcomes,
            true,
            &[shift],
        )
        .unwrap();
        let lifts = LinkValues {
            members: 1,
            rows: 2,
            outcomes: 1,
            values: vec![0.2, -0.1],
        };
        // Row by row, as `predict::to_means` and the sums of a forecast would.
        let expected: f64 = (0..3)
            .map(|r| {
                let eta = baseline.values[r] + lifts.values[row_group[r]] + shift;
                f64::from((eta + encoded.offset[r]).exp()) * 2.0
            })
            .sum();
        let totals = sums.member_totals(Some(&lifts), &[shift]).unwrap();
        assert!(
            (totals[0][0] / expected - 1.0).abs() < 1e-6,
            "{totals:?} vs {expected}"
        );
        // Without a lift: the baseline's total.
        let base: f64 = (0..3)
            .map(|r| f64::from((baseline.values[r] + shift + encoded.offset[r]).exp()) * 2.0)
            .sum();
        let at_baseline = sums.member_totals(None, &[shift]).unwrap();
        assert!((at_baseline[0][0] / base - 1.0).abs() < 1e-6);
        assert_eq!(sums.baseline(), at_baseline.as_slice(), "summed when made");
        // Lifts of other groups, or shifts of other outcomes, do not fit.
        assert!(sums.member_totals(Some(&baseline), &[shift]).is_none());
        assert!(sums.member_totals(None, &[]).is_none());
        // A binary outcome does not factor.
        let binary = [outcome(OutcomeKind::Binary, 1.0)];
        assert!(
            GroupTotals::of(&baseline, &row_group, 2, &encoded, &binary, true, &[shift]).is_none()
        );
    }
}
