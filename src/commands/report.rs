//! `dangan report`: the periodic customer-archive report.
//!
//! ```text
//! dangan report [--period month|quarter|year|2026-10|2026Q3|2026 | --from DATE --to DATE]
//!               [--as-of DATE] [--format text|markdown|html|json] [--output FILE]
//!               [--lang zh|en] [--no-mask] [--top N]
//! ```
//!
//! Default period: the calendar month before the as-of date's month (run on
//! the 1st of November, it reports October). `month`, `quarter`, `year`: the
//! last full one of them in the same way. The sections, in order:
//!
//! 1. overview — customers by status and kind, new and active customers, net
//!    sales and change on the previous period, the monthly trend (12 months)
//! 2. tiers and segments — graded as `classify` grades them over its period
//!    (12 months) ending with the report period
//! 3. sales, region and product composition — `analyze` tables, top N
//! 4. top N customers by net sales in the period
//! 5. risk customers — the reasons, outstanding, overdue, owner
//! 6. follow-ups due (回访) — the list of `dangan due` at the as-of date
//!    (appointments, schedules, tier intervals, greetings, payments), per owner
//! 7. birthdays in the next 14 days (生日祝福)
//! 8. archive health — validation findings by rule, records due for revision,
//!    field completeness
//!
//! Every number comes from the same code as the other commands.

use crate::analytics::grading;
use crate::analytics::period::{Period, PeriodArgs, PeriodSpec};
use crate::analytics::sections::*;
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use crate::render::document::Document;
use crate::values::dates::iso;
use anyhow::{Result, anyhow};
use chrono::{Datelike, Months, NaiveDate};

pub use crate::archive::settings::ReportSettings;

/// `--period` of a report: a unit before the as-of date, or any period spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportPeriod {
    LastMonth,
    LastQuarter,
    LastYear,
    Spec(PeriodSpec),
}

