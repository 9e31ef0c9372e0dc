//! One customer graded exactly as the whole archive grades it, by counting
//! instead of sorting: `show` on an archive whose standing is not kept
//! (`analytics::standing`: a small archive, `cache: false`).
//!
//! Grading every customer ([`crate::analytics::grading`]) sorts a million
//! customers four times (the ranking and the three RFM scores) and turns
//! every customer's columns into text. One customer needs none of that:
//! - its place in the ranking is the number of customers ranked before it
//!   (more net sales, or as much and a smaller id), and the pareto cut
//!   needs only their net sales added up;
//! - a quintile score is `5 - floor(5p / n)` with `p` counted the same way
//!   among the scored customers;
//! - the risk rules and the ageing are the customer's own figures.
//!
//! Each is one pass over the per-customer sums, which are summed from the
//! transactions' codes as grading sums them. An archive whose ids are not
//! all distinct (a row without id, an id written twice) is graded in full
//! instead: `None`.

use crate::analytics::codes::{NO_DAY, day};
use crate::analytics::grading::{Graded, Sums, sum};
use crate::analytics::ledger;
use crate::analytics::period::Period;
use crate::analytics::receivables::CreditRow;
use crate::analytics::tiers::{Method, Rules, Standing, Tier};
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use anyhow::Result;
use chrono::NaiveDate;
use std::cmp::Ordering;

/// The customer `id` graded and aged at `as_of` over `period`, as
/// `grade_and_age` would grade and age it among all; `None` when the ids of
/// the archive are not all distinct or `id` is not among them. `field`
/// gives the customer's own canonical values (name, region, owner,
/// credit_limit, credit_rating, status, tags), as `show` read them: only
/// the ids of the others are read.
pub fn grade_one(
    archive: &Archive,
    rules: &Rules,
    as_of: NaiveDate,
    period: &Period,
    id: &str,
    field: &dyn Fn(&str) -> String,
) -> Result<Option<(Graded, CreditRow)>> {
    let t = std::time::Instant::now();
    let Some(customers) = ledger::scan(archive, TableKind::Customers, &["id"])? else {
        return Ok(None);
    };
    let df = ledger::collect(customers.lf, &[customers.path.as_path()])?;
    let ids: Vec<Option<&str>> = df.column("id")?.str()?.iter().collect();
    let Some(me) = ids.iter().position(|i| *i == Some(id)) else {
        return Ok(None);
    };
    if !distinct(&ids) {
        return Ok(None);
    }
    crate::timing("show: the customers' ids", t);
    let text = |name: &str| -> Result<String> { Ok(field(name)) };
    let credit_limit = crate::values::money::cell_fen(&field("credit_limit"))
        .ok()
        .flatten();
    let t = std::time::Instant::now();
    let codes = crate::analytics::codes::of(archive, &customers.path, &ids)?;
    crate::timing("show: the transactions' codes", t);
    let t = std::time::Instant::now();
    let none = crate::analytics::codes::TxCodes::default();
    let codes = codes.as_ref().unwrap_or(&none);
    let sums = sum(codes, ids.len(), rules, as_of, period);
    crate::timing("show: sums over the codes", t);
    let t = std::time::Instant::now();
    let ids: Vec<&str> = ids.iter().map(|i| i.unwrap_or_default()).collect();
    let figures = place(&sums, &ids, me, rules, day(as_of));
    // the risk rule of complaints counts the customer's own (from the file
    // kept by customer where there is one, not the whole table)
    let mine = crate::analytics::by_customer::complaints_of(archive, id)?;
    let risky =
        crate::analytics::complaints::risky(&mine, &archive.settings.complaints, period, as_of);
    let s = &sums[me];
    let (credit_rating, status, tags) = (text("credit_rating")?, text("status")?, text("tags")?);
    let standing = Standing {
        net: s.net,
        prev_net: s.prev_net,
        outstanding: s.outstanding,
        overdue: s.overdue,
        credit_limit,
        credit_rating: &credit_rating,
        status: &status,
        tags: &tags,
        complaints: risky.contains(id),
    };
    let (segment, reasons) = rules.segment(figures.tier, &standing);
    let last_date = (s.last != NO_DAY)
        .then(|| crate::analytics::codes::date(s.last).map(crate::values::dates::iso))
        .flatten();
    let graded = Graded {
        id: id.to_string(),
        name: text("name")?,
        region: text("region")?,
        owner: text("owner")?,
        net_sales: s.net,
        prev_net_sales: s.prev_net,
        // show prints no share; counting one would need the rounding of all
        share: None,
        cumulative_share: None,
        tier: figures.tier,
        segment,
        reasons,
        orders: s.orders,
        last_date,
        recency_days: (s.last != NO_DAY).then(|| i64::from(day(as_of) - s.last)),
        frequency: s.frequency,
        outstanding: s.outstanding,
        overdue: s.overdue,
        r: figures.r,
        f: figures.f,
        m: figures.m,
    };
    let credit = crate::analytics::receivables::of_one(codes, me as u32, id, credit_limit, as_of);
    crate::timing("show: one customer's place, rules and ageing", t);
    Ok(Some((graded, credit)))
}

/// Make the codes `grade_one` counts, as its first run after a write would
/// (`analytics::prepared`): the customers' ids, then `codes::of`, which
/// keeps them.
pub fn prepare(archive: &Archive) -> Result<()> {
    let Some(customers) = ledger::scan(archive, TableKind::Customers, &["id"])? else {
        return Ok(());
    };
    let df = ledger::collect(customers.lf, &[customers.path.as_path()])?;
    let ids: Vec<Option<&str>> = df.column("id")?.str()?.iter().collect();
    crate::analytics::codes::of(archive, &customers.path, &ids)?;
    Ok(())
}

