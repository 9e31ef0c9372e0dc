//! The transactions as facts for the composition tables (`analyze region`,
//! `product`, `month`, `--by category,product`, the report's trend): per row
//! its day number, a code of its customer, its signed amount and quantity
//! (returns and discounts taken off, as `composition` nets them), and codes
//! of its region (its own, else its customer's), product and category. One
//! pass over these sums a table of 10M transactions in a fraction of a
//! second, where polars grouping the text columns takes seconds (issue 21).
//!
//! - Facts are read straight from the transactions file with the one
//!   reading of every cell (`facts_read`, `read::frame::fold_rows`), even
//!   where a binary copy exists: `analyze region` making them from a copy
//!   took 13.8–15.6 s for 10M rows, from the file 6.0–7.2 s. The tests
//!   make them a second way, from the tables' frames (`from_frames` in
//!   `facts_read`'s tests), and compare.
//! - They are used, and kept in `.cache/facts.f2.<customers' stamp>.
//!   <transactions' stamp>.codes` with the copies' footer (CRC32, length,
//!   magic `DGNFACT2`), only where the transactions get a binary copy
//!   (`archive.cache`, `archive.cache_min_mb`). Elsewhere, and for groups
//!   they do not hold (tier, segment, city, owner, a column, `--owner`,
//!   `--where`), `composition` groups the frame with polars.
//! - A customers file that writes an archive number twice makes no facts:
//!   the join of the polars path counts such a customer's transactions once
//!   per row, and that path is kept for it.
//! - A change to either file changes the name; damaged facts are removed
//!   and made again in the same run. Nothing fails because of them.
//!
//! Definitions are `composition`'s: a group's customers are the distinct
//! `customer_id` values of its transactions in the period (a transaction
//! without one counts as one customer more, as polars' `n_unique` counts a
//! null); a group key the transaction lacks is the empty text.

use crate::analytics::codes::{NO_DAY, day};
use crate::analytics::column::Column;
use crate::analytics::composition::{Grouped, Key, Row};
use crate::analytics::period::Period;
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use anyhow::{Result, anyhow};
use chrono::Datelike;
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

/// The version of the layout: facts of another are never read.
const VERSION: &str = "f2";
const MAGIC: &[u8; 8] = b"DGNFACT2";

/// The columns of the transactions the facts are made from (from the
/// frame here, from the file's rows in `facts_read`, in this order).
pub(crate) const COLUMNS: [&str; 8] = [
    "customer_id",
    "date",
    "kind",
    "amount",
    "quantity",
    "region",
    "product",
    "category",
];

/// The transactions as facts, one entry per row of the table.
#[derive(Debug, Default, PartialEq)]
pub struct Facts {
    /// `date` as days from the common era, or `NO_DAY`
    pub day: Column<i32>,
    /// the customer: one code per distinct `customer_id` (and one for none)
    pub customer: Column<u32>,
    /// how many customer codes there are
    pub customers: u32,
    /// fen, a return's or discount's taken off
    pub amount: Column<i64>,
    /// ten-thousandths, a return's taken off, a discount's none
    pub quantity: Column<i64>,
    /// codes into `regions`, `products`, `categories` (0: none, the empty
    /// text); a column the table at hand does not group by may be empty
    pub region: Column<u32>,
    pub product: Column<u32>,
    pub category: Column<u32>,
    pub regions: Vec<String>,
    pub products: Vec<String>,
    pub categories: Vec<String>,
}

/// The facts' columns as slices, taken once for a pass over the rows (a
/// kept column is a view of its mapped file: `column::Column`).
#[derive(Clone, Copy)]
struct Rows<'a> {
    day: &'a [i32],
    customer: &'a [u32],
    amount: &'a [i64],
    quantity: &'a [i64],
    region: &'a [u32],
    product: &'a [u32],
    category: &'a [u32],
}

/// Can the facts make a table grouped by these keys?
fn holds(keys: &[Key]) -> bool {
    keys.iter()
        .all(|k| matches!(k, Key::Region | Key::Product | Key::Category | Key::Month))
}

