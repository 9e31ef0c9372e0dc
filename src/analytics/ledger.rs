//! The archive's tables as polars lazy frames, for the commands that
//! aggregate (`classify`, `analyze`, `report`), and the expressions they share
//! (netting returns, what is unpaid, a period filter).
//!
//! Every table is read by `read::frame` (the one reading of every cell), or
//! taken from its binary copy in `.cache/` (`cache`), which was made by that
//! same reading. The frame's shape is `read::frame`'s: money `Int64` fen,
//! quantities `Int64` ten-thousandths, every other column canonical text
//! (ISO dates compare correctly as text, so a period filter is a text
//! comparison), a column the file lacks all null.

use crate::archive::Archive;
use crate::archive::schema::{TableKind, TxKind};
use anyhow::{Result, anyhow};
use polars::prelude::{
    DataFrame, DataType, Expr, IntoLazy, LazyFrame, NamedFrom, Series, col, lit, when,
};
use std::path::{Path, PathBuf};

pub use crate::values::money::{QTY_SCALE, format_quantity};

/// A table's frame and the file it comes from (for messages).
pub struct Frame {
    pub lf: LazyFrame,
    pub path: PathBuf,
    /// the rows are those of the date range asked of [`scan_dated`] already
    pub dated: bool,
}

/// The named columns of a table, or `None` when the archive has no such file.
pub fn scan(archive: &Archive, kind: TableKind, columns: &[&str]) -> Result<Option<Frame>> {
    scan_dated(archive, kind, columns, None)
}

/// [`scan`]; with `dated` (`from..=to`, ISO), a frame read from the file
/// keeps only the rows dated within it (`read::frame::read_dated`: a period
/// is never built and filtered out afterwards) and says so in
/// [`Frame::dated`]. A frame from a binary copy holds every row: the caller
/// filters it.
pub fn scan_dated(
    archive: &Archive,
    kind: TableKind,
    columns: &[&str],
    dated: Option<(&str, &str)>,
) -> Result<Option<Frame>> {
    let Some((path, _)) = archive.table_file(kind)? else {
        return Ok(None);
    };
    let is_csv = path.extension().is_some_and(|e| e == "csv");
    let copy = if is_csv {
        crate::analytics::cache::table(archive, &path, kind, columns)
    } else {
        None
    };
    let (lf, dated) = match copy {
        Some(lf) => (lf, false),
        None => (
            crate::read::frame::read_dated(&path, kind, columns, dated)?.lazy(),
            dated.is_some(),
        ),
    };
    Ok(Some(Frame { lf, path, dated }))
}

/// Is the transaction a return or a discount (taken off the sales)? Any
/// other kind, or none, counts as a sale.
pub fn is_back() -> Expr {
    col("kind")
        .eq(lit(TxKind::Return.name()))
        .or(col("kind").eq(lit(TxKind::Discount.name())))
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
        .gt_eq(lit(crate::values::dates::iso(from)))
        .and(col("date").lt_eq(lit(crate::values::dates::iso(to))))
        .fill_null(lit(false))
}

/// `lf` with `tier` and `segment` columns: each customer's grade, matched
/// on the column `on`.
pub fn join_tiers(
    lf: LazyFrame,
    on: &str,
    graded: &[crate::analytics::grading::Graded],
) -> Result<LazyFrame> {
    let ids: Vec<&str> = graded.iter().map(|g| g.id.as_str()).collect();
    let tiers: Vec<&str> = graded.iter().map(|g| g.tier.name()).collect();
    let segments: Vec<&str> = graded.iter().map(|g| g.segment.name()).collect();
    let df = DataFrame::new(
        graded.len(),
        vec![
            Series::new(on.into(), ids).into(),
            Series::new("tier".into(), tiers).into(),
            Series::new("segment".into(), segments).into(),
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

/// `lf` with only the rows whose column `on` is one of `ids` (the customers
/// an `--owner`/`--where` filter keeps; an inner join on unique ids).
pub fn keep_customers(
    lf: LazyFrame,
    on: &str,
    ids: &rustc_hash::FxHashSet<String>,
) -> Result<LazyFrame> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let df = DataFrame::new(ids.len(), vec![Series::new(on.into(), ids).into()])
        .map_err(|e| anyhow!("filter: {e}"))?;
    Ok(lf.join(
        df.lazy(),
        [col(on)],
        [col(on)],
        polars::prelude::JoinArgs::new(polars::prelude::JoinType::Inner),
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

/// The named columns of a table as a [`crate::archive::Table`] of canonical
/// texts (money in yuan, an empty cell empty), read like every frame: from
/// the binary copy when there is one. For the commands that need a few
/// columns of every customer (`due`, `analyze team`) without parsing the
/// whole file. `columns` holds the file's header (every column a filter may
/// name); the rows hold `want`, in that order, and `columns` is `want`.
pub fn table_of(
    archive: &Archive,
    kind: TableKind,
    want: &[&str],
) -> Result<crate::archive::Table> {
    let Some(f) = scan(archive, kind, want)? else {
        return Ok(crate::archive::Table::empty(kind));
    };
    let df = collect(f.lf, &[f.path.as_path()])?;
    let mut cols: Vec<Vec<String>> = Vec::with_capacity(want.len());
    for w in want {
        let c = df.column(w)?;
        cols.push(if c.dtype() == &DataType::Int64 {
            let quantity = kind
                .column(w)
                .is_some_and(|c| matches!(c.kind, crate::archive::schema::ValueKind::Quantity));
            c.i64()?
                .iter()
                .map(|v| match v {
                    None => String::new(),
                    Some(v) if quantity => format_quantity(v),
                    Some(v) => crate::values::money::format_yuan(v),
                })
                .collect()
        } else {
            text_column(&df, w)?
        });
    }
    let rows = (0..df.height())
        .map(|r| {
            let v: Vec<&str> = cols.iter().map(|c| c[r].as_str()).collect();
            crate::archive::Record::new(&v)
        })
        .collect();
    Ok(crate::archive::Table {
        kind,
        columns: want.iter().map(|w| w.to_string()).collect(),
        rows,
    })
}

/// The customers' columns `want` (those the file has) and those a filter
/// names, as a table of canonical texts ([`table_of`]). The filter is checked
/// against the file's header first, so an unknown `--where` column is named
/// before anything is read.
pub fn customers(
    archive: &Archive,
    filter: &crate::flags::FilterFlags,
    want: &[&str],
) -> Result<crate::archive::Table> {
    let header = match archive.open_table(TableKind::Customers)? {
        Some(r) => r.columns,
        None => return Ok(crate::archive::Table::empty(TableKind::Customers)),
    };
    let f = filter.filter(&header)?;
    let mut cols: Vec<&str> = vec!["id"];
    for c in want.iter().copied().chain(f.columns()) {
        if header.iter().any(|h| h == c) && !cols.contains(&c) {
            cols.push(c);
        }
    }
    table_of(archive, TableKind::Customers, &cols)
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

/// Run a query (every cell was read before: an error here is not the data's).
pub fn collect(lf: LazyFrame, frames: &[&Path]) -> Result<DataFrame> {
    // the streaming engine aggregates in parallel morsels (on 2 cores about
    // twice as fast here as the in-memory one)
    lf.collect_with_engine(polars::prelude::Engine::Streaming)
        .map(|r| r.unwrap_single())
        .map_err(|e| {
            let names: Vec<String> = frames.iter().map(|p| p.display().to_string()).collect();
            anyhow!("{}: {e}", names.join(", "))
        })
}
