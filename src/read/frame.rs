//! An archive table as a polars frame, every cell read through
//! [`crate::read::cells`]: the one reading of the aggregating commands
//! (`classify`, `analyze`, `report`) and of the binary copies (`cache`).
//!
//! The frame's shape, whatever the file (CSV in any encoding, YAML):
//! - money columns (`amount`, `paid`, `unit_price`, `credit_limit`) are
//!   `Int64` fen, quantities `Int64` ten-thousandths (`money::QTY_SCALE`);
//! - every other column is a string in its canonical form (ISO dates,
//!   canonical kinds and statuses, full provinces); an empty cell — quoted or
//!   not — is null;
//! - a column the file lacks is there, all null; extra columns are text as
//!   written.
//!
//! A CSV is read in parallel chunks (`pipeline::Parts`); each worker builds
//! its chunk's columns, and the chunks are stacked in file order. The first
//! unreadable cell in file order stops the read with its `file:line: column`
//! message.
//!
//! [`fold_rows`] is the same reading without the frame: each row's values
//! go to the caller's fold on the reading threads (the transactions' codes
//! and facts: numbers, no text columns).

use crate::archive::schema::{Column, TableKind, ValueKind};
use crate::read::cells::read_at;
use crate::read::pipeline::{FoldFn, MakeFn, Parts, SealFn};
use crate::read::source::{RawRow, ReadOptions, Source};
use anyhow::{Result, anyhow};
use polars::prelude::{DataFrame, DataType, IntoColumn, NamedFrom, Series, StringChunkedBuilder};
use std::path::Path;
use std::sync::Arc;

/// Is the column held as an integer (fen, ten-thousandths)?
pub fn is_integer(table: TableKind, name: &str) -> bool {
    table
        .column(name)
        .is_some_and(|c| matches!(c.kind, ValueKind::Money | ValueKind::Quantity))
}

/// The polars type of a column in the frame.
pub fn dtype(table: TableKind, name: &str) -> DataType {
    if is_integer(table, name) {
        DataType::Int64
    } else {
        DataType::String
    }
}

/// One requested column: where the file holds it, and how it is read.
#[derive(Clone)]
struct Slot {
    name: String,
    at: Option<usize>,
    column: Option<&'static Column>,
    integer: bool,
}

enum Builder {
    Int(Vec<Option<i64>>),
    Str(StringChunkedBuilder),
}

/// The columns of one chunk.
struct Part {
    builders: Vec<Builder>,
    rows: usize,
    /// the first unreadable cell of the chunk
    err: Option<String>,
    /// the chunk's frame, built by the worker ([`seal`])
    done: Option<DataFrame>,
}

fn new_builders(slots: &[Slot], capacity: usize) -> Vec<Builder> {
    slots
        .iter()
        .map(|s| {
            if s.integer {
                Builder::Int(Vec::with_capacity(capacity))
            } else {
                Builder::Str(StringChunkedBuilder::new(s.name.as_str().into(), capacity))
            }
        })
        .collect()
}

/// Rows a chunk usually holds (a megabyte of archive rows).
const CHUNK_ROWS: usize = 6_000;

/// The columns read, and the other strict cells checked (see [`read`]).
struct Plan {
    slots: Vec<Slot>,
    checks: Vec<(usize, &'static Column)>,
    /// only the rows whose date (canonical) is in this range are kept
    /// ([`read_dated`]); every other row is read and checked all the same
    dated: Option<Dated>,
}

/// The rows a frame keeps: `slot` (a date column) within `from..=to`, as
/// ISO text compares.
struct Dated {
    slot: usize,
    from: String,
    to: String,
}

/// One cell of a row read for its slot: an amount or quantity as its
/// integer, any other cell as its canonical text (empty: none).
pub enum Value<'a> {
    Int(Option<i64>),
    Text(std::borrow::Cow<'a, str>),
}

/// The cell of `slot` in `raw`, read as the frame holds it.
fn value<'a>(slot: &Slot, name: &str, line: u64, raw: &'a str) -> Result<Value<'a>, String> {
    // the usual stored amount or quantity, read without the round trip
    // through its canonical text (the same value: see `plain_integer`)
    if slot.integer
        && let Some(c) = slot.column
        && let Some(n) = plain_integer(c.kind, raw)
    {
        return Ok(Value::Int(Some(n)));
    }
    let value = match slot.column {
        Some(c) => read_at(name, line, c, raw)?,
        None => std::borrow::Cow::Borrowed(raw),
    };
    if !slot.integer {
        return Ok(Value::Text(value));
    }
    let n = match slot.column.map(|c| c.kind) {
        _ if value.is_empty() => None,
        Some(ValueKind::Quantity) => crate::values::money::parse_quantity(&value).map(|q| q.0),
        _ => crate::values::money::cell_fen(&value).ok().flatten(),
    };
    if n.is_none()
        && !value.is_empty()
        && let Some(c) = slot.column
    {
        return Err(crate::read::cells::unreadable(
            name,
            line,
            c,
            raw,
            "out of range",
        ));
    }
    Ok(Value::Int(n))
}

