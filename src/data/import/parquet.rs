//! Parquet through polars' reader.

use std::io::Cursor;

use polars::prelude::*;

use crate::data::missing::normalize_text_columns;

/// Reads every column of a Parquet file held in memory.
pub fn read(bytes: &[u8]) -> PolarsResult<DataFrame> {
    let frame = ParquetReader::new(Cursor::new(bytes.to_vec())).finish()?;
    normalize_text_columns(frame)
}
