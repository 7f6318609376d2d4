//! Diagnostics: how wrong the model is and where, before anyone trusts a number. Error measures
//! beside naive baselines on the held-out rows, interval coverage, calibration of
//! probabilities, and the error ranked by its sources.
//!
//! Also: the exact Shapley decomposition of a scenario's lift over its levers, and monitoring of
//! newer data (population shift, keep / watch / retrain).
//!
//! On randomised data, the Qini curve and uplift by decile of the model's individual lift.
//!
//! Rolling-origin backtests retrain per fold on time data.
//!
//! Why it predicts what it does: permutation importance and partial dependence (with ICE).

pub mod backtest;
pub mod decompose;
pub mod dependence;
pub mod holdout;
pub mod importance;
pub mod metrics;
pub mod monitor;
pub mod pit;
pub mod uplift;

pub use holdout::{HoldoutReport, holdout_report};
