//! Each segment's usual basket: revenue per order on its no-campaign training rows, so a spend
//! threshold can be read against it. A `300:50` coupon asks a VIP whose basket is 220 to stretch
//! by a third but asks a customer whose basket is 100 to treble it: how many orders qualify
//! depends on the threshold over the basket, not on the threshold alone. The encoder turns it
//! into a lever input (`NumericSource::OfferThresholdToBasket`) so that both segments' coupons
//! teach one shared effect instead of each segment learning its own from its own few campaigns.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Orders' worth of the overall basket that a segment's own basket is shrunk towards: a segment
/// with few no-campaign orders (a handful of rows) gets mostly the overall basket.
const PRIOR_ORDERS: f64 = 50.0;

/// Revenue per order by segment (a combination of dimension slots, in encoder order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baskets {
    /// Positions of the dimension features among the encoder's categorical features.
    pub dimensions: Vec<usize>,
    /// Revenue per order over every no-campaign training row (segments not listed, cold start).
    pub overall: f64,
    pub segments: Vec<SegmentBasket>,
}

/// One segment's basket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentBasket {
    /// The segment's slot in each dimension feature (0: a value folded into "unseen").
    pub slots: Vec<usize>,
    pub basket: f64,
}

impl Baskets {
    /// Fits the baskets from each row's dimension slots (`slots[feature][row]`, for the features
    /// at `dimensions`), orders and revenue, over `rows` (the no-campaign training rows). `None`
    /// when those rows hold no orders with revenue.
    pub fn fit(
        dimensions: Vec<usize>,
        slots: &[Vec<usize>],
        orders: &[Option<f64>],
        revenue: &[Option<f64>],
        rows: &[usize],
    ) -> Option<Self> {
        let mut sums: HashMap<Vec<usize>, (f64, f64)> = HashMap::new();
        let (mut all_orders, mut all_revenue) = (0.0, 0.0);
        for &row in rows {
            let (Some(Some(o)), Some(Some(r))) = (orders.get(row), revenue.get(row)) else {
                continue;
            };
            if !(o.is_finite() && r.is_finite() && *o >= 0.0 && *r >= 0.0) {
                continue;
            }
            let key = segment_key(&dimensions, slots, row);
            let sum = sums.entry(key).or_default();
            sum.0 += o;
            sum.1 += r;
            all_orders += o;
            all_revenue += r;
        }
        if all_orders <= 0.0 || all_revenue <= 0.0 {
            return None;
        }
        let overall = all_revenue / all_orders;
        let mut segments: Vec<SegmentBasket> = sums
            .into_iter()
            .map(|(slots, (o, r))| SegmentBasket {
                slots,
                basket: (r + PRIOR_ORDERS * overall) / (o + PRIOR_ORDERS),
            })
            .collect();
        // A fixed order, so a saved model is the same file every time.
        segments.sort_by(|a, b| a.slots.cmp(&b.slots));
        Some(Self {
            dimensions,
            overall,
            segments,
        })
    }

    /// Each row's basket, from its dimension slots (`slots[feature][row]`).
    pub fn per_row(&self, slots: &[Vec<usize>], rows: usize) -> Vec<f64> {
        let lookup: HashMap<&[usize], f64> = self
            .segments
            .iter()
            .map(|s| (s.slots.as_slice(), s.basket))
            .collect();
        (0..rows)
            .map(|row| {
                let key = segment_key(&self.dimensions, slots, row);
                lookup.get(key.as_slice()).copied().unwrap_or(self.overall)
            })
            .collect()
    }
}

/// A threshold over a basket; `None` without a threshold or a usable basket.
pub fn threshold_to_basket(threshold: Option<f64>, basket: f64) -> Option<f64> {
    threshold.filter(|_| basket > 0.0).map(|t| t / basket)
}

fn segment_key(dimensions: &[usize], slots: &[Vec<usize>], row: usize) -> Vec<usize> {
    dimensions
        .iter()
        .map(|&feature| {
            slots
                .get(feature)
                .and_then(|s| s.get(row))
                .copied()
                .unwrap_or(0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segments_basket_is_its_revenue_per_order_shrunk_towards_the_overall() {
        // Feature 0 is a lever (not a dimension); feature 1 the segment: slots 1 and 2.
        let slots = vec![vec![0, 0, 0, 0], vec![1, 1, 2, 2]];
        let orders = [Some(100.0), Some(100.0), Some(10.0), None];
        let revenue = [Some(10_000.0), Some(10_000.0), Some(3_000.0), Some(5.0)];
        let baskets = Baskets::fit(vec![1], &slots, &orders, &revenue, &[0, 1, 2, 3])
            .expect("there are orders");
        let overall = 23_000.0 / 210.0;
        assert!((baskets.overall - overall).abs() < 1e-9);
        let per_row = baskets.per_row(&slots, 4);
        let first = (20_000.0 + PRIOR_ORDERS * overall) / (200.0 + PRIOR_ORDERS);
        let second = (3_000.0 + PRIOR_ORDERS * overall) / (10.0 + PRIOR_ORDERS);
        assert!((per_row[0] - first).abs() < 1e-9 && (per_row[1] - first).abs() < 1e-9);
        assert!((per_row[2] - second).abs() < 1e-9);
        // The thinly observed segment sits nearer the overall basket than its own 300.
        assert!(second < 300.0 && second > overall);
    }

    #[test]
    fn an_unseen_segment_gets_the_overall_basket() {
        let slots = vec![vec![1, 1]];
        let baskets = Baskets::fit(
            vec![0],
            &slots,
            &[Some(4.0), Some(6.0)],
            &[Some(40.0), Some(60.0)],
            &[0, 1],
        )
        .expect("there are orders");
        let per_row = baskets.per_row(&[vec![3]], 1);
        assert_eq!(per_row, vec![10.0]);
        assert_eq!(threshold_to_basket(Some(150.0), per_row[0]), Some(15.0));
        assert_eq!(threshold_to_basket(None, per_row[0]), None);
    }

    #[test]
    fn no_orders_no_baskets() {
        let slots = vec![vec![1]];
        assert!(Baskets::fit(vec![0], &slots, &[Some(0.0)], &[Some(0.0)], &[0]).is_none());
        assert!(Baskets::fit(vec![0], &slots, &[None], &[Some(5.0)], &[0]).is_none());
    }
}
