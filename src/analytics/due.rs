//! The follow-up to-do list (回访, `dangan due` and the report's section):
//! one row per customer and reason, with the day it is due.
//!
//! | reason | due on |
//! |---|---|
//! | `complaint` | the day the response limit of an open complaint ran out (`complaints.response_hours`), when no one has responded by the end of the as-of day; listed first of the owner's day whatever its date |
//! | `appointment` | the `next_date` of the customer's latest follow-up (a later follow-up supersedes an earlier one's appointment) |
//! | `new_record` | `created` + the first step of the schedule not done (default 3, 30, 60 days); step k is done once the customer has had k follow-ups since `created`. The schedule runs until `schedule_grace_days` after its last step |
//! | `interval` | the day the last contact (follow-up, else sale, else `created`) becomes older than the tier's interval (A 30, B 60, C 90): last + interval + 1 |
//! | `birthday` | the next birthday (an individual's `birthday` or ID number's birth date, a company contact's `birthday`), 29 February on 28 February in other years |
//! | `anniversary` | the next return of a date in a column named in `due.anniversaries` (e.g. 结婚纪念日) |
//! | `payment` | the first day the oldest unpaid sale counts as overdue: its `due_date` + `classify.grace_days` + 1 |
//!
//! A row is listed when its day is on or before the as-of date plus `days`;
//! `days_late` is the as-of date minus that day (0 on the day, negative for a
//! day still ahead). Greetings (birthday, anniversary) are never late: a day
//! gone by is not listed. A customer with no contact date at all is due for
//! `interval` with no date (listed first). Settings, under `due:` in dangan.yaml:
//!
//! ```yaml
//! due:
//!   days: 0                       # look-ahead when --days is not given
//!   interval: { A: 30, B: 60, C: 90 }   # default: report.followup_days
//!   new_record: [3, 30, 60]       # days after `created`
//!   new_record_no_sale: []        # a second schedule for customers who have not bought yet
//!   schedule_grace_days: 30       # the schedule ends this long after its last step
//!   anniversaries: [结婚纪念日]    # extra columns holding yearly dates
//!   reasons: [complaint, appointment, new_record, interval, birthday, anniversary, payment]
//! ```

use crate::analytics::grading::Graded;
use crate::analytics::ledger;
use crate::analytics::schedule::{DueSettings, Reason, birth_date, interval_due, next_yearly};
use crate::analytics::tiers::Tier;
use crate::archive::schema::TableKind;
use crate::archive::{Archive, Table};
use crate::values::dates::{iso, parse_iso};
use anyhow::Result;
use chrono::{Days, NaiveDate};
use polars::prelude::{col, lit};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// One row of the to-do list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub owner: String,
    pub id: String,
    pub name: String,
    pub tier: &'static str,
    pub segment: &'static str,
    pub reason: Reason,
    pub due_date: Option<NaiveDate>,
    pub days_late: Option<i64>,
    pub last_contact: Option<NaiveDate>,
    pub last_channel: String,
    /// as stored (the printer masks it)
    pub mobile: String,
}

/// What the to-do list is worked out from.
pub struct Inputs<'a> {
    pub archive: &'a Archive,
    /// the customers (canonical), and which rows to list
    pub customers: &'a Table,
    pub keep: &'a dyn Fn(usize) -> bool,
    pub graded: &'a [Graded],
    pub as_of: NaiveDate,
    /// look-ahead in days (`--days`)
    pub days: i64,
    pub grace_days: i64,
}

/// The follow-ups of one customer, as the rules need them.
#[derive(Default, Clone)]
struct Contacts {
    last: Option<NaiveDate>,
    channel: String,
    next_date: Option<NaiveDate>,
    since_created: usize,
    /// the latest follow-up's date and `next_date` as read
    last_text: Option<String>,
    next_text: Option<String>,
}

