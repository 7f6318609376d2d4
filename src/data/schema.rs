//! The validated schema: a mapping that passed every check, with what later stages need to
//! know about each column. Only `validate` builds one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::data::dates::DateFormat;
use crate::data::notation::Offer;
use crate::data::roles::OutcomeKind;
use crate::numbers::readable;

/// The time column and its span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeField {
    pub column: String,
    pub format: DateFormat,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub distinct_dates: usize,
}

/// How a lever's values are read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeverKind {
    /// Named values (treatment arms, campaign types).
    Categorical { levels: Vec<String> },
    /// A number over the observed range (discount %, duration in days).
    Numeric { min: f64, max: f64 },
    /// Coupon or discount notation, read into threshold, amount off and discount rate.
    Offer,
}

/// A lever and its "no campaign" value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeverField {
    pub column: String,
    pub kind: LeverKind,
    /// The value meaning "no campaign", as written in the data.
    pub baseline: String,
    /// False when the lever has one value in the data: its effect cannot be learned.
    pub varies: bool,
    /// An offer lever: the ranges its offers took in the data, for extrapolation warnings
    /// (`None` for other levers, and for models saved before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers_seen: Option<OfferRanges>,
}

/// The ranges an offer lever's notations took in the data; a part no offer had is `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OfferRanges {
    /// Spend thresholds of 满减 coupons (`150:20` → 150).
    pub threshold: Option<(f64, f64)>,
    /// Money off: a coupon's amount, or a flat amount off.
    pub amount_off: Option<(f64, f64)>,
    /// A coupon's amount over its threshold (`150:20` → 0.133): data whose coupons grow their
    /// amount with their threshold never showed a deep coupon on a small spend, whatever
    /// ranges the two parts took alone.
    #[serde(default)]
    pub coupon_rate: Option<(f64, f64)>,
    /// The share of the price off of percent and price-rate discounts (0.2 = 20% off).
    pub rate_off: Option<(f64, f64)>,
}

impl OfferRanges {
    /// The ranges of `offers` (the no-offer baseline and labels take no part).
    pub fn of<'a>(offers: impl IntoIterator<Item = &'a Offer>) -> Self {
        let widen = |range: &mut Option<(f64, f64)>, value: f64| {
            *range = Some(match *range {
                Some((low, high)) => (low.min(value), high.max(value)),
                None => (value, value),
            });
        };
        let mut ranges = Self::default();
        for offer in offers {
            match offer {
                Offer::SpendThreshold {
                    threshold,
                    amount_off,
                } => {
                    widen(&mut ranges.threshold, *threshold);
                    widen(&mut ranges.amount_off, *amount_off);
                    if *threshold > 0.0 {
                        widen(&mut ranges.coupon_rate, amount_off / threshold);
                    }
                }
                Offer::AmountOff { amount } => widen(&mut ranges.amount_off, *amount),
                Offer::PriceRate { .. } | Offer::PercentOff { .. } => {
                    if let Some(rate) = offer.discount_rate() {
                        widen(&mut ranges.rate_off, rate);
                    }
                }
                Offer::NoOffer | Offer::Label { .. } => {}
            }
        }
        ranges
    }

    /// What `offer` asks beyond these ranges, in words ("a spend threshold of 500, beyond the
    /// 100 to 300 seen"); empty when it stays inside them.
    pub fn beyond(&self, offer: &Offer) -> Vec<String> {
        let mut found = Vec::new();
        let mut check =
            |what: &str, value: f64, range: Option<(f64, f64)>, shown: &dyn Fn(f64) -> String| {
                match range {
                    Some((low, high)) if value < low || value > high => found.push(format!(
                        "{what} of {}, beyond the {} to {} seen",
                        shown(value),
                        shown(low),
                        shown(high)
                    )),
                    Some(_) => {}
                    None => found.push(format!("{what} never seen in the data ({})", shown(value))),
                }
            };
        let number = &readable;
        let percent = |v: f64| format!("{}%", readable(v * 100.0));
        match offer {
            Offer::SpendThreshold {
                threshold,
                amount_off,
            } => {
                check("a spend threshold", *threshold, self.threshold, number);
                check("an amount off", *amount_off, self.amount_off, number);
                if *threshold > 0.0 {
                    check(
                        "a coupon depth (amount off over threshold)",
                        amount_off / threshold,
                        self.coupon_rate,
                        &percent,
                    );
                }
            }
            Offer::AmountOff { amount } => check("an amount off", *amount, self.amount_off, number),
            Offer::PriceRate { .. } | Offer::PercentOff { .. } => {
                if let Some(rate) = offer.discount_rate() {
                    check("a discount", rate, self.rate_off, &percent);
                }
            }
            Offer::NoOffer | Offer::Label { .. } => {}
        }
        found
    }
}

/// An outcome and the kind of quantity it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeField {
    pub column: String,
    pub kind: OutcomeKind,
}

/// A mapping checked against its table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The data file, for messages.
    pub source: String,
    pub rows: usize,
    pub time: Option<TimeField>,
    pub dimensions: Vec<String>,
    pub levers: Vec<LeverField>,
    pub covariates: Vec<String>,
    pub exposure: Option<String>,
    pub outcomes: Vec<OutcomeField>,
}

#[cfg(test)]
mod tests {
    use super::OfferRanges;
    use crate::data::notation::parse_offer;

    #[test]
    fn offer_ranges_say_what_a_new_offer_asks_beyond_them() {
        let seen: Vec<_> = ["none", "150:20", "300:50", "100:10", "0.9"]
            .iter()
            .map(|t| parse_offer(t))
            .collect();
        let ranges = OfferRanges::of(&seen);
        assert_eq!(ranges.threshold, Some((100.0, 300.0)));
        assert_eq!(ranges.amount_off, Some((10.0, 50.0)));
        let rate = ranges.rate_off.unwrap();
        assert!((rate.0 - 0.1).abs() < 1e-12 && (rate.1 - 0.1).abs() < 1e-12);
        assert!(ranges.beyond(&parse_offer("200:30")).is_empty());
        assert!(ranges.beyond(&parse_offer("none")).is_empty());
        assert_eq!(
            ranges.beyond(&parse_offer("1000:5")),
            [
                "a spend threshold of 1,000, beyond the 100 to 300 seen",
                "an amount off of 5, beyond the 10 to 50 seen",
                "a coupon depth (amount off over threshold) of 0.5%, beyond the 10% to 16.667% seen"
            ]
        );
        // Each part within its range, together deeper than any coupon tried.
        assert_eq!(
            ranges.beyond(&parse_offer("150:50")),
            [
                "a coupon depth (amount off over threshold) of 33.333%, beyond the 10% to 16.667% seen"
            ]
        );
        assert_eq!(
            ranges.beyond(&parse_offer("0.75")),
            ["a discount of 25%, beyond the 10% to 10% seen"]
        );
        // No flat amount off was seen apart from coupons' amounts: 20 off is within them.
        let percent_only = OfferRanges::of(&[parse_offer("0.9")]);
        assert_eq!(
            percent_only.beyond(&parse_offer("150:20")),
            [
                "a spend threshold never seen in the data (150)",
                "an amount off never seen in the data (20)",
                "a coupon depth (amount off over threshold) never seen in the data (13.333%)"
            ]
        );
    }
}
