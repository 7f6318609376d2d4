//! Plain-text tables for the terminal: every column as wide as its widest entry, names
//! left-aligned and figures right-aligned, two spaces between columns, so that no entry runs
//! into its neighbour whatever the magnitude of the figures. Widths are what a terminal shows
//! (a CJK character takes two columns), not characters.

use unicode_width::UnicodeWidthStr;

/// Renders `header` and `rows` (each as long as the header), the first `left` columns
/// left-aligned and the rest right-aligned; a row's `notes` entry, when not empty, follows it
/// after the last column.
pub fn render<H: AsRef<str>>(
    header: &[H],
    left: usize,
    rows: &[Vec<String>],
    notes: &[String],
) -> String {
    let header: Vec<String> = header.iter().map(|h| h.as_ref().to_owned()).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            std::iter::once(&header[column])
                .chain(rows.iter().filter_map(|row| row.get(column)))
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(column, (cell, &width))| {
                let pad = " ".repeat(width.saturating_sub(cell.width()));
                if column < left {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut text = line(&header);
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
        let text = render(&header, 0, &rows, &notes);
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

    #[test]
    fn names_are_left_aligned_by_the_columns_they_take_on_screen() {
        let header = strings(&["plan", "profit"]);
        let rows = vec![
            strings(&["满150减20", "1.00"]),
            strings(&["15% off", "20.00"]),
        ];
        let text = render(&header, 1, &rows, &[]);
        let lines: Vec<&str> = text.lines().collect();
        // 满 and 减 take two columns each: the name is 9 columns wide, 7 characters.
        assert_eq!(lines[0], "plan       profit");
        assert_eq!(lines[1], "满150减20    1.00");
        assert_eq!(lines[2], "15% off     20.00");
    }
}
