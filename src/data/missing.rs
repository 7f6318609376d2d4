//! Missing values: the spellings exports use for "no value", and turning them into real nulls in
//! formats whose reader does not do it for us (JSON Lines, Excel, Parquet strings).

use polars::prelude::*;

/// Cell texts read as missing, in every format. Empty cells are missing too.
pub const MISSING_SPELLINGS: [&str; 10] = [
    "", "null", "NULL", "Null", "NA", "N/A", "n/a", "nan", "NaN", "#N/A",
];

/// True when a cell's text means "no value".
pub fn is_missing(text: &str) -> bool {
    MISSING_SPELLINGS.contains(&text.trim())
}

/// Replaces missing spellings in text columns by nulls, then gives text columns that now hold
/// only numbers a numeric type (integers stay integers).
pub fn normalize_text_columns(frame: DataFrame) -> PolarsResult<DataFrame> {
    let height = frame.height();
    let mut columns = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        if column.dtype() != &DataType::String {
            columns.push(column.clone());
            continue;
        }
        let values = column.as_materialized_series().str()?;
        let cleaned: Vec<Option<String>> = values
            .iter()
            .map(|value| {
                value
                    .filter(|text| !is_missing(text))
                    .map(|t| t.trim().to_owned())
            })
            .collect();
        columns.push(retype(column.name().clone(), cleaned));
    }
    DataFrame::new(height, columns)
}

/// Numbers when every present value parses as one, text otherwise.
fn retype(name: PlSmallStr, values: Vec<Option<String>>) -> Column {
    let present = values.iter().flatten().count();
    if present > 0 {
        let integers: Vec<Option<i64>> = values
            .iter()
            .map(|v| v.as_deref().and_then(|t| t.parse::<i64>().ok()))
            .collect();
        if integers.iter().flatten().count() == present {
            return Column::new(name, integers);
        }
        let floats: Vec<Option<f64>> = values
            .iter()
            .map(|v| v.as_deref().and_then(|t| t.parse::<f64>().ok()))
            .collect();
        if floats.iter().flatten().count() == present {
            return Column::new(name, floats);
        }
    }
    Column::new(name, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_missing() {
        for spelling in MISSING_SPELLINGS {
            assert!(is_missing(spelling), "{spelling:?} should be missing");
        }
        assert!(!is_missing("0"));
        assert!(!is_missing("none"));
    }

    #[test]
    fn text_numbers_with_missing_become_numeric() {
        let frame = DataFrame::new(
            3,
            vec![
                Column::new("x".into(), ["1", "NA", "3"]),
                Column::new("y".into(), ["1.5", "null", ""]),
                Column::new("z".into(), ["a", "N/A", "b"]),
            ],
        )
        .unwrap();
        let frame = normalize_text_columns(frame).unwrap();
        assert_eq!(frame.column("x").unwrap().dtype(), &DataType::Int64);
        assert_eq!(frame.column("x").unwrap().null_count(), 1);
        assert_eq!(frame.column("y").unwrap().dtype(), &DataType::Float64);
        assert_eq!(frame.column("y").unwrap().null_count(), 2);
        assert_eq!(frame.column("z").unwrap().dtype(), &DataType::String);
        assert_eq!(frame.column("z").unwrap().null_count(), 1);
    }
}
