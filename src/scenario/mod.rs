//! Scenarios: campaign plans over a future calendar, lift against the no-campaign baseline,
//! cost and ROI, response curves, comparison, the budget optimiser and next-test suggestions.
//!
//! Built so far: the money side of a plan (`costs`), plans and their rows (`plan`), and
//! response curves (`curve`). Comparison, the optimiser and the bandit are next.

pub mod costs;
pub mod curve;
pub mod plan;
