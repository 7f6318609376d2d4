//! Scenarios: campaign plans over a future calendar, lift against the no-campaign baseline,
//! cost and ROI, response curves, comparison, the budget optimiser and next-test suggestions.
//!
//! Not built yet: it needs the forecast model first.
