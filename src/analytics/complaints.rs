//! Complaints and satisfaction (投诉与满意度, SPEC.md "complaints"): when a
//! complaint is late, open or risky, and the figures of `analyze complaints`
//! and `analyze satisfaction`.
//!
//! ```yaml
//! complaints:                 # in dangan.yaml; every key has this default
//!   response_hours: { major: 24, serious: 48, minor: 72 }  # 重大: 24小时内必须赶到现场
//!   open_days: 30             # open_complaint: not resolved this many days after it came in
//!   risk_major: 2             # classify's risk rule `complaints`: this many major ones in the period
//! ```
//!
//! The definitions every command shares (validate, analyze, classify, due,
//! report, show):
//! - a complaint's **response** is `responded`, else `resolved` (solving it
//!   answers it); its response time is the time from `date` to that moment.
//!   When either has no time of day, the two are compared in whole days
//!   (`Moment::minutes_to`): came in on 5 March, answered on 6 March, is 24 h.
//!   A complaint without a severity has the minor limit.
//! - it is **late** when the response took longer than the severity's limit,
//!   or, with no response yet, when the limit has run out by the end of the
//!   as-of day (the as-of day counts to its end, 24:00).
//! - it is **open** when it has no `resolved` on or before the as-of date.
//! - medians and 90th percentiles are interpolated between the two nearest
//!   values (type 7, what DuckDB's `quantile_cont` and numpy compute), worked
//!   in exact integers and rounded half away from zero to two decimals.

use crate::archive::schema::ComplaintSeverity;
use crate::values::dates::Moment;
use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde::Deserialize;

/// `complaints:` in dangan.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplaintSettings {
    pub response_hours: ResponseHours,
    pub open_days: i64,
    pub risk_major: usize,
}

/// The response limit of each severity, in hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseHours {
    pub major: i64,
    pub serious: i64,
    pub minor: i64,
}

impl Default for ResponseHours {
    fn default() -> Self {
        ResponseHours {
            major: 24,
            serious: 48,
            minor: 72,
        }
    }
}

impl Default for ComplaintSettings {
    fn default() -> Self {
        ComplaintSettings {
            response_hours: ResponseHours::default(),
            open_days: 30,
            risk_major: 2,
        }
    }
}

impl ComplaintSettings {
    pub fn check(&self) -> Result<()> {
        let h = &self.response_hours;
        for (name, v) in [
            ("major", h.major),
            ("serious", h.serious),
            ("minor", h.minor),
        ] {
            if v <= 0 {
                bail!(crate::tr!("response_hours", name = name, value = v));
            }
        }
        if self.open_days < 0 {
            bail!(crate::tr!("open_days", value = self.open_days));
        }
        if self.risk_major == 0 {
            bail!(crate::tr!("risk_major"));
        }
        Ok(())
    }

    /// The response limit in minutes (no severity: the minor one).
    pub fn limit_minutes(&self, severity: Option<ComplaintSeverity>) -> i64 {
        let h = &self.response_hours;
        60 * match severity {
            Some(ComplaintSeverity::Major) => h.major,
            Some(ComplaintSeverity::Serious) => h.serious,
            Some(ComplaintSeverity::Minor) | None => h.minor,
        }
    }
}

/// One complaint, read to its one meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: String,
    pub customer_id: String,
    pub date: Moment,
    pub severity: Option<ComplaintSeverity>,
    pub category: String,
    pub owner: String,
    pub responded: Option<Moment>,
    pub resolved: Option<Moment>,
    pub satisfaction: Option<u8>,
}

/// The moment that ends the as-of day (the next day at 00:00).
fn end_of(as_of: NaiveDate) -> Moment {
    Moment {
        date: as_of.succ_opt().unwrap_or(as_of),
        time: Some(chrono::NaiveTime::MIN),
    }
}

impl Complaint {
    /// `responded`, else `resolved`, when on or before the as-of date.
    pub fn response(&self, as_of: NaiveDate) -> Option<Moment> {
        self.responded.or(self.resolved).filter(|m| m.date <= as_of)
    }

    /// Minutes to the response, when there was one by the as-of date.
    pub fn response_minutes(&self, as_of: NaiveDate) -> Option<i64> {
        self.response(as_of).map(|m| self.date.minutes_to(m))
    }

    /// Is it open at the as-of date (no `resolved` by then)?
    pub fn is_open(&self, as_of: NaiveDate) -> bool {
        self.resolved.is_none_or(|r| r.date > as_of)
    }

    /// Days from `date` to `resolved`, when resolved by the as-of date.
    pub fn resolve_days(&self, as_of: NaiveDate) -> Option<i64> {
        self.resolved
            .filter(|r| r.date <= as_of)
            .map(|r| (r.date - self.date.date).num_days())
    }

    /// How late it is at the as-of date: `Some(minutes past the limit)`
    /// when the response took longer than the limit, or when there is none
    /// and the limit has run out by the end of the as-of day.
    pub fn late_by(&self, settings: &ComplaintSettings, as_of: NaiveDate) -> Option<i64> {
        if self.date.date > as_of {
            return None;
        }
        let limit = settings.limit_minutes(self.severity);
        let took = match self.response_minutes(as_of) {
            Some(m) => m,
            None => self.date.minutes_to(end_of(as_of)),
        };
        (took > limit).then_some(took - limit)
    }

    /// Not answered by the end of the as-of day and past its limit: the
    /// first call of the day (`due` reason `complaint`).
    pub fn unanswered_late(&self, settings: &ComplaintSettings, as_of: NaiveDate) -> bool {
        self.response(as_of).is_none() && self.late_by(settings, as_of).is_some()
    }
}

