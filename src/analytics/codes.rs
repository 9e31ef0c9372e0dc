//! The transactions as codes, for grading: per row the customer's row in the
//! customers file, the date and due date as day numbers, amount and paid in
//! fen, and whether it is taken back. That is 29 bytes a row, which one core
//! sums in a few tens of milliseconds for 10 million rows, against seconds
//! for the text columns of the frame (issue 21).
//!
//! - The codes are read straight from the file with the one reading of
//!   every cell (`read::frame::fold_rows`: the same cells, checks and first
//!   error as the frame), even where the transactions have a binary copy:
//!   decoding the copy's text columns is no faster (`classify` making the
//!   codes of 10M rows, in turns: 9.2–11.0 s from the copy, 9.4–10.4 s from
//!   the file), and the facts are much faster from the file; one way for both.
//! - When the transactions are a CSV big enough for a binary copy
//!   (`archive.cache`, `archive.cache_min_mb`), the codes are kept in
//!   `.cache/codes.<version>.<customers' stamp>.<transactions' stamp>.codes`
//!   with the copies' footer (CRC32, length, magic `DGNCODE2`). A change to
//!   either file changes the name, so stale codes are never read; damaged
//!   codes are removed and made again. Nothing fails because of them: when
//!   they cannot be written, the command goes on with the ones it made.
//! - Kept codes are mapped and checked, then read in place
//!   (`column::Column`): the money columns start at a multiple of 8 (up to
//!   4 bytes of padding), so no column is copied.

use crate::analytics::column::Column;
use crate::archive::Archive;
use crate::archive::schema::{TableKind, TxKind};
use anyhow::{Result, anyhow};
use chrono::Datelike;
use std::path::{Path, PathBuf};

/// A transaction whose customer is not in the customers file (or has none).
pub const NO_CUSTOMER: u32 = u32::MAX;
/// A transaction without a date (or due date).
pub const NO_DAY: i32 = i32::MIN;

/// The columns of the frame the codes are made from.
const COLUMNS: [&str; 6] = ["customer_id", "date", "kind", "amount", "paid", "due_date"];

/// The version of the codes' layout: codes of another are never read.
const VERSION: &str = "k2";
const MAGIC: &[u8; 8] = b"DGNCODE2";

/// The transactions as codes, one entry per row of the table.
#[derive(Debug, Default, PartialEq)]
pub struct TxCodes {
    /// the first row of the customers file with the transaction's
    /// `customer_id`, or [`NO_CUSTOMER`]
    pub customer: Column<u32>,
    /// `date` as days from the common era, or [`NO_DAY`]
    pub day: Column<i32>,
    /// `due_date` likewise
    pub due: Column<i32>,
    /// fen, an empty cell as 0
    pub amount: Column<i64>,
    pub paid: Column<i64>,
    /// a return or a discount
    pub back: Vec<bool>,
}

/// A date as the day number the codes hold.
pub fn day(d: chrono::NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// The day number as a date (for printing).
pub fn date(day: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_num_days_from_ce_opt(day)
}

/// The codes of the archive's transactions against `ids` (the customers
/// file's `id` column, in file order), or `None` when there is no
/// transactions table.
pub fn of(archive: &Archive, customers: &Path, ids: &[Option<&str>]) -> Result<Option<TxCodes>> {
    let Some((tx, _)) = archive.table_file(TableKind::Transactions)? else {
        return Ok(None);
    };
    let kept = kept_path(archive, customers, &tx);
    if let Some(path) = &kept
        && path.is_file()
    {
        let started = std::time::Instant::now();
        match read(path) {
            Ok(codes)
                if codes
                    .customer
                    .iter()
                    .all(|&c| c == NO_CUSTOMER || (c as usize) < ids.len()) =>
            {
                crate::timing("codes: read", started);
                return Ok(Some(codes));
            }
            Ok(_) => trace(format_args!(
                "{}: names a customer row beyond the file; removed",
                path.display()
            )),
            Err(e) => trace(format_args!("{e:#}; removed")),
        }
        let _ = std::fs::remove_file(path);
    }
    let started = std::time::Instant::now();
    // straight from the file, in one pass with no text columns, even where
    // the transactions have a binary copy (see the module doc)
    let codes = read_file(&tx, ids)?;
    crate::timing("codes: read from the file", started);
    crate::analytics::cache::remove_stale_copies(archive, &tx);
    if let Some(path) = &kept {
        let started = std::time::Instant::now();
        let perms = std::fs::metadata(&tx).map(|m| m.permissions()).ok();
        match write(path, &codes, perms) {
            Ok(()) => crate::timing("codes: kept", started),
            Err(e) => trace(format_args!("{}: not kept: {e:#}", path.display())),
        }
    }
    Ok(Some(codes))
}

/// With `DANGAN_TIMING` set, why kept codes were not used (on stderr).
fn trace(msg: std::fmt::Arguments) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("codes: {msg}");
    }
}

