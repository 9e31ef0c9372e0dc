//! The tables of `analyze complaints` and `analyze satisfaction` (顾客满意度
//!调查分析), over the complaints (and follow-ups) dated in the period; the
//! definitions of late, open, response and the quantiles are in
//! [`crate::analytics::complaints`].
//!
//! `analyze complaints` columns: `complaints`, `open` (at the as-of date),
//! `late`, `median_response_hours`, `p90_response_hours`,
//! `median_resolve_days`, `p90_resolve_days`, `satisfaction` (mean of the
//! complaints' scores), `per_100_customers`, `per_million_sales`
//! (complaints per ¥1,000,000 of net sales in the period).
//!
//! Groups (`--by`, one column): `severity` (default; gravest first),
//! `category`, `owner` (the complaint's 处理人, else the customer's owner),
//! `region`, `tier`, `segment`, `customer_id`, `month` (in time order). For a
//! customer's attribute (region, tier, segment, customer, owner) the rates
//! are over the customers of that group (for owner: the customers the
//! person owns) and their net sales; for the others over every customer
//! counted.
//!
//! `analyze satisfaction` columns: `complaint_scores`,
//! `complaint_satisfaction`, `followup_scores`, `followup_satisfaction`,
//! `scores`, `satisfaction` (the mean of all scores). Groups: `owner`
//! (default; the complaint's or follow-up's own owner, else the customer's),
//! `tier`, `segment`, `region`, `month`, `customer_id`.
//!
//! Rows are sorted by complaints (scores), most first, then group; severity
//! and month keep their own order. The `(total)` row counts everything once.

use crate::analytics::complaints::{Complaint, ComplaintSettings, mean, median_p90, rate};
use crate::analytics::composition::Key;
use crate::analytics::grading::Graded;
use crate::analytics::ledger;
use crate::analytics::period::Period;
use crate::archive::Archive;
use crate::archive::schema::{ComplaintSeverity, TableKind};
use crate::render::output::{Cell, Label};
use crate::values::dates::parse_moment;
use anyhow::{Result, bail};
use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The name of the total row.
pub const TOTAL: &str = "(total)";

thread_local! {
    /// The complaints read in this run, with the file, size and time they
    /// were read from: `report` and `classify` ask for them from several
    /// places (the risk rule, the section, `due`), and 1M rows take seconds.
    static LOADED: std::cell::RefCell<Option<(Stamp, Arc<Vec<Complaint>>)>> =
        const { std::cell::RefCell::new(None) };
}

type Stamp = (std::path::PathBuf, u64, Option<std::time::SystemTime>);

/// Every complaint of the archive, read to its one meaning (once a run; read
/// again when the file changed).
pub fn load(archive: &Archive) -> Result<Arc<Vec<Complaint>>> {
    let Some((path, _)) = archive.table_file(TableKind::Complaints)? else {
        return Ok(Arc::new(Vec::new()));
    };
    let meta = std::fs::metadata(&path).ok();
    let stamp: Stamp = (
        path,
        meta.as_ref().map_or(0, |m| m.len()),
        meta.and_then(|m| m.modified().ok()),
    );
    if let Some(hit) = LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(s, _)| *s == stamp)
            .map(|(_, v)| Arc::clone(v))
    }) {
        return Ok(hit);
    }
    let all = Arc::new(read_all(archive)?);
    LOADED.with(|l| *l.borrow_mut() = Some((stamp, Arc::clone(&all))));
    Ok(all)
}

/// The customers the `complaints` risk rule names in `period` at `as_of`
/// (`complaints::risky` over the archive's complaints).
pub fn risky_customers(
    archive: &Archive,
    period: &crate::analytics::period::Period,
    as_of: chrono::NaiveDate,
) -> Result<rustc_hash::FxHashSet<String>> {
    let all = load(archive)?;
    let risky =
        crate::analytics::complaints::risky(&all, &archive.settings.complaints, period, as_of);
    Ok(risky.into_iter().map(str::to_string).collect())
}

