//! A table kept sorted by customer, for `dangan show`: one customer's rows
//! are one block of `.cache/<stem>.<stamp>.csv`, found by a binary search
//! of the file (a few small reads), whatever the size of the table.
//!
//! The file is made once per version of the table's file (its stamp is in
//! the name), from the one reading of the table (`ledger::scan`: canonical
//! text, money and quantities as integers), and written like every kept
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
    let Some(frame) = ledger::scan(archive, kept.table, kept.columns)? else {
        bail!("no {} file", kept.table.name());
    };
    let (by, descending) = sort_keys(kept);
    let lf = frame.lf.sort_by_exprs(
        by,
        SortMultipleOptions::default()
            .with_order_descending_multi(descending)
            .with_maintain_order(true),
    );
    let df = ledger::collect(lf, &[frame.path.as_path()])?;
    let perms = std::fs::metadata(&frame.path).ok().map(|m| m.permissions());
    write_kept(path, &format!("{}.", kept.stem), perms, |out| {
        use std::io::{Seek, SeekFrom, Write};
        // the header, then the file's length (filled in at the end): a
        // file cut short or grown is known by one comparison
        let header = format!("{}\n", kept.columns.join(","));
        out.write_all(header.as_bytes())?;
        out.write_all(length_line(kept.columns.len(), 0).as_bytes())?;
        write_rows(out, kept, &df, false)?;
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

/// Every row of `df` as the CSV of a kept file (with `header`, the header
/// first).
fn write_rows(
    out: &mut dyn std::io::Write,
    kept: &Kept,
    df: &polars::prelude::DataFrame,
    header: bool,
) -> Result<()> {
    enum Col {
        Text(polars::prelude::StringChunked),
        Int(polars::prelude::Int64Chunked),
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
                        .clone(),
                )
            } else {
                Col::Text(column.str()?.clone())
            })
        })
        .collect::<Result<_>>()?;
    let mut w = csv::Writer::from_writer(out);
    if header {
        w.write_record(kept.columns)?;
    }
    let mut rec: Vec<String> = Vec::with_capacity(cols.len());
    for i in 0..df.height() {
        rec.clear();
        for c in &cols {
            rec.push(match c {
                Col::Text(t) => t.get(i).unwrap_or_default().to_string(),
                Col::Int(n) => n.get(i).map(|v| v.to_string()).unwrap_or_default(),
            });
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
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
        let (by, descending) = sort_keys(kept);
        lf = lf.sort_by_exprs(
            by,
            SortMultipleOptions::default()
                .with_order_descending_multi(descending)
                .with_maintain_order(true),
        );
    }
    if n < u32::MAX as usize {
        lf = lf.limit(n as u32);
    }
    let df = ledger::collect(lf, &[frame.path.as_path()])?;
    let mut buf = Vec::new();
    write_rows(&mut buf, kept, &df, true)?;
    let mut r = csv::ReaderBuilder::new().from_reader(buf.as_slice());
    r.records().map(|r| r.context("a row")).collect()
}
