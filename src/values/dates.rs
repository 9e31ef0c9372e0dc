//! Dates as people write them: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日,
//! 20240305, an optional time after the date, and Excel serial numbers (XLSX only);
//! and the moments of a complaint ([`Moment`]): a date with an optional time of
//! day, `2024-03-05 14:30`, `2024/3/5 下午2:30`, `2024年3月5日14时30分`.

use chrono::{NaiveDate, NaiveTime, Timelike};

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
    // what `%Y-%m-%d` prints, digit by digit: no format parsed or machinery
    // run per date (a million customers' last sales: `format!` was 6 % of
    // `classify`'s CPU); chrono's own for years it signs or widens
    let Ok(y @ 0..=9999) = u32::try_from(d.year()) else {
        return d.format("%Y-%m-%d").to_string();
    };
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let (m, day) = (d.month(), d.day());
    [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        '-',
        digit(m / 10),
        digit(m),
        '-',
        digit(day / 10),
        digit(day),
    ]
    .into_iter()
    .collect()
}

/// A date with an optional time of day: when a complaint came in, when
/// someone was on it. Its canonical text is `YYYY-MM-DD`, or
/// `YYYY-MM-DD HH:MM` with a time (`:SS` only when the seconds are not 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl Moment {
    /// The canonical text.
    pub fn text(self) -> String {
        match self.time {
            None => iso(self.date),
            Some(t) if t.second() == 0 => {
                format!("{} {:02}:{:02}", iso(self.date), t.hour(), t.minute())
            }
            Some(t) => format!(
                "{} {:02}:{:02}:{:02}",
                iso(self.date),
                t.hour(),
                t.minute(),
                t.second()
            ),
        }
    }

    /// Minutes from `self` to `later`. When either has no time of day the
    /// two are compared in whole days (a day is 1,440 minutes): a complaint
    /// of 5 March answered on 6 March took 24 hours.
    pub fn minutes_to(self, later: Moment) -> i64 {
        match (self.time, later.time) {
            (Some(a), Some(b)) => (later.date.and_time(b) - self.date.and_time(a)).num_minutes(),
            _ => (later.date - self.date).num_days() * 1_440,
        }
    }
}

/// Parse a date with an optional time of day: any date form of
/// [`parse_date`], then (after a space, `T`, or nothing after 日) a time
/// `14:30`, `14:30:05`, `14时30分`, `14点30分`, `14点`, with an optional
/// 上午/下午/晚上 in front or AM/PM behind; `.000` fractions are dropped.
pub fn parse_moment(input: &str) -> Option<Moment> {
    if let Some(date) = parse_iso(input) {
        return Some(Moment { date, time: None });
    }
    let s = crate::values::text::to_halfwidth(input.trim());
    let s = s.trim();
    // where the date ends: at a space or T, or right after 日
    let (date_part, rest) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => match s.find('日') {
            Some(i) => (&s[..i + '日'.len_utf8()], s[i + '日'.len_utf8()..].trim()),
            None => (s, ""),
        },
    };
    let date = parse_date(date_part)?;
    if rest.is_empty() {
        return Some(Moment { date, time: None });
    }
    let time = parse_time(rest)?;
    Some(Moment {
        date,
        time: Some(time),
    })
}

