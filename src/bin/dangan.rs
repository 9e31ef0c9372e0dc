//! The `dangan` command line: clap definitions and dispatch only. The work is
//! done in the library (`dangan::commands::*`).

use anyhow::{Result, anyhow};
use clap::{Args, Parser, Subcommand};
use dangan::archive::schema::TableKind;
use dangan::archive::settings::OnDuplicate;
use dangan::commands::import::{self, ImportOptions};
use dangan::render::output::{Cell, Format, Label, Lang, Out};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

// many small strings per row: mimalloc is markedly faster than glibc's malloc here
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "dangan",
    version,
    about = "客户档案 — keep a customer archive in flat CSV/YAML files and get decisions out of it",
    long_about = None,
    after_help = "Exit codes: 0 success; 1 findings (rejected rows, validation findings); 2 bad usage or unreadable input."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Archive directory [default: $DANGAN_ARCHIVE, else the current directory]
    #[arg(long, global = true, value_name = "DIR")]
    archive: Option<PathBuf>,
    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, global = true, value_enum)]
    format: Option<Format>,
    /// Language of labels for people (machine formats never change) [default: from $DANGAN_LANG / $LANG]
    #[arg(long, global = true, value_enum)]
    lang: Option<Lang>,
    /// No progress bar and no informational messages on stderr
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Bring messy exports (CSV/TSV, YAML, XLSX; UTF-8, GBK/GB18030, UTF-16) into the archive
    #[command(
        after_help = "Examples:\n  dangan import 客户资料.csv --archive ./archive\n  dangan import 销售明细.xlsx --sheet 2024 --dry-run\n  dangan import old_export.csv --output - | head"
    )]
    Import(ImportArgs),
    /// Check the archive (or one file) against the built-in and configured rules
    #[command(
        after_help = "Examples:\n  dangan validate --archive ./archive --as-of 2026-11-30\n  dangan validate 客户资料.xlsx --fail-on warning --format json\n\nExit codes: 0 no finding at the --fail-on level; 1 findings at it; 2 unusable input."
    )]
    Validate(ValidateArgs),
    /// Grade every customer A/B/C, sort it into key / general / risk (with the reasons), score RFM
    #[command(
        after_help = "Examples:\n  dangan classify --archive ./archive --as-of 2026-10-31\n  dangan classify --period 2025 --method threshold --a-min 10万 --b-min 1万\n  dangan classify --write --format csv > grades.csv\n\nRisk rules: over_credit_limit, overdue, credit_rating, churned, decline.\nDefaults come from the classify: section of dangan.yaml."
    )]
    Classify(ClassifyArgs),
    /// Composition tables (sales by tier, region, product, kind, owner, month) and receivables ageing
    #[command(
        after_help = "Examples:\n  dangan analyze region --by region,city --period 2025\n  dangan analyze product --by category,product --top 10\n  dangan analyze month --period 12m --as-of 2026-10-31\n  dangan analyze credit --by customer_id --top 20\n\nGroup columns for --by: tier, region, city, category, product, kind, owner, month, customer_id."
    )]
    Analyze(AnalyzeArgs),
    /// The periodic report: overview, tiers, composition, top and risk customers, follow-ups, birthdays, archive health
    #[command(
        after_help = "Formats: text (default), markdown, html (one self-contained file with charts), json.\n\nExamples:\n  dangan report --archive ./archive --lang zh\n  dangan report --period quarter --format html --output 季报.html\n  # cron, 07:00 on the 1st of every month:\n  0 7 1 * * dangan report --archive /data/archive --lang zh --format html --output /data/reports/$(date +\\%Y-\\%m).html"
    )]
    Report(ReportArgs),
    /// Rewrite the archive's files in canonical form (UTF-8, LF, ISO dates, yuan, canonical kinds), with a backup
    #[command(
        after_help = "Examples:\n  dangan fmt --archive ./archive --check   # list what is not canonical, exit 1 if anything\n  dangan fmt --archive ./archive           # rewrite it (old files kept in .backup/)\n\nExit codes: 0 canonical (or rewritten); 1 with --check, something is not canonical; 2 a cell cannot be read."
    )]
    Fmt(FmtArgs),
}

