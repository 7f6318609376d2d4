//! Building a table from plain columns (future plan rows, populations), so code outside `data`
//! never touches polars.

use polars::prelude::*;

/// One column's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Text(Vec<Option<String>>),
    Numbers(Vec<Option<f64>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(values) => values.len(),
            Values::Numbers(values) => values.len(),
        }
    }
}

/// A table of `columns` (all the same length).
pub fn build(columns: Vec<(String, Values)>) -> PolarsResult<DataFrame> {
    let height = columns.first().map(|(_, v)| v.len()).unwrap_or(0);
    let columns = columns
        .into_iter()
        .map(|(name, values)| match values {
            Values::Text(values) => Column::new(name.into(), values),
            Values::Numbers(values) => Column::new(name.into(), values),
        })
        .collect();
    DataFrame::new(height, columns)
}

/// The rows of `frame` at `rows`, in that order.
pub fn take_rows(frame: &DataFrame, rows: &[usize]) -> PolarsResult<DataFrame> {
    let indices: Vec<IdxSize> = rows.iter().map(|&r| r as IdxSize).collect();
    frame.take(&IdxCa::from_vec("rows".into(), indices))
}

/// `frame` with the named text columns replaced (or added).
pub fn with_text_columns(
    frame: &DataFrame,
    columns: Vec<(String, Vec<Option<String>>)>,
) -> PolarsResult<DataFrame> {
    let mut output = frame.clone();
    for (name, values) in columns {
        output.with_column(Column::new(name.into(), values))?;
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_takes_and_replaces() {
        let frame = build(vec![
            (
                "segment".into(),
                Values::Text(vec![Some("a".into()), Some("b".into())]),
            ),
            ("sends".into(), Values::Numbers(vec![Some(1.0), None])),
        ])
        .unwrap();
        assert_eq!(frame.height(), 2);
        let taken = take_rows(&frame, &[1, 1, 0]).unwrap();
        assert_eq!(taken.height(), 3);
        let replaced =
            with_text_columns(&taken, vec![("segment".into(), vec![Some("z".into()); 3])]).unwrap();
        assert_eq!(
            crate::data::column::texts(&replaced, "segment").unwrap()[0].as_deref(),
            Some("z")
        );
    }
}
