//! The campaign calendar of the simulated shop: planned festival campaigns (deliberately
//! confounded with festival demand, as in real shops) and randomised test windows in which each
//! segment × channel is assigned to a campaign or held out by a coin flip.

use chrono::{Datelike, Duration, NaiveDate};
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;

use super::world::{Campaign, OfferKind};

/// Length of a randomised test window in days.
pub const WINDOW_DAYS: i64 = 14;
const PERCENTS: [f64; 6] = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0];
const COUPONS: [(f64, f64); 4] = [(100.0, 10.0), (150.0, 20.0), (200.0, 30.0), (300.0, 50.0)];
const DURATIONS: [u32; 5] = [3, 5, 7, 10, 14];

/// Every offer the randomised windows test: the percentages, then the coupons.
pub fn tested_offers() -> Vec<OfferKind> {
    PERCENTS
        .iter()
        .map(|&percent| OfferKind::PercentOff { percent })
        .chain(
            COUPONS
                .iter()
                .map(|&(threshold, off)| OfferKind::Coupon { threshold, off }),
        )
        .collect()
}

/// What happens in one segment × channel on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DayPlan {
    pub campaign: Option<Campaign>,
    /// The day belongs to a randomised test window (treated or held out).
    pub randomised: bool,
}

/// Day plans for every cell: `plans[cell][day]`, cells ordered segment-major, with a test
/// window starting every `window_spacing` days (at least `WINDOW_DAYS`: windows never overlap).
pub fn build(
    rng: &mut Xoshiro256PlusPlus,
    first: NaiveDate,
    days: usize,
    (segments, channels): (usize, usize),
    window_spacing: i64,
) -> Vec<Vec<DayPlan>> {
    let cells = segments * channels;
    let mut plans = vec![vec![DayPlan::default(); days]; cells];
    for (cell, plan) in plans.iter_mut().enumerate() {
        add_festival_campaigns(plan, first, cell / channels);
    }
    let mut start = 14i64;
    while start + WINDOW_DAYS <= days as i64 {
        let window_start = first + Duration::days(start);
        if !near_festival(window_start) {
            for plan in plans.iter_mut() {
                assign_window(rng, plan, start as usize);
            }
        }
        start += window_spacing.max(WINDOW_DAYS);
    }
    plans
}

/// Windows stay clear of the 618 and 11.11 seasons so the randomised data is clean.
fn near_festival(window_start: NaiveDate) -> bool {
    let window_end = window_start + Duration::days(WINDOW_DAYS + 10);
    let year = window_start.year();
    let seasons = [((5, 25), (6, 30)), ((10, 20), (11, 25))];
    seasons.iter().any(|&((m1, d1), (m2, d2))| {
        match (
            NaiveDate::from_ymd_opt(year, m1, d1),
            NaiveDate::from_ymd_opt(year, m2, d2),
        ) {
            (Some(from), Some(to)) => window_start <= to && window_end >= from,
            _ => false,
        }
    })
}

fn assign_window(rng: &mut Xoshiro256PlusPlus, plan: &mut [DayPlan], start: usize) {
    let treated = rng.random_bool(0.5);
    let offer = if rng.random_bool(0.5) {
        OfferKind::PercentOff {
            percent: PERCENTS[rng.random_range(0..PERCENTS.len())],
        }
    } else {
        let (threshold, off) = COUPONS[rng.random_range(0..COUPONS.len())];
        OfferKind::Coupon { threshold, off }
    };
    let duration_days = DURATIONS[rng.random_range(0..DURATIONS.len())];
    let creative = if rng.random_bool(0.5) { 'A' } else { 'B' };
    let end = (start + WINDOW_DAYS as usize).min(plan.len());
    for (offset, day) in plan[start..end].iter_mut().enumerate() {
        day.randomised = true;
        if treated && (offset as u32) < duration_days {
            day.campaign = Some(Campaign {
                offer,
                duration_days,
                creative,
            });
        }
    }
}

/// 618 (a 满减 coupon, June 10–18) and 11.11 (November 1–11) in every year of the history.
fn add_festival_campaigns(plan: &mut [DayPlan], first: NaiveDate, segment: usize) {
    let premium = segment == 1 || segment == 3;
    for year in first.year()..=first.year() + 3 {
        let june = Campaign {
            offer: if segment == 3 {
                OfferKind::Coupon {
                    threshold: 300.0,
                    off: 50.0,
                }
            } else {
                OfferKind::Coupon {
                    threshold: 150.0,
                    off: 20.0,
                }
            },
            duration_days: 9,
            creative: 'A',
        };
        let november = Campaign {
            offer: if premium {
                OfferKind::PercentOff { percent: 20.0 }
            } else {
                OfferKind::Coupon {
                    threshold: 200.0,
                    off: 30.0,
                }
            },
            duration_days: 11,
            creative: 'B',
        };
        mark(plan, first, (year, 6, 10), june);
        mark(plan, first, (year, 11, 1), november);
    }
}

fn mark(plan: &mut [DayPlan], first: NaiveDate, (y, m, d): (i32, u32, u32), campaign: Campaign) {
    let Some(start) = NaiveDate::from_ymd_opt(y, m, d) else {
        return;
    };
    for offset in 0..campaign.duration_days {
        let index = (start + Duration::days(i64::from(offset)) - first).num_days();
        if let Some(day) = usize::try_from(index).ok().and_then(|i| plan.get_mut(i)) {
            day.campaign = Some(campaign);
        }
    }
}