/// The strict cells of a row that no slot reads, read to stop on the first
/// one that cannot be: a command stops on the same cell whichever columns it
/// asked for.
fn check_others(plan: &Plan, name: &str, row: &RawRow) -> Result<(), String> {
    for &(i, c) in &plan.checks {
        let raw = row.field(i);
        if plain_integer(c.kind, raw).is_some() {
            continue;
        }
        read_at(name, row.line(), c, raw)?;
    }
    Ok(())
}

fn fold(plan: &Plan, name: &str, part: &mut Part, row: &RawRow) {
    if part.err.is_some() {
        return;
    }
    if let Err(e) = check_others(plan, name, row) {
        part.err = Some(e);
        return;
    }
    let slots = &plan.slots;
    let raw_of = |slot: &Slot| slot.at.map_or("", |i| row.field(i));
    if let Some(d) = &plan.dated {
        let slot = &slots[d.slot];
        let kept = match value(slot, name, row.line(), raw_of(slot)) {
            Ok(Value::Text(v)) => !v.is_empty() && d.from.as_str() <= &*v && &*v <= d.to.as_str(),
            Ok(Value::Int(_)) => true,
            Err(e) => {
                part.err = Some(e);
                return;
            }
        };
        if !kept {
            // not in the frame, but its cells stop the read as they would
            for slot in slots {
                if let Err(e) = value(slot, name, row.line(), raw_of(slot)) {
                    part.err = Some(e);
                    return;
                }
            }
            return;
        }
    }
    for (slot, b) in slots.iter().zip(part.builders.iter_mut()) {
        match (value(slot, name, row.line(), raw_of(slot)), b) {
            (Ok(Value::Int(n)), Builder::Int(v)) => v.push(n),
            (Ok(Value::Text(t)), Builder::Str(s)) => {
                if t.is_empty() {
                    s.append_null();
                } else {
                    s.append_value(t.as_ref());
                }
            }
            (Ok(_), _) => {
                part.err = Some(format!(
                    "{name}: column {}: internal type mismatch",
                    slot.name
                ));
                return;
            }
            (Err(e), _) => {
                part.err = Some(e);
                return;
            }
        }
    }
    part.rows += 1;
}

/// A money or quantity cell written as a plain decimal (`-?digits(.digits)?`,
/// as dangan and every spreadsheet write them): its integer, read by the one
/// parser of its kind (`money::parse_yuan`, `money::parse_quantity`), which
/// is what `cells::read` would make of it, then read back. `None` for any
/// other cell: it takes the general path.
fn plain_integer(kind: ValueKind, raw: &str) -> Option<i64> {
    let b = raw.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits, &digits[..0]),
    };
    let plain = !int.is_empty()
        && int.len() <= 15
        && int.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit)
        && (frac.is_empty() != digits.contains(&b'.'));
    if !plain {
        return None;
    }
    match kind {
        ValueKind::Money => crate::values::money::parse_yuan(raw).ok().map(|p| p.fen),
        ValueKind::Quantity => crate::values::money::parse_quantity(raw).map(|(q, _)| q),
        _ => None,
    }
}

fn seal(slots: &[Slot], part: &mut Part) {
    if part.err.is_some() {
        return;
    }
    let builders = std::mem::take(&mut part.builders);
    let columns = builders
        .into_iter()
        .zip(slots)
        .map(|(b, s)| match b {
            Builder::Int(v) => Series::new(s.name.as_str().into(), v).into_column(),
            Builder::Str(b) => b.finish().into_column(),
        })
        .collect();
    match DataFrame::new(part.rows, columns) {
        Ok(df) => part.done = Some(df),
        Err(e) => part.err = Some(format!("{e}")),
    }
}

/// The named columns of the table in `path` (CSV or YAML; an empty file is
/// a table of no rows). Every strict cell of the file (`cells::is_strict`) is
/// read, asked for or not: a command stops on the same unreadable cell
/// whichever columns it needs.
pub fn read(path: &Path, table: TableKind, columns: &[&str]) -> Result<DataFrame> {
    read_dated(path, table, columns, None)
}

