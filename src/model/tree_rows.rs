//! Rows the trees cannot tell apart. A split only asks whether an input is below its threshold
//! (or missing), so two rows whose every input falls between the same two neighbouring
//! thresholds of all the trees reach the same leaf in every tree. Customer files hold many such
//! rows (months since the last order, a channel, a zip code type, a spend band the trees never
//! split finer), so walking one row of each kind and copying its sums to the others gives the
//! same values for a fraction of the walks.

use std::collections::HashMap;

use super::encode::EncodedRows;
use super::predict::LinkValues;

/// Every threshold the trees split each input on, sorted and without repeats; empty for an
/// input no tree splits on.
#[derive(Clone, Debug, Default)]
pub struct Thresholds {
    by_input: Vec<Vec<f64>>,
}

/// Code of a missing (NaN) value: a walk sends it down a split's missing branch, whatever the
/// threshold.
const MISSING: u32 = u32::MAX;

impl Thresholds {
    /// The thresholds of `splits` (input position, threshold) over inputs `0..width`; splits
    /// on a position outside the rows are left out (a walk of such a tree fails on its own).
    pub fn of(width: usize, splits: impl IntoIterator<Item = (usize, f64)>) -> Self {
        let mut by_input = vec![Vec::new(); width];
        for (input, threshold) in splits {
            if let Some(list) = by_input.get_mut(input) {
                list.push(threshold);
            }
        }
        for list in &mut by_input {
            list.sort_by(f64::total_cmp);
            list.dedup_by(|a, b| a.to_bits() == b.to_bits());
        }
        Self { by_input }
    }

    /// The inputs some tree splits on.
    fn used(&self) -> Vec<usize> {
        (0..self.by_input.len())
            .filter(|&c| !self.by_input[c].is_empty())
            .collect()
    }

    /// How many of input `input`'s thresholds are at or below `value`: a split at the `i`-th
    /// threshold sends the value left (below it) exactly when the code is at most `i`, so
    /// equal codes take equal branches at every split.
    fn code(&self, input: usize, value: f32) -> u32 {
        if value.is_nan() {
            return MISSING;
        }
        let value = f64::from(value);
        let below_or_at = self.by_input[input].partition_point(|t| *t <= value);
        u32::try_from(below_or_at).unwrap_or(MISSING - 1)
    }

    /// Each row's codes over `inputs`, row after row.
    fn codes(&self, rows: &EncodedRows, inputs: &[usize]) -> Vec<u32> {
        let mut codes = Vec::with_capacity(rows.rows * inputs.len());
        for row in rows.inputs.chunks(rows.width.max(1)).take(rows.rows) {
            codes.extend(inputs.iter().map(|&c| self.code(c, row[c])));
        }
        codes
    }
}

/// Rows grouped into kinds the trees cannot tell apart.
#[derive(Clone, Debug)]
pub struct RowKinds {
    /// The thresholds the kinds were told apart by.
    thresholds: Thresholds,
    /// Each row's kind.
    of_row: Vec<u32>,
    /// Each kind's first row.
    representatives: Vec<usize>,
}

impl RowKinds {
    /// Groups `rows` by their codes under `thresholds`, or `None` when there would be more
    /// than `most` kinds (then the grouping costs more than it saves) or the rows do not
    /// match the thresholds' width.
    pub fn of(rows: &EncodedRows, thresholds: Thresholds, most: usize) -> Option<Self> {
        if rows.width != thresholds.by_input.len() || rows.inputs.len() != rows.rows * rows.width {
            return None;
        }
        let used = thresholds.used();
        let codes = thresholds.codes(rows, &used);
        let mut kind_of: HashMap<&[u32], u32> = HashMap::new();
        let mut of_row = Vec::with_capacity(rows.rows);
        let mut representatives = Vec::new();
        for row in 0..rows.rows {
            let key = &codes[row * used.len()..(row + 1) * used.len()];
            let next = u32::try_from(representatives.len()).ok()?;
            let kind = *kind_of.entry(key).or_insert(next);
            if kind == next {
                if representatives.len() >= most {
                    return None;
                }
                representatives.push(row);
            }
            of_row.push(kind);
        }
        Some(Self {
            thresholds,
            of_row,
            representatives,
        })
    }

    /// The codes of `row`'s inputs that `marked` marks: settings that code alike reach the same
    /// leaves on the same rows.
    pub fn codes_of(&self, row: &[f32], marked: &[bool]) -> Vec<u32> {
        let inputs = row.len().min(self.thresholds.by_input.len());
        (0..inputs)
            .filter(|&c| marked.get(c).copied().unwrap_or(false))
            .map(|c| self.thresholds.code(c, row[c]))
            .collect()
    }

    /// Each kind's first row.
    pub fn representatives(&self) -> &[usize] {
        &self.representatives
    }

    /// Each row's kind.
    pub fn of_row(&self) -> &[u32] {
        &self.of_row
    }

    pub fn kinds(&self) -> usize {
        self.representatives.len()
    }

