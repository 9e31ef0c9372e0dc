//! dangan (档案): a customer archive in flat CSV/YAML files, and the commands
//! that turn it into decisions.
//!
//! Where things are:
//! - `schema`: tables, canonical columns, header aliases
//! - `text`, `money`, `dates`, `normalize`: values as people write them
//! - `input`: reading CSV/TSV/YAML/XLSX in any encoding
//! - `read`: the one reading of every archive cell, and tables as frames
//! - `pipeline`: rows parsed and checked on worker threads, back in file order
//! - `archive`: the archive directory, its tables, reading and writing them
//! - `settings`: `dangan.yaml`
//! - `rules`: validation rules, their names and settings
//! - `period`: `--period`, `--from/--to`, `--as-of` and the previous period
//! - `ledger`: archive tables as polars lazy frames (money as integer fen)
//! - `cache`: binary copies of big archive CSVs, so they are parsed once
//! - `tiers`: A/B/C tiers (the pareto cut), segments and risk rules, RFM scores
//! - `shares`: shares that add up to exactly 100.00 %
//! - `composition`: composition tables (sales by tier, region, product, ...)
//! - `receivables`: outstanding and overdue amounts in ageing buckets
//! - `document`: a report as sections of blocks; text, Markdown, JSON
//! - `html`: a report as one self-contained HTML file with SVG charts
//! - `fuzz`: the bodies of the fuzz targets, shared with the regression tests
//! - `fsutil`: lock, atomic journalled commits, backups, Ctrl-C
//! - `output`: `--format` and `--lang` for every command
//! - `commands::*`: one file per subcommand
//!
//! The aggregating modules (polars) are behind the default feature `analytics`;
//! without it the crate is the archive core alone (import, validate), which is
//! what the fuzz targets build.

pub mod archive;
#[cfg(feature = "analytics")]
pub mod cache;
pub mod commands;
#[cfg(feature = "analytics")]
pub mod composition;
pub mod dates;
pub mod document;
pub mod fsutil;
pub mod fuzz;
pub mod html;
pub mod ids;
pub mod input;
#[cfg(feature = "analytics")]
pub mod ledger;
pub mod money;
pub mod normalize;
pub mod output;
pub mod period;
pub mod pipeline;
pub mod read;
#[cfg(feature = "analytics")]
pub mod receivables;
pub mod rules;
pub mod schema;
pub mod settings;
pub mod shares;
pub mod text;
pub mod tiers;

/// An error that ends a command with exit code 1: findings at the failing
/// severity (validation) or rejected rows (import). Every other error exits 2.
#[derive(Debug)]
pub struct Findings(pub String);

impl std::fmt::Display for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Findings {}

/// With `DANGAN_TIMING` set, print how long a step took on stderr (for the
/// benchmarks: where the time of a command goes).
pub fn timing(step: &str, since: std::time::Instant) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("timing: {step}: {:.3} s", since.elapsed().as_secs_f64());
    }
}
