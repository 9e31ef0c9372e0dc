//! A table kept sorted by customer, for `dangan show`: one customer's rows
//! are one block of `.cache/<stem>.<stamp>.csv`, found by a binary search
//! of the file (a few small reads), whatever the size of the table.
//!
//! The file is made once per version of the table's file (its stamp is in
//! the name), from the one reading of the table's file (`read::frame::read`:
//! canonical text, money and quantities as integers; never from a binary
//! copy, whose text columns take longer to decode), and written like every kept
//! file (`standing::write_kept`: temp file, rename). A damaged file is
//! removed and the caller queries the table instead; so it does on a small
//! archive and with `cache: false`.
//!
//! Kept this way: the transactions (`tx_by_customer`, newest first), the
//! follow-ups (`followups_of`) and the complaints (`complaints_of`), both
//! in file order.

use crate::analytics::ledger;
use crate::analytics::standing::{trace, write_kept};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, CACHE_DIR, file_stamp};
use anyhow::{Context, Result, bail};
use polars::prelude::{SortMultipleOptions, col, lit};
use std::path::{Path, PathBuf};

/// A table kept by customer: which, under what name, which columns (the
/// first is `customer_id`) and in what order within a customer.
pub struct Kept {
    pub table: TableKind,
    pub stem: &'static str,
    pub columns: &'static [&'static str],
    /// the columns held as integers (fen, ten-thousandths)
    pub ints: &'static [&'static str],
    /// the order within a customer's block: (column, descending); none:
    /// the file's order
    pub within: &'static [(&'static str, bool)],
}

/// The follow-ups as `show` lists them.
const FOLLOWUPS: Kept = Kept {
    table: TableKind::Followups,
    stem: "followups-by-customer",
    columns: &[
        "customer_id",
        "date",
        "channel",
        "owner",
        "note",
        "next_date",
    ],
    ints: &[],
    within: &[],
};

/// The complaints as `show` lists them (`complaint_views::COLUMNS`).
const COMPLAINTS: Kept = Kept {
    table: TableKind::Complaints,
    stem: "complaints-by-customer",
    columns: &crate::analytics::complaint_views::COLUMNS,
    ints: &[],
    within: &[],
};

/// Customer `id`'s complaints in the file's order.
pub fn complaints_of(
    archive: &Archive,
    id: &str,
) -> Result<Vec<crate::analytics::complaints::Complaint>> {
    let rows = rows_of(archive, &COMPLAINTS, id, usize::MAX)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            crate::analytics::complaint_views::complaint_of(&|k| r.get(k).unwrap_or_default())
        })
        .collect())
}

/// Customer `id`'s follow-ups in the file's order: `date, channel, owner,
/// note, next_date`.
pub fn followups_of(archive: &Archive, id: &str) -> Result<Vec<[String; 5]>> {
    let rows = rows_of(archive, &FOLLOWUPS, id, usize::MAX)?;
    Ok(rows
        .into_iter()
        .map(|r| std::array::from_fn(|k| r.get(k + 1).unwrap_or_default().to_string()))
        .collect())
}

/// Make the kept follow-ups by customer when they are kept and missing
/// (`analytics::prepared`, after a write).
pub fn prepare_followups(archive: &Archive) -> Result<()> {
    keep(archive, &FOLLOWUPS)
}

/// Make the kept complaints by customer when they are kept and missing.
pub fn prepare_complaints(archive: &Archive) -> Result<()> {
    keep(archive, &COMPLAINTS)
}

/// Make `kept` when the archive keeps it and it is missing, as [`rows_of`]
/// would on its first read.
pub fn keep(archive: &Archive, kept: &Kept) -> Result<()> {
    match kept_path(archive, kept) {
        Some(path) if !path.is_file() => build(archive, kept, &path),
        _ => Ok(()),
    }
}