    /// Whether these kinds still hold for `rows`, the rows they were made from with (at most)
    /// the inputs `changed` marks set anew: every row's changed inputs code as its kind's
    /// representative's do.
    pub fn hold_for(&self, rows: &EncodedRows, changed: &[bool]) -> bool {
        let thresholds = &self.thresholds;
        if rows.rows != self.of_row.len()
            || rows.width != thresholds.by_input.len()
            || rows.inputs.len() != rows.rows * rows.width
        {
            return false;
        }
        let inputs: Vec<usize> = thresholds
            .used()
            .into_iter()
            .filter(|&c| changed.get(c).copied().unwrap_or(true))
            .collect();
        let width = rows.width;
        let representatives: Vec<&[f32]> = self
            .representatives
            .iter()
            .map(|&r| &rows.inputs[r * width..(r + 1) * width])
            .collect();
        rows.inputs
            .chunks(width.max(1))
            .zip(&self.of_row)
            .all(|(row, &kind)| {
                let first = representatives[kind as usize];
                // The same bits code alike: a setting shared by every row costs no search.
                inputs.iter().all(|&c| {
                    row[c].to_bits() == first[c].to_bits()
                        || thresholds.code(c, row[c]) == thresholds.code(c, first[c])
                })
            })
    }

    /// One row of each kind of `rows`, in the kinds' order.
    pub fn representatives_of(&self, rows: &EncodedRows) -> EncodedRows {
        rows.rows_at(&self.representatives)
    }

    /// Per-kind values `[member][kind][outcome]` copied out to every row.
    pub fn to_rows(&self, per_kind: &LinkValues) -> LinkValues {
        let (members, k) = (per_kind.members, per_kind.outcomes);
        let rows = self.of_row.len();
        let mut values = Vec::with_capacity(members * rows * k);
        for member in 0..members {
            let kinds =
                &per_kind.values[member * per_kind.rows * k..(member + 1) * per_kind.rows * k];
            for &kind in &self.of_row {
                let at = kind as usize * k;
                values.extend_from_slice(&kinds[at..at + k]);
            }
        }
        LinkValues {
            members,
            rows,
            outcomes: k,
            values,
        }
    }

    /// Per-kind numbers copied out to every row.
    pub fn spread<T: Copy>(&self, per_kind: &[T]) -> Vec<T> {
        self.of_row
            .iter()
            .map(|&kind| per_kind[kind as usize])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(inputs: Vec<f32>, width: usize) -> EncodedRows {
        EncodedRows::inputs_only(inputs, width)
    }

    #[test]
    fn rows_between_the_same_thresholds_are_one_kind() {
        // Input 0 splits at 1 and 3; input 1 is never split on.
        let thresholds = Thresholds::of(2, [(0, 3.0), (0, 1.0), (0, 3.0)]);
        let encoded = rows(
            vec![
                0.5,
                10.0, // below 1
                0.9,
                20.0, // below 1: same kind, input 1 does not count
                1.0,
                0.0, // at 1 goes right: a kind of its own
                2.9,
                0.0, // still between 1 and 3
                f32::NAN,
                0.0, // missing
                5.0,
                0.0, // above 3
            ],
            2,
        );
        let kinds = RowKinds::of(&encoded, thresholds.clone(), 10).unwrap();
        assert_eq!(kinds.of_row, vec![0, 0, 1, 1, 2, 3]);
        assert_eq!(kinds.representatives, vec![0, 2, 4, 5]);
        assert!(
            RowKinds::of(&encoded, thresholds.clone(), 3).is_none(),
            "too many kinds"
        );
        let firsts = kinds.representatives_of(&encoded);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&firsts.inputs),
            bits(&[0.5, 10.0, 1.0, 0.0, f32::NAN, 0.0, 5.0, 0.0])
        );
        assert_eq!(
            kinds.spread(&[10, 20, 30, 40]),
            vec![10, 10, 20, 20, 30, 40]
        );

        // Values per kind for two members and one outcome, copied out row by row.
        let per_kind = LinkValues {
            members: 2,
            rows: 4,
            outcomes: 1,
            values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        };
        let spread = kinds.to_rows(&per_kind);
        assert_eq!(
            spread.values,
            vec![1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 7.0, 8.0]
        );
    }

    #[test]
    fn kinds_hold_while_the_changed_inputs_code_alike() {
        let thresholds = Thresholds::of(2, [(0, 1.0), (1, 0.5)]);
        let encoded = rows(vec![0.0, 0.0, 0.5, 0.0, 2.0, 0.0], 2);
        let kinds = RowKinds::of(&encoded, thresholds.clone(), 10).unwrap();
        assert_eq!(kinds.kinds(), 2);
        let lever = [false, true];
        // Input 1 set to one value everywhere, or to values on the same side per kind.
        for moved in [
            vec![0.0, 1.0, 0.5, 1.0, 2.0, 1.0],
            vec![0.0, 0.7, 0.5, 0.9, 2.0, 0.0],
        ] {
            assert!(kinds.hold_for(&rows(moved, 2), &lever));
        }
        // Rows of one kind now on both sides of input 1's threshold.
        let split = rows(vec![0.0, 0.0, 0.5, 1.0, 2.0, 0.0], 2);
        assert!(!kinds.hold_for(&split, &lever));
        // Fewer rows than the kinds were made from.
        assert!(!kinds.hold_for(&rows(vec![0.0, 0.0], 2), &lever));
    }
}
