//! `dangan history [KEY] [--since DATE] [--field F] [--command C] [--access] [--no-mask]`
//!
//! The revisions (修订记录) of one customer, or of the whole archive, from
//! `changes.csv`, oldest first: "what changed this month" (`--since`), "who
//! changed this mobile" (`KEY --field mobile`), "which customers became risk
//! since the last grading" (`--field segment --command classify`). KEY is
//! what `show` takes (archive number, mobile, credit code, ID number, exact
//! name); a KEY no customer has but the log names (a transaction's number, a
//! customer merged away) lists the log's rows for it. `--access` lists
//! `access.csv` (查阅登记) instead. Confidential old and new values are masked
//! unless `--no-mask`; `--format csv` gives the log's own columns.

use crate::archive::Archive;
use crate::archive::changes::{Change, read_access, read_log_of, read_log_where};
use crate::render::output::{Cell, Label, write_rows};
use crate::render::records::{change_cells, change_labels};
use anyhow::{Result, bail};
use chrono::NaiveDate;

/// The flags of `dangan history`.
#[derive(clap::Args)]
pub struct Args {
    /// One customer: archive number, mobile, credit code, ID number or exact name [default: the whole archive]
    #[arg(value_name = "KEY")]
    pub key: Option<String>,
    /// Only revisions made on or after this date
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// Only revisions of this field (a column: mobile, segment, …; `*` for created and merged records)
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// Only revisions made by this command (import, fmt, classify, reassign, dedupe)
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// List the runs that showed confidential values in full (access.csv) instead
    #[arg(long, conflicts_with_all = ["key", "field", "command"])]
    pub access: bool,
    /// Show confidential old and new values in full (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// What to list.
pub struct Query {
    /// archive numbers (and log ids) the rows must name; empty: all
    pub ids: Vec<String>,
    pub since: Option<NaiveDate>,
    pub field: Option<String>,
    pub command: Option<String>,
}

/// The rows of the log that `q` asks for, oldest first (the log streamed,
/// only those rows kept).
pub fn run(archive: &Archive, q: &Query) -> Result<Vec<Change>> {
    let since = q.since.map(crate::values::dates::iso);
    let keep = |r: &csv::StringRecord| {
        let (time, command, id, field) = (&r[0], &r[1], &r[3], &r[4]);
        (q.ids.is_empty() || q.ids.iter().any(|i| i == id))
            && since
                .as_deref()
                .is_none_or(|s| time.get(..10).is_some_and(|d| d >= s))
            && q.field.as_deref().is_none_or(|f| field == f)
            && q.command.as_deref().is_none_or(|want| {
                command == want
                    || command
                        .strip_prefix(want)
                        .is_some_and(|r| r.starts_with(' '))
            })
    };
    // one customer: only its rows are parsed
    if let [id] = q.ids.as_slice() {
        return read_log_of(&archive.dir, id, keep);
    }
    Ok(read_log_where(&archive.dir, keep)?
        .into_iter()
        .map(|(_, c)| c)
        .collect())
}

/// `dangan history` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let mut w = crate::render::output::stdout();
    if a.access {
        let since = a.since.map(crate::values::dates::iso);
        let rows: Vec<Vec<Cell>> = read_access(&archive.dir)?
            .into_iter()
            .filter(|r| {
                since
                    .as_deref()
                    .is_none_or(|s| r[0].get(..10).is_some_and(|d| d >= s))
            })
            .map(|r| r.into_iter().map(Cell::Text).collect())
            .collect();
        let labels = [
            Label::new("time", "时间", "time"),
            Label::new("user", "用户", "user"),
            Label::new("command", "命令", "command"),
        ];
        write_rows(&mut w, cx.out, &labels, &rows)?;
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let mut ids = Vec::new();
    if let Some(key) = &a.key {
        let (customers, rows) = crate::lookup::resolve_in(&archive, key)?;
        let c_id = customers.col("id");
        ids = rows
            .iter()
            .filter_map(|&r| c_id.map(|c| customers.rows[r].get(c).to_string()))
            .collect();
        if ids.is_empty() {
            // a number the log knows though no customer has it now
            let k = key.trim().to_uppercase();
            if !read_log_of(&archive.dir, &k, |_| true)?.is_empty() {
                ids.push(k);
            } else {
                bail!(crate::tr!(
                    "no_such_customer_or_revision",
                    key = format!("{:?}", crate::values::text::mask_lookalike(key))
                ));
            }
        }
    }
    let q = Query {
        ids,
        since: a.since,
        field: a.field,
        command: a.command,
    };
    let rows: Vec<Vec<Cell>> = run(&archive, &q)?
        .iter()
        .map(|c| change_cells(c, a.no_mask))
        .collect();
    write_rows(&mut w, cx.out, &change_labels(), &rows)?;
    Ok(std::process::ExitCode::SUCCESS)
}