#[derive(Args)]
struct FmtArgs {
    /// List what is not canonical and exit 1 if anything is; write nothing
    #[arg(long)]
    check: bool,
    /// Seconds to wait for another command's lock on the archive
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    wait: u64,
    /// Show confidential values in full in the listing
    #[arg(long)]
    no_mask: bool,
}

#[derive(Args)]
struct ReportArgs {
    /// month, quarter, year (the last full one before the as-of date), or 2026-10, 2026Q3, 2026 [default: month]
    #[arg(long, value_parser = dangan::commands::report::ReportPeriod::parse, conflicts_with_all = ["from", "to"])]
    period: Option<dangan::commands::report::ReportPeriod>,
    /// First day of the period (inclusive)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    from: Option<chrono::NaiveDate>,
    /// Last day of the period (inclusive)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    to: Option<chrono::NaiveDate>,
    /// Date the report is made at (recency, overdue, follow-ups, birthdays) [default: today]
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<chrono::NaiveDate>,
    /// Write the report to FILE (atomically) instead of standard output; the format follows its extension
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Rows of the top-N tables [default: 10, or report.top in dangan.yaml]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    top: Option<u32>,
    /// Show mobiles in full
    #[arg(long)]
    no_mask: bool,
}

#[derive(Args)]
struct AnalyzeArgs {
    /// What to break down
    #[arg(value_enum)]
    view: dangan::commands::analyze::View,
    #[command(flatten)]
    period: PeriodFlags,
    /// Group by these columns, comma-separated [default: the view's own]
    #[arg(long, value_name = "COL[,COL]", value_delimiter = ',', value_parser = dangan::analytics::composition::Key::parse)]
    by: Option<Vec<dangan::analytics::composition::Key>>,
    /// Keep the N largest rows and fold the rest into one (other) row
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    top: Option<u32>,
}

/// The period a command covers.
#[derive(Args)]
struct PeriodFlags {
    /// Date the figures are taken at (recency, outstanding, overdue) [default: the end of an explicit period, else today]
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<chrono::NaiveDate>,
    /// First day of the period (inclusive)
    #[arg(long, value_parser = parse_date, value_name = "DATE", conflicts_with = "period")]
    from: Option<chrono::NaiveDate>,
    /// Last day of the period (inclusive) [default with --from: the as-of date]
    #[arg(long, value_parser = parse_date, value_name = "DATE", conflicts_with = "period")]
    to: Option<chrono::NaiveDate>,
    /// 12m, 6m, 1y, 2q, 4w, 90d (ending at the as-of date), or 2024, 2024-10, 2024Q3 [default: 12m]
    #[arg(long, value_parser = dangan::analytics::period::PeriodSpec::parse, value_name = "PERIOD")]
    period: Option<dangan::analytics::period::PeriodSpec>,
}

impl PeriodFlags {
    fn args(&self) -> dangan::analytics::period::PeriodArgs {
        dangan::analytics::period::PeriodArgs {
            as_of: self.as_of,
            from: self.from,
            to: self.to,
            period: self.period,
        }
    }
}

#[derive(Args)]
struct ClassifyArgs {
    #[command(flatten)]
    period: PeriodFlags,
    /// pareto: by share of net sales; threshold: by net sales amounts [default: pareto]
    #[arg(long, value_enum)]
    method: Option<dangan::analytics::tiers::Method>,
    /// Pareto: A while the customers ranked before hold less than this % of net sales [default: 80]
    #[arg(long, value_name = "PCT")]
    a: Option<f64>,
    /// Pareto: B while they hold less than this % [default: 95]
    #[arg(long, value_name = "PCT")]
    b: Option<f64>,
    /// Threshold: A from this net sales, in yuan (10万 works) [default: 100000]
    #[arg(long, value_name = "YUAN")]
    a_min: Option<String>,
    /// Threshold: B from this net sales [default: 10000]
    #[arg(long, value_name = "YUAN")]
    b_min: Option<String>,
    /// overdue rule: unpaid more than this many days after the due date [default: 30]
    #[arg(long, value_name = "DAYS")]
    grace_days: Option<i64>,
    /// credit_rating rule: ratings that are a risk, comma-separated [default: C,D]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    risk_ratings: Option<Vec<String>>,
    /// decline rule: net sales down by at least this % on the previous period [default: 50]
    #[arg(long, value_name = "PCT")]
    decline: Option<f64>,
    /// Store tier, segment and classified_at in the customers file (atomic, with a backup)
    #[arg(long)]
    write: bool,
    /// When another dangan holds the archive's lock, wait up to this many seconds for it [default: 0, fail at once]
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    wait: u64,
}

