//! The `dangan` command line: clap definitions and dispatch only. The work is
//! done in the library (`dangan::commands::*`).

use anyhow::{Result, anyhow};
use clap::{Args, Parser, Subcommand};
use dangan::render::output::{Format, Lang, Out};
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
    Import(dangan::commands::import::Args),
    /// Check the archive (or one file) against the built-in and configured rules
    #[command(
        after_help = "Examples:\n  dangan validate --archive ./archive --as-of 2026-11-30\n  dangan validate 客户资料.xlsx --fail-on warning --format json\n\nExit codes: 0 no finding at the --fail-on level; 1 findings at it; 2 unusable input."
    )]
    Validate(dangan::commands::validate::Args),
    /// Grade every customer A/B/C, sort it into key / general / risk (with the reasons), score RFM
    #[command(
        after_help = "Examples:\n  dangan classify --archive ./archive --as-of 2026-10-31\n  dangan classify --period 2025 --method threshold --a-min 10万 --b-min 1万\n  dangan classify --write --format csv > grades.csv\n\nRisk rules: over_credit_limit, overdue, credit_rating, churned, decline, complaints.\nDefaults come from the classify: section of dangan.yaml."
    )]
    Classify(dangan::commands::classify::Args),
    /// Composition tables (sales by tier, region, product, kind, owner, month, age band, tag, any column), receivables ageing, the sales force
    #[command(
        after_help = "Examples:\n  dangan analyze region --by region,city --period 2025\n  dangan analyze product --by category,product --top 10\n  dangan analyze month --period 12m --as-of 2026-10-31\n  dangan analyze credit --by customer_id --top 20\n  dangan analyze sales --by age_band,tag\n  dangan analyze sales --by 集团 --owner 李娜\n  dangan analyze team --period 2026Q3\n\nGroups for --by: tier, segment, region, city, category, product, kind, owner, month, customer_id, age_band, tag, and any customer or transaction column (a Chinese header too)."
    )]
    Analyze(dangan::commands::analyze::Args),
    /// The periodic report: overview, tiers, composition, top and risk customers, follow-ups, birthdays, archive health
    #[command(
        after_help = "Formats: text (default), markdown, html (one self-contained file with charts), json.\n\nExamples:\n  dangan report --archive ./archive --lang zh\n  dangan report --period quarter --format html --output 季报.html\n  # cron, 07:00 on the 1st of every month:\n  0 7 1 * * dangan report --archive /data/archive --lang zh --format html --output /data/reports/$(date +\\%Y-\\%m).html"
    )]
    Report(dangan::commands::report::Args),
    /// Rewrite the archive's files in canonical form (UTF-8, LF, ISO dates, yuan, canonical kinds), with a backup
    #[command(
        after_help = "Examples:\n  dangan fmt --archive ./archive --check   # list what is not canonical, exit 1 if anything\n  dangan fmt --archive ./archive           # rewrite it (old files kept in .backup/)\n\nExit codes: 0 canonical (or rewritten); 1 with --check, something is not canonical; 2 a cell cannot be read."
    )]
    Fmt(dangan::commands::fmt::Args),
    /// One customer's whole file (一户一档): every field, grade, sales, credit, transactions, follow-ups, revisions
    #[command(
        after_help = "KEY: an archive number, a mobile, a credit code, an ID number or an exact name.\n\nExamples:\n  dangan show C000123 --as-of 2026-10-31\n  dangan show 13800138000 --lang zh\n  dangan show 深圳市鸿达贸易有限公司 --format json\n\nExit codes: 0 shown; 1 the KEY names several customers (listed); 2 no customer has it."
    )]
    Show(dangan::commands::show::Args),
    /// Look customers up by any part of a name (or its pinyin), contact, address, phone digits or number
    #[command(
        after_help = "Examples:\n  dangan find 鸿达\n  dangan find hongda        # pinyin; hd works too\n  dangan find 8000 --owner 王芳\n  dangan find 贸易 --where region=广东省 --where kind!=individual\n\nNo match is an empty list and exit 0."
    )]
    Find(dangan::commands::find::Args),
    /// The revisions (修订记录) of one customer or of the whole archive, from changes.csv; --access for 查阅登记
    #[command(
        after_help = "Examples:\n  dangan history C000123\n  dangan history --since 2026-11-01\n  dangan history 13800138000 --field mobile\n  dangan history --field segment --command classify --since 2026-10-01\n  dangan history --access"
    )]
    History(dangan::commands::history::Args),
    /// The follow-up to-do list (回访): appointments, schedules, tier intervals, birthdays, anniversaries, payments to chase
    #[command(
        after_help = "Reasons: appointment, new_record, interval, birthday, anniversary, payment (settings: due: in dangan.yaml).\n\nExamples:\n  dangan due --owner 李娜\n  dangan due --days 7 --as-of 2026-12-01\n  dangan due --reason payment --where tier=A\n  dangan due --format csv --no-mask > 今日回访.csv   # a mail-merge / SMS list"
    )]
    Due(dangan::commands::due::Args),
    /// Hand a salesperson's customers over to others (客户移交): atomic, logged, balanced by net sales
    #[command(
        after_help = "Examples:\n  dangan reassign --from 王芳 --to 李娜 --dry-run\n  dangan reassign --from 王芳 --to 李娜,张伟 --keep-together 集团\n  dangan reassign --from 王芳 --to 公海 --unattended 180   # the public pool\n  dangan reassign --from 王芳 --to 李娜 --where region=广东省\n\nExit codes: 0 moved (or nothing to move); 2 an unknown --from, a --to equal to it, a bad --where."
    )]
    Reassign(dangan::commands::reassign::Args),
    /// 查重: customers recorded twice under different spellings, found with the evidence, and merged once confirmed
    #[command(
        after_help = "Reasons (stable names): credit_code, id_number, name_key, trade_name, name_similar, mobile, phone, email, address, contact; against: credit_code_differs, id_number_differs, branch, industry_differs, region_differs, kind_differs, mobile_differs.\n\nExamples:\n  dangan dedupe                              # the archive against itself, clusters for people\n  dangan dedupe --format csv > 疑似重复.csv    # the pairs; keep the rows that are duplicates\n  dangan dedupe --apply 疑似重复.csv --dry-run\n  dangan dedupe --apply 疑似重复.csv           # merge them: the older archive number stays\n  dangan dedupe 展会名单.xlsx                   # is this list's customer already ours, and whose?\n\nExit codes: 0 listed, or every pair merged; 1 --apply refused a pair (see the why column); 2 bad usage or unreadable input."
    )]
    Dedupe(dangan::commands::dedupe::Args),
    /// The archive as typed Parquet (money DECIMAL(18,2), dates DATE) and a views.sql for DuckDB and Spark SQL
    #[command(
        after_help = "Examples:\n  dangan export warehouse/ --as-of 2026-10-31\n  dangan export /data/lake/2026-10 --period 2026 --format parquet\n  duckdb -c \"CREATE VIEW customers AS SELECT * FROM 'warehouse/customers.parquet'; CREATE VIEW transactions AS SELECT * FROM 'warehouse/transactions.parquet'; .read warehouse/views.sql\"\n\nWrites DIR/customers.parquet, DIR/transactions.parquet (followups, complaints when the archive has them) and DIR/views.sql. See docs/scale.md."
    )]
    Export(dangan::commands::export::Args),
}