/// Where the codes are kept, when the transactions are a CSV that gets a
/// binary copy.
fn kept_path(archive: &Archive, customers: &Path, tx: &Path) -> Option<PathBuf> {
    crate::analytics::cache::kept_of_both(archive, customers, tx, "codes", VERSION)
}

/// Archive numbers → rows of the customers file, for ten million look-ups
/// on the reading's threads. A hash table of a million texts costs two
/// reads of far memory per look-up (the slot, then the text to compare);
/// that was a third of the time of the CSV path. So:
/// - numbers of one pattern (`values::ids::NumberPattern`: every archive
///   number dangan gives, `C000123`), are held in an array indexed by their
///   number, four bytes a customer, which the caches keep;
/// - other numbers of up to 15 bytes as one 16-byte integer (the bytes and
///   the length), compared in the table's slot;
/// - longer ones as text.
#[derive(Default)]
pub struct IdRows {
    /// the pattern of the first number given, and the rows of the numbers
    /// of that pattern by their number (`u32::MAX`: none)
    pattern: Option<crate::values::ids::NumberPattern>,
    dense: Vec<u32>,
    /// the largest digits `dense` grows to
    dense_max: usize,
    short: rustc_hash::FxHashMap<u128, u32>,
    long: rustc_hash::FxHashMap<String, u32>,
}

impl IdRows {
    pub fn with_capacity(n: usize) -> Self {
        IdRows {
            dense_max: 4 * n + (1 << 16),
            ..Default::default()
        }
    }

    /// The number of `id` when it has the pattern and the array reaches it.
    fn digits(&self, id: &str) -> Option<usize> {
        let n = self.pattern.as_ref()?.number(id)?;
        usize::try_from(n).ok().filter(|&n| n <= self.dense_max)
    }

    fn pack(id: &str) -> Option<u128> {
        let b = id.as_bytes();
        if b.len() > 15 {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[..b.len()].copy_from_slice(b);
        bytes[15] = b.len() as u8;
        Some(u128::from_le_bytes(bytes))
    }

    /// Give `id` the row `row` unless it has one; was it new?
    pub fn insert_first(&mut self, id: &str, row: u32) -> bool {
        use std::collections::hash_map::Entry;
        if self.pattern.is_none() {
            self.pattern = crate::values::ids::NumberPattern::of(id);
        }
        if let Some(n) = self.digits(id) {
            if self.dense.len() <= n {
                self.dense.resize(n + 1, u32::MAX);
            }
            if self.dense[n] != u32::MAX {
                return false;
            }
            self.dense[n] = row;
            return true;
        }
        let vacant = |e: Entry<'_, _, u32>| match e {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(row);
                true
            }
        };
        match IdRows::pack(id) {
            Some(k) => vacant(self.short.entry(k)),
            None => match self.long.entry(id.to_string()) {
                Entry::Occupied(_) => false,
                Entry::Vacant(v) => {
                    v.insert(row);
                    true
                }
            },
        }
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        if let Some(n) = self.digits(id) {
            return self.dense.get(n).copied().filter(|&r| r != u32::MAX);
        }
        match IdRows::pack(id) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(id).copied(),
        }
    }
}

