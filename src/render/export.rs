//! The archive as typed Parquet for engines past one machine (`dangan
//! export DIR --format parquet`), and the `views.sql` that defines net
//! sales, tiers and composition over it for DuckDB and Spark SQL.
//!
//! Every table the archive has is read through the one reading
//! ([`crate::read::frame`]) and written with its columns typed:
//! - money (`amount`, `paid`, `unit_price`, `credit_limit`) as
//!   `DECIMAL(18,2)` yuan, exactly the stored fen;
//! - quantities as `DECIMAL(18,4)`;
//! - dates as `DATE`, moments (a complaint's time) as a `TIMESTAMP` without
//!   a time zone, scores as `INT32`;
//! - everything else as text in its canonical form; empty cells are null.
//!
//! Every canonical column is there, all null when the file lacks it, so the
//! views always find theirs; extra columns follow as text. Confidential
//! columns are masked unless `no_mask`. Each table is written to a temp
//! file in DIR as soon as it is read (one table in memory at a time); all
//! are renamed over their targets (after an fsync) once every one is
//! written. The archive itself is only read.

use crate::analytics::period::Period;
use crate::analytics::tiers::{Method, Rules};
use crate::archive::Archive;
use crate::archive::commit::Staged;
use crate::archive::schema::{TableKind, ValueKind};
use crate::read::source::{ReadOptions, Source};
use crate::values::dates::{parse_iso, parse_moment};
use crate::values::text::{is_confidential, mask};
use anyhow::{Context, Result, anyhow};
use polars::prelude::{
    Column, DataFrame, DataType, Int32Chunked, Int64Chunked, IntoColumn, IntoSeries,
    NewChunkedArray, StringChunked, TimeUnit,
};
use polars_io::parquet::write::{ParquetCompression, ParquetWriter};
use std::path::Path;

/// The template of `views.sql`; `{name}` marks what [`views_sql`] fills in.
const VIEWS: &str = include_str!("views.sql");

/// One file written by [`export`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub table: &'static str,
    pub file: String,
    pub rows: usize,
}

/// Write every table of `archive` as `DIR/<table>.parquet` and the views for
/// `period` and `rules` as `DIR/views.sql`.
pub fn export(
    archive: &Archive,
    dir: &Path,
    no_mask: bool,
    as_of: chrono::NaiveDate,
    period: &Period,
    rules: &Rules,
) -> Result<Vec<Written>> {
    std::fs::create_dir_all(dir)
        .with_context(|| crate::tr!("cannot_write", file = dir.display()))?;
    // each table read (every cell checked) and written to a temp file in
    // DIR, one at a time (one table in memory); the files replace their
    // targets only once all are written: an unreadable cell leaves DIR as
    // it was (the temp files go with the error)
    let mut staged = Vec::new();
    let mut written = Vec::new();
    for kind in TableKind::ALL {
        let path = archive.table_file(kind)?.map(|(p, _)| p);
        // the views need the customers and the transactions, if only empty
        let needed = matches!(kind, TableKind::Customers | TableKind::Transactions);
        if path.is_none() && !needed {
            continue;
        }
        let mut df = typed_frame(path.as_deref(), kind, no_mask)?;
        let name = format!("{}.parquet", kind.name());
        let mut s = Staged::new(&dir.join(&name))?;
        ParquetWriter::new(s.file())
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut df)
            .map_err(|e| anyhow!("{name}: {e}"))?;
        staged.push(s);
        written.push(Written {
            table: kind.name(),
            file: name,
            rows: df.height(),
        });
    }
    let mut s = Staged::new(&dir.join("views.sql"))?;
    std::io::Write::write_all(s.file(), views_sql(as_of, period, rules).as_bytes())
        .with_context(|| crate::tr!("cannot_write", file = dir.join("views.sql").display()))?;
    staged.push(s);
    for s in staged {
        s.persist()?;
    }
    Ok(written)
}

/// `views.sql` for this period and these cut-offs.
pub fn views_sql(as_of: chrono::NaiveDate, period: &Period, rules: &Rules) -> String {
    use crate::values::dates::iso;
    use crate::values::money::format_yuan;
    let method = match rules.method {
        Method::Pareto => "pareto",
        Method::Threshold => "threshold",
    };
    let months: Vec<String> = period
        .months()
        .iter()
        .map(|m| format!("SELECT '{m}' AS month"))
        .collect();
    let fills: [(&str, String); 11] = [
        ("as_of", iso(as_of)),
        ("from", iso(period.from)),
        ("to", iso(period.to)),
        ("prev_from", iso(period.prev_from)),
        ("prev_to", iso(period.prev_to)),
        ("method", method.to_string()),
        ("a_bp", rules.a_bp.to_string()),
        ("b_bp", rules.b_bp.to_string()),
        ("a_min", format_yuan(rules.a_min)),
        ("b_min", format_yuan(rules.b_min)),
        ("months", months.join(" UNION ALL\n")),
    ];
    let mut sql = VIEWS.to_string();
    for (name, value) in fills {
        sql = sql.replace(&format!("{{{name}}}"), &value);
    }
    sql
}

