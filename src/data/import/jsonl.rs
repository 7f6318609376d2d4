//! JSON Lines (one object per line) through polars' reader; blank lines are skipped.

use std::io::Cursor;

use polars::prelude::*;

use crate::data::missing::normalize_text_columns;

/// Parses JSON Lines text; lines holding only whitespace are dropped first.
pub fn read(text: &str) -> PolarsResult<DataFrame> {
    let mut lines = String::with_capacity(text.len());
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        lines.push_str(line);
        lines.push('\n');
    }
    if lines.is_empty() {
        return Ok(DataFrame::empty());
    }
    let frame = JsonReader::new(Cursor::new(lines.into_bytes()))
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(None)
        .finish()?;
    normalize_text_columns(frame)
}
