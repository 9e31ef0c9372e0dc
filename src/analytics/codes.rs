//! The transactions as codes, for grading: per row the customer's row in the
//! customers file, the date and due date as day numbers, amount and paid in
//! fen, and whether it is taken back. That is 29 bytes a row, which one core
//! sums in a few tens of milliseconds for 10 million rows, against seconds
//! for the text columns of the frame (issue 21).
//!
//! - The codes are made from the table's frame (`ledger::scan`: the one
//!   reading of every cell, or its binary copy), so they hold exactly what
//!   the frame holds.
//! - When the transactions are a CSV big enough for a binary copy
//!   (`archive.cache`, `archive.cache_min_mb`), the codes are kept in
//!   `.cache/codes.<version>.<customers' stamp>.<transactions' stamp>.codes`
//!   with the copies' footer (CRC32, length, magic `DGNCODE1`). A change to
//!   either file changes the name, so stale codes are never read; damaged
//!   codes are removed and made again. Nothing fails because of them: when
//!   they cannot be written, the command goes on with the ones it made.

use crate::analytics::ledger;
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
const VERSION: &str = "k1";
const MAGIC: &[u8; 8] = b"DGNCODE1";

/// The transactions as codes, one entry per row of the table.
#[derive(Debug, Default, PartialEq)]
pub struct TxCodes {
    /// the first row of the customers file with the transaction's
    /// `customer_id`, or [`NO_CUSTOMER`]
    pub customer: Vec<u32>,
    /// `date` as days from the common era, or [`NO_DAY`]
    pub day: Vec<i32>,
    /// `due_date` likewise
    pub due: Vec<i32>,
    /// fen, an empty cell as 0
    pub amount: Vec<i64>,
    pub paid: Vec<i64>,
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
    let Some(frame) = ledger::scan(archive, TableKind::Transactions, &COLUMNS)? else {
        return Ok(None);
    };
    let df = ledger::collect(frame.lf, &[frame.path.as_path()])?;
    let codes = from_frame(&df, ids).map_err(|e| anyhow!("{}: {e}", frame.path.display()))?;
    crate::timing("codes: made from the frame", started);
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

/// The codes of a collected frame of [`COLUMNS`].
fn from_frame(df: &polars::prelude::DataFrame, ids: &[Option<&str>]) -> Result<TxCodes> {
    let mut first: rustc_hash::FxHashMap<&str, u32> = Default::default();
    first.reserve(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            first.entry(id).or_insert(i as u32);
        }
    }
    let days = |name: &str| -> Result<Vec<i32>> {
        df.column(name)?
            .str()?
            .iter()
            .map(|v| match v {
                None => Ok(NO_DAY),
                Some(s) => crate::values::dates::parse_iso(s)
                    .map(day)
                    .ok_or_else(|| anyhow!("column {name}: {s:?} is not an ISO date")),
            })
            .collect()
    };
    let fen = |name: &str| -> Result<Vec<i64>> {
        Ok(df
            .column(name)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (ret, disc) = (TxKind::Return.name(), TxKind::Discount.name());
    Ok(TxCodes {
        customer: df
            .column("customer_id")?
            .str()?
            .iter()
            .map(|v| {
                v.and_then(|id| first.get(id).copied())
                    .unwrap_or(NO_CUSTOMER)
            })
            .collect(),
        day: days("date")?,
        due: days("due_date")?,
        amount: fen("amount")?,
        paid: fen("paid")?,
        back: df
            .column("kind")?
            .str()?
            .iter()
            .map(|k| k == Some(ret) || k == Some(disc))
            .collect(),
    })
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

/// Kept codes, read whole and checked before any value is taken.
fn read(path: &Path) -> Result<TxCodes> {
    let bytes = crate::analytics::cache::checked(path, MAGIC)?;
    let bad = || anyhow!("{}: columns of the wrong length", path.display());
    let n = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .ok_or_else(bad)?;
    // (a row count read from the file: checked arithmetic, no overflow)
    if n.checked_mul(29).and_then(|b| b.checked_add(8)) != Some(bytes.len()) {
        return Err(bad());
    }
    let mut at = 8;
    let mut take = |width: usize| {
        let s = &bytes[at..at + n * width];
        at += n * width;
        s
    };
    let u32s = |s: &[u8]| {
        s.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<_>>()
    };
    let i32s = |s: &[u8]| {
        s.chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<_>>()
    };
    let i64s = |s: &[u8]| {
        s.chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect::<Vec<_>>()
    };
    let customer = u32s(take(4));
    let day = i32s(take(4));
    let due = i32s(take(4));
    let amount = i64s(take(8));
    let paid = i64s(take(8));
    let back = take(1).iter().map(|&b| b != 0).collect();
    Ok(TxCodes {
        customer,
        day,
        due,
        amount,
        paid,
        back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TxCodes {
        TxCodes {
            customer: vec![0, NO_CUSTOMER, 2],
            day: vec![
                day(chrono::NaiveDate::from_ymd_opt(2026, 8, 15).unwrap()),
                NO_DAY,
                1,
            ],
            due: vec![NO_DAY, 5, i32::MAX],
            amount: vec![587_147, -1, i64::MAX],
            paid: vec![0, 100, i64::MIN],
            back: vec![false, true, false],
        }
    }

    #[test]
    fn kept_codes_read_back_as_written_and_a_flipped_bit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.k1.a.b.codes");
        write(&path, &sample(), None).unwrap();
        assert_eq!(read(&path).unwrap(), sample());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 8 + 3 * 29 + 20);
        let mut bytes = std::fs::read(&path).unwrap();
        for at in [0, 9, 40, 8 + 3 * 29 - 1] {
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
