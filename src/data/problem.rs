//! Problems found while importing or validating data, each with where it is and what to do.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether a problem stops the flow (error) or only informs it (warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

/// What kind of problem it is; stable names for JSON output and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The text was not UTF-8 and was decoded with a detected encoding.
    Encoding,
    /// A row had more or fewer fields than the header.
    RaggedRow,
    /// Two columns share a name, or a header cell was empty.
    DuplicateColumn,
    /// The mapping names a column the data does not have.
    MissingColumn,
    /// The mapping gives one column two roles.
    DuplicateMapping,
    /// A column's values do not fit its role (text where numbers are needed).
    WrongType,
    /// Values of the time column that are not dates.
    UnparseableDate,
    /// An outcome or exposure below zero.
    NegativeAmount,
    /// An outcome with a single value: nothing to forecast.
    ConstantOutcome,
    /// A lever with a single value: its effect cannot be learned.
    LeverNeverVaries,
    /// A lever's baseline ("no campaign") value does not occur in the data.
    BaselineNotInData,
    /// Too few rows to train and hold out.
    TooFewRows,
    /// Too few distinct dates to hold the latest out and stop training early on the ones before.
    TooFewDates,
    /// A column with a different value on (nearly) every row mapped as a feature.
    IdLike,
    /// No outcome column: nothing to forecast.
    NoOutcome,
    /// No lever column: outcomes can be forecast, but no campaign's lift.
    NoLever,
    /// A 满减 coupon whose amount off is at least its spend threshold: likely written off:threshold.
    ImplausibleOffer,
    /// More than one time column, or more than one exposure column.
    DuplicateRole,
    /// Infinite or absurdly large numbers.
    AbsurdNumber,
    /// Missing values in a column where they matter.
    MissingValues,
}

/// One problem with the data or the mapping, located as precisely as we know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub code: ProblemCode,
    /// The file the problem is in, as the user named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// 1-based data row (the header is not counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// What is wrong and what to do about it, in one or two sentences.
    pub message: String,
}

impl Problem {
    pub fn error(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: ProblemCode, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            file: None,
            column: None,
            row: None,
            message: message.into(),
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity}: ")?;
        let mut place = Vec::new();
        if let Some(file) = &self.file {
            place.push(file.clone());
        }
        if let Some(column) = &self.column {
            place.push(format!("column '{column}'"));
        }
        if let Some(row) = self.row {
            place.push(format!("row {row}"));
        }
        if !place.is_empty() {
            write!(f, "{}: ", place.join(", "))?;
        }
        write!(f, "{}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_column_and_row() {
        let problem = Problem::error(ProblemCode::NegativeAmount, "revenue is negative")
            .in_file("shop.csv")
            .in_column("revenue")
            .at_row(12);
        assert_eq!(
            problem.to_string(),
            "error: shop.csv, column 'revenue', row 12: revenue is negative"
        );
    }
}
