//! The sample data Liftcast generates itself: two years of a shop's daily campaign performance
//! per customer segment × channel, with known true effects (`truth.json`), so tests can check
//! that the model recovers lift. `liftcast sample --out DIR --seed N` writes it.

mod schedule;
mod truth;
pub mod world;

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use serde::{Deserialize, Serialize};

pub use schedule::tested_offers;
pub use truth::{OutcomeTruth, ScenarioTruth, Truth, campaign_totals, scenario_start};
use world::{CHANNELS, CellDay, OfferKind, SEGMENTS};

use crate::files::{self, FileError};

/// The seed of the committed sample data.
pub const DEFAULT_SEED: u64 = 7;
/// Days of history generated.
pub const HISTORY_DAYS: usize = 731;
/// File names written by [`write`].
pub const CSV_NAME: &str = "shop_campaigns.csv";
pub const TRUTH_NAME: &str = "truth.json";
/// The named plans' future covariates, as `truth.json` assumes them (the messages sent each day,
/// no competitor sale), beside the plans in `plans/` that read it.
pub const PLAN_COVARIATES_NAME: &str = "plans/plan_covariates.csv";

/// Share of days on which a competitor runs a sale.
const COMPETITOR_SALE_SHARE: f64 = 0.12;
/// Gamma shape of one basket's value around the average order value.
const BASKET_SHAPE: f64 = 4.0;

/// How the simulated shop is sampled. The default is the committed sample's design: test
/// windows back to back and audiences of a mid-sized shop (1.7 million customers), the evidence
/// the named plans' lifts need to be recovered within 10% (BENCHMARKS.md: with one window every
/// four weeks and a tenth of the audience even a regression of the truth's own form missed
/// them). The others are for experiments (`liftcast sample --window-spacing 28
/// --audience-scale 1`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleDesign {
    /// Days between the starts of two randomised test windows (14, their length, runs them back
    /// to back).
    pub window_spacing_days: i64,
    /// Gamma shape of day-to-day overdispersion in clicks (larger = less noise).
    pub click_noise_shape: f64,
    /// Multiplier on every segment × channel's audience (more messages, less count noise).
    pub audience_scale: f64,
}

impl Default for SampleDesign {
    fn default() -> Self {
        Self {
            window_spacing_days: schedule::WINDOW_DAYS,
            click_noise_shape: 50.0,
            audience_scale: 10.0,
        }
    }
}

impl SampleDesign {
    /// Whether this is the committed sample's design.
    pub fn is_committed(&self) -> bool {
        *self == Self::default()
    }
}

/// The generated data: the CSV text, the truth about it and the plans' future covariates.
pub struct SampleData {
    pub csv: String,
    pub truth: Truth,
    pub plan_covariates: String,
}

/// Generates the committed sample's design for a seed. The same seed gives the same bytes.
pub fn generate(seed: u64) -> SampleData {
    generate_with(seed, &SampleDesign::default())
}

/// Generates the sample data of a design for a seed. The same seed gives the same bytes.
pub fn generate_with(seed: u64, design: &SampleDesign) -> SampleData {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let first = world::origin();
    let plans = schedule::build(
        &mut rng,
        first,
        HISTORY_DAYS,
        (SEGMENTS.len(), CHANNELS.len()),
        design.window_spacing_days,
    );
    let competitor_days: Vec<bool> = (0..HISTORY_DAYS)
        .map(|_| rng.random_bool(COMPETITOR_SALE_SHARE))
        .collect();

    let mut csv = String::with_capacity(HISTORY_DAYS * plans.len() * 96);
    csv.push_str(
        "date,segment,channel,campaign_type,discount_pct,coupon,duration_days,creative,\
         randomised,competitor_sale,sends,clicks,orders,revenue\n",
    );
    // Per cell: (day the last campaign ended, its discount rate), for the post-promotion dip.
    let mut last_end: Vec<Option<(usize, f64)>> = vec![None; plans.len()];
    for day in 0..HISTORY_DAYS {
        let date = first + Duration::days(day as i64);
        for (cell, plan) in plans.iter().enumerate() {
            let (segment, channel) = (cell / CHANNELS.len(), cell % CHANNELS.len());
            let today = plan[day];
            let yesterday = day.checked_sub(1).and_then(|d| plan[d].campaign);
            if let (Some(campaign), None) = (yesterday, today.campaign) {
                last_end[cell] = Some((day - 1, world::discount_rate(campaign.offer)));
            }
            let after_campaign = match (today.campaign, last_end[cell]) {
                (None, Some((end, depth))) => Some(((day - end) as u32, depth)),
                _ => None,
            };
            let cell_day = CellDay {
                date,
                segment,
                channel,
                campaign: today.campaign,
                after_campaign,
                competitor_sale: competitor_days[day],
                audience_scale: design.audience_scale,
            };
            let expected = world::expected(&cell_day);
            let (clicks, orders, revenue) =
                draw_outcomes(&mut rng, &expected, design.click_noise_shape);
            write_row(
                &mut csv,
                &cell_day,
                today.randomised,
                expected.sends,
                clicks,
                orders,
                revenue,
            );
        }
    }
    let truth = truth::compute(seed, design);
    let plan_covariates = plan_covariates(&truth, design.audience_scale);
    SampleData {
        csv,
        truth,
        plan_covariates,
    }
}

