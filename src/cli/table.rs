//! Plain-text tables for the terminal: every column as wide as its widest entry, numbers
//! right-aligned, two spaces between columns, so that no entry runs into its neighbour
//! whatever the magnitude of the figures.

/// Renders `header` and `rows` (each as long as the header) right-aligned; a row's `notes`
/// entry, when not empty, follows it after the last column.
pub fn render(header: &[String], rows: &[Vec<String>], notes: &[String]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            std::iter::once(&header[column])
                .chain(rows.iter().filter_map(|row| row.get(column)))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| format!("{cell:>width$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut text = line(header);
    for (index, row) in rows.iter().enumerate() {
        text.push('\n');
        text.push_str(&line(row));
        if let Some(note) = notes.get(index).filter(|n| !n.is_empty()) {
            text.push_str("  ");
            text.push_str(note);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn wide_entries_never_touch_their_neighbours() {
        let header = strings(&["x", "orders", "revenue"]);
        let rows = vec![
            strings(&[
                "1",
                "+1.0 [+0.5, +1.5]",
                "+5306336.4 [-27633693.2, +16159810.7]",
            ]),
            strings(&["10", "-71757.4 [-213344.5, +49951.5]", "+2.0"]),
        ];
        let notes = strings(&["", "(extrapolation)"]);
        let text = render(&header, &rows, &notes);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        // Every line is as long as the others up to its note, and the columns end together.
        let end = lines[0].chars().count();
        assert_eq!(lines[1].chars().count(), end);
        let note = "  (extrapolation)";
        assert!(lines[2].ends_with(&format!("+2.0{note}")), "{}", lines[2]);
        assert_eq!(lines[2].chars().count(), end + note.chars().count());
        assert!(lines[2].contains("+49951.5]  "), "{}", lines[2]);
        assert!(lines[1].contains("+1.5]  +5306336.4"), "{}", lines[1]);
    }
}
