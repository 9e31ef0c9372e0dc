//! The flags every command shares, in one place (as ripgrep keeps them):
//! the context of a run (archive, output, chattiness), the period flags, and
//! the parsers of dates, tables and encodings.

use crate::archive::schema::TableKind;
use crate::render::output::{Format, Out};
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

/// What every command gets from the global flags.
pub struct Context {
    /// `--archive`, else `$DANGAN_ARCHIVE`, else the current directory
    pub archive: PathBuf,
    /// `--format` and `--lang` as they apply to this command
    pub out: Out,
    /// `--format` as given (`None`: the default for the output)
    pub format: Option<Format>,
    /// `--quiet`
    pub quiet: bool,
    /// progress and informational messages on stderr (a terminal, not `--quiet`)
    pub chatty: bool,
}

/// `--output FILE`: where a table command's output goes (atomically, when
/// it succeeds) instead of standard output; `.xlsx`, `.csv`, `.json`,
/// `.yaml` and `.md` pick the format when `--format` is not given.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputFlag {
    /// Write the output to FILE (atomically) instead of standard output; FILE.xlsx makes a workbook, one sheet per table
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The period a command covers.
#[derive(clap::Args)]
pub struct PeriodFlags {
    /// Date the figures are taken at (recency, outstanding, overdue) [default: the end of an explicit period, else today]
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// First day of the period (inclusive)
    #[arg(long, value_parser = parse_date, value_name = "DATE", conflicts_with = "period")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of the period (inclusive) [default with --from: the as-of date]
    #[arg(long, value_parser = parse_date, value_name = "DATE", conflicts_with = "period")]
    pub to: Option<chrono::NaiveDate>,
    /// 12m, 6m, 1y, 2q, 4w, 90d (ending at the as-of date), or 2024, 2024-10, 2024Q3 [default: 12m]
    #[arg(long, value_parser = crate::analytics::period::PeriodSpec::parse, value_name = "PERIOD")]
    pub period: Option<crate::analytics::period::PeriodSpec>,
}

impl PeriodFlags {
    pub fn args(&self) -> crate::analytics::period::PeriodArgs {
        crate::analytics::period::PeriodArgs {
            as_of: self.as_of,
            from: self.from,
            to: self.to,
            period: self.period,
        }
    }
}

/// `--owner` and `--where`: which customers a reading command covers
/// (engine: `lookup::filter`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct FilterFlags {
    /// Only the customers of this owner (负责人)
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// Only customers where COLUMN=VALUE, COLUMN!=VALUE or COLUMN~TEXT (contains), over any customer column and tier, segment; repeatable, all must hold
    #[arg(long = "where", value_name = "COND", value_parser = crate::lookup::filter::Condition::parse)]
    pub conditions: Vec<crate::lookup::filter::Condition>,
}

impl FilterFlags {
    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.conditions.is_empty()
    }

    /// The filter, checked against the customers' columns.
    pub fn filter(&self, columns: &[String]) -> Result<crate::lookup::filter::Filter> {
        crate::lookup::filter::Filter::new(columns, self.owner.as_deref(), &self.conditions)
    }
}

/// Lines with a prefix, and how many more there were beyond those shown.
pub fn print_capped(
    w: &mut dyn Write,
    prefix: &str,
    lines: &[String],
    total: u64,
    more: &str,
) -> Result<()> {
    for l in lines {
        writeln!(w, "{}", crate::tr!(prefix, message = l))?;
    }
    if total > lines.len() as u64 {
        let n = total - lines.len() as u64;
        let more = crate::tr!(
            "and_more",
            n = n,
            what = crate::render::messages::phrase(more)
        );
        writeln!(w, "{}", crate::tr!(prefix, message = more))?;
    }
    Ok(())
}

pub fn parse_table(s: &str) -> Result<TableKind, String> {
    TableKind::parse(s)
        .ok_or_else(|| "expected customers, transactions, followups or complaints".to_string())
}

pub fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(s.trim().as_bytes())
        .ok_or_else(|| format!("unknown encoding {s:?} (try utf-8, gbk, gb18030, utf-16le)"))
}

pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::values::dates::parse_date(s).ok_or_else(|| {
        crate::render::messages::msg("flag_not_a_date", &[("value", &format!("{s:?}"))])
    })
}

/// A run with `--no-mask` is registered in the archive's `access.csv`
/// (查阅登记) before it shows anything: `time, user, command line`.
pub fn register_no_mask(cx: &Context, no_mask: bool) -> Result<()> {
    let is_archive = ["customers.csv", "customers.yaml", "customers.yml"]
        .iter()
        .any(|f| cx.archive.join(f).is_file());
    if !no_mask || !is_archive {
        return Ok(());
    }
    let line: Vec<String> = std::env::args().skip(1).collect();
    crate::archive::changes::register_access(&cx.archive, &format!("dangan {}", line.join(" ")))
}