/// The codes of the transactions file `tx`, its rows read by
/// `read::frame::fold_rows` (the one reading of every cell, its checks and
/// first error, as the frame the codes are otherwise made from) on the
/// reading's threads, without text columns on the way.
fn read_file(tx: &Path, ids: &[Option<&str>]) -> Result<TxCodes> {
    use crate::read::frame::Value;
    let mut first = IdRows::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            first.insert_first(id, i as u32);
        }
    }
    let first = std::sync::Arc::new(first);
    let (ret, disc) = (TxKind::Return.name(), TxKind::Discount.name());
    let name = tx.display().to_string();
    let mut codes = TxCodes::default();
    crate::read::frame::fold_rows(
        tx,
        TableKind::Transactions,
        COLUMNS,
        || (TxCodes::default(), None::<String>),
        move |(c, err): &mut (TxCodes, Option<String>), v| {
            let text = |i: usize| match &v[i] {
                Value::Text(t) => t.as_ref(),
                Value::Int(_) => "",
            };
            let fen = |i: usize| match &v[i] {
                Value::Int(n) => n.unwrap_or(0),
                Value::Text(_) => 0,
            };
            let mut day_of = |i: usize, column: &str| {
                let s = text(i);
                if s.is_empty() {
                    return NO_DAY;
                }
                crate::values::dates::parse_iso(s).map_or_else(
                    || {
                        err.get_or_insert_with(|| {
                            format!("column {column}: {s:?} is not an ISO date")
                        });
                        NO_DAY
                    },
                    day,
                )
            };
            let (d, due) = (day_of(1, "date"), day_of(5, "due_date"));
            let id = text(0);
            c.customer.push(
                first
                    .get(id)
                    .filter(|_| !id.is_empty())
                    .unwrap_or(NO_CUSTOMER),
            );
            c.day.push(d);
            c.due.push(due);
            c.amount.push(fen(3));
            c.paid.push(fen(4));
            c.back.push(text(2) == ret || text(2) == disc);
        },
        |(part, err), done| {
            if let Some(e) = err.take() {
                return Err(anyhow!("{name}: {e}"));
            }
            if codes.customer.is_empty() {
                // the whole table's rows, estimated from the first part's
                reserve(&mut codes, part.customer.len(), done);
            }
            codes.customer.append(&mut part.customer);
            codes.day.append(&mut part.day);
            codes.due.append(&mut part.due);
            codes.amount.append(&mut part.amount);
            codes.paid.append(&mut part.paid);
            codes.back.append(&mut part.back);
            Ok(())
        },
    )?;
    Ok(codes)
}

/// Room for the rows of a table of which `rows` rows are the share `done`
/// (with a little more): each column grown once, not doubled a dozen times.
fn reserve(codes: &mut TxCodes, rows: usize, done: f64) {
    let n = (rows as f64 / done.max(1e-6) * 1.05) as usize + 1024;
    codes.customer.reserve(n);
    codes.day.reserve(n);
    codes.due.reserve(n);
    codes.amount.reserve(n);
    codes.paid.reserve(n);
    codes.back.reserve(n);
}

/// Write the codes (temp file, fsync, rename): the row count, then each
/// column's little-endian values, then the footer.
fn write(path: &Path, codes: &TxCodes, perms: Option<std::fs::Permissions>) -> Result<()> {
    crate::analytics::cache::write_checked(path, MAGIC, perms, |w| {
        use std::io::Write;
        w.write_all(&(codes.customer.len() as u64).to_le_bytes())?;
        put(w, &codes.customer, |v, b| {
            b.extend_from_slice(&v.to_le_bytes())
        })?;
        put(w, &codes.day, |v, b| b.extend_from_slice(&v.to_le_bytes()))?;
        put(w, &codes.due, |v, b| b.extend_from_slice(&v.to_le_bytes()))?;
        // the money starts at a multiple of 8, to be read in place
        let n = codes.customer.len();
        w.write_all(&vec![0u8; money_at(n) - (8 + 12 * n)])?;
        put(w, &codes.amount, |v, b| {
            b.extend_from_slice(&v.to_le_bytes())
        })?;
        put(w, &codes.paid, |v, b| b.extend_from_slice(&v.to_le_bytes()))?;
        put(w, &codes.back, |v, b| b.push(*v as u8))
    })
}