/// The table in `path` with every column in its Parquet type;
/// `None` for `path`: the table of no rows (an archive without
/// transactions still exports a `transactions.parquet` for the views).
pub fn typed_frame(path: Option<&Path>, kind: TableKind, no_mask: bool) -> Result<DataFrame> {
    let shown = path.map(|p| p.display().to_string()).unwrap_or_default();
    let headers = match path {
        Some(p) if std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) > 0 => {
            Source::open(&shown, &ReadOptions::default())?.headers
        }
        _ => Vec::new(),
    };
    let mut names: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
    for h in &headers {
        if !h.is_empty() && !names.contains(&h.as_str()) {
            names.push(h);
        }
    }
    let df = match path {
        Some(p) => crate::read::frame::read(p, kind, &names)?,
        None => crate::read::frame::empty(kind, &names)?,
    };
    let mut columns: Vec<Column> = Vec::with_capacity(names.len());
    for name in &names {
        let c = df
            .column(name)
            .map_err(|e| anyhow!("{shown}: {name}: {e}"))?;
        let value_kind = kind.column(name).map(|c| c.kind);
        columns.push(typed_column(name, c, value_kind, no_mask)?);
    }
    DataFrame::new_infer_height(columns).map_err(|e| anyhow!("{shown}: {e}"))
}

/// One column of the frame in its Parquet type. The frame holds money and
/// quantities as `Int64` and everything else as canonical text, so a text
/// that does not parse here is a bug of the reading, not of the file.
fn typed_column(name: &str, c: &Column, kind: Option<ValueKind>, no_mask: bool) -> Result<Column> {
    Ok(match kind {
        Some(ValueKind::Money) | Some(ValueKind::Quantity) => {
            let scale = if kind == Some(ValueKind::Money) { 2 } else { 4 };
            c.cast(&DataType::Int128)
                .and_then(|w| w.as_materialized_series().clone().into_decimal(18, scale))
                .map_err(|e| anyhow!("{name}: {e}"))?
                .into_column()
        }
        Some(ValueKind::Date) => {
            let days = parsed(name, c, |s| parse_iso(s).map(day_number))?;
            Int32Chunked::from_slice_options(name.into(), &days)
                .into_date()
                .into_series()
                .into_column()
        }
        Some(ValueKind::Moment) => {
            let ms = parsed(name, c, |s| {
                let m = parse_moment(s)?;
                let t = m.time.unwrap_or_default();
                Some(m.date.and_time(t).and_utc().timestamp_millis())
            })?;
            Int64Chunked::from_slice_options(name.into(), &ms)
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_series()
                .into_column()
        }
        Some(ValueKind::Score) => {
            let scores = parsed(name, c, |s| s.parse::<i32>().ok())?;
            Int32Chunked::from_slice_options(name.into(), &scores).into_column()
        }
        _ if c.dtype() == &DataType::String => {
            if no_mask || !is_confidential(name) {
                c.clone()
            } else {
                let text = c.str().map_err(|e| anyhow!("{name}: {e}"))?;
                let masked: StringChunked = text
                    .iter()
                    .map(|v| v.map(|s| mask(name, s)))
                    .collect::<StringChunked>()
                    .with_name(name.into());
                masked.into_column()
            }
        }
        _ => c.clone(),
    })
}

/// Every canonical text of the column through `parse` (a null stays null).
/// The frame holds canonical text, so a text `parse` refuses is a bug of the
/// reading, not of the file: an error, never a guess.
fn parsed<T>(name: &str, c: &Column, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<Option<T>>> {
    let text = c.str().map_err(|e| anyhow!("{name}: {e}"))?;
    text.iter()
        .map(|v| match v {
            None => Ok(None),
            Some(s) => parse(s)
                .map(Some)
                .ok_or_else(|| anyhow!("{name}: {s:?} is not canonical")),
        })
        .collect()
}

/// Days since 1970-01-01, Parquet's `DATE`.
fn day_number(d: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_are_parquet_dates() {
        let d = |s: &str| parse_iso(s).unwrap();
        assert_eq!(day_number(d("1970-01-01")), 0);
        assert_eq!(day_number(d("2026-10-31")), 20_757);
        assert_eq!(day_number(d("1969-12-31")), -1);
    }

    #[test]
    fn views_carry_the_period_and_the_cut_offs() {
        let d = |s: &str| parse_iso(s).unwrap();
        let period = Period {
            from: d("2025-11-01"),
            to: d("2026-10-31"),
            prev_from: d("2024-11-01"),
            prev_to: d("2025-10-31"),
        };
        let rules = crate::analytics::tiers::ClassifySettings::default()
            .resolve()
            .unwrap();
        let sql = views_sql(d("2026-10-31"), &period, &rules);
        assert!(sql.contains(
            "SELECT DATE '2025-11-01' AS period_from, DATE '2026-10-31' AS period_to,\n       \
             DATE '2024-11-01' AS prev_from, DATE '2025-10-31' AS prev_to,\n       'pareto' AS method,\n       \
             CAST(8000 AS DECIMAL(5, 0)) AS a_bp, CAST(9500 AS DECIMAL(5, 0)) AS b_bp,\n       \
             CAST(100000.00 AS DECIMAL(18, 2)) AS a_min, CAST(10000.00 AS DECIMAL(18, 2)) AS b_min;"
        ));
        assert!(!sql.contains('{'), "every mark filled in");
        assert_eq!(sql.matches("CREATE OR REPLACE TEMPORARY VIEW").count(), 9);
        assert!(sql.contains(
            "CREATE OR REPLACE TEMPORARY VIEW dangan_months AS\nSELECT '2025-11' AS month UNION ALL\nSELECT '2025-12' AS month UNION ALL\n"
        ));
        assert!(sql.contains("SELECT '2026-10' AS month;\n"));
    }
}
