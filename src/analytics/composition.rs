//! Composition tables (客户构成分析, SPEC "Composition"): one row per group with
//! customers, orders, quantity, net amount, share, cumulative share, and the
//! amount of the previous period of equal length.
//!
//! The work is polars': one scan of the transactions (only the columns the
//! grouping needs, the two periods filtered in the scan), joined to the
//! customers when a group is a customer's attribute, materialised once; the
//! group-bys of the period, of the previous period and of the totals run on
//! that frame. Money is integer fen throughout; shares are made to add up to
//! exactly 100.00 in `crate::analytics::shares`.
//!
//! Definitions:
//! - amount: sales − returns − discounts (a return's or discount's amount is
//!   taken off); quantity: sold − returned (a discount moves no goods);
//! - customers: distinct customers with a transaction of the group in the
//!   period; orders: its transactions of any kind;
//! - region: the transaction's own region when it has one, else the
//!   customer's; city: the customer's city, unless the transaction is booked to
//!   another region;
//! - a group with no transaction in the period has no row (but every month of
//!   the period has one in a trend by month); the `(total)` row holds the true
//!   totals of both periods;
//! - month rows compare with the same month one period earlier (12 months:
//!   the year before; one month: the month before) and stay in time order.

use crate::analytics::customer_groups::{customer_values, value_column};
use crate::analytics::ledger::{self, int_column as ints, is_back, signed_amount};
use crate::analytics::period::Period;
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use crate::values::dates::iso;
use anyhow::{Result, anyhow, bail};
use polars::prelude::{
    DataFrame, DataType, Expr, IntoLazy, JoinArgs, JoinType, LazyFrame, NULL, NamedFrom, Series,
    col, len, lit, when,
};
use rustc_hash::FxHashMap;

/// What a composition table can be grouped by (`analyze --by`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Tier,
    Segment,
    Region,
    City,
    Category,
    Product,
    Kind,
    Owner,
    Month,
    Customer,
    /// 青年/中年/老年 (`analyze.age_bands`), from `birthday`, else the ID number
    AgeBand,
    /// each tag of a customer is a group of its own
    Tag,
    /// any other column of the customers (canonical or extra, e.g. 集团) or
    /// of the transactions; checked against the files when the table is made
    Column(String),
}

/// The group a customer with no birth date falls in (`--by age_band`).
pub const UNKNOWN: &str = "(unknown)";

impl Key {
    pub const NAMED: [Key; 12] = [
        Key::Tier,
        Key::Segment,
        Key::Region,
        Key::City,
        Key::Category,
        Key::Product,
        Key::Kind,
        Key::Owner,
        Key::Month,
        Key::Customer,
        Key::AgeBand,
        Key::Tag,
    ];

    /// The output column (a canonical column name).
    pub fn name(&self) -> &str {
        match self {
            Key::Tier => "tier",
            Key::Segment => "segment",
            Key::Region => "region",
            Key::City => "city",
            Key::Category => "category",
            Key::Product => "product",
            Key::Kind => "kind",
            Key::Owner => "owner",
            Key::Month => "month",
            Key::Customer => "customer_id",
            Key::AgeBand => "age_band",
            Key::Tag => "tag",
            Key::Column(c) => c,
        }
    }

    pub fn zh(&self) -> &str {
        match self {
            Key::Tier => "等级",
            Key::Segment => "类别",
            Key::Region => "地区",
            Key::City => "城市",
            Key::Category => "品类",
            Key::Product => "商品",
            Key::Kind => "客户性质",
            Key::Owner => "负责人",
            Key::Month => "月份",
            Key::Customer => "客户编号",
            Key::AgeBand => "年龄段",
            Key::Tag => "标签",
            Key::Column(c) => TableKind::Customers
                .column(c)
                .or_else(|| TableKind::Transactions.column(c))
                .map_or(c.as_str(), |col| col.zh),
        }
    }

