//! `dangan export DIR [--format parquet] [--as-of DATE] [--period P | --from D --to D] [--no-mask]`
//!
//! The archive as typed Parquet, for a company that outgrows one machine:
//! `DIR/customers.parquet`, `DIR/transactions.parquet` (and followups,
//! complaints when the archive has them), with money as `DECIMAL(18,2)`,
//! quantities as `DECIMAL(18,4)` and dates as `DATE`; and `DIR/views.sql`,
//! the net-sales, tier and composition definitions for the period, which
//! run unchanged on DuckDB and Spark SQL (engine: `render::export`;
//! docs/scale.md says when to use it). Confidential columns are masked
//! unless `--no-mask` (the run is then registered in access.csv). The
//! archive is only read; each file in DIR is written atomically.

use crate::analytics::grading::{Overrides, rules};
use crate::analytics::period::PeriodArgs;
use crate::archive::Archive;
use crate::render::output::Format;
use anyhow::{Result, bail};
use std::path::PathBuf;

/// The flags of `dangan export`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder the files go to (made when missing; files of the same name are replaced)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub period: crate::flags::PeriodFlags,
    /// Write confidential columns in full (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
}

/// `dangan export` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    if !matches!(cx.format, None | Some(Format::Parquet)) {
        bail!(crate::render::messages::msg("export_is_parquet", &[]));
    }
    let archive = Archive::open(&cx.archive)?;
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let written = run(&archive, &a.dir, a.no_mask, a.period.args())?;
    if !cx.quiet {
        for w in &written {
            eprintln!(
                "{}",
                crate::render::messages::msg(
                    "exported",
                    &[
                        ("file", &a.dir.join(&w.file).display().to_string()),
                        ("rows", &w.rows.to_string()),
                    ],
                )
            );
        }
        eprintln!(
            "{}",
            crate::render::messages::msg(
                "written_to",
                &[("file", &a.dir.join("views.sql").display().to_string())],
            )
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Export `archive` to `dir` for the period `pargs` names (else the
/// `classify.period` setting, else 12 months to today).
pub fn run(
    archive: &Archive,
    dir: &std::path::Path,
    no_mask: bool,
    pargs: PeriodArgs,
) -> Result<Vec<crate::render::export::Written>> {
    let rules = rules(archive, &Overrides::default())?;
    let pargs = pargs.or_setting(archive.settings.classify.period.as_deref())?;
    let (as_of, period) = pargs.resolve(crate::values::dates::today())?;
    crate::render::export::export(archive, dir, no_mask, as_of, &period, &rules)
}
