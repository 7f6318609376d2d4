//! Arbitrary bytes and cell texts never panic the readers and parsers: a panic on any input file
//! is a bug.

use std::path::Path;

use liftcast::data::notation::parse_offer;
use liftcast::data::{ImportError, ImportOptions, dates, import};
use proptest::prelude::*;

/// The guard in `load_bytes` turns a reader panic into this message; seeing it means a panic.
fn is_caught_panic(error: &ImportError) -> bool {
    error.to_string().contains("the reader failed")
}

fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        Just("".to_owned()),
        Just("NA".to_owned()),
        Just("\"a,b\"".to_owned()),
        Just("\"".to_owned()),
        Just("150:20".to_owned()),
        "[0-9]{1,4}(\\.[0-9]{1,2})?",
        "[a-z\u{4e00}-\u{4e10}]{0,5}",
    ];
    let row = prop::collection::vec(cell, 0..6).prop_map(|cells| cells.join(","));
    prop::collection::vec(row, 0..8).prop_map(|rows| rows.join("\r\n").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic_the_csv_reader(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Err(error) = import::load_bytes(Path::new("random.csv"), &bytes, &ImportOptions::default()) {
            prop_assert!(!is_caught_panic(&error), "{error}");
        }
    }

    #[test]
    fn csv_like_text_never_panics(bytes in csv_like()) {
        if let Err(error) = import::load_bytes(Path::new("t.csv"), &bytes, &ImportOptions::default()) {
            prop_assert!(!is_caught_panic(&error), "{error}");
        }
    }

    #[test]
    fn random_json_lines_never_panic(lines in prop::collection::vec("\\{\"[a-c]\": ?[0-9a-z\"]{0,4}\\}?", 0..6)) {
        let text = lines.join("\n");
        if let Err(error) = import::load_bytes(Path::new("t.jsonl"), text.as_bytes(), &ImportOptions::default()) {
            prop_assert!(!is_caught_panic(&error), "{error}");
        }
    }

    #[test]
    fn any_cell_text_parses_to_an_offer_or_label(text in "\\PC{0,12}") {
        let offer = parse_offer(&text);
        if let Some(rate) = offer.discount_rate() {
            prop_assert!(rate.is_finite());
        }
    }

    #[test]
    fn any_text_is_a_date_or_not(text in "\\PC{0,12}") {
        for format in [
            dates::DateFormat::Iso,
            dates::DateFormat::IsoTimestamp,
            dates::DateFormat::Compact,
            dates::DateFormat::MonthDayYear,
            dates::DateFormat::DayNumber,
        ] {
            let _ = dates::parse(&text, format);
        }
    }
}