/// [`read`], keeping only the rows whose `date` is within `from..=to` (ISO;
/// `date` must be one of `columns`) when `dated` is given: the rows of a
/// period are never built, never filtered out of the frame afterwards.
/// Every row is still read and checked: a bad cell outside the period stops
/// the read as it does in [`read`].
pub fn read_dated(
    path: &Path,
    table: TableKind,
    columns: &[&str],
    dated: Option<(&str, &str)>,
) -> Result<DataFrame> {
    let started = std::time::Instant::now();
    let df = read_frame(path, table, columns, dated)?;
    crate::timing(
        &format!("read: {} ({} rows)", path.display(), df.height()),
        started,
    );
    Ok(df)
}

/// The table's source, its name, the slots of `columns` and the other strict
/// cells to check (see [`read`]).
type Opened = (String, Source, Vec<Slot>, Vec<(usize, &'static Column)>);

fn open(path: &Path, table: TableKind, columns: &[&str]) -> Result<Opened> {
    let name = path.display().to_string();
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let src = if len == 0 {
        Source::empty(name.clone())
    } else {
        Source::open(&name, &ReadOptions::default())?
    };
    let slots: Vec<Slot> = columns
        .iter()
        .map(|&c| Slot {
            name: c.to_string(),
            at: src.headers.iter().position(|h| h == c),
            column: table.column(c),
            integer: is_integer(table, c),
        })
        .collect();
    let checks = table
        .columns()
        .iter()
        .filter(|c| crate::read::cells::is_strict(c) && !columns.contains(&c.name))
        .filter_map(|c| src.headers.iter().position(|h| h == c.name).map(|i| (i, c)))
        .collect();
    Ok((name, src, slots, checks))
}

/// A part of [`fold_rows`] on its worker: the caller's, and the first cell
/// of the chunk that could not be read.
struct Held<P> {
    part: P,
    err: Option<String>,
}

/// Every row of the table in `path` read as [`read`] reads it (the same
/// cells, the same checks, the same first error in file order), without a
/// frame: on the reading's worker threads `add` folds each row's values of
/// `columns` (in that order) into a part that `make` made, and on this
/// thread `each` gets the parts in file order, with the share of the file
/// read so far. For a caller that turns the rows into something smaller
/// than text columns (`analytics::facts`, `analytics::codes`).
///
/// `each` must leave the part empty: it goes back to the workers to be
/// filled again (memory new to the process costs a page fault per page,
/// and parts made and dropped per chunk cost a tenth of the time).
pub fn fold_rows<P: Send + 'static, const N: usize>(
    path: &Path,
    table: TableKind,
    columns: [&str; N],
    make: impl Fn() -> P + Send + Sync + 'static,
    add: impl Fn(&mut P, &[Value<'_>; N]) + Send + Sync + 'static,
    mut each: impl FnMut(&mut P, f64) -> Result<()>,
) -> Result<()> {
    let started = std::time::Instant::now();
    let (name, src, slots, checks) = open(path, table, &columns)?;
    let plan = Arc::new(Plan {
        slots,
        checks,
        dated: None,
    });
    let maker: MakeFn<Held<P>> = Arc::new(move || Held {
        part: make(),
        err: None,
    });
    let folder: FoldFn<Held<P>> = {
        let (plan, name) = (Arc::clone(&plan), name.clone());
        Arc::new(move |h, row| {
            if h.err.is_some() {
                return;
            }
            let read = check_others(&plan, &name, row).and_then(|()| {
                let mut values: [Value<'_>; N] = std::array::from_fn(|_| Value::Int(None));
                for (v, slot) in values.iter_mut().zip(&plan.slots) {
                    let raw = slot.at.map_or("", |i| row.field(i));
                    *v = value(slot, &name, row.line(), raw)?;
                }
                Ok(values)
            });
            match read {
                Ok(values) => add(&mut h.part, &values),
                Err(e) => h.err = Some(e),
            }
        })
    };
    let len = std::fs::metadata(path).map_or(0, |m| m.len()).max(1) as f64;
    let mut parts = Parts::spawn(src, maker, folder);
    let mut rows = 0usize;
    while let Some(held) = parts.next() {
        let mut held = held?;
        if let Some(e) = held.err.take() {
            return Err(anyhow!(e));
        }
        rows += 1;
        each(&mut held.part, (parts.bytes as f64 / len).min(1.0))?;
        parts.recycle(held);
    }
    crate::timing(&format!("fold: {name} ({rows} parts)"), started);
    Ok(())
}

fn read_frame(
    path: &Path,
    table: TableKind,
    columns: &[&str],
    dated: Option<(&str, &str)>,
) -> Result<DataFrame> {
    let (name, src, slots, checks) = open(path, table, columns)?;
    let dated = match dated {
        Some((from, to)) => Some(Dated {
            slot: columns
                .iter()
                .position(|&c| c == "date")
                .ok_or_else(|| anyhow!("{name}: a dated read without the date column"))?,
            from: from.to_string(),
            to: to.to_string(),
        }),
        None => None,
    };
    let plan = Arc::new(Plan {
        slots,
        checks,
        dated,
    });
    let make: MakeFn<Part> = {
        let plan = Arc::clone(&plan);
        Arc::new(move || Part {
            builders: new_builders(&plan.slots, CHUNK_ROWS),
            rows: 0,
            err: None,
            done: None,
        })
    };
    let folder: FoldFn<Part> = {
        let (plan, name) = (Arc::clone(&plan), name.clone());
        Arc::new(move |p, row| fold(&plan, &name, p, row))
    };
    let sealer: SealFn<Part> = {
        let plan = Arc::clone(&plan);
        Arc::new(move |p| seal(&plan.slots, p))
    };
    // the chunks' frames are gathered into batches of BATCH_ROWS rows, each
    // made one chunk: the frame then has a few large chunks (what polars'
    // group-bys and a binary copy's record batches want) without copying the
    // whole table once more at the end
    let mut out: Option<DataFrame> = None;
    let mut batch: Option<DataFrame> = None;
    let add = |out: &mut Option<DataFrame>, mut b: DataFrame| -> Result<()> {
        b.rechunk_mut();
        match out {
            None => *out = Some(b),
            Some(all) => all
                .vstack_mut_owned(b)
                .map(|_| ())
                .map_err(|e| anyhow!("{name}: {e}"))?,
        }
        Ok(())
    };
    for part in Parts::spawn_sealed(src, make, folder, sealer) {
        let part = part?;
        if let Some(e) = part.err {
            return Err(anyhow!(e));
        }
        let Some(df) = part.done else { continue };
        match &mut batch {
            None => batch = Some(df),
            Some(b) => {
                b.vstack_mut_owned(df).map_err(|e| anyhow!("{name}: {e}"))?;
            }
        }
        if batch.as_ref().is_some_and(|b| b.height() >= BATCH_ROWS)
            && let Some(b) = batch.take()
        {
            add(&mut out, b)?;
        }
    }
    if let Some(b) = batch.take() {
        add(&mut out, b)?;
    }
    match out {
        Some(df) => Ok(df),
        None => empty(table, columns),
    }
}

/// Rows of one chunk of a frame (see [`read`]).
const BATCH_ROWS: usize = 1 << 20;

/// A frame of no rows with the named columns in their frame types.
pub fn empty(table: TableKind, columns: &[&str]) -> Result<DataFrame> {
    let cols = columns
        .iter()
        .map(|&c| Series::new_empty(c.into(), &dtype(table, c)).into_column())
        .collect();
    DataFrame::new(0, cols).map_err(|e| anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick reading of a plain amount or quantity is the one reading.
    #[test]
    fn plain_numbers_read_as_the_cells_read_them() {
        let t = TableKind::Transactions;
        for (col, raw) in [
            ("amount", "2189.00"),
            ("amount", "2189"),
            ("amount", "2189.5"),
            ("amount", "-0.05"),
            ("amount", "0.125"),
            ("amount", "12.345"),
            ("quantity", "1.23456"),
            ("quantity", "7"),
            ("quantity", "-2.5"),
        ] {
            let c = t.column(col).unwrap();
            let quick = plain_integer(c.kind, raw).unwrap();
            let canonical = crate::read::cells::read(c, raw).unwrap();
            let slow = if c.kind == ValueKind::Money {
                crate::values::money::cell_fen(&canonical).unwrap().unwrap()
            } else {
                crate::values::money::parse_quantity(&canonical).unwrap().0
            };
            assert_eq!(quick, slow, "{col} {raw:?}");
        }
        for raw in ["", "1.", ".5", "1,000", "¥12", "1e3", "--1", " 1"] {
            assert_eq!(plain_integer(ValueKind::Money, raw), None, "{raw:?}");
        }
    }
}
