//! Every reader path: delimiters, quoting, line endings, encodings, Parquet, JSON Lines, Excel,
//! and every missing-value spelling.

mod common;

use common::temp_file;
use liftcast::data::missing::MISSING_SPELLINGS;
use liftcast::data::{ImportOptions, ProblemCode, column, import};
use polars::prelude::*;

fn load(name: &str, bytes: &[u8]) -> import::Table {
    let (_folder, path) = temp_file(name, bytes);
    import::load(&path, &ImportOptions::default()).expect("the file loads")
}

fn numbers(table: &import::Table, column_name: &str) -> Vec<Option<f64>> {
    column::numbers(&table.frame, column_name).unwrap()
}

#[test]
fn csv_with_each_delimiter() {
    for (name, delimiter) in [
        ("a.csv", ','),
        ("a.tsv", '\t'),
        ("b.csv", ';'),
        ("c.txt", '|'),
    ] {
        let text = format!(
            "id{d}amount{d}segment\n1{d}2.5{d}a\n2{d}3.5{d}b\n",
            d = delimiter
        );
        let table = load(name, text.as_bytes());
        assert_eq!(table.source.delimiter, Some(delimiter), "{name}");
        assert_eq!(table.column_names(), vec!["id", "amount", "segment"]);
        assert_eq!(numbers(&table, "amount"), vec![Some(2.5), Some(3.5)]);
    }
}

#[test]
fn quoted_fields_crlf_and_bom() {
    let text = "\u{feff}segment,history_segment,spend\r\n\"a\",\"6) $750 - $1,000\",1\r\nb,\"say \"\"hi\"\"\",2\r\n";
    let table = load("q.csv", text.as_bytes());
    assert_eq!(
        table.column_names()[0],
        "segment",
        "the BOM must not leak into the name"
    );
    let texts = column::texts(&table.frame, "history_segment").unwrap();
    assert_eq!(texts[0].as_deref(), Some("6) $750 - $1,000"));
    assert_eq!(texts[1].as_deref(), Some("say \"hi\""));
    assert_eq!(numbers(&table, "spend"), vec![Some(1.0), Some(2.0)]);
}

#[test]
fn every_missing_spelling_is_null_in_csv() {
    let mut text = String::from("x,y\n");
    for (index, spelling) in MISSING_SPELLINGS.iter().enumerate() {
        text.push_str(&format!("{index},{spelling}\n"));
    }
    text.push_str("99,5\n");
    let table = load("m.csv", text.as_bytes());
    let y = numbers(&table, "y");
    assert_eq!(
        y.iter().filter(|v| v.is_none()).count(),
        MISSING_SPELLINGS.len()
    );
    assert_eq!(y.last(), Some(&Some(5.0)), "the column stays numeric");
}

#[test]
fn every_missing_spelling_is_null_in_json_lines() {
    let mut text = String::new();
    for spelling in MISSING_SPELLINGS {
        text.push_str(&format!("{{\"x\": 1, \"y\": \"{spelling}\"}}\n\n"));
    }
    text.push_str("{\"x\": 2, \"y\": \"7\"}\n");
    let table = load("m.jsonl", text.as_bytes());
    assert_eq!(
        table.rows(),
        MISSING_SPELLINGS.len() + 1,
        "blank lines are skipped"
    );
    let y = numbers(&table, "y");
    assert_eq!(
        y.iter().filter(|v| v.is_none()).count(),
        MISSING_SPELLINGS.len()
    );
    assert_eq!(y.last(), Some(&Some(7.0)));
}

#[test]
fn gbk_csv_is_decoded_with_a_warning() {
    let text =
        "日期,门店,优惠券,销售额\n20160516,上海徐汇店,150:20,1234.5\n20160517,北京朝阳店,0.9,987\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let table = load("gbk.csv", &bytes);
    assert_eq!(
        table.column_names(),
        vec!["日期", "门店", "优惠券", "销售额"]
    );
    assert!(
        table
            .warnings
            .iter()
            .any(|w| w.code == ProblemCode::Encoding
                && (w.message.contains("GBK") || w.message.contains("gb18030")))
    );
    let stores = column::texts(&table.frame, "门店").unwrap();
    assert_eq!(stores[1].as_deref(), Some("北京朝阳店"));
}