#[derive(Args)]
struct ValidateArgs {
    /// Check this file (CSV/YAML/XLSX, any encoding; `-` = stdin) instead of the archive
    #[arg(value_name = "FILE")]
    file: Option<String>,
    /// Table the file holds [default: recognised from the headers]
    #[arg(long, value_parser = parse_table)]
    table: Option<TableKind>,
    /// Exit 1 when a finding of this severity or worse exists
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Date for date-relative rules (stale, future dates) [default: today]
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<chrono::NaiveDate>,
    /// Rules file (the shape of `validate:` in dangan.yaml), instead of dangan.yaml's
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Show ID numbers, phones and e-mails in full
    #[arg(long)]
    no_mask: bool,
    /// Text encoding of FILE [default: detected]
    #[arg(long, value_parser = parse_encoding)]
    encoding: Option<&'static encoding_rs::Encoding>,
    /// Worksheet of a workbook FILE [default: the first]
    #[arg(long)]
    sheet: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Args)]
struct ImportArgs {
    /// Files to import (`-` reads standard input)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Table the files hold [default: recognised from the headers]
    #[arg(long, value_parser = parse_table)]
    table: Option<TableKind>,
    /// Text encoding, e.g. gbk, gb18030, utf-8, utf-16le [default: detected]
    #[arg(long, value_parser = parse_encoding)]
    encoding: Option<&'static encoding_rs::Encoding>,
    /// Worksheet of a workbook [default: the first]
    #[arg(long)]
    sheet: Option<String>,
    /// YAML file of header → column mappings (wins over dangan.yaml and the built-in aliases)
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    /// What to do with a row that is a customer already known [default: merge, or dangan.yaml]
    #[arg(long, value_enum)]
    on_duplicate: Option<OnDuplicate>,
    /// Where rejected rows go [default: DIR/import-rejects.csv]
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Show what would change; write nothing
    #[arg(long)]
    dry_run: bool,
    /// Write the cleaned rows to FILE (CSV, or YAML by extension; `-` = stdout) instead of the archive
    #[arg(long, short, value_name = "FILE")]
    output: Option<String>,
    /// Date recorded as created/updated for new and changed records [default: today]
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<chrono::NaiveDate>,
    /// When another dangan holds the archive's lock, wait up to this many seconds for it [default: 0, fail at once]
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    wait: u64,
}

/// Lines with a prefix, and how many more there were beyond those shown.
fn print_capped(
    w: &mut dyn Write,
    prefix: &str,
    lines: &[String],
    total: u64,
    more: &str,
) -> Result<()> {
    for l in lines {
        writeln!(w, "{prefix}{l}")?;
    }
    if total > lines.len() as u64 {
        writeln!(w, "{prefix}... and {} {more}", total - lines.len() as u64)?;
    }
    Ok(())
}

fn parse_table(s: &str) -> Result<TableKind, String> {
    TableKind::parse(s).ok_or_else(|| "expected customers, transactions or followups".to_string())
}

fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(s.trim().as_bytes())
        .ok_or_else(|| format!("unknown encoding {s:?} (try utf-8, gbk, gb18030, utf-16le)"))
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    dangan::values::dates::parse_date(s)
        .ok_or_else(|| format!("not a date: {s:?} (use YYYY-MM-DD)"))
}

