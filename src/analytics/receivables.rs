//! Receivables and their ageing (信用分析, `dangan analyze credit`): per customer
//! group, what is owed at the as-of date, how long past due, against which
//! credit limits.
//!
//! - An invoice is a sale dated up to the as-of date with `amount > paid`; its
//!   age is the as-of date minus its due date (its own date when it has none):
//!   `not_due` (≤ 0 days), `days_1_30`, `days_31_90`, `days_91_180`,
//!   `days_over_180`; `overdue` is the sum of the four past-due buckets.
//! - `outstanding` of a customer is Σ (amount − paid) of its sales minus Σ
//!   (amount − paid) of its returns and discounts (a credit not refunded is
//!   owed back), up to the as-of date — the figure `classify`'s
//!   `over_credit_limit` uses. `credits` is what the buckets hold beyond it
//!   (credits not refunded, overpayments), so that every row reconciles:
//!   `not_due + days_1_30 + days_31_90 + days_91_180 + days_over_180 − credits = outstanding`.
//! - `customers`: customers of the group owing or owed anything;
//!   `credit_limit`: the sum of the group's credit limits; `over_limit`:
//!   customers whose outstanding is above a positive limit.

use crate::analytics::composition::Key;
use crate::analytics::ledger::{self, is_back, signed_unpaid, unpaid};
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use crate::values::dates::iso;
use anyhow::{Result, anyhow, bail};
use chrono::{Days, NaiveDate};
use polars::prelude::{DataFrame, Expr, JoinArgs, JoinType, col, lit, when};

pub const BUCKETS: [&str; 5] = [
    "not_due",
    "days_1_30",
    "days_31_90",
    "days_91_180",
    "days_over_180",
];

#[derive(Debug, Clone, PartialEq)]
pub struct CreditRow {
    pub keys: Vec<String>,
    pub customers: i64,
    pub outstanding: i64,
    /// in `BUCKETS` order
    pub buckets: [i64; 5],
    pub overdue: i64,
    pub credits: i64,
    pub credit_limit: i64,
    pub over_limit: i64,
    pub share: Option<i64>,
}

impl CreditRow {
    /// A row of nothing owed, for `keys`.
    pub fn empty(keys: Vec<String>) -> CreditRow {
        CreditRow {
            keys,
            customers: 0,
            outstanding: 0,
            buckets: [0; 5],
            overdue: 0,
            credits: 0,
            credit_limit: 0,
            over_limit: 0,
            share: None,
        }
    }
}

pub struct Ageing {
    pub keys: Vec<Key>,
    pub rows: Vec<CreditRow>,
    pub total: CreditRow,
}