/// `--lang` as the command line gives it, read before clap parses it (so
/// that clap's own usage errors can be in that language).
fn lang_of_args() -> Lang {
    let args: Vec<String> = std::env::args().collect();
    for (i, a) in args.iter().enumerate() {
        let v = match a.strip_prefix("--lang=") {
            Some(v) => Some(v.to_string()),
            None if a == "--lang" => args.get(i + 1).cloned(),
            None => None,
        };
        match v.as_deref() {
            Some("zh") => return Lang::Zh,
            Some("en") => return Lang::En,
            _ => {}
        }
    }
    Lang::from_env()
}

/// A clap usage error in the catalogue's language; `None` for what clap
/// prints best itself (help, version) or cannot be taken apart.
fn usage_error(e: &clap::Error, lang: Lang) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use dangan::render::messages::msg_in;
    let get = |k: ContextKind| -> String {
        match e.get(k) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(v)) => v.join(", "),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    };
    let tip = || {
        let s = get(ContextKind::SuggestedArg);
        let s = if s.is_empty() {
            get(ContextKind::SuggestedSubcommand)
        } else {
            s
        };
        if s.is_empty() {
            String::new()
        } else {
            msg_in(lang, "usage_tip", &[("suggested", &s)])
        }
    };
    Some(match e.kind() {
        ErrorKind::UnknownArgument => msg_in(
            lang,
            "usage_unknown_argument",
            &[("arg", &get(ContextKind::InvalidArg)), ("tip", &tip())],
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let valid = get(ContextKind::ValidValue);
            let valid = if valid.is_empty() {
                String::new()
            } else {
                msg_in(lang, "usage_valid", &[("values", &valid)])
            };
            // the value parser's reason (src/flags.rs), already in `lang`
            let why = std::error::Error::source(e)
                .map(|s| msg_in(lang, "usage_why", &[("why", &s.to_string())]))
                .unwrap_or_default();
            msg_in(
                lang,
                "usage_invalid_value",
                &[
                    ("arg", &get(ContextKind::InvalidArg)),
                    ("value", &get(ContextKind::InvalidValue)),
                    ("why", &why),
                    ("valid", &valid),
                ],
            )
        }
        ErrorKind::MissingRequiredArgument => msg_in(
            lang,
            "usage_missing",
            &[("args", &get(ContextKind::InvalidArg))],
        ),
        ErrorKind::InvalidSubcommand => msg_in(
            lang,
            "usage_unknown_command",
            &[
                ("command", &get(ContextKind::InvalidSubcommand)),
                ("tip", &tip()),
            ],
        ),
        ErrorKind::NoEquals | ErrorKind::TooFewValues => msg_in(
            lang,
            "usage_missing_value",
            &[("arg", &get(ContextKind::InvalidArg))],
        ),
        ErrorKind::ArgumentConflict => msg_in(
            lang,
            "usage_conflict",
            &[
                ("arg", &get(ContextKind::InvalidArg)),
                ("other", &get(ContextKind::PriorArg)),
            ],
        ),
        _ => return None,
    })
}