/// The facts of the archive's transactions, when they are kept (or can be)
/// and hold the groups of `keys`; `None`: group the frame instead.
pub fn of(archive: &Archive, keys: &[Key]) -> Result<Option<Facts>> {
    if !holds(keys) {
        return Ok(None);
    }
    let Some((tx, _)) = archive.table_file(TableKind::Transactions)? else {
        return Ok(None);
    };
    let Some((customers, _)) = archive.table_file(TableKind::Customers)? else {
        return Ok(None);
    };
    let Some(path) = kept_path(archive, &customers, &tx) else {
        // not kept: read straight from the file, no frame on the way
        let started = std::time::Instant::now();
        let need = [
            keys.contains(&Key::Region),
            keys.contains(&Key::Product),
            keys.contains(&Key::Category),
        ];
        let facts = crate::analytics::facts_read::read(archive, &tx, need)?;
        crate::timing("facts: read from the file", started);
        return Ok(facts);
    };
    if path.is_file() {
        let started = std::time::Instant::now();
        let need = [
            keys.contains(&Key::Region),
            keys.contains(&Key::Product),
            keys.contains(&Key::Category),
        ];
        match read(&path, need) {
            Ok(f) => {
                crate::timing("facts: read", started);
                return Ok(Some(f));
            }
            Err(e) => trace(format_args!("{e:#}; removed")),
        }
        let _ = std::fs::remove_file(&path);
    }
    let started = std::time::Instant::now();
    // straight from the file, in one pass with no text columns, even where
    // the transactions have a binary copy: its text columns take longer to
    // decode (14 s for 10M rows with `region`'s join) than the file to read
    let made = crate::analytics::facts_read::read(archive, &tx, [true; 3])?;
    crate::analytics::cache::remove_stale_copies(archive, &tx);
    let Some(facts) = made else {
        // none for these files: the facts of earlier ones go too
        crate::analytics::cache::remove_others(&path);
        return Ok(None);
    };
    crate::timing("facts: made", started);
    let perms = std::fs::metadata(&tx).map(|m| m.permissions()).ok();
    match write(&path, &facts, perms) {
        Ok(()) => crate::timing("facts: kept", started),
        Err(e) => trace(format_args!("{}: not kept: {e:#}", path.display())),
    }
    Ok(Some(facts))
}

/// With `DANGAN_TIMING` set, why kept facts were not used (on stderr).
fn trace(msg: std::fmt::Arguments) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("facts: {msg}");
    }
}

/// Where the facts are kept: beside the copies, when the transactions are a
/// CSV that gets one.
fn kept_path(archive: &Archive, customers: &Path, tx: &Path) -> Option<PathBuf> {
    crate::analytics::cache::kept_of_both(archive, customers, tx, "facts", VERSION)
}

/// A group: its region, product, category codes and month number (0 for a
/// key the table does not group by).
type GroupKey = (u32, u32, u32, i32);

/// Which keys a table groups by, and each day's month number.
struct Grouping {
    region: bool,
    product: bool,
    category: bool,
    month: bool,
    /// the first day of both periods, and the last
    first: i32,
    last: i32,
    /// the period's first day
    from: i32,
}

impl Grouping {
    fn new(keys: &[Key], p: &Period) -> Self {
        Grouping {
            region: keys.contains(&Key::Region),
            product: keys.contains(&Key::Product),
            category: keys.contains(&Key::Category),
            month: keys.contains(&Key::Month),
            first: day(p.prev_from),
            last: day(p.to),
            from: day(p.from),
        }
    }

    /// The group of row `r`, when it is dated in either period; and whether
    /// it is in the period (else the previous one).
    fn of(&self, f: &Rows, r: usize) -> Option<(GroupKey, bool)> {
        let d = f.day[r];
        if d == NO_DAY || d < self.first || d > self.last {
            return None;
        }
        let month = if self.month {
            let date = crate::analytics::codes::date(d)?;
            date.year() * 12 + date.month0() as i32
        } else {
            0
        };
        let key = (
            if self.region { f.region[r] } else { 0 },
            if self.product { f.product[r] } else { 0 },
            if self.category { f.category[r] } else { 0 },
            month,
        );
        Some((key, d >= self.from))
    }
}

