//! Reading a data file into a [`Table`]: one reader per format, chosen by extension or content.

mod delimited;
mod jsonl;
mod parquet;
pub mod text;
mod xlsx;

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::problem::{Problem, ProblemCode};

/// The file formats Liftcast reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Delimited,
    Parquet,
    JsonLines,
    Excel,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Delimited => "delimited text",
            Format::Parquet => "Parquet",
            Format::JsonLines => "JSON Lines",
            Format::Excel => "Excel workbook",
        }
    }
}

/// Where a table came from and how it was read.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Source {
    /// The path as the user gave it.
    pub path: PathBuf,
    pub format: Format,
    /// Text encoding used (text formats only).
    pub encoding: Option<String>,
    /// Field delimiter (delimited text only).
    pub delimiter: Option<char>,
    /// Worksheet read (Excel only).
    pub sheet: Option<String>,
}

impl Source {
    /// The file name for messages.
    pub fn display_name(&self) -> String {
        self.path.display().to_string()
    }
}

/// A data table as imported, with what the import noticed along the way.
#[derive(Clone, Debug)]
pub struct Table {
    pub frame: DataFrame,
    pub source: Source,
    /// Warnings from reading: encoding used, renamed headers, ragged rows.
    pub warnings: Vec<Problem>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.frame.height()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect()
    }
}

/// Choices the user can make about reading a file.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Worksheet to read from a workbook; the first when `None`.
    pub sheet: Option<String>,
    /// Text encoding label (`gbk`, `shift_jis`, …) overriding detection.
    pub encoding: Option<String>,
}

/// Why a file could not be read. Each message names the file and says what to do.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{path}: no such file. Check the path.")]
    NotFound { path: String },
    #[error(
        "{path}: is a folder, not a data file. Give the path of a CSV, TSV, Parquet, JSON Lines or XLSX file."
    )]
    IsDirectory { path: String },
    #[error("{path}: cannot be read: {reason}.")]
    Io { path: String, reason: String },
    #[error("{path}: the file is empty. Export the data again.")]
    Empty { path: String },
    #[error(
        "{path}: looks like a binary file, not a table (NUL byte at offset {offset}). Liftcast reads CSV, TSV, Parquet, JSON Lines and XLSX."
    )]
    Binary { path: String, offset: usize },
    #[error(
        "{path}: the text cannot be decoded as {encoding} at byte offset {offset}. Re-export the file as UTF-8, or name its encoding (e.g. --encoding gbk)."
    )]
    Undecodable {
        path: String,
        encoding: String,
        offset: usize,
    },
    #[error(
        "{path}: unknown encoding '{label}'. Use a name such as utf-8, gbk, gb18030, shift_jis or utf-16le."
    )]
    UnknownEncoding { path: String, label: String },
    #[error(
        "{path}: a quote opened on line {line} is never closed. Check that line for a stray \" character."
    )]
    UnterminatedQuote { path: String, line: usize },
    #[error("{path}: has no header row. The first line must name the columns.")]
    NoHeader { path: String },
    #[error("{path}: sheet '{sheet}' not found; the workbook has: {available}.")]
    NoSuchSheet {
        path: String,
        sheet: String,
        available: String,
    },
    #[error("{path}: cannot be read as {format}: {message}")]
    Parse {
        path: String,
        format: &'static str,
        message: String,
    },
}

/// Reads a table from `path`, choosing the reader by extension, or by content when the
/// extension says nothing.
pub fn load(path: &Path, options: &ImportOptions) -> Result<Table, ImportError> {
    let display = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ImportError::NotFound {
            path: display.clone(),
        },
        _ => ImportError::Io {
            path: display.clone(),
            reason: crate::files::io_reason(&source),
        },
    })?;
    if metadata.is_dir() {
        return Err(ImportError::IsDirectory { path: display });
    }
    let bytes = std::fs::read(path).map_err(|error| ImportError::Io {
        path: display.clone(),
        reason: crate::files::io_reason(&error),
    })?;
    load_bytes(path, &bytes, options)
}

/// Reads a table from bytes already in memory (the embedded sample, a dropped file); `path`
/// names it in messages and picks the format by extension.
pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Table, ImportError> {
    let display = path.display().to_string();
    if bytes.is_empty() {
        return Err(ImportError::Empty { path: display });
    }
    let format = format_of(path, bytes);
    // The readers below are third-party parsers fed with arbitrary files; a panic inside one
    // must become an error message, never a crash.
    let outcome = crate::quiet_panics::run_quietly(|| match format {
        Format::Delimited => read_delimited(path, bytes, options),
        Format::JsonLines => read_json_lines(path, bytes, options),
        Format::Parquet => parquet::read(bytes)
            .map_err(|e| parse_error(path, format, e))
            .map(|frame| plain_table(path, format, frame)),
        Format::Excel => xlsx::read(path, bytes, options.sheet.as_deref()),
    });
    match outcome {
        Ok(result) => result,
        Err(_) => Err(ImportError::Parse {
            path: display,
            format: format.label(),
            message: "the reader failed on this file's contents. The file may be damaged; \
                      export it again."
                .into(),
        }),
    }
}