/// mimalloc's `mi_option_purge_delay` (15 in the `mi_option_e` of its v2 and
/// v3 headers, which `libmimalloc-sys` does not name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Freed memory stays with the allocator for the run (-1: never purged).
    // A command builds and drops columns of millions of values; given back
    // to the system, each page came back zeroed by the kernel on its next
    // use (`perf`: 37 % of `classify`'s CPU; its system time fell from
    // 1.8–2.6 s to 0.6–1.1 s). The peak is the same; the memory is the
    // system's again when the run ends.
    // SAFETY: an option of the allocator, set by value; no pointer.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    dangan::archive::commit::install_interrupt_handler();
    let lang = lang_of_args();
    dangan::render::messages::set_lang(lang);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if lang == Lang::Zh && e.use_stderr() => match usage_error(&e, lang) {
            Some(text) => {
                eprintln!("{text}");
                return ExitCode::from(2);
            }
            None => e.exit(),
        },
        Err(e) => e.exit(),
    };
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
                eprintln!(
                    "{}",
                    dangan::render::messages::msg("findings", &[("message", &f.to_string())])
                );
                return ExitCode::from(1);
            }
            eprintln!(
                "{}",
                dangan::render::messages::msg("error", &[("message", &format!("{e:#}"))])
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    // `--output FILE` of a table command (report and import have their own)
    let (file, sheet): (Option<PathBuf>, (&str, &str)) = match &cli.command {
        Command::Validate(a) => (a.output.output.clone(), ("检查结果", "findings")),
        Command::Classify(a) => (a.output.output.clone(), ("客户分级", "classification")),
        Command::Analyze(a) => (a.output.output.clone(), ("客户构成分析", "analysis")),
        Command::Due(a) => (a.output.output.clone(), ("待回访", "due")),
        Command::Find(a) => (a.output.output.clone(), ("查找结果", "found")),
        Command::History(a) => (a.output.output.clone(), ("变更记录", "history")),
        Command::Show(a) => (a.output.output.clone(), ("客户档案", "customer")),
        Command::Dedupe(a) => (a.output.output.clone(), ("疑似重复", "duplicates")),
        Command::Reassign(a) => (a.output.output.clone(), ("客户移交", "reassigned")),
        Command::Fmt(a) => (a.output.output.clone(), ("规范化", "fmt")),
        Command::Import(_) | Command::Report(_) | Command::Export(_) => (None, ("", "")),
    };
    let lang = g.lang.unwrap_or_else(Lang::from_env);
    let mut out = Out {
        format: g
            .format
            .or_else(|| file.as_deref().and_then(Format::from_extension))
            .unwrap_or_else(|| {
                if file.is_some() {
                    Format::Csv
                } else {
                    Format::default_for_stdout()
                }
            }),
        lang,
    };
    let exporting = matches!(cli.command, Command::Export(_));
    if out.format == Format::Parquet && !exporting {
        return Err(anyhow!(dangan::render::messages::msg(
            "parquet_is_for_export",
            &[]
        )));
    }
    if !matches!(cli.command, Command::Report(_) | Command::Export(_)) {
        match out.format {
            Format::Text => out.format = Format::Table,
            Format::Html => {
                return Err(anyhow!(dangan::render::messages::msg(
                    "html_is_for_report",
                    &[]
                )));
            }
            Format::Xlsx if matches!(cli.command, Command::Import(_)) => {
                return Err(anyhow!(dangan::render::messages::msg(
                    "import_no_xlsx",
                    &[]
                )));
            }
            _ => {}
        }
    }
    let format = out.format;
    let quiet = g.quiet;
    // report and import write their own files (a report's workbook, the
    // cleaned rows): the generic output of a table command stays out of it
    let generic = !matches!(
        cli.command,
        Command::Import(_) | Command::Report(_) | Command::Export(_)
    );
    if generic {
        dangan::render::output::begin_output(format, file.as_deref(), lang.pick(sheet.0, sheet.1))?;
    }
    // `--format` as given, or as the output file's extension gives it
    let given = g
        .format
        .or_else(|| file.as_deref().and_then(Format::from_extension));
    let result = dispatch(cli, out, given);
    // findings (exit 1) are output too: the file is written
    let written = match &result {
        Ok(_) => true,
        Err(e) => e.downcast_ref::<dangan::Findings>().is_some(),
    };
    if written && generic {
        dangan::render::output::finish_output(format, file.as_deref(), lang)?;
        if let Some(p) = &file
            && !quiet
        {
            let shown = p.display().to_string();
            eprintln!(
                "{}",
                dangan::render::messages::msg("written_to", &[("file", &shown)])
            );
        }
    }
    result
}

fn dispatch(cli: Cli, out: Out, given: Option<Format>) -> Result<ExitCode> {
    let g = &cli.global;
    let cx = dangan::flags::Context {
        archive: dangan::archive::Archive::resolve_dir(g.archive.as_deref()),
        out,
        format: given,
        quiet: g.quiet,
        chatty: !g.quiet && dangan::render::output::stderr_is_terminal(),
    };
    use dangan::commands::*;
    match cli.command {
        Command::Import(a) => import::main(a, &cx),
        Command::Validate(a) => validate::main(a, &cx),
        Command::Classify(a) => classify::main(a, &cx),
        Command::Analyze(a) => analyze::main(a, &cx),
        Command::Report(a) => report::main(a, &cx),
        Command::Fmt(a) => fmt::main(a, &cx),
        Command::Show(a) => show::main(a, &cx),
        Command::Find(a) => find::main(a, &cx),
        Command::History(a) => history::main(a, &cx),
        Command::Due(a) => due::main(a, &cx),
        Command::Reassign(a) => reassign::main(a, &cx),
        Command::Dedupe(a) => dedupe::main(a, &cx),
        Command::Export(a) => export::main(a, &cx),
    }
}