/// The words (of 64 customers) that the groups' customer sets of one table
/// may take: 256 MiB. A table of more groups (month × region × product on a
/// million customers) counts its customers by sorting instead.
const SEEN_BUDGET: usize = 32 << 20;

/// A set of customer codes.
struct Seen(Vec<u64>);

impl Seen {
    fn new(n: u32) -> Self {
        Seen(vec![0; (n as usize).div_ceil(64)])
    }
    /// Add `c`; was it new?
    fn add(&mut self, c: u32) -> bool {
        let (w, b) = ((c / 64) as usize, 1u64 << (c % 64));
        let new = self.0[w] & b == 0;
        self.0[w] |= b;
        new
    }
    /// Add every customer of `other`.
    fn join(&mut self, other: &Seen) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    /// How many customers are in the set.
    fn count(&self) -> i64 {
        self.0.iter().map(|w| i64::from(w.count_ones())).sum()
    }
}

/// Groups as dense numbers: computed from the codes when all groups the
/// keys could make fit in a few million slots (a region × product × month
/// table does), else numbered as they come.
enum Index {
    Dense {
        /// the sizes of the region, product, category and month dimensions
        size: [usize; 4],
        /// the month number of the first month of both periods
        first_month: i32,
    },
    Sparse {
        numbers: FxHashMap<GroupKey, usize>,
        keys: Vec<GroupKey>,
    },
}

impl Index {
    fn new(f: &Facts, by: &Grouping, p: &Period, dense: bool) -> Index {
        let month = |d: chrono::NaiveDate| d.year() * 12 + d.month0() as i32;
        let first_month = month(p.prev_from);
        let size = [
            if by.region { f.regions.len() } else { 1 },
            if by.product { f.products.len() } else { 1 },
            if by.category { f.categories.len() } else { 1 },
            if by.month {
                (month(p.to) - first_month + 1).max(1) as usize
            } else {
                1
            },
        ];
        let slots = size.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        if dense && slots.is_some_and(|n| n <= 1 << 22) {
            Index::Dense { size, first_month }
        } else {
            Index::Sparse {
                numbers: FxHashMap::default(),
                keys: Vec::new(),
            }
        }
    }

    /// How many groups the dense numbering can make (`None`: numbered as
    /// they come).
    fn slots(&self) -> Option<usize> {
        match self {
            Index::Dense { size, .. } => Some(size.iter().product()),
            Index::Sparse { .. } => None,
        }
    }

    /// The number of group `g` in the dense numbering (0 in the other).
    fn dense(&self, g: GroupKey) -> usize {
        match self {
            Index::Dense { size, first_month } => {
                let m = if size[3] > 1 {
                    (g.3 - *first_month) as usize
                } else {
                    0
                };
                ((g.0 as usize * size[1] + g.1 as usize) * size[2] + g.2 as usize) * size[3] + m
            }
            Index::Sparse { .. } => 0,
        }
    }

    /// The number of group `g`.
    fn of(&mut self, g: GroupKey) -> usize {
        match self {
            Index::Dense { .. } => self.dense(g),
            Index::Sparse { numbers, keys } => *numbers.entry(g).or_insert_with(|| {
                keys.push(g);
                keys.len() - 1
            }),
        }
    }

    /// The group numbered `i`.
    fn key(&self, i: usize) -> GroupKey {
        match self {
            Index::Dense { size, first_month } => {
                let m = i % size[3];
                let rest = i / size[3];
                let c = rest % size[2];
                let rest = rest / size[2];
                let p = rest % size[1];
                let r = rest / size[1];
                let month = if size[3] > 1 {
                    *first_month + m as i32
                } else {
                    0
                };
                (r as u32, p as u32, c as u32, month)
            }
            Index::Sparse { keys, .. } => keys[i],
        }
    }
}

