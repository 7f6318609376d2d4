//! Reading one column of a table as plain Rust values, whatever its stored type. The rest of the
//! core works on these, so polars stays an import detail.

use polars::prelude::*;

/// A column's values as text (numbers and dates rendered the usual way); `None` where missing.
pub fn texts(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let series = frame.column(name)?.as_materialized_series();
    let as_text = series.cast(&DataType::String)?;
    Ok(as_text
        .str()?
        .iter()
        .map(|value| value.map(str::to_owned))
        .collect())
}

/// A column's values as numbers; `None` where missing or not a number.
pub fn numbers(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let series = frame.column(name)?.as_materialized_series();
    let values = match series.dtype() {
        DataType::String => series
            .str()?
            .iter()
            .map(|value| value.and_then(|text| text.trim().parse::<f64>().ok()))
            .collect(),
        DataType::Boolean => series
            .bool()?
            .iter()
            .map(|value| value.map(|b| if b { 1.0 } else { 0.0 }))
            .collect(),
        dtype if dtype.is_primitive_numeric() => {
            series.cast(&DataType::Float64)?.f64()?.iter().collect()
        }
        _ => vec![None; series.len()],
    };
    Ok(values)
}

/// One cell as text for display (empty when missing); out-of-range cells read as empty.
pub fn cell_text(frame: &DataFrame, column: usize, row: usize) -> String {
    let Some(column) = frame.columns().get(column) else {
        return String::new();
    };
    match column.get(row) {
        Ok(AnyValue::Null) | Err(_) => String::new(),
        Ok(AnyValue::String(text)) => text.to_owned(),
        Ok(AnyValue::StringOwned(text)) => text.to_string(),
        Ok(value) => value.to_string(),
    }
}

/// True when the column is stored as a number (integer or float) or boolean.
pub fn is_numeric(frame: &DataFrame, name: &str) -> bool {
    frame
        .column(name)
        .map(|c| c.dtype().is_primitive_numeric() || c.dtype() == &DataType::Boolean)
        .unwrap_or(false)
}

/// A short name for the column's stored type, for people.
pub fn type_name(frame: &DataFrame, name: &str) -> String {
    match frame.column(name).map(|c| c.dtype().clone()) {
        Ok(DataType::String) => "text".into(),
        Ok(DataType::Boolean) => "boolean".into(),
        Ok(DataType::Date) => "date".into(),
        Ok(DataType::Datetime(_, _)) => "datetime".into(),
        Ok(dtype) if dtype.is_integer() => "integer".into(),
        Ok(dtype) if dtype.is_float() => "decimal".into(),
        Ok(dtype) => dtype.to_string(),
        Err(_) => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_texts_read_any_type() {
        let frame = DataFrame::new(
            2,
            vec![
                Column::new("i".into(), [Some(1i64), None]),
                Column::new("s".into(), ["2.5", "x"]),
            ],
        )
        .unwrap();
        assert_eq!(numbers(&frame, "i").unwrap(), vec![Some(1.0), None]);
        assert_eq!(numbers(&frame, "s").unwrap(), vec![Some(2.5), None]);
        assert_eq!(
            texts(&frame, "i").unwrap(),
            vec![Some("1".to_owned()), None]
        );
        assert_eq!(type_name(&frame, "i"), "integer");
    }
}