/// The columns a complaint is read from, in [`complaint_of`]'s order (the
/// customer first, as `by_customer` keeps them).
pub const COLUMNS: [&str; 9] = [
    "customer_id",
    "id",
    "date",
    "severity",
    "category",
    "owner",
    "responded",
    "resolved",
    "satisfaction",
];

fn read_all(archive: &Archive) -> Result<Vec<Complaint>> {
    let t = ledger::table_of(archive, TableKind::Complaints, &COLUMNS)?;
    Ok(t.rows
        .iter()
        .filter_map(|row| complaint_of(&|k| row.get(k)))
        .collect())
}

/// One complaint from its canonical texts, `get(k)` the k-th of
/// [`COLUMNS`]; `None` without a date (the reading stopped such a cell).
pub fn complaint_of<'a>(get: &dyn Fn(usize) -> &'a str) -> Option<Complaint> {
    Some(Complaint {
        customer_id: get(0).to_string(),
        id: get(1).to_string(),
        date: parse_moment(get(2))?,
        severity: ComplaintSeverity::parse(get(3)),
        category: get(4).to_string(),
        owner: get(5).to_string(),
        responded: parse_moment(get(6)),
        resolved: parse_moment(get(7)),
        satisfaction: get(8).parse().ok(),
    })
}

/// One follow-up's score: who, when, by whom.
pub struct Score {
    pub customer_id: String,
    pub date: NaiveDate,
    pub owner: String,
    pub score: u8,
}

/// The follow-ups that carry a satisfaction score.
pub fn followup_scores(archive: &Archive) -> Result<Vec<Score>> {
    let t = ledger::table_of(
        archive,
        TableKind::Followups,
        &["customer_id", "date", "owner", "satisfaction"],
    )?;
    Ok(t.rows
        .iter()
        .filter_map(|r| {
            Some(Score {
                customer_id: r.get(0).to_string(),
                date: crate::values::dates::parse_iso(r.get(1))?,
                owner: r.get(2).to_string(),
                score: r.get(3).parse().ok()?,
            })
        })
        .collect())
}

/// The groups a complaint or score can be put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Severity,
    Category,
    Owner,
    Region,
    Tier,
    Segment,
    Customer,
    Month,
}

impl Group {
    /// The group of a `--by` key, for the complaints (`satisfaction`:
    /// without severity and category).
    pub fn of(keys: &[Key], satisfaction: bool) -> Result<Group> {
        let [key] = keys else {
            bail!("analyze complaints and satisfaction group by one column");
        };
        let g = match key {
            Key::Column(c) if c == "severity" && !satisfaction => Group::Severity,
            Key::Category if !satisfaction => Group::Category,
            Key::Owner => Group::Owner,
            Key::Region => Group::Region,
            Key::Tier => Group::Tier,
            Key::Segment => Group::Segment,
            Key::Customer => Group::Customer,
            Key::Month => Group::Month,
            other => bail!(
                "--by {}: {} group by {}",
                other.name(),
                if satisfaction {
                    "analyze satisfaction can"
                } else {
                    "analyze complaints can"
                },
                if satisfaction {
                    "owner, tier, segment, region, customer_id or month"
                } else {
                    "severity, category, owner, tier, segment, region, customer_id or month"
                }
            ),
        };
        Ok(g)
    }

