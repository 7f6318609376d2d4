//! Coupon and discount notations, parsed into numbers a model can use: `150:20` and `满150减20`
//! (spend 150, get 20 off), `0.9`, `90%` and `9折` (pay 90% of the price), `20% off`, `$5 off`.
//! Anything else (`fixed`, `bogo`) stays a label.

use serde::{Deserialize, Serialize};

/// One offer, as the notation describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Offer {
    /// No campaign: `none`, `0`, `-`, `无`.
    NoOffer,
    /// Spend at least `threshold`, get `amount_off` off (满减).
    SpendThreshold { threshold: f64, amount_off: f64 },
    /// Pay `rate` of the price (0.9 = 10% off).
    PriceRate { rate: f64 },
    /// `percent` % off the price.
    PercentOff { percent: f64 },
    /// A fixed amount off, no threshold.
    AmountOff { amount: f64 },
    /// A named offer with no numbers in it.
    Label { label: String },
}

impl Offer {
    /// Minimum spend to qualify, 0 when there is none.
    pub fn threshold(&self) -> f64 {
        match self {
            Offer::SpendThreshold { threshold, .. } => *threshold,
            _ => 0.0,
        }
    }

    /// Money off per qualifying order, 0 when the offer is a rate.
    pub fn amount_off(&self) -> f64 {
        match self {
            Offer::SpendThreshold { amount_off, .. } => *amount_off,
            Offer::AmountOff { amount } => *amount,
            _ => 0.0,
        }
    }

    /// The share of the price taken off (0.2 = 20% off); for threshold coupons the rate at the
    /// threshold (`150:20` → 13.3%). Unknown for a flat amount off or a label.
    pub fn discount_rate(&self) -> Option<f64> {
        match self {
            Offer::NoOffer => Some(0.0),
            Offer::SpendThreshold {
                threshold,
                amount_off,
            } if *threshold > 0.0 => Some(amount_off / threshold),
            Offer::SpendThreshold { .. } => None,
            Offer::PriceRate { rate } => Some(1.0 - rate),
            Offer::PercentOff { percent } => Some(percent / 100.0),
            Offer::AmountOff { .. } | Offer::Label { .. } => None,
        }
    }

    /// True when the text used one of the notations (not a bare label).
    pub fn is_notation(&self) -> bool {
        !matches!(self, Offer::Label { .. })
    }

    /// A short reading for people: `threshold 150, off 20, rate 13.3%`.
    pub fn describe(&self) -> String {
        match self {
            Offer::NoOffer => "no offer".into(),
            Offer::SpendThreshold {
                threshold,
                amount_off,
            } => format!(
                "threshold {}, off {}, rate {}",
                trim_number(*threshold),
                trim_number(*amount_off),
                percent_text(self.discount_rate())
            ),
            Offer::PriceRate { rate } => format!(
                "pay {}% of price, rate {}",
                trim_number(rate * 100.0),
                percent_text(self.discount_rate())
            ),
            Offer::PercentOff { .. } => format!("rate {}", percent_text(self.discount_rate())),
            Offer::AmountOff { amount } => format!("{} off", trim_number(*amount)),
            Offer::Label { label } => format!("label '{label}'"),
        }
    }
}

fn percent_text(rate: Option<f64>) -> String {
    match rate {
        Some(rate) => format!("{:.1}%", rate * 100.0),
        None => "unknown".into(),
    }
}

fn trim_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// Parses one cell. Never fails: what is not a notation is a label.
pub fn parse_offer(text: &str) -> Offer {
    let trimmed = text.trim();
    let lower = trimmed.to_lowercase();
    let label = || Offer::Label {
        label: trimmed.to_owned(),
    };
    if [
        "none",
        "no",
        "no offer",
        "no coupon",
        "no discount",
        "0",
        "-",
        "无",
        "なし",
    ]
    .contains(&lower.as_str())
    {
        return Offer::NoOffer;
    }
    if let Some(offer) = parse_threshold(&lower) {
        return offer;
    }
    if let Some(rest) = lower.strip_suffix("off").map(str::trim) {
        if let Some(percent) = rest.strip_suffix('%').and_then(number) {
            if (0.0..=100.0).contains(&percent) {
                return Offer::PercentOff { percent };
            }
            return label();
        }
        let amount_text = rest.trim_start_matches(['$', '¥', '€', '£', '￥']).trim();
        return match number(amount_text) {
            Some(amount) if amount >= 0.0 => Offer::AmountOff { amount },
            _ => label(),
        };
    }
    if let Some(amount) = lower
        .strip_prefix("立减")
        .or(lower.strip_prefix("减"))
        .and_then(number)
    {
        return Offer::AmountOff { amount };
    }
    if let Some(digits) = lower.strip_suffix('折') {
        // 9折 = pay 90%; 85折 = pay 85%; 8.5折 = pay 85%.
        return match number(digits) {
            Some(value) if value > 0.0 && value < 10.0 => Offer::PriceRate { rate: value / 10.0 },
            Some(value) if (10.0..100.0).contains(&value) => Offer::PriceRate {
                rate: value / 100.0,
            },
            _ => label(),
        };
    }
    if let Some(percent) = lower.strip_suffix('%').and_then(number) {
        return if (0.0..=100.0).contains(&percent) && percent > 0.0 {
            Offer::PriceRate {
                rate: percent / 100.0,
            }
        } else {
            label()
        };
    }
    if let Some(rate) = number(&lower) {
        return if rate > 0.0 && rate <= 1.0 {
            Offer::PriceRate { rate }
        } else {
            label()
        };
    }
    label()
}

