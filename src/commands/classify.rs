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
//! The aggregation is one polars query over the transactions (see `figures`);
//! the ranking, cut and rules are `crate::analytics::tiers`. `--write` stores `tier`,
//! `segment` and `classified_at` (the as-of date) in the customers file,
//! atomically with a backup; with the same inputs it writes nothing the second
//! time.

use crate::analytics::ledger;
use crate::analytics::period::{Period, PeriodArgs};
use crate::analytics::tiers::{Method, Rules, Segment, Standing, Tier};
use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, Record, TableWriter};
use crate::render::output::{Cell, Label, Out, write_rows};
use crate::values::dates::iso;
use crate::values::text::neutralise_formula;
use anyhow::{Result, anyhow};
use chrono::{Days, NaiveDate};
use polars::prelude::{DataFrame, DataType, Expr, JoinArgs, JoinType, NULL, col, lit, when};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// What the command line (or a caller) asks for; `None` means the setting
/// from `dangan.yaml`.
#[derive(Debug, Clone, Default)]
pub struct ClassifyOptions {
    pub period: PeriodArgs,
    pub method: Option<Method>,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub a_min: Option<String>,
    pub b_min: Option<String>,
    pub grace_days: Option<i64>,
    pub risk_ratings: Option<Vec<String>>,
    pub decline: Option<f64>,
    pub write: bool,
    /// how long `--write` waits for another dangan's lock (`--wait`)
    pub lock_wait: std::time::Duration,
    pub today: Option<NaiveDate>,
}

/// One customer's classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    pub id: String,
    pub name: String,
    pub region: String,
    pub owner: String,
    pub net_sales: i64,
    pub share: Option<i64>,
    pub cumulative_share: Option<i64>,
    pub tier: Tier,
    pub segment: Segment,
    pub reasons: Vec<&'static str>,
    pub orders: i64,
    pub last_date: Option<String>,
    pub recency_days: Option<i64>,
    pub frequency: i64,
    /// owed at the as-of date, and the part of it overdue beyond the grace days
    pub outstanding: i64,
    pub overdue: i64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
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
    let rules = rules(&archive, opts)?;
    let pargs = opts
        .period
        .or_setting(archive.settings.classify.period.as_deref())?;
    let today = opts.today.unwrap_or_else(crate::values::dates::today);
    let (as_of, period) = pargs.resolve(today)?;
    let rows = grade_archive(&archive, &rules, as_of, &period)?;
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

/// Every customer of the archive graded, in ranking order.
pub fn grade_archive(
    archive: &Archive,
    rules: &Rules,
    as_of: NaiveDate,
    period: &Period,
) -> Result<Vec<Graded>> {
    let t = std::time::Instant::now();
    let fig = figures(archive, rules, as_of, period)?;
    crate::timing("classify: query and extract", t);
    let t = std::time::Instant::now();
    let g = grade(fig, rules, as_of);
    crate::timing("classify: rank, cut, rules, RFM", t);
    Ok(g)
}

/// `dangan.yaml`'s settings with the flags over them.
pub fn rules(archive: &Archive, o: &ClassifyOptions) -> Result<Rules> {
    let mut s = archive.settings.classify.clone();
    if let Some(m) = o.method {
        s.method = m;
    }
    if let Some(v) = o.a {
        s.a = v;
    }
    if let Some(v) = o.b {
        s.b = v;
    }
    if let Some(v) = &o.a_min {
        s.a_min = crate::analytics::tiers::Yuan::Text(v.clone());
    }
    if let Some(v) = &o.b_min {
        s.b_min = crate::analytics::tiers::Yuan::Text(v.clone());
    }
    if let Some(v) = o.grace_days {
        s.grace_days = v;
    }
    if let Some(v) = &o.risk_ratings {
        s.risk_ratings = v.clone();
    }
    if let Some(v) = o.decline {
        s.decline = v;
    }
    s.resolve().map_err(|e| anyhow!("classify: {e}"))
}

/// Per-customer figures, one entry per row of the customers file.
#[derive(Default)]
struct Figures {
    id: Vec<String>,
    name: Vec<String>,
    region: Vec<String>,
    owner: Vec<String>,
    credit_limit: Vec<Option<i64>>,
    credit_rating: Vec<String>,
    status: Vec<String>,
    tags: Vec<String>,
    net: Vec<i64>,
    prev_net: Vec<i64>,
    orders: Vec<i64>,
    frequency: Vec<i64>,
    last_sale: Vec<Option<String>>,
    outstanding: Vec<i64>,
    overdue: Vec<i64>,
}

const CUSTOMER_COLUMNS: [&str; 8] = [
    "id",
    "name",
    "region",
    "owner",
    "credit_limit",
    "credit_rating",
    "status",
    "tags",
];