/// The to-do list, sorted by owner, then complaints first, then due date
/// (no date first), then customer and reason.
pub fn list(
    inp: &Inputs,
    s: &DueSettings,
    report_interval: &BTreeMap<Tier, i64>,
) -> Result<Vec<Due>> {
    let c = inp.customers;
    let col = |n: &str| c.col(n);
    let get = |r: usize, i: Option<usize>| i.map(|i| c.rows[r].get(i)).unwrap_or("");
    let (id, name, owner, mobile, created, kind, birthday, id_number) = (
        col("id"),
        col("name"),
        col("owner"),
        col("mobile"),
        col("created"),
        col("kind"),
        col("birthday"),
        col("id_number"),
    );
    let on = |r: Reason| s.reasons.contains(&r);
    let horizon = inp.as_of + Days::new(inp.days.max(0) as u64);
    let graded: FxHashMap<&str, &Graded> = inp.graded.iter().map(|g| (g.id.as_str(), g)).collect();
    let rows: Vec<usize> = (0..c.rows.len()).filter(|&r| (inp.keep)(r)).collect();
    let index: FxHashMap<&str, usize> = rows.iter().map(|&r| (get(r, id), r)).collect();
    let created_of = |r: usize| parse_iso(get(r, created));
    let t = std::time::Instant::now();
    let contacts = contacts(inp.archive, inp.as_of, &index, &created_of, c.rows.len())?;
    crate::timing("due: follow-ups", t);
    let t = std::time::Instant::now();
    let payments = if on(Reason::Payment) {
        oldest_unpaid(inp.archive, inp.as_of)?
    } else {
        FxHashMap::default()
    };
    crate::timing("due: unpaid sales", t);
    let t = std::time::Instant::now();
    // the day each customer's oldest unanswered complaint ran out of time
    let mut complaints: FxHashMap<String, NaiveDate> = FxHashMap::default();
    if on(Reason::Complaint) && inp.archive.table_file(TableKind::Complaints)?.is_some() {
        let cs = &inp.archive.settings.complaints;
        for k in crate::analytics::complaint_views::load(inp.archive)?.iter() {
            if !k.unanswered_late(cs, inp.as_of) {
                continue;
            }
            let limit = chrono::Duration::minutes(cs.limit_minutes(k.severity));
            let ran_out = match k.date.time {
                Some(t) => (k.date.date.and_time(t) + limit).date(),
                None => k.date.date + chrono::Duration::days(limit.num_days()),
            };
            let e = complaints.entry(k.customer_id.clone()).or_insert(ran_out);
            *e = (*e).min(ran_out);
        }
    }
    crate::timing("due: complaints", t);
    let t = std::time::Instant::now();
    let anniversary_cols: Vec<usize> = s.anniversaries.iter().filter_map(|n| c.col(n)).collect();
    let mut out = Vec::new();
    let none = Contacts::default();
    for &r in &rows {
        let cid = get(r, id);
        let g = graded.get(cid);
        let tier = g.map(|g| g.tier).unwrap_or(Tier::C);
        let ct = contacts.get(r).unwrap_or(&none);
        let sale = g.and_then(|g| g.last_date.as_deref()).and_then(parse_iso);
        let made = created_of(r);
        let last_contact = ct.last.or(sale).or(made);
        let mut push = |reason: Reason, day: Option<NaiveDate>| {
            out.push(Due {
                owner: get(r, owner).to_string(),
                id: cid.to_string(),
                name: get(r, name).to_string(),
                tier: tier.name(),
                segment: g.map(|g| g.segment.name()).unwrap_or(""),
                reason,
                due_date: day,
                days_late: day.map(|d| (inp.as_of - d).num_days()),
                last_contact,
                last_channel: ct.channel.clone(),
                mobile: get(r, mobile).to_string(),
            })
        };
        let due_by = |d: NaiveDate| d <= horizon;
        if let Some(&d) = complaints.get(cid) {
            push(Reason::Complaint, Some(d));
        }
        if on(Reason::Appointment)
            && let Some(d) = ct.next_date.filter(|d| due_by(*d))
        {
            push(Reason::Appointment, Some(d));
        }
        if on(Reason::NewRecord)
            && let Some(made) = made
        {
            let steps = if sale.is_none() && !s.new_record_no_sale.is_empty() {
                &s.new_record_no_sale
            } else {
                &s.new_record
            };
            let end = steps.iter().max().copied().unwrap_or(0) + s.schedule_grace_days;
            let running = (inp.as_of - made).num_days() <= end;
            if running
                && let Some(step) = steps.get(ct.since_created)
                && let Some(d) = made.checked_add_days(Days::new((*step).max(0) as u64))
                && due_by(d)
            {
                push(Reason::NewRecord, Some(d));
            }
        }
        if on(Reason::Interval) {
            let every = s.interval_days(tier, report_interval);
            match last_contact {
                None => push(Reason::Interval, None),
                Some(l) => {
                    if let Some(d) = interval_due(l, every).filter(|d| due_by(*d)) {
                        push(Reason::Interval, Some(d));
                    }
                }
            }
        }
        let greeting = |date: Option<NaiveDate>| {
            date.and_then(|b| next_yearly(b, inp.as_of))
                .filter(|d| due_by(*d))
        };
        if on(Reason::Birthday) {
            let individual = get(r, kind) == "individual";
            if let Some(d) = greeting(birth_date(get(r, birthday), get(r, id_number), individual)) {
                push(Reason::Birthday, Some(d));
            }
        }
        if on(Reason::Anniversary) {
            let next = anniversary_cols
                .iter()
                .filter_map(|&i| greeting(crate::values::dates::parse_date(c.rows[r].get(i))))
                .min();
            if let Some(d) = next {
                push(Reason::Anniversary, Some(d));
            }
        }
        if let Some(oldest) = payments.get(cid)
            && let Some(d) = oldest.checked_add_days(Days::new(inp.grace_days.max(0) as u64 + 1))
            && due_by(d)
        {
            push(Reason::Payment, Some(d));
        }
    }
    crate::timing("due: the rules", t);
    let t = std::time::Instant::now();
    // every row's key is distinct (customer, reason): an unstable sort is exact
    out.sort_unstable_by(|a, b| {
        let complaint = |d: &Due| d.reason != Reason::Complaint;
        a.owner
            .cmp(&b.owner)
            .then(complaint(a).cmp(&complaint(b)))
            .then(a.due_date.is_some().cmp(&b.due_date.is_some()))
            .then(a.due_date.cmp(&b.due_date))
            .then_with(|| a.id.cmp(&b.id))
            .then(a.reason.cmp(&b.reason))
    });
    crate::timing("due: sort", t);
    Ok(out)
}