pub fn ageing(
    archive: &Archive,
    keys: &[Key],
    as_of: NaiveDate,
    top: Option<usize>,
    tiers: Option<&[crate::analytics::grading::Graded]>,
    only: Option<&rustc_hash::FxHashSet<String>>,
) -> Result<Ageing> {
    for k in keys {
        if !matches!(
            k,
            Key::Customer | Key::Tier | Key::Region | Key::City | Key::Kind | Key::Owner
        ) {
            bail!(crate::tr!("credit_groups", by = k.name()));
        }
    }
    let customers = ledger::scan(
        archive,
        TableKind::Customers,
        &["id", "region", "city", "kind", "owner", "credit_limit"],
    )?
    .ok_or_else(|| {
        anyhow!(crate::tr!(
            "archive_no_customers",
            dir = archive.dir.display()
        ))
    })?;
    let mut paths = vec![customers.path.clone()];
    let mut lf = customers.lf;
    if let Some(tx) = ledger::scan(
        archive,
        TableKind::Transactions,
        &["customer_id", "date", "kind", "amount", "paid", "due_date"],
    )? {
        paths.push(tx.path.clone());
        // per-row values first, then plain sums (polars' fast group path)
        let mut sums = vec![col("outstanding").sum()];
        sums.extend(BUCKETS.iter().map(|b| col(*b).sum()));
        let per_customer = tx
            .lf
            .filter(col("date").lt_eq(lit(iso(as_of))).fill_null(lit(false)))
            .select(per_invoice(as_of))
            .group_by([col("customer_id")])
            .agg(sums);
        lf = lf.join(
            per_customer,
            [col("id")],
            [col("customer_id")],
            JoinArgs::new(JoinType::Left),
        );
    } else {
        let mut zero: Vec<Expr> = vec![lit(0i64).alias("outstanding")];
        zero.extend(BUCKETS.iter().map(|b| lit(0i64).alias(*b)));
        lf = lf.with_columns(zero);
    }
    if let Some(t) = tiers {
        lf = ledger::join_tiers(lf, "id", t)?;
    }
    if let Some(ids) = only {
        lf = ledger::keep_customers(lf, "id", ids)?;
    }
    let names: Vec<&str> = keys.iter().map(|k| k.name()).collect();
    let mut select: Vec<Expr> = keys
        .iter()
        .map(|k| {
            let source = if *k == Key::Customer { "id" } else { k.name() };
            col(source).fill_null(lit("")).alias(k.name())
        })
        .collect();
    let money = |n: &str| col(n).fill_null(lit(0i64));
    let outstanding = || money("outstanding");
    let bucket_sum = BUCKETS
        .iter()
        .map(|b| money(b))
        .reduce(|a, b| a + b)
        .unwrap_or(lit(0i64));
    select.extend([
        outstanding().alias("outstanding"),
        bucket_sum.clone().alias("buckets"),
        money("credit_limit").alias("credit_limit"),
        when(
            money("credit_limit")
                .gt(lit(0i64))
                .and(outstanding().gt(money("credit_limit"))),
        )
        .then(lit(1i64))
        .otherwise(lit(0i64))
        .alias("over_limit"),
        when(outstanding().neq(lit(0i64)).or(bucket_sum.gt(lit(0i64))))
            .then(lit(1i64))
            .otherwise(lit(0i64))
            .alias("owing"),
    ]);
    select.extend(BUCKETS.iter().map(|b| money(b).alias(*b)));
    let by: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
    let mut aggs: Vec<Expr> = [
        "owing",
        "outstanding",
        "buckets",
        "credit_limit",
        "over_limit",
    ]
    .iter()
    .map(|n| col(*n).sum().alias(*n))
    .collect();
    aggs.extend(BUCKETS.iter().map(|b| col(*b).sum().alias(*b)));
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let df = ledger::collect(lf.select(select).group_by(by).agg(aggs), &refs)?;
    let mut rows = extract(&df, &names)?;
    // groups owing nothing and with no limit are left out
    rows.retain(|r| r.customers > 0 || r.credit_limit > 0);
    rows.sort_by(|x, y| {
        y.outstanding
            .cmp(&x.outstanding)
            .then_with(|| x.keys.cmp(&y.keys))
    });
    let mut total = sum_rows(&rows, crate::analytics::composition::TOTAL, keys.len());
    if let Some(n) = top
        && rows.len() > n
    {
        let rest = rows.split_off(n);
        rows.push(sum_rows(
            &rest,
            crate::analytics::composition::OTHER,
            keys.len(),
        ));
    }
    let outstanding: Vec<i64> = rows.iter().map(|r| r.outstanding).collect();
    if let Some(shares) = crate::analytics::shares::shares_bp(&outstanding) {
        for (r, s) in rows.iter_mut().zip(shares) {
            r.share = Some(s);
        }
        total.share = Some(10_000);
    }
    Ok(Ageing {
        keys: keys.to_vec(),
        rows,
        total,
    })
}