fn format_of(path: &Path, bytes: &[u8]) -> Format {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "csv" | "tsv" | "tab" | "txt" | "psv" => Format::Delimited,
        "parquet" | "pq" => Format::Parquet,
        "jsonl" | "ndjson" | "json" => Format::JsonLines,
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => Format::Excel,
        _ if bytes.starts_with(b"PAR1") => Format::Parquet,
        _ if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => {
            Format::Excel
        }
        _ if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => Format::JsonLines,
        _ => Format::Delimited,
    }
}

fn plain_table(path: &Path, format: Format, frame: DataFrame) -> Table {
    Table {
        frame,
        source: Source {
            path: path.to_path_buf(),
            format,
            encoding: None,
            delimiter: None,
            sheet: None,
        },
        warnings: Vec::new(),
    }
}

fn parse_error(path: &Path, format: Format, error: impl std::fmt::Display) -> ImportError {
    ImportError::Parse {
        path: path.display().to_string(),
        format: format.label(),
        message: error.to_string(),
    }
}

/// Decodes text and adds a warning when the encoding was detected rather than known.
fn decode_text(
    path: &Path,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<(String, String, Vec<Problem>), ImportError> {
    let display = path.display().to_string();
    let forced =
        match options.encoding.as_deref() {
            Some(label) => Some(text::encoding_for_label(label).ok_or_else(|| {
                ImportError::UnknownEncoding {
                    path: display.clone(),
                    label: label.to_owned(),
                }
            })?),
            None => None,
        };
    let decoded = text::decode(bytes, forced).map_err(|failure| match failure {
        text::DecodeFailure::Binary { offset } => ImportError::Binary {
            path: display.clone(),
            offset,
        },
        text::DecodeFailure::Malformed { encoding, offset } => ImportError::Undecodable {
            path: display.clone(),
            encoding: encoding.to_owned(),
            offset,
        },
    })?;
    let mut warnings = Vec::new();
    if decoded.detected {
        warnings.push(
            Problem::warning(
                ProblemCode::Encoding,
                format!(
                    "the file is not UTF-8; it was decoded as {} (detected). If text looks \
                     garbled, name the encoding explicitly.",
                    decoded.encoding
                ),
            )
            .in_file(display),
        );
    }
    Ok((decoded.text, decoded.encoding.to_owned(), warnings))
}

fn read_delimited(
    path: &Path,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Table, ImportError> {
    let display = path.display().to_string();
    let (text, encoding, mut warnings) = decode_text(path, bytes, options)?;
    if text.trim().is_empty() {
        return Err(ImportError::Empty { path: display });
    }
    let delimiter = delimited::sniff_delimiter(&text);
    let scan = delimited::scan(&text, delimiter).map_err(|e| ImportError::UnterminatedQuote {
        path: display.clone(),
        line: e.line,
    })?;
    if scan.header.is_empty() {
        return Err(ImportError::NoHeader { path: display });
    }
    let (header, header_problems) = delimited::repair_header(&scan.header, &display);
    warnings.extend(header_problems);
    warnings.extend(delimited::ragged_problems(&scan, &display));
    let frame = delimited::parse(&text, &scan, &header)
        .map_err(|e| parse_error(path, Format::Delimited, e))?;
    Ok(Table {
        frame,
        source: Source {
            path: path.to_path_buf(),
            format: Format::Delimited,
            encoding: Some(encoding),
            delimiter: Some(delimiter as char),
            sheet: None,
        },
        warnings,
    })
}

fn read_json_lines(
    path: &Path,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Table, ImportError> {
    let display = path.display().to_string();
    let (text, encoding, warnings) = decode_text(path, bytes, options)?;
    let frame = jsonl::read(&text).map_err(|e| parse_error(path, Format::JsonLines, e))?;
    if frame.width() == 0 {
        return Err(ImportError::Empty { path: display });
    }
    Ok(Table {
        frame,
        source: Source {
            path: path.to_path_buf(),
            format: Format::JsonLines,
            encoding: Some(encoding),
            delimiter: None,
            sheet: None,
        },
        warnings,
    })
}