impl Facts {
    /// The columns as slices.
    fn rows(&self) -> Rows<'_> {
        Rows {
            day: &self.day,
            customer: &self.customer,
            amount: &self.amount,
            quantity: &self.quantity,
            region: &self.region,
            product: &self.product,
            category: &self.category,
        }
    }

    /// The text of a group's key, in the order of `keys`.
    fn key_text(&self, keys: &[Key], g: GroupKey) -> Vec<String> {
        keys.iter()
            .map(|k| match k {
                Key::Region => self.regions[g.0 as usize].clone(),
                Key::Product => self.products[g.1 as usize].clone(),
                Key::Category => self.categories[g.2 as usize].clone(),
                _ => format!("{:04}-{:02}", g.3.div_euclid(12), g.3.rem_euclid(12) + 1),
            })
            .collect()
    }

    /// The sums of a composition table by `keys` (which [`holds`]) over the
    /// period and the previous one.
    pub fn grouped(&self, keys: &[Key], p: &Period) -> Grouped {
        self.grouped_in(keys, p, true, SEEN_BUDGET)
    }

    /// [`Facts::grouped`], with groups numbered densely where they fit
    /// (`dense`), else as they come; each group's customers counted in a set
    /// of its own when all the groups' sets fit in `budget` words, else by
    /// sorting the (group, customer) pairs of the period.
    fn grouped_in(&self, keys: &[Key], p: &Period, dense: bool, budget: usize) -> Grouped {
        let f = self.rows();
        let by = Grouping::new(keys, p);
        let mut index = Index::new(self, &by, p, dense);
        let words = (self.customers as usize).div_ceil(64);
        let sets = index
            .slots()
            .is_some_and(|n| n.saturating_mul(words) <= budget);
        if sets && let Index::Dense { .. } = index {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
            let slots = index.slots().unwrap_or(0);
            // each thread its own sets: within the budget for all of them
            if threads > 1 && slots.saturating_mul(words).saturating_mul(threads) <= budget {
                return self.grouped_dense(keys, &by, &index, threads);
            }
        }
        let mut pairs: Vec<u64> = Vec::new();
        // per group: (customers, orders, quantity, amount) of the period, the
        // customers counted through its `Seen`; the previous period's amount
        let mut cur: Vec<([i64; 4], Option<Seen>)> = Vec::new();
        let mut prev: Vec<Option<i64>> = Vec::new();
        let mut total = [0i64; 4];
        let mut prev_total = 0i64;
        let mut everyone = Seen::new(self.customers);
        for r in 0..self.day.len() {
            let Some((g, in_period)) = by.of(&f, r) else {
                continue;
            };
            let i = index.of(g);
            if cur.len() <= i {
                cur.resize_with(i + 1, || ([0; 4], None));
                prev.resize(i + 1, None);
            }
            let amount = f.amount[r];
            if !in_period {
                let a = prev[i].get_or_insert(0);
                *a = a.wrapping_add(amount);
                prev_total = prev_total.wrapping_add(amount);
                continue;
            }
            let c = f.customer[r];
            let (sums, seen) = &mut cur[i];
            if sets {
                let seen = seen.get_or_insert_with(|| Seen::new(self.customers));
                sums[0] += i64::from(seen.add(c));
            } else {
                pairs.push(((i as u64) << 32) | u64::from(c));
            }
            sums[1] += 1;
            sums[2] = sums[2].wrapping_add(f.quantity[r]);
            sums[3] = sums[3].wrapping_add(amount);
            total[0] += i64::from(everyone.add(c));
            total[1] += 1;
            total[2] = total[2].wrapping_add(f.quantity[r]);
            total[3] = total[3].wrapping_add(amount);
        }
        if !sets {
            pairs.sort_unstable();
            pairs.dedup();
            for pair in pairs {
                cur[(pair >> 32) as usize].0[0] += 1;
            }
        }
        Grouped {
            cur: cur
                .into_iter()
                .enumerate()
                .filter(|(_, (sums, _))| sums[1] > 0)
                .map(|(i, (sums, _))| (self.key_text(keys, index.key(i)), sums))
                .collect(),
            prev: prev
                .into_iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|a| (self.key_text(keys, index.key(i)), a)))
                .collect(),
            total,
            prev_total,
        }
    }

    /// [`Facts::grouped_in`] with dense group numbers and a customer set
    /// per group, on `threads` threads: each sums a share of the rows into
    /// its own sums and sets, which are then added up and OR-ed; a group's
    /// customers are the bits of its joined set. The same table as one pass
    /// (`tests::sums_by_region_and_month_count_each_customer_once`).
    fn grouped_dense(&self, keys: &[Key], by: &Grouping, index: &Index, threads: usize) -> Grouped {
        let f = self.rows();
        struct Part {
            /// per group: orders, quantity, amount of the period
            sums: Vec<[i64; 3]>,
            seen: Vec<Option<Seen>>,
            prev: Vec<Option<i64>>,
            total: [i64; 3],
            prev_total: i64,
            everyone: Seen,
        }
        let slots = index.slots().unwrap_or(0);
        let part = |rows: std::ops::Range<usize>| -> Part {
            let mut p = Part {
                sums: vec![[0; 3]; slots],
                seen: (0..slots).map(|_| None).collect(),
                prev: vec![None; slots],
                total: [0; 3],
                prev_total: 0,
                everyone: Seen::new(self.customers),
            };
            for r in rows {
                let Some((g, in_period)) = by.of(&f, r) else {
                    continue;
                };
                let i = index.dense(g);
                let amount = f.amount[r];
                if !in_period {
                    let a = p.prev[i].get_or_insert(0);
                    *a = a.wrapping_add(amount);
                    p.prev_total = p.prev_total.wrapping_add(amount);
                    continue;
                }
                let c = f.customer[r];
                p.seen[i]
                    .get_or_insert_with(|| Seen::new(self.customers))
                    .add(c);
                p.everyone.add(c);
                let q = f.quantity[r];
                let sums = &mut p.sums[i];
                sums[0] += 1;
                sums[1] = sums[1].wrapping_add(q);
                sums[2] = sums[2].wrapping_add(amount);
                p.total[0] += 1;
                p.total[1] = p.total[1].wrapping_add(q);
                p.total[2] = p.total[2].wrapping_add(amount);
            }
            p
        };
        let n = self.day.len();
        let chunk = n.div_ceil(threads).max(1);
        let mut parts: Vec<Part> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let rows = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                    s.spawn(move || part(rows))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut all = parts.remove(0);
        for p in parts {
            for (a, b) in all.sums.iter_mut().zip(&p.sums) {
                a[0] += b[0];
                a[1] = a[1].wrapping_add(b[1]);
                a[2] = a[2].wrapping_add(b[2]);
            }
            for (a, b) in all.seen.iter_mut().zip(p.seen) {
                match (a.as_mut(), b) {
                    (Some(a), Some(b)) => a.join(&b),
                    (None, b) => *a = b,
                    (Some(_), None) => {}
                }
            }
            for (a, b) in all.prev.iter_mut().zip(&p.prev) {
                if let Some(b) = b {
                    let a = a.get_or_insert(0);
                    *a = a.wrapping_add(*b);
                }
            }
            all.total[0] += p.total[0];
            all.total[1] = all.total[1].wrapping_add(p.total[1]);
            all.total[2] = all.total[2].wrapping_add(p.total[2]);
            all.prev_total = all.prev_total.wrapping_add(p.prev_total);
            all.everyone.join(&p.everyone);
        }
        let text = |i: usize| self.key_text(keys, index.key(i));
        Grouped {
            cur: all
                .sums
                .iter()
                .zip(&all.seen)
                .enumerate()
                .filter(|(_, (sums, _))| sums[0] > 0)
                .map(|(i, (sums, seen))| {
                    let customers = seen.as_ref().map_or(0, Seen::count);
                    (text(i), [customers, sums[0], sums[1], sums[2]])
                })
                .collect(),
            prev: all
                .prev
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|a| (text(i), a)))
                .collect(),
            total: [
                all.everyone.count(),
                all.total[0],
                all.total[1],
                all.total[2],
            ],
            prev_total: all.prev_total,
        }
    }

    /// The distinct customers of the period outside the groups `kept` (the
    /// rows `--top` keeps).
    pub fn other_customers(&self, keys: &[Key], p: &Period, kept: &[Row]) -> i64 {
        let f = self.rows();
        let by = Grouping::new(keys, p);
        let kept: rustc_hash::FxHashSet<&[String]> =
            kept.iter().map(|r| r.keys.as_slice()).collect();
        let mut is_kept: FxHashMap<GroupKey, bool> = FxHashMap::default();
        let mut seen = Seen::new(self.customers);
        let mut n = 0;
        for r in 0..self.day.len() {
            let Some((g, true)) = by.of(&f, r) else {
                continue;
            };
            let k = *is_kept
                .entry(g)
                .or_insert_with(|| kept.contains(self.key_text(keys, g).as_slice()));
            if !k {
                n += i64::from(seen.add(f.customer[r]));
            }
        }
        n
    }
}

