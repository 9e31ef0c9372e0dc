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
    let s = crate::text::to_halfwidth(input.trim());
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

    fn fen(s: &str) -> i64 {
        parse_yuan(s).unwrap().fen
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
