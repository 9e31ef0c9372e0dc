//! The rules of the follow-up schedule (回访), without polars: the reasons a
//! customer is due (`dangan due`), the `due:` settings of dangan.yaml, and
//! the yearly dates (birthdays, anniversaries). The list itself is
//! `analytics::due`.

use crate::analytics::tiers::Tier;
use crate::values::dates::parse_iso;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Why a customer is on the list (stable names: the `reason` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// an open complaint past its response limit: the first call of the day
    Complaint,
    Appointment,
    NewRecord,
    Interval,
    Birthday,
    Anniversary,
    Payment,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::Complaint,
        Reason::Appointment,
        Reason::NewRecord,
        Reason::Interval,
        Reason::Birthday,
        Reason::Anniversary,
        Reason::Payment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reason::Complaint => "complaint",
            Reason::Appointment => "appointment",
            Reason::NewRecord => "new_record",
            Reason::Interval => "interval",
            Reason::Birthday => "birthday",
            Reason::Anniversary => "anniversary",
            Reason::Payment => "payment",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Reason::Complaint => "投诉待响应",
            Reason::Appointment => "预约回访",
            Reason::NewRecord => "建档回访",
            Reason::Interval => "定期回访",
            Reason::Birthday => "生日祝福",
            Reason::Anniversary => "纪念日",
            Reason::Payment => "催收货款",
        }
    }
}

/// `due:` in dangan.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DueSettings {
    pub days: i64,
    /// days between contacts per tier (default: `report.followup_days`)
    pub interval: Option<BTreeMap<Tier, i64>>,
    pub new_record: Vec<i64>,
    pub new_record_no_sale: Vec<i64>,
    pub schedule_grace_days: i64,
    pub anniversaries: Vec<String>,
    pub reasons: Vec<Reason>,
}

impl Default for DueSettings {
    fn default() -> Self {
        DueSettings {
            days: 0,
            interval: None,
            new_record: vec![3, 30, 60],
            new_record_no_sale: Vec::new(),
            schedule_grace_days: 30,
            anniversaries: Vec::new(),
            reasons: Reason::ALL.to_vec(),
        }
    }
}

impl DueSettings {
    /// Days between contacts for a tier: `due.interval`, else `report.followup_days`, else 90.
    pub fn interval_days(&self, tier: Tier, report: &BTreeMap<Tier, i64>) -> i64 {
        self.interval
            .as_ref()
            .unwrap_or(report)
            .get(&tier)
            .copied()
            .unwrap_or(90)
    }
}

/// The day a contact on `last` becomes older than `every` days: the
/// `interval` reason is due then.
pub fn interval_due(last: NaiveDate, every: i64) -> Option<NaiveDate> {
    last.checked_add_days(chrono::Days::new(every.max(0) as u64 + 1))
}

/// The birth date of a customer or its contact: the `birthday` column, else
/// (when `id_number_too`) the birth date in an 18-character ID number.
pub fn birth_date(birthday: &str, id_number: &str, id_number_too: bool) -> Option<NaiveDate> {
    parse_iso(birthday).or_else(|| {
        // `get`: a value kept as it was may be 18 bytes of Chinese text
        (id_number_too && id_number.len() == 18)
            .then(|| id_number.get(6..14))
            .flatten()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
    })
}

/// The next return of a yearly date on or after `from` (29 February → 28
/// February in other years).
pub fn next_yearly(date: NaiveDate, from: NaiveDate) -> Option<NaiveDate> {
    for y in [from.year(), from.year() + 1] {
        let d = NaiveDate::from_ymd_opt(y, date.month(), date.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, date.month(), 28))?;
        if d >= from {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    #[test]
    fn yearly_dates_return_and_29_february_falls_on_the_28th() {
        assert_eq!(
            next_yearly(d("1990-07-01"), d("2024-06-30")),
            Some(d("2024-07-01"))
        );
        assert_eq!(
            next_yearly(d("1990-06-30"), d("2024-06-30")),
            Some(d("2024-06-30"))
        );
        assert_eq!(
            next_yearly(d("1990-06-29"), d("2024-06-30")),
            Some(d("2025-06-29"))
        );
        assert_eq!(
            next_yearly(d("1996-02-29"), d("2025-01-01")),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            next_yearly(d("1996-02-29"), d("2024-01-01")),
            Some(d("2024-02-29"))
        );
    }

    #[test]
    fn birth_dates_from_the_column_else_the_id_number() {
        assert_eq!(birth_date("1985-03-02", "", true), Some(d("1985-03-02")));
        assert_eq!(
            birth_date("", "11010519960229123X", true),
            Some(d("1996-02-29"))
        );
        assert_eq!(birth_date("", "11010519960229123X", false), None);
        assert_eq!(birth_date("", "110105199602301234", true), None);
        assert_eq!(birth_date("", "鸿达贸易有限", true), None);
    }
}
