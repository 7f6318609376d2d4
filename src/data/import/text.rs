//! Turning a file's bytes into UTF-8 text: byte-order marks, UTF-8, and detected legacy encodings
//! (GBK/GB18030, Shift-JIS, …) that exports from Chinese and Japanese tools often use.

use encoding_rs::{DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// Text decoded from a file and the encoding it was read as.
#[derive(Debug)]
pub struct DecodedText {
    pub text: String,
    /// The WHATWG name of the encoding used, e.g. `UTF-8`, `GBK`, `Shift_JIS`.
    pub encoding: &'static str,
    /// True when the encoding was guessed rather than known (no BOM, not valid UTF-8).
    pub detected: bool,
}

/// Why bytes could not become text.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeFailure {
    /// The bytes look like a binary file: a NUL byte at this offset.
    Binary { offset: usize },
    /// The bytes are not valid in the encoding at this offset.
    Malformed {
        encoding: &'static str,
        offset: usize,
    },
}

/// Decodes `bytes`, honouring a byte-order mark, else UTF-8 when valid, else the encoding a
/// detector finds most likely (or `forced`, when the user named one).
pub fn decode(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<DecodedText, DecodeFailure> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_strict(&bytes[bom_len..], encoding, bom_len).map(|text| DecodedText {
            text,
            encoding: encoding.name(),
            detected: false,
        });
    }
    if let Some(encoding) = forced {
        check_not_binary(bytes, encoding)?;
        return decode_strict(bytes, encoding, 0).map(|text| DecodedText {
            text,
            encoding: encoding.name(),
            detected: false,
        });
    }
    check_not_binary(bytes, UTF_8)?;
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(DecodedText {
            text: text.to_owned(),
            encoding: UTF_8.name(),
            detected: false,
        }),
        Err(utf8_error) => {
            // Mostly-UTF-8 text with a stray bad byte is a damaged UTF-8 file, not a legacy one:
            // decoding it as something else would silently garble every non-ASCII character.
            if looks_like_damaged_utf8(bytes) {
                return Err(DecodeFailure::Malformed {
                    encoding: UTF_8.name(),
                    offset: utf8_error.valid_up_to(),
                });
            }
            let encoding = guess_legacy_encoding(bytes);
            decode_strict(bytes, encoding, 0).map(|text| DecodedText {
                text,
                encoding: encoding.name(),
                detected: true,
            })
        }
    }
}

/// Looks up an encoding by any label WHATWG knows (`gbk`, `gb18030`, `shift_jis`, `utf-16le`).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// True when most non-ASCII bytes form valid UTF-8 sequences and only a few do not.
fn looks_like_damaged_utf8(bytes: &[u8]) -> bool {
    let non_ascii = bytes.iter().filter(|b| !b.is_ascii()).count();
    let mut invalid = 0usize;
    let mut rest = bytes;
    while let Err(error) = std::str::from_utf8(rest) {
        let bad_len = error
            .error_len()
            .unwrap_or(rest.len() - error.valid_up_to());
        invalid += bad_len.max(1);
        rest = &rest[(error.valid_up_to() + bad_len.max(1)).min(rest.len())..];
    }
    non_ascii > 0 && invalid * 20 < non_ascii
}

fn guess_legacy_encoding(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// A NUL byte never appears in a text table in an 8-bit or multi-byte encoding.
fn check_not_binary(bytes: &[u8], encoding: &'static Encoding) -> Result<(), DecodeFailure> {
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return Ok(());
    }
    match bytes.iter().position(|&b| b == 0) {
        Some(offset) => Err(DecodeFailure::Binary { offset }),
        None => Ok(()),
    }
}

/// Decodes without replacement characters; reports the byte offset of the first bad sequence.
fn decode_strict(
    bytes: &[u8],
    encoding: &'static Encoding,
    offset_base: usize,
) -> Result<String, DecodeFailure> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => {}
        DecoderResult::Malformed(bad_len, _) => {
            let offset = offset_base + read.saturating_sub(bad_len as usize);
            return Err(DecodeFailure::Malformed {
                encoding: encoding.name(),
                offset,
            });
        }
        DecoderResult::OutputFull => {
            // Cannot happen with the capacity above; treat like a malformed end to stay safe.
            return Err(DecodeFailure::Malformed {
                encoding: encoding.name(),
                offset: offset_base + read,
            });
        }
    }
    // A NUL character never appears in a text table, whatever the encoding.
    if let Some(position) = text.find('\0') {
        return Err(DecodeFailure::Binary {
            offset: offset_base + position,
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_drops_the_bom() {
        let decoded = decode(b"\xEF\xBB\xBFid,x\n1,2\n", None).unwrap();
        assert_eq!(decoded.text, "id,x\n1,2\n");
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(!decoded.detected);
    }

    #[test]
    fn gbk_text_is_detected_and_decoded() {
        let source = "日期,门店,优惠券,销售额\n2016-05-16,上海徐汇店,满150减20,1234.5\n\
                      2016-05-17,北京朝阳店,满200减30,987.0\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(source);
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!(decoded.text, source);
        assert!(decoded.detected);
        assert!(decoded.encoding == "GBK" || decoded.encoding == "gb18030");
    }

    #[test]
    fn shift_jis_text_is_detected_and_decoded() {
        let source = "日付,店舗,売上\n2016-05-16,東京渋谷店,1234\n2016-05-17,大阪梅田店,987\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(source);
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!(decoded.text, source);
        assert_eq!(decoded.encoding, "Shift_JIS");
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "a,b\n1,2\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!(decoded.text, "a,b\n1,2\n");
        assert_eq!(decoded.encoding, "UTF-16LE");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let failure = decode(b"PK\x03\x04\x00\x00abc", None).unwrap_err();
        assert_eq!(failure, DecodeFailure::Binary { offset: 4 });
    }

    #[test]
    fn damaged_utf8_reports_the_offset() {
        // Plenty of valid multi-byte UTF-8, then one stray continuation byte.
        let mut bytes = "名前,値\n東京,1\n大阪,2\n名古屋,3\n"
            .repeat(20)
            .into_bytes();
        let bad_at = bytes.len();
        bytes.push(0xFF);
        bytes.extend_from_slice("札幌,4\n".as_bytes());
        match decode(&bytes, None) {
            Err(DecodeFailure::Malformed { offset, .. }) => assert_eq!(offset, bad_at),
            other => panic!("expected a malformed failure, got {other:?}"),
        }
    }

    #[test]
    fn forced_encoding_reports_bad_bytes() {
        let failure = decode(b"ok,\xFF\xFE\xFD", encoding_for_label("shift_jis")).unwrap_err();
        assert!(matches!(failure, DecodeFailure::Malformed { .. }));
    }
}
