//! Guessing each column's role from its name, type and values, with a confidence and a reason.
//! Always a suggestion: the user can override any of it.

use serde::{Deserialize, Serialize};

use crate::data::notation::{Offer, parse_offer};
use crate::data::profile::ColumnProfile;
use crate::data::roles::{OutcomeKind, Role, RoleMapping};

/// The suggested role of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub column: String,
    pub role: Role,
    /// 0 to 1: how sure the guess is.
    pub confidence: f32,
    /// Why, in a few words.
    pub reason: String,
}

/// Name words for levers: what a planner sets.
const LEVER_WORDS: [&str; 16] = [
    "discount",
    "coupon",
    "promo",
    "promotion",
    "campaign",
    "treatment",
    "arm",
    "offer",
    "variant",
    "voucher",
    "rebate",
    "duration",
    "creative",
    "优惠券",
    "折扣",
    "促销",
];
/// Name words for outcomes: what is forecast.
const OUTCOME_WORDS: [&str; 22] = [
    "visit",
    "visits",
    "conversion",
    "conversions",
    "converted",
    "spend",
    "revenue",
    "sales",
    "gmv",
    "orders",
    "clicks",
    "transactions",
    "trans",
    "redemptions",
    "redeemed",
    "units",
    "profit",
    "purchases",
    "销售额",
    "订单",
    "点击",
    "売上",
];
/// Name words that place a quantity before the campaign: a covariate, never an outcome.
const PAST_WORDS: [&str; 11] = [
    "past",
    "last",
    "prev",
    "previous",
    "history",
    "before",
    "since",
    "prior",
    "lifetime",
    "ever",
    "historical",
];
/// Name words for exposure: how many units the outcomes are counted over.
const EXPOSURE_WORDS: [&str; 12] = [
    "impressions",
    "sends",
    "sent",
    "messages",
    "exposure",
    "audience",
    "reach",
    "issued",
    "recipients",
    "deliveries",
    "曝光",
    "发送",
];
/// Values that mark a control group or "no campaign".
const CONTROL_VALUES: [&str; 12] = [
    "control",
    "no e-mail",
    "no email",
    "none",
    "no campaign",
    "holdout",
    "untreated",
    "no offer",
    "no coupon",
    "no promo",
    "baseline",
    "对照",
];