    /// A named group, a canonical column, a Chinese header (地区, 集团) or
    /// any other name (checked against the files later).
    pub fn parse(s: &str) -> Result<Key, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty group name".into());
        }
        let header = |t: TableKind| {
            crate::archive::schema::HeaderMap::new(t, &[])
                .lookup(s)
                .map(str::to_string)
        };
        let name = header(TableKind::Customers)
            .or_else(|| header(TableKind::Transactions))
            .unwrap_or_else(|| s.to_string());
        let name = match name.as_str() {
            "customer" | "id" => "customer_id",
            "tags" => "tag",
            other => other,
        };
        Ok(Key::NAMED
            .into_iter()
            .find(|k| k.name() == name)
            .unwrap_or_else(|| Key::Column(name.to_string())))
    }

    fn is_customer_attribute(&self) -> bool {
        matches!(self, Key::Region | Key::City | Key::Kind | Key::Owner)
    }

    /// A group worked out per customer (joined as a table of values).
    fn is_customer_value(&self) -> bool {
        matches!(self, Key::Segment | Key::AgeBand | Key::Tag)
    }
}

/// One row of a composition table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub keys: Vec<String>,
    pub customers: i64,
    pub orders: i64,
    /// ten-thousandths of a unit
    pub quantity: i64,
    pub amount: i64,
    pub share: Option<i64>,
    pub cumulative_share: Option<i64>,
    pub prev_amount: i64,
    pub change: Option<i64>,
}

/// The figure columns of a composition row, after its group columns.
pub fn figure_labels() -> Vec<crate::render::output::Label> {
    [
        ("customers", "客户数", "customers"),
        ("orders", "交易笔数", "orders"),
        ("quantity", "数量", "quantity"),
        ("amount", "金额", "amount"),
        ("share", "占比%", "share %"),
        ("cumulative_share", "累计占比%", "cumulative %"),
        ("prev_amount", "上期金额", "previous"),
        ("change", "变化%", "change %"),
    ]
    .iter()
    .map(|(k, zh, en)| crate::render::output::Label::new(k, zh, en))
    .collect()
}

impl Row {
    /// The figures of the row, in the order of [`figure_labels`].
    pub fn figure_cells(&self) -> Vec<crate::render::output::Cell> {
        use crate::render::output::Cell;
        vec![
            Cell::Int(self.customers),
            Cell::Int(self.orders),
            Cell::Qty(self.quantity),
            Cell::Fen(self.amount),
            Cell::opt_pct(self.share),
            Cell::opt_pct(self.cumulative_share),
            Cell::Fen(self.prev_amount),
            Cell::opt_pct(self.change),
        ]
    }

    /// A row of these keys with nothing in it.
    fn zero(keys: Vec<String>) -> Row {
        Row {
            keys,
            customers: 0,
            orders: 0,
            quantity: 0,
            amount: 0,
            share: None,
            cumulative_share: None,
            prev_amount: 0,
            change: None,
        }
    }
}

pub struct Composition {
    pub keys: Vec<Key>,
    pub rows: Vec<Row>,
    /// the true totals of the period and of the previous one
    pub total: Row,
}

/// The label of the row that folds the groups beyond `--top`.
pub const OTHER: &str = "(other)";
pub const TOTAL: &str = "(total)";

