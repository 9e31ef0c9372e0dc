//! Money is integer fen (分) everywhere. This module parses what people type
//! (`¥1,234.50`, `1.2万`, `３００元`, `(12.00)`) and prints fen as yuan.

/// A parsed amount: the value in fen and whether it had to be rounded to the fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub fen: i64,
    pub rounded: bool,
}

/// Parse an amount in yuan. Rounds half away from zero (四舍五入) to the fen.
pub fn parse_yuan(input: &str) -> Result<Parsed, String> {
    plain_fen(input)
        .map(|fen| Parsed {
            fen,
            rounded: false,
        })
        .map_or_else(|| parse_written(input), Ok)
}

/// The quick way for the usual stored amount, `-?digits(.d|.dd)?` with at
/// most 15 digits before the point: its fen, without building a string.
/// `None` for anything else (which [`parse_written`] reads).
fn plain_fen(input: &str) -> Option<i64> {
    let b = input.as_bytes();
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(p) => (&b[..p], &b[p + 1..]),
        None => (b, &b[..0]),
    };
    let dot = int.len() < b.len();
    if int.is_empty()
        || int.len() > 15
        || (dot && frac.is_empty())
        || frac.len() > 2
        || !int.iter().chain(frac).all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut fen = 0i64;
    for &c in int.iter().chain(frac) {
        fen = fen * 10 + i64::from(c - b'0');
    }
    fen *= 10i64.pow(2 - frac.len() as u32);
    Some(if negative { -fen } else { fen })
}

/// Any way of writing an amount: full-width digits, separators, currency
/// signs and words, 万 and 亿, brackets for negatives.
fn parse_written(input: &str) -> Result<Parsed, String> {
    let s = crate::values::text::to_halfwidth(input.trim());
    let mut s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '¥' | '￥' | '，' | '\''))
        .collect();
    for suffix in ["人民币", "元", "rmb", "RMB", "cny", "CNY"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_string();
        }
        if let Some(rest) = s.strip_prefix(suffix) {
            s = rest.to_string();
        }
    }
    let mut negative = false;
    if s.starts_with('(') && s.ends_with(')') && s.len() > 2 {
        negative = true;
        s = s[1..s.len() - 1].to_string();
    }
    if let Some(rest) = s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        negative = !negative;
        s = rest.to_string();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.to_string();
    }
    let mut multiplier: i128 = 1;
    if let Some(rest) = s.strip_suffix('万') {
        multiplier = 10_000;
        s = rest.to_string();
    } else if let Some(rest) = s.strip_suffix('亿') {
        multiplier = 100_000_000;
        s = rest.to_string();
    }
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s.as_str(), ""),
    };
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
        || int_part.len() + frac_part.len() > 30
    {
        return Err(format!("not an amount: {input:?}"));
    }
    let mut mantissa: i128 = 0;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        mantissa = mantissa * 10 + (b - b'0') as i128;
    }
    mantissa *= multiplier;
    let scale = frac_part.len() as u32;
    let too_large = || format!("amount too large: {input:?}");
    let (fen, rounded) = if scale <= 2 {
        // 30 digits × 亿 × 100 overflows even i128 (testdata/fuzz/money/)
        let fen = mantissa
            .checked_mul(10i128.pow(2 - scale))
            .ok_or_else(too_large)?;
        (fen, false)
    } else {
        let div = 10i128.pow(scale - 2);
        let q = mantissa / div;
        let r = mantissa % div;
        // half away from zero: the magnitude is rounded, the sign applied after
        (if r * 2 >= div { q + 1 } else { q }, r != 0)
    };
    let fen = if negative { -fen } else { fen };
    let fen = i64::try_from(fen).map_err(|_| too_large())?;
    Ok(Parsed { fen, rounded })
}

/// Print fen as yuan with two decimals: `123450` → `1234.50`, `-5` → `-0.05`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A number as people read it: the digits before the decimal point grouped
/// by three (`-1234567.80` → `-1,234,567.80`, `12345` → `12,345`). The one
/// printer of grouped numbers (people formats: table, markdown, text, html);
/// machine formats never group.
pub fn group_thousands(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_string();
    }
    let mut out = String::with_capacity(number.len() + int.len() / 3);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push_str(frac);
    out
}

/// Parse a stored (already normalised) money cell; empty is `None`.
pub fn cell_fen(s: &str) -> Result<Option<i64>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse_yuan(s).map(|p| Some(p.fen))
    }
}

/// Quantities are kept in ten-thousandths of a unit (exact to 0.0001).
pub const QTY_SCALE: i64 = 10_000;

/// The one parser of a quantity: a plain decimal number (`2.5`, `-3`,
/// `1.23456`) as ten-thousandths of a unit, rounded half away from zero to
/// 0.0001, and whether it was rounded. `None` for anything else (units and
/// separators are taken off by `normalize` before).
pub fn parse_quantity(s: &str) -> Option<(i64, bool)> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.len() > 14
    {
        return None;
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = 0;
    for (k, b) in frac.bytes().take(4).enumerate() {
        f += i64::from(b - b'0') * 10i64.pow(3 - k as u32);
    }
    let rest = frac.get(4..).unwrap_or("");
    let rounded = rest.bytes().any(|b| b != b'0');
    let up = rest.as_bytes().first().is_some_and(|&b| b >= b'5');
    let v = i.checked_mul(QTY_SCALE)?.checked_add(f + i64::from(up))?;
    Some((if neg { -v } else { v }, rounded))
}