    /// The output column.
    pub fn name(self) -> &'static str {
        match self {
            Group::Severity => "severity",
            Group::Category => "category",
            Group::Owner => "owner",
            Group::Region => "region",
            Group::Tier => "tier",
            Group::Segment => "segment",
            Group::Customer => "customer_id",
            Group::Month => "month",
        }
    }

    pub fn label(self) -> Label {
        let zh = match self {
            Group::Severity => "投诉等级",
            Group::Category => "类别",
            Group::Owner => "负责人",
            Group::Region => "地区",
            Group::Tier => "等级",
            Group::Segment => "类别",
            Group::Customer => "档案编号",
            Group::Month => "月份",
        };
        Label::new(self.name(), zh, &self.name().replace('_', " "))
    }

    /// Is it an attribute of the customer (the rates are over its customers)?
    fn of_customer(self) -> bool {
        !matches!(self, Group::Severity | Group::Category | Group::Month)
    }

    /// The group of a customer's attribute.
    fn of_graded(self, g: &Graded) -> String {
        match self {
            Group::Owner => g.owner.clone(),
            Group::Region => g.region.clone(),
            Group::Tier => g.tier.name().to_string(),
            Group::Segment => g.segment.name().to_string(),
            Group::Customer => g.id.clone(),
            _ => String::new(),
        }
    }
}

/// What the views are made from.
pub struct Inputs<'a> {
    pub graded: &'a [Graded],
    /// the customers counted (`--owner`/`--where`); `None`: all
    pub only: Option<&'a FxHashSet<String>>,
    pub period: &'a Period,
    pub as_of: NaiveDate,
    pub settings: &'a ComplaintSettings,
}

impl Inputs<'_> {
    fn counts(&self, id: &str) -> bool {
        self.only.is_none_or(|o| o.contains(id))
    }

    fn customers(&self) -> FxHashMap<&str, &Graded> {
        self.graded
            .iter()
            .filter(|g| self.counts(&g.id))
            .map(|g| (g.id.as_str(), g))
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintRow {
    pub group: String,
    pub complaints: i64,
    pub open: i64,
    pub late: i64,
    /// hundredths of an hour, of a day, of a score point, of a complaint
    pub median_response_hours: Option<i64>,
    pub p90_response_hours: Option<i64>,
    pub median_resolve_days: Option<i64>,
    pub p90_resolve_days: Option<i64>,
    pub satisfaction: Option<i64>,
    pub per_100_customers: Option<i64>,
    pub per_million_sales: Option<i64>,
}

impl ComplaintRow {
    pub fn labels(group: Group) -> Vec<Label> {
        let mut l = vec![group.label()];
        l.extend(
            [
                ("complaints", "投诉数", "complaints"),
                ("open", "未结案", "open"),
                ("late", "响应超时", "late"),
                (
                    "median_response_hours",
                    "响应时长中位数(小时)",
                    "median response h",
                ),
                ("p90_response_hours", "响应时长P90(小时)", "p90 response h"),
                (
                    "median_resolve_days",
                    "结案天数中位数",
                    "median resolve days",
                ),
                ("p90_resolve_days", "结案天数P90", "p90 resolve days"),
                ("satisfaction", "满意度", "satisfaction"),
                ("per_100_customers", "每百客户投诉", "per 100 customers"),
                ("per_million_sales", "每百万元销售额投诉", "per ¥1M sales"),
            ]
            .iter()
            .map(|(k, zh, en)| Label::new(k, zh, en)),
        );
        l
    }

    /// The figures as cells (after the group).
    pub fn cells(&self) -> Vec<Cell> {
        let h = Cell::opt_pct;
        vec![
            Cell::Int(self.complaints),
            Cell::Int(self.open),
            Cell::Int(self.late),
            h(self.median_response_hours),
            h(self.p90_response_hours),
            h(self.median_resolve_days),
            h(self.p90_resolve_days),
            h(self.satisfaction),
            h(self.per_100_customers),
            h(self.per_million_sales),
        ]
    }
}

pub struct ComplaintTable {
    pub group: Group,
    pub rows: Vec<ComplaintRow>,
    pub total: ComplaintRow,
}

/// Figures of a set of complaints.
#[derive(Default)]
struct Acc {
    complaints: i64,
    open: i64,
    late: i64,
    response: Vec<i64>,
    resolve: Vec<i64>,
    score_sum: i64,
    scores: i64,
}

impl Acc {
    fn add(&mut self, c: &Complaint, s: &ComplaintSettings, as_of: NaiveDate) {
        self.complaints += 1;
        self.open += i64::from(c.is_open(as_of));
        self.late += i64::from(c.late_by(s, as_of).is_some());
        if let Some(m) = c.response_minutes(as_of) {
            self.response.push(m);
        }
        if let Some(d) = c.resolve_days(as_of) {
            self.resolve.push(d);
        }
        if let Some(x) = c.satisfaction {
            self.score_sum += i64::from(x);
            self.scores += 1;
        }
    }

    fn row(mut self, group: String, customers: i64, net_fen: i64) -> ComplaintRow {
        let (mr, pr) = median_p90(&mut self.response, 60);
        let (md, pd) = median_p90(&mut self.resolve, 1);
        ComplaintRow {
            group,
            complaints: self.complaints,
            open: self.open,
            late: self.late,
            median_response_hours: mr,
            p90_response_hours: pr,
            median_resolve_days: md,
            p90_resolve_days: pd,
            satisfaction: mean(self.score_sum, self.scores),
            per_100_customers: rate(self.complaints, 100, customers),
            // ¥1,000,000 is 10⁸ fen
            per_million_sales: rate(self.complaints, 100_000_000, net_fen),
        }
    }
}

/// The order of the rows: severity gravest first, months in time order,
/// else most first.
fn sort_rows<T>(rows: &mut [(String, i64, T)], group: Group) {
    match group {
        Group::Severity => rows.sort_by_key(|(g, _, _)| {
            ComplaintSeverity::parse(g).map_or(ComplaintSeverity::ALL.len(), |s| s as usize)
        }),
        Group::Month => rows.sort_by(|a, b| a.0.cmp(&b.0)),
        _ => rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))),
    }
}