/// `150:20`, `150：20` (full-width colon) and `满150减20`.
fn parse_threshold(lower: &str) -> Option<Offer> {
    let (threshold, amount_off) = if let Some(rest) = lower.strip_prefix('满') {
        let (threshold, off) = rest.split_once('减')?;
        (number(threshold)?, number(off)?)
    } else {
        let (threshold, off) = lower.split_once(':').or_else(|| lower.split_once('：'))?;
        (number(threshold)?, number(off)?)
    };
    (threshold >= 0.0 && amount_off >= 0.0).then_some(Offer::SpendThreshold {
        threshold,
        amount_off,
    })
}

fn number(text: &str) -> Option<f64> {
    let value: f64 = text.trim().parse().ok()?;
    value.is_finite().then_some(value)
}

/// An offer column read into the numeric lever fields a model uses, one value per row
/// (`None` where the cell is missing or the field is unknown, e.g. the rate of a flat amount off).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OfferFields {
    /// Minimum spend to qualify (0 without a threshold).
    pub threshold: Vec<Option<f64>>,
    /// Money off per qualifying order.
    pub amount_off: Vec<Option<f64>>,
    /// Share of the price taken off (`150:20` → 0.133).
    pub discount_rate: Vec<Option<f64>>,
}

/// Parses every cell of an offer column into its numeric fields.
pub fn offer_fields(values: &[Option<String>]) -> OfferFields {
    offer_fields_of_groups(values, &(0..values.len()).collect::<Vec<_>>())
}

/// As `offer_fields` for rows given as distinct `values` and each row's value
/// (`column::text_groups`): each distinct offer is parsed once.
pub fn offer_fields_of_groups(values: &[Option<String>], value_of_row: &[usize]) -> OfferFields {
    let mut distinct = OfferFields::default();
    for value in values {
        let offer = value.as_deref().map(parse_offer);
        let known = offer.as_ref().filter(|o| o.is_notation());
        distinct.threshold.push(known.map(Offer::threshold));
        distinct.amount_off.push(known.map(Offer::amount_off));
        distinct
            .discount_rate
            .push(known.and_then(Offer::discount_rate));
    }
    let spread = |field: &[Option<f64>]| value_of_row.iter().map(|&v| field[v]).collect();
    OfferFields {
        threshold: spread(&distinct.threshold),
        amount_off: spread(&distinct.amount_off),
        discount_rate: spread(&distinct.discount_rate),
    }
}

/// How a column's values read as offers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NotationSummary {
    pub spend_threshold: usize,
    pub price_rate: usize,
    pub percent_off: usize,
    pub amount_off: usize,
    pub no_offer: usize,
    pub labels: usize,
    /// One example of each kind seen, with its reading.
    pub examples: Vec<(String, String)>,
}

impl NotationSummary {
    pub fn parsed(&self) -> usize {
        self.spend_threshold + self.price_rate + self.percent_off + self.amount_off + self.no_offer
    }

    /// A column holds offers when nearly all values parse and some use an explicit notation
    /// (a column of plain decimals is just a number).
    pub fn is_offer_column(&self) -> bool {
        let total = self.parsed() + self.labels;
        let explicit = self.spend_threshold + self.percent_off + self.amount_off;
        total > 0 && explicit > 0 && self.parsed() as f64 >= 0.9 * total as f64
    }
}

