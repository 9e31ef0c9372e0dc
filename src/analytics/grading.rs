//! Grading (`dangan classify`, and the tiers and segments that `analyze`
//! and `report` use): every customer graded A/B/C, sorted into key /
//! general / risk with the reasons, and scored RFM.
//!
//! The aggregation is one pass over the transactions' codes (`figures`,
//! `analytics::codes`): per customer its net sales in the period and the
//! previous one, orders, last sale, outstanding and overdue. The ranking, the pareto cut and the
//! risk rules are `analytics::tiers`.

use crate::analytics::ledger;
use crate::analytics::period::Period;
use crate::analytics::tiers::{Method, Rules, Segment, Standing, Tier};
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use crate::values::dates::iso;
use anyhow::{Result, anyhow};
use chrono::{Days, NaiveDate};

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
    Ok(grade_and_age(archive, rules, as_of, period, false)?.0)
}

/// Every customer graded, in ranking order, and (with `ageing`) every
/// customer's receivables ageing as `analyze credit --by customer` gives it
/// (`receivables::per_customer`), both from one reading of the transactions.
pub fn grade_and_age(
    archive: &Archive,
    rules: &Rules,
    as_of: NaiveDate,
    period: &Period,
    ageing: bool,
) -> Result<(Vec<Graded>, Vec<crate::analytics::receivables::CreditRow>)> {
    let t = std::time::Instant::now();
    let (fig, codes) = figures(archive, rules, as_of, period)?;
    crate::timing("classify: query and extract", t);
    let credit = if ageing {
        // no transactions table: every customer owes nothing
        let none = crate::analytics::codes::TxCodes::default();
        let codes = codes.as_ref().unwrap_or(&none);
        crate::analytics::receivables::per_customer(codes, &fig.id, &fig.credit_limit, as_of)
    } else {
        Vec::new()
    };
    drop(codes);
    let t = std::time::Instant::now();
    let risky = crate::analytics::complaint_views::risky_customers(archive, period, as_of)?;
    let g = grade(fig, rules, as_of, &risky);
    crate::timing("classify: rank, cut, rules, RFM", t);
    Ok((g, credit))
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

/// Every customer with its sums over the transactions: the customers' columns
/// from their frame, the sums in one pass over the transactions' codes
/// (`analytics::codes`).
fn figures(
    archive: &Archive,
    rules: &Rules,
    as_of: NaiveDate,
    p: &Period,
) -> Result<(Figures, Option<crate::analytics::codes::TxCodes>)> {
    let customers =
        ledger::scan(archive, TableKind::Customers, &CUSTOMER_COLUMNS)?.ok_or_else(|| {
            anyhow!(crate::tr!(
                "archive_no_customers",
                dir = archive.dir.display()
            ))
        })?;
    let df = ledger::collect(customers.lf, &[customers.path.as_path()])?;
    let strings = |name: &str| ledger::text_column(&df, name);
    let n = df.height();
    let mut fig = Figures {
        id: strings("id")?,
        name: strings("name")?,
        region: strings("region")?,
        owner: strings("owner")?,
        credit_limit: df.column("credit_limit")?.i64()?.iter().collect(),
        credit_rating: strings("credit_rating")?,
        status: strings("status")?,
        tags: strings("tags")?,
        net: vec![0; n],
        prev_net: vec![0; n],
        orders: vec![0; n],
        frequency: vec![0; n],
        last_sale: vec![None; n],
        outstanding: vec![0; n],
        overdue: vec![0; n],
    };
    let ids: Vec<Option<&str>> = df.column("id")?.str()?.iter().collect();
    let t = std::time::Instant::now();
    let Some(codes) = crate::analytics::codes::of(archive, &customers.path, &ids)? else {
        return Ok((fig, None));
    };
    crate::timing("classify: the transactions' codes", t);
    let t = std::time::Instant::now();
    let sums = sum(&codes, n, rules, as_of, p);
    // a customer id written twice: each row gets the sums of the id (as a
    // join on the id gives them); the codes name the id's first row. Ids in
    // increasing order (the usual file) have no repeat to look for.
    let sorted = ids.windows(2).all(|w| w[0] < w[1]);
    let mut first: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for (i, id) in ids.iter().enumerate() {
        let j = match id {
            Some(id) if !sorted => *first.entry(id).or_insert(i),
            _ => i,
        };
        let s = &sums[j];
        fig.net[i] = s.net;
        fig.prev_net[i] = s.prev_net;
        fig.orders[i] = s.orders;
        fig.frequency[i] = s.frequency;
        fig.outstanding[i] = s.outstanding;
        fig.overdue[i] = s.overdue;
        fig.last_sale[i] = (s.last != crate::analytics::codes::NO_DAY)
            .then(|| crate::analytics::codes::date(s.last).map(iso))
            .flatten();
    }
    crate::timing("classify: sums over the codes", t);
    Ok((fig, Some(codes)))
}

/// One customer's sums over its transactions (one cache line: a
/// transaction's sums touch one place in memory, not seven).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Sums {
    pub(crate) net: i64,
    pub(crate) prev_net: i64,
    pub(crate) orders: i64,
    pub(crate) frequency: i64,
    pub(crate) outstanding: i64,
    pub(crate) overdue: i64,
    /// the last sale up to the as-of date, a day number or `NO_DAY`
    pub(crate) last: i32,
}

