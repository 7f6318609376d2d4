//! Totals of prepared rows without a pass over the rows, for the points of a response curve.
//! A count's or amount's expected value is `exp(link + shift + offset) × scale`, and under a
//! setting shared by every row, a row's blended link is its baseline link plus the networks'
//! lift and the change in the trees' link, each weighed by its family's share (`blend`). The
//! lift is one per group of prepared rows (rows sharing the lift's inputs), the trees' link one
//! per kind of rows (rows no tree tells apart, `tree_rows`), and the calibration shift one for
//! every row. Rows of the same group and kind (a cell) therefore move together, and a member's
//! total is `Σ over cells of exp(change + shift) × Σ over the cell's rows of
//! exp(baseline link + offset)`: the second factor does not depend on the setting and is summed once, when the
//! rows are prepared. A point then costs the groups' lifts and a walk of the lever trees over
//! one row of each kind, not a pass over 100,000 rows × members × outcomes.
//!
//! It holds only where that algebra does: no binary outcome (the logistic link does not
//! factor), the networks' parts kept in groups and the trees' sums in kinds (for the families
//! the blend uses), and one setting shared by every row.

use super::encode::{EncodedRows, OutcomeTarget};
use super::predict::LinkValues;
use crate::data::roles::OutcomeKind;

/// Which rows move together: each row's cell, and each cell's group (of the networks' lift)
/// and kind (to the trees).
#[derive(Clone, Debug)]
pub struct RowCells {
    of_row: Vec<usize>,
    group: Vec<usize>,
    kind: Vec<usize>,
    /// Each outcome's `(deep, trees)` share of the link (`blend::family_shares`).
    shares: Vec<(f32, f32)>,
    /// The trees' baseline link per kind `[member][kind][outcome]`, when they weigh in.
    trees_baseline: Option<LinkValues>,
}

impl RowCells {
    /// The cells of `rows` rows from their groups (`None`: the networks do not weigh in) and
    /// their kinds with the trees' baseline link per kind (`None`: the trees do not weigh in);
    /// `None` when a row's group or kind is missing.
    pub fn new(
        rows: usize,
        row_group: Option<&[usize]>,
        trees: Option<(&[u32], LinkValues)>,
        shares: Vec<(f32, f32)>,
    ) -> Option<Self> {
        let row_kind = trees.as_ref().map(|(kinds, _)| *kinds);
        if row_group.is_some_and(|g| g.len() != rows) || row_kind.is_some_and(|k| k.len() != rows) {
            return None;
        }
        let kinds = trees.as_ref().map_or(1, |(_, baseline)| baseline.rows);
        let mut cell_of: std::collections::HashMap<(usize, usize), usize> =
            std::collections::HashMap::new();
        let (mut group, mut kind) = (Vec::new(), Vec::new());
        let mut of_row = Vec::with_capacity(rows);
        for r in 0..rows {
            let g = row_group.map_or(0, |groups| groups[r]);
            let k = row_kind.map_or(0, |kinds| kinds[r] as usize);
            if k >= kinds {
                return None;
            }
            let next = group.len();
            let cell = *cell_of.entry((g, k)).or_insert(next);
            if cell == next {
                group.push(g);
                kind.push(k);
            }
            of_row.push(cell);
        }
        Some(Self {
            of_row,
            group,
            kind,
            shares,
            trees_baseline: trees.map(|(_, baseline)| baseline),
        })
    }

    pub fn cells(&self) -> usize {
        self.group.len()
    }

    fn groups(&self) -> usize {
        self.group.iter().max().map_or(0, |g| g + 1)
    }
}

/// What the totals of prepared rows need beside each point's group lifts and kinds' links.
#[derive(Clone, Debug)]
pub struct GroupTotals {
    members: usize,
    outcomes: usize,
    cells: RowCells,
    /// Σ over each cell's rows of `exp(baseline link + offset)`, `[member][cell][outcome]`.
    exp_sums: Vec<f64>,
    scales: Vec<f64>,
    /// Each member's baseline total of each outcome, `[outcome][member]`: the same for every
    /// setting, so summed once.
    baseline: Vec<Vec<f64>>,
}

