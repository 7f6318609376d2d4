//! Diagnostics: holdout and backtest metrics beside naive baselines, calibration and interval
//! coverage, error sources, uplift curves on randomised data, importance and lift decomposition.
//!
//! Not built yet: it needs the forecast model first.