/// What a planner states about the named plans' days (the first plan's start to the last one's
/// end), and what `truth.json` assumes: each segment × channel's expected messages per day, and
/// no competitor sale. Without it a plan carries December's send volumes and competitor days
/// into March, and its forecast answers another question than the truth's.
fn plan_covariates(truth: &Truth, audience_scale: f64) -> String {
    let mut csv = String::from("date,segment,channel,sends,competitor_sale\n");
    let first = truth.scenarios.iter().map(|s| s.start_date).min();
    let last = truth.scenarios.iter().map(|s| s.end_date).max();
    let (Some(first), Some(last)) = (first, last) else {
        return csv;
    };
    for date in first.iter_days().take_while(|date| *date <= last) {
        for (segment, segment_name) in SEGMENTS.iter().enumerate() {
            for (channel, channel_name) in CHANNELS.iter().enumerate() {
                let sends = world::expected_sends(date, segment, channel, audience_scale);
                let _ = writeln!(
                    csv,
                    "{},{segment_name},{channel_name},{sends:.0},0",
                    date.format("%Y-%m-%d")
                );
            }
        }
    }
    csv
}

/// Draws counts and revenue around their expected values (means are preserved exactly).
fn draw_outcomes(
    rng: &mut Xoshiro256PlusPlus,
    expected: &world::Expected,
    click_noise_shape: f64,
) -> (u64, u64, f64) {
    let overdispersion = Gamma::new(click_noise_shape, 1.0 / click_noise_shape)
        .map(|g| g.sample(rng))
        .unwrap_or(1.0);
    let clicks = poisson(rng, expected.clicks * overdispersion);
    let orders_per_click = if expected.clicks > 0.0 {
        expected.orders / expected.clicks
    } else {
        0.0
    };
    let orders = poisson(rng, clicks as f64 * orders_per_click);
    let order_value = if expected.orders > 0.0 {
        expected.revenue / expected.orders
    } else {
        0.0
    };
    let revenue = if orders == 0 {
        0.0
    } else {
        let baskets = Gamma::new(BASKET_SHAPE * orders as f64, 1.0 / BASKET_SHAPE)
            .map(|g| g.sample(rng))
            .unwrap_or(orders as f64);
        (order_value * baskets * 100.0).round() / 100.0
    };
    (clicks, orders, revenue)
}

fn poisson(rng: &mut Xoshiro256PlusPlus, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}

/// The lever columns as the CSV writes them: campaign_type, discount_pct, coupon,
/// duration_days, creative.
pub fn lever_cells(campaign: Option<world::Campaign>) -> (String, String, String, String, String) {
    match campaign {
        None => (
            "none".into(),
            "0".into(),
            "none".into(),
            "0".into(),
            "none".into(),
        ),
        Some(campaign) => {
            let (kind, percent, coupon) = match campaign.offer {
                OfferKind::PercentOff { percent } => ("percent_off", percent, "none".to_owned()),
                OfferKind::Coupon { threshold, off } => {
                    ("coupon", 0.0, format!("{threshold:.0}:{off:.0}"))
                }
            };
            (
                kind.into(),
                format!("{percent:.0}"),
                coupon,
                campaign.duration_days.to_string(),
                campaign.creative.to_string(),
            )
        }
    }
}

