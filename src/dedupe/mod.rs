//! 查重: customers recorded twice under different spellings, found,
//! explained and merged.
//!
//! - `places`: the GB/T 2260 places a name may carry (`data/places.csv`)
//! - `name`: a Chinese company name taken apart: 字号, trade, legal form,
//!   branch, places (`深圳市鸿达贸易有限公司` → `鸿达` + `贸易`)
//! - `score`: how alike two records are, 0–100, with the evidence
//! - `pairs`: blocking (which records are compared at all), candidate pairs,
//!   clusters
//! - `merge`: `dedupe --apply`, the confirmed pairs merged and re-pointed
//!
//! The command is `commands::dedupe`; import's "looks like an existing
//! customer" warning calls [`look_alikes`].

pub mod merge;
pub mod name;
pub mod pairs;
pub mod places;
pub mod score;

use crate::archive::{Record, Table};
use score::{COLUMNS, Fields, Prepared, prepare};

/// The default `--min-score`: measured on `testdata/dedupe` (docs/dedupe.md).
pub const MIN_SCORE: u8 = 50;

/// The records of `table` from row `from` on, made ready for comparing
/// (on every core for a big archive).
pub fn prepare_table(table: &Table, from: usize) -> Vec<Prepared> {
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|c| table.col(c)).collect();
    let one = |r: &Record| {
        let v: [&str; 12] = std::array::from_fn(|i| cols[i].map_or("", |c| r.get(c)));
        prepare(&Fields::of(&v))
    };
    let rows = &table.rows[from.min(table.rows.len())..];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if rows.len() < 20_000 || threads == 1 {
        return rows.iter().map(one).collect();
    }
    let size = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = rows
            .chunks(size)
            .map(|c| s.spawn(move || c.iter().map(one).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// A record's fingerprint, for `--apply` to tell that it changed since the
/// pairs were listed: every non-empty cell with its column, in column-name
/// order, hashed (so column order and file format do not matter).
pub fn stamp(columns: &[String], r: &Record) -> String {
    let mut cells: Vec<(&str, &str)> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), r.get(i)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    cells.sort_unstable();
    let mut parts: Vec<&str> = Vec::with_capacity(cells.len() * 2);
    for (c, v) in &cells {
        parts.push(c);
        parts.push(v);
    }
    format!("{:016x}", crate::values::text::fnv1a(&parts))
}

/// The pair fingerprint written in dedupe's `stamp` column.
pub fn pair_stamp(columns: &[String], left: &Record, right: &Record) -> String {
    format!(
        "{}{}",
        &stamp(columns, left)[..8],
        &stamp(columns, right)[..8]
    )
}

/// The archive's customers that the rows of `table` from `from` on look
/// like (import's warning): (new row, archive row, verdict), best first.
pub fn look_alikes(
    table: &Table,
    from: usize,
    min_score: u8,
) -> Vec<(usize, usize, score::Verdict)> {
    if from == 0 || from >= table.rows.len() {
        return Vec::new();
    }
    let recs = prepare_table(table, 0);
    let found = pairs::find(&recs, Some(from), min_score, pairs::MAX_BLOCK);
    let mut out: Vec<(usize, usize, score::Verdict)> = found
        .pairs
        .into_iter()
        .map(|c| (c.right as usize, c.left as usize, c.verdict))
        .collect();
    out.sort_by(|a, b| {
        b.2.score
            .cmp(&a.2.score)
            .then(a.0.cmp(&b.0))
            .then(a.1.cmp(&b.1))
    });
    out
}
