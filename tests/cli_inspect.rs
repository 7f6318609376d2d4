//! `liftcast inspect` on good and malformed files: exit 0 or 2 with a clear message, never a
//! panic (101).

mod common;

use common::{liftcast, shared_data, stderr, stdout, temp_file};

/// Exit code of a Rust panic.
const PANIC: i32 = 101;

fn inspect_bytes(name: &str, bytes: &[u8]) -> std::process::Output {
    let (_folder, path) = temp_file(name, bytes);
    liftcast(&["inspect", path.to_str().unwrap()])
}

fn assert_clean_exit(output: &std::process::Output, what: &str) -> i32 {
    let code = output.status.code().unwrap_or(PANIC);
    assert!(
        code == 0 || code == 2,
        "{what}: exit {code}\nstdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    assert!(
        !stderr(output).contains("panicked"),
        "{what}: {}",
        stderr(output)
    );
    code
}

#[test]
fn hillstrom_inspects_as_usable() {
    let path = shared_data(
        "hillstrom/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv",
    );
    let output = liftcast(&["inspect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("64,000 rows, 12 columns"), "{text}");
    assert!(text.contains("lever (baseline No E-Mail)"), "{text}");
}

#[test]
fn json_output_and_role_flags() {
    let path = shared_data("artea_coupon/artea-a_b-experiment-recoded.csv");
    let folder = tempfile::tempdir().unwrap();
    let mapping = folder.path().join("mapping.json");
    let output = liftcast(&[
        "inspect",
        path.to_str().unwrap(),
        "--lever",
        "test_coupon=control",
        "--outcome",
        "trans_after",
        "--ignore",
        "channel_acq",
        "--save-mapping",
        mapping.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["rows"], 5000);
    assert_eq!(json["usable"], true);
    let outcomes = &json["schema"]["outcomes"];
    assert_eq!(
        outcomes.as_array().unwrap().len(),
        1,
        "revenue_after is no longer an outcome"
    );
    assert_eq!(json["schema"]["levers"][0]["baseline"], "control");

    // The saved mapping reproduces the same roles.
    let again = liftcast(&[
        "inspect",
        path.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--json",
    ]);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["mapping"], json["mapping"]);
}

#[test]
fn o2o_prints_both_notations_and_says_why_it_is_not_trainable() {
    let path = shared_data("o2o_coupon/ccf_offline_stage1_test_revised.csv");
    let output = liftcast(&["inspect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    assert!(text.contains("113,640 rows"), "{text}");
    assert!(
        text.contains("111,074 spend-threshold, 2,566 price-rate"),
        "{text}"
    );
    assert!(
        text.contains("threshold 30, off 5, rate 16.7%") || text.contains("threshold"),
        "{text}"
    );
    assert!(text.contains("format YYYYMMDD"), "{text}");
    assert!(stderr(&output).contains("not usable"));
}

#[test]
fn malformed_inputs_exit_cleanly() {
    let ragged = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n".to_vec();
    let mut binary = vec![0x7F, b'E', b'L', b'F', 0, 0, 1, 2];
    binary.extend((0..2000u32).map(|i| (i * 7 % 256) as u8));
    let (wrong_encoding, _, _) = encoding_rs::SHIFT_JIS.encode("名前,値\n東京,1\n");
    let mut damaged_utf8 = "名前,値\n東京,1\n大阪,2\n".repeat(30).into_bytes();
    damaged_utf8.push(0xFF);
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("empty", "empty.csv", Vec::new()),
        ("whitespace", "blank.csv", b"\n\n  \n".to_vec()),
        ("binary", "data.csv", binary),
        ("wrong encoding", "sjis.csv", wrong_encoding.into_owned()),
        ("damaged utf-8", "bad.csv", damaged_utf8),
        ("ragged rows", "ragged.csv", ragged),
        (
            "unterminated quote",
            "quote.csv",
            b"a,b\n1,\"open\n2,3\n".to_vec(),
        ),
        ("duplicate headers", "dup.csv", b"a,a,b\n1,2,3\n".to_vec()),
        (
            "absurd numbers",
            "big.csv",
            b"x,orders\n1e400,1\n-1e308,2\n99999999999999999999999999,3\n".to_vec(),
        ),
        (
            "one row",
            "one.csv",
            b"date,orders\n2024-01-01,3\n".to_vec(),
        ),
        ("header only", "header.csv", b"date,orders\n".to_vec()),
        (
            "garbage parquet",
            "x.parquet",
            b"PAR1 not really parquet".to_vec(),
        ),
        ("garbage xlsx", "x.xlsx", b"PK\x03\x04 not a zip".to_vec()),
        (
            "garbage jsonl",
            "x.jsonl",
            b"{\"a\": 1}\n{not json\n".to_vec(),
        ),
        ("lone quote", "q.csv", b"\"".to_vec()),
        ("only delimiters", "d.csv", b",,,\n,,,\n".to_vec()),
    ];
    for (what, name, bytes) in cases {
        let output = inspect_bytes(name, &bytes);
        let code = assert_clean_exit(&output, what);
        if code == 2 {
            let message = stderr(&output);
            assert!(
                message.contains(name),
                "{what}: the message names the file: {message}"
            );
        }
    }
}

#[test]
fn unterminated_quote_names_the_line() {
    let output = inspect_bytes("quote.csv", b"a,b\n1,2\n3,\"open\n4,5\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 3"), "{}", stderr(&output));
}

#[test]
fn a_directory_and_a_missing_path_exit_2() {
    let folder = tempfile::tempdir().unwrap();
    let output = liftcast(&["inspect", folder.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is a folder"),
        "{}",
        stderr(&output)
    );

    let missing = folder.path().join("nope.csv");
    let output = liftcast(&["inspect", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no such file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn no_display_points_to_the_cli() {
    let output = liftcast(&[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("no display") && message.contains("liftcast inspect"),
        "{message}"
    );
}

/// `liftcast WORD` opens the workbench on a file; a word that is no file is refused before any
/// window opens, naming the command it was likely meant to be.
#[test]
fn a_mistyped_command_is_not_taken_for_a_file() {
    let output = liftcast(&["inpsect", "shop.csv"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = liftcast(&["inpsect"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        "liftcast: 'inpsect' is neither a command nor a file; did you mean `liftcast inspect`?"
    );
}
