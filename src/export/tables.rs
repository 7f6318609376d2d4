//! Tables as CSV for spreadsheets: a scenario's forecast (one row per outcome) and the
//! comparison of saved scenarios (one row per scenario × outcome). Full precision, a header
//! row, fields quoted when they need it.

use std::path::Path;

use crate::files::{FileError, atomic_write};
use crate::model::Forecast;

const HEADER: [&str; 10] = [
    "scenario",
    "outcome",
    "scenario_total",
    "scenario_80_low",
    "scenario_80_high",
    "baseline_total",
    "lift",
    "lift_pct",
    "lift_80_low",
    "lift_80_high",
];

/// One row per scenario and outcome.
pub fn forecasts_csv(named: &[(String, Forecast)]) -> String {
    let mut text = HEADER.join(",");
    text.push('\n');
    for (name, forecast) in named {
        for o in &forecast.outcomes {
            let cells = [
                quote(name),
                quote(&o.outcome),
                o.scenario_total.to_string(),
                o.scenario_low.to_string(),
                o.scenario_high.to_string(),
                o.baseline_total.to_string(),
                o.lift.to_string(),
                o.lift_pct.to_string(),
                o.lift_low.to_string(),
                o.lift_high.to_string(),
            ];
            text.push_str(&cells.join(","));
            text.push('\n');
        }
    }
    text
}

/// Writes the table atomically.
pub fn write_forecasts_csv(named: &[(String, Forecast)], path: &Path) -> Result<(), FileError> {
    atomic_write(path, forecasts_csv(named).as_bytes())
}

/// A CSV field: quoted, with doubled quotes, when it holds a comma, quote or line break.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OutcomeForecast;

    fn outcome(name: &str, scenario: f64, baseline: f64) -> OutcomeForecast {
        OutcomeForecast {
            outcome: name.into(),
            rows: 10,
            scenario_total: scenario,
            baseline_total: baseline,
            scenario_mean: scenario / 10.0,
            baseline_mean: baseline / 10.0,
            scenario_low: scenario - 1.0,
            scenario_high: scenario + 1.0,
            baseline_low: baseline - 1.0,
            baseline_high: baseline + 1.0,
            lift: scenario - baseline,
            lift_mean: (scenario - baseline) / 10.0,
            lift_pct: (scenario - baseline) / baseline * 100.0,
            lift_low: 0.5,
            lift_high: 1.5,
            member_scenario_totals: Vec::new(),
            member_baseline_totals: Vec::new(),
        }
    }

    #[test]
    fn one_row_per_scenario_and_outcome_with_names_quoted() {
        let forecast = Forecast {
            outcomes: vec![
                outcome("orders", 12.0, 10.0),
                outcome("revenue", 120.0, 100.0),
            ],
            funnel: Vec::new(),
            rows: Vec::new(),
            cold_start_rows: 0,
            cold_start: Vec::new(),
        };
        let text = forecasts_csv(&[("15% off, app".into(), forecast)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], HEADER.join(","));
        assert_eq!(lines[1], "\"15% off, app\",orders,12,11,13,10,2,20,0.5,1.5");
        assert!(lines[2].starts_with("\"15% off, app\",revenue,120,"));
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
