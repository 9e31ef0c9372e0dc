//! How efficient the sales force is (销售队伍效率分析, `dangan analyze team`):
//! one row per owner for the period.
//!
//! | column | what it counts |
//! |---|---|
//! | `customers` | customers the owner has now |
//! | `active_customers` | of them, those with a sale in the period |
//! | `new_customers` | of them, those whose record was made (`created`) in the period |
//! | `followups` | follow-ups dated in the period made by the owner (the follow-up's own `owner`, else the customer's) |
//! | `customers_contacted` | distinct customers those follow-ups reached |
//! | `due_open` | rows of `dangan due` at the as-of date for the owner's customers |
//! | `stale_records` | the owner's customers due for revision (validate's `stale` rule) |
//! | `net_sales`, `share` | net sales of the owner's customers in the period, and the share of the total |
//! | `outstanding`, `overdue` | what they owe at the as-of date, and the part overdue (as `classify`) |
//!
//! Rows are sorted by net sales, largest first, then owner. A follow-up by
//! someone who owns no customer (a colleague who left) still gets that
//! person a row. The `(total)` row counts each customer and follow-up once.

use crate::analytics::due::Due;
use crate::analytics::grading::Graded;
use crate::analytics::ledger;
use crate::analytics::period::Period;
use crate::archive::schema::TableKind;
use crate::archive::{Archive, Table};
use crate::values::dates::{iso, parse_iso};
use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::{col, lit};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// The name of the total row.
pub const TOTAL: &str = "(total)";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamRow {
    pub owner: String,
    pub customers: i64,
    pub active_customers: i64,
    pub new_customers: i64,
    pub followups: i64,
    pub customers_contacted: i64,
    pub due_open: i64,
    pub stale_records: i64,
    pub net_sales: i64,
    /// hundredths of a percent
    pub share: Option<i64>,
    pub outstanding: i64,
    pub overdue: i64,
}

/// The rows, and the total.
pub struct Team {
    pub rows: Vec<TeamRow>,
    pub total: TeamRow,
}

/// What the team table is made from: the customers (canonical) and which
/// of them count, their grades for the period, and the to-do list.
pub struct Inputs<'a> {
    pub archive: &'a Archive,
    pub customers: &'a Table,
    pub keep: &'a dyn Fn(usize) -> bool,
    pub graded: &'a [Graded],
    pub due: &'a [Due],
    pub period: &'a Period,
    pub as_of: NaiveDate,
}

