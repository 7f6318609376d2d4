//! "Parse, don't validate": one step turns a table and a raw mapping into a [`Schema`], or lists
//! every problem at once (errors stop, warnings let the user go on).

use std::collections::HashSet;

use serde::Serialize;

use crate::data::column;
use crate::data::dates;
use crate::data::detect::{kind_label, outcome_kind};
use crate::data::import::Table;
use crate::data::notation::{Offer, parse_offer};
use crate::data::problem::{Problem, ProblemCode};
use crate::data::profile::ColumnProfile;
use crate::data::roles::{OutcomeKind, Role, RoleKind, RoleMapping};
use crate::data::schema::{LeverField, LeverKind, OfferRanges, OutcomeField, Schema, TimeField};
use crate::numbers::counted;

/// Fewer rows than this cannot be trained and held out.
pub const MIN_ROWS: usize = 20;
/// Fewer rows than this train, but the forecast will be rough.
pub const FEW_ROWS: usize = 200;
/// Fewest distinct dates time data trains on: one held out, one to stop early, one to learn.
pub const MIN_DATES: usize = 3;

/// The result of validation: a schema when nothing stops the flow, and every problem found.
#[derive(Clone, Debug, Serialize)]
pub struct Validation {
    pub schema: Option<Schema>,
    pub problems: Vec<Problem>,
}

impl Validation {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }

    pub fn is_usable(&self) -> bool {
        self.schema.is_some()
    }
}

/// Checks `mapping` against `table` (whose columns `profiles` describes).
pub fn validate(table: &Table, profiles: &[ColumnProfile], mapping: &RoleMapping) -> Validation {
    let mut check = Checker {
        table,
        profiles,
        file: table.source.display_name(),
        problems: table.warnings.clone(),
    };
    let schema = check.run(mapping);
    let has_errors = check.problems.iter().any(Problem::is_error);
    Validation {
        schema: if has_errors { None } else { schema },
        problems: check.problems,
    }
}