/// Build a composition table. `tiers` (customer id → tier) is needed when a
/// key is `Tier`; `only`: the customers counted (`--owner`, `--where`), all
/// when `None`.
pub fn compose(
    archive: &Archive,
    keys: &[Key],
    period: &Period,
    top: Option<usize>,
    tiers: Option<&[crate::analytics::grading::Graded]>,
    only: Option<&rustc_hash::FxHashSet<String>>,
) -> Result<Composition> {
    if keys.is_empty() {
        bail!("nothing to group by");
    }
    let names: Vec<&str> = keys.iter().map(|k| k.name()).collect();
    if names
        .iter()
        .enumerate()
        .any(|(i, n)| names[..i].contains(n))
    {
        bail!(crate::tr!("by_twice", names = names.join(",")));
    }
    // the groups of the transactions' own columns and the month, from the
    // kept codes when there are (`facts`), else by polars over the frame
    if tiers.is_none()
        && only.is_none()
        && let Some(facts) = crate::analytics::facts::of(archive, keys)?
    {
        let t = std::time::Instant::now();
        let g = facts.grouped(keys, period);
        crate::timing("composition: sums over the facts", t);
        return finish(keys, period, top, g, &|kept| {
            Ok(facts.other_customers(keys, period, kept))
        });
    }
    let t = std::time::Instant::now();
    let Some(base) = base_frame(archive, keys, period, tiers, only)? else {
        return Ok(empty(keys));
    };
    crate::timing("composition: scan, join, filter", t);
    let t = std::time::Instant::now();
    let by: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
    let cur = base.clone().lazy().filter(col("cur"));
    let grouped = cur
        .clone()
        .group_by(by.clone())
        .agg(sums())
        .collect()
        .map_err(|e| anyhow!("composition: {e}"))?;
    let prev = base
        .clone()
        .lazy()
        .filter(col("cur").not())
        .group_by(by)
        .agg([col("amount").sum().alias("amount")])
        .collect()
        .map_err(|e| anyhow!("composition: {e}"))?;
    // a customer in several tags is a row per tag: the totals count its
    // first row only, so each customer and order once
    let totals = cur
        .clone()
        .filter(col("first"))
        .select(sums())
        .collect()
        .map_err(|e| anyhow!("composition: {e}"))?;
    let prev_total: i64 = base
        .clone()
        .lazy()
        .filter(col("cur").not().and(col("first")))
        .select([col("amount").sum()])
        .collect()
        .map_err(|e| anyhow!("composition: {e}"))
        .and_then(|df| first_int(&df, "amount"))?;
    crate::timing("composition: group-bys", t);
    let g = Grouped {
        cur: {
            let k = key_strings(&grouped, &names)?;
            let (c, o, q, a) = (
                ints(&grouped, "customers")?,
                ints(&grouped, "orders")?,
                ints(&grouped, "quantity")?,
                ints(&grouped, "amount")?,
            );
            k.into_iter()
                .enumerate()
                .map(|(i, k)| (k, [c[i], o[i], q[i], a[i]]))
                .collect()
        },
        prev: {
            let k = key_strings(&prev, &names)?;
            let a = ints(&prev, "amount")?;
            k.into_iter().zip(a).collect()
        },
        total: [
            first_int(&totals, "customers")?,
            first_int(&totals, "orders")?,
            first_int(&totals, "quantity")?,
            first_int(&totals, "amount")?,
        ],
        prev_total,
    };
    finish(keys, period, top, g, &|kept| {
        other_customers(&base, &names, kept)
    })
}

/// The sums of a composition table before its ordering: per group of the
/// period its (customers, orders, quantity, amount), per group of the
/// previous period its amount, and the true totals of both.
pub struct Grouped {
    pub cur: Vec<(Vec<String>, [i64; 4])>,
    pub prev: FxHashMap<Vec<String>, i64>,
    pub total: [i64; 4],
    pub prev_total: i64,
}

/// The table from its sums: previous amounts, months without transactions,
/// the order, `--top` (`other`: the distinct customers of the period outside
/// the groups kept), shares and changes.
fn finish(
    keys: &[Key],
    period: &Period,
    top: Option<usize>,
    g: Grouped,
    other: &dyn Fn(&[Row]) -> Result<i64>,
) -> Result<Composition> {
    let month_shift = period.months().len() as u32;
    let prev_map = g.prev;
    let mut rows: Vec<Row> = g
        .cur
        .into_iter()
        .map(|(keys_i, [c, o, q, a])| {
            let lookup: Vec<String> = keys_i
                .iter()
                .zip(keys)
                .map(|(v, k)| {
                    if *k == Key::Month {
                        shift_month(v, month_shift)
                    } else {
                        v.clone()
                    }
                })
                .collect();
            Row {
                prev_amount: prev_map.get(&lookup).copied().unwrap_or(0),
                keys: keys_i,
                customers: c,
                orders: o,
                quantity: q,
                amount: a,
                share: None,
                cumulative_share: None,
                change: None,
            }
        })
        .collect();
    // amount descending, then the groups in order; a trend by month keeps
    // time order and shows the months without transactions too
    if keys == [Key::Month] {
        // (an empty period stays an empty table)
        let any = !rows.is_empty();
        for m in period.months().into_iter().filter(|_| any) {
            if !rows.iter().any(|r| r.keys[0] == m) {
                let prev_amount = prev_map
                    .get(&vec![shift_month(&m, month_shift)])
                    .copied()
                    .unwrap_or(0);
                rows.push(Row {
                    prev_amount,
                    ..Row::zero(vec![m])
                });
            }
        }
        rows.sort_by(|x, y| x.keys.cmp(&y.keys));
    } else {
        rows.sort_by(|x, y| y.amount.cmp(&x.amount).then_with(|| x.keys.cmp(&y.keys)));
    }
    if let Some(n) = top
        && rows.len() > n
    {
        let rest = rows.split_off(n);
        let customers = other(&rows)?;
        let mut other = Row {
            customers,
            ..Row::zero(vec![OTHER.to_string(); keys.len()])
        };
        for r in rest {
            other.orders += r.orders;
            other.quantity += r.quantity;
            other.amount += r.amount;
            other.prev_amount += r.prev_amount;
        }
        rows.push(other);
    }
    finish_shares(&mut rows);
    let [customers, orders, quantity, amount] = g.total;
    let mut total = Row {
        keys: vec![TOTAL.to_string(); keys.len()],
        customers,
        orders,
        quantity,
        amount,
        share: None,
        cumulative_share: None,
        prev_amount: g.prev_total,
        change: None,
    };
    total.change = crate::analytics::shares::change_bp(total.amount, total.prev_amount);
    if keys.contains(&Key::Tag) {
        // a customer counts in each of its tags: a row's share is of the
        // true total, and the shares do not add up (no cumulative share)
        for r in &mut rows {
            r.share = crate::analytics::shares::part_bp(r.amount, total.amount);
            r.cumulative_share = None;
        }
    }
    if !rows.is_empty() && total.amount > 0 {
        total.share = Some(10_000);
        total.cumulative_share = Some(10_000);
    }
    Ok(Composition {
        keys: keys.to_vec(),
        rows,
        total,
    })
}

