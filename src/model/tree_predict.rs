//! Fast prediction for trained perpetual boosters. perpetual keeps each tree's nodes in a hash
//! map keyed by node number, so every step down a tree hashes (SipHash): in a profile of a
//! 21-point response curve over 100,000 rows, hashing and the tree walk took 57% of the time.
//! Here each tree is laid out once as a vector of small nodes with child positions, walked over
//! the encoded rows as they are (row-major, no column-major copy) a block of rows per tree so
//! the tree stays in the cache, rows split across the cores. The sums run in perpetual's order
//! (base score, then tree by tree), so the values are the same bits.

use std::borrow::Cow;

use perpetual::PerpetualBooster;

/// One node in 24 bytes, children by position in the tree's vector; a leaf points `left` at
/// itself and keeps its value in `split`.
#[derive(Clone, Copy, Debug)]
struct FlatNode {
    split: f64,
    feature: u32,
    left: u32,
    right: u32,
    missing: u32,
}

impl FlatNode {
    fn is_leaf(&self, at: u32) -> bool {
        self.left == at
    }
}

#[derive(Clone, Debug)]
struct FlatTree {
    nodes: Vec<FlatNode>,
    /// Where a walk starts: node 0, or below it in a tree specialised to a setting.
    root: u32,
}

/// A booster laid out for prediction, or a note that it must use perpetual's own path.
#[derive(Clone, Debug)]
pub struct FlatBooster {
    base: f64,
    trees: Vec<FlatTree>,
    /// perpetual added a linear head (small regressions), a tree has categorical splits, a
    /// value stands for "missing" or a tree is malformed: predict with the booster itself.
    use_booster: bool,
}

/// Rows walked through one tree before the next: the tree stays in the cache.
const BLOCK_ROWS: usize = 256;

/// Below this many row × tree walks, a prediction runs on the calling thread alone.
const PARALLEL_ROW_TREES: usize = 1 << 16;

/// A tree is specialised to a setting shared by every row (`FlatTree::specialised`) only when
/// there are at least this many rows per node of it.
const SPECIALISE_ROWS_PER_NODE: usize = 2;

impl FlatTree {
    fn of(tree: &perpetual::tree::core::Tree) -> Option<Self> {
        let mut numbers: Vec<usize> = tree.nodes.keys().copied().collect();
        numbers.sort_unstable();
        let position = |number: usize| {
            numbers
                .binary_search(&number)
                .ok()
                .and_then(|p| u32::try_from(p).ok())
        };
        // The root is node 0; it must exist.
        if numbers.first() != Some(&0) {
            return None;
        }
        let mut nodes = Vec::with_capacity(numbers.len());
        for (at, number) in numbers.iter().enumerate() {
            let node = tree.nodes.get(number)?;
            let at = u32::try_from(at).ok()?;
            if node.is_leaf {
                nodes.push(FlatNode {
                    split: f64::from(node.weight_value),
                    feature: 0,
                    left: at,
                    right: at,
                    missing: at,
                });
            } else {
                if node.left_cats.is_some() {
                    return None;
                }
                let next = FlatNode {
                    split: node.split_value,
                    feature: u32::try_from(node.split_feature).ok()?,
                    left: position(node.left_child)?,
                    right: position(node.right_child)?,
                    missing: position(node.missing_node)?,
                };
                // A split whose child is itself would read as a leaf.
                if next.left == at {
                    return None;
                }
                nodes.push(next);
            }
        }
        Some(Self { nodes, root: 0 })
    }

    /// The leaf value for one row; `None` if the walk does not end (a malformed tree) or a
    /// feature is out of range.
    fn predict(&self, row: &[f32]) -> Option<f32> {
        let mut at = self.root;
        // A walk longer than the tree has nodes would be a cycle.
        for _ in 0..=self.nodes.len() {
            let node = self.nodes.get(at as usize)?;
            if node.is_leaf(at) {
                return Some(node.split as f32);
            }
            at = Self::child(node, *row.get(node.feature as usize)?);
        }
        None
    }

    /// The child a split sends `value` to. Inlined by force: as a call it doubled a lever
    /// move's tree time (BENCHMARKS.md, session 7).
    #[inline(always)]
    fn child(node: &FlatNode, value: f32) -> u32 {
        let value = f64::from(value);
        if value.is_nan() {
            node.missing
        } else if value < node.split {
            node.left
        } else {
            node.right
        }
    }