/// The one query: every customer with its sums over the transactions.
fn figures(archive: &Archive, rules: &Rules, as_of: NaiveDate, p: &Period) -> Result<Figures> {
    let customers = ledger::scan(archive, TableKind::Customers, &CUSTOMER_COLUMNS)?
        .ok_or_else(|| anyhow!("archive {}: no customers file", archive.dir.display()))?;
    let tx = ledger::scan(
        archive,
        TableKind::Transactions,
        &["customer_id", "date", "kind", "amount", "paid", "due_date"],
    )?;
    let mut paths = vec![customers.path.as_path()];
    let lf = match &tx {
        Some(tx) => {
            paths.push(tx.path.as_path());
            // every figure is first a column of its own (elementwise, fast),
            // then a plain sum or max per customer (polars' fast group path;
            // a when/then inside the aggregation is evaluated group by group)
            let agg = tx
                .lf
                .clone()
                .filter(col("customer_id").is_not_null())
                .select(per_row(rules, as_of, p))
                .select(per_transaction())
                .group_by([col("customer_id")])
                .agg(
                    FIGURES
                        .iter()
                        .map(|f| {
                            if *f == "last_sale" {
                                col(*f).max()
                            } else {
                                col(*f).sum()
                            }
                        })
                        .collect::<Vec<_>>(),
                );
            customers.lf.join(
                agg,
                [col("id")],
                [col("customer_id")],
                JoinArgs::new(JoinType::Left),
            )
        }
        None => customers.lf.with_columns([
            lit(0i64).alias("net"),
            lit(0i64).alias("prev_net"),
            lit(0i64).alias("orders"),
            lit(0i64).alias("frequency"),
            lit(NULL).cast(DataType::String).alias("last_sale"),
            lit(0i64).alias("outstanding"),
            lit(0i64).alias("overdue"),
        ]),
    };
    let t = std::time::Instant::now();
    let df = ledger::collect(lf, &paths)?;
    crate::timing("classify: polars query", t);
    extract(&df)
}

/// The figures summed (`last_sale`: the latest) per customer.
const FIGURES: [&str; 7] = [
    "net",
    "prev_net",
    "orders",
    "frequency",
    "last_sale",
    "outstanding",
    "overdue",
];

/// What each transaction is, computed once per row: in the period, in the
/// previous one, up to the as-of date, a sale, overdue; its signed amount and
/// unpaid part. (Text comparisons of dates are the dear part: each is made
/// once here rather than in every figure.)
fn per_row(rules: &Rules, as_of: NaiveDate, p: &Period) -> Vec<Expr> {
    let overdue_before = iso(as_of - Days::new(rules.grace_days as u64));
    vec![
        col("customer_id"),
        col("date"),
        ledger::dated_between(p.from, p.to).alias("cur"),
        ledger::dated_between(p.prev_from, p.prev_to).alias("prev"),
        col("date")
            .lt_eq(lit(iso(as_of)))
            .fill_null(lit(false))
            .alias("upto"),
        ledger::is_back().not().alias("sale"),
        ledger::signed_amount().alias("signed"),
        ledger::signed_unpaid().alias("signed_unpaid"),
        ledger::unpaid().alias("unpaid"),
        col("due_date")
            .lt(lit(overdue_before))
            .fill_null(lit(false))
            .alias("late"),
    ]
}