fn write_row(
    csv: &mut String,
    cell: &CellDay,
    randomised: bool,
    sends: f64,
    clicks: u64,
    orders: u64,
    revenue: f64,
) {
    let (kind, percent, coupon, duration, creative) = lever_cells(cell.campaign);
    let _ = writeln!(
        csv,
        "{},{},{},{kind},{percent},{coupon},{duration},{creative},{},{},{sends:.0},{clicks},{orders},{revenue:.2}",
        cell.date.format("%Y-%m-%d"),
        SEGMENTS[cell.segment],
        CHANNELS[cell.channel],
        u8::from(randomised),
        u8::from(cell.competitor_sale),
    );
}

/// Writes `shop_campaigns.csv`, `truth.json` and `plans/plan_covariates.csv` of a design into
/// `folder`.
pub fn write(folder: &Path, seed: u64, design: &SampleDesign) -> Result<SampleData, FileError> {
    let data = generate_with(seed, design);
    files::atomic_write(&folder.join(CSV_NAME), data.csv.as_bytes())?;
    files::save_json(&folder.join(TRUTH_NAME), &data.truth, "sample truth")?;
    files::atomic_write(
        &folder.join(PLAN_COVARIATES_NAME),
        data.plan_covariates.as_bytes(),
    )?;
    Ok(data)
}

/// The last date of the generated history.
pub fn last_history_date() -> NaiveDate {
    world::origin() + Duration::days(HISTORY_DAYS as i64 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(3).csv;
        assert_eq!(a, generate(3).csv);
        assert_ne!(a, generate(4).csv);
    }

    #[test]
    fn one_row_per_day_segment_and_channel() {
        let data = generate(1);
        let rows = data.csv.lines().count() - 1;
        assert_eq!(rows, HISTORY_DAYS * SEGMENTS.len() * CHANNELS.len());
    }

    /// The data rows of a randomised test window.
    fn randomised_rows(csv: &str) -> Vec<&str> {
        csv.lines()
            .skip(1)
            .filter(|line| line.split(',').nth(8) == Some("1"))
            .collect()
    }

    #[test]
    fn a_design_sets_windows_noise_and_audiences() {
        let committed = generate(DEFAULT_SEED);
        let design = SampleDesign {
            window_spacing_days: 2 * schedule::WINDOW_DAYS,
            click_noise_shape: 200.0,
            audience_scale: 1.0,
        };
        let sparser = generate_with(DEFAULT_SEED, &design);
        // One window every four weeks: about half the randomised rows of back-to-back windows.
        let (few, many) = (
            randomised_rows(&sparser.csv).len(),
            randomised_rows(&committed.csv).len(),
        );
        assert!(many > 3 * few / 2, "{few} → {many} randomised rows");
        // A tenth of the audience: a tenth of the true lift (the dates' sends are rounded).
        let lift = |data: &SampleData| data.truth.scenarios[0].outcomes[0].lift;
        let ratio = lift(&committed) / lift(&sparser);
        assert!((ratio - 10.0).abs() < 0.01, "lift ratio {ratio}");
        // The committed design is left out of truth.json (its bytes stay as committed); any
        // other is written down.
        let text = |data: &SampleData| serde_json::to_string(&data.truth).unwrap_or_default();
        assert!(!text(&committed).contains("design"));
        assert!(text(&sparser).contains("\"audience_scale\":1.0"));
        let read: Truth = serde_json::from_str(&text(&sparser)).unwrap();
        assert_eq!(read.design, design);
    }

    #[test]
    fn randomised_windows_have_treated_and_held_out_cells() {
        let data = generate(DEFAULT_SEED);
        let randomised = randomised_rows(&data.csv);
        let treated = randomised
            .iter()
            .filter(|line| line.split(',').nth(3) != Some("none"))
            .count();
        assert!(treated > 0 && treated < randomised.len());
    }
}
