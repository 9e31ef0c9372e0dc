//! dangan (档案): a customer archive in flat CSV/YAML files, and the commands
//! that turn it into decisions.
//!
//! Where things are (one folder per concern):
//! - `values`: text, money, dates, ids, normalisation — values as people write them
//! - `read`: files in any encoding, the worker pipeline, the one reading of every archive cell
//! - `archive`: the archive directory, its tables, schema and settings, the atomic commit
//! - `check`: validation rules
//! - `dedupe`: 查重 — Chinese company names taken apart (places, legal forms, 字号), pair scores, blocking, merges
//! - `analytics`: ledger, binary copies, periods, tiers (the pareto cut), shares, composition, receivables
//! - `render`: `--format`/`--lang` output, report documents, HTML
//! - `commands`: one file per subcommand (its flags, main, run and printing)
//! - `flags`: the flags every command shares (context, periods, date/table/encoding parsers)
//! - `fuzz`: the bodies of the fuzz targets, shared with the regression tests
//!
//! The aggregating modules (polars) are behind the default feature `analytics`;
//! without it the crate is the archive core alone (import, validate), which is
//! what the fuzz targets build.

pub mod analytics;
pub mod archive;
pub mod check;
pub mod commands;
pub mod dedupe;
pub mod flags;
pub mod fuzz;
pub mod lookup;
pub mod read;
pub mod render;
pub mod values;

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