/// Each transaction's share of every figure, beside its customer id (from
/// the columns of `per_row`).
fn per_transaction() -> Vec<Expr> {
    let zero = || lit(0i64);
    vec![
        col("customer_id"),
        when(col("cur"))
            .then(col("signed"))
            .otherwise(zero())
            .alias("net"),
        when(col("prev"))
            .then(col("signed"))
            .otherwise(zero())
            .alias("prev_net"),
        col("cur").cast(DataType::Int64).alias("orders"),
        col("cur")
            .and(col("sale"))
            .cast(DataType::Int64)
            .alias("frequency"),
        when(col("upto").and(col("sale")))
            .then(col("date"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("last_sale"),
        when(col("upto"))
            .then(col("signed_unpaid"))
            .otherwise(zero())
            .alias("outstanding"),
        when(
            col("upto")
                .and(col("sale"))
                .and(col("late"))
                .and(col("unpaid").gt(zero())),
        )
        .then(col("unpaid"))
        .otherwise(zero())
        .alias("overdue"),
    ]
}

fn extract(df: &DataFrame) -> Result<Figures> {
    let strings = |name: &str| ledger::text_column(df, name);
    let ints = |name: &str| ledger::int_column(df, name);
    Ok(Figures {
        id: strings("id")?,
        name: strings("name")?,
        region: strings("region")?,
        owner: strings("owner")?,
        credit_limit: df.column("credit_limit")?.i64()?.iter().collect(),
        credit_rating: strings("credit_rating")?,
        status: strings("status")?,
        tags: strings("tags")?,
        net: ints("net")?,
        prev_net: ints("prev_net")?,
        orders: ints("orders")?,
        frequency: ints("frequency")?,
        last_sale: df
            .column("last_sale")?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect(),
        outstanding: ints("outstanding")?,
        overdue: ints("overdue")?,
    })
}

/// Tiers, segments, shares and RFM scores from the figures, in ranking order.
fn grade(mut fig: Figures, rules: &Rules, as_of: NaiveDate) -> Vec<Graded> {
    let id_rank = {
        let ids: Vec<&str> = fig.id.iter().map(String::as_str).collect();
        crate::analytics::tiers::id_ranks(&ids)
    };
    let ids = &id_rank;
    let order = crate::analytics::tiers::ranking(&fig.net, ids);
    let tiers = match rules.method {
        Method::Pareto => crate::analytics::tiers::pareto(&fig.net, &order, rules.a_bp, rules.b_bp),
        Method::Threshold => fig
            .net
            .iter()
            .map(|&n| crate::analytics::tiers::threshold(n, rules.a_min, rules.b_min))
            .collect(),
    };
    // shares of the positive net sales, in ranking order
    let positive: Vec<i64> = order
        .iter()
        .map(|&i| fig.net[i])
        .take_while(|&n| n > 0)
        .collect();
    let shares = crate::analytics::shares::shares_bp(&positive).unwrap_or_default();
    let cumulative = crate::analytics::shares::cumulative(&shares);
    let recency: Vec<Option<i64>> = fig
        .last_sale
        .iter()
        .map(|d| {
            d.as_deref()
                .and_then(crate::values::dates::parse_iso)
                .map(|d| (as_of - d).num_days())
        })
        .collect();
    let r = crate::analytics::tiers::quintiles(
        &recency.iter().map(Option::is_some).collect::<Vec<_>>(),
        ids,
        |x, y| recency[x].cmp(&recency[y]),
    );
    let f = crate::analytics::tiers::quintiles(
        &fig.frequency.iter().map(|&n| n > 0).collect::<Vec<_>>(),
        ids,
        |x, y| fig.frequency[y].cmp(&fig.frequency[x]),
    );
    let m = crate::analytics::tiers::quintiles(
        &fig.net.iter().map(|&n| n > 0).collect::<Vec<_>>(),
        ids,
        |x, y| fig.net[y].cmp(&fig.net[x]),
    );
    // the texts move into the result (a million customers: no copies)
    let mut id = std::mem::take(&mut fig.id);
    let mut name = std::mem::take(&mut fig.name);
    let mut region = std::mem::take(&mut fig.region);
    let mut owner = std::mem::take(&mut fig.owner);
    let mut last_sale = std::mem::take(&mut fig.last_sale);
    let mut out = Vec::with_capacity(order.len());
    for (rank, &i) in order.iter().enumerate() {
        let standing = Standing {
            net: fig.net[i],
            prev_net: fig.prev_net[i],
            outstanding: fig.outstanding[i],
            overdue: fig.overdue[i],
            credit_limit: fig.credit_limit[i],
            credit_rating: &fig.credit_rating[i],
            status: &fig.status[i],
            tags: &fig.tags[i],
        };
        let (segment, reasons) = rules.segment(tiers[i], &standing);
        out.push(Graded {
            id: std::mem::take(&mut id[i]),
            name: std::mem::take(&mut name[i]),
            region: std::mem::take(&mut region[i]),
            owner: std::mem::take(&mut owner[i]),
            net_sales: fig.net[i],
            share: shares.get(rank).copied(),
            cumulative_share: cumulative.get(rank).copied(),
            tier: tiers[i],
            segment,
            reasons,
            orders: fig.orders[i],
            last_date: last_sale[i].take(),
            recency_days: recency[i],
            frequency: fig.frequency[i],
            outstanding: fig.outstanding[i],
            overdue: fig.overdue[i],
            r: r[i],
            f: f[i],
            m: m[i],
        });
    }
    out
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
    let mut staged = Staged::new(&path)?;
    {
        let mut w = BufWriter::new(staged.file());
        let mut tw =
            TableWriter::new(&mut w, format, &table.columns, archive.settings.archive.bom)?;
        for r in &table.rows {
            tw.write(r.iter())?;
        }
        tw.finish()?;
        w.flush()?;
    }
    let backup = commit::commit(&archive.dir, vec![staged])?;
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
        Cell::Text(g.reasons.join(";")),
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
        out.write_field(g.reasons.join(";"))?;
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
    write_rows(w, out, &labels, &rows)
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Pareto => "pareto",
        Method::Threshold => "threshold",
    }
}