impl ReportPeriod {
    pub fn parse(s: &str) -> Result<ReportPeriod, String> {
        Ok(match s.trim() {
            "month" => ReportPeriod::LastMonth,
            "quarter" => ReportPeriod::LastQuarter,
            "year" => ReportPeriod::LastYear,
            other => ReportPeriod::Spec(PeriodSpec::parse(other)?),
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub period: Option<ReportPeriod>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub as_of: Option<NaiveDate>,
    pub top: Option<usize>,
    pub no_mask: bool,
    /// `--owner`/`--where`: the lists (top, risk, follow-ups, birthdays) are
    /// these customers'; shares, tiers and compositions the whole archive's
    pub filter: crate::flags::FilterFlags,
    pub today: Option<NaiveDate>,
}

/// The as-of date and the report period.
pub fn resolve_period(o: &ReportOptions, today: NaiveDate) -> Result<(NaiveDate, Period)> {
    let as_of = o.as_of.unwrap_or(today);
    let first_of_month = as_of.with_day(1).unwrap_or(as_of);
    let unit = |months: u32| {
        // the last whole unit ending before the as-of date's month
        let m0 = first_of_month.month0();
        let start_of_unit = first_of_month - Months::new(m0 % months);
        PeriodSpec::Calendar(start_of_unit - Months::new(months), months)
    };
    let spec = match o.period {
        None if o.from.is_none() && o.to.is_none() => Some(unit(1)),
        None => None,
        Some(ReportPeriod::LastMonth) => Some(unit(1)),
        Some(ReportPeriod::LastQuarter) => Some(unit(3)),
        Some(ReportPeriod::LastYear) => Some(unit(12)),
        Some(ReportPeriod::Spec(s)) => Some(s),
    };
    let args = PeriodArgs {
        as_of: Some(as_of),
        from: o.from,
        to: o.to,
        period: spec,
    };
    args.resolve(today)
}

pub fn build(archive_dir: &std::path::Path, o: &ReportOptions) -> Result<Document> {
    let archive = Archive::open(archive_dir)?;
    let settings: ReportSettings = archive.settings.report.clone();
    let top = o.top.unwrap_or(settings.top).max(1);
    let today = o.today.unwrap_or_else(crate::values::dates::today);
    let (as_of, period) = resolve_period(o, today)?;
    // grades over classify's own period (12 months by default) ending with the report period
    let rules = grading::rules(&archive, &grading::Overrides::default())?;
    let grade_spec = match &archive.settings.classify.period {
        Some(p) => {
            PeriodSpec::parse(p).map_err(|e| anyhow!("dangan.yaml: classify.period: {e}"))?
        }
        None => PeriodSpec::Months(12),
    };
    let (_, grade_period) = PeriodArgs {
        as_of: Some(period.to),
        period: Some(grade_spec),
        ..Default::default()
    }
    .resolve(today)?;
    let customers = archive.read_canonical(TableKind::Customers)?;
    let filter = o.filter.filter(&customers.columns)?;
    let graded = grading::grade_archive(&archive, &rules, as_of, &grade_period)?;
    let in_period = grading::grade_archive(&archive, &rules, as_of, &period)?;
    // the customers the lists are about (all without --owner/--where)
    let grades = grading::grade_of(&graded);
    let grade = |id: &str| grades.get(id).copied();
    let kept: Vec<bool> = (0..customers.rows.len())
        .map(|r| filter.keeps_graded(&customers, r, &grade))
        .collect();
    let ids = filter.kept_ids(&customers, &grade);
    let mine = |g: &&grading::Graded| filter.is_empty() || ids.contains(&g.id);
    let in_period_mine: Vec<grading::Graded> = in_period.iter().filter(mine).cloned().collect();
    let graded_mine: Vec<grading::Graded> = graded.iter().filter(mine).cloned().collect();
    let customers_mine = crate::archive::Table {
        rows: customers
            .rows
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|(r, _)| r.clone())
            .collect(),
        ..customers.clone()
    };

    let mut sections = vec![overview(&archive, &customers, &period, as_of, &graded)?];
    sections.push(tiers_and_segments(&graded, &grade_period));
    sections.push(compositions(&archive, &period, top, &graded)?);
    sections.push(top_customers(&in_period_mine, top));
    sections.push(risk_customers(&graded_mine, top));
    let due = crate::analytics::due::list(
        &crate::analytics::due::Inputs {
            archive: &archive,
            customers: &customers,
            keep: &|r| kept[r],
            graded: &graded,
            as_of,
            days: 0,
            grace_days: rules.grace_days,
        },
        &archive.settings.due,
        &settings.followup_days,
    )?;
    sections.push(followups_due(&due, top));
    let only = (!filter.is_empty()).then_some(&ids);
    if let Some(s) = crate::analytics::sections::complaints(
        &archive,
        &graded,
        only,
        &period,
        &grade_period,
        as_of,
    )? {
        sections.push(s);
    }
    sections.push(birthdays(
        &customers_mine,
        as_of,
        settings.birthday_days,
        o.no_mask,
    ));
    sections.push(health(archive_dir, as_of)?);

    Ok(Document {
        title: (
            format!("客户档案报告 {}", period.label()),
            format!("Customer archive report {}", period.label()),
        ),
        meta: vec![
            (
                l("period_from", "期间起", "period from"),
                text(iso(period.from)),
            ),
            (l("period_to", "期间止", "period to"), text(iso(period.to))),
            (
                l("previous_from", "上期起", "previous from"),
                text(iso(period.prev_from)),
            ),
            (
                l("previous_to", "上期止", "previous to"),
                text(iso(period.prev_to)),
            ),
            (l("as_of", "截至", "as of"), text(iso(as_of))),
        ]
        .into_iter()
        .chain(
            o.filter
                .owner
                .iter()
                .map(|n| (l("owner", "负责人", "owner"), text(n.trim()))),
        )
        .chain(
            o.filter
                .conditions
                .iter()
                .map(|c| (l("where", "筛选", "where"), text(c.to_string()))),
        )
        .collect(),
        sections,
    })
}

/// The flags of `dangan report`.
#[derive(clap::Args)]
pub struct Args {
    /// month, quarter, year (the last full one before the as-of date), or 2026-10, 2026Q3, 2026 [default: month]
    #[arg(long, value_parser = ReportPeriod::parse, conflicts_with_all = ["from", "to"])]
    pub period: Option<ReportPeriod>,
    /// First day of the period (inclusive)
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of the period (inclusive)
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub to: Option<chrono::NaiveDate>,
    /// Date the report is made at (recency, overdue, follow-ups, birthdays) [default: today]
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Write the report to FILE (atomically) instead of standard output; the format follows its extension
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Rows of the top-N tables [default: 10, or report.top in dangan.yaml]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,
    /// Show mobiles in full
    #[arg(long)]
    pub no_mask: bool,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
}

/// `dangan report` from the command line: the options, the document and where it is written
pub fn main(a: Args, cx: &crate::flags::Context) -> anyhow::Result<std::process::ExitCode> {
    crate::flags::register_no_mask(cx, a.no_mask)?;
    use crate::render::output::Format;
    use anyhow::anyhow;
    use std::io::Write;
    use std::process::ExitCode;
    let g = cx;
    let (archive, out) = (&cx.archive, cx.out);
    let format = match (g.format, &a.output) {
        (Some(f), _) => f,
        (None, Some(p)) => match p.extension().and_then(|e| e.to_str()) {
            Some("html" | "htm") => Format::Html,
            Some("md" | "markdown") => Format::Markdown,
            Some("json") => Format::Json,
            Some("xlsx") => Format::Xlsx,
            _ => Format::Text,
        },
        (None, None) => Format::Text,
    };
    let doc = build(
        archive,
        &ReportOptions {
            period: a.period,
            from: a.from,
            to: a.to,
            as_of: a.as_of,
            top: a.top.map(|n| n as usize),
            no_mask: a.no_mask,
            filter: a.filter,
            today: None,
        },
    )?;
    let mut buf: Vec<u8> = Vec::new();
    match format {
        Format::Text | Format::Table => doc.write_text(&mut buf, out.lang)?,
        Format::Markdown => doc.write_markdown(&mut buf, out.lang)?,
        Format::Html => buf = crate::render::html::render(&doc, out.lang).into_bytes(),
        Format::Json => {
            serde_json::to_writer_pretty(&mut buf, &doc.to_json())?;
            buf.push(b'\n');
        }
        Format::Xlsx => {
            if a.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return Err(anyhow!(crate::render::messages::msg(
                    "xlsx_to_terminal",
                    &[]
                )));
            }
            buf = crate::render::xlsx::workbook(&doc.to_sheets(out.lang), out.lang)?;
        }
        Format::Csv | Format::Yaml | Format::Parquet => {
            return Err(anyhow!(crate::tr!("report_formats")));
        }
    }
    match &a.output {
        Some(p) => {
            crate::archive::commit::write_atomic(p, &buf)?;
            if !g.quiet {
                eprintln!(
                    "{}",
                    crate::render::messages::msg(
                        "report_written_to",
                        &[("file", &p.display().to_string())]
                    )
                );
            }
        }
        None => std::io::stdout().lock().write_all(&buf)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::dates::parse_iso;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    #[test]
    fn default_period_is_the_month_before() {
        let o = ReportOptions {
            as_of: Some(d("2026-11-01")),
            ..Default::default()
        };
        let (as_of, p) = resolve_period(&o, d("2030-01-01")).unwrap();
        assert_eq!(
            (as_of, p.from, p.to),
            (d("2026-11-01"), d("2026-10-01"), d("2026-10-31"))
        );
        let q = ReportOptions {
            as_of: Some(d("2026-11-15")),
            period: Some(ReportPeriod::LastQuarter),
            ..Default::default()
        };
        let (_, p) = resolve_period(&q, d("2030-01-01")).unwrap();
        assert_eq!((p.from, p.to), (d("2026-07-01"), d("2026-09-30")));
        let y = ReportOptions {
            as_of: Some(d("2026-01-10")),
            period: Some(ReportPeriod::LastYear),
            ..Default::default()
        };
        let (_, p) = resolve_period(&y, d("2030-01-01")).unwrap();
        assert_eq!((p.from, p.to), (d("2025-01-01"), d("2025-12-31")));
    }
}