/// Reads every present value of a column as an offer and counts the kinds.
pub fn summarize(values: &[Option<String>]) -> NotationSummary {
    let mut summary = NotationSummary::default();
    let mut seen_kinds: Vec<&'static str> = Vec::new();
    for text in values.iter().flatten() {
        let offer = parse_offer(text);
        let kind = match &offer {
            Offer::NoOffer => {
                summary.no_offer += 1;
                "none"
            }
            Offer::SpendThreshold { .. } => {
                summary.spend_threshold += 1;
                "threshold"
            }
            Offer::PriceRate { .. } => {
                summary.price_rate += 1;
                "rate"
            }
            Offer::PercentOff { .. } => {
                summary.percent_off += 1;
                "percent"
            }
            Offer::AmountOff { .. } => {
                summary.amount_off += 1;
                "amount"
            }
            Offer::Label { .. } => {
                summary.labels += 1;
                "label"
            }
        };
        if !seen_kinds.contains(&kind) {
            seen_kinds.push(kind);
            summary.examples.push((text.clone(), offer.describe()));
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_threshold_notations() {
        let offer = parse_offer("150:20");
        assert_eq!(
            offer,
            Offer::SpendThreshold {
                threshold: 150.0,
                amount_off: 20.0
            }
        );
        assert!((offer.discount_rate().unwrap() - 20.0 / 150.0).abs() < 1e-12);
        assert_eq!(offer.describe(), "threshold 150, off 20, rate 13.3%");
        assert_eq!(parse_offer("满150减20"), offer);
        assert_eq!(parse_offer("150：20"), offer);
    }

    #[test]
    fn price_rates() {
        assert_eq!(parse_offer("0.9"), Offer::PriceRate { rate: 0.9 });
        assert_eq!(parse_offer("90%"), Offer::PriceRate { rate: 0.9 });
        assert_eq!(parse_offer("9折"), Offer::PriceRate { rate: 0.9 });
        assert_eq!(parse_offer("85折"), Offer::PriceRate { rate: 0.85 });
        let rate = parse_offer("0.9").discount_rate().unwrap();
        assert!((rate - 0.1).abs() < 1e-12);
    }

    #[test]
    fn percent_and_amount_off() {
        assert_eq!(parse_offer("20% off"), Offer::PercentOff { percent: 20.0 });
        assert_eq!(parse_offer("20% OFF"), Offer::PercentOff { percent: 20.0 });
        assert_eq!(parse_offer("$5 off"), Offer::AmountOff { amount: 5.0 });
        assert_eq!(parse_offer("5 off"), Offer::AmountOff { amount: 5.0 });
        assert_eq!(parse_offer("$5 off").amount_off(), 5.0);
        assert_eq!(parse_offer("$5 off").discount_rate(), None);
    }

    #[test]
    fn labels_and_no_offer() {
        assert_eq!(
            parse_offer("fixed"),
            Offer::Label {
                label: "fixed".into()
            }
        );
        assert_eq!(parse_offer("none"), Offer::NoOffer);
        assert_eq!(parse_offer("0"), Offer::NoOffer);
        assert_eq!(
            parse_offer("7"),
            Offer::Label { label: "7".into() },
            "a bare number above 1 is not a price rate"
        );
        assert!(matches!(parse_offer("abc:def"), Offer::Label { .. }));
    }

    #[test]
    fn column_with_both_notations_is_an_offer_column() {
        let values: Vec<Option<String>> = ["150:20", "0.9", "30:5", "0.95"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        let summary = summarize(&values);
        assert_eq!(summary.spend_threshold, 2);
        assert_eq!(summary.price_rate, 2);
        assert!(summary.is_offer_column());
    }

    #[test]
    fn offer_fields_per_row() {
        let values = vec![
            Some("150:20".to_owned()),
            Some("0.9".to_owned()),
            None,
            Some("$5 off".to_owned()),
            Some("fixed".to_owned()),
        ];
        let fields = offer_fields(&values);
        assert_eq!(
            fields.threshold,
            vec![Some(150.0), Some(0.0), None, Some(0.0), None]
        );
        assert_eq!(
            fields.amount_off,
            vec![Some(20.0), Some(0.0), None, Some(5.0), None]
        );
        let rates: Vec<Option<f64>> = fields
            .discount_rate
            .iter()
            .map(|r| r.map(|r| (r * 1000.0).round() / 1000.0))
            .collect();
        assert_eq!(rates, vec![Some(0.133), Some(0.1), None, None, None]);
    }

    #[test]
    fn plain_decimals_are_not_an_offer_column() {
        let values: Vec<Option<String>> =
            ["0.5", "0.9"].iter().map(|s| Some(s.to_string())).collect();
        assert!(!summarize(&values).is_offer_column());
    }
}
