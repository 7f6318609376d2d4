//! Writing a table with added columns (per-row predictions beside the input's own columns) as
//! CSV or Parquet, chosen by extension, atomically.

use std::path::Path;

use polars::prelude::*;
use thiserror::Error;

/// Why a table could not be written.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{path}: write .csv or .parquet, not '{extension}'")]
    UnknownFormat { path: String, extension: String },
    #[error("{path}: cannot add column '{column}': {message}")]
    Column {
        path: String,
        column: String,
        message: String,
    },
    #[error("{path}: cannot be written: {message}")]
    Write { path: String, message: String },
}

/// A column to add: a name and one number per row (NaN for none).
pub struct AddedColumn {
    pub name: String,
    pub values: Vec<f64>,
}

/// Writes `frame` plus `added` columns to `path` (`.csv` or `.parquet`).
pub fn write_with_columns(
    frame: &DataFrame,
    added: Vec<AddedColumn>,
    path: &Path,
) -> Result<(), WriteError> {
    let display = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if extension != "csv" && extension != "parquet" {
        return Err(WriteError::UnknownFormat {
            path: display,
            extension,
        });
    }
    let mut output = frame.clone();
    for column in added {
        let name = column.name.clone();
        output
            .with_column(Column::new(column.name.into(), column.values))
            .map_err(|e| WriteError::Column {
                path: display.clone(),
                column: name,
                message: e.to_string(),
            })?;
    }
    let write_error = |message: String| WriteError::Write {
        path: display.clone(),
        message,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let temporary = folder.join(format!(".liftcast-rows.{}.tmp", std::process::id()));
    let file = std::fs::File::create(&temporary).map_err(|e| write_error(e.to_string()))?;
    let written = if extension == "csv" {
        CsvWriter::new(file).finish(&mut output).map(|_| ())
    } else {
        ParquetWriter::new(file).finish(&mut output).map(|_| ())
    };
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(error.to_string()));
    }
    std::fs::rename(&temporary, path).map_err(|e| write_error(e.to_string()))
}