fn main() -> ExitCode {
    dangan::archive::commit::install_interrupt_handler();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // `dangan ... | head`: the reader went away; that is not an error
            // (csv and serde_json keep the io error as their source)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<csv::Error>().is_some_and(|e| {
                        matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
                    })
                    || c.downcast_ref::<serde_json::Error>()
                        .and_then(|e| e.io_error_kind())
                        == Some(std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            if let Some(f) = e.downcast_ref::<dangan::Findings>() {
                eprintln!("dangan: {f}");
                return ExitCode::from(1);
            }
            eprintln!("dangan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    let mut out = Out {
        format: g.format.unwrap_or_else(Format::default_for_stdout),
        lang: g.lang.unwrap_or_else(Lang::from_env),
    };
    if !matches!(cli.command, Command::Report(_)) {
        match out.format {
            Format::Text => out.format = Format::Table,
            Format::Html => return Err(anyhow!("--format html is for `dangan report`")),
            _ => {}
        }
    }
    let archive = dangan::archive::Archive::resolve_dir(g.archive.as_deref());
    let chatty = !g.quiet && dangan::render::output::stderr_is_terminal();
    match cli.command {
        Command::Import(a) => {
            let opts = ImportOptions {
                files: a.files,
                table: a.table,
                read: dangan::read::source::ReadOptions {
                    encoding: a.encoding,
                    sheet: a.sheet,
                },
                map: a.map,
                on_duplicate: a.on_duplicate,
                rejects: a.rejects,
                dry_run: a.dry_run,
                output: a.output,
                today: a.as_of.unwrap_or_else(dangan::values::dates::today),
                progress: chatty,
                lock_wait: std::time::Duration::from_secs(a.wait),
            };
            let r = import::run(&archive, &opts)?;
            let mut err = std::io::stderr().lock();
            print_capped(
                &mut err,
                "warning: ",
                &r.warnings,
                r.warnings_total,
                "more values kept as they were",
            )?;
            if opts.dry_run {
                print_capped(
                    &mut err,
                    "would ",
                    &r.changes,
                    r.changes_total,
                    "more changes",
                )?;
                writeln!(err, "dry run: nothing was written")?;
            }
            for line in &r.rejected_preview {
                writeln!(err, "rejected: {line}")?;
            }
            if r.summary.rejected > r.rejected_preview.len() as u64 {
                writeln!(
                    err,
                    "rejected: ... and {} more",
                    r.summary.rejected - r.rejected_preview.len() as u64
                )?;
            }
            if let Some(p) = &r.rejects_file {
                writeln!(
                    err,
                    "{} rejected row(s) written to {}",
                    r.summary.rejected,
                    p.display()
                )?;
            } else if opts.dry_run && r.summary.rejected > 0 {
                writeln!(err, "{} row(s) would be rejected", r.summary.rejected)?;
            }
            if chatty && let Some(b) = &r.backup {
                writeln!(err, "previous files kept in {}", b.display())?;
            }
            let s = &r.summary;
            let fields = [
                ("read", "读取", "read", s.read),
                ("added", "新增", "added", s.added),
                ("updated", "更新", "updated", s.updated),
                ("unchanged", "未变", "unchanged", s.unchanged),
                ("rejected", "拒收", "rejected", s.rejected),
                (
                    "values_normalised",
                    "规范化的值",
                    "values normalised",
                    s.values_normalised,
                ),
                (
                    "amounts_rounded",
                    "四舍五入的金额",
                    "amounts rounded",
                    s.amounts_rounded,
                ),
            ]
            .map(|(k, zh, en, v)| (Label::new(k, zh, en), Cell::Int(v as i64)));
            // with `--output -` the cleaned rows own stdout; the summary goes to stderr
            let to_stdout = opts.output.as_deref() != Some("-");
            if to_stdout {
                dangan::render::output::write_record(&mut std::io::stdout().lock(), out, &fields)?;
            } else if !g.quiet {
                let human = Out {
                    format: if out.format.is_machine() {
                        Format::Table
                    } else {
                        out.format
                    },
                    ..out
                };
                let human = if g.format.is_some_and(|f| f.is_machine()) {
                    out
                } else {
                    human
                };
                dangan::render::output::write_record(&mut err, human, &fields)?;
            }
            if s.rejected > 0 {
                return Err(anyhow!(dangan::Findings(format!(
                    "{} row(s) rejected",
                    s.rejected
                ))));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Fmt(a) => {
            use dangan::commands::fmt;
            let opts = fmt::FmtOptions {
                check: a.check,
                lock_wait: std::time::Duration::from_secs(a.wait),
            };
            let f = fmt::run(&archive, &opts)?;
            fmt::print(&mut std::io::stdout().lock(), out, &f, a.no_mask)?;
            if chatty && let Some(b) = &f.backup {
                writeln!(std::io::stderr(), "previous files kept in {}", b.display())?;
            }
            if a.check && f.changed() {
                let n = f.files.iter().filter(|f| f.changed).count();
                return Err(anyhow!(dangan::Findings(format!(
                    "{n} file(s) not canonical (run `dangan fmt` to rewrite them)"
                ))));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Classify(a) => {
            use dangan::commands::classify;
            let opts = classify::ClassifyOptions {
                period: a.period.args(),
                grading: dangan::analytics::grading::Overrides {
                    method: a.method,
                    a: a.a,
                    b: a.b,
                    a_min: a.a_min,
                    b_min: a.b_min,
                    grace_days: a.grace_days,
                    risk_ratings: a.risk_ratings,
                    decline: a.decline,
                },
                write: a.write,
                lock_wait: std::time::Duration::from_secs(a.wait),
                today: None,
            };
            let c = classify::run(&archive, &opts)?;
            let t = std::time::Instant::now();
            classify::print(&mut std::io::stdout().lock(), out, &c)?;
            dangan::timing("classify: output", t);
            if let Some(wr) = &c.written
                && !g.quiet
            {
                let mut err = std::io::stderr().lock();
                if wr.changed == 0 && wr.backup.is_none() {
                    writeln!(
                        err,
                        "{}: grades unchanged, nothing written",
                        wr.path.display()
                    )?;
                } else {
                    writeln!(
                        err,
                        "{}: tier, segment, classified_at written ({} customer(s) changed)",
                        wr.path.display(),
                        wr.changed
                    )?;
                    if let Some(b) = &wr.backup {
                        writeln!(err, "previous file kept in {}", b.display())?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Analyze(a) => {
            use dangan::commands::analyze;
            let opts = analyze::AnalyzeOptions {
                view: a.view,
                period: a.period.args(),
                by: a.by,
                top: a.top.map(|n| n as usize),
                today: None,
            };
            let r = analyze::run(&archive, &opts)?;
            analyze::print(&mut std::io::stdout().lock(), out, &r)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(a) => {
            use dangan::commands::report;
            let format = match (g.format, &a.output) {
                (Some(f), _) => f,
                (None, Some(p)) => match p.extension().and_then(|e| e.to_str()) {
                    Some("html" | "htm") => Format::Html,
                    Some("md" | "markdown") => Format::Markdown,
                    Some("json") => Format::Json,
                    _ => Format::Text,
                },
                (None, None) => Format::Text,
            };
            let doc = report::build(
                &archive,
                &report::ReportOptions {
                    period: a.period,
                    from: a.from,
                    to: a.to,
                    as_of: a.as_of,
                    top: a.top.map(|n| n as usize),
                    no_mask: a.no_mask,
                    today: None,
                },
            )?;
            let mut buf: Vec<u8> = Vec::new();
            match format {
                Format::Text | Format::Table => doc.write_text(&mut buf, out.lang)?,
                Format::Markdown => doc.write_markdown(&mut buf, out.lang)?,
                Format::Html => buf = dangan::render::html::render(&doc, out.lang).into_bytes(),
                Format::Json => {
                    serde_json::to_writer_pretty(&mut buf, &doc.to_json())?;
                    buf.push(b'\n');
                }
                Format::Csv | Format::Yaml => {
                    return Err(anyhow!(
                        "a report is text, markdown, html or json (--format)"
                    ));
                }
            }
            match &a.output {
                Some(p) => {
                    dangan::archive::commit::write_atomic(p, &buf)?;
                    if !g.quiet {
                        eprintln!("report written to {}", p.display());
                    }
                }
                None => std::io::stdout().lock().write_all(&buf)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate(a) => {
            use dangan::commands::validate;
            let opts = dangan::check::engine::ValidateOptions {
                file: a.file,
                table: a.table,
                read: dangan::read::source::ReadOptions {
                    encoding: a.encoding,
                    sheet: a.sheet,
                },
                rules: a.rules,
                as_of: a.as_of.unwrap_or_else(dangan::values::dates::today),
                no_mask: a.no_mask,
            };
            let report =
                validate::run_and_print(&archive, &opts, &mut std::io::stdout().lock(), out)?;
            let level = match a.fail_on {
                FailOn::Error => Some(dangan::check::rules::Severity::Error),
                FailOn::Warning => Some(dangan::check::rules::Severity::Warning),
                FailOn::Never => None,
            };
            if let Some(level) = level
                && report.fails(Some(level))
            {
                let n = report.at_least(level);
                return Err(anyhow!(dangan::Findings(format!(
                    "{n} finding(s) at or above --fail-on"
                ))));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
