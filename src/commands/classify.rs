//! `dangan classify`: grade every customer A/B/C, sort it into key / general /
//! risk with the reasons, and score it RFM.
//!
//! ```text
//! dangan classify [--as-of DATE] [--from DATE --to DATE | --period 12m|6m|1y|2024|2024-10|2024Q3]
//!                 [--method pareto|threshold] [--a 80 --b 95 | --a-min YUAN --b-min YUAN]
//!                 [--grace-days N] [--risk-ratings C,D] [--decline PCT] [--write]
//! ```
//!
//! One row per customer (all customers, also those without transactions), in
//! ranking order (net sales descending, ties by id):
//! `id, name, region, owner, net_sales, share, cumulative_share, tier, segment,
//! reasons, orders, last_date, recency_days, frequency, monetary, r_score,
//! f_score, m_score, rfm`.
//!
//! - `net_sales` (= `monetary`): sales − returns − discounts dated in the period.
//! - `share`, `cumulative_share`: of the positive net sales the ranking is
//!   over, in % (empty for customers with net sales ≤ 0); they reach exactly
//!   100.00 at the last customer with positive net sales.
//! - `orders`: transactions of any kind in the period; `frequency`: sales in it.
//! - `last_date`, `recency_days`: the last sale up to the as-of date (any period).
//! - `reasons`: for a risk customer the risk rules that fired; for a key
//!   customer `tier_a` and/or `key_tag`.
//!
//! The grading is `analytics::grading` (one polars query, then the ranking,
//! cut and rules of `analytics::tiers`). `--write` stores `tier`,
//! `segment` and `classified_at` (the as-of date) in the customers file,
//! atomically with a backup; with the same inputs it writes nothing the second
//! time.

use crate::analytics::grading::{Graded, Overrides, grade_archive, rules};
use crate::analytics::period::{Period, PeriodArgs};
use crate::analytics::tiers::{Method, Segment, Tier};
use crate::archive::changes::ChangeLog;
use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, Record};
use crate::render::output::{Cell, Label, Out, write_rows};
use crate::values::dates::iso;
use crate::values::text::neutralise_formula;
use anyhow::Result;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// What the command line (or a caller) asks for; `None` means the setting
/// from `dangan.yaml`.
#[derive(Debug, Clone, Default)]
pub struct ClassifyOptions {
    pub period: PeriodArgs,
    /// flags over the `classify:` settings
    pub grading: Overrides,
    pub write: bool,
    /// how long `--write` waits for another dangan's lock (`--wait`)
    pub lock_wait: std::time::Duration,
    /// `--owner`/`--where`: only these customers are listed (and written);
    /// their shares and tiers are those of the whole archive
    pub filter: crate::flags::FilterFlags,
    pub today: Option<NaiveDate>,
}

pub struct Classification {
    pub as_of: NaiveDate,
    pub period: Period,
    pub method: Method,
    /// customers in ranking order
    pub rows: Vec<Graded>,
    /// where `--write` put the grades, and the backup of the old file
    pub written: Option<Written>,
}

pub struct Written {
    pub path: PathBuf,
    pub changed: usize,
    pub backup: Option<PathBuf>,
}

pub fn run(archive_dir: &std::path::Path, opts: &ClassifyOptions) -> Result<Classification> {
    let archive = Archive::open(archive_dir)?;
    // the lock is held from reading to writing, so no import slips in between
    let _lock = if opts.write {
        Some(ArchiveLock::acquire(&archive.dir, opts.lock_wait)?)
    } else {
        None
    };
    let rules = rules(&archive, &opts.grading)?;
    let pargs = opts
        .period
        .or_setting(archive.settings.classify.period.as_deref())?;
    let today = opts.today.unwrap_or_else(crate::values::dates::today);
    let (as_of, period) = pargs.resolve(today)?;
    // a bad --where stops the run before the grading
    let customers = if opts.filter.is_empty() {
        None
    } else {
        let c = crate::analytics::ledger::customers(&archive, &opts.filter, &[])?;
        let f = opts.filter.filter(&c.columns)?;
        Some((c, f))
    };
    let mut rows = grade_archive(&archive, &rules, as_of, &period)?;
    if let Some((c, f)) = customers {
        let kept = {
            let grades = crate::analytics::grading::grade_of(&rows);
            f.kept_ids(&c, &|id| grades.get(id).copied())
        };
        rows.retain(|g| kept.contains(&g.id));
    }
    let written = if opts.write {
        Some(write_grades(&archive, &rows, as_of)?)
    } else {
        None
    };
    Ok(Classification {
        as_of,
        period,
        method: rules.method,
        rows,
        written,
    })
}