/// Write the facts (temp file, fsync, rename): the row count, the customer
/// count, each column's little-endian values, the three dictionaries (a
/// count, then each value's length and bytes), then the footer.
fn write(path: &Path, f: &Facts, perms: Option<std::fs::Permissions>) -> Result<()> {
    crate::analytics::cache::write_checked(path, MAGIC, perms, |w| {
        use std::io::Write;
        w.write_all(&(f.day.len() as u64).to_le_bytes())?;
        w.write_all(&f.customers.to_le_bytes())?;
        let mut buf = Vec::with_capacity(1 << 16);
        let mut put = |w: &mut dyn Write, bytes: &mut dyn Iterator<Item = [u8; 8]>, width| {
            buf.clear();
            for b in bytes {
                buf.extend_from_slice(&b[..width]);
                if buf.len() >= 1 << 16 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
            w.write_all(&buf)
        };
        let wide = |v: u64| v.to_le_bytes();
        put(w, &mut f.day.iter().map(|&v| wide(v as u32 as u64)), 4)?;
        put(w, &mut f.customer.iter().map(|&v| wide(v as u64)), 4)?;
        // the money starts at a multiple of 8, to be read in place
        let n = f.day.len();
        w.write_all(&vec![0u8; money_at(n) - (12 + 8 * n)])?;
        put(w, &mut f.amount.iter().map(|&v| v.to_le_bytes()), 8)?;
        put(w, &mut f.quantity.iter().map(|&v| v.to_le_bytes()), 8)?;
        for col in [&f.region, &f.product, &f.category] {
            put(w, &mut col.iter().map(|&v| wide(v as u64)), 4)?;
        }
        for dict in [&f.regions, &f.products, &f.categories] {
            w.write_all(&(dict.len() as u32).to_le_bytes())?;
            for v in dict {
                w.write_all(&(v.len() as u32).to_le_bytes())?;
                w.write_all(v.as_bytes())?;
            }
        }
        Ok(())
    })
}

/// Where the money columns of `n` rows start: after the counts (12 bytes)
/// and the day and customer columns, at the next multiple of 8.
fn money_at(n: usize) -> usize {
    (12 + 8 * n).next_multiple_of(8)
}

/// Kept facts, checked whole before any value is taken, then read in place
/// from the mapped file (`column::Column`); every length and code is
/// checked against the file. Of the region, product and category codes only
/// those `need`ed are taken (the others stay empty).
fn read(path: &Path, need: [bool; 3]) -> Result<Facts> {
    let file = std::sync::Arc::new(crate::analytics::cache::checked(path, MAGIC)?);
    let bad = || anyhow!("{}: damaged facts", path.display());
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let long = |s: &[u8]| i64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
    let head = file.get(..12).ok_or_else(bad)?;
    let n = usize::try_from(long(&head[..8])).map_err(|_| bad())?;
    let customers = word(&head[8..]);
    // (a row count read from the file: checked arithmetic, no overflow)
    let n4 = n.checked_mul(4).ok_or_else(bad)?;
    let n8 = n.checked_mul(8).ok_or_else(bad)?;
    let money = n8.checked_add(12).ok_or_else(bad)?.next_multiple_of(8);
    let codes_at = n8
        .checked_mul(2)
        .and_then(|m| m.checked_add(money))
        .ok_or_else(bad)?;
    let words = |s: &[u8]| -> Vec<u32> { s.chunks_exact(4).map(word).collect() };
    let days = |s: &[u8]| -> Vec<i32> { s.chunks_exact(4).map(|c| word(c) as i32).collect() };
    let longs = |s: &[u8]| -> Vec<i64> { s.chunks_exact(8).map(long).collect() };
    let day = Column::of_file(&file, 12, n, days).ok_or_else(bad)?;
    let customer = Column::of_file(&file, 12 + n4, n, words).ok_or_else(bad)?;
    let amount = Column::of_file(&file, money, n, longs).ok_or_else(bad)?;
    let quantity = Column::of_file(&file, money + n8, n, longs).ok_or_else(bad)?;
    let code = |k: usize| -> Result<Column<u32>> {
        let at = codes_at.checked_add(k * n4).ok_or_else(bad)?;
        let c = Column::of_file(&file, at, n, words).ok_or_else(bad)?;
        Ok(if need[k] { c } else { Column::default() })
    };
    let (region, product, category) = (code(0)?, code(1)?, code(2)?);
    let mut at = codes_at.checked_add(3 * n4).ok_or_else(bad)?;
    let mut take = |len: usize| -> Result<&[u8]> {
        let s = file
            .get(at..at.checked_add(len).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        at += len;
        Ok(s)
    };
    let mut dict = || -> Result<Vec<String>> {
        let count = word(take(4)?) as usize;
        let mut out = Vec::with_capacity(count.min(1 << 20));
        for _ in 0..count {
            let len = word(take(4)?) as usize;
            let v = std::str::from_utf8(take(len)?).map_err(|_| bad())?;
            out.push(v.to_string());
        }
        Ok(out)
    };
    let (regions, products, categories) = (dict()?, dict()?, dict()?);
    if at != file.len() {
        return Err(bad());
    }
    let within = |codes: &[u32], size: usize| codes.iter().all(|&c| (c as usize) < size);
    if !(within(&customer, customers as usize)
        && within(&region, regions.len())
        && within(&product, products.len())
        && within(&category, categories.len()))
    {
        return Err(bad());
    }
    Ok(Facts {
        day,
        customer,
        customers,
        amount,
        quantity,
        region,
        product,
        category,
        regions,
        products,
        categories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Facts {
        let d = |y, m, dd| day(chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        Facts {
            day: vec![d(2026, 8, 15), NO_DAY, d(2025, 8, 15), d(2026, 9, 1)].into(),
            customer: vec![0, 1, 1, 2].into(),
            customers: 3,
            amount: vec![587_147, -1, 1000, i64::MIN].into(),
            quantity: vec![20_000, 0, -10_000, i64::MAX].into(),
            region: vec![1, 0, 2, 1].into(),
            product: vec![1, 1, 0, 2].into(),
            category: vec![1, 1, 1, 0].into(),
            regions: vec!["".into(), "广东省".into(), "浙江省".into()],
            products: vec!["".into(), "水泥".into(), "钢材".into()],
            categories: vec!["".into(), "建材".into()],
        }
    }

    #[test]
    fn kept_facts_read_back_as_written_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facts.f2.a.b.codes");
        write(&path, &sample(), None).unwrap();
        let back = read(&path, [true; 3]).unwrap();
        assert_eq!(back, sample());
        // 4 rows: 12 + 4 × 8 = 44, padded to 48 for the money, read in place
        assert_eq!(money_at(4), 48);
        assert!(back.day.is_mapped() && back.amount.is_mapped() && back.region.is_mapped());
        let some = read(&path, [false, true, false]).unwrap();
        assert_eq!(some.product, sample().product);
        assert!(some.region.is_empty() && some.category.is_empty());
        let good = std::fs::read(&path).unwrap();
        for at in [
            0,
            9,
            13,
            40,
            good.len() / 2,
            good.len() - 21,
            good.len() - 1,
        ] {
            let mut bytes = good.clone();
            bytes[at] ^= 0x04;
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                read(&path, [true; 3]).is_err(),
                "a flipped bit at byte {at} was read"
            );
        }
        std::fs::write(&path, &good[..good.len() / 2]).unwrap();
        assert!(read(&path, [true; 3]).is_err());
    }

    #[test]
    fn sums_by_region_and_month_count_each_customer_once() {
        let f = sample();
        let p = Period {
            from: chrono::NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            prev_from: chrono::NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
            prev_to: chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
        };
        let g = f.grouped(&[Key::Region], &p);
        let mut cur = g.cur.clone();
        cur.sort();
        // 广东省: customers 0 and 2, two orders; 2025-08-15 is the previous period's
        assert_eq!(
            cur,
            vec![(
                vec!["广东省".to_string()],
                [
                    2,
                    2,
                    20_000i64.wrapping_add(i64::MAX),
                    587_147i64.wrapping_add(i64::MIN)
                ]
            )]
        );
        assert_eq!(g.prev.get(&vec!["浙江省".to_string()]), Some(&1000));
        assert_eq!(g.prev_total, 1000);
        assert_eq!(g.total[0], 2);
        let m = f.grouped(&[Key::Month, Key::Product], &p);
        let mut keys: Vec<Vec<String>> = m.cur.iter().map(|(k, _)| k.clone()).collect();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                vec!["2026-08".to_string(), "水泥".to_string()],
                vec!["2026-09".to_string(), "钢材".to_string()]
            ]
        );
        assert_eq!(f.other_customers(&[Key::Month, Key::Product], &p, &[]), 2);
        // groups numbered as they come, and customers counted by sorting,
        // give the same table: on 2,000 transactions of 37 customers, each
        // buying many times in each group
        let d0 = day(chrono::NaiveDate::from_ymd_opt(2024, 11, 1).unwrap());
        let n = 2_000u32;
        let f = Facts {
            day: (0..n).map(|k| d0 + (k as i32 * 7) % 730).collect(),
            customer: (0..n).map(|k| k % 37).collect(),
            customers: 37,
            amount: (0..n).map(|k| i64::from(k) * 100 - 3_000).collect(),
            quantity: (0..n).map(|k| i64::from(k % 9) * 10_000).collect(),
            region: (0..n).map(|k| k % 3).collect(),
            product: (0..n).map(|k| k % 5).collect(),
            category: (0..n).map(|k| k % 2).collect(),
            regions: vec!["".into(), "广东省".into(), "浙江省".into()],
            products: (0..5).map(|k| format!("p{k}")).collect(),
            categories: vec!["".into(), "建材".into()],
        };
        let region = f.grouped(&[Key::Region], &p);
        assert!(region.cur.iter().all(|(_, s)| s[0] <= 37 && s[1] > 37));
        for keys in [
            &[Key::Region][..],
            &[Key::Month, Key::Product],
            &[Key::Category, Key::Product, Key::Region, Key::Month],
        ] {
            let mut a = f.grouped_in(keys, &p, true, SEEN_BUDGET);
            a.cur.sort();
            // on three threads, whatever the machine has
            let by = Grouping::new(keys, &p);
            let mut c = f.grouped_dense(keys, &by, &Index::new(&f, &by, &p, true), 3);
            c.cur.sort();
            assert_eq!(a.cur, c.cur, "{keys:?} on three threads");
            assert_eq!(a.prev, c.prev, "{keys:?}");
            assert_eq!((a.total, a.prev_total), (c.total, c.prev_total));
            // numbered as they come; customers counted by sorting pairs
            for (dense, budget) in [(false, SEEN_BUDGET), (true, 0), (false, 0)] {
                let mut b = f.grouped_in(keys, &p, dense, budget);
                b.cur.sort();
                assert_eq!(a.cur, b.cur, "{keys:?} {dense} {budget}");
                assert_eq!(a.prev, b.prev, "{keys:?}");
                assert_eq!((a.total, a.prev_total), (b.total, b.prev_total));
            }
        }
    }
}
