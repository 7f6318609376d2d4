//! What the history says about a plan's levers: whether their past use had concurrent
//! controls (or was confounded with whatever else happened on those days), and how long
//! campaigns ran. Time data only; unit data has no calendar to be confounded with.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use polars::prelude::DataFrame;

use super::plan::Plan;
use crate::data::column;
use crate::data::controls::{self, same_value};
use crate::data::schema::Schema;

/// Below this share of a lever value's rows with a same-day control, it is called confounded.
const MIN_CONTROLLED_SHARE: f64 = 0.5;

/// Each history row's date and whether every lever sat at its baseline.
struct HistoryRows {
    dates: Vec<Option<NaiveDate>>,
    at_baseline: Vec<bool>,
    levers: HashMap<String, Vec<Option<String>>>,
    combos: Vec<String>,
}

fn read(history: &DataFrame, schema: &Schema) -> Option<HistoryRows> {
    let dates = controls::row_dates(history, schema)?;
    let at_baseline = controls::at_baseline(history, schema)?;
    let mut levers = HashMap::new();
    for lever in &schema.levers {
        levers.insert(
            lever.column.clone(),
            column::texts(history, &lever.column).ok()?,
        );
    }
    let mut combos = vec![String::new(); history.height()];
    for dimension in &schema.dimensions {
        let texts = column::texts(history, dimension).ok()?;
        for (combo, text) in combos.iter_mut().zip(texts) {
            combo.push_str(text.as_deref().unwrap_or(""));
            combo.push('\u{1f}');
        }
    }
    Some(HistoryRows {
        dates,
        at_baseline,
        levers,
        combos,
    })
}

/// Warnings about confounded levers and plans longer than any campaign seen.
pub fn history_warnings(history: &DataFrame, schema: &Schema, plan: &Plan) -> Vec<String> {
    let Some(rows) = read(history, schema) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    let controlled_days = controls::controlled_days(&rows.dates, &rows.at_baseline);
    let mut seen = HashSet::new();
    for setting in plan.all_settings() {
        let Some(lever) = schema.levers.iter().find(|l| l.column == setting.lever) else {
            continue;
        };
        if same_value(Some(&setting.value), &lever.baseline)
            || !seen.insert((setting.lever.clone(), setting.value.clone()))
        {
            continue;
        }
        let Some(texts) = rows.levers.get(&lever.column) else {
            continue;
        };
        let used: Vec<usize> = (0..texts.len())
            .filter(|&r| same_value(texts[r].as_deref(), &setting.value))
            .collect();
        if used.is_empty() {
            continue;
        }
        let controlled = used
            .iter()
            .filter(|&&r| rows.dates[r].is_some_and(|d| controlled_days.contains(&d)))
            .count();
        let share = controlled as f64 / used.len() as f64;
        if share < MIN_CONTROLLED_SHARE {
            warnings.push(format!(
                "confounded: {} = {} was used on {} rows of the history, and only {:.0}% of them \
                 on days when some rows ran no campaign; its effect cannot be told apart from \
                 whatever else happened those days (a festival, a season). Trust a randomised \
                 test with a holdout group over this lift",
                lever.column,
                setting.value,
                used.len(),
                100.0 * share
            ));
        }
    }
    if let (Some(start), Some(end)) = (plan.start, plan.end) {
        let days = (end - start).num_days() + 1;
        let longest = longest_campaign(&rows);
        if longest > 0 && days > longest {
            warnings.push(format!(
                "longer than any campaign seen: the plan runs {days} days, the longest campaign \
                 in the data ran {longest} days in a row; the lift of the later days is \
                 extrapolated"
            ));
        }
    }
    warnings
}

/// A campaign day of one dimension combination: its date and every lever's value.
type CampaignDay<'a> = (NaiveDate, Vec<Option<&'a str>>);

/// The longest run of consecutive days any one dimension combination spent on one campaign. A
/// change of any lever's value starts a new campaign: two tests run back to back are two
/// campaigns of their own lengths, not one long one.
fn longest_campaign(rows: &HistoryRows) -> i64 {
    // Lever columns in a fixed order, so each row's settings compare as one key.
    let mut columns: Vec<&Vec<Option<String>>> = Vec::new();
    let mut names: Vec<&String> = rows.levers.keys().collect();
    names.sort();
    for name in names {
        columns.extend(rows.levers.get(name));
    }
    let settings_of = |row: usize| -> Vec<Option<&str>> {
        columns
            .iter()
            .map(|texts| texts.get(row).and_then(|t| t.as_deref()))
            .collect()
    };
    let mut campaign_days: BTreeMap<&str, Vec<CampaignDay>> = BTreeMap::new();
    for row in 0..rows.dates.len() {
        if let (false, Some(date)) = (rows.at_baseline[row], rows.dates[row]) {
            campaign_days
                .entry(&rows.combos[row])
                .or_default()
                .push((date, settings_of(row)));
        }
    }
    let mut longest = 0;
    for days in campaign_days.values_mut() {
        days.sort();
        days.dedup_by(|a, b| a.0 == b.0);
        let mut run = 0;
        let mut previous: Option<&CampaignDay> = None;
        for day in days.iter() {
            run = match previous {
                Some((date, settings)) if (day.0 - *date).num_days() == 1 && *settings == day.1 => {
                    run + 1
                }
                _ => 1,
            };
            longest = longest.max(run);
            previous = Some(day);
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One segment's consecutive days from March 1st, one per discount (0 = no campaign).
    fn history(discounts: &[u32]) -> HistoryRows {
        let dates = (0..discounts.len())
            .map(|day| NaiveDate::from_ymd_opt(2025, 3, 1 + day as u32))
            .collect();
        let texts = discounts.iter().map(|d| Some(d.to_string())).collect();
        HistoryRows {
            dates,
            at_baseline: discounts.iter().map(|d| *d == 0).collect(),
            levers: HashMap::from([("discount_pct".to_string(), texts)]),
            combos: vec!["active".to_string(); discounts.len()],
        }
    }

    #[test]
    fn a_campaign_runs_while_its_settings_stay_the_same() {
        // Seven days at 10% off: one campaign of seven days.
        assert_eq!(longest_campaign(&history(&[10; 7])), 7);
        // Four days at 10% off, a pause, then three at 20%: the longest ran four days.
        assert_eq!(
            longest_campaign(&history(&[10, 10, 10, 10, 0, 20, 20, 20])),
            4
        );
        // Two tests back to back, 10% off for five days then 20% for four: two campaigns.
        assert_eq!(
            longest_campaign(&history(&[10, 10, 10, 10, 10, 20, 20, 20, 20])),
            5
        );
    }
}