fn empty(keys: &[Key]) -> Composition {
    Composition {
        keys: keys.to_vec(),
        rows: Vec::new(),
        total: Row::zero(vec![TOTAL.to_string(); keys.len()]),
    }
}

/// Shares, cumulative shares and changes of the rows as they are ordered.
fn finish_shares(rows: &mut [Row]) {
    let amounts: Vec<i64> = rows.iter().map(|r| r.amount).collect();
    let shares = crate::analytics::shares::shares_bp(&amounts);
    let cumulative = shares.as_deref().map(crate::analytics::shares::cumulative);
    for (i, r) in rows.iter_mut().enumerate() {
        r.share = shares.as_ref().map(|s| s[i]);
        r.cumulative_share = cumulative.as_ref().map(|c| c[i]);
        r.change = crate::analytics::shares::change_bp(r.amount, r.prev_amount);
    }
}

/// The per-group sums of the period.
fn sums() -> [Expr; 4] {
    [
        col("customer_id")
            .n_unique()
            .cast(DataType::Int64)
            .alias("customers"),
        col("orders").sum().alias("orders"),
        col("quantity").sum().alias("quantity"),
        col("amount").sum().alias("amount"),
    ]
}

/// Distinct customers of the period outside the groups kept by `--top`.
fn other_customers(base: &DataFrame, names: &[&str], kept: &[Row]) -> Result<i64> {
    let mut cols = Vec::new();
    for (j, n) in names.iter().enumerate() {
        let v: Vec<&str> = kept.iter().map(|r| r.keys[j].as_str()).collect();
        cols.push(Series::new((*n).into(), v).into());
    }
    cols.push(Series::new("kept".into(), vec![true; kept.len()]).into());
    let kept_df = DataFrame::new(kept.len(), cols).map_err(|e| anyhow!("composition: {e}"))?;
    let on: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
    let df = base
        .clone()
        .lazy()
        .filter(col("cur"))
        .join(
            kept_df.lazy(),
            on.clone(),
            on,
            JoinArgs::new(JoinType::Left),
        )
        .filter(col("kept").is_null())
        .select([col("customer_id")
            .n_unique()
            .cast(DataType::Int64)
            .alias("n")])
        .collect()
        .map_err(|e| anyhow!("composition: {e}"))?;
    first_int(&df, "n")
}