/// Store `tier`, `segment` and `classified_at` in the customers file; every
/// other value and column stays as it was. Nothing is written (and no backup
/// taken) when the file already holds these grades.
fn write_grades(archive: &Archive, rows: &[Graded], as_of: NaiveDate) -> Result<Written> {
    let (path, format) = archive.table_target(TableKind::Customers)?;
    let mut table = archive.read_table(TableKind::Customers)?;
    let id_col = table.col("id").unwrap_or(0);
    let had_columns = ["tier", "segment", "classified_at"]
        .iter()
        .all(|c| table.col(c).is_some());
    let cols = [
        table.ensure_col("tier"),
        table.ensure_col("segment"),
        table.ensure_col("classified_at"),
    ];
    // a duplicated id (a validation error) gets the grade of its first row
    let by_id: rustc_hash::FxHashMap<&str, &Graded> =
        rows.iter().rev().map(|g| (g.id.as_str(), g)).collect();
    let stamp = iso(as_of);
    let width = table.columns.len();
    // tier and segment changes go to changes.csv (`classified_at` is the
    // log row's source, not a row of its own)
    let mut log = ChangeLog::begin(&archive.dir, "classify --write")?;
    let source = format!("classify --write as-of {stamp}");
    let mut changed = 0;
    let mut new_rows: Vec<Record> = Vec::with_capacity(table.rows.len());
    for r in &table.rows {
        let Some(g) = by_id.get(r.get(id_col)) else {
            new_rows.push(r.clone());
            continue;
        };
        let values = [g.tier.name(), g.segment.name(), stamp.as_str()];
        if cols.iter().zip(values).all(|(&c, v)| r.get(c) == v) {
            new_rows.push(r.clone());
            continue;
        }
        changed += 1;
        for (&c, val) in cols.iter().zip(values).take(2) {
            if r.get(c) != val {
                let field = &table.columns[c];
                log.push(
                    TableKind::Customers,
                    r.get(id_col),
                    field,
                    r.get(c),
                    val,
                    &source,
                )?;
            }
        }
        let mut v = r.to_vec();
        v.resize(width, String::new());
        for (&c, val) in cols.iter().zip(values) {
            v[c] = val.to_string();
        }
        new_rows.push(Record::new(&v));
    }
    if changed == 0 && had_columns {
        return Ok(Written {
            path,
            changed: 0,
            backup: None,
        });
    }
    table.rows = new_rows;
    let staged = Staged::table(&path, format, &table, archive.settings.archive.bom)?;
    let backup = commit::commit(&archive.dir, vec![staged], log)?;
    crate::analytics::prepared::after_write(archive);
    Ok(Written {
        path,
        changed,
        backup,
    })
}

/// The output columns, canonical key and labels.
pub fn columns() -> Vec<Label> {
    [
        ("id", "档案编号", "id"),
        ("name", "客户名称", "name"),
        ("region", "地区", "region"),
        ("owner", "负责人", "owner"),
        ("net_sales", "净销售额", "net sales"),
        ("share", "占比%", "share %"),
        ("cumulative_share", "累计占比%", "cumulative %"),
        ("tier", "等级", "tier"),
        ("segment", "类别", "segment"),
        ("reasons", "原因", "reasons"),
        ("orders", "交易笔数", "orders"),
        ("last_date", "最近购买", "last sale"),
        ("recency_days", "距今天数", "recency days"),
        ("frequency", "购买次数", "frequency"),
        ("monetary", "购买金额", "monetary"),
        ("r_score", "R", "R"),
        ("f_score", "F", "F"),
        ("m_score", "M", "M"),
        ("rfm", "RFM", "RFM"),
    ]
    .iter()
    .map(|(k, zh, en)| Label::new(k, zh, en))
    .collect()
}

