//! The archive's tables as polars lazy frames, for the commands that
//! aggregate (`classify`, `analyze`).
//!
//! A CSV table is scanned by polars itself (its parallel reader, only the
//! columns asked for); a YAML table is read by the archive reader and handed
//! over as a frame. Either way the frame has the same shape:
//! - money columns (`amount`, `paid`, `unit_price`, `credit_limit`) are `Int64`
//!   fen: the CSV reader parses them as `Decimal(18, 2)`, an exact integer of
//!   hundredths, whose physical value is taken as is — no float on the way;
//! - `quantity` is `Int64` ten-thousandths (`QTY_SCALE`), exact too;
//! - every other column is a string (dates stay ISO text: they compare
//!   correctly as text, and a period filter is a text comparison);
//! - a column the file lacks is there, all null.

use crate::archive::Archive;
use crate::schema::TableKind;
use anyhow::{Context, Result, anyhow};
use polars::prelude::{
    DataFrame, DataType, Expr, IntoLazy, LazyCsvReader, LazyFileListReader, LazyFrame, NULL,
    NamedFrom, PlRefPath, Schema, Series, col, lit, when,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::money::{QTY_SCALE, format_quantity};

const MONEY: [&str; 4] = ["amount", "paid", "unit_price", "credit_limit"];

/// A table's frame and the file it comes from (for messages).
pub struct Frame {
    pub lf: LazyFrame,
    pub path: PathBuf,
}

/// The named columns of a table, or `None` when the archive has no such file.
pub fn scan(archive: &Archive, kind: TableKind, columns: &[&str]) -> Result<Option<Frame>> {
    let Some((path, _)) = archive.table_file(kind)? else {
        return Ok(None);
    };
    let empty = std::fs::metadata(&path)
        .map(|m| m.len() == 0)
        .unwrap_or(true);
    let is_csv = path.extension().is_some_and(|e| e == "csv");
    let lf = if is_csv && !empty {
        let headers = csv_headers(&path)?;
        let present: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| headers.iter().any(|h| h == c))
            .collect();
        match crate::cache::table(archive, &path, &headers, &present) {
            Some(copy) => copy.select(select_shaped(&headers, columns, false)),
            None => scan_csv(&path, &headers, columns)?,
        }
    } else {
        from_table(archive, kind, columns, &path)?
    };
    Ok(Some(Frame { lf, path }))
}

fn dtype_of(name: &str) -> DataType {
    if MONEY.contains(&name) {
        DataType::Decimal(18, 2)
    } else if name == "quantity" {
        DataType::Decimal(18, 4)
    } else {
        DataType::String
    }
}

/// The expression turning a column into its frame shape: from the CSV reader
/// (`raw`: decimals to integers) or from a binary copy (already shaped).
fn shaped(name: &str, present: bool, raw: bool) -> Expr {
    let is_number = MONEY.contains(&name) || name == "quantity";
    match (present, is_number) {
        (true, true) if raw => col(name).to_physical().cast(DataType::Int64),
        (true, _) => col(name),
        (false, true) => lit(NULL).cast(DataType::Int64).alias(name),
        (false, false) => lit(NULL).cast(DataType::String).alias(name),
    }
}

/// The columns asked for, in their frame shape (all null when the table lacks one).
fn select_shaped(headers: &[String], columns: &[&str], raw: bool) -> Vec<Expr> {
    columns
        .iter()
        .map(|c| shaped(c, headers.iter().any(|h| h == c), raw))
        .collect()
}

/// The columns of a CSV with the given header row (`csv_headers`).
pub(crate) fn scan_csv(path: &Path, headers: &[String], columns: &[&str]) -> Result<LazyFrame> {
    let mut overwrite = Schema::default();
    for h in headers {
        overwrite.insert(h.as_str().into(), dtype_of(h));
    }
    let name = path.to_string_lossy().to_string();
    let lf = LazyCsvReader::new(PlRefPath::new(name.as_str()))
        .with_glob(false)
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_dtype_overwrite(Some(Arc::new(overwrite)))
        .with_missing_is_null(true)
        .finish()
        .with_context(|| format!("{name}: cannot scan"))?;
    Ok(lf.select(select_shaped(headers, columns, true)))
}

/// The header row of an archive CSV (a BOM taken off).
fn csv_headers(path: &Path) -> Result<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let h = r
        .headers()
        .with_context(|| format!("{}:1: cannot read the header row", path.display()))?;
    Ok(h.iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                s.trim_start_matches('\u{feff}').to_string()
            } else {
                s.to_string()
            }
        })
        .collect())
}

/// A table read by the archive reader (YAML, or an empty file) as a frame.
fn from_table(
    archive: &Archive,
    kind: TableKind,
    columns: &[&str],
    path: &Path,
) -> Result<LazyFrame> {
    let table = archive.read_table(kind)?;
    let name = path.display();
    let mut series = Vec::with_capacity(columns.len());
    for &c in columns {
        let idx = table.col(c);
        let is_number = MONEY.contains(&c) || c == "quantity";
        let s = if is_number {
            let mut vals: Vec<Option<i64>> = Vec::with_capacity(table.rows.len());
            for (n, r) in table.rows.iter().enumerate() {
                let v = idx.map(|i| r.get(i)).unwrap_or("");
                vals.push(if v.is_empty() {
                    None
                } else if c == "quantity" {
                    Some(parse_quantity(v).ok_or_else(|| {
                        anyhow!("{name}: record {}: column {c}: not a number: {v:?}", n + 1)
                    })?)
                } else {
                    crate::money::cell_fen(v)
                        .map_err(|e| anyhow!("{name}: record {}: column {c}: {e}", n + 1))?
                });
            }
            Series::new(c.into(), vals)
        } else {
            let vals: Vec<Option<&str>> = table
                .rows
                .iter()
                .map(|r| idx.map(|i| r.get(i)).filter(|v| !v.is_empty()))
                .collect();
            Series::new(c.into(), vals)
        };
        series.push(s.into());
    }
    let df = DataFrame::new(table.rows.len(), series).map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(df.lazy())
}

