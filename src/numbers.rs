//! Numbers as people read them in tables and sentences: thousands grouped with commas
//! (1,125,694), a fixed number of decimals. Files and `--json` keep plain numbers.

/// `value` with `decimals` places and its whole part grouped in thousands: `-21,373.5`.
/// Not-a-number and infinities are written as Rust writes them.
pub fn grouped(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let plain = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut text = String::with_capacity(plain.len() + whole.len() / 3 + 1);
    // Rounding can make a tiny negative value print as zero: no sign then.
    if value < 0.0 && plain.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        text.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            text.push(',');
        }
        text.push(digit);
    }
    if !fraction.is_empty() {
        text.push('.');
        text.push_str(fraction);
    }
    text
}

/// A money amount as typed and shown in fields: thousands grouped, cents only when there are
/// any (46,000; 99.50).
pub fn amount(value: f64) -> String {
    grouped(value, if value.fract() == 0.0 { 0 } else { 2 })
}

/// As `grouped`, with a `+` before values above zero: lifts and changes.
pub fn signed(value: f64, decimals: usize) -> String {
    let text = grouped(value, decimals);
    if value > 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("+{text}")
    } else {
        text
    }
}

/// `value` to `digits` significant digits, thousands grouped: a measure to compare with its
/// neighbours (1,368.3, 93.707, 0.49891 at 5 digits). Whole numbers from `digits` places up.
pub fn significant(value: f64, digits: usize) -> String {
    if !value.is_finite() || value == 0.0 {
        return grouped(value, 0);
    }
    let magnitude = value.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - magnitude).clamp(0, 12) as usize;
    grouped(value, decimals)
}

/// Whole numbers as they are, others to five significant digits; thousands grouped: a value
/// as the data holds it (a range, a threshold). A value a rounding error away from whole
/// (`(1 - 0.9) × 100`) is whole.
pub fn readable(value: f64) -> String {
    if (value - value.round()).abs() <= 1e-9 * value.abs().max(1.0) {
        return grouped(value.round(), 0);
    }
    // Five digits, without the zeros that end a shorter value (0.5, not 0.50000).
    let text = significant(value, 5);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Decimals that show a total of about `scale` (its largest value in a row of figures) without
/// digits that are noise: none from 1,000 up, one from 10, two below. Figures in one row share
/// them, so a lift reads against its totals.
pub fn decimals_for(scale: f64) -> usize {
    match scale.abs() {
        s if !s.is_finite() || s >= 1_000.0 => 0,
        s if s >= 10.0 => 1,
        _ => 2,
    }
}

/// The decimals for a set of figures shown together: those the largest of them warrants, so
/// they line up (`decimals_for`).
pub fn decimals_for_largest(values: impl IntoIterator<Item = f64>) -> usize {
    decimals_for(values.into_iter().map(f64::abs).fold(0.0, f64::max))
}

/// `count` and its noun, plural unless one: "1 warning", "3 problems", "1,200 rows".
pub fn counted(count: usize, noun: &str) -> String {
    let number = grouped(count as f64, 0);
    if count == 1 {
        format!("{number} {noun}")
    } else {
        format!("{number} {noun}s")
    }
}

/// A number as typed, thousands separators (commas, spaces, underscores) allowed: `46,000`.
pub fn parse_grouped(text: &str) -> Option<f64> {
    let plain: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '_' | '\u{a0}'))
        .collect();
    plain.parse().ok().filter(|v: &f64| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::{
        counted, decimals_for, decimals_for_largest, grouped, parse_grouped, readable, signed,
        significant,
    };

    #[test]
    fn figures_shown_together_share_the_largest_ones_decimals() {
        assert_eq!(decimals_for_largest([0.5, -226_387.83, 12.0]), 0);
        assert_eq!(decimals_for_largest([0.5, 42.0]), 1);
        assert_eq!(decimals_for_largest([0.5, -3.0]), 2);
        assert_eq!(decimals_for_largest([]), 2);
    }

    #[test]
    fn thousands_are_grouped_and_decimals_kept() {
        assert_eq!(grouped(1_125_694.4, 0), "1,125,694");
        assert_eq!(grouped(-21_373.46, 1), "-21,373.5");
        assert_eq!(grouped(999.96, 1), "1,000.0");
        assert_eq!(grouped(100_000.0, 0), "100,000");
        assert_eq!(grouped(12.0, 2), "12.00");
        assert_eq!(grouped(0.0, 0), "0");
        assert_eq!(grouped(-0.004, 2), "0.00");
        assert_eq!(grouped(-7.0, 0), "-7");
        assert_eq!(grouped(f64::NAN, 0), "NaN");
    }

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(12_345.67, 1), "+12,345.7");
        assert_eq!(signed(-12_345.67, 1), "-12,345.7");
        assert_eq!(signed(0.0, 1), "0.0");
        assert_eq!(signed(0.004, 2), "0.00");
    }

    #[test]
    fn typed_amounts_may_group_their_thousands() {
        assert_eq!(parse_grouped("46,000"), Some(46_000.0));
        assert_eq!(parse_grouped(" 1 200 000.5 "), Some(1_200_000.5));
        assert_eq!(parse_grouped(&grouped(-21_373.5, 1)), Some(-21_373.5));
        assert_eq!(parse_grouped("lots"), None);
        assert_eq!(parse_grouped("inf"), None);
    }

    #[test]
    fn counts_take_the_plural_unless_one() {
        assert_eq!(counted(1, "warning"), "1 warning");
        assert_eq!(counted(0, "warning"), "0 warnings");
        assert_eq!(counted(8772, "row"), "8,772 rows");
    }

    #[test]
    fn measures_keep_their_significant_digits() {
        assert_eq!(significant(1_368.327_87, 5), "1,368.3");
        assert_eq!(significant(93.7071, 5), "93.707");
        assert_eq!(significant(0.498912, 5), "0.49891");
        assert_eq!(significant(11_510.039, 5), "11,510");
        assert_eq!(significant(123_456.7, 5), "123,457");
        assert_eq!(significant(0.0, 5), "0");
        assert_eq!(significant(-0.01234567, 3), "-0.0123");
    }

    #[test]
    fn totals_drop_decimals_as_they_grow() {
        assert_eq!(decimals_for(382_413.3), 0);
        assert_eq!(decimals_for(-1_000.0), 0);
        assert_eq!(decimals_for(999.9), 1);
        assert_eq!(decimals_for(10.0), 1);
        assert_eq!(decimals_for(9.99), 2);
        assert_eq!(decimals_for(0.0), 2);
        assert_eq!(decimals_for(f64::NAN), 0);
        assert_eq!(grouped(382_413.3, decimals_for(382_413.3)), "382,413");
    }

    #[test]
    fn readable_values_are_whole_or_five_digits() {
        assert_eq!(readable(18_000.0), "18,000");
        assert_eq!(readable((1.0 - 0.9) * 100.0), "10");
        assert_eq!(readable(763.15), "763.15");
        assert_eq!(readable(812_194.89), "812,195");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(0.5), "0.5");
    }
}