impl GroupTotals {
    /// The sums of rows in `cells` from their blended baseline link values (without
    /// calibration) and the baseline's calibration shift of each outcome, or `None` when an
    /// outcome is binary or the sizes do not match.
    pub fn of(
        baseline: &LinkValues,
        cells: RowCells,
        encoded: &EncodedRows,
        outcomes: &[OutcomeTarget],
        uses_offset: bool,
        baseline_shifts: &[f32],
    ) -> Option<Self> {
        let (members, rows, k) = (baseline.members, baseline.rows, baseline.outcomes);
        if outcomes.iter().any(|o| o.kind == OutcomeKind::Binary)
            || outcomes.len() != k
            || cells.of_row.len() != rows
            || encoded.rows != rows
            || (uses_offset && encoded.offset.len() != rows)
            || cells.shares.len() != k
        {
            return None;
        }
        let count = cells.cells();
        let mut exp_sums = vec![0f64; members * count * k];
        for m in 0..members {
            for (r, &cell) in cells.of_row.iter().enumerate() {
                let offset = if uses_offset { encoded.offset[r] } else { 0.0 };
                for j in 0..k {
                    let link = baseline.values[(m * rows + r) * k + j];
                    exp_sums[(m * count + cell) * k + j] += f64::from(link + offset).exp();
                }
            }
        }
        let mut sums = Self {
            members,
            outcomes: k,
            cells,
            exp_sums,
            scales: outcomes.iter().map(|o| o.scale).collect(),
            baseline: Vec::new(),
        };
        sums.baseline = sums.totals(None, None, baseline_shifts)?;
        Some(sums)
    }

    /// Each member's baseline total of each outcome, `[outcome][member]`.
    pub fn baseline(&self) -> &[Vec<f64>] {
        &self.baseline
    }

    /// Each member's total of each outcome, `[outcome][member]`, under one setting: `lifts`
    /// the groups' link lifts `[member][group][outcome]` (given exactly when the networks weigh
    /// in), `trees` the kinds' link values `[member][kind][outcome]` (given exactly when the
    /// trees weigh in) and `shifts` the calibration shift of each outcome. `None` when they do
    /// not fit the cells.
    pub fn member_totals(
        &self,
        lifts: Option<&LinkValues>,
        trees: Option<&LinkValues>,
        shifts: &[f32],
    ) -> Option<Vec<Vec<f64>>> {
        let deep_weighs = self.cells.shares.iter().any(|(deep, _)| *deep != 0.0);
        if lifts.is_some() != deep_weighs || trees.is_some() != self.cells.trees_baseline.is_some()
        {
            return None;
        }
        self.totals(lifts, trees, shifts)
    }

