//! Grading (`dangan classify`, and the tiers and segments that `analyze`
//! and `report` use): every customer graded A/B/C, sorted into key /
//! general / risk with the reasons, and scored RFM.
//!
//! The aggregation is one polars query over the transactions (`figures`):
//! per customer its net sales in the period and the previous one, orders,
//! last sale, outstanding and overdue. The ranking, the pareto cut and the
//! risk rules are `analytics::tiers`.

use crate::analytics::ledger;
use crate::analytics::period::Period;
use crate::analytics::tiers::{Method, Rules, Segment, Standing, Tier};
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use crate::values::dates::iso;
use anyhow::{Result, anyhow};
use chrono::{Days, NaiveDate};
use polars::prelude::{DataFrame, DataType, Expr, JoinArgs, JoinType, NULL, col, lit, when};

/// Flags over the `classify:` settings of `dangan.yaml` (`None`: the setting).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub method: Option<Method>,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub a_min: Option<String>,
    pub b_min: Option<String>,
    pub grace_days: Option<i64>,
    pub risk_ratings: Option<Vec<String>>,
    pub decline: Option<f64>,
}

/// One customer's classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    pub id: String,
    pub name: String,
    pub region: String,
    pub owner: String,
    pub net_sales: i64,
    /// net sales of the previous period (what the decline rule compares)
    pub prev_net_sales: i64,
    pub share: Option<i64>,
    pub cumulative_share: Option<i64>,
    pub tier: Tier,
    pub segment: Segment,
    pub reasons: Vec<crate::analytics::tiers::Reason>,
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
    let complaints = crate::analytics::complaint_views::load(archive)?;
    let risky = crate::analytics::complaints::risky(
        &complaints,
        &archive.settings.complaints,
        period,
        as_of,
    );
    let g = grade(fig, rules, as_of, &risky);
    crate::timing("classify: rank, cut, rules, RFM", t);
    Ok(g)
}

/// Every graded customer's tier and segment by id (what `--where tier=A`
/// and `--where segment=risk` read).
pub fn grade_of(graded: &[Graded]) -> rustc_hash::FxHashMap<&str, (&'static str, &'static str)> {
    graded
        .iter()
        .map(|g| (g.id.as_str(), (g.tier.name(), g.segment.name())))
        .collect()
}

/// The grades a `--where tier=…`/`segment=…` reads in the commands that do
/// not grade otherwise (`find`, `show`, `validate`): every customer graded
/// at `as_of` over classify's period, from the kept standing of the day when
/// there is one. Empty when the filter names neither.
pub fn grades_for(
    archive: &Archive,
    filter: &crate::lookup::filter::Filter,
    as_of: NaiveDate,
) -> Result<rustc_hash::FxHashMap<String, (&'static str, &'static str)>> {
    if !filter.needs_grades() {
        return Ok(Default::default());
    }
    let (_, graded) = crate::analytics::standing::graded_at(archive, as_of)?;
    Ok(graded
        .into_iter()
        .map(|g| (g.id, (g.tier.name(), g.segment.name())))
        .collect())
}

/// `dangan.yaml`'s settings with the flags over them.
pub fn rules(archive: &Archive, o: &Overrides) -> Result<Rules> {
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
    let customers =
        ledger::scan(archive, TableKind::Customers, &CUSTOMER_COLUMNS)?.ok_or_else(|| {
            anyhow!(crate::tr!(
                "archive_no_customers",
                dir = archive.dir.display()
            ))
        })?;
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
fn grade(
    mut fig: Figures,
    rules: &Rules,
    as_of: NaiveDate,
    risky: &rustc_hash::FxHashSet<&str>,
) -> Vec<Graded> {
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
            complaints: risky.contains(id[i].as_str()),
        };
        let (segment, reasons) = rules.segment(tiers[i], &standing);
        out.push(Graded {
            id: std::mem::take(&mut id[i]),
            name: std::mem::take(&mut name[i]),
            region: std::mem::take(&mut region[i]),
            owner: std::mem::take(&mut owner[i]),
            net_sales: fig.net[i],
            prev_net_sales: fig.prev_net[i],
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
