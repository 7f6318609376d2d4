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

/// Rows grouped by a column's text values (`texts`): each distinct value once, in the order
/// first met (`None` for missing), and each row's group. Numbers are grouped by value and only
/// the distinct ones rendered as text; no row's text is copied. A 100,000-row plan's encoding
/// and breakdowns had spent most of their time making and hashing a text per row.
pub fn text_groups(
    frame: &DataFrame,
    name: &str,
) -> PolarsResult<(Vec<Option<String>>, Vec<usize>)> {
    let series = frame.column(name)?.as_materialized_series();
    let dtype = series.dtype();
    let (firsts, row_group) = if dtype.is_integer() {
        groups_by_key(series.cast(&DataType::Int64)?.i64()?.iter())
    } else if dtype.is_float() {
        // By bits: 0.0 and -0.0 print apart, so they stay apart.
        let values = series.cast(&DataType::Float64)?;
        groups_by_key(values.f64()?.iter().map(|v| v.map(f64::to_bits)))
    } else {
        let as_text = series.cast(&DataType::String)?;
        groups_by_key(as_text.str()?.iter())
    };
    let indices: Vec<IdxSize> = firsts
        .iter()
        .map(|&row| IdxSize::try_from(row))
        .collect::<Result<_, _>>()
        .map_err(|_| polars_err!(ComputeError: "column '{name}' has too many rows"))?;
    let distinct = series.take_slice(&indices)?.cast(&DataType::String)?;
    let values = distinct
        .str()?
        .iter()
        .map(|value| value.map(str::to_owned))
        .collect();
    Ok((values, row_group))
}

/// Each distinct key's first row, in the order first met, and each row's group.
fn groups_by_key<K: std::hash::Hash + Eq>(
    keys: impl Iterator<Item = Option<K>>,
) -> (Vec<usize>, Vec<usize>) {
    let mut index: std::collections::HashMap<Option<K>, usize> = Default::default();
    let mut firsts = Vec::new();
    let mut row_group = Vec::with_capacity(keys.size_hint().0);
    for (row, key) in keys.enumerate() {
        let group = *index.entry(key).or_insert_with(|| {
            firsts.push(row);
            firsts.len() - 1
        });
        row_group.push(group);
    }
    (firsts, row_group)
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

    #[test]
    fn text_groups_keep_the_first_met_order() {
        let frame = DataFrame::new(
            5,
            vec![Column::new(
                "s".into(),
                [Some("b"), Some("a"), None, Some("b"), None],
            )],
        )
        .unwrap();
        let (values, rows) = text_groups(&frame, "s").unwrap();
        assert_eq!(values, vec![Some("b".into()), Some("a".into()), None]);
        assert_eq!(rows, vec![0, 1, 2, 0, 2]);
        assert!(text_groups(&frame, "absent").is_err());

        // Numbers print as `texts` prints them, each distinct one once.
        let numbers = DataFrame::new(
            4,
            vec![
                Column::new("i".into(), [Some(3i64), None, Some(3), Some(-1)]),
                Column::new("f".into(), [Some(2.5f64), Some(0.0), Some(2.5), Some(-0.0)]),
            ],
        )
        .unwrap();
        for name in ["i", "f"] {
            let (values, rows) = text_groups(&numbers, name).unwrap();
            let spread: Vec<Option<String>> = rows.iter().map(|&g| values[g].clone()).collect();
            assert_eq!(spread, texts(&numbers, name).unwrap(), "{name}");
        }
        assert_eq!(text_groups(&numbers, "i").unwrap().1, vec![0, 1, 0, 2]);
    }
}