/// The first `n` rows of customer `id` (every column of `kept`, as text;
/// integers as their digits): from the kept file (made first when missing),
/// else from a query of the whole table.
pub fn rows_of(
    archive: &Archive,
    kept: &Kept,
    id: &str,
    n: usize,
) -> Result<Vec<csv::StringRecord>> {
    if let Some(path) = kept_path(archive, kept) {
        if !path.is_file() {
            let t = std::time::Instant::now();
            match build(archive, kept, &path) {
                Ok(()) => crate::timing(&format!("show: {} kept", kept.stem), t),
                Err(e) => trace(format_args!("no {} kept: {e:#}", kept.stem)),
            }
        }
        if path.is_file() {
            let t = std::time::Instant::now();
            match block(&path, kept.columns, id, n) {
                Ok(rows) => {
                    crate::timing(&format!("show: {} read", kept.stem), t);
                    return Ok(rows);
                }
                Err(e) => {
                    trace(format_args!("{}: {e:#}; removed", path.display()));
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    }
    query(archive, kept, id, n)
}

/// Where `kept` is kept; `None` when it is not (no such table, not a CSV,
/// a small archive, `cache: false`). A small table of a big archive (its
/// transactions from `cache_min_mb` on) is kept too: the complaints of a
/// million customers are small, and reading them whole is most of a `show`.
fn kept_path(archive: &Archive, kept: &Kept) -> Option<PathBuf> {
    let s = &archive.settings.archive;
    let (path, _) = archive.table_file(kept.table).ok()??;
    if !s.cache || path.extension().is_none_or(|e| e != "csv") {
        return None;
    }
    let m = std::fs::metadata(&path).ok()?;
    let transactions = archive
        .table_file(TableKind::Transactions)
        .ok()
        .flatten()
        .and_then(|(p, _)| std::fs::metadata(p).ok())
        .map_or(0, |t| t.len());
    if m.len().max(transactions) < s.cache_min_mb.saturating_mul(1 << 20) {
        return None;
    }
    Some(
        archive
            .dir
            .join(CACHE_DIR)
            .join(format!("{}.{}.csv", kept.stem, file_stamp(&m))),
    )
}

/// The order of a kept file: by customer, then `within` (ties in the
/// file's order).
fn sort_keys(kept: &Kept) -> (Vec<polars::prelude::Expr>, Vec<bool>) {
    let mut by = vec![col("customer_id")];
    let mut descending = vec![false];
    for (c, d) in kept.within {
        by.push(col(*c));
        descending.push(*d);
    }
    (by, descending)
}

fn build(archive: &Archive, kept: &Kept, path: &Path) -> Result<()> {
    let Some((file, _)) = archive.table_file(kept.table)? else {
        bail!("no {} file", kept.table.name());
    };
    // the columns straight from the file, even where the table has a binary
    // copy: the copy's text columns took longer to decode (6.1 s for the
    // transactions' 10M rows) than the file to read (5.1 s)
    let frame = ledger::Frame {
        lf: polars::prelude::IntoLazy::lazy(crate::read::frame::read(
            &file,
            kept.table,
            kept.columns,
        )?),
        path: file,
        dated: false,
    };
    crate::analytics::cache::remove_stale_copies(archive, &frame.path);
    let t = std::time::Instant::now();
    let df = ledger::collect(frame.lf, &[frame.path.as_path()])?;
    crate::timing(&format!("{}: read", kept.stem), t);
    let t = std::time::Instant::now();
    let order = order_of(kept, &df)?;
    crate::timing(&format!("{}: sorted", kept.stem), t);
    let perms = std::fs::metadata(&frame.path).ok().map(|m| m.permissions());
    write_kept(path, &format!("{}.", kept.stem), perms, |out| {
        use std::io::{Seek, SeekFrom, Write};
        // the header, then the file's length (filled in at the end): a
        // file cut short or grown is known by one comparison
        let header = format!("{}\n", kept.columns.join(","));
        out.write_all(header.as_bytes())?;
        out.write_all(length_line(kept.columns.len(), 0).as_bytes())?;
        write_rows(out, kept, &df, Some(&order), false)?;
        out.flush()?;
        let mut file: &std::fs::File = out.get_ref();
        let total = file.seek(SeekFrom::End(0))?;
        file.seek(SeekFrom::Start(header.len() as u64))?;
        file.write_all(length_line(kept.columns.len(), total).as_bytes())?;
        file.seek(SeekFrom::End(0))?;
        Ok(())
    })
}

/// The second line of a kept file: its length in bytes, as a row of as
/// many fields as the header. [`block`] checks it with the header and
/// starts its search after it, so it is never taken for a customer's row
/// whatever the archive numbers are.
fn length_line(fields: usize, bytes: u64) -> String {
    format!(
        "#bytes={bytes:020}{}\n",
        ",".repeat(fields.saturating_sub(1))
    )
}

/// The rows of `df` in the kept file's order ([`sort_keys`]: by customer,
/// a row without one first, as the empty text sorts; then `within`, each
/// row without a value last (an undated transaction after the dated);
/// ties in the file's order). Sorted here on two threads, not by polars: its sort
/// of ten million rows by three text columns took most of the 22 s that
/// making the transactions' file took. Each row is sorted by two integers
/// ([`SortKey`]) that decide almost every comparison without reading the
/// texts again.
fn order_of(kept: &Kept, df: &polars::prelude::DataFrame) -> Result<Vec<u32>> {
    let text = |c: &str| -> Result<Vec<Option<&str>>> { Ok(df.column(c)?.str()?.iter().collect()) };
    let customer = text("customer_id")?;
    let within: Vec<(Vec<Option<&str>>, bool)> = kept
        .within
        .iter()
        .map(|(c, d)| Ok((text(c)?, *d)))
        .collect::<Result<_>>()?;
    let first = within
        .first()
        .map(|(col, desc)| SortKey::of(col, *desc, true));
    let by_customer = SortKey::of(&customer, false, false);
    let mut keys: Vec<(u64, u64, u32)> = (0..customer.len())
        .map(|i| {
            let second = first.as_ref().map_or(0, |k| k.key(within[0].0[i]));
            (by_customer.key(customer[i]), second, i as u32)
        })
        .collect();
    // the texts' order; a null first or last, whatever the direction
    let texts = |a: Option<&str>, b: Option<&str>, desc: bool, last: bool| match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) if last => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) if last => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) if desc => b.cmp(a),
        (Some(a), Some(b)) => a.cmp(b),
    };
    let cmp = |a: &(u64, u64, u32), b: &(u64, u64, u32)| {
        let (i, j) = (a.2 as usize, b.2 as usize);
        a.0.cmp(&b.0)
            .then_with(|| {
                if by_customer.exact(a.0) {
                    std::cmp::Ordering::Equal
                } else {
                    texts(customer[i], customer[j], false, false)
                }
            })
            .then(a.1.cmp(&b.1))
            .then_with(|| {
                within
                    .iter()
                    .enumerate()
                    .fold(std::cmp::Ordering::Equal, |o, (k, (col, desc))| {
                        o.then_with(|| {
                            if k == 0 && first.as_ref().is_some_and(|f| f.exact(a.1)) {
                                std::cmp::Ordering::Equal
                            } else {
                                texts(col[i], col[j], *desc, true)
                            }
                        })
                    })
            })
            .then(a.2.cmp(&b.2))
    };
    let half = keys.len() / 2;
    let (left, right) = keys.split_at_mut(half);
    std::thread::scope(|s| {
        s.spawn(|| left.sort_unstable_by(cmp));
        right.sort_unstable_by(cmp);
    });
    // merge the two sorted halves
    let (left, right) = keys.split_at(half);
    let mut order = Vec::with_capacity(keys.len());
    let (mut a, mut b) = (0, 0);
    while a < left.len() && b < right.len() {
        if cmp(&left[a], &right[b]).is_le() {
            order.push(left[a].2);
            a += 1;
        } else {
            order.push(right[b].2);
            b += 1;
        }
    }
    order.extend(left[a..].iter().map(|k| k.2));
    order.extend(right[b..].iter().map(|k| k.2));
    Ok(order)
}

