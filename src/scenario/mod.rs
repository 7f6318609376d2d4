//! Scenarios: campaign plans over a future calendar, lift against the no-campaign baseline,
//! cost and ROI, response curves, comparison, the budget optimiser and next-test suggestions.

pub mod bandit;
pub mod compare;
pub mod costs;
pub mod curve;
pub mod draws;
pub mod evaluate;
pub mod history;
pub mod optimise;
pub mod plan;