/// `analyze complaints`.
pub fn complaints(inp: &Inputs, all: &[Complaint], group: Group) -> ComplaintTable {
    let customers = inp.customers();
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for c in all {
        let Some(g) = customers.get(c.customer_id.as_str()) else {
            continue;
        };
        if !inp.period.contains(c.date.date) {
            continue;
        }
        let key = match group {
            Group::Severity => c.severity.map_or("", |s| s.name()).to_string(),
            Group::Category => c.category.clone(),
            Group::Month => c.date.date.format("%Y-%m").to_string(),
            Group::Owner if !c.owner.is_empty() => c.owner.clone(),
            other => other.of_graded(g),
        };
        groups
            .entry(key)
            .or_default()
            .add(c, inp.settings, inp.as_of);
        total.add(c, inp.settings, inp.as_of);
    }
    // the customers and net sales each rate is over
    let (mut n, mut net): (FxHashMap<String, i64>, FxHashMap<String, i64>) = Default::default();
    let (mut all_n, mut all_net) = (0i64, 0i64);
    for g in customers.values() {
        all_n += 1;
        all_net += g.net_sales;
        if group.of_customer() {
            let k = group.of_graded(g);
            *n.entry(k.clone()).or_default() += 1;
            *net.entry(k).or_default() += g.net_sales;
        }
    }
    let mut rows: Vec<(String, i64, Acc)> = groups
        .into_iter()
        .map(|(k, a)| (k, a.complaints, a))
        .collect();
    sort_rows(&mut rows, group);
    let rows = rows
        .into_iter()
        .map(|(k, _, a)| {
            let (cn, cnet) = if group.of_customer() {
                (
                    n.get(&k).copied().unwrap_or(0),
                    net.get(&k).copied().unwrap_or(0),
                )
            } else {
                (all_n, all_net)
            };
            a.row(k, cn, cnet)
        })
        .collect();
    ComplaintTable {
        group,
        rows,
        total: total.row(TOTAL.to_string(), all_n, all_net),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SatisfactionRow {
    pub group: String,
    pub complaint_scores: i64,
    /// hundredths of a point
    pub complaint_satisfaction: Option<i64>,
    pub followup_scores: i64,
    pub followup_satisfaction: Option<i64>,
    pub scores: i64,
    pub satisfaction: Option<i64>,
}

impl SatisfactionRow {
    pub fn labels(group: Group) -> Vec<Label> {
        let mut l = vec![group.label()];
        l.extend(
            [
                ("complaint_scores", "投诉评价数", "complaint scores"),
                (
                    "complaint_satisfaction",
                    "投诉满意度",
                    "complaint satisfaction",
                ),
                ("followup_scores", "回访评价数", "follow-up scores"),
                (
                    "followup_satisfaction",
                    "回访满意度",
                    "follow-up satisfaction",
                ),
                ("scores", "评价数", "scores"),
                ("satisfaction", "满意度", "satisfaction"),
            ]
            .iter()
            .map(|(k, zh, en)| Label::new(k, zh, en)),
        );
        l
    }

    pub fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Int(self.complaint_scores),
            Cell::opt_pct(self.complaint_satisfaction),
            Cell::Int(self.followup_scores),
            Cell::opt_pct(self.followup_satisfaction),
            Cell::Int(self.scores),
            Cell::opt_pct(self.satisfaction),
        ]
    }
}