    /// This tree with every split on a `marked` input decided once by `setting` (a row whose
    /// marked positions hold the value every row has there): walks skip those splits and end
    /// in the same leaves. `None` for a malformed tree.
    fn specialised(&self, marked: &[bool], setting: &[f32]) -> Option<Self> {
        let resolve = |mut at: u32| -> Option<u32> {
            for _ in 0..=self.nodes.len() {
                let node = self.nodes.get(at as usize)?;
                let feature = node.feature as usize;
                if node.is_leaf(at) || !marked.get(feature).copied().unwrap_or(false) {
                    return Some(at);
                }
                at = Self::child(node, *setting.get(feature)?);
            }
            None
        };
        let mut nodes = self.nodes.clone();
        for (at, node) in nodes.iter_mut().enumerate() {
            if node.is_leaf(at as u32) {
                continue;
            }
            node.left = resolve(node.left)?;
            node.right = resolve(node.right)?;
            node.missing = resolve(node.missing)?;
        }
        Some(Self {
            nodes,
            root: resolve(self.root)?,
        })
    }
}

impl FlatBooster {
    pub fn of(booster: &PerpetualBooster) -> Self {
        let trees: Option<Vec<FlatTree>> = booster.trees.iter().map(FlatTree::of).collect();
        // The walk treats NaN as missing, perpetual's default.
        let use_booster =
            booster.regression_head.is_some() || trees.is_none() || !booster.cfg.missing.is_nan();
        Self {
            base: booster.base_score,
            trees: trees.unwrap_or_default(),
            use_booster,
        }
    }

    /// Raw predictions of `rows` row-major inputs of `width` columns; `None` when the booster
    /// must predict itself. Each row sums base score then tree by tree, perpetual's order.
    pub fn predict(&self, inputs: &[f32], rows: usize, width: usize) -> Option<Vec<f64>> {
        self.predict_trees(inputs, rows, width, None, None, None)
    }

    /// Whether this booster predicts through perpetual's own path (`use_booster`): its splits
    /// are then not all in `splits`.
    pub fn walks_itself(&self) -> bool {
        self.use_booster
    }

    /// Every split of every tree: (input position, threshold).
    pub fn splits(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.trees.iter().flat_map(|tree| {
            tree.nodes
                .iter()
                .enumerate()
                .filter(|(at, node)| !node.is_leaf(*at as u32))
                .map(|(_, node)| (node.feature as usize, node.split))
        })
    }

    /// For each tree, whether it splits on an input marked in `marked` (by position).
    pub fn trees_using(&self, marked: &[bool]) -> Vec<bool> {
        self.trees
            .iter()
            .map(|tree| {
                tree.nodes.iter().enumerate().any(|(at, node)| {
                    !node.is_leaf(at as u32)
                        && marked.get(node.feature as usize).copied().unwrap_or(false)
                })
            })
            .collect()
    }