pub fn cells(g: &Graded, lang: crate::render::output::Lang, human: bool) -> Vec<Cell> {
    let segment = if human {
        lang.pick(g.segment.zh(), g.segment.name()).to_string()
    } else {
        g.segment.name().to_string()
    };
    vec![
        Cell::Text(g.id.clone()),
        Cell::Text(g.name.clone()),
        Cell::Text(g.region.clone()),
        Cell::Text(g.owner.clone()),
        Cell::Fen(g.net_sales),
        Cell::opt_pct(g.share),
        Cell::opt_pct(g.cumulative_share),
        Cell::Text(g.tier.name().into()),
        Cell::Text(segment),
        Cell::Text(crate::analytics::tiers::Reason::join(&g.reasons)),
        Cell::Int(g.orders),
        g.last_date.clone().map_or(Cell::Null, Cell::Text),
        g.recency_days.map_or(Cell::Null, Cell::Int),
        Cell::Int(g.frequency),
        Cell::Fen(g.net_sales),
        Cell::Int(g.r as i64),
        Cell::Int(g.f as i64),
        Cell::Int(g.m as i64),
        Cell::Text(format!("{}{}{}", g.r, g.f, g.m)),
    ]
}

/// Customers and net sales per tier and per segment.
pub fn summary(c: &Classification) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    for t in [Tier::A, Tier::B, Tier::C] {
        let (n, s) = c
            .rows
            .iter()
            .filter(|g| g.tier == t)
            .fold((0, 0), |(n, s), g| (n + 1, s + g.net_sales));
        out.push((t.name().to_string(), n, s));
    }
    for seg in Segment::ALL {
        let (n, s) = c
            .rows
            .iter()
            .filter(|g| g.segment == seg)
            .fold((0, 0), |(n, s), g| (n + 1, s + g.net_sales));
        out.push((seg.name().to_string(), n, s));
    }
    out
}

/// Rows shown in a terminal table before the rest is left to `--format csv`.
pub const SHOWN_TO_PEOPLE: usize = 200;

/// The CSV of all customers, written straight from the grades (a million
/// rows: no cell is built per value). The same text `write_rows` gives.
fn write_csv(w: &mut dyn Write, c: &Classification) -> Result<()> {
    let mut out = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(w);
    out.write_record(columns().iter().map(|l| l.key.as_str()))?;
    let pct = |p: Option<i64>| p.map(crate::values::money::format_yuan).unwrap_or_default();
    for g in &c.rows {
        let net = crate::values::money::format_yuan(g.net_sales);
        let rfm = [b'0' + g.r, b'0' + g.f, b'0' + g.m];
        // text from the archive, made safe to open in a spreadsheet
        for text in [&g.id, &g.name, &g.region, &g.owner] {
            out.write_field(neutralise_formula(text).as_bytes())?;
        }
        out.write_field(&net)?;
        out.write_field(pct(g.share))?;
        out.write_field(pct(g.cumulative_share))?;
        out.write_field(g.tier.name())?;
        out.write_field(g.segment.name())?;
        out.write_field(crate::analytics::tiers::Reason::join(&g.reasons))?;
        out.write_field(g.orders.to_string())?;
        out.write_field(g.last_date.as_deref().unwrap_or(""))?;
        out.write_field(g.recency_days.map(|d| d.to_string()).unwrap_or_default())?;
        out.write_field(g.frequency.to_string())?;
        out.write_field(&net)?;
        out.write_field(&rfm[0..1])?;
        out.write_field(&rfm[1..2])?;
        out.write_field(&rfm[2..3])?;
        out.write_field(rfm)?;
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()?;
    Ok(())
}

pub fn print(w: &mut dyn Write, out: Out, c: &Classification) -> Result<()> {
    if out.format == crate::render::output::Format::Csv {
        return write_csv(w, c);
    }
    let human = !out.format.is_machine();
    let shown = if human && out.format == crate::render::output::Format::Table {
        c.rows.len().min(SHOWN_TO_PEOPLE)
    } else {
        c.rows.len()
    };
    let rows: Vec<Vec<Cell>> = c.rows[..shown]
        .iter()
        .map(|g| cells(g, out.lang, human))
        .collect();
    write_rows(w, out, &columns(), &rows)?;
    if !human {
        return Ok(());
    }
    let zh = out.lang == crate::render::output::Lang::Zh;
    if shown < c.rows.len() {
        writeln!(
            w,
            "{}",
            if zh {
                format!(
                    "…… 另有 {} 位客户未显示（--format csv 输出全部）",
                    c.rows.len() - shown
                )
            } else {
                format!(
                    "... {} more customers (--format csv gives them all)",
                    c.rows.len() - shown
                )
            }
        )?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "{}",
        if zh {
            format!(
                "分类期间 {}，截至 {}，方法 {}",
                c.period.label(),
                c.as_of,
                method_name(c.method)
            )
        } else {
            format!(
                "period {}, as of {}, method {}",
                c.period.label(),
                c.as_of,
                method_name(c.method)
            )
        }
    )?;
    let total: i64 = c.rows.iter().map(|g| g.net_sales).sum();
    let labels = [
        Label::new("group", "分组", "group"),
        Label::new("customers", "客户数", "customers"),
        Label::new("net_sales", "净销售额", "net sales"),
    ];
    let mut rows: Vec<Vec<Cell>> = summary(c)
        .into_iter()
        .map(|(g, n, s)| {
            let name = match g.as_str() {
                "A" | "B" | "C" => {
                    if zh {
                        format!("{g} 类")
                    } else {
                        format!("tier {g}")
                    }
                }
                seg => Segment::ALL
                    .iter()
                    .find(|x| x.name() == seg)
                    .map(|x| out.lang.pick(x.zh(), x.name()).to_string())
                    .unwrap_or_default(),
            };
            vec![Cell::Text(name), Cell::Int(n), Cell::Fen(s)]
        })
        .collect();
    rows.push(vec![
        Cell::Text(out.lang.pick("合计", "total").into()),
        Cell::Int(c.rows.len() as i64),
        Cell::Fen(total),
    ]);
    crate::render::xlsx::name_next("分级汇总", "summary", out.lang);
    write_rows(w, out, &labels, &rows)
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Pareto => "pareto",
        Method::Threshold => "threshold",
    }
}