/// Every customer's ageing from the transactions' codes (`analytics::codes`):
/// the rows `ageing(archive, &[Key::Customer], as_of, …)` gives, with the
/// same rules as [`per_invoice`] on day numbers, for `show`'s standing.
/// `ids` and `limits` are the customers file's columns in file order; an id
/// written twice counts once per row, as the join on the id does. Customers
/// owing nothing and with no limit have no row; rows are in file order and
/// carry no share.
pub fn per_customer(
    codes: &crate::analytics::codes::TxCodes,
    ids: &[String],
    limits: &[Option<i64>],
    as_of: NaiveDate,
) -> Vec<CreditRow> {
    let n = ids.len();
    let mut outstanding = vec![0i64; n];
    let mut buckets = vec![[0i64; 5]; n];
    owed(
        codes,
        as_of,
        |c| Some(c as usize),
        &mut outstanding,
        &mut buckets,
    );
    // each row of an id gets the id's sums (its first row's), and the id's
    // group adds them up over its rows
    let mut first: rustc_hash::FxHashMap<&str, (usize, i64, i64, i64)> = Default::default();
    for (i, id) in ids.iter().enumerate() {
        let e = first.entry(id.as_str()).or_insert((i, 0, 0, 0));
        let (j, limit) = (e.0, limits[i].unwrap_or(0));
        e.1 += 1;
        e.2 += limit;
        e.3 += i64::from(limit > 0 && outstanding[j] > limit);
    }
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (j, times, limit, over_limit) = first[id.as_str()];
        if j != i {
            continue;
        }
        let out = outstanding[j].wrapping_mul(times);
        let b = buckets[j].map(|v| v.wrapping_mul(times));
        let sum: i64 = b.iter().sum();
        let owing = out != 0 || sum > 0;
        if !owing && limit <= 0 {
            continue;
        }
        rows.push(CreditRow {
            keys: vec![id.clone()],
            customers: if owing { times } else { 0 },
            outstanding: out,
            overdue: b[1..].iter().sum(),
            credits: sum - out,
            buckets: b,
            credit_limit: limit,
            over_limit,
            share: None,
        });
    }
    rows
}

/// The row of [`per_customer`] of one customer: row `c` of the customers
/// file, whose id is written once (`None` from `per_customer`: the empty
/// row).
pub fn of_one(
    codes: &crate::analytics::codes::TxCodes,
    c: u32,
    id: &str,
    limit: Option<i64>,
    as_of: NaiveDate,
) -> CreditRow {
    let (mut outstanding, mut buckets) = ([0i64], [[0i64; 5]]);
    owed(
        codes,
        as_of,
        |x| (x == c).then_some(0),
        &mut outstanding,
        &mut buckets,
    );
    let (out, b, limit) = (outstanding[0], buckets[0], limit.unwrap_or(0));
    let sum: i64 = b.iter().sum();
    let owing = out != 0 || sum > 0;
    if !owing && limit <= 0 {
        return CreditRow::empty(vec![id.to_string()]);
    }
    CreditRow {
        keys: vec![id.to_string()],
        customers: i64::from(owing),
        outstanding: out,
        overdue: b[1..].iter().sum(),
        credits: sum - out,
        buckets: b,
        credit_limit: limit,
        over_limit: i64::from(limit > 0 && out > limit),
        share: None,
    }
}

/// What the transactions up to `as_of` leave owed: per customer (`slot` of
/// its row in the customers file; `None`: not counted) the outstanding
/// balance and the unpaid sales in the five ageing buckets (by due date,
/// else the sale's date).
fn owed(
    codes: &crate::analytics::codes::TxCodes,
    as_of: NaiveDate,
    slot: impl Fn(u32) -> Option<usize>,
    outstanding: &mut [i64],
    buckets: &mut [[i64; 5]],
) {
    use crate::analytics::codes::{NO_CUSTOMER, NO_DAY, day};
    let today = day(as_of);
    // the columns as slices once (a kept column is a view of its file)
    let (customer, days, dues) = (&codes.customer[..], &codes.day[..], &codes.due[..]);
    let (amounts, paids, backs) = (&codes.amount[..], &codes.paid[..], &codes.back[..]);
    for r in 0..customer.len() {
        let (c, d) = (customer[r], days[r]);
        if c == NO_CUSTOMER || d == NO_DAY || d > today {
            continue;
        }
        let Some(c) = slot(c) else {
            continue;
        };
        let unpaid = amounts[r].wrapping_sub(paids[r]);
        let back = backs[r];
        outstanding[c] =
            outstanding[c].wrapping_add(if back { unpaid.wrapping_neg() } else { unpaid });
        if back || unpaid <= 0 {
            continue;
        }
        let due = if dues[r] == NO_DAY { d } else { dues[r] };
        let age = today - due;
        let b = match age {
            ..=0 => 0,
            1..=30 => 1,
            31..=90 => 2,
            91..=180 => 3,
            _ => 4,
        };
        buckets[c][b] = buckets[c][b].wrapping_add(unpaid);
    }
}