#[test]
fn shift_jis_and_utf16_are_decoded() {
    let text = "日付,店舗,売上\n2016-05-16,東京渋谷店,1234\n2016-05-17,大阪梅田店,987\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    let table = load("sjis.csv", &bytes);
    assert_eq!(table.source.encoding.as_deref(), Some("Shift_JIS"));
    assert_eq!(table.column_names()[1], "店舗");

    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let table = load("u16.csv", &utf16);
    assert_eq!(table.source.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(numbers(&table, "売上"), vec![Some(1234.0), Some(987.0)]);
}

#[test]
fn forced_encoding_is_used() {
    let (bytes, _, _) = encoding_rs::GBK.encode("门店,x\n上海,1\n");
    let (_folder, path) = temp_file("f.csv", &bytes);
    let options = ImportOptions {
        encoding: Some("gb18030".into()),
        ..Default::default()
    };
    let table = import::load(&path, &options).unwrap();
    assert_eq!(table.column_names()[0], "门店");
}

#[test]
fn parquet_round_trip() {
    let mut frame = DataFrame::new(
        3,
        vec![
            Column::new("segment".into(), ["a", "NA", "c"]),
            Column::new("orders".into(), [Some(1i64), None, Some(3)]),
        ],
    )
    .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("t.parquet");
    let file = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    assert_eq!(table.source.format, import::Format::Parquet);
    assert_eq!(table.rows(), 3);
    assert_eq!(numbers(&table, "orders"), vec![Some(1.0), None, Some(3.0)]);
    assert_eq!(
        column::texts(&table.frame, "segment").unwrap()[1],
        None,
        "NA in a Parquet text column is missing"
    );
}

#[test]
fn parquet_detected_by_content_without_extension() {
    let mut frame = DataFrame::new(1, vec![Column::new("x".into(), [1.5f64])]).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("export.bin");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    let table = import::load(&path, &ImportOptions::default()).unwrap();
    assert_eq!(table.source.format, import::Format::Parquet);
}

#[test]
fn excel_first_and_named_sheet() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("plan.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let first = workbook.add_worksheet().set_name("first").unwrap();
    first
        .write_row(0, 0, ["date", "coupon", "revenue", "note"])
        .unwrap();
    first.write(1, 0, "2016-05-16").unwrap();
    first.write(1, 1, "150:20").unwrap();
    first.write(1, 2, 120.5).unwrap();
    first.write(1, 3, "N/A").unwrap();
    first.write(2, 0, "2016-05-17").unwrap();
    first.write(2, 1, "0.9").unwrap();
    first.write(2, 2, 80).unwrap();
    first.write(2, 3, "ok").unwrap();
    let second = workbook.add_worksheet().set_name("second").unwrap();
    second.write_row(0, 0, ["a", "b"]).unwrap();
    second.write_row(1, 0, [1, 2]).unwrap();
    workbook.save(&path).unwrap();

    let table = import::load(&path, &ImportOptions::default()).unwrap();
    assert_eq!(table.source.sheet.as_deref(), Some("first"));
    assert_eq!(
        table.column_names(),
        vec!["date", "coupon", "revenue", "note"]
    );
    assert_eq!(numbers(&table, "revenue"), vec![Some(120.5), Some(80.0)]);
    assert_eq!(column::texts(&table.frame, "note").unwrap()[0], None);

    let options = ImportOptions {
        sheet: Some("second".into()),
        ..Default::default()
    };
    let table = import::load(&path, &options).unwrap();
    assert_eq!(table.column_names(), vec!["a", "b"]);

    let options = ImportOptions {
        sheet: Some("missing".into()),
        ..Default::default()
    };
    let error = import::load(&path, &options).unwrap_err().to_string();
    assert!(
        error.contains("sheet 'missing' not found") && error.contains("first, second"),
        "{error}"
    );
}

#[test]
fn ragged_rows_and_duplicate_headers_are_warnings() {
    let table = load("r.csv", b"a,b,a\n1,2,3\n4,5\n6,7,8,9\n");
    assert_eq!(table.column_names(), vec!["a", "b", "a_2"]);
    assert_eq!(table.rows(), 3);
    let ragged: Vec<_> = table
        .warnings
        .iter()
        .filter(|w| w.code == ProblemCode::RaggedRow)
        .collect();
    assert_eq!(ragged.len(), 2);
    assert_eq!(ragged[0].row, Some(2));
    assert!(
        table
            .warnings
            .iter()
            .any(|w| w.code == ProblemCode::DuplicateColumn)
    );
}

#[test]
fn header_only_file_has_zero_rows() {
    let table = load("h.csv", b"date,orders\n");
    assert_eq!(table.rows(), 0);
    assert_eq!(table.column_names(), vec!["date", "orders"]);
}