/// The customer columns the list, `analyze team` and the filter read
/// (`ledger::customers`: from the binary copy when there is one).
pub fn customers_for(
    archive: &Archive,
    filter: &crate::flags::FilterFlags,
) -> Result<crate::archive::Table> {
    let mut want: Vec<&str> = vec![
        "id",
        "name",
        "owner",
        "mobile",
        "created",
        "updated",
        "kind",
        "birthday",
        "id_number",
    ];
    want.extend(
        archive
            .settings
            .due
            .anniversaries
            .iter()
            .map(String::as_str),
    );
    ledger::customers(archive, filter, &want)
}

/// Every listed customer's follow-ups up to the as-of date: the latest (its
/// channel and `next_date`), and how many since the record was made.
fn contacts(
    archive: &Archive,
    as_of: NaiveDate,
    index: &FxHashMap<&str, usize>,
    created_of: &dyn Fn(usize) -> Option<NaiveDate>,
    rows: usize,
) -> Result<Vec<Contacts>> {
    let mut out: Vec<Contacts> = vec![Contacts::default(); rows];
    let Some(f) = ledger::scan(
        archive,
        TableKind::Followups,
        &["customer_id", "date", "channel", "next_date"],
    )?
    else {
        return Ok(out);
    };
    let as_of = iso(as_of);
    let t0 = std::time::Instant::now();
    let df = ledger::collect(
        f.lf.filter(col("date").lt_eq(lit(as_of)).fill_null(lit(false))),
        &[f.path.as_path()],
    )?;
    crate::timing("due: follow-ups read", t0);
    let (who, date, channel, next) = (
        df.column("customer_id")?.str()?,
        df.column("date")?.str()?,
        df.column("channel")?.str()?,
        df.column("next_date")?.str()?,
    );
    // the rows' dates compare as ISO text (the frame is canonical)
    let mut created: Vec<Option<Option<String>>> = vec![None; rows];
    for (((w, d), ch), nx) in who
        .iter()
        .zip(date.iter())
        .zip(channel.iter())
        .zip(next.iter())
    {
        let (Some(&r), Some(d)) = (w.and_then(|w| index.get(w)), d) else {
            continue;
        };
        let made = created[r].get_or_insert_with(|| created_of(r).map(iso));
        let since = made.as_deref().is_none_or(|c| d >= c);
        let e = &mut out[r];
        if since {
            e.since_created += 1;
        }
        // the latest follow-up; on the same day, the later row
        let later = e.last_text.as_deref().is_none_or(|l| d >= l);
        if later {
            e.last_text = Some(d.to_string());
            e.channel = ch.unwrap_or("").to_string();
            e.next_text = nx.map(str::to_string);
        }
    }
    for c in out.iter_mut().filter(|c| c.last_text.is_some()) {
        c.last = c.last_text.as_deref().and_then(parse_iso);
        c.next_date = c.next_text.as_deref().and_then(parse_iso);
    }
    Ok(out)
}