/// Ten-thousandths of a unit printed without trailing zeros (`25000` → `2.5`).
pub fn format_quantity(q: i64) -> String {
    let sign = if q < 0 { "-" } else { "" };
    let a = q.unsigned_abs();
    let (i, f) = (a / QTY_SCALE as u64, a % QTY_SCALE as u64);
    if f == 0 {
        format!("{sign}{i}")
    } else {
        let frac = format!("{f:04}");
        format!("{sign}{i}.{}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_read_digits_grouped_by_three() {
        assert_eq!(group_thousands("40204247.50"), "40,204,247.50");
        assert_eq!(group_thousands("-1234567.80"), "-1,234,567.80");
        assert_eq!(group_thousands("999.99"), "999.99");
        assert_eq!(group_thousands("1000"), "1,000");
        assert_eq!(group_thousands("100000"), "100,000");
        assert_eq!(group_thousands("-100"), "-100");
        assert_eq!(group_thousands("0.00"), "0.00");
        assert_eq!(group_thousands("12345.6789"), "12,345.6789");
        assert_eq!(group_thousands(""), "");
        assert_eq!(group_thousands("abc"), "abc");
    }

    #[test]
    fn quantities_are_exact_and_rounded_at_the_ten_thousandth() {
        assert_eq!(parse_quantity("2.5"), Some((25_000, false)));
        assert_eq!(parse_quantity("-3"), Some((-30_000, false)));
        assert_eq!(parse_quantity("0.0001"), Some((1, false)));
        assert_eq!(parse_quantity("1.23456"), Some((12_346, true)));
        assert_eq!(parse_quantity("1.23454"), Some((12_345, true)));
        assert_eq!(parse_quantity("-1.23455"), Some((-12_346, true)));
        assert_eq!(parse_quantity("2.50000"), Some((25_000, false)));
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity("."), None);
        assert_eq!(format_quantity(25_000), "2.5");
        assert_eq!(format_quantity(-30_000), "-3");
        assert_eq!(format_quantity(10_001), "1.0001");
    }

    fn fen(s: &str) -> i64 {
        parse_yuan(s).unwrap().fen
    }

    #[test]
    fn the_quick_way_agrees_with_the_general_one() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.00",
            "1",
            "12.",
            ".5",
            "-.5",
            "1.5",
            "1.05",
            "1.005",
            "12.345",
            "-12.34",
            "--1",
            "-",
            "",
            "+1",
            "1.2.3",
            "1e3",
            "１２",
            "123456789012345",
            "1234567890123456",
            "999999999999999.99",
            "-999999999999999.99",
            "00012.30",
            "1,234",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for i in 0..5000u64 {
            let n = i.wrapping_mul(2_654_435_761) % 10_000_000;
            cases.push(format!("{}.{:02}", n / 100, n % 100));
            cases.push(format!("-{}.{}", n / 10, n % 10));
            cases.push(format!("{n}"));
        }
        for c in &cases {
            if let Some(fen) = plain_fen(c) {
                assert_eq!(
                    parse_written(c),
                    Ok(Parsed {
                        fen,
                        rounded: false
                    }),
                    "{c:?}"
                );
            }
        }
        assert_eq!(plain_fen("-12.3"), Some(-1230));
        assert_eq!(plain_fen("12."), None);
        assert_eq!(plain_fen("1,234"), None);
        assert_eq!(plain_fen("1234567890123456"), None);
    }

    #[test]
    fn forms() {
        assert_eq!(fen("¥1,234.50"), 123450);
        assert_eq!(fen("￥１，２３４．５"), 123450);
        assert_eq!(fen("1.2万"), 1200000);
        assert_eq!(fen("300元"), 30000);
        assert_eq!(fen("-12"), -1200);
        assert_eq!(fen("(12.00)"), -1200);
        assert_eq!(fen(".5"), 50);
        assert_eq!(fen("3亿"), 30_000_000_000);
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(
            parse_yuan("1.005").unwrap(),
            Parsed {
                fen: 101,
                rounded: true
            }
        );
        assert_eq!(
            parse_yuan("1.004").unwrap(),
            Parsed {
                fen: 100,
                rounded: true
            }
        );
        assert_eq!(
            parse_yuan("-1.005").unwrap(),
            Parsed {
                fen: -101,
                rounded: true
            }
        );
        assert_eq!(
            parse_yuan("1.23456万").unwrap(),
            Parsed {
                fen: 1234560,
                rounded: false
            }
        );
        assert_eq!(
            parse_yuan("2.50").unwrap(),
            Parsed {
                fen: 250,
                rounded: false
            }
        );
    }

    #[test]
    fn rejects() {
        for bad in ["", "abc", "1.2.3", "12a", "--1", "万", "1e5"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn printing() {
        assert_eq!(format_yuan(123450), "1234.50");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(format_yuan(0), "0.00");
    }
}