/// A text column's values as integers in the column's sort order (nulls
/// first or last): equal integers are equal texts where [`SortKey::exact`]
/// says so, else the texts decide.
/// - A column of ISO dates (every value `YYYY-MM-DD`): the date as
///   `YYYYMMDD` plus one, exact.
/// - Any other: the first 7 bytes and a last byte of the length plus one
///   (a text of up to 7 bytes: exact) or 255 (longer: the texts decide).
/// - Descending: the complement. A null: 0 first, all ones last (no text
///   makes either).
struct SortKey {
    dates: bool,
    desc: bool,
    nulls_last: bool,
}

impl SortKey {
    fn of(col: &[Option<&str>], desc: bool, nulls_last: bool) -> SortKey {
        let iso = |v: &str| {
            let b = v.as_bytes();
            b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        };
        SortKey {
            dates: col.iter().flatten().all(|v| iso(v)),
            desc,
            nulls_last,
        }
    }

    fn key(&self, v: Option<&str>) -> u64 {
        let Some(v) = v else {
            return if self.nulls_last { u64::MAX } else { 0 };
        };
        let b = v.as_bytes();
        let k = if self.dates {
            b.iter()
                .filter(|c| c.is_ascii_digit())
                .fold(0u64, |n, c| n * 10 + u64::from(c - b'0'))
                + 1
        } else {
            let mut bytes = [0u8; 8];
            let n = b.len().min(7);
            bytes[..n].copy_from_slice(&b[..n]);
            bytes[7] = if b.len() <= 7 { b.len() as u8 + 1 } else { 255 };
            u64::from_be_bytes(bytes)
        };
        if self.desc { !k } else { k }
    }