fn tokens(name: &str) -> Vec<String> {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn has_word(name: &str, words: &[&str]) -> bool {
    let lower = name.to_lowercase();
    let tokens = tokens(name);
    words.iter().any(|word| {
        if word.is_ascii() {
            tokens.iter().any(|t| t == word)
        } else {
            lower.contains(word)
        }
    })
}

fn is_id_name(name: &str) -> bool {
    let tokens = tokens(name);
    tokens
        .iter()
        .any(|t| t == "id" || t == "uuid" || t == "key")
        || (name.len() > 2 && (name.ends_with("Id") || name.ends_with("ID")))
}

/// Suggests a role for every profiled column.
pub fn detect_roles(profiles: &[ColumnProfile]) -> Vec<Detection> {
    let mut detections: Vec<Detection> = profiles.iter().map(detect_one).collect();
    keep_only_first(
        &mut detections,
        |role| matches!(role, Role::Time),
        Role::Ignore,
        "another column is already the time",
    );
    keep_only_first(
        &mut detections,
        |role| matches!(role, Role::Exposure),
        Role::Covariate,
        "another column is already the exposure",
    );
    detections
}

/// A mapping that takes every suggestion.
pub fn mapping_from(detections: &[Detection]) -> RoleMapping {
    let mut mapping = RoleMapping::default();
    for detection in detections {
        mapping.set(&detection.column, detection.role.clone());
    }
    mapping
}

fn keep_only_first(
    detections: &mut [Detection],
    matches: impl Fn(&Role) -> bool,
    fallback: Role,
    why: &str,
) {
    let mut seen = false;
    for detection in detections.iter_mut().filter(|d| matches(&d.role)) {
        if seen {
            detection.role = fallback.clone();
            detection.confidence = 0.5;
            detection.reason = why.to_owned();
        }
        seen = true;
    }
}

fn detection(
    profile: &ColumnProfile,
    role: Role,
    confidence: f32,
    reason: impl Into<String>,
) -> Detection {
    Detection {
        column: profile.name.clone(),
        role,
        confidence,
        reason: reason.into(),
    }
}

fn detect_one(profile: &ColumnProfile) -> Detection {
    let name = profile.name.as_str();
    let present = profile.present();
    if present == 0 {
        return detection(profile, Role::Ignore, 0.9, "every value is missing");
    }
    if let Some(date) = profile.date {
        let named = crate::data::dates::name_suggests_time(name);
        let confidence = if named { 0.95 } else { 0.8 };
        return detection(
            profile,
            Role::Time,
            confidence,
            format!("dates written {}", date.format.pattern()),
        );
    }
    let unique_share = profile.distinct as f64 / present as f64;
    if is_id_name(name) {
        if unique_share > 0.5 {
            return detection(
                profile,
                Role::Ignore,
                0.9,
                "an identifier: a different value on nearly every row",
            );
        }
        return detection(
            profile,
            Role::Dimension,
            0.6,
            format!(
                "an identifier shared by many rows ({} values)",
                profile.distinct
            ),
        );
    }
    if has_word(name, &["random", "randomised", "randomized"]) {
        return detection(
            profile,
            Role::Ignore,
            0.7,
            "marks randomised rows: not a feature (the lift is learnt from the levers, against \
             rows that ran no campaign)",
        );
    }
    if profile.is_offer_column() {
        let baseline = no_offer_value(profile).unwrap_or_else(|| "none".to_owned());
        return detection(
            profile,
            Role::Lever {
                baseline: Some(baseline),
            },
            0.9,
            "coupon/discount notation",
        );
    }
    if let Some(control) = control_value(profile) {
        let confidence = if has_word(name, &LEVER_WORDS) {
            0.9
        } else {
            0.75
        };
        return detection(
            profile,
            Role::Lever {
                baseline: Some(control.clone()),
            },
            confidence,
            format!("few values, one of them a control ('{control}')"),
        );
    }
    if has_word(name, &LEVER_WORDS) && profile.distinct > 0 {
        let baseline = if profile.numeric {
            Some(numeric_baseline(profile))
        } else {
            None
        };
        // A lever that never varied stays a lever: validation then says its effect cannot
        // be learnt, which is what the planner needs to hear.
        let (confidence, why) = if profile.distinct > 1 {
            (0.7, "the name says it is set by the planner")
        } else {
            (
                0.6,
                "the name says it is set by the planner, though it never varies here",
            )
        };
        return detection(profile, Role::Lever { baseline }, confidence, why);
    }
    if profile.numeric && has_word(name, &EXPOSURE_WORDS) && profile.negatives == 0 {
        return detection(
            profile,
            Role::Exposure,
            0.8,
            "the name says it counts who was reached",
        );
    }
    if profile.numeric && has_word(name, &OUTCOME_WORDS) && !has_word(name, &PAST_WORDS) {
        let kind = outcome_kind(profile);
        return detection(
            profile,
            Role::Outcome { kind: Some(kind) },
            0.8,
            format!("the name says it is a result ({})", kind_label(kind)),
        );
    }
    if unique_share > 0.98 && present > 50 && (profile.integers || !profile.numeric) {
        return detection(
            profile,
            Role::Ignore,
            0.7,
            "a different value on nearly every row, like an identifier",
        );
    }
    if profile.numeric {
        return detection(profile, Role::Covariate, 0.6, "a number nobody sets");
    }
    let category_limit = 50usize.max(profile.rows / 20);
    if profile.distinct <= category_limit {
        return detection(
            profile,
            Role::Dimension,
            0.7,
            format!("text with {} distinct values", profile.distinct),
        );
    }
    detection(
        profile,
        Role::Ignore,
        0.6,
        format!("text with too many distinct values ({})", profile.distinct),
    )
}

/// The value meaning "no offer" in an offer column, as written in the data.
fn no_offer_value(profile: &ColumnProfile) -> Option<String> {
    profile
        .top_values
        .iter()
        .map(|(value, _)| value)
        .find(|value| parse_offer(value) == Offer::NoOffer)
        .cloned()
}

/// A control-like value in a text column with few values.
fn control_value(profile: &ColumnProfile) -> Option<String> {
    if profile.numeric || profile.distinct < 2 || profile.distinct > 12 {
        return None;
    }
    profile
        .top_values
        .iter()
        .map(|(value, _)| value)
        .find(|value| CONTROL_VALUES.contains(&value.trim().to_lowercase().as_str()))
        .cloned()
}

/// Zero when the lever takes it (no discount), else its smallest value.
fn numeric_baseline(profile: &ColumnProfile) -> String {
    match profile.min {
        Some(min) if min <= 0.0 => "0".to_owned(),
        Some(min) => format_value(min),
        None => "0".to_owned(),
    }
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

/// Binary when 0/1, count when whole numbers, amount otherwise.
pub fn outcome_kind(profile: &ColumnProfile) -> OutcomeKind {
    if profile.binary {
        OutcomeKind::Binary
    } else if profile.integers {
        OutcomeKind::Count
    } else {
        OutcomeKind::Amount
    }
}

pub fn kind_label(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Binary => "binary",
        OutcomeKind::Count => "count",
        OutcomeKind::Amount => "amount",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_words_match_whole_tokens() {
        assert!(has_word("trans_after", &OUTCOME_WORDS));
        assert!(!has_word("spent_last_purchase", &OUTCOME_WORDS));
        assert!(has_word("weeks_since_visit", &PAST_WORDS));
        assert!(has_word("test_coupon", &LEVER_WORDS));
    }

    #[test]
    fn id_names() {
        assert!(is_id_name("User_id"));
        assert!(is_id_name("id"));
        assert!(is_id_name("customerId"));
        assert!(!is_id_name("paid"));
        assert!(!is_id_name("segment"));
    }
}