pub struct SatisfactionTable {
    pub group: Group,
    pub rows: Vec<SatisfactionRow>,
    pub total: SatisfactionRow,
}

#[derive(Default, Clone, Copy)]
struct Sums {
    complaint: (i64, i64),
    followup: (i64, i64),
}

impl Sums {
    fn row(self, group: String) -> SatisfactionRow {
        let (cs, cn) = self.complaint;
        let (fs, fnn) = self.followup;
        SatisfactionRow {
            group,
            complaint_scores: cn,
            complaint_satisfaction: mean(cs, cn),
            followup_scores: fnn,
            followup_satisfaction: mean(fs, fnn),
            scores: cn + fnn,
            satisfaction: mean(cs + fs, cn + fnn),
        }
    }
}

/// `analyze satisfaction`: the scores of complaints and follow-ups dated in
/// the period.
pub fn satisfaction(
    inp: &Inputs,
    complaints: &[Complaint],
    followups: &[Score],
    group: Group,
) -> SatisfactionTable {
    let customers = inp.customers();
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    let key = |g: &Graded, owner: &str, date: NaiveDate| match group {
        Group::Month => date.format("%Y-%m").to_string(),
        Group::Owner if !owner.is_empty() => owner.to_string(),
        other => other.of_graded(g),
    };
    for c in complaints {
        let (Some(x), Some(g)) = (c.satisfaction, customers.get(c.customer_id.as_str())) else {
            continue;
        };
        if !inp.period.contains(c.date.date) {
            continue;
        }
        let e = groups.entry(key(g, &c.owner, c.date.date)).or_default();
        for s in [&mut e.complaint, &mut total.complaint] {
            s.0 += i64::from(x);
            s.1 += 1;
        }
    }
    for f in followups {
        let Some(g) = customers.get(f.customer_id.as_str()) else {
            continue;
        };
        if !inp.period.contains(f.date) {
            continue;
        }
        let e = groups.entry(key(g, &f.owner, f.date)).or_default();
        for s in [&mut e.followup, &mut total.followup] {
            s.0 += i64::from(f.score);
            s.1 += 1;
        }
    }
    let mut rows: Vec<(String, i64, Sums)> = groups
        .into_iter()
        .map(|(k, s)| (k, s.complaint.1 + s.followup.1, s))
        .collect();
    sort_rows(&mut rows, group);
    SatisfactionTable {
        group,
        rows: rows.into_iter().map(|(k, _, s)| s.row(k)).collect(),
        total: total.row(TOTAL.to_string()),
    }
}
