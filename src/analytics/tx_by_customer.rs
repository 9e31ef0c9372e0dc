//! One customer's transactions for `dangan show` (`transactions_of`): from
//! `.cache/tx-by-customer.<stamp>.csv`, every transaction as the ledger
//! reads it (canonical, money in fen), sorted by customer, newest first,
//! made once per version of the transactions file; a customer's rows are one
//! block found by a binary search of the file. Without it (a small archive,
//! `cache: false`), a query of the whole table.

use crate::analytics::ledger;
use crate::analytics::standing::{trace, write_kept};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, CACHE_DIR, file_stamp};
use anyhow::{Context, Result, bail};
use polars::prelude::{SortMultipleOptions, col, lit};
use std::path::{Path, PathBuf};

/// One transaction of a customer's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub product: String,
    pub quantity: Option<i64>,
    pub amount: i64,
    pub paid: Option<i64>,
}

const TX_COLUMNS: [&str; 8] = [
    "customer_id",
    "id",
    "date",
    "kind",
    "product",
    "quantity",
    "amount",
    "paid",
];

/// The customer's last `n` transactions up to any date, newest first (by
/// date, then number).
pub fn transactions_of(archive: &Archive, id: &str, n: usize) -> Result<Vec<Tx>> {
    if let Some(path) = by_customer_path(archive) {
        if !path.is_file() {
            let t = std::time::Instant::now();
            match build_by_customer(archive, &path) {
                Ok(()) => crate::timing("show: transactions by customer kept", t),
                Err(e) => trace(format_args!("no transactions by customer kept: {e:#}")),
            }
        }
        if path.is_file() {
            let t = std::time::Instant::now();
            match read_block(&path, id, n) {
                Ok(txs) => {
                    crate::timing("show: transactions by customer read", t);
                    return Ok(txs);
                }
                Err(e) => {
                    trace(format_args!("{}: {e:#}; removed", path.display()));
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    }
    query_transactions(archive, id, n)
}

/// Where the transactions by customer are kept; `None` when they are not.
fn by_customer_path(archive: &Archive) -> Option<PathBuf> {
    let s = &archive.settings.archive;
    let (path, _) = archive.table_file(TableKind::Transactions).ok()??;
    if !s.cache || path.extension().is_none_or(|e| e != "csv") {
        return None;
    }
    let m = std::fs::metadata(&path).ok()?;
    if m.len() < s.cache_min_mb.saturating_mul(1 << 20) {
        return None;
    }
    Some(
        archive
            .dir
            .join(CACHE_DIR)
            .join(format!("tx-by-customer.{}.csv", file_stamp(&m))),
    )
}

fn build_by_customer(archive: &Archive, path: &Path) -> Result<()> {
    let Some(frame) = ledger::scan(archive, TableKind::Transactions, &TX_COLUMNS)? else {
        bail!("no transactions file");
    };
    let lf = frame.lf.sort_by_exprs(
        [col("customer_id"), col("date"), col("id")],
        SortMultipleOptions::default().with_order_descending_multi([false, true, true]),
    );
    let df = ledger::collect(lf, &[frame.path.as_path()])?;
    let perms = std::fs::metadata(&frame.path).ok().map(|m| m.permissions());
    write_kept(path, "tx-by-customer.", perms, |out| {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(TX_COLUMNS)?;
        let text: Vec<_> = ["customer_id", "id", "date", "kind", "product"]
            .iter()
            .map(|c| df.column(c).and_then(|c| c.str().cloned()))
            .collect::<Result<_, _>>()?;
        let ints: Vec<_> = ["quantity", "amount", "paid"]
            .iter()
            .map(|c| {
                df.column(c)
                    .and_then(|c| c.cast(&polars::prelude::DataType::Int64))
                    .and_then(|c| c.i64().cloned())
            })
            .collect::<Result<_, _>>()?;
        let mut rec: Vec<String> = Vec::with_capacity(8);
        for i in 0..df.height() {
            rec.clear();
            for t in &text {
                rec.push(t.get(i).unwrap_or_default().to_string());
            }
            for n in &ints {
                rec.push(n.get(i).map(|v| v.to_string()).unwrap_or_default());
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
        Ok(())
    })
}

/// The first `n` rows of customer `id`'s block: found by a binary search
/// of the file (sorted by customer; a few small reads), then read forward.
fn read_block(path: &Path, id: &str, n: usize) -> Result<Vec<Tx>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let header = format!("{}\n", TX_COLUMNS.join(","));
    let mut head = vec![0u8; header.len().min(len as usize)];
    f.read_exact(&mut head)?;
    if head != header.as_bytes() {
        bail!("not a transactions-by-customer file");
    }
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
        if rec.len() != TX_COLUMNS.len() {
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
        let int = |i: usize| -> Result<Option<i64>> {
            if rec[i].is_empty() {
                Ok(None)
            } else {
                rec[i].parse().map(Some).context("a damaged number")
            }
        };
        out.push(Tx {
            id: rec[1].to_string(),
            date: rec[2].to_string(),
            kind: rec[3].to_string(),
            product: rec[4].to_string(),
            quantity: int(5)?,
            amount: int(6)?.unwrap_or(0),
            paid: int(7)?,
        });
    }
    Ok(out)
}

/// The customer's last `n` transactions by a query of the whole table (from
/// the binary copy when there is one).
fn query_transactions(archive: &Archive, id: &str, n: usize) -> Result<Vec<Tx>> {
    let cols = [
        "id",
        "customer_id",
        "date",
        "kind",
        "product",
        "quantity",
        "amount",
        "paid",
    ];
    let Some(frame) = ledger::scan(archive, TableKind::Transactions, &cols)? else {
        return Ok(Vec::new());
    };
    let lf = frame
        .lf
        .filter(col("customer_id").eq(lit(id.to_string())))
        .sort_by_exprs(
            [col("date"), col("id")],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .limit(n as u32);
    let df = ledger::collect(lf, &[frame.path.as_path()])?;
    let text = |c: &str| ledger::text_column(&df, c);
    let opt_int = |c: &str| -> Result<Vec<Option<i64>>> {
        Ok(df
            .column(c)?
            .cast(&polars::prelude::DataType::Int64)?
            .i64()?
            .iter()
            .collect())
    };
    let (ids, dates, kinds, products) =
        (text("id")?, text("date")?, text("kind")?, text("product")?);
    let (qty, amount, paid) = (opt_int("quantity")?, opt_int("amount")?, opt_int("paid")?);
    Ok((0..df.height())
        .map(|i| Tx {
            id: ids[i].clone(),
            date: dates[i].clone(),
            kind: kinds[i].clone(),
            product: products[i].clone(),
            quantity: qty[i],
            amount: amount[i].unwrap_or(0),
            paid: paid[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept file of 3,000 customers with 0 to 3 transactions each: every
    /// customer's block found by the binary search, exactly.
    #[test]
    fn every_block_of_a_sorted_file_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx-by-customer.x.csv");
        let mut text = format!("{}\n", TX_COLUMNS.join(","));
        let mut expected: Vec<(String, Vec<String>)> = Vec::new();
        for c in 0..3000 {
            let cust = format!("C{c:06}");
            let rows: Vec<String> = (0..c % 4).map(|k| format!("T{c}-{k}")).collect();
            for (k, t) in rows.iter().enumerate() {
                text.push_str(&format!(
                    "{cust},{t},2024-0{}-01,sale,\"螺丝, 大号\",,{}00,\n",
                    9 - k,
                    c + k
                ));
            }
            expected.push((cust, rows));
        }
        std::fs::write(&path, text).unwrap();
        for (cust, rows) in &expected {
            let got = read_block(&path, cust, 10).unwrap();
            let ids: Vec<&str> = got.iter().map(|t| t.id.as_str()).collect();
            assert_eq!(
                ids,
                rows.iter().map(String::as_str).collect::<Vec<_>>(),
                "{cust}"
            );
            if let Some(t) = got.first() {
                assert_eq!(t.product, "螺丝, 大号");
                assert_eq!(t.quantity, None);
            }
        }
        // the limit, and customers before the first and after the last
        assert_eq!(read_block(&path, "C000003", 2).unwrap().len(), 2);
        assert!(read_block(&path, "A", 10).unwrap().is_empty());
        assert!(read_block(&path, "Z", 10).unwrap().is_empty());
        // not such a file: an error (the caller removes it and queries)
        std::fs::write(&path, "id,name\nC1,x\n").unwrap();
        assert!(read_block(&path, "C1", 10).is_err());
    }
}
