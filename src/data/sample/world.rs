//! The simulated shop's true behaviour: the noise-free expected clicks, orders and revenue of a
//! segment × channel on a day, under a campaign or none. The generator draws noise around these
//! numbers and `truth.json` is computed from them, so tests can check recovered lift.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Customer segments, in column order.
pub const SEGMENTS: [&str; 4] = ["new", "active", "lapsed", "vip"];
/// Messaging channels, in column order.
pub const CHANNELS: [&str; 3] = ["app_push", "sms", "email"];

/// Reachable customers per segment (rows) and channel (columns) on 2024-01-01.
const AUDIENCE: [[f64; 3]; 4] = [
    [20_000.0, 8_000.0, 30_000.0],
    [60_000.0, 15_000.0, 50_000.0],
    [10_000.0, 12_000.0, 40_000.0],
    [5_000.0, 3_000.0, 6_000.0],
];
/// Audience growth per year (linear).
const AUDIENCE_GROWTH: f64 = 0.10;
/// Share of the audience messaged each day.
const SEND_RATE: f64 = 0.6;
/// Clicks per message by channel.
const CHANNEL_CTR: [f64; 3] = [0.040, 0.020, 0.012];
/// Click multiplier by segment.
const SEGMENT_CTR: [f64; 4] = [1.0, 1.3, 0.6, 1.6];
/// Orders per click by segment.
const SEGMENT_CVR: [f64; 4] = [0.030, 0.050, 0.025, 0.080];
/// Average order value (before discounts) by segment.
const SEGMENT_AOV: [f64; 4] = [110.0, 130.0, 100.0, 220.0];
/// Day-of-week demand, Monday first.
const WEEKDAY: [f64; 7] = [0.92, 0.95, 0.97, 1.0, 1.05, 1.12, 1.08];
/// Conversion multiplier on days a competitor runs a sale.
const COMPETITOR_SALE_CVR: f64 = 0.9;
/// First day of the simulated history; audience growth counts from here.
pub fn origin() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
}

/// The offer a campaign makes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OfferKind {
    /// `percent` % off every order.
    PercentOff { percent: f64 },
    /// Spend `threshold`, get `off` off (满减).
    Coupon { threshold: f64, off: f64 },
}

/// A campaign running on a segment × channel.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub offer: OfferKind,
    /// Planned length in days.
    pub duration_days: u32,
    /// Message creative, 'A' or 'B': it has **no** effect (a null lever for diagnostics).
    pub creative: char,
}

/// Everything that decides one row's expected outcome.
#[derive(Clone, Copy, Debug)]
pub struct CellDay {
    pub date: NaiveDate,
    pub segment: usize,
    pub channel: usize,
    pub campaign: Option<Campaign>,
    /// Days since the last campaign in this cell ended (1 = the day after), with its depth,
    /// for the post-promotion dip.
    pub after_campaign: Option<(u32, f64)>,
    pub competitor_sale: bool,
    /// Multiplier on the segment × channel's audience (10 for the committed sample).
    pub audience_scale: f64,
}

/// Expected values of the outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub sends: f64,
    pub clicks: f64,
    pub orders: f64,
    pub revenue: f64,
}

/// Messages sent to a segment on a channel on a date (the exposure), with every audience
/// multiplied by `audience_scale` (10 for the committed sample).
pub fn expected_sends(date: NaiveDate, segment: usize, channel: usize, audience_scale: f64) -> f64 {
    let years = (date - origin()).num_days() as f64 / 365.25;
    let audience = AUDIENCE[segment][channel] * audience_scale;
    (audience * (1.0 + AUDIENCE_GROWTH * years) * SEND_RATE).round()
}

/// Demand on a date: weekday, a yearly wave peaking in December, and festival peaks
/// (618 in June, 11.11 and 12.12).
pub fn demand(date: NaiveDate) -> f64 {
    let weekday = WEEKDAY[date.weekday().num_days_from_monday() as usize];
    let day_of_year = f64::from(date.ordinal());
    let yearly = 1.0 + 0.12 * (2.0 * std::f64::consts::PI * (day_of_year - 350.0) / 365.25).cos();
    weekday * yearly * festival(date)
}

/// Festival multipliers on demand.
pub fn festival(date: NaiveDate) -> f64 {
    match (date.month(), date.day()) {
        (11, 11) => 3.0,
        (11, 1..=10) => 1.25,
        (11, 12) => 1.3,
        (6, 18) => 2.2,
        (6, 1..=17) => 1.15,
        (12, 12) => 1.6,
        _ => 1.0,
    }
}