pub fn team(inp: &Inputs) -> Result<Team> {
    let c = inp.customers;
    let get = |r: usize, n: &str| c.col(n).map(|i| c.rows[r].get(i)).unwrap_or("");
    let graded: FxHashMap<&str, &Graded> = inp.graded.iter().map(|g| (g.id.as_str(), g)).collect();
    let mut rows: BTreeMap<String, TeamRow> = BTreeMap::new();
    let mut owner_of: FxHashMap<&str, &str> = FxHashMap::default();
    let vs = &inp.archive.settings.validate;
    let mut total = TeamRow {
        owner: TOTAL.to_string(),
        ..Default::default()
    };
    for r in (0..c.rows.len()).filter(|&r| (inp.keep)(r)) {
        let (id, owner) = (get(r, "id"), get(r, "owner"));
        owner_of.insert(id, owner);
        let g = graded.get(id);
        let created = parse_iso(get(r, "created"));
        let stale = vs.stale_age(parse_iso(get(r, "updated")), created, inp.as_of);
        let one = TeamRow {
            customers: 1,
            active_customers: i64::from(g.is_some_and(|g| g.frequency > 0)),
            new_customers: i64::from(created.is_some_and(|d| inp.period.contains(d))),
            stale_records: i64::from(stale.is_some()),
            net_sales: g.map_or(0, |g| g.net_sales),
            outstanding: g.map_or(0, |g| g.outstanding),
            overdue: g.map_or(0, |g| g.overdue),
            ..Default::default()
        };
        rows.entry(owner.to_string())
            .or_insert_with(|| TeamRow {
                owner: owner.to_string(),
                ..Default::default()
            })
            .plus(&one);
        total.plus(&one);
    }
    for d in inp
        .due
        .iter()
        .filter(|d| owner_of.contains_key(d.id.as_str()))
    {
        if let Some(row) = rows.get_mut(&d.owner) {
            row.due_open += 1;
            total.due_open += 1;
        }
    }
    // follow-ups of the period, by who made them
    if let Some(f) = ledger::scan(
        inp.archive,
        TableKind::Followups,
        &["customer_id", "date", "owner"],
    )? {
        let df = ledger::collect(
            f.lf.filter(
                col("date")
                    .gt_eq(lit(iso(inp.period.from)))
                    .and(col("date").lt_eq(lit(iso(inp.period.to))))
                    .fill_null(lit(false)),
            ),
            &[f.path.as_path()],
        )?;
        let (who, by) = (df.column("customer_id")?.str()?, df.column("owner")?.str()?);
        let mut reached: FxHashMap<String, FxHashSet<&str>> = FxHashMap::default();
        let mut all: FxHashSet<&str> = FxHashSet::default();
        for (w, b) in who.iter().zip(by.iter()) {
            let Some(w) = w else { continue };
            let Some(owner) = owner_of.get(w) else {
                continue;
            };
            let by = b.filter(|b| !b.is_empty()).unwrap_or(owner);
            let row = rows.entry(by.to_string()).or_insert_with(|| TeamRow {
                owner: by.to_string(),
                ..Default::default()
            });
            row.followups += 1;
            total.followups += 1;
            reached.entry(by.to_string()).or_default().insert(w);
            all.insert(w);
        }
        for (o, set) in reached {
            if let Some(row) = rows.get_mut(&o) {
                row.customers_contacted = set.len() as i64;
            }
        }
        total.customers_contacted = all.len() as i64;
    }
    let mut rows: Vec<TeamRow> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        b.net_sales
            .cmp(&a.net_sales)
            .then_with(|| a.owner.cmp(&b.owner))
    });
    let amounts: Vec<i64> = rows.iter().map(|r| r.net_sales).collect();
    if let Some(shares) = crate::analytics::shares::shares_bp(&amounts) {
        for (r, s) in rows.iter_mut().zip(shares) {
            r.share = Some(s);
        }
        total.share = Some(10_000);
    }
    Ok(Team { rows, total })
}

/// The columns of the team table, canonical key and labels.
pub fn labels() -> Vec<crate::render::output::Label> {
    [
        ("owner", "负责人", "owner"),
        ("customers", "客户数", "customers"),
        ("active_customers", "活跃客户", "active"),
        ("new_customers", "新增客户", "new"),
        ("followups", "回访次数", "follow-ups"),
        ("customers_contacted", "回访客户数", "contacted"),
        ("due_open", "待办回访", "due"),
        ("stale_records", "待更新档案", "stale records"),
        ("net_sales", "净销售额", "net sales"),
        ("share", "占比%", "share %"),
        ("outstanding", "应收余额", "outstanding"),
        ("overdue", "逾期", "overdue"),
    ]
    .iter()
    .map(|(k, zh, en)| crate::render::output::Label::new(k, zh, en))
    .collect()
}

impl TeamRow {
    /// Add a customer's counts (not the owner, share or contact counts).
    fn plus(&mut self, o: &TeamRow) {
        self.customers += o.customers;
        self.active_customers += o.active_customers;
        self.new_customers += o.new_customers;
        self.stale_records += o.stale_records;
        self.net_sales += o.net_sales;
        self.outstanding += o.outstanding;
        self.overdue += o.overdue;
    }

    pub fn cells(&self) -> Vec<crate::render::output::Cell> {
        use crate::render::output::Cell;
        vec![
            Cell::Text(self.owner.clone()),
            Cell::Int(self.customers),
            Cell::Int(self.active_customers),
            Cell::Int(self.new_customers),
            Cell::Int(self.followups),
            Cell::Int(self.customers_contacted),
            Cell::Int(self.due_open),
            Cell::Int(self.stale_records),
            Cell::Fen(self.net_sales),
            Cell::opt_pct(self.share),
            Cell::Fen(self.outstanding),
            Cell::Fen(self.overdue),
        ]
    }
}