    /// Does key `k` alone say where its text sorts?
    fn exact(&self, k: u64) -> bool {
        if k == 0 || k == u64::MAX {
            // a null: the texts say whether both are
            return false;
        }
        let k = if self.desc { !k } else { k };
        self.dates || k & 0xFF != 0xFF
    }
}

/// Every row of `df` as the CSV of a kept file, in `order` (else as they
/// are; with `header`, the header first).
fn write_rows(
    out: &mut dyn std::io::Write,
    kept: &Kept,
    df: &polars::prelude::DataFrame,
    order: Option<&[u32]>,
    header: bool,
) -> Result<()> {
    enum Col<'a> {
        Text(Vec<Option<&'a str>>),
        Int(Vec<Option<i64>>),
    }
    let cols: Vec<Col> = kept
        .columns
        .iter()
        .map(|c| -> Result<Col> {
            let column = df.column(c)?;
            Ok(if kept.ints.contains(c) {
                Col::Int(
                    column
                        .cast(&polars::prelude::DataType::Int64)?
                        .i64()?
                        .iter()
                        .collect(),
                )
            } else {
                Col::Text(column.str()?.iter().collect())
            })
        })
        .collect::<Result<_>>()?;
    if header {
        let mut w = csv::Writer::from_writer(&mut *out);
        w.write_record(kept.columns)?;
        w.flush()?;
    }
    // the rows as CSV lines in the file's order (reading each column in
    // order), on two threads; then the lines written in `order`: one look
    // at a far place in memory per row, not one per field (eight fields of
    // ten million rows gathered in a sorted order took 15 s, most of it
    // waiting for memory)
    let format = |rows: std::ops::Range<usize>| -> Result<(Vec<u8>, Vec<usize>)> {
        let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 80));
        let mut ends = Vec::with_capacity(rows.len());
        let mut digits: Vec<u8> = Vec::with_capacity(24);
        for i in rows {
            for c in &cols {
                match c {
                    Col::Text(t) => w.write_field(t[i].unwrap_or_default())?,
                    Col::Int(n) => {
                        digits.clear();
                        if let Some(v) = n[i] {
                            use std::io::Write;
                            write!(digits, "{v}")?;
                        }
                        w.write_field(&digits)?;
                    }
                }
            }
            w.write_record(None::<&[u8]>)?;
            w.flush()?;
            ends.push(w.get_ref().len());
        }
        let text = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((text, ends))
    };
    let n = df.height();
    let mid = n / 2;
    let (a, b) = std::thread::scope(|s| {
        let first = s.spawn(|| format(0..mid));
        let second = format(mid..n);
        (first.join(), second)
    });
    let halves = [
        a.map_err(|_| anyhow::anyhow!("a writer thread failed"))??,
        b?,
    ];
    let line = |i: usize| -> &[u8] {
        let (h, k) = if i < mid { (0, i) } else { (1, i - mid) };
        let (text, ends) = &halves[h];
        let start = if k == 0 { 0 } else { ends[k - 1] };
        &text[start..ends[k]]
    };
    match order {
        Some(order) => {
            for &i in order {
                out.write_all(line(i as usize))?;
            }
        }
        None => {
            for (text, _) in &halves {
                out.write_all(text)?;
            }
        }
    }
    Ok(())
}

