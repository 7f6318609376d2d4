//! Diagnostics: how wrong the model is and where, before anyone trusts a number. Error measures
//! beside naive baselines on the held-out rows, interval coverage, calibration of
//! probabilities, and the error ranked by its sources.
//!
//! Still to come (issue 7): rolling-origin backtests, uplift curves on randomised data,
//! importance, Shapley lift decomposition, monitoring and the report.

pub mod holdout;
pub mod metrics;

pub use holdout::{HoldoutReport, holdout_report};