/// The due date of every customer's oldest unpaid sale (dated up to the
/// as-of date, `amount > paid`, with a due date).
fn oldest_unpaid(archive: &Archive, as_of: NaiveDate) -> Result<FxHashMap<String, NaiveDate>> {
    let mut out = FxHashMap::default();
    let Some(tx) = ledger::scan(
        archive,
        TableKind::Transactions,
        &["customer_id", "date", "kind", "amount", "paid", "due_date"],
    )?
    else {
        return Ok(out);
    };
    let lf = tx
        .lf
        .filter(
            col("date")
                .lt_eq(lit(iso(as_of)))
                .and(ledger::is_back().not())
                .and(ledger::unpaid().gt(lit(0i64)))
                .and(col("due_date").is_not_null())
                .and(col("customer_id").is_not_null())
                .fill_null(lit(false)),
        )
        .group_by([col("customer_id")])
        .agg([col("due_date").min()]);
    let df = ledger::collect(lf, &[tx.path.as_path()])?;
    let (who, due) = (
        df.column("customer_id")?.str()?,
        df.column("due_date")?.str()?,
    );
    for (w, d) in who.iter().zip(due.iter()) {
        if let (Some(w), Some(d)) = (w, d.and_then(parse_iso)) {
            out.insert(w.to_string(), d);
        }
    }
    Ok(out)
}

/// The last contact (follow-up, else sale, else `created`, up to the as-of
/// date) of the customer rows `rows` (`reassign --unattended`).
pub fn last_contacts(
    archive: &Archive,
    customers: &Table,
    rows: &[usize],
    graded: &[Graded],
    as_of: NaiveDate,
) -> Result<FxHashMap<usize, Option<NaiveDate>>> {
    let (id, created) = (customers.col("id"), customers.col("created"));
    let get = |r: usize, i: Option<usize>| i.map(|i| customers.rows[r].get(i)).unwrap_or("");
    let index: FxHashMap<&str, usize> = rows.iter().map(|&r| (get(r, id), r)).collect();
    let created_of = |r: usize| parse_iso(get(r, created));
    let contacts = contacts(archive, as_of, &index, &created_of, customers.rows.len())?;
    let sales: FxHashMap<&str, NaiveDate> = graded
        .iter()
        .filter_map(|g| Some((g.id.as_str(), parse_iso(g.last_date.as_deref()?)?)))
        .collect();
    Ok(rows
        .iter()
        .map(|&r| {
            let last = contacts
                .get(r)
                .and_then(|c| c.last)
                .or_else(|| sales.get(get(r, id)).copied())
                .or_else(|| created_of(r));
            (r, last)
        })
        .collect())
}

/// Open to-dos per owner (for `analyze team`).
pub fn open_per_owner(list: &[Due]) -> BTreeMap<&str, i64> {
    let mut m: BTreeMap<&str, i64> = BTreeMap::new();
    for d in list {
        *m.entry(d.owner.as_str()).or_default() += 1;
    }
    m
}
