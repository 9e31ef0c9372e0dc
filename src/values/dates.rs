//! Dates as people write them: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日,
//! 20240305, an optional time after the date, and Excel serial numbers (XLSX only).

use chrono::NaiveDate;

/// Parse exactly `YYYY-MM-DD` (the archive's own form) without allocating.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// Parse a date written in any accepted form; a time part after the date is ignored.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    if let Some(d) = parse_iso(input) {
        return Some(d);
    }
    let s = crate::values::text::to_halfwidth(input.trim());
    let s = s.trim();
    // drop a time part: "2024-03-05 10:20:00", "2024-03-05T10:20"
    let date_part = s.split([' ', 'T']).next().unwrap_or("");
    if date_part.len() == 8 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        let y = date_part[0..4].parse().ok()?;
        let m = date_part[4..6].parse().ok()?;
        let d = date_part[6..8].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    let cleaned = date_part.strip_suffix('日').unwrap_or(date_part);
    let parts: Vec<&str> = cleaned.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 {
        return None;
    }
    let num = |p: &str, max_len: usize| -> Option<u32> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            p.parse().ok()
        }
    };
    if parts[0].len() != 4 {
        return None;
    }
    let y = num(parts[0], 4)? as i32;
    NaiveDate::from_ymd_opt(y, num(parts[1], 2)?, num(parts[2], 2)?)
}

/// An Excel serial day number (1900 date system) to a date.
pub fn from_excel_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // Excel counts 1900-02-29, which did not exist; serials from 61 on are one ahead.
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// Whole years of age on `on` of someone born on `birth` (born on 29
/// February: a year older on 28 February of a common year); `None` before birth.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    use chrono::Datelike;
    if on < birth {
        return None;
    }
    let day = if birth.month() == 2
        && birth.day() == 29
        && NaiveDate::from_ymd_opt(on.year(), 2, 29).is_none()
    {
        28
    } else {
        birth.day()
    };
    let before = (on.month(), on.day()) < (birth.month(), day);
    u32::try_from(on.year() - birth.year() - i32::from(before)).ok()
}

pub fn iso(d: NaiveDate) -> String {
    use chrono::Datelike;
    // what `%Y-%m-%d` prints, without parsing the format each time (the
    // messages of a million rows); chrono's own for years it signs or widens
    match d.year() {
        y @ 0..=9999 => format!("{y:04}-{:02}-{:02}", d.month(), d.day()),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// Today, or the date given by `DANGAN_TODAY` (for reproducible runs).
pub fn today() -> NaiveDate {
    std::env::var("DANGAN_TODAY")
        .ok()
        .and_then(|s| parse_date(&s))
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_whole_years_and_29_february_turns_on_the_28th() {
        let d = |s: &str| parse_iso(s).unwrap();
        assert_eq!(age_on(d("1990-06-30"), d("2024-06-30")), Some(34));
        assert_eq!(age_on(d("1990-07-01"), d("2024-06-30")), Some(33));
        // a leap year has its own 29 February
        assert_eq!(age_on(d("1964-02-29"), d("2024-02-28")), Some(59));
        assert_eq!(age_on(d("1964-02-29"), d("2024-02-29")), Some(60));
        // a common year: the birthday is the 28th
        assert_eq!(age_on(d("1963-02-28"), d("2023-02-27")), Some(59));
        assert_eq!(age_on(d("1960-02-29"), d("2019-02-27")), Some(58));
        assert_eq!(age_on(d("1960-02-29"), d("2019-02-28")), Some(59));
        assert_eq!(age_on(d("2025-01-01"), d("2024-06-30")), None);
    }

    #[test]
    fn iso_prints_what_chrono_prints() {
        for (y, m, d) in [
            (2026, 11, 1),
            (1, 1, 1),
            (0, 2, 29),
            (999, 12, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso(date), date.format("%Y-%m-%d").to_string());
        }
        assert_eq!(iso(NaiveDate::from_ymd_opt(7, 3, 5).unwrap()), "0007-03-05");
    }

    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn all_forms() {
        for s in [
            "2024-03-05",
            "2024/3/5",
            "2024.3.5",
            "2024年3月5日",
            "20240305",
            "２０２４年３月５日",
            "2024-03-05 10:20:00",
            " 2024/03/05T08:00 ",
        ] {
            assert_eq!(parse_date(s), d(2024, 3, 5), "{s}");
        }
    }

    #[test]
    fn iso_fast_path() {
        assert_eq!(parse_iso("2024-03-05"), d(2024, 3, 5));
        assert_eq!(parse_iso("2024-02-30"), None);
        assert_eq!(parse_iso("2024-3-05"), None);
        assert_eq!(parse_iso("20a4-03-05"), None);
    }

    #[test]
    fn invalid() {
        for s in [
            "2024-02-30",
            "24-3-5",
            "2024-13-01",
            "abc",
            "",
            "2024年3月",
            "45356",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn excel_serial() {
        assert_eq!(from_excel_serial(45356.0), d(2024, 3, 5));
        assert_eq!(from_excel_serial(61.0), d(1900, 3, 1));
        assert_eq!(from_excel_serial(-1.0), None);
    }
}