/// The flags of `dangan classify`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub period: crate::flags::PeriodFlags,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    /// pareto: by share of net sales; threshold: by net sales amounts [default: pareto]
    #[arg(long, value_enum)]
    pub method: Option<crate::analytics::tiers::Method>,
    /// Pareto: A while the customers ranked before hold less than this % of net sales [default: 80]
    #[arg(long, value_name = "PCT")]
    pub a: Option<f64>,
    /// Pareto: B while they hold less than this % [default: 95]
    #[arg(long, value_name = "PCT")]
    pub b: Option<f64>,
    /// Threshold: A from this net sales, in yuan (10万 works) [default: 100000]
    #[arg(long, value_name = "YUAN")]
    pub a_min: Option<String>,
    /// Threshold: B from this net sales [default: 10000]
    #[arg(long, value_name = "YUAN")]
    pub b_min: Option<String>,
    /// overdue rule: unpaid more than this many days after the due date [default: 30]
    #[arg(long, value_name = "DAYS")]
    pub grace_days: Option<i64>,
    /// credit_rating rule: ratings that are a risk, comma-separated [default: C,D]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub risk_ratings: Option<Vec<String>>,
    /// decline rule: net sales down by at least this % on the previous period [default: 50]
    #[arg(long, value_name = "PCT")]
    pub decline: Option<f64>,
    /// Store tier, segment and classified_at in the customers file (atomic, with a backup)
    #[arg(long)]
    pub write: bool,
    /// When another dangan holds the archive's lock, wait up to this many seconds for it [default: 0, fail at once]
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// `dangan classify` from the command line: the options, the run and its table
pub fn main(a: Args, cx: &crate::flags::Context) -> anyhow::Result<std::process::ExitCode> {
    use std::io::Write;
    use std::process::ExitCode;
    let g = cx;
    let (archive, out) = (&cx.archive, cx.out);
    let opts = ClassifyOptions {
        period: a.period.args(),
        grading: crate::analytics::grading::Overrides {
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
        filter: a.filter,
        today: None,
    };
    let c = run(archive, &opts)?;
    let t = std::time::Instant::now();
    print(&mut crate::render::output::stdout(), out, &c)?;
    crate::timing("classify: output", t);
    if let Some(wr) = &c.written
        && !g.quiet
    {
        let mut err = std::io::stderr().lock();
        if wr.changed == 0 && wr.backup.is_none() {
            writeln!(
                err,
                "{}",
                crate::tr!("grades_unchanged", file = wr.path.display())
            )?;
        } else {
            writeln!(
                err,
                "{}",
                crate::tr!("grades_written", file = wr.path.display(), n = wr.changed)
            )?;
            if let Some(b) = &wr.backup {
                writeln!(err, "{}", crate::tr!("backup_kept_file", dir = b.display()))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