/// Per transaction: what it adds to the outstanding balance and to each of
/// the five ageing buckets.
fn per_invoice(as_of: NaiveDate) -> Vec<Expr> {
    let due = || {
        when(col("due_date").is_not_null())
            .then(col("due_date"))
            .otherwise(col("date"))
    };
    let day = |n: u64| lit(iso(as_of - Days::new(n)));
    let invoice = || is_back().not().and(unpaid().gt(lit(0i64)));
    // (due on or after, due before): text comparisons of ISO dates
    let bounds: [(Option<Expr>, Option<Expr>); 5] = [
        (Some(day(0)), None),
        (Some(day(30)), Some(day(0))),
        (Some(day(90)), Some(day(30))),
        (Some(day(180)), Some(day(90))),
        (None, Some(day(180))),
    ];
    let mut out = vec![col("customer_id"), signed_unpaid().alias("outstanding")];
    for (name, (from, before)) in BUCKETS.iter().zip(bounds) {
        let mut cond = invoice();
        if let Some(f) = from {
            cond = cond.and(due().gt_eq(f).fill_null(lit(false)));
        }
        if let Some(b) = before {
            cond = cond.and(due().lt(b).fill_null(lit(false)));
        }
        out.push(when(cond).then(unpaid()).otherwise(lit(0i64)).alias(*name));
    }
    out
}

fn extract(df: &DataFrame, names: &[&str]) -> Result<Vec<CreditRow>> {
    let ints = |n: &str| ledger::int_column(df, n);
    let mut keys: Vec<Vec<String>> = vec![Vec::new(); df.height()];
    for n in names {
        for (i, v) in df.column(n)?.str()?.iter().enumerate() {
            keys[i].push(v.unwrap_or("").to_string());
        }
    }
    let (owing, outstanding, buckets_sum, limit, over) = (
        ints("owing")?,
        ints("outstanding")?,
        ints("buckets")?,
        ints("credit_limit")?,
        ints("over_limit")?,
    );
    let b: Vec<Vec<i64>> = BUCKETS.iter().map(|n| ints(n)).collect::<Result<_>>()?;
    Ok(keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let buckets = [b[0][i], b[1][i], b[2][i], b[3][i], b[4][i]];
            CreditRow {
                keys: k,
                customers: owing[i],
                outstanding: outstanding[i],
                overdue: buckets[1..].iter().sum(),
                credits: buckets_sum[i] - outstanding[i],
                buckets,
                credit_limit: limit[i],
                over_limit: over[i],
                share: None,
            }
        })
        .collect())
}

fn sum_rows(rows: &[CreditRow], label: &str, width: usize) -> CreditRow {
    let mut t = CreditRow::empty(vec![label.to_string(); width]);
    for r in rows {
        t.customers += r.customers;
        t.outstanding += r.outstanding;
        for (a, b) in t.buckets.iter_mut().zip(r.buckets) {
            *a += b;
        }
        t.overdue += r.overdue;
        t.credits += r.credits;
        t.credit_limit += r.credit_limit;
        t.over_limit += r.over_limit;
    }
    t
}