/// Are the ids all there and all different? (A file in id order, the usual
/// one, says so without a set.)
fn distinct(ids: &[Option<&str>]) -> bool {
    if ids.iter().any(Option::is_none) {
        return false;
    }
    if ids.windows(2).all(|w| w[0] < w[1]) {
        return true;
    }
    let mut seen = rustc_hash::FxHashSet::default();
    seen.reserve(ids.len());
    ids.iter().all(|i| seen.insert(*i))
}

/// The tier and RFM scores of customer `me` among all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    tier: Tier,
    r: u8,
    f: u8,
    m: u8,
}

/// Customer `me`'s tier and scores among the customers of `sums` (one per
/// id, `ids` distinct), counted in one pass each: the ranking of
/// `tiers::ranking`, the cut of `tiers::pareto` (or `threshold`), the
/// quintiles of `tiers::quintiles`.
fn place(sums: &[Sums], ids: &[&str], me: usize, rules: &Rules, upto: i32) -> Place {
    let mine = &sums[me];
    // ties between equal figures are broken by id ascending
    let before =
        |j: usize, o: Ordering| o == Ordering::Less || (o == Ordering::Equal && ids[j] < ids[me]);
    let tier = match rules.method {
        Method::Threshold => crate::analytics::tiers::threshold(mine.net, rules.a_min, rules.b_min),
        Method::Pareto => {
            let mut base: i128 = 0;
            let mut ahead: i128 = 0;
            for (j, s) in sums.iter().enumerate() {
                if s.net > 0 {
                    base += i128::from(s.net);
                }
                if j != me && before(j, mine.net.cmp(&s.net)) {
                    ahead += i128::from(s.net);
                }
            }
            if mine.net <= 0 {
                Tier::C
            } else if ahead * 10_000 < i128::from(rules.a_bp) * base {
                Tier::A
            } else if ahead * 10_000 < i128::from(rules.b_bp) * base {
                Tier::B
            } else {
                Tier::C
            }
        }
    };
    // a quintile: 5 − ⌊5p / n⌋ among the n scored, 1 when not scored
    let score = |scored: &dyn Fn(&Sums) -> bool, better: &dyn Fn(&Sums, &Sums) -> Ordering| -> u8 {
        if !scored(mine) {
            return 1;
        }
        let (mut n, mut p) = (0usize, 0usize);
        for (j, s) in sums.iter().enumerate() {
            if !scored(s) {
                continue;
            }
            n += 1;
            if j != me && before(j, better(mine, s).reverse()) {
                p += 1;
            }
        }
        5 - (5 * p / n) as u8
    };
    // recency: the days since the last sale, fewer is better
    let r = score(&|s| s.last != NO_DAY, &|x, y| {
        (upto - x.last).cmp(&(upto - y.last))
    });
    let f = score(&|s| s.frequency > 0, &|x, y| y.frequency.cmp(&x.frequency));
    let m = score(&|s| s.net > 0, &|x, y| y.net.cmp(&x.net));
    Place { tier, r, f, m }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tiers::{id_ranks, pareto, quintiles, ranking};

    fn sums(net: i64, frequency: i64, last: i32) -> Sums {
        Sums {
            net,
            prev_net: 0,
            orders: frequency,
            frequency,
            outstanding: 0,
            overdue: 0,
            last,
        }
    }

    /// Every customer's counted place is the one the sorts give, on figures
    /// full of ties, zeros, negatives and customers without a sale, with ids
    /// out of order.
    #[test]
    fn counting_gives_the_places_the_sorts_give() {
        let rules = crate::analytics::tiers::ClassifySettings::default()
            .resolve()
            .unwrap();
        let n = 400usize;
        let ids: Vec<String> = (0..n)
            .map(|i| format!("C{:04}", (i * 7919) % 1000))
            .collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let all: Vec<Sums> = (0..n)
            .map(|i| {
                let net = ((i * 37) % 23) as i64 * 1_000 - 3_000;
                let freq = ((i * 11) % 6) as i64;
                let last = if freq == 0 {
                    NO_DAY
                } else {
                    20_000 + ((i * 13) % 40) as i32
                };
                sums(net, freq, last)
            })
            .collect();
        let upto = 20_100;
        let nets: Vec<i64> = all.iter().map(|s| s.net).collect();
        let ranks = id_ranks(&ids);
        let order = ranking(&nets, &ranks);
        let tiers = pareto(&nets, &order, rules.a_bp, rules.b_bp);
        let rec: Vec<Option<i32>> = all
            .iter()
            .map(|s| (s.last != NO_DAY).then(|| upto - s.last))
            .collect();
        let r = quintiles(
            &rec.iter().map(Option::is_some).collect::<Vec<_>>(),
            &ranks,
            |x, y| rec[x].cmp(&rec[y]),
        );
        let f = quintiles(
            &all.iter().map(|s| s.frequency > 0).collect::<Vec<_>>(),
            &ranks,
            |x, y| all[y].frequency.cmp(&all[x].frequency),
        );
        let m = quintiles(
            &nets.iter().map(|&v| v > 0).collect::<Vec<_>>(),
            &ranks,
            |x, y| nets[y].cmp(&nets[x]),
        );
        let mut seen = [0usize; 3];
        for i in 0..n {
            let got = place(&all, &ids, i, &rules, upto);
            assert_eq!(
                got,
                Place {
                    tier: tiers[i],
                    r: r[i],
                    f: f[i],
                    m: m[i]
                },
                "customer {i} ({})",
                ids[i]
            );
            seen[got.tier as usize] += 1;
        }
        assert!(seen.iter().all(|&k| k > 0), "every tier occurs: {seen:?}");
    }
}
