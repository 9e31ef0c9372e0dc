//! Finding customers: one customer by a key (`dangan show KEY`), customers
//! by any part of what is written about them (`dangan find TEXT`), and the
//! `--owner` / `--where` filters that every command reading customers takes.
//!
//! - `names`: a company name's core (no region prefix, brackets or legal
//!   form) and its pinyin, full and initials
//! - `find`: the ranked search
//! - `filter`: `--where COLUMN=VALUE`, `COLUMN!=VALUE`, `COLUMN~TEXT`

pub mod filter;
pub mod find;
pub mod index;
pub mod names;

use crate::archive::Table;
use crate::archive::schema::ValueKind;
use crate::values::normalize::normalise;
use crate::values::text::name_key;

/// How a key named a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    ArchiveNumber,
    CreditCode,
    IdNumber,
    Mobile,
    Name,
}

impl KeyKind {
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::ArchiveNumber => "id",
            KeyKind::CreditCode => "credit_code",
            KeyKind::IdNumber => "id_number",
            KeyKind::Mobile => "mobile",
            KeyKind::Name => "name",
        }
    }
}

/// The rows of `customers` that `key` names: by archive number, credit code,
/// ID number, mobile, then exact name (spacing, full-width forms and case
/// aside). The first kind of key that matches decides; several rows are
/// possible (a name or a mobile shared by two customers).
pub fn resolve(customers: &Table, key: &str) -> (Vec<usize>, Option<KeyKind>) {
    let key = key.trim();
    if key.is_empty() {
        return (Vec::new(), None);
    }
    let tries: [(KeyKind, &str, ValueKind); 4] = [
        (KeyKind::ArchiveNumber, "id", ValueKind::Code),
        (KeyKind::CreditCode, "credit_code", ValueKind::CreditCode),
        (KeyKind::IdNumber, "id_number", ValueKind::IdNumber),
        (KeyKind::Mobile, "mobile", ValueKind::Mobile),
    ];
    for (kind, column, vk) in tries {
        let Some(c) = customers.col(column) else {
            continue;
        };
        let wanted = normalise(vk, key, false).value;
        let rows: Vec<usize> = customers
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let v = r.get(c);
                !v.is_empty() && (v == wanted || v.eq_ignore_ascii_case(key))
            })
            .map(|(i, _)| i)
            .collect();
        if !rows.is_empty() {
            return (rows, Some(kind));
        }
    }
    if let Some(c) = customers.col("name") {
        let wanted = name_key(key);
        let rows: Vec<usize> = customers
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| name_key(r.get(c)) == wanted)
            .map(|(i, _)| i)
            .collect();
        if !rows.is_empty() {
            return (rows, Some(KeyKind::Name));
        }
    }
    (Vec::new(), None)
}