/// The transactions of both periods with their group keys, `cur` (in the
/// period, else in the previous one), signed `amount` and `quantity`.
fn base_frame(
    archive: &Archive,
    keys: &[Key],
    p: &Period,
    tiers: Option<&[crate::analytics::grading::Graded]>,
    only: Option<&rustc_hash::FxHashSet<String>>,
) -> Result<Option<DataFrame>> {
    let sides = sides(archive, keys)?;
    let mut tx_cols = vec!["customer_id", "date", "kind", "amount", "quantity"];
    for (k, side) in keys.iter().zip(&sides) {
        match k {
            Key::Category => tx_cols.push("category"),
            Key::Product => tx_cols.push("product"),
            Key::Region | Key::City => tx_cols.push("region"),
            Key::Column(c) if *side == Side::Transaction => tx_cols.push(c),
            _ => {}
        }
    }
    tx_cols.sort_unstable();
    tx_cols.dedup();
    let (prev_from, to) = (iso(p.prev_from), iso(p.to));
    let Some(tx) = ledger::scan_dated(
        archive,
        TableKind::Transactions,
        &tx_cols,
        Some((&prev_from, &to)),
    )?
    else {
        return Ok(None);
    };
    let mut paths = vec![tx.path.clone()];
    let date = || col("date");
    // both periods; a frame read from the file holds only them already
    let lf = if tx.dated {
        tx.lf
    } else {
        tx.lf.filter(
            date()
                .gt_eq(lit(prev_from))
                .and(date().lt_eq(lit(to)))
                .fill_null(lit(false)),
        )
    };
    let mut lf: LazyFrame = lf.with_columns([
        date().gt_eq(lit(iso(p.from))).alias("cur"),
        signed_amount().fill_null(lit(0i64)).alias("amount"),
        when(
            col("kind")
                .eq(lit(crate::archive::schema::TxKind::Discount.name()))
                .fill_null(lit(false)),
        )
        .then(lit(0i64))
        .otherwise(
            when(is_back())
                .then(lit(0i64) - col("quantity"))
                .otherwise(col("quantity")),
        )
        .fill_null(lit(0i64))
        .alias("quantity"),
    ]);
    if keys.contains(&Key::Month) {
        lf = lf.with_column(date().str().slice(lit(0i64), lit(7u64)).alias("month"));
    }
    let needs_customers = keys.iter().any(|k| k.is_customer_attribute());
    let values: Vec<&Key> = keys
        .iter()
        .zip(&sides)
        .filter(|(k, side)| k.is_customer_value() || **side == Side::Customer)
        .map(|(k, _)| k)
        .collect();
    lf = if needs_customers || tiers.is_some() || only.is_some() || !values.is_empty() {
        // sums per customer first: the join to the customers (and tiers)
        // then matches a row per customer and period instead of one per
        // transaction (10M → about 1.6M rows on the benchmark archive)
        let mut by = vec!["customer_id", "cur"];
        for (k, side) in keys.iter().zip(&sides) {
            let c = match k {
                Key::Region | Key::City => "region",
                Key::Month | Key::Category | Key::Product => k.name(),
                Key::Column(c) if *side == Side::Transaction => c,
                _ => continue,
            };
            if !by.contains(&c) {
                by.push(c);
            }
        }
        lf.group_by(by.into_iter().map(col).collect::<Vec<_>>())
            .agg([
                len().cast(DataType::Int64).alias("orders"),
                col("amount").sum(),
                col("quantity").sum(),
            ])
    } else {
        lf.with_column(lit(1i64).alias("orders"))
    };
    if needs_customers {
        let c = ledger::scan(
            archive,
            TableKind::Customers,
            &["id", "region", "city", "kind", "owner"],
        )?
        .ok_or_else(|| {
            anyhow!(crate::tr!(
                "archive_no_customers",
                dir = archive.dir.display()
            ))
        })?;
        paths.push(c.path.clone());
        let customers = c.lf.select([
            col("id").alias("customer_id"),
            col("region").alias("c_region"),
            col("city").alias("c_city"),
            col("kind").alias("c_kind"),
            col("owner").alias("c_owner"),
        ]);
        lf = lf.join(
            customers,
            [col("customer_id")],
            [col("customer_id")],
            JoinArgs::new(JoinType::Left),
        );
    }
    if let Some(t) = tiers {
        lf = ledger::join_tiers(lf, "customer_id", t)?;
    }
    if let Some(ids) = only {
        lf = ledger::keep_customers(lf, "customer_id", ids)?;
    }
    let first = if values.is_empty() {
        lit(true)
    } else {
        let v = customer_values(archive, &values, tiers, p.to)?;
        lf = lf.join(
            v.lazy(),
            [col("customer_id")],
            [col("customer_id")],
            JoinArgs::new(JoinType::Left),
        );
        col("v_first").fill_null(lit(true))
    };
    let mut select = vec![
        col("customer_id"),
        col("cur"),
        col("orders"),
        col("amount"),
        col("quantity"),
        first.alias("first"),
    ];
    for (k, side) in keys.iter().zip(&sides) {
        let e = match k {
            Key::Region => when(col("region").is_not_null())
                .then(col("region"))
                .otherwise(col("c_region")),
            Key::City => when(
                col("region")
                    .is_null()
                    .or(col("region").eq(col("c_region")).fill_null(lit(false))),
            )
            .then(col("c_city"))
            .otherwise(lit(NULL).cast(DataType::String)),
            Key::Kind => col("c_kind"),
            Key::Owner => col("c_owner"),
            Key::Month => col("month"),
            Key::Category => col("category"),
            Key::Product => col("product"),
            Key::Tier => col("tier"),
            Key::Customer => col("customer_id"),
            Key::AgeBand => col(value_column(k)).fill_null(lit(UNKNOWN)),
            Key::Segment | Key::Tag => col(value_column(k)),
            Key::Column(c) if *side == Side::Transaction => col(c.as_str()),
            Key::Column(_) => col(value_column(k)),
        };
        select.push(e.fill_null(lit("")).alias(k.name()));
    }
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    Ok(Some(ledger::collect(lf.select(select), &refs)?))
}