/// The sums of every transaction into its customer's (by the customer's
/// row in the customers file, `n` rows).
///
/// What a transaction adds: in the period its signed amount (returns and
/// discounts taken off) to net sales, one order and, for a sale, one to the
/// frequency; in the previous period its signed amount to the previous net
/// sales; up to the as-of date its signed unpaid part to the outstanding and,
/// for a sale, its date to the last sale and, when its due date is before
/// the grace days with something unpaid, that part to the overdue.
pub(crate) fn sum(
    codes: &crate::analytics::codes::TxCodes,
    n: usize,
    rules: &Rules,
    as_of: NaiveDate,
    p: &Period,
) -> Vec<Sums> {
    let split = codes.customer.len() >= 1 << 20;
    sum_in(codes, n, rules, as_of, p, split)
}

/// [`sum`] in one pass, or (`split`) in two halves on two cores.
fn sum_in(
    codes: &crate::analytics::codes::TxCodes,
    n: usize,
    rules: &Rules,
    as_of: NaiveDate,
    p: &Period,
    split: bool,
) -> Vec<Sums> {
    use crate::analytics::codes::{NO_CUSTOMER, NO_DAY, day};
    let (from, to) = (day(p.from), day(p.to));
    let (prev_from, prev_to) = (day(p.prev_from), day(p.prev_to));
    let upto = day(as_of);
    let late_before = day(as_of - Days::new(rules.grace_days as u64));
    let zero = Sums {
        net: 0,
        prev_net: 0,
        orders: 0,
        frequency: 0,
        outstanding: 0,
        overdue: 0,
        last: NO_DAY,
    };
    // the columns as slices once (a kept column is a view of its file)
    let (customer, days, dues) = (&codes.customer[..], &codes.day[..], &codes.due[..]);
    let (amounts, paids, backs) = (&codes.amount[..], &codes.paid[..], &codes.back[..]);
    let add = |sums: &mut [Sums], rows: std::ops::Range<usize>| {
        for r in rows {
            let (c, d) = (customer[r], days[r]);
            if c == NO_CUSTOMER || d == NO_DAY {
                continue;
            }
            let s = &mut sums[c as usize];
            let (back, amount) = (backs[r], amounts[r]);
            let signed = if back && amount > 0 {
                amount.wrapping_neg()
            } else {
                amount
            };
            if from <= d && d <= to {
                s.net = s.net.wrapping_add(signed);
                s.orders += 1;
                s.frequency += i64::from(!back);
            }
            if prev_from <= d && d <= prev_to {
                s.prev_net = s.prev_net.wrapping_add(signed);
            }
            if d <= upto {
                let unpaid = amount.wrapping_sub(paids[r]);
                let signed_unpaid = if back { unpaid.wrapping_neg() } else { unpaid };
                s.outstanding = s.outstanding.wrapping_add(signed_unpaid);
                if !back {
                    s.last = s.last.max(d);
                    let due = dues[r];
                    if due != NO_DAY && due < late_before && unpaid > 0 {
                        s.overdue = s.overdue.wrapping_add(unpaid);
                    }
                }
            }
        }
    };
    let rows = codes.customer.len();
    let mut sums = vec![zero; n];
    if !split {
        add(&mut sums, 0..rows);
        return sums;
    }
    // two halves on two cores, then added up (wrapping, as one pass would)
    let half = rows / 2;
    let other = std::thread::scope(|scope| {
        let t = scope.spawn(|| {
            let mut other = vec![zero; n];
            add(&mut other, half..rows);
            other
        });
        add(&mut sums, 0..half);
        t.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    for (s, o) in sums.iter_mut().zip(other) {
        s.net = s.net.wrapping_add(o.net);
        s.prev_net = s.prev_net.wrapping_add(o.prev_net);
        s.orders += o.orders;
        s.frequency += o.frequency;
        s.outstanding = s.outstanding.wrapping_add(o.outstanding);
        s.overdue = s.overdue.wrapping_add(o.overdue);
        s.last = s.last.max(o.last);
    }
    sums
}

/// Tiers, segments, shares and RFM scores from the figures, in ranking order.
fn grade(
    mut fig: Figures,
    rules: &Rules,
    as_of: NaiveDate,
    risky: &rustc_hash::FxHashSet<String>,
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
    // the three scores sort a million customers each: the recency on a
    // second core while this one does frequency and monetary
    let (r, (f, m)) = std::thread::scope(|scope| {
        let r = scope.spawn(|| {
            crate::analytics::tiers::quintiles(
                &recency.iter().map(Option::is_some).collect::<Vec<_>>(),
                ids,
                |x, y| recency[x].cmp(&recency[y]),
            )
        });
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
        // a panic of the scoring thread is a bug, not a property of the data
        (
            r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            (f, m),
        )
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::codes::{NO_CUSTOMER, NO_DAY, TxCodes, day};

    /// The two halves summed on two cores and added up give what one pass
    /// gives, sale by sale, return by return, for every customer.
    #[test]
    fn sums_in_two_halves_are_the_sums_of_one_pass() {
        let d = |y, m, dd| day(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        let mut codes = TxCodes::default();
        // 7 customers, 5,003 transactions of every sort: in the period, in
        // the previous one, after the as-of date, undated, unknown
        // customer, returns, overdue and paid
        for k in 0..5_003u32 {
            codes
                .customer
                .push(if k % 97 == 0 { NO_CUSTOMER } else { k % 7 });
            codes.day.push(if k % 89 == 0 {
                NO_DAY
            } else {
                d(2024, 1, 1) + (k as i32 * 37) % 1_100
            });
            codes.due.push(if k % 3 == 0 {
                NO_DAY
            } else {
                d(2024, 2, 1) + (k as i32 * 53) % 1_100
            });
            codes.amount.push(i64::from(k % 1_000) * 1_234 - 50_000);
            codes.paid.push(i64::from(k % 5) * 10_000);
            codes.back.push(k % 11 == 0);
        }
        let rules = crate::analytics::tiers::ClassifySettings::default()
            .resolve()
            .unwrap();
        let as_of = NaiveDate::from_ymd_opt(2025, 10, 31).unwrap();
        let p = Period {
            from: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
            to: as_of,
            prev_from: NaiveDate::from_ymd_opt(2023, 11, 1).unwrap(),
            prev_to: NaiveDate::from_ymd_opt(2024, 10, 31).unwrap(),
        };
        let one = sum_in(&codes, 7, &rules, as_of, &p, false);
        let two = sum_in(&codes, 7, &rules, as_of, &p, true);
        assert_eq!(one, two);
        // and the sums are not all zero: every figure is exercised
        assert!(one.iter().all(|s| s.orders > 0 && s.last != NO_DAY));
        assert!(one.iter().any(|s| s.overdue > 0));
        assert!(one.iter().any(|s| s.prev_net != 0));
        assert!(one.iter().any(|s| s.outstanding < 0) || one.iter().any(|s| s.outstanding > 0));
    }
}
