//! `truth.json`: the noise-free expected outcomes and lift of named scenarios over future dates,
//! computed with the generator's own formulas, so forecasts can be checked against the truth.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::SampleDesign;
use super::world::{self, CHANNELS, Campaign, CellDay, OfferKind, SEGMENTS};

/// Format version of `truth.json`.
pub const TRUTH_FORMAT_VERSION: u32 = 1;

/// The truth about the generated data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub format_version: u32,
    /// Seed of the data set it describes (the truth itself does not depend on it).
    pub seed: u64,
    /// How the data was drawn; left out of the file for the committed sample's design.
    #[serde(default, skip_serializing_if = "SampleDesign::is_committed")]
    pub design: SampleDesign,
    /// What the scenario figures assume about things nobody plans.
    pub assumptions: String,
    pub scenarios: Vec<ScenarioTruth>,
}

/// One named scenario: which rows, which levers, and the true outcome totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioTruth {
    pub name: String,
    pub description: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub segments: Vec<String>,
    pub channels: Vec<String>,
    /// The lever columns as the data writes them.
    pub levers: Levers,
    /// The rows the scenario covers, with their exposure (messages sent).
    pub rows: Vec<ScenarioRow>,
    pub outcomes: Vec<OutcomeTruth>,
}

/// Lever values of a scenario, spelt as in the CSV.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Levers {
    pub campaign_type: String,
    pub discount_pct: String,
    pub coupon: String,
    pub duration_days: String,
    pub creative: String,
}

/// A row of a scenario's population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRow {
    pub date: NaiveDate,
    pub segment: String,
    pub channel: String,
    pub sends: f64,
}

/// True totals of one outcome over a scenario's rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeTruth {
    pub outcome: String,
    /// Expected total with the campaign.
    pub scenario: f64,
    /// Expected total with no campaign.
    pub baseline: f64,
    /// scenario − baseline.
    pub lift: f64,
    /// lift / baseline × 100.
    pub lift_pct: f64,
}

struct ScenarioSpec {
    name: &'static str,
    description: &'static str,
    segments: &'static [usize],
    channels: &'static [usize],
    offer: OfferKind,
    duration_days: u32,
}

const ALL_SEGMENTS: &[usize] = &[0, 1, 2, 3];
const ALL_CHANNELS: &[usize] = &[0, 1, 2];

fn specs() -> [ScenarioSpec; 4] {
    [
        ScenarioSpec {
            name: "pct15_all_7d",
            description: "15% off for every segment on every channel for 7 days",
            segments: ALL_SEGMENTS,
            channels: ALL_CHANNELS,
            offer: OfferKind::PercentOff { percent: 15.0 },
            duration_days: 7,
        },
        ScenarioSpec {
            name: "coupon_150_20_active_app_push_7d",
            description: "满150减20 coupon to the active segment by app push for 7 days",
            segments: &[1],
            channels: &[0],
            offer: OfferKind::Coupon {
                threshold: 150.0,
                off: 20.0,
            },
            duration_days: 7,
        },
        ScenarioSpec {
            name: "pct30_lapsed_email_14d",
            description: "30% off to the lapsed segment by e-mail for 14 days",
            segments: &[2],
            channels: &[2],
            offer: OfferKind::PercentOff { percent: 30.0 },
            duration_days: 14,
        },
        ScenarioSpec {
            name: "coupon_300_50_vip_sms_5d",
            description: "满300减50 coupon to VIPs by SMS for 5 days",
            segments: &[3],
            channels: &[1],
            offer: OfferKind::Coupon {
                threshold: 300.0,
                off: 50.0,
            },
            duration_days: 5,
        },
    ]
}

/// The first day of every scenario: a Monday after the history ends.
pub fn scenario_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
}

/// Computes the truth of every named scenario for a sample drawn with `design`.
pub fn compute(seed: u64, design: &SampleDesign) -> Truth {
    Truth {
        format_version: TRUTH_FORMAT_VERSION,
        seed,
        design: *design,
        assumptions: "no competitor sale, no post-promotion dip from earlier campaigns, \
                      messages sent at the expected daily rate; creative 'A'"
            .into(),
        scenarios: specs()
            .iter()
            .map(|spec| scenario_truth(spec, design.audience_scale))
            .collect(),
    }
}