/// Where a group's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// a named group with its own rule
    Named,
    /// a column of the customers (canonical or extra)
    Customer,
    /// a column of the transactions
    Transaction,
}

/// The side of every key; a column neither table has is an error naming the
/// columns they have.
fn sides(archive: &Archive, keys: &[Key]) -> Result<Vec<Side>> {
    let columns = |t: TableKind| -> Result<Vec<String>> {
        Ok(match archive.open_table(t)? {
            Some(r) => r.columns,
            None => t.columns().iter().map(|c| c.name.to_string()).collect(),
        })
    };
    let (mut customers, mut transactions) = (None, None);
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let Key::Column(c) = k else {
            out.push(Side::Named);
            continue;
        };
        if customers.is_none() {
            customers = Some(columns(TableKind::Customers)?);
            transactions = Some(columns(TableKind::Transactions)?);
        }
        let (cs, ts) = (
            customers.as_deref().unwrap_or_default(),
            transactions.as_deref().unwrap_or_default(),
        );
        if cs.contains(c) {
            out.push(Side::Customer);
        } else if ts.contains(c) {
            out.push(Side::Transaction);
        } else {
            bail!(crate::tr!(
                "cannot_group_by",
                column = format!("{c:?}"),
                groups = Key::NAMED.map(|k| k.name().to_string()).join(", "),
                customers = cs.join(", "),
                transactions = ts.join(", ")
            ));
        }
    }
    Ok(out)
}

fn key_strings(df: &DataFrame, names: &[&str]) -> Result<Vec<Vec<String>>> {
    let mut out: Vec<Vec<String>> = vec![Vec::with_capacity(names.len()); df.height()];
    for n in names {
        let c = df.column(n)?.str()?;
        for (i, v) in c.iter().enumerate() {
            out[i].push(v.unwrap_or("").to_string());
        }
    }
    Ok(out)
}

fn first_int(df: &DataFrame, name: &str) -> Result<i64> {
    Ok(ints(df, name)?.first().copied().unwrap_or(0))
}

/// `2024-03` moved back `n` months (`2023-03` for 12).
fn shift_month(m: &str, n: u32) -> String {
    let Some((y, mo)) = m.split_once('-') else {
        return String::new();
    };
    let (Ok(y), Ok(mo)) = (y.parse::<i32>(), mo.parse::<i32>()) else {
        return String::new();
    };
    let idx = y * 12 + (mo - 1) - n as i32;
    format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_shift_back() {
        assert_eq!(shift_month("2024-03", 12), "2023-03");
        assert_eq!(shift_month("2024-01", 1), "2023-12");
        assert_eq!(shift_month("2024-01", 3), "2023-10");
        assert_eq!(shift_month("junk", 3), "");
    }

    #[test]
    fn keys_parse() {
        assert_eq!(Key::parse("city"), Ok(Key::City));
        assert_eq!(Key::parse("customer"), Ok(Key::Customer));
        assert_eq!(Key::parse("地区"), Ok(Key::Region));
        assert_eq!(Key::parse("标签"), Ok(Key::Tag));
        assert_eq!(Key::parse("age_band"), Ok(Key::AgeBand));
        assert_eq!(Key::parse("集团"), Ok(Key::Column("集团".into())));
        // a column neither file has is refused when the table is made
        assert_eq!(Key::parse("colour"), Ok(Key::Column("colour".into())));
        assert!(Key::parse(" ").is_err());
    }
}
