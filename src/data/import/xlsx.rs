//! Excel workbooks (the first or a chosen sheet) through calamine: campaign managers keep data
//! in Excel. The first non-empty row is the header.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, DataType as _, Reader, open_workbook_auto_from_rs};
use polars::prelude::*;

use super::{Format, ImportError, Source, Table};
use crate::data::missing::{is_missing, normalize_text_columns};

/// One cell, reduced to what a table column needs.
enum Cell {
    Missing,
    Number(f64),
    Text(String),
}

/// Reads one sheet of a workbook held in memory.
pub fn read(path: &Path, bytes: &[u8], sheet: Option<&str>) -> Result<Table, ImportError> {
    let display = path.display().to_string();
    let parse_error = |message: String| ImportError::Parse {
        path: display.clone(),
        format: Format::Excel.label(),
        message,
    };
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| parse_error(e.to_string()))?;
    let names = workbook.sheet_names();
    let chosen = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| ImportError::NoSuchSheet {
                path: display.clone(),
                sheet: wanted.to_owned(),
                available: names.join(", "),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| parse_error("the workbook has no sheets".into()))?,
    };
    let range = workbook
        .worksheet_range(&chosen)
        .map_err(|e| parse_error(e.to_string()))?;

    let mut rows = range
        .rows()
        .skip_while(|row| row.iter().all(|cell| matches!(cell, Data::Empty)));
    let Some(header_row) = rows.next() else {
        return Err(ImportError::Empty { path: display });
    };
    let raw_header: Vec<String> = header_row.iter().map(cell_text).collect();
    let (header, warnings) = super::delimited::repair_header(&raw_header, &display);
    let mut cells: Vec<Vec<Cell>> = header.iter().map(|_| Vec::new()).collect();
    for row in rows {
        if row.iter().all(|cell| matches!(cell, Data::Empty)) {
            continue;
        }
        for (index, column) in cells.iter_mut().enumerate() {
            column.push(row.get(index).map(to_cell).unwrap_or(Cell::Missing));
        }
    }
    let height = cells.first().map(Vec::len).unwrap_or(0);
    let columns = header
        .iter()
        .zip(cells)
        .map(|(name, values)| to_column(name, values))
        .collect();
    let frame = DataFrame::new(height, columns)
        .and_then(normalize_text_columns)
        .map_err(|e| parse_error(e.to_string()))?;
    Ok(Table {
        frame,
        source: Source {
            path: path.to_path_buf(),
            format: Format::Excel,
            encoding: None,
            delimiter: None,
            sheet: Some(chosen),
        },
        warnings,
    })
}

fn cell_text(cell: &Data) -> String {
    match to_cell(cell) {
        Cell::Missing => String::new(),
        Cell::Number(n) => format_number(n),
        Cell::Text(t) => t,
    }
}

fn to_cell(cell: &Data) -> Cell {
    match cell {
        Data::Empty | Data::Error(_) => Cell::Missing,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Number(if *b { 1.0 } else { 0.0 }),
        Data::String(s) if is_missing(s) => Cell::Missing,
        Data::String(s) => Cell::Text(s.trim().to_owned()),
        Data::DateTime(_) | Data::DateTimeIso(_) => match cell.as_datetime() {
            Some(moment) if moment.time() == chrono::NaiveTime::MIN => {
                Cell::Text(moment.date().format("%Y-%m-%d").to_string())
            }
            Some(moment) => Cell::Text(moment.format("%Y-%m-%d %H:%M:%S").to_string()),
            None => Cell::Text(cell.to_string()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Numbers when every present cell is a number (integers when all are whole), text otherwise.
fn to_column(name: &str, values: Vec<Cell>) -> Column {
    let all_numbers = values.iter().all(|c| !matches!(c, Cell::Text(_)));
    if all_numbers {
        let numbers: Vec<Option<f64>> = values
            .iter()
            .map(|c| match c {
                Cell::Number(n) => Some(*n),
                _ => None,
            })
            .collect();
        let whole = numbers
            .iter()
            .flatten()
            .all(|n| n.fract() == 0.0 && n.abs() < 9e15);
        if whole {
            let integers: Vec<Option<i64>> = numbers.iter().map(|n| n.map(|v| v as i64)).collect();
            return Column::new(name.into(), integers);
        }
        return Column::new(name.into(), numbers);
    }
    let texts: Vec<Option<String>> = values
        .into_iter()
        .map(|c| match c {
            Cell::Missing => None,
            Cell::Number(n) => Some(format_number(n)),
            Cell::Text(t) => Some(t),
        })
        .collect();
    Column::new(name.into(), texts)
}