/// The first `n` rows of customer `id`'s block: found by a binary search
/// of the file (sorted by customer; a few small reads), then read forward.
pub(crate) fn block(
    path: &Path,
    columns: &[&str],
    id: &str,
    n: usize,
) -> Result<Vec<csv::StringRecord>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let header = format!("{}\n", columns.join(","));
    let length = length_line(columns.len(), len);
    let mut head = vec![0u8; (header.len() + length.len()).min(len as usize)];
    f.read_exact(&mut head)?;
    if !head.starts_with(header.as_bytes()) {
        bail!("not a file of this table by customer");
    }
    if &head[header.len()..] != length.as_bytes() {
        bail!("cut short, grown or not finished (its length is not the one written)");
    }
    let header = format!("{header}{length}");
    // the customer of the first whole row starting after byte `at`, and
    // where that row starts
    let mut probe = |at: u64| -> Result<Option<(String, u64)>> {
        let mut buf = vec![0u8; 64 * 1024];
        f.seek(SeekFrom::Start(at))?;
        let got = f.read(&mut buf)?;
        buf.truncate(got);
        let Some(nl) = memchr::memchr(b'\n', &buf) else {
            return Ok(None);
        };
        let start = at + nl as u64 + 1;
        if start >= len {
            return Ok(None);
        }
        let rest = &buf[nl + 1..];
        let end = memchr::memchr(b',', rest).context("a damaged row")?;
        let cust = std::str::from_utf8(&rest[..end]).context("a damaged row")?;
        Ok(Some((cust.trim_matches('"').to_string(), start)))
    };
    // the last row start whose customer sorts before `id`
    let (mut lo, mut hi) = (header.len() as u64 - 1, len);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match probe(mid)? {
            Some((cust, _)) if cust.as_str() < id => lo = mid,
            _ => hi = mid,
        }
    }
    // from the first row after `lo` (a customer before `id`, or the first
    // row of the file): skip rows of customers before `id`, read its
    let Some((_, start)) = probe(lo)? else {
        return Ok(Vec::new());
    };
    f.seek(SeekFrom::Start(start))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(std::io::BufReader::new(&mut f));
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.context("a damaged row")?;
        if rec.len() != columns.len() {
            bail!("a damaged row");
        }
        match rec[0].cmp(id) {
            std::cmp::Ordering::Less => continue,
            std::cmp::Ordering::Greater => break,
            std::cmp::Ordering::Equal => {}
        }
        if out.len() == n {
            break;
        }
        out.push(rec);
    }
    Ok(out)
}

