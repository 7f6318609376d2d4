//! Delimited text (CSV, TSV, `;` and `|` separated): sniffing the delimiter, a quote-aware scan for
//! ragged rows, unterminated quotes and bad headers, then polars' parser for the values.

use std::collections::HashMap;
use std::io::Cursor;

use polars::prelude::*;

use crate::data::missing::MISSING_SPELLINGS;
use crate::data::problem::{Problem, ProblemCode};

/// Delimiters we consider, in order of preference when counts tie.
const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many ragged rows we name individually before summarising.
const RAGGED_ROWS_NAMED: usize = 5;

/// What the scan learnt about the text before parsing.
#[derive(Debug)]
pub struct Scan {
    pub delimiter: u8,
    /// Header names as written (quotes removed).
    pub header: Vec<String>,
    /// Byte offset where the header record ends (at its line break, or the end of the text).
    pub header_end: usize,
    /// (1-based data row, field count) of rows whose field count differs from the header's.
    pub ragged: Vec<(usize, usize)>,
    pub ragged_total: usize,
}

/// A quote that opens and never closes, on this 1-based line.
#[derive(Debug, PartialEq, Eq)]
pub struct UnterminatedQuote {
    pub line: usize,
}

/// Picks the delimiter whose count per line is the most consistent over the first lines.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent lines, count in header)
    for &delimiter in &CANDIDATE_DELIMITERS {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| count_outside_quotes(line, delimiter))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if consistent > best.1 || (consistent == best.1 && first > best.2) {
            best = (delimiter, consistent, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for &byte in line.as_bytes() {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if byte == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

/// Walks the records with RFC 4180 quoting (a `""` inside quotes is a literal quote).
pub fn scan(text: &str, delimiter: u8) -> Result<Scan, UnterminatedQuote> {
    let bytes = text.as_bytes();
    let mut header: Option<Vec<String>> = None;
    let mut header_end = bytes.len();
    let mut field = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field_count = 1usize;
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut line = 1usize;
    let mut record_is_blank = true;
    let mut records = 0usize;
    let mut ragged = Vec::new();
    let mut ragged_total = 0usize;
    let mut index = 0usize;

    let mut finish_record = |fields: &mut Vec<String>,
                             field: &mut Vec<u8>,
                             field_count: usize,
                             blank: bool,
                             end: usize,
                             header: &mut Option<Vec<String>>| {
        if blank {
            return;
        }
        match header {
            None => {
                fields.push(String::from_utf8_lossy(field).into_owned());
                *header = Some(std::mem::take(fields));
                header_end = end;
            }
            Some(names) => {
                records += 1;
                if field_count != names.len() {
                    ragged_total += 1;
                    if ragged.len() < RAGGED_ROWS_NAMED {
                        ragged.push((records, field_count));
                    }
                }
            }
        }
        fields.clear();
        field.clear();
    };

    while index < bytes.len() {
        let byte = bytes[index];
        if in_quotes {
            if byte == b'"' {
                if bytes.get(index + 1) == Some(&b'"') {
                    field.push(b'"');
                    index += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                if byte == b'\n' {
                    line += 1;
                }
                field.push(byte);
            }
        } else if byte == b'"' {
            in_quotes = true;
            quote_line = line;
            record_is_blank = false;
        } else if byte == delimiter {
            if header.is_none() {
                fields.push(String::from_utf8_lossy(&field).into_owned());
            }
            field.clear();
            field_count += 1;
            record_is_blank = false;
        } else if byte == b'\n' || byte == b'\r' {
            let end = index;
            if byte == b'\r' && bytes.get(index + 1) == Some(&b'\n') {
                index += 1;
            }
            finish_record(
                &mut fields,
                &mut field,
                field_count,
                record_is_blank,
                end,
                &mut header,
            );
            field_count = 1;
            record_is_blank = true;
            line += 1;
        } else {
            if !byte.is_ascii_whitespace() {
                record_is_blank = false;
            }
            field.push(byte);
        }
        index += 1;
    }
    if in_quotes {
        return Err(UnterminatedQuote { line: quote_line });
    }
    finish_record(
        &mut fields,
        &mut field,
        field_count,
        record_is_blank,
        bytes.len(),
        &mut header,
    );
    Ok(Scan {
        delimiter,
        header: header.unwrap_or_default(),
        header_end,
        ragged,
        ragged_total,
    })
}

/// Header names made unique and non-empty, plus a problem for each change.
pub fn repair_header(header: &[String], file: &str) -> (Vec<String>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut names = Vec::with_capacity(header.len());
    for (position, raw) in header.iter().enumerate() {
        let trimmed = raw.trim();
        let mut name = if trimmed.is_empty() {
            let name = format!("column_{}", position + 1);
            problems.push(
                Problem::warning(
                    ProblemCode::DuplicateColumn,
                    format!(
                        "header cell {} is empty; the column is called '{name}'. \
                         Give it a name in the file to keep it stable.",
                        position + 1
                    ),
                )
                .in_file(file),
            );
            name
        } else {
            trimmed.to_owned()
        };
        if let Some(&first) = seen.get(&name) {
            let original = name.clone();
            let mut suffix = 2;
            while seen.contains_key(&format!("{original}_{suffix}")) {
                suffix += 1;
            }
            name = format!("{original}_{suffix}");
            problems.push(
                Problem::warning(
                    ProblemCode::DuplicateColumn,
                    format!(
                        "the header names '{original}' twice (columns {} and {}); the second is \
                         read as '{name}'. Rename one in the file if both are needed.",
                        first + 1,
                        position + 1
                    ),
                )
                .in_file(file)
                .in_column(original),
            );
        }
        seen.insert(name.clone(), position);
        names.push(name);
    }
    (names, problems)
}

/// Problems for rows whose field count differs from the header's.
pub fn ragged_problems(scan: &Scan, file: &str) -> Vec<Problem> {
    let mut problems: Vec<Problem> = scan
        .ragged
        .iter()
        .map(|&(row, count)| {
            Problem::warning(
                ProblemCode::RaggedRow,
                format!(
                    "has {count} fields but the header has {}; extra fields are dropped and \
                     missing ones read as empty",
                    scan.header.len()
                ),
            )
            .in_file(file)
            .at_row(row)
        })
        .collect();
    if scan.ragged_total > scan.ragged.len() {
        problems.push(
            Problem::warning(
                ProblemCode::RaggedRow,
                format!(
                    "{} more rows have a field count different from the header's",
                    scan.ragged_total - scan.ragged.len()
                ),
            )
            .in_file(file),
        );
    }
    problems
}

/// Parses the text with polars, with our repaired header and missing-value spellings.
pub fn parse(text: &str, scan: &Scan, header: &[String]) -> PolarsResult<DataFrame> {
    let body = &text[scan.header_end.min(text.len())..];
    let delimiter = scan.delimiter as char;
    let header_line: Vec<String> = header
        .iter()
        .map(|name| quote_field(name, delimiter))
        .collect();
    let mut rebuilt = header_line.join(&delimiter.to_string());
    rebuilt.push('\n');
    rebuilt.push_str(body.trim_start_matches(['\r', '\n']));

    let null_values = NullValues::AllColumns(
        MISSING_SPELLINGS
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| PlSmallStr::from(*s))
            .collect(),
    );
    let options = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .map_parse_options(|parse| {
            parse
                .with_separator(scan.delimiter)
                .with_quote_char(Some(b'"'))
                .with_null_values(Some(null_values.clone()))
                .with_missing_is_null(true)
                .with_truncate_ragged_lines(true)
        });
    let frame = options
        .into_reader_with_file_handle(Cursor::new(rebuilt.into_bytes()))
        .finish()?;
    if frame.width() < header.len() {
        // Defensive: keep every named column even when the body is empty.
        let columns = header
            .iter()
            .map(|name| Column::new(name.as_str().into(), Vec::<String>::new()))
            .collect();
        return DataFrame::new(0, columns);
    }
    Ok(frame)
}

fn quote_field(name: &str, delimiter: char) -> String {
    if name.contains(delimiter) || name.contains('"') || name.contains('\n') {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_delimiter() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        assert_eq!(sniff_delimiter("a;b\n\"1,2,3\";4\n\"5,6\";7\n"), b';');
    }

    #[test]
    fn scan_finds_ragged_rows() {
        let scan = scan("a,b,c\n1,2,3\n1,2\n1,2,3,4\n", b',').unwrap();
        assert_eq!(scan.header, vec!["a", "b", "c"]);
        assert_eq!(scan.ragged, vec![(2, 2), (3, 4)]);
    }

    #[test]
    fn scan_handles_crlf_and_quoted_newlines() {
        let scan = scan("a,b\r\n\"x\r\ny\",2\r\n3,4\r\n", b',').unwrap();
        assert!(scan.ragged.is_empty());
        assert_eq!(scan.header_end, 3);
    }

    #[test]
    fn scan_reports_unterminated_quote_line() {
        let error = scan("a,b\n1,2\n\"open,3\n4,5\n", b',').unwrap_err();
        assert_eq!(error, UnterminatedQuote { line: 3 });
    }

    #[test]
    fn repair_header_renames_duplicates_and_blanks() {
        let header = vec![
            "id".to_owned(),
            "x".to_owned(),
            "x".to_owned(),
            " ".to_owned(),
        ];
        let (names, problems) = repair_header(&header, "f.csv");
        assert_eq!(names, vec!["id", "x", "x_2", "column_4"]);
        assert_eq!(problems.len(), 2);
    }
}
