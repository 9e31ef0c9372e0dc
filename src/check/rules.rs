//! Validation rules (`dangan validate`, issue 3): their stable names, default
//! severities, settings, and the checks that are more than a format (ID-number
//! birth date and place, credit-code characters, date order).

use crate::values::ids::{credit_code_check, id_number_check};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A validation rule. Its name (`name`) is stable: scripts filter on it, and
/// settings name rules by it. The order is the order findings are summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    Required,
    Unique,
    Duplicate,
    IdNumber,
    CreditCode,
    Mobile,
    Phone,
    Email,
    Date,
    DateOrder,
    BirthdayMismatch,
    Enum,
    Range,
    Pattern,
    Stale,
    UnknownCustomer,
    FutureDate,
    AmountMismatch,
    PaidExceedsAmount,
    DueBeforeDate,
    ResponseLate,
    OpenComplaint,
    ResolvedBeforeDate,
    Satisfaction,
    NotCanonical,
}

impl Rule {
    pub const ALL: [Rule; 25] = [
        Rule::Required,
        Rule::Unique,
        Rule::Duplicate,
        Rule::IdNumber,
        Rule::CreditCode,
        Rule::Mobile,
        Rule::Phone,
        Rule::Email,
        Rule::Date,
        Rule::DateOrder,
        Rule::BirthdayMismatch,
        Rule::Enum,
        Rule::Range,
        Rule::Pattern,
        Rule::Stale,
        Rule::UnknownCustomer,
        Rule::FutureDate,
        Rule::AmountMismatch,
        Rule::PaidExceedsAmount,
        Rule::DueBeforeDate,
        Rule::ResponseLate,
        Rule::OpenComplaint,
        Rule::ResolvedBeforeDate,
        Rule::Satisfaction,
        Rule::NotCanonical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Unique => "unique",
            Rule::Duplicate => "duplicate",
            Rule::IdNumber => "id_number",
            Rule::CreditCode => "credit_code",
            Rule::Mobile => "mobile",
            Rule::Phone => "phone",
            Rule::Email => "email",
            Rule::Date => "date",
            Rule::DateOrder => "date_order",
            Rule::BirthdayMismatch => "birthday_mismatch",
            Rule::Enum => "enum",
            Rule::Range => "range",
            Rule::Pattern => "pattern",
            Rule::Stale => "stale",
            Rule::UnknownCustomer => "unknown_customer",
            Rule::FutureDate => "future_date",
            Rule::AmountMismatch => "amount_mismatch",
            Rule::PaidExceedsAmount => "paid_exceeds_amount",
            Rule::DueBeforeDate => "due_before_date",
            Rule::ResponseLate => "response_late",
            Rule::OpenComplaint => "open_complaint",
            Rule::ResolvedBeforeDate => "resolved_before_date",
            Rule::Satisfaction => "satisfaction",
            Rule::NotCanonical => "not_canonical",
        }
    }

    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The built-in severity (a setting can change it).
    pub fn default_severity(self) -> Severity {
        match self {
            Rule::Duplicate
            | Rule::Stale
            | Rule::BirthdayMismatch
            | Rule::NotCanonical
            | Rule::ResponseLate
            | Rule::OpenComplaint => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// `validate:` in `dangan.yaml` (or a `--rules FILE` of the same shape).
///
/// ```yaml
/// validate:
///   stale_days: 60
///   required: { customers: [mobile, owner] }
///   severity: { stale: error, phone: warning }
///   off: [birthday_mismatch]
///   enums: { credit_rating: [A, B, C, D] }
///   fields:
///     customers:
///       owner: { regex: "^.{2,4}$" }
///       credit_limit: { min: 0, max: 5000000 }
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValidateSettings {
    /// `stale`: records not revised for this many days (两月一修订: 60)
    pub stale_days: i64,
    /// required fields besides the built-in ones, per table
    pub required: BTreeMap<String, Vec<String>>,
    /// severity per rule name
    pub severity: BTreeMap<String, Severity>,
    /// rules switched off
    pub off: Vec<String>,
    /// allowed values per field (replaces the built-in set)
    pub enums: BTreeMap<String, Vec<String>>,
    /// per table, per field: a regex (`pattern`) or a numeric range (`range`)
    pub fields: BTreeMap<String, BTreeMap<String, FieldRule>>,
}

impl Default for ValidateSettings {
    fn default() -> Self {
        ValidateSettings {
            stale_days: 60,
            required: BTreeMap::new(),
            severity: BTreeMap::new(),
            off: Vec::new(),
            enums: BTreeMap::new(),
            fields: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    pub regex: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl ValidateSettings {
    /// Check rule names and regexes; an error names what is wrong.
    pub fn check(&self) -> Result<(), String> {
        for r in self.severity.keys().chain(self.off.iter()) {
            if Rule::parse(r).is_none() {
                let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                return Err(format!("unknown rule {r:?} (rules: {})", names.join(", ")));
            }
        }
        for (table, fields) in &self.fields {
            for (field, rule) in fields {
                if let Some(re) = &rule.regex {
                    regex::Regex::new(re)
                        .map_err(|e| format!("fields.{table}.{field}.regex: {e}"))?;
                }
            }
        }
        Ok(())
    }

    pub fn severity(&self, rule: Rule) -> Severity {
        self.severity
            .get(rule.name())
            .copied()
            .unwrap_or_else(|| rule.default_severity())
    }

    pub fn is_on(&self, rule: Rule) -> bool {
        !self.off.iter().any(|r| r == rule.name())
    }

    /// The `stale` rule (records due for revision): how many days old the
    /// record is (`updated`, else `created`) when that is more than
    /// `stale_days`.
    pub fn stale_age(
        &self,
        updated: Option<chrono::NaiveDate>,
        created: Option<chrono::NaiveDate>,
        as_of: chrono::NaiveDate,
    ) -> Option<i64> {
        let age = (as_of - updated.or(created)?).num_days();
        (self.is_on(Rule::Stale) && age > self.stale_days).then_some(age)
    }
}

/// Province-level codes that begin ID numbers (GB/T 2260).
pub const PROVINCE_CODES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// What is wrong with an ID number, if anything: `Err((severity, message))`;
/// `Ok(birth date)` for a valid one.
pub fn check_id_number(v: &str, as_of: NaiveDate) -> Result<NaiveDate, (Severity, String)> {
    let b = v.as_bytes();
    if b.len() == 15 && b.iter().all(u8::is_ascii_digit) {
        return Err((Severity::Warning, "legacy 15-digit ID number".into()));
    }
    if b.len() != 18 || !v.is_ascii() {
        return Err((
            Severity::Error,
            format!(
                "{} characters, not 18 digits (the last may be X)",
                v.chars().count()
            ),
        ));
    }
    let Some(check) = id_number_check(&v[..17]) else {
        return Err((
            Severity::Error,
            "the first 17 characters must be digits".into(),
        ));
    };
    if b[17] as char != check {
        return Err((
            Severity::Error,
            format!("check digit is {}, should be {check}", b[17] as char),
        ));
    }
    if !PROVINCE_CODES.contains(&&v[..2]) {
        return Err((
            Severity::Error,
            format!("{} is not a province code", &v[..2]),
        ));
    }
    // the first 17 characters are digits (the check digit was computed)
    let num = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(0);
    let birth =
        NaiveDate::from_ymd_opt(num(6..10) as i32, num(10..12), num(12..14)).ok_or_else(|| {
            (
                Severity::Error,
                format!("birth date {} does not exist", &v[6..14]),
            )
        })?;
    if birth > as_of {
        return Err((
            Severity::Error,
            format!(
                "birth date {} is in the future",
                crate::values::dates::iso(birth)
            ),
        ));
    }
    Ok(birth)
}

/// What is wrong with a unified social credit code, if anything.
pub fn check_credit_code(v: &str) -> Result<(), String> {
    if v.len() != 18 || !v.is_ascii() {
        return Err(format!("{} characters, not 18", v.chars().count()));
    }
    if let Some(c) = v
        .bytes()
        .find(|&c| crate::values::ids::credit_code_value(c).is_none())
        .map(char::from)
    {
        return Err(format!(
            "{c:?} is not a credit-code character (no I, O, S, V, Z)"
        ));
    }
    let check = credit_code_check(&v[..17]).ok_or("not a credit code")?;
    let last = v.as_bytes()[17] as char;
    if last != check {
        return Err(format!("check character is {last}, should be {check}"));
    }
    Ok(())
}

/// A strict ISO date (what the archive stores).
pub fn iso_date(v: &str) -> Option<NaiveDate> {
    crate::values::dates::parse_iso(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        iso_date(s).unwrap()
    }

    #[test]
    fn id_numbers() {
        let today = d("2026-11-22");
        assert_eq!(
            check_id_number("110105199003071239", today),
            Ok(d("1990-03-07"))
        );
        assert_eq!(
            check_id_number("33010619851120001X", today),
            Ok(d("1985-11-20"))
        );
        assert!(
            check_id_number("110105199003071238", today)
                .unwrap_err()
                .1
                .contains("check digit is 8, should be 9")
        );
        assert_eq!(
            check_id_number("110105900307123", today).unwrap_err().0,
            Severity::Warning
        );
        // a valid check digit on a date that does not exist
        let body = "11010519900230123";
        let n = format!("{body}{}", id_number_check(body).unwrap());
        assert!(
            check_id_number(&n, today)
                .unwrap_err()
                .1
                .contains("does not exist")
        );
        let body = "99010519900301123";
        let n = format!("{body}{}", id_number_check(body).unwrap());
        assert!(
            check_id_number(&n, today)
                .unwrap_err()
                .1
                .contains("99 is not a province code")
        );
        let body = "11010520300301123";
        let n = format!("{body}{}", id_number_check(body).unwrap());
        assert!(
            check_id_number(&n, today)
                .unwrap_err()
                .1
                .contains("in the future")
        );
    }

    #[test]
    fn credit_codes() {
        assert_eq!(check_credit_code("91440101MA59ABCD1D"), Ok(()));
        assert!(
            check_credit_code("91440101MA59ABCD1E")
                .unwrap_err()
                .contains("should be D")
        );
        assert!(
            check_credit_code("91440101MA59ABCO1D")
                .unwrap_err()
                .contains("'O'")
        );
    }

    /// 2,000 valid and 2,000 corrupted numbers of each kind, judged by
    /// python-stdnum (`cn.ric`, `cn.uscc`; see testdata/make_vectors.py).
    #[test]
    fn agree_with_python_stdnum() {
        let today = d("2026-11-22");
        for (file, check) in [
            (
                "ric.csv",
                &(|n: &str| check_id_number(n, today).is_ok()) as &dyn Fn(&str) -> bool,
            ),
            ("uscc.csv", &|n: &str| check_credit_code(n).is_ok()),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/vectors")
                .join(file);
            let mut rdr = csv::Reader::from_path(&path).unwrap();
            let mut n = 0;
            for rec in rdr.records() {
                let rec = rec.unwrap();
                assert_eq!(check(&rec[0]), &rec[1] == "valid", "{file}: {}", &rec[0]);
                n += 1;
            }
            assert_eq!(n, 4000, "{file}");
        }
    }
}