fn scenario_truth(spec: &ScenarioSpec, audience_scale: f64) -> ScenarioTruth {
    let start = scenario_start();
    let campaign = Campaign {
        offer: spec.offer,
        duration_days: spec.duration_days,
        creative: 'A',
    };
    let mut rows = Vec::new();
    let mut with = world::Expected::default();
    let mut without = world::Expected::default();
    for offset in 0..spec.duration_days {
        let date = start + Duration::days(i64::from(offset));
        for &segment in spec.segments {
            for &channel in spec.channels {
                let cell = |campaign| CellDay {
                    date,
                    segment,
                    channel,
                    campaign,
                    after_campaign: None,
                    competitor_sale: false,
                    audience_scale,
                };
                let treated = world::expected(&cell(Some(campaign)));
                let untreated = world::expected(&cell(None));
                add(&mut with, &treated);
                add(&mut without, &untreated);
                rows.push(ScenarioRow {
                    date,
                    segment: SEGMENTS[segment].into(),
                    channel: CHANNELS[channel].into(),
                    sends: treated.sends,
                });
            }
        }
    }
    let (campaign_type, discount_pct, coupon, duration_days, creative) =
        super::lever_cells(Some(campaign));
    ScenarioTruth {
        name: spec.name.into(),
        description: spec.description.into(),
        start_date: start,
        end_date: start + Duration::days(i64::from(spec.duration_days) - 1),
        segments: spec.segments.iter().map(|&s| SEGMENTS[s].into()).collect(),
        channels: spec.channels.iter().map(|&c| CHANNELS[c].into()).collect(),
        levers: Levers {
            campaign_type,
            discount_pct,
            coupon,
            duration_days,
            creative,
        },
        rows,
        outcomes: vec![
            outcome("clicks", with.clicks, without.clicks),
            outcome("orders", with.orders, without.orders),
            outcome("revenue", with.revenue, without.revenue),
        ],
    }
}

/// Noise-free totals of one segment × channel of the committed sample over `days` days from
/// `start`, with the offer running for all of them (as a `days`-day campaign, creative 'A') and
/// without it.
pub fn campaign_totals(
    segment: usize,
    channel: usize,
    offer: OfferKind,
    start: NaiveDate,
    days: u32,
) -> (world::Expected, world::Expected) {
    let campaign = Campaign {
        offer,
        duration_days: days,
        creative: 'A',
    };
    let mut with = world::Expected::default();
    let mut without = world::Expected::default();
    for offset in 0..days {
        let cell = |campaign| CellDay {
            date: start + Duration::days(i64::from(offset)),
            segment,
            channel,
            campaign,
            after_campaign: None,
            competitor_sale: false,
            audience_scale: SampleDesign::default().audience_scale,
        };
        add(&mut with, &world::expected(&cell(Some(campaign))));
        add(&mut without, &world::expected(&cell(None)));
    }
    (with, without)
}

fn add(total: &mut world::Expected, row: &world::Expected) {
    total.sends += row.sends;
    total.clicks += row.clicks;
    total.orders += row.orders;
    total.revenue += row.revenue;
}

fn outcome(name: &str, scenario: f64, baseline: f64) -> OutcomeTruth {
    let lift = scenario - baseline;
    OutcomeTruth {
        outcome: name.into(),
        scenario,
        baseline,
        lift,
        lift_pct: if baseline > 0.0 {
            lift / baseline * 100.0
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_lifts_orders_and_parts_add_up() {
        let truth = compute(7, &SampleDesign::default());
        assert!(truth.scenarios.len() >= 3);
        for scenario in &truth.scenarios {
            let orders = scenario
                .outcomes
                .iter()
                .find(|o| o.outcome == "orders")
                .unwrap();
            assert!(orders.lift > 0.0, "{}", scenario.name);
            assert!((orders.scenario - orders.baseline - orders.lift).abs() < 1e-9);
            assert!(scenario.start_date > crate::data::sample::last_history_date());
        }
    }
}