    /// The totals with the families' changes from the baseline (`None`: no change).
    fn totals(
        &self,
        lifts: Option<&LinkValues>,
        trees: Option<&LinkValues>,
        shifts: &[f32],
    ) -> Option<Vec<Vec<f64>>> {
        let (count, k) = (self.cells.cells(), self.outcomes);
        let fits = |values: &LinkValues, rows: usize| {
            values.members > 0 && values.rows == rows && values.outcomes == k
        };
        let trees_baseline = self.cells.trees_baseline.as_ref();
        let kinds = trees_baseline.map_or(0, |b| b.rows);
        if lifts.is_some_and(|l| !fits(l, self.cells.groups()))
            || trees.is_some_and(|t| {
                trees_baseline
                    .is_none_or(|b| !fits(t, kinds) || !fits(b, kinds) || b.members != t.members)
            })
            || shifts.len() != k
        {
            return None;
        }
        let totals = (0..k)
            .map(|j| {
                let (deep_share, trees_share) = self.cells.shares[j];
                (0..self.members)
                    .map(|m| {
                        let sum: f64 = (0..count)
                            .map(|cell| {
                                let lift = lifts.map_or(0.0, |l| {
                                    l.get(m % l.members, self.cells.group[cell], j)
                                });
                                let moved = match (trees, trees_baseline) {
                                    (Some(t), Some(b)) => {
                                        let (member, kind) = (m % t.members, self.cells.kind[cell]);
                                        t.get(member, kind, j) - b.get(member, kind, j)
                                    }
                                    _ => 0.0,
                                };
                                let change = deep_share * lift + trees_share * moved;
                                let factor = f64::from(change + shifts[j]).exp();
                                factor * self.exp_sums[(m * count + cell) * k + j]
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
        let cells = RowCells::new(3, Some(&row_group), None, vec![(1.0, 0.0)]).unwrap();
        let sums = GroupTotals::of(
            &baseline,
            cells.clone(),
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
        let totals = sums.member_totals(Some(&lifts), None, &[shift]).unwrap();
        assert!(
            (totals[0][0] / expected - 1.0).abs() < 1e-6,
            "{totals:?} vs {expected}"
        );
        // Without a lift: the baseline's total.
        let base: f64 = (0..3)
            .map(|r| f64::from((baseline.values[r] + shift + encoded.offset[r]).exp()) * 2.0)
            .sum();
        assert!((sums.baseline()[0][0] / base - 1.0).abs() < 1e-6);
        // A zero lift gives the baseline's total.
        let zero = LinkValues {
            values: vec![0.0; 2],
            ..lifts.clone()
        };
        let at_zero = sums.member_totals(Some(&zero), None, &[shift]).unwrap();
        assert_eq!(sums.baseline(), at_zero.as_slice());
        // Lifts of other groups, no lift where the networks weigh in, trees where they do not,
        // or shifts of other outcomes, do not fit.
        assert!(
            sums.member_totals(Some(&baseline), None, &[shift])
                .is_none()
        );
        assert!(sums.member_totals(None, None, &[shift]).is_none());
        assert!(
            sums.member_totals(Some(&lifts), Some(&lifts), &[shift])
                .is_none()
        );
        assert!(sums.member_totals(Some(&lifts), None, &[]).is_none());
        // A binary outcome does not factor.
        let binary = [outcome(OutcomeKind::Binary, 1.0)];
        assert!(GroupTotals::of(&baseline, cells, &encoded, &binary, true, &[shift]).is_none());
    }

    #[test]
    fn cells_of_groups_and_kinds_give_the_blended_rows_totals() {
        // Two members of the blend (one network member, two tree members), four rows in two
        // groups and three kinds, two outcomes; the networks weigh 0.6 and 1.0 of them.
        let (members, rows, k) = (2, 4, 2);
        let baseline = LinkValues {
            members,
            rows,
            outcomes: k,
            values: (0..members * rows * k)
                .map(|i| 0.1 * i as f32 - 0.5)
                .collect(),
        };
        let encoded = EncodedRows {
            rows,
            offset: vec![0.2, 0.0, -0.1, 0.3],
            ..EncodedRows::inputs_only(Vec::new(), 0)
        };
        let row_group = [0, 1, 1, 0];
        let row_kind = [0u32, 1, 2, 1];
        let trees_baseline = LinkValues {
            members: 2,
            rows: 3,
            outcomes: k,
            values: (0..12).map(|i| 0.05 * i as f32).collect(),
        };
        let shares = vec![(0.6, 0.4), (1.0, 0.0)];
        let cells = RowCells::new(
            rows,
            Some(&row_group),
            Some((&row_kind, trees_baseline.clone())),
            shares.clone(),
        )
        .unwrap();
        assert_eq!(cells.cells(), 4, "(0,0), (1,1), (1,2), (0,1)");
        let outcomes = [
            outcome(OutcomeKind::Count, 1.0),
            outcome(OutcomeKind::Amount, 3.0),
        ];
        let shifts = [0.02f32, -0.04];
        let sums = GroupTotals::of(&baseline, cells, &encoded, &outcomes, true, &shifts).unwrap();
        let lifts = LinkValues {
            members: 1,
            rows: 2,
            outcomes: k,
            values: vec![0.3, 0.1, -0.2, 0.05],
        };
        let trees = LinkValues {
            values: trees_baseline
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| v + 0.01 * i as f32)
                .collect(),
            ..trees_baseline.clone()
        };
        let totals = sums
            .member_totals(Some(&lifts), Some(&trees), &shifts)
            .unwrap();
        for (j, outcome) in outcomes.iter().enumerate() {
            for (m, total) in totals[j].iter().enumerate() {
                // Row by row, as the blend (`combine`), `to_means` and the sums would.
                let expected: f64 = (0..rows)
                    .map(|r| {
                        let (g, kind) = (row_group[r], row_kind[r] as usize);
                        let moved = trees.get(m % 2, kind, j) - trees_baseline.get(m % 2, kind, j);
                        let eta = baseline.get(m, r, j)
                            + shares[j].0 * lifts.get(0, g, j)
                            + shares[j].1 * moved
                            + shifts[j];
                        f64::from((eta + encoded.offset[r]).exp()) * outcome.scale
                    })
                    .sum();
                assert!(
                    (total / expected - 1.0).abs() < 1e-5,
                    "outcome {j} member {m}: {total} vs {expected}"
                );
            }
        }
        // At the baseline's own lift (zero) and tree links, the baseline's totals exactly.
        let zero = LinkValues {
            values: vec![0.0; 4],
            ..lifts
        };
        let at_baseline = sums
            .member_totals(Some(&zero), Some(&trees_baseline), &shifts)
            .unwrap();
        assert_eq!(sums.baseline(), at_baseline.as_slice());
        // A kind beyond the trees' baseline is refused.
        let too_far = [0u32, 1, 3, 1];
        assert!(RowCells::new(rows, None, Some((&too_far, trees_baseline)), shares).is_none());
    }
}
