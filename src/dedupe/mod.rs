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
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
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

/// Above this many new rows, import's look-alike check compares the whole
/// archive; up to it, only the archive's records that could share a block
/// with a new one (its 字号 or name in their name, or one of its contact
/// values), so that adding a few customers to a big archive stays quick.
pub const FEW_NEW: usize = 200;

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
    let new = prepare_table(table, from);
    // which archive rows take part (all of them for a big import)
    let rows: Vec<usize> = if new.len() > FEW_NEW {
        (0..from).collect()
    } else {
        let cols: Vec<Option<usize>> = COLUMNS.iter().map(|c| table.col(c)).collect();
        let names: Vec<String> = new
            .iter()
            .map(|p| {
                if p.individual {
                    p.key.clone()
                } else {
                    p.name.trade.clone()
                }
            })
            .filter(|t| t.chars().count() >= 2)
            .collect();
        let finders: Vec<memchr::memmem::Finder> = names
            .iter()
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()))
            .collect();
        let mut known: rustc_hash::FxHashSet<String> = Default::default();
        for r in &table.rows[from..] {
            let v: [&str; 12] = std::array::from_fn(|i| cols[i].map_or("", |c| r.get(c)));
            known.extend(
                score::contacts(&Fields::of(&v))
                    .into_iter()
                    .filter(|c| !c.is_empty()),
            );
        }
        (0..from)
            .filter(|&i| {
                let r = &table.rows[i];
                let v: [&str; 12] = std::array::from_fn(|i| cols[i].map_or("", |c| r.get(c)));
                let name = crate::values::text::name_key(v[0]);
                finders.iter().any(|f| f.find(name.as_bytes()).is_some())
                    || score::contacts(&Fields::of(&v))
                        .iter()
                        .any(|c| !c.is_empty() && known.contains(c))
            })
            .collect()
    };
    let sub = Table {
        kind: table.kind,
        columns: table.columns.clone(),
        rows: rows.iter().map(|&i| table.rows[i].clone()).collect(),
    };
    let mut recs = prepare_table(&sub, 0);
    recs.extend(new);
    let found = pairs::find(&recs, Some(rows.len()), min_score, pairs::MAX_BLOCK);
    let mut out: Vec<(usize, usize, score::Verdict)> = found
        .pairs
        .into_iter()
        .map(|c| {
            let old = rows[c.left as usize];
            let new = from + c.right as usize - rows.len();
            (new, old, c.verdict)
        })
        .collect();
    out.sort_by(|a, b| {
        b.2.score
            .cmp(&a.2.score)
            .then(a.0.cmp(&b.0))
            .then(a.1.cmp(&b.1))
    });
    out
}