/// One column's values written in blocks of 8,192.
fn put<T>(
    w: &mut impl std::io::Write,
    values: &[T],
    bytes: impl Fn(&T, &mut Vec<u8>),
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(8192 * 8);
    for block in values.chunks(8192) {
        buf.clear();
        for v in block {
            bytes(v, &mut buf);
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// Where the money columns of `n` rows start: after the row count and the
/// three 4-byte columns, at the next multiple of 8.
fn money_at(n: usize) -> usize {
    (8 + 12 * n).next_multiple_of(8)
}

/// Kept codes, checked whole before any value is taken, then read in place
/// from the mapped file (`column::Column`).
fn read(path: &Path) -> Result<TxCodes> {
    let file = std::sync::Arc::new(crate::analytics::cache::checked(path, MAGIC)?);
    let bad = || anyhow!("{}: columns of the wrong length", path.display());
    let n = file
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .ok_or_else(bad)?;
    // (a row count read from the file: checked arithmetic, no overflow)
    let money = n
        .checked_mul(12)
        .and_then(|b| b.checked_add(8))
        .map(|b| b.next_multiple_of(8))
        .ok_or_else(bad)?;
    if n.checked_mul(17).and_then(|b| b.checked_add(money)) != Some(file.len()) {
        return Err(bad());
    }
    let u32s = |s: &[u8]| -> Vec<u32> {
        s.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let i32s = |s: &[u8]| -> Vec<i32> {
        s.chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let i64s = |s: &[u8]| -> Vec<i64> {
        s.chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    };
    let back = file.get(money + 16 * n..).ok_or_else(bad)?;
    Ok(TxCodes {
        customer: Column::of_file(&file, 8, n, u32s).ok_or_else(bad)?,
        day: Column::of_file(&file, 8 + 4 * n, n, i32s).ok_or_else(bad)?,
        due: Column::of_file(&file, 8 + 8 * n, n, i32s).ok_or_else(bad)?,
        amount: Column::of_file(&file, money, n, i64s).ok_or_else(bad)?,
        paid: Column::of_file(&file, money + 8 * n, n, i64s).ok_or_else(bad)?,
        back: back.iter().map(|&b| b != 0).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TxCodes {
        TxCodes {
            customer: vec![0, NO_CUSTOMER, 2].into(),
            day: vec![
                day(chrono::NaiveDate::from_ymd_opt(2026, 8, 15).unwrap()),
                NO_DAY,
                1,
            ]
            .into(),
            due: vec![NO_DAY, 5, i32::MAX].into(),
            amount: vec![587_147, -1, i64::MAX].into(),
            paid: vec![0, 100, i64::MIN].into(),
            back: vec![false, true, false],
        }
    }

    /// Every kind of archive number finds its own first row and no other:
    /// the pattern's (by digits), another width of the same prefix, other
    /// short ones, long ones, and numbers past the array's reach.
    #[test]
    fn id_rows_find_each_number_and_only_it() {
        let ids = [
            "C000001",
            "C000002",
            "C0001",
            "C000001",
            "D000003",
            "客户-0042",
            "A-VERY-LONG-ARCHIVE-NUMBER-1",
            "C999999",
            "C00000X",
            "42",
        ];
        let mut rows = IdRows::with_capacity(4);
        let news: Vec<bool> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| rows.insert_first(id, i as u32))
            .collect();
        assert_eq!(
            news,
            [true, true, true, false, true, true, true, true, true, true]
        );
        for (id, row) in [
            ("C000001", Some(0)),
            ("C000002", Some(1)),
            ("C0001", Some(2)),
            ("D000003", Some(4)),
            ("客户-0042", Some(5)),
            ("A-VERY-LONG-ARCHIVE-NUMBER-1", Some(6)),
            ("C999999", Some(7)),
            ("C00000X", Some(8)),
            ("42", Some(9)),
            ("C000003", None),
            ("C00001", None),
            ("c000001", None),
            ("C0000001", None),
            ("A-VERY-LONG-ARCHIVE-NUMBER-2", None),
            ("", None),
        ] {
            assert_eq!(rows.get(id), row, "{id}");
        }
    }

    #[test]
    fn kept_codes_read_back_as_written_and_a_flipped_bit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.k1.a.b.codes");
        write(&path, &sample(), None).unwrap();
        let read_back = read(&path).unwrap();
        assert_eq!(read_back, sample());
        // in place, on the little-endian machines this runs on
        assert!(read_back.customer.is_mapped() && read_back.amount.is_mapped());
        // 3 rows: 8 + 3 × 12 = 44, padded to 48, then 3 × 17, then the footer
        assert_eq!(money_at(3), 48);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 48 + 3 * 17 + 20);
        let mut bytes = std::fs::read(&path).unwrap();
        for at in [0, 9, 40, 45, 48 + 3 * 17 - 1] {
            bytes[at] ^= 0x10;
            std::fs::write(&path, &bytes).unwrap();
            assert!(read(&path).is_err(), "a flipped bit at byte {at} was read");
            bytes[at] ^= 0x10;
        }
    }

    /// A file whose footer checks but whose row count is absurd (written
    /// by something else) is refused, not a panic on the arithmetic.
    #[test]
    fn a_row_count_past_any_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.k1.a.b.codes");
        crate::analytics::cache::write_checked(&path, MAGIC, None, |w| {
            std::io::Write::write_all(w, &u64::MAX.to_le_bytes())
        })
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("columns of the wrong length"), "{err}");
    }

    #[test]
    fn a_day_number_is_the_date_and_back() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 8, 15).unwrap();
        assert_eq!(date(day(d)), Some(d));
        assert_eq!(
            day(chrono::NaiveDate::from_ymd_opt(2026, 8, 16).unwrap()) - day(d),
            1
        );
    }
}