/// The discount rate an offer amounts to (share of the price).
pub fn discount_rate(offer: OfferKind) -> f64 {
    match offer {
        OfferKind::PercentOff { percent } => percent / 100.0,
        OfferKind::Coupon { threshold, off } if threshold > 0.0 => off / threshold,
        OfferKind::Coupon { .. } => 0.0,
    }
}

/// Diminishing returns on depth: 0 at no discount, approaching 1 for deep ones.
fn saturation(rate: f64, scale: f64) -> f64 {
    1.0 - (-rate / scale).exp()
}

/// Longer campaigns lose urgency: the uplift is scaled down with duration.
pub fn urgency(duration_days: u32) -> f64 {
    1.0 / (1.0 + f64::from(duration_days) / 21.0)
}

/// The noise-free expected outcome of one row.
pub fn expected(cell: &CellDay) -> Expected {
    let sends = expected_sends(cell.date, cell.segment, cell.channel, cell.audience_scale);
    let base_ctr = CHANNEL_CTR[cell.channel] * SEGMENT_CTR[cell.segment];
    let base_cvr = SEGMENT_CVR[cell.segment];
    let aov = SEGMENT_AOV[cell.segment];

    let (click_lift, conversion_lift, net_order_value) = match cell.campaign {
        None => (1.0, 1.0, aov),
        Some(campaign) => {
            let rate = discount_rate(campaign.offer);
            let urgency = urgency(campaign.duration_days);
            match campaign.offer {
                OfferKind::PercentOff { .. } => (
                    1.0 + 0.5 * saturation(rate, 0.10) * urgency,
                    1.0 + 0.8 * saturation(rate, 0.15) * urgency,
                    aov * (1.0 - rate) * (1.0 + 0.5 * rate),
                ),
                OfferKind::Coupon { threshold, off } => {
                    // Only baskets near the threshold qualify; buyers stretch towards it.
                    let qualifying = (-0.5 * threshold / aov).exp();
                    let gross = aov * (1.0 + 0.25 * (threshold / aov).min(2.0));
                    (
                        1.0 + 0.4 * saturation(rate, 0.10) * urgency,
                        1.0 + 0.8 * saturation(rate, 0.15) * urgency * qualifying,
                        gross - 0.8 * off,
                    )
                }
            }
        }
    };
    let dip = match cell.after_campaign {
        Some((days, depth)) if days <= 10 => {
            1.0 - 0.12 * (depth / 0.2).min(1.0) * (-(f64::from(days) - 1.0) / 3.0).exp()
        }
        _ => 1.0,
    };
    let competitor = if cell.competitor_sale {
        COMPETITOR_SALE_CVR
    } else {
        1.0
    };
    let clicks = sends * base_ctr * demand(cell.date) * click_lift;
    let orders = clicks * base_cvr * conversion_lift * dip * competitor;
    Expected {
        sends,
        clicks,
        orders,
        revenue: orders * net_order_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cell(campaign: Option<Campaign>) -> CellDay {
        CellDay {
            date: day(2024, 3, 6),
            segment: 1,
            channel: 0,
            campaign,
            after_campaign: None,
            competitor_sale: false,
            audience_scale: 1.0,
        }
    }

    fn percent(percent: f64) -> Option<Campaign> {
        Some(Campaign {
            offer: OfferKind::PercentOff { percent },
            duration_days: 7,
            creative: 'A',
        })
    }

    #[test]
    fn deeper_discounts_sell_more_with_diminishing_returns() {
        let none = expected(&cell(None)).orders;
        let ten = expected(&cell(percent(10.0))).orders;
        let twenty = expected(&cell(percent(20.0))).orders;
        let thirty = expected(&cell(percent(30.0))).orders;
        assert!(none < ten && ten < twenty && twenty < thirty);
        assert!(twenty - ten > thirty - twenty, "returns must diminish");
    }

    #[test]
    fn eleven_eleven_is_the_peak() {
        assert!(festival(day(2024, 11, 11)) > festival(day(2024, 6, 18)));
        assert!(demand(day(2024, 11, 11)) > 2.5 * demand(day(2024, 3, 6)));
    }

    #[test]
    fn creative_has_no_effect() {
        let mut a = percent(15.0);
        let mut b = percent(15.0);
        if let (Some(a), Some(b)) = (a.as_mut(), b.as_mut()) {
            a.creative = 'A';
            b.creative = 'B';
        }
        assert_eq!(expected(&cell(a)), expected(&cell(b)));
    }

    #[test]
    fn post_promotion_dip_lowers_orders_then_fades() {
        let mut after = cell(None);
        after.after_campaign = Some((1, 0.2));
        let mut later = cell(None);
        later.after_campaign = Some((9, 0.2));
        let normal = expected(&cell(None)).orders;
        assert!(expected(&after).orders < expected(&later).orders);
        assert!(expected(&later).orders < normal);
    }
}