    /// As `predict`, summing only the trees whose flag in `picked` is set (all when `None`),
    /// starting each row from `start` instead of the base score: a forecast that moves only
    /// the levers re-walks only the trees that split on a lever. With `uniform` (the inputs
    /// marked true, every row holding the values of the given row there), the trees are first
    /// specialised to those values: the same leaves, shorter walks.
    pub fn predict_trees(
        &self,
        inputs: &[f32],
        rows: usize,
        width: usize,
        picked: Option<&[bool]>,
        start: Option<&[f64]>,
        uniform: Option<(&[bool], &[f32])>,
    ) -> Option<Vec<f64>> {
        if self.use_booster
            || inputs.len() != rows * width
            || picked.is_some_and(|p| p.len() != self.trees.len())
            || start.is_some_and(|s| s.len() != rows)
        {
            return None;
        }
        let chosen = self
            .trees
            .iter()
            .enumerate()
            .filter(|(t, _)| picked.is_none_or(|p| p[*t]))
            .map(|(_, tree)| tree);
        // Specialising copies a tree's nodes; it pays when the rows outnumber them (on the
        // optimiser's few hundred rows, specialising every tree cost it about 4% of its time).
        let specialised: Vec<Cow<FlatTree>> = chosen
            .map(|tree| match uniform {
                Some((marked, setting)) if rows >= SPECIALISE_ROWS_PER_NODE * tree.nodes.len() => {
                    tree.specialised(marked, setting).map(Cow::Owned)
                }
                _ => Some(Cow::Borrowed(tree)),
            })
            .collect::<Option<_>>()?;
        let trees: Vec<&FlatTree> = specialised.iter().map(AsRef::as_ref).collect();
        let mut output = match start {
            Some(start) => start.to_vec(),
            None => vec![self.base; rows],
        };
        if trees.is_empty() {
            return Some(output);
        }
        // Small walks stay on this thread: spawning costs more than they do (the optimiser
        // forecasts a few hundred rows at a time; on threads of their own, 145 ms, here 100).
        let threads = if rows * trees.len() < PARALLEL_ROW_TREES {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        let chunk_rows = rows.div_ceil(threads).max(BLOCK_ROWS);
        let failed = std::sync::atomic::AtomicBool::new(false);
        let walk = |chunk_index: usize, chunk: &mut [f64]| {
            let first = chunk_index * chunk_rows;
            for (block_index, block) in chunk.chunks_mut(BLOCK_ROWS).enumerate() {
                let block_first = first + block_index * BLOCK_ROWS;
                for tree in &trees {
                    for (offset, total) in block.iter_mut().enumerate() {
                        let row = block_first + offset;
                        match tree.predict(&inputs[row * width..(row + 1) * width]) {
                            Some(v) => *total += f64::from(v),
                            None => failed.store(true, std::sync::atomic::Ordering::Relaxed),
                        }
                    }
                }
            }
        };
        std::thread::scope(|scope| {
            let mut chunks = output.chunks_mut(chunk_rows).enumerate();
            // The first chunk is walked here, the others on threads of their own.
            let here = chunks.next();
            for (chunk_index, chunk) in chunks {
                let walk = &walk;
                scope.spawn(move || walk(chunk_index, chunk));
            }
            if let Some((chunk_index, chunk)) = here {
                walk(chunk_index, chunk);
            }
        });
        (!failed.into_inner()).then_some(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perpetual::Matrix;
    use perpetual::objective::Objective;

    #[test]
    fn flat_predictions_are_the_boosters_own_bits() {
        let (rows, width) = (3000, 3);
        // Row-major inputs with a step, a slope and a noise column.
        let inputs: Vec<f32> = (0..rows * width)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
            .collect();
        let target: Vec<f64> = (0..rows)
            .map(|r| {
                let x = &inputs[r * width..(r + 1) * width];
                f64::from(u8::from(x[0] > 0.4)) + 0.5 * f64::from(x[1])
            })
            .collect();
        let mut columns = vec![0f64; rows * width];
        for r in 0..rows {
            for c in 0..width {
                columns[c * rows + r] = f64::from(inputs[r * width + c]);
            }
        }
        let matrix = Matrix::new(&columns, rows, width);
        let mut booster = PerpetualBooster::default()
            .set_objective(Objective::SquaredLoss)
            .set_budget(0.5);
        booster.fit(&matrix, &target, None, None).unwrap();
        assert!(!booster.trees.is_empty());
        let flat = FlatBooster::of(&booster);
        let fast = flat.predict(&inputs, rows, width).unwrap();
        let own = booster.predict(&matrix, false);
        assert_eq!(fast, own);
        assert!(
            flat.predict(&inputs[1..], rows, width).is_none(),
            "wrong length"
        );
        // Enough rows to be walked on several threads: the same bits, row for row.
        let copies = PARALLEL_ROW_TREES / (rows * flat.trees.len()) + 1;
        let many: Vec<f32> = (0..copies).flat_map(|_| inputs.iter().copied()).collect();
        let walked = flat.predict(&many, rows * copies, width).unwrap();
        for (r, value) in walked.iter().enumerate() {
            assert_eq!(*value, own[r % rows], "row {r}");
        }

        // Split by the trees that use column 0: the two partial sums make up the whole.
        let uses_first = flat.trees_using(&[true, false, false]);
        assert!(uses_first.iter().any(|u| *u), "x0 carries the step");
        let others: Vec<bool> = uses_first.iter().map(|u| !u).collect();
        let fixed = flat
            .predict_trees(&inputs, rows, width, Some(&others), None, None)
            .unwrap();
        let whole = flat
            .predict_trees(&inputs, rows, width, Some(&uses_first), Some(&fixed), None)
            .unwrap();
        for (a, b) in whole.iter().zip(&own) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }

        // Column 0 set to one value on every row: the specialised trees give the same sums.
        let marked = [true, false, false];
        for x0 in [0.1f32, 0.45, 0.9, f32::NAN] {
            let mut set_inputs = inputs.clone();
            set_inputs.chunks_mut(width).for_each(|row| row[0] = x0);
            let walked = flat.predict(&set_inputs, rows, width).unwrap();
            let setting = [x0, 0.0, 0.0];
            let specialised = flat
                .predict_trees(
                    &set_inputs,
                    rows,
                    width,
                    None,
                    None,
                    Some((&marked, &setting)),
                )
                .unwrap();
            assert_eq!(walked, specialised, "x0 = {x0}");
        }
    }
}