/// The first `n` rows of customer `id` by a query of the whole table (from
/// the binary copy when there is one), in the kept file's order.
fn query(archive: &Archive, kept: &Kept, id: &str, n: usize) -> Result<Vec<csv::StringRecord>> {
    let Some(frame) = ledger::scan(archive, kept.table, kept.columns)? else {
        return Ok(Vec::new());
    };
    let mut lf = frame.lf.filter(col("customer_id").eq(lit(id.to_string())));
    if !kept.within.is_empty() {
        // the kept file's order within a customer: a null last
        let (by, descending) = sort_keys(kept);
        lf = lf.sort_by_exprs(
            by,
            SortMultipleOptions::default()
                .with_order_descending_multi(descending)
                .with_nulls_last(true)
                .with_maintain_order(true),
        );
    }
    if n < u32::MAX as usize {
        lf = lf.limit(n as u32);
    }
    let df = ledger::collect(lf, &[frame.path.as_path()])?;
    let mut buf = Vec::new();
    write_rows(&mut buf, kept, &df, None, true)?;
    let mut r = csv::ReaderBuilder::new().from_reader(buf.as_slice());
    r.records().map(|r| r.context("a row")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept order: by customer (none first), then `within` (dates
    /// newest first, undated last, then ids descending), ties in the
    /// file's order; with customers of up to 7 bytes and longer. Within a
    /// customer it is the order of the query a small archive runs.
    #[test]
    fn kept_order_is_the_sort_of_the_texts() {
        use polars::prelude::{IntoColumn, NamedFrom, Series};
        let customer = [
            Some("C000002"),
            Some("C000001"),
            None,
            Some("C1000000"),
            Some("C000001"),
            Some(""),
            Some("C10000000"),
            Some("C1000000"),
            Some("C000001"),
            Some("C000002"),
        ];
        let date = [
            Some("2026-01-02"),
            Some("2026-01-02"),
            Some("2026-03-01"),
            None,
            Some("2026-01-02"),
            Some("2025-12-31"),
            Some("2024-01-01"),
            Some("2026-05-05"),
            Some("2026-11-30"),
            None,
        ];
        let id = [
            Some("T1"),
            Some("T2"),
            Some("T3"),
            Some("T4"),
            Some("T10"),
            Some("T6"),
            Some("T7"),
            Some("T8"),
            Some("T9"),
            Some("T5"),
        ];
        let df = polars::prelude::DataFrame::new(
            10,
            vec![
                Series::new("customer_id".into(), customer).into_column(),
                Series::new("date".into(), date).into_column(),
                Series::new("id".into(), id).into_column(),
            ],
        )
        .unwrap();
        let kept = Kept {
            table: TableKind::Transactions,
            stem: "t",
            columns: &["customer_id", "date", "id"],
            ints: &[],
            within: &[("date", true), ("id", true)],
        };
        let order = order_of(&kept, &df).unwrap();
        let ids: Vec<&str> = order.iter().map(|&i| id[i as usize].unwrap()).collect();
        assert_eq!(
            ids,
            ["T3", "T6", "T9", "T2", "T10", "T1", "T5", "T8", "T4", "T7"]
        );
        // the query of one customer (a small archive) lists the same rows
        let (by, descending) = sort_keys(&kept);
        for c in ["C000001", "C000002", "C1000000"] {
            let one = polars::prelude::IntoLazy::lazy(df.clone())
                .filter(col("customer_id").eq(lit(c)))
                .sort_by_exprs(
                    by.clone(),
                    SortMultipleOptions::default()
                        .with_order_descending_multi(descending.clone())
                        .with_nulls_last(true)
                        .with_maintain_order(true),
                )
                .collect()
                .unwrap();
            let queried: Vec<&str> = one
                .column("id")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .flatten()
                .collect();
            let kept_rows: Vec<&str> = order
                .iter()
                .filter(|&&i| customer[i as usize] == Some(c))
                .map(|&i| id[i as usize].unwrap())
                .collect();
            assert_eq!(kept_rows, queried, "{c}");
        }
    }
}
