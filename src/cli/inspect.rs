//! `liftcast inspect FILE`: rows, columns, types, detected roles with confidence, missing counts,
//! parsed notations and every validation problem. Exit 0 when usable, 2 when not.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde_json::json;

use super::{EXIT_UNUSABLE, ImportArgs, RoleArgs};
use crate::data::detect::kind_label;
use crate::data::{Inspection, Role, Severity, import};
use crate::numbers::{counted, grouped};

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The data file: CSV/TSV, Parquet, JSON Lines or XLSX.
    file: PathBuf,
    #[command(flatten)]
    import: ImportArgs,
    #[command(flatten)]
    roles: RoleArgs,
    /// Save the resulting mapping as JSON (reuse it with --mapping).
    #[arg(long, value_name = "FILE")]
    save_mapping: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let table = import::load(&args.file, &args.import.options())?;
    let base = args.roles.base_mapping()?;
    let inspection = Inspection::new(table, base, &args.roles.overrides())?;
    if let Some(path) = &args.save_mapping {
        inspection
            .mapping
            .save(path)
            .with_context(|| format!("saving the mapping to {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&inspection))?);
    } else {
        print!("{}", to_text(&inspection));
    }
    if inspection.validation.is_usable() {
        Ok(ExitCode::SUCCESS)
    } else {
        let errors = inspection.validation.errors().count();
        eprintln!(
            "liftcast: {}: not usable ({}); see the problems above",
            inspection.table.source.display_name(),
            counted(errors, "error")
        );
        Ok(ExitCode::from(EXIT_UNUSABLE))
    }
}

fn role_text(role: &Role) -> String {
    match role {
        Role::Lever {
            baseline: Some(baseline),
        } => format!("lever (baseline {baseline})"),
        Role::Outcome { kind: Some(kind) } => format!("outcome ({})", kind_label(*kind)),
        other => other.kind().label().to_owned(),
    }
}

fn to_text(inspection: &Inspection) -> String {
    let table = &inspection.table;
    let source = &table.source;
    let mut out = String::new();
    let mut how = vec![source.format.label().to_owned()];
    if let Some(encoding) = &source.encoding {
        how.push(encoding.clone());
    }
    if let Some(delimiter) = source.delimiter {
        let shown = if delimiter == '\t' {
            "tab".to_owned()
        } else {
            format!("'{delimiter}'")
        };
        how.push(format!("delimiter {shown}"));
    }
    if let Some(sheet) = &source.sheet {
        how.push(format!("sheet '{sheet}'"));
    }
    let _ = writeln!(
        out,
        "{}: {}, {} ({})\n",
        source.display_name(),
        counted(table.rows(), "row"),
        counted(inspection.profiles.len(), "column"),
        how.join(", ")
    );
    let _ = writeln!(
        out,
        "{:<24} {:<9} {:>8} {:>9}  {:<30} detected (confidence): why",
        "column", "type", "missing", "distinct", "role"
    );
    for profile in &inspection.profiles {
        let role = inspection
            .mapping
            .role_of(&profile.name)
            .map(role_text)
            .unwrap_or_else(|| "unmapped".into());
        let detected = inspection
            .detection(&profile.name)
            .map(|d| {
                format!(
                    "{} ({:.2}): {}",
                    d.role.kind().label(),
                    d.confidence,
                    d.reason
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<24} {:<9} {:>8} {:>9}  {:<30} {}",
            profile.name, profile.type_name, profile.missing, profile.distinct, role, detected
        );
    }
    let notations: Vec<_> = inspection
        .profiles
        .iter()
        .filter_map(|p| p.notation.as_ref().map(|n| (p, n)))
        .collect();
    if !notations.is_empty() {
        let _ = writeln!(out, "\nCoupon and discount notations:");
        for (profile, summary) in notations {
            let _ = writeln!(
                out,
                "  {}: {} spend-threshold, {} price-rate, {} percent-off, {} amount-off, {} no-offer, {} other",
                profile.name,
                grouped(summary.spend_threshold as f64, 0),
                grouped(summary.price_rate as f64, 0),
                grouped(summary.percent_off as f64, 0),
                grouped(summary.amount_off as f64, 0),
                grouped(summary.no_offer as f64, 0),
                grouped(summary.labels as f64, 0)
            );
            for (text, reading) in &summary.examples {
                let _ = writeln!(out, "    {text} → {reading}");
            }
        }
    }
    let dates: Vec<_> = inspection
        .profiles
        .iter()
        .filter_map(|p| p.date.map(|d| (p, d)))
        .collect();
    if !dates.is_empty() {
        let _ = writeln!(out, "\nDates:");
        for (profile, guess) in dates {
            let _ = writeln!(
                out,
                "  {}: format {} ({:.0}% of values parse)",
                profile.name,
                guess.format.pattern(),
                guess.share * 100.0
            );
        }
    }
    let problems = &inspection.validation.problems;
    let _ = writeln!(out);
    if problems.is_empty() {
        let _ = writeln!(out, "No problems found.");
    } else {
        let _ = writeln!(out, "Problems:");
        for problem in problems {
            let _ = writeln!(out, "  {problem}");
        }
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let verdict = if inspection.validation.is_usable() {
        format!("usable ({})", counted(warnings, "warning"))
    } else {
        format!(
            "not usable ({}, {})",
            counted(errors, "error"),
            counted(warnings, "warning")
        )
    };
    let _ = writeln!(out, "\nResult: {verdict}");
    out
}

fn to_json(inspection: &Inspection) -> serde_json::Value {
    let table = &inspection.table;
    let columns: Vec<serde_json::Value> = inspection
        .profiles
        .iter()
        .map(|profile| {
            let detection = inspection.detection(&profile.name);
            json!({
                "name": profile.name,
                "type": profile.type_name,
                "missing": profile.missing,
                "distinct": profile.distinct,
                "samples": profile.samples(5),
                "min": profile.min,
                "max": profile.max,
                "mean": profile.mean,
                "date_format": profile.date.map(|d| d.format.pattern()),
                "notation": profile.notation,
                "role": inspection.mapping.role_of(&profile.name),
                "detected": detection.map(|d| json!({
                    "role": d.role,
                    "confidence": d.confidence,
                    "reason": d.reason,
                })),
            })
        })
        .collect();
    json!({
        "file": table.source.display_name(),
        "format": table.source.format,
        "encoding": table.source.encoding,
        "delimiter": table.source.delimiter.map(|d| d.to_string()),
        "sheet": table.source.sheet,
        "rows": table.rows(),
        "columns": columns,
        "mapping": inspection.mapping,
        "problems": inspection.validation.problems,
        "usable": inspection.validation.is_usable(),
        "schema": inspection.validation.schema,
    })
}
