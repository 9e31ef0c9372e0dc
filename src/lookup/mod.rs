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

/// [`resolve`] through the search index of a big customers file: the
/// customers any key kind could name are found in the index's fields, their
/// records read from it, and [`resolve`] decides among them, so the answer
/// is the one the whole table gives. `None` when the archive has no index
/// (small, YAML, `cache: false`) or a record cannot be read from it: then
/// the caller reads the table.
pub fn resolve_indexed(
    archive: &crate::archive::Archive,
    key: &str,
) -> Option<(Table, Vec<usize>)> {
    use crate::lookup::find::Field;
    let wanted = [
        Field::Id,
        Field::CreditCode,
        Field::IdNumber,
        Field::Mobile,
        Field::Name,
    ];
    let loaded = crate::lookup::index::load(archive, &wanted)?;
    let f = &loaded.fields;
    let key = key.trim();
    let lower = key.to_ascii_lowercase();
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let mut candidates: Vec<usize> = Vec::new();
    for (field, vk) in [
        (Field::Id, ValueKind::Code),
        (Field::CreditCode, ValueKind::CreditCode),
        (Field::IdNumber, ValueKind::IdNumber),
    ] {
        let canonical = normalise(vk, key, false).value.to_ascii_lowercase();
        candidates.extend(f.rows_equal(field, &canonical));
        candidates.extend(f.rows_equal(field, &lower));
    }
    let mobile = normalise(ValueKind::Mobile, key, false).value;
    candidates.extend(f.rows_equal(Field::Mobile, &digits(&mobile)));
    candidates.extend(f.rows_equal(Field::Mobile, &digits(key)));
    candidates.extend(f.rows_equal(Field::Name, &name_key(key)));
    candidates.sort_unstable();
    candidates.dedup();
    let mut table = Table::empty(crate::archive::schema::TableKind::Customers);
    table.columns = loaded.columns.clone();
    for &row in &candidates {
        let values = f.record(row)?;
        if values.len() != table.columns.len() {
            return None;
        }
        table.rows.push(crate::archive::Record::new(&values));
    }
    let (rows, _) = resolve(&table, key);
    Some((table, rows))
}

/// The customers `key` names in the archive, with the table they are rows
/// of: through the search index of a big customers file
/// ([`resolve_indexed`]), else by reading the whole table.
pub fn resolve_in(
    archive: &crate::archive::Archive,
    key: &str,
) -> anyhow::Result<(Table, Vec<usize>)> {
    if let Some(found) = resolve_indexed(archive, key) {
        return Ok(found);
    }
    let customers = archive.read_canonical(crate::archive::schema::TableKind::Customers)?;
    let (rows, _) = resolve(&customers, key);
    Ok((customers, rows))
}