/// A time of day as people write it (see [`parse_moment`]).
fn parse_time(s: &str) -> Option<NaiveTime> {
    let mut s = s.trim();
    let mut pm: Option<bool> = None;
    for (word, after_noon) in [
        ("上午", false),
        ("早上", false),
        ("凌晨", false),
        ("中午", true),
        ("下午", true),
        ("晚上", true),
    ] {
        if let Some(r) = s.strip_prefix(word) {
            s = r.trim();
            pm = Some(after_noon);
        }
    }
    let upper = s.to_ascii_uppercase();
    for (word, after_noon) in [("AM", false), ("PM", true)] {
        if let Some(r) = upper.strip_suffix(word) {
            s = s[..r.len()].trim();
            pm = Some(after_noon);
        }
    }
    let s = s.strip_suffix('秒').unwrap_or(s);
    let s = s.strip_suffix('分').unwrap_or(s);
    let parts: Vec<&str> = s.split([':', '时', '点', '分']).collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let num = |p: &str, max_len: usize| -> Option<u32> {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let mut h = num(parts[0], 2)?;
    let m = match parts.get(1) {
        Some(p) if !p.is_empty() => num(p, 2)?,
        Some(_) if parts.len() == 2 => 0,
        Some(_) => return None,
        None => 0,
    };
    let sec = match parts.get(2) {
        // 14:30:05.000: the fraction goes
        Some(p) => num(p.split('.').next().unwrap_or(""), 2)?,
        None => 0,
    };
    match pm {
        Some(true) if (1..12).contains(&h) => h += 12,
        Some(false) if h == 12 => h = 0,
        Some(_) if h > 12 => return None,
        _ => {}
    }
    NaiveTime::from_hms_opt(h, m, sec)
}

/// An Excel serial day number with a fraction of a day (XLSX only) as a moment.
pub fn moment_from_excel_serial(serial: f64) -> Option<Moment> {
    let date = from_excel_serial(serial)?;
    let minutes = ((serial - serial.floor()) * 1_440.0).round() as u32;
    if minutes == 0 {
        return Some(Moment { date, time: None });
    }
    if minutes >= 1_440 {
        return Some(Moment {
            date: date.succ_opt()?,
            time: None,
        });
    }
    Some(Moment {
        date,
        time: NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0),
    })
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
        // every day of four years around a leap day, and of the first years
        for start in [(2023, 1, 1), (0, 1, 1), (9996, 1, 1)] {
            let mut date = NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap();
            for _ in 0..4 * 366 {
                assert_eq!(iso(date), date.format("%Y-%m-%d").to_string());
                date = date.succ_opt().unwrap();
            }
        }
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
    fn moments_as_people_write_them() {
        for (s, want) in [
            ("2024-03-05", "2024-03-05"),
            ("2024-03-05 14:30", "2024-03-05 14:30"),
            ("2024-03-05 14:30:00", "2024-03-05 14:30"),
            ("2024-03-05T14:30:05", "2024-03-05 14:30:05"),
            ("2024-03-05 14:30:00.000", "2024-03-05 14:30"),
            ("2024/3/5 9:05", "2024-03-05 09:05"),
            ("2024/3/5 下午2:30", "2024-03-05 14:30"),
            ("2024/3/5 2:30 PM", "2024-03-05 14:30"),
            ("2024/3/5 12:10 AM", "2024-03-05 00:10"),
            ("2024年3月5日14时30分", "2024-03-05 14:30"),
            ("2024年3月5日 14点", "2024-03-05 14:00"),
            ("2024年3月5日 上午9点30分", "2024-03-05 09:30"),
            ("２０２４－０３－０５　１４：３０", "2024-03-05 14:30"),
            ("20240305 08:00", "2024-03-05 08:00"),
        ] {
            assert_eq!(
                parse_moment(s).map(Moment::text).as_deref(),
                Some(want),
                "{s}"
            );
        }
        for s in [
            "2024-03-05 25:00",
            "2024-03-05 下午14:00",
            "2024-03-05 abc",
            "14:30",
            "",
        ] {
            assert_eq!(parse_moment(s), None, "{s}");
        }
    }

    #[test]
    fn minutes_between_moments() {
        let m = |s: &str| parse_moment(s).unwrap();
        assert_eq!(
            m("2026-03-05 10:00").minutes_to(m("2026-03-06 09:59")),
            1_439
        );
        assert_eq!(
            m("2026-03-05 10:00").minutes_to(m("2026-03-06 10:01")),
            1_441
        );
        // a date alone: whole days
        assert_eq!(m("2026-03-05 22:00").minutes_to(m("2026-03-06")), 1_440);
        assert_eq!(m("2026-03-05").minutes_to(m("2026-03-05 23:00")), 0);
        let x = moment_from_excel_serial(45356.75).unwrap();
        assert_eq!(x.text(), "2024-03-05 18:00");
    }

    #[test]
    fn excel_serial() {
        assert_eq!(from_excel_serial(45356.0), d(2024, 3, 5));
        assert_eq!(from_excel_serial(61.0), d(1900, 3, 1));
        assert_eq!(from_excel_serial(-1.0), None);
    }
}
