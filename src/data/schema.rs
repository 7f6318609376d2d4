//! The validated schema: a mapping that passed every check, with what later stages need to
//! know about each column. Only `validate` builds one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::data::dates::DateFormat;
use crate::data::roles::OutcomeKind;

/// The time column and its span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeField {
    pub column: String,
    pub format: DateFormat,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub distinct_dates: usize,
}

/// How a lever's values are read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeverKind {
    /// Named values (treatment arms, campaign types).
    Categorical { levels: Vec<String> },
    /// A number over the observed range (discount %, duration in days).
    Numeric { min: f64, max: f64 },
    /// Coupon or discount notation, read into threshold, amount off and discount rate.
    Offer,
}

/// A lever and its "no campaign" value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeverField {
    pub column: String,
    pub kind: LeverKind,
    /// The value meaning "no campaign", as written in the data.
    pub baseline: String,
    /// False when the lever has one value in the data: its effect cannot be learned.
    pub varies: bool,
}

/// An outcome and the kind of quantity it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeField {
    pub column: String,
    pub kind: OutcomeKind,
}

/// A mapping checked against its table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The data file, for messages.
    pub source: String,
    pub rows: usize,
    pub time: Option<TimeField>,
    pub dimensions: Vec<String>,
    pub levers: Vec<LeverField>,
    pub covariates: Vec<String>,
    pub exposure: Option<String>,
    pub outcomes: Vec<OutcomeField>,
}