/// The customers the `complaints` risk rule fires for: `risk_major` or
/// more major complaints dated in the period, or a major one still open at
/// the as-of date (whenever it came in).
pub fn risky<'a>(
    all: &'a [Complaint],
    settings: &ComplaintSettings,
    period: &crate::analytics::period::Period,
    as_of: NaiveDate,
) -> rustc_hash::FxHashSet<&'a str> {
    let mut majors: rustc_hash::FxHashMap<&str, usize> = Default::default();
    let mut out = rustc_hash::FxHashSet::default();
    for c in all
        .iter()
        .filter(|c| c.severity == Some(ComplaintSeverity::Major) && c.date.date <= as_of)
    {
        if period.contains(c.date.date) {
            let n = majors.entry(c.customer_id.as_str()).or_default();
            *n += 1;
            if *n >= settings.risk_major {
                out.insert(c.customer_id.as_str());
            }
        }
        if c.is_open(as_of) {
            out.insert(c.customer_id.as_str());
        }
    }
    out
}

/// The `q`-quantile (`num / den`) of sorted values, interpolated (type 7),
/// as an exact fraction `(numerator, denominator)`.
fn quantile(sorted: &[i64], num: i64, den: i64) -> Option<(i128, i128)> {
    let n = sorted.len() as i64;
    if n == 0 {
        return None;
    }
    let h = (n - 1) * num; // the rank times den
    let (lo, f) = ((h / den) as usize, h % den);
    let a = i128::from(sorted[lo]);
    let b = i128::from(sorted[(lo + 1).min(sorted.len() - 1)]);
    Some((
        a * i128::from(den) + i128::from(f) * (b - a),
        i128::from(den),
    ))
}

/// `numer / denom / unit` in hundredths, rounded half away from zero.
fn hundredths(numer: i128, denom: i128, unit: i128) -> i64 {
    let d = denom * unit;
    let x = numer * 100;
    let q = (x.abs() * 2 + d) / (2 * d);
    (if x < 0 { -q } else { q }) as i64
}

/// The median and 90th percentile of values in `unit`s of them (60: minutes
/// as hours), in hundredths.
pub fn median_p90(values: &mut [i64], unit: i64) -> (Option<i64>, Option<i64>) {
    values.sort_unstable();
    let at = |num, den| quantile(values, num, den).map(|(n, d)| hundredths(n, d, i128::from(unit)));
    (at(1, 2), at(9, 10))
}

/// The mean of scores, in hundredths.
pub fn mean(sum: i64, n: i64) -> Option<i64> {
    (n > 0).then(|| hundredths(i128::from(sum), i128::from(n), 1))
}

/// `count` per `per` of `base`, in hundredths (`None` when the base is not
/// above 0): complaints per 100 customers, per ¥1M (10⁸ fen) of net sales.
pub fn rate(count: i64, per: i64, base: i64) -> Option<i64> {
    (base > 0).then(|| hundredths(i128::from(count) * i128::from(per), i128::from(base), 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::dates::parse_moment;

    fn complaint(date: &str, sev: ComplaintSeverity, responded: &str, resolved: &str) -> Complaint {
        Complaint {
            id: "K1".into(),
            customer_id: "C1".into(),
            date: parse_moment(date).unwrap(),
            severity: Some(sev),
            category: String::new(),
            owner: String::new(),
            responded: parse_moment(responded),
            resolved: parse_moment(resolved),
            satisfaction: None,
        }
    }

    #[test]
    fn a_major_complaint_is_late_a_minute_after_24_hours() {
        let s = ComplaintSettings::default();
        let as_of = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let major = ComplaintSeverity::Major;
        let on_time = complaint("2026-03-05 10:00", major, "2026-03-06 09:59", "");
        assert_eq!(on_time.late_by(&s, as_of), None);
        let exactly = complaint("2026-03-05 10:00", major, "2026-03-06 10:00", "");
        assert_eq!(exactly.late_by(&s, as_of), None);
        let late = complaint("2026-03-05 10:00", major, "2026-03-06 10:01", "");
        assert_eq!(late.late_by(&s, as_of), Some(1));
        // serious has 48 hours
        let serious = complaint(
            "2026-03-05 10:00",
            ComplaintSeverity::Serious,
            "2026-03-06 10:01",
            "",
        );
        assert_eq!(serious.late_by(&s, as_of), None);
        // no response: the limit runs to the end of the as-of day
        let open = complaint("2026-03-05 10:00", major, "", "");
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        assert_eq!(open.late_by(&s, d(5)), None);
        assert_eq!(open.late_by(&s, d(6)), Some(14 * 60));
        assert!(open.unanswered_late(&s, d(6)));
        assert!(open.is_open(d(6)));
        // a resolution answers it; after the as-of date it does not count yet
        let solved = complaint("2026-03-05 10:00", major, "", "2026-03-09");
        assert_eq!(solved.resolve_days(d(31)), Some(4));
        assert!(solved.is_open(d(8)));
        assert!(!solved.is_open(d(9)));
    }

    #[test]
    fn quantiles_interpolate_exactly() {
        // minutes 60, 90, 600, 1500: median (90+600)/2 = 345 min = 5.75 h;
        // p90 at rank 2.7: 600 + 0.7 × 900 = 1230 min = 20.50 h
        let mut v = vec![600, 60, 1500, 90];
        assert_eq!(median_p90(&mut v, 60), (Some(575), Some(2050)));
        let mut one = vec![125];
        assert_eq!(median_p90(&mut one, 60), (Some(208), Some(208)));
        assert_eq!(median_p90(&mut [], 1), (None, None));
        assert_eq!(mean(4 + 5 + 2, 3), Some(367));
        assert_eq!(rate(3, 100, 40), Some(750));
        assert_eq!(rate(3, 100, 0), None);
    }
}
