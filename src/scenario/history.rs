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
    let settings = plan
        .levers
        .iter()
        .chain(plan.segment_levers.iter().flat_map(|s| s.levers.iter()));
    let mut seen = HashSet::new();
    for setting in settings {
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

/// The longest run of consecutive days any one dimension combination spent on a campaign.
fn longest_campaign(rows: &HistoryRows) -> i64 {
    let mut campaign_days: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    for row in 0..rows.dates.len() {
        if let (false, Some(date)) = (rows.at_baseline[row], rows.dates[row]) {
            campaign_days
                .entry(&rows.combos[row])
                .or_default()
                .push(date);
        }
    }
    let mut longest = 0;
    for days in campaign_days.values_mut() {
        days.sort();
        days.dedup();
        let mut run = 0;
        let mut previous: Option<NaiveDate> = None;
        for &day in days.iter() {
            run = match previous {
                Some(p) if (day - p).num_days() == 1 => run + 1,
                _ => 1,
            };
            longest = longest.max(run);
            previous = Some(day);
        }
    }
    longest
}