/// Is the transaction a return or a discount (taken off the sales)? Any
/// other kind, or none, counts as a sale.
pub fn is_back() -> Expr {
    col("kind")
        .eq(lit("return"))
        .or(col("kind").eq(lit("discount")))
        .fill_null(lit(false))
}

/// A transaction's amount as it counts in net sales: returns and discounts
/// (stored as the positive amount taken back) are taken off.
pub fn signed_amount() -> Expr {
    let amount = || col("amount").fill_null(lit(0i64));
    when(is_back().and(amount().gt(lit(0i64))))
        .then(lit(0i64) - amount())
        .otherwise(amount())
}

/// `amount − paid` of a transaction.
pub fn unpaid() -> Expr {
    col("amount").fill_null(lit(0i64)) - col("paid").fill_null(lit(0i64))
}

/// What a transaction adds to the customer's outstanding balance: the unpaid
/// part of a sale, less the part of a return or discount not refunded.
pub fn signed_unpaid() -> Expr {
    when(is_back())
        .then(lit(0i64) - unpaid())
        .otherwise(unpaid())
}

/// `date` within `from..=to` (ISO dates compare as text).
pub fn dated_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Expr {
    col("date")
        .gt_eq(lit(crate::dates::iso(from)))
        .and(col("date").lt_eq(lit(crate::dates::iso(to))))
        .fill_null(lit(false))
}

/// `lf` with a `tier` column: each customer's tier from `tiers` (customer id
/// → tier), matched on the column `on`.
pub fn join_tiers(lf: LazyFrame, on: &str, tiers: &[(String, &'static str)]) -> Result<LazyFrame> {
    let ids: Vec<&str> = tiers.iter().map(|(id, _)| id.as_str()).collect();
    let names: Vec<&str> = tiers.iter().map(|(_, n)| *n).collect();
    let df = DataFrame::new(
        tiers.len(),
        vec![
            Series::new(on.into(), ids).into(),
            Series::new("tier".into(), names).into(),
        ],
    )
    .map_err(|e| anyhow!("tiers: {e}"))?;
    Ok(lf.join(
        df.lazy(),
        [col(on)],
        [col(on)],
        polars::prelude::JoinArgs::new(polars::prelude::JoinType::Left),
    ))
}

/// A collected column as integers (nulls as 0).
pub fn int_column(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// A collected column as texts (nulls as empty).
pub fn text_column(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

/// A quantity as ten-thousandths of a unit (`2.5` → 25000).
pub fn parse_quantity(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 4 {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..4 {
        f *= 10;
    }
    let v = i.checked_mul(QTY_SCALE)?.checked_add(f)?;
    Some(if neg { -v } else { v })
}

/// Run a query. When the CSV reader refuses a value, the file is read again
/// by the archive reader to name the line and the column.
pub fn collect(lf: LazyFrame, frames: &[&Path]) -> Result<DataFrame> {
    // the streaming engine reads the CSV in parallel morsels and aggregates
    // as it goes (on 2 cores about twice as fast here as the in-memory one)
    match lf
        .collect_with_engine(polars::prelude::Engine::Streaming)
        .map(|r| r.unwrap_single())
    {
        Ok(df) => Ok(df),
        Err(e) => {
            for p in frames {
                if let Some(msg) = find_bad_number(p) {
                    return Err(anyhow!(msg));
                }
            }
            let names: Vec<String> = frames.iter().map(|p| p.display().to_string()).collect();
            Err(anyhow!("{}: {e}", names.join(", ")))
        }
    }
}

/// The first money or quantity cell of a CSV that is not a number, as
/// `FILE:LINE: column C: ...`.
fn find_bad_number(path: &Path) -> Option<String> {
    let mut r = csv::ReaderBuilder::new().from_path(path).ok()?;
    let headers = csv_headers(path).ok()?;
    let numeric: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| MONEY.contains(&h.as_str()) || h.as_str() == "quantity")
        .map(|(i, h)| (i, h.as_str()))
        .collect();
    for rec in r.records() {
        let rec = rec.ok()?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        for &(i, h) in &numeric {
            let v = rec.get(i).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            let ok = if h == "quantity" {
                parse_quantity(v).is_some()
            } else {
                crate::money::cell_fen(v).is_ok() && v.parse::<f64>().is_ok()
            };
            if !ok {
                return Some(format!(
                    "{}:{line}: column {h}: not a number: {v:?} (run `dangan validate`)",
                    path.display()
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_exact() {
        assert_eq!(parse_quantity("2.5"), Some(25_000));
        assert_eq!(parse_quantity("-3"), Some(-30_000));
        assert_eq!(parse_quantity("0.0001"), Some(1));
        assert_eq!(parse_quantity("1.23456"), None);
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity("."), None);
        assert_eq!(format_quantity(25_000), "2.5");
        assert_eq!(format_quantity(-30_000), "-3");
        assert_eq!(format_quantity(10_001), "1.0001");
    }
}