struct Checker<'a> {
    table: &'a Table,
    profiles: &'a [ColumnProfile],
    file: String,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn error(
        &mut self,
        code: ProblemCode,
        column: Option<&str>,
        row: Option<usize>,
        message: String,
    ) {
        self.push(Problem::error(code, message), column, row);
    }

    fn warn(
        &mut self,
        code: ProblemCode,
        column: Option<&str>,
        row: Option<usize>,
        message: String,
    ) {
        self.push(Problem::warning(code, message), column, row);
    }

    fn push(&mut self, mut problem: Problem, column: Option<&str>, row: Option<usize>) {
        problem.file = Some(self.file.clone());
        problem.column = column.map(str::to_owned);
        problem.row = row;
        self.problems.push(problem);
    }

    fn profile(&self, column: &str) -> Option<&ColumnProfile> {
        self.profiles.iter().find(|p| p.name == column)
    }

    fn run(&mut self, mapping: &RoleMapping) -> Option<Schema> {
        self.check_columns_exist(mapping);
        let time = self.time_field(mapping);
        let exposure = self.exposure_field(mapping);
        let outcomes = self.outcome_fields(mapping);
        let levers = self.lever_fields(mapping);
        let dimensions = self.dimension_fields(mapping);
        let covariates = self.covariate_fields(mapping);
        self.check_rows();
        Some(Schema {
            source: self.file.clone(),
            rows: self.table.rows(),
            time,
            dimensions,
            levers,
            covariates,
            exposure,
            outcomes,
        })
    }

    fn check_columns_exist(&mut self, mapping: &RoleMapping) {
        let available: HashSet<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
        let mut seen = HashSet::new();
        for entry in &mapping.columns {
            if !seen.insert(entry.column.as_str()) {
                self.error(
                    ProblemCode::DuplicateMapping,
                    Some(&entry.column),
                    None,
                    "the mapping gives this column more than one role; keep one".into(),
                );
            }
            if !available.contains(entry.column.as_str()) {
                let names: Vec<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
                self.error(
                    ProblemCode::MissingColumn,
                    Some(&entry.column),
                    None,
                    format!(
                        "the mapping names this column but the file has no such column; \
                         its columns are: {}",
                        names.join(", ")
                    ),
                );
            }
        }
    }

    /// Columns of one role that exist in the table.
    fn present<'m>(&self, mapping: &'m RoleMapping, kind: RoleKind) -> Vec<&'m str> {
        mapping
            .columns_with(kind)
            .into_iter()
            .filter(|c| self.profile(c).is_some())
            .collect()
    }

    fn time_field(&mut self, mapping: &RoleMapping) -> Option<TimeField> {
        let columns = self.present(mapping, RoleKind::Time);
        if columns.len() > 1 {
            self.error(
                ProblemCode::DuplicateRole,
                None,
                None,
                format!(
                    "{} columns are mapped as time ({}); map one as time and ignore the others",
                    columns.len(),
                    columns.join(", ")
                ),
            );
        }
        let column = *columns.first()?;
        let texts = column::texts(&self.table.frame, column).ok()?;
        let allow_day_numbers = true;
        let Some((format, _)) = dates::detect(&texts, allow_day_numbers, 0.0) else {
            self.error(
                ProblemCode::UnparseableDate,
                Some(column),
                None,
                "no value is a date; write dates as YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY, \
                 or map another column as time"
                    .into(),
            );
            return None;
        };
        let mut parsed = Vec::new();
        let mut bad = 0usize;
        let mut first_bad = None;
        let mut missing = 0usize;
        for (index, value) in texts.iter().enumerate() {
            match value {
                None => missing += 1,
                Some(text) => match dates::parse(text, format) {
                    Some(date) => parsed.push(date),
                    None => {
                        bad += 1;
                        first_bad.get_or_insert((index + 1, text.clone()));
                    }
                },
            }
        }
        if let Some((row, text)) = first_bad {
            self.error(
                ProblemCode::UnparseableDate,
                Some(column),
                Some(row),
                format!(
                    "'{text}' is not a date in the column's format ({}); {bad} values do not \
                     parse. Fix them in the file or map another column as time.",
                    format.pattern()
                ),
            );
        }
        if missing > 0 {
            self.warn(
                ProblemCode::MissingValues,
                Some(column),
                None,
                format!("{missing} rows have no date; they are left out"),
            );
        }
        let first = *parsed.iter().min()?;
        let last = *parsed.iter().max()?;
        let distinct_dates = parsed.iter().collect::<HashSet<_>>().len();
        if distinct_dates < MIN_DATES {
            let dates = if first == last {
                format!("1 date ({first})")
            } else {
                format!("{distinct_dates} dates ({first} to {last})")
            };
            self.error(
                ProblemCode::TooFewDates,
                Some(column),
                None,
                format!(
                    "has only {dates}; a forecast over time needs at least {MIN_DATES}: the \
                     latest are held out to judge the model and the ones before them stop its \
                     training. Add more days, or map this column as ignore to treat the rows \
                     as customers without dates"
                ),
            );
        }
        Some(TimeField {
            column: column.to_owned(),
            format,
            first,
            last,
            distinct_dates,
        })
    }

    fn exposure_field(&mut self, mapping: &RoleMapping) -> Option<String> {
        let columns = self.present(mapping, RoleKind::Exposure);
        if columns.len() > 1 {
            self.error(
                ProblemCode::DuplicateRole,
                None,
                None,
                format!(
                    "{} columns are mapped as exposure ({}); keep one and map the others as covariates",
                    columns.len(),
                    columns.join(", ")
                ),
            );
        }
        let column = *columns.first()?;
        if !self.require_numeric(column, "an exposure") {
            return None;
        }
        self.check_numbers(column, "an exposure", true);
        Some(column.to_owned())
    }

    fn outcome_fields(&mut self, mapping: &RoleMapping) -> Vec<OutcomeField> {
        let columns = self.present(mapping, RoleKind::Outcome);
        if mapping.columns_with(RoleKind::Outcome).is_empty() {
            self.error(
                ProblemCode::NoOutcome,
                None,
                None,
                "no column is mapped as an outcome, so there is nothing to forecast; map the \
                 result you care about (orders, revenue, visits) as an outcome"
                    .into(),
            );
        }
        let mut fields = Vec::new();
        for column in columns {
            if !self.require_numeric(column, "an outcome") {
                continue;
            }
            let Some(profile) = self.profile(column).cloned() else {
                continue;
            };
            let declared = match mapping.role_of(column) {
                Some(Role::Outcome { kind }) => *kind,
                _ => None,
            };
            let kind = declared.unwrap_or_else(|| outcome_kind(&profile));
            if kind == OutcomeKind::Binary && !profile.binary && profile.present() > 0 {
                self.error(
                    ProblemCode::WrongType,
                    Some(column),
                    None,
                    "is declared binary but holds values other than 0 and 1; declare it a count \
                     or an amount"
                        .into(),
                );
            }
            if profile.distinct <= 1 {
                self.error(
                    ProblemCode::ConstantOutcome,
                    Some(column),
                    None,
                    format!(
                        "has a single value ({}) on every row: there is nothing to forecast. \
                         Map a different outcome.",
                        profile.samples(1).first().copied().unwrap_or("missing")
                    ),
                );
            }
            if profile.missing > 0 {
                self.warn(
                    ProblemCode::MissingValues,
                    Some(column),
                    None,
                    format!(
                        "{} rows have no value; they are left out when training this {} outcome",
                        profile.missing,
                        kind_label(kind)
                    ),
                );
            }
            self.check_numbers(column, "an outcome", true);
            fields.push(OutcomeField {
                column: column.to_owned(),
                kind,
            });
        }
        fields
    }

    fn lever_fields(&mut self, mapping: &RoleMapping) -> Vec<LeverField> {
        let mut fields = Vec::new();
        for column in self.present(mapping, RoleKind::Lever) {
            let Some(profile) = self.profile(column).cloned() else {
                continue;
            };
            let given = match mapping.role_of(column) {
                Some(Role::Lever { baseline }) => baseline.clone(),
                _ => None,
            };
            let varies = profile.distinct > 1;
            if !varies {
                self.warn(
                    ProblemCode::LeverNeverVaries,
                    Some(column),
                    None,
                    format!(
                        "has one value ({}) in the whole file, so its effect cannot be learned \
                         from this data; any lift for other values would be a guess",
                        profile.samples(1).first().copied().unwrap_or("missing")
                    ),
                );
            }
            self.check_id_like(&profile, "a lever");
            let field = if profile.is_offer_column() {
                self.offer_lever(column, &profile, given, varies)
            } else if profile.numeric {
                self.check_numbers(column, "a lever", false);
                self.numeric_lever(column, &profile, given, varies)
            } else {
                self.categorical_lever(column, &profile, given, varies)
            };
            fields.extend(field);
        }
        if fields.is_empty() {
            self.warn(
                ProblemCode::NoLever,
                None,
                None,
                "no column is mapped as a lever, so the model can forecast the outcomes but not \
                 what a campaign changes; map the columns the planner sets (discount, coupon, \
                 channel or test arm) as levers"
                    .into(),
            );
        }
        fields
    }

    fn offer_lever(
        &mut self,
        column: &str,
        profile: &ColumnProfile,
        given: Option<String>,
        varies: bool,
    ) -> Option<LeverField> {
        let baseline = given.unwrap_or_else(|| "none".to_owned());
        let baseline_is_present = profile
            .top_values
            .iter()
            .any(|(value, _)| parse_offer(value) == parse_offer(&baseline));
        if !baseline_is_present {
            self.warn(
                ProblemCode::BaselineNotInData,
                Some(column),
                None,
                format!(
                    "every row has an offer; the baseline '{baseline}' (no offer) never occurs, \
                     so lift against no campaign is extrapolated"
                ),
            );
        }
        if matches!(parse_offer(&baseline), Offer::Label { .. }) {
            self.warn(
                ProblemCode::WrongType,
                Some(column),
                None,
                format!(
                    "the baseline '{baseline}' is not an offer notation; it is read as a label"
                ),
            );
        }
        // Each distinct text read once: a column of 100,000 coupons holds a few dozen offers.
        let texts: Vec<String> = column::texts(&self.table.frame, column)
            .map(|texts| {
                let distinct: HashSet<String> = texts.into_iter().flatten().collect();
                let mut distinct: Vec<String> = distinct.into_iter().collect();
                distinct.sort();
                distinct
            })
            .unwrap_or_default();
        let offers: Vec<Offer> = texts.iter().map(|text| parse_offer(text)).collect();
        self.check_offers_plausible(column, &texts, &offers);
        Some(LeverField {
            column: column.to_owned(),
            kind: LeverKind::Offer,
            baseline,
            varies,
            offers_seen: Some(OfferRanges::of(&offers)),
        })
    }

    /// A 满减 coupon taking off at least what must be spent (`20:150`) is almost surely written
    /// the other way round: Liftcast reads `THRESHOLD:OFF`, so 满150减20 is `150:20`.
    fn check_offers_plausible(&mut self, column: &str, texts: &[String], offers: &[Offer]) {
        let reversed: Vec<&str> = texts
            .iter()
            .zip(offers)
            .filter(|(_, offer)| {
                matches!(offer, Offer::SpendThreshold { threshold, amount_off }
                    if *threshold > 0.0 && amount_off >= threshold)
            })
            .map(|(text, _)| text.as_str())
            .collect();
        let Some(first) = reversed.first() else {
            return;
        };
        self.warn(
            ProblemCode::ImplausibleOffer,
            Some(column),
            None,
            format!(
                "'{first}' takes off at least what must be spent ({}); coupons are read as \
                 THRESHOLD:OFF (满150减20 is 150:20). If the file writes them the other way \
                 round, swap the numbers before training",
                counted(reversed.len(), "such coupon")
            ),
        );
    }

    fn numeric_lever(
        &mut self,
        column: &str,
        profile: &ColumnProfile,
        given: Option<String>,
        varies: bool,
    ) -> Option<LeverField> {
        let (min, max) = (profile.min.unwrap_or(0.0), profile.max.unwrap_or(0.0));
        let baseline = given.unwrap_or_else(|| {
            if min <= 0.0 {
                "0".into()
            } else {
                format!("{min}")
            }
        });
        let Ok(value) = baseline.trim().parse::<f64>() else {
            self.error(
                ProblemCode::WrongType,
                Some(column),
                None,
                format!("the lever is numeric but its baseline '{baseline}' is not a number"),
            );
            return None;
        };
        if value < min || value > max {
            self.warn(
                ProblemCode::BaselineNotInData,
                Some(column),
                None,
                format!(
                    "the baseline {baseline} lies outside the observed range {min}..{max}, so \
                     lift against it is extrapolated"
                ),
            );
        }
        Some(LeverField {
            column: column.to_owned(),
            kind: LeverKind::Numeric { min, max },
            baseline,
            varies,
            offers_seen: None,
        })
    }

    fn categorical_lever(
        &mut self,
        column: &str,
        profile: &ColumnProfile,
        given: Option<String>,
        varies: bool,
    ) -> Option<LeverField> {
        let levels: Vec<String> = match column::texts(&self.table.frame, column) {
            Ok(texts) => {
                let mut levels: Vec<String> = texts
                    .into_iter()
                    .flatten()
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                levels.sort();
                levels
            }
            Err(_) => Vec::new(),
        };
        let baseline = match given {
            Some(baseline) => baseline,
            None => {
                let most_frequent = profile
                    .samples(1)
                    .first()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                self.warn(
                    ProblemCode::BaselineNotInData,
                    Some(column),
                    None,
                    format!(
                        "no baseline (\"no campaign\") value was given; using the most frequent \
                         value '{most_frequent}'. Set the right one (e.g. --lever {column}=control)."
                    ),
                );
                most_frequent
            }
        };
        if !levels.contains(&baseline) {
            self.warn(
                ProblemCode::BaselineNotInData,
                Some(column),
                None,
                format!(
                    "the baseline '{baseline}' never occurs in the data (values: {}); lift \
                     against it cannot be estimated",
                    levels
                        .iter()
                        .take(10)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Some(LeverField {
            column: column.to_owned(),
            kind: LeverKind::Categorical { levels },
            baseline,
            varies,
            offers_seen: None,
        })
    }

    fn dimension_fields(&mut self, mapping: &RoleMapping) -> Vec<String> {
        let columns = self.present(mapping, RoleKind::Dimension);
        for column in &columns {
            if let Some(profile) = self.profile(column).cloned() {
                self.check_id_like(&profile, "a dimension");
            }
        }
        columns.into_iter().map(str::to_owned).collect()
    }

    fn covariate_fields(&mut self, mapping: &RoleMapping) -> Vec<String> {
        let mut fields = Vec::new();
        for column in self.present(mapping, RoleKind::Covariate) {
            if !self.require_numeric(column, "a covariate") {
                continue;
            }
            if let Some(profile) = self.profile(column).cloned()
                && profile.integers
            {
                self.check_id_like(&profile, "a covariate");
            }
            self.check_numbers(column, "a covariate", false);
            fields.push(column.to_owned());
        }
        fields
    }

    fn check_rows(&mut self) {
        let rows = self.table.rows();
        if rows < MIN_ROWS {
            self.error(
                ProblemCode::TooFewRows,
                None,
                None,
                format!(
                    "has {rows} data row{}; at least {MIN_ROWS} are needed to train and check a \
                     forecast",
                    if rows == 1 { "" } else { "s" }
                ),
            );
        } else if rows < FEW_ROWS {
            self.warn(
                ProblemCode::TooFewRows,
                None,
                None,
                format!("has only {rows} data rows; forecasts will be rough and intervals wide"),
            );
        }
    }

    /// Reports a text column where numbers are needed; true when the column is numeric.
    fn require_numeric(&mut self, column: &str, role: &str) -> bool {
        let Some(profile) = self.profile(column) else {
            return false;
        };
        if profile.numeric {
            return true;
        }
        let examples = profile.samples(3).join(", ");
        self.error(
            ProblemCode::WrongType,
            Some(column),
            None,
            format!(
                "holds text ({examples}), but {role} must be a number; map it as a dimension \
                 or fix the values"
            ),
        );
        false
    }

    /// Absurd numbers always; negative values where amounts must not be negative.
    fn check_numbers(&mut self, column: &str, role: &str, non_negative: bool) {
        let Ok(values) = column::numbers(&self.table.frame, column) else {
            return;
        };
        let mut absurd = 0usize;
        let mut first_absurd = None;
        let mut negatives = 0usize;
        let mut first_negative = None;
        for (index, value) in values.iter().enumerate() {
            let Some(value) = *value else { continue };
            if !value.is_finite() || value.abs() > 1e15 {
                absurd += 1;
                first_absurd.get_or_insert((index + 1, value));
            } else if value < 0.0 {
                negatives += 1;
                first_negative.get_or_insert((index + 1, value));
            }
        }
        if let Some((row, value)) = first_absurd {
            self.error(
                ProblemCode::AbsurdNumber,
                Some(column),
                Some(row),
                format!(
                    "{} is not a plausible value for {role} ({}); fix or remove {}",
                    absurd_in_words(value),
                    counted(absurd, "such value"),
                    if absurd == 1 { "it" } else { "them" }
                ),
            );
        }
        if non_negative && let Some((row, value)) = first_negative {
            self.error(
                ProblemCode::NegativeAmount,
                Some(column),
                Some(row),
                format!(
                    "{value} is negative ({}), but {role} cannot be; remove returns or \
                     corrections, or map another column",
                    counted(negatives, "negative value")
                ),
            );
        }
    }

    fn check_id_like(&mut self, profile: &ColumnProfile, role: &str) {
        let present = profile.present();
        if present > 50 && profile.distinct as f64 > 0.9 * present as f64 {
            self.warn(
                ProblemCode::IdLike,
                Some(&profile.name),
                None,
                format!(
                    "has {} distinct values over {present} rows: it looks like an identifier. As \
                     {role} it lets the model memorise rows; map it to ignore.",
                    profile.distinct
                ),
            );
        }
    }
}

/// An absurd number as people write it: `1e300`, not three hundred digits.
fn absurd_in_words(value: f64) -> String {
    if value.is_finite() {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}
