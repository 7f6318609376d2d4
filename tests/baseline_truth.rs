//! The model's no-campaign baseline on the sample data against the generator's noise-free
//! world: what every lift is a share of. Two things in the history are not a normal day and
//! must not be learnt into it: the shopping festivals and the dips after campaigns.

mod common;

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use liftcast::data::sample::SampleDesign;
use liftcast::data::sample::world::{self, CellDay, SEGMENTS};
use liftcast::data::{ImportOptions, import};
use liftcast::model::ForecastModel;

use common::{sample_inspection, temp_file, train_final_fit};

const HEADER: &str = "date,segment,channel,campaign_type,discount_pct,coupon,duration_days,\
                      creative,randomised,competitor_sale,sends\n";

/// Each outcome's per-row predictions (scenario, baseline) for rows written as CSV.
fn forecast(model: &ForecastModel, rows: &str) -> Vec<(String, Vec<f64>, Vec<f64>)> {
    let (_folder, path) = temp_file("rows.csv", format!("{HEADER}{rows}").as_bytes());
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    let forecast = model.forecast(&table.frame, &[]).unwrap();
    forecast
        .rows
        .into_iter()
        .map(|o| (o.outcome, o.scenario, o.baseline))
        .collect()
}

/// 2025 month by month (in the history) and the first quarter of 2026 (beyond it): every
/// segment × channel with its expected messages, no campaign, no competitor sale. A smooth
/// yearly cycle bent around Double 11 put November 2025's clicks 9.5% low and May's 5.5% high;
/// with the festival windows as inputs every month is within 4%.
#[test]
fn the_no_campaign_baseline_follows_the_truth_month_by_month() {
    let model = train_final_fit(&sample_inspection());
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let mut rows = String::new();
    let mut truth = Vec::new();
    for date in first.iter_days().take_while(|d| *d <= last) {
        for (segment, segment_name) in SEGMENTS.iter().enumerate() {
            for (channel, channel_name) in world::CHANNELS.iter().enumerate() {
                let cell = CellDay {
                    date,
                    segment,
                    channel,
                    campaign: None,
                    after_campaign: None,
                    competitor_sale: false,
                    audience_scale: SampleDesign::default().audience_scale,
                };
                let expected = world::expected(&cell);
                let _ = writeln!(
                    rows,
                    "{date},{segment_name},{channel_name},none,0,none,0,none,0,0,{}",
                    expected.sends
                );
                truth.push((date, expected));
            }
        }
    }
    let month = |date: NaiveDate| (date.year(), date.month());
    for (outcome, _, baseline) in forecast(&model, &rows) {
        let true_value = |e: &world::Expected| match outcome.as_str() {
            "clicks" => e.clicks,
            "orders" => e.orders,
            _ => e.revenue,
        };
        let mut start = 0;
        while start < truth.len() {
            let this = month(truth[start].0);
            let end = start
                + truth[start..]
                    .iter()
                    .take_while(|(d, _)| month(*d) == this)
                    .count();
            let predicted: f64 = baseline[start..end].iter().sum();
            let actual: f64 = truth[start..end].iter().map(|(_, e)| true_value(e)).sum();
            let error = 100.0 * (predicted / actual - 1.0);
            println!("{outcome} {}-{:02}: {error:+.1}%", this.0, this.1);
            assert!(
                error.abs() < 5.0,
                "{outcome} in {}-{:02}: the baseline is {error:+.1}% from the truth",
                this.0,
                this.1
            );
            start = end;
        }
    }
}

/// The day after a campaign ends, orders dip (the generator takes up to 12% off conversion for
/// ten days); the model sees the days since the series' last campaign and forecasts the dip,
/// while the same day with no campaign before it has none. Without those inputs both rows
/// encode alike and the two forecasts are equal.
#[test]
fn orders_dip_the_day_after_a_campaign_ends() {
    let model = train_final_fit(&sample_inspection());
    let campaign_day = "2025-03-09,active,app_push,percent_off,20,none,7,A,1,0,40000\n";
    let after = "2025-03-10,active,app_push,none,0,none,0,none,0,0,40000\n";
    let with_campaign = forecast(&model, &format!("{campaign_day}{after}"));
    let alone = forecast(&model, after);
    let value = |forecasts: &[(String, Vec<f64>, Vec<f64>)], outcome: &str, row: usize| {
        forecasts
            .iter()
            .find(|(name, _, _)| name == outcome)
            .map(|(_, scenario, _)| scenario[row])
            .unwrap()
    };
    let orders = value(&with_campaign, "orders", 1) / value(&alone, "orders", 0);
    let clicks = value(&with_campaign, "clicks", 1) / value(&alone, "clicks", 0);
    println!("the day after a campaign: orders x{orders:.3}, clicks x{clicks:.3}");
    assert!(
        orders < 0.96,
        "orders the day after a campaign are x{orders:.3} a normal day's"
    );
    assert!(
        orders < clicks,
        "the dip is in conversion: orders x{orders:.3}, clicks x{clicks:.3}"
    );
}
