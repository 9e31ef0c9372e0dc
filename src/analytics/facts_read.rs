//! The facts (`analytics::facts`) read straight from the transactions file,
//! for an archive whose facts are not kept (`archive.cache: false`, or a
//! table too small for a copy): the first run of `analyze region|product|
//! month` on a CSV (issue 21's "CSV path").
//!
//! The rows are read by [`crate::read::frame::fold_rows`]: the one reading of
//! every cell, its checks and its first error in file order, as the frame
//! the facts are otherwise made from. What differs is only what is built:
//! no text column of ten million strings, but on each reading thread a
//! part of the facts' numbers, with its own small dictionaries; this thread
//! then renumbers each part's codes into the whole table's and appends it.
//!
//! - A customer's code is its row in the customers file plus one; 0 is no
//!   customer; an archive number the customers file lacks gets a code after
//!   theirs. A table without regions (`product`, `month`) reads no customers
//!   file: an archive number of the first transaction's pattern (`C000123`:
//!   a prefix and up to 7 digits) is coded by its digits, any other as a
//!   stranger. Codes only tell customers apart (the distinct counts), so any
//!   numbering gives the same tables.
//! - A transaction without its own region takes its customer's, as the
//!   polars path's join does.

use crate::analytics::codes::{IdRows, NO_DAY, day};
use crate::analytics::facts::{COLUMNS, Facts};
use crate::analytics::ledger;
use crate::archive::Archive;
use crate::archive::schema::{TableKind, TxKind};
use crate::read::frame::{Value, fold_rows};
use anyhow::{Result, anyhow};
use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::Arc;

/// A region code of a part that is its customer's home region (an index
/// into [`Homes::regions`]), not a value of the part's own dictionary.
const HOME: u32 = 1 << 31;

/// The customers file as the reading threads need it.
struct Homes {
    /// archive number → row in the customers file
    rows: IdRows,
    /// each customer's region by its code ([`Homes::code`]), as an index
    /// into `regions` (0: none)
    home: Vec<u32>,
    /// how many codes [`Homes::code`] gives (strangers come after)
    known: u32,
    regions: Vec<String>,
    /// the region, product and category codes wanted (the others are 0)
    need: [bool; 3],
    /// archive numbers of this prefix and count of digits are coded by their
    /// digits (plus one), any other as a stranger: for a table without
    /// regions (no customers file read), or when every number of the
    /// customers file has the pattern (no look-up in `rows`)
    digits: Option<crate::values::ids::NumberPattern>,
}

impl Homes {
    /// The code of a customer: its row (or digits) plus one, or `None` for
    /// an archive number the customers file (or the pattern) lacks.
    fn code(&self, id: &str) -> Option<u32> {
        let Some(pattern) = &self.digits else {
            return self.rows.get(id).map(|r| r + 1);
        };
        let n = pattern.number(id)?;
        (n < u64::from(self.known)).then_some(n as u32 + 1)
    }
}

/// Text values of one part as codes: 0 is none, then each distinct value in
/// order of first appearance.
#[derive(Default)]
struct Local {
    codes: FxHashMap<String, u32>,
    values: Vec<String>,
}

impl Local {
    fn code(&mut self, v: &str) -> u32 {
        if v.is_empty() {
            return 0;
        }
        if let Some(&c) = self.codes.get(v) {
            return c;
        }
        self.values.push(v.to_string());
        let c = self.values.len() as u32;
        self.codes.insert(v.to_string(), c);
        c
    }
}

/// The facts of one chunk of rows, coded for this part only.
#[derive(Default)]
struct Part {
    day: Vec<i32>,
    /// a customers-file row plus one, 0 for none, or `HOME |` a code of
    /// `strangers` (an archive number the customers file lacks)
    customer: Vec<u32>,
    amount: Vec<i64>,
    quantity: Vec<i64>,
    region: Vec<u32>,
    product: Vec<u32>,
    category: Vec<u32>,
    regions: Local,
    products: Local,
    categories: Local,
    strangers: Local,
    /// a date the cells' reading gave that is not ISO (never expected)
    err: Option<String>,
}

impl Part {
    /// Empty, its memory kept for the next chunk.
    fn clear(&mut self) {
        self.day.clear();
        self.customer.clear();
        self.amount.clear();
        self.quantity.clear();
        self.region.clear();
        self.product.clear();
        self.category.clear();
        for d in [
            &mut self.regions,
            &mut self.products,
            &mut self.categories,
            &mut self.strangers,
        ] {
            d.codes.clear();
            d.values.clear();
        }
    }

    fn add(&mut self, homes: &Homes, v: &[Value<'_>; 8]) {
        let text = |i: usize| match &v[i] {
            Value::Text(t) => t.as_ref(),
            Value::Int(_) => "",
        };
        let int = |i: usize| match &v[i] {
            Value::Int(n) => n.unwrap_or(0),
            Value::Text(_) => 0,
        };
        let (id, date, kind) = (text(0), text(1), text(2));
        self.day.push(if date.is_empty() {
            NO_DAY
        } else {
            match crate::values::dates::parse_iso(date) {
                Some(d) => day(d),
                None => {
                    self.err
                        .get_or_insert_with(|| format!("{date:?} is not an ISO date"));
                    NO_DAY
                }
            }
        });
        let code = homes.code(id);
        self.customer.push(match code {
            _ if id.is_empty() => 0,
            Some(c) => c,
            None => HOME | self.strangers.code(id),
        });
        let back = kind == TxKind::Return.name() || kind == TxKind::Discount.name();
        let discount = kind == TxKind::Discount.name();
        let amount = int(3);
        self.amount.push(if back && amount > 0 {
            amount.wrapping_neg()
        } else {
            amount
        });
        let q = int(4);
        self.quantity.push(match (discount, back) {
            (true, _) => 0,
            (false, true) => q.wrapping_neg(),
            (false, false) => q,
        });
        // a column the table does not group by stays empty
        let [region, product, category] = homes.need;
        if region {
            let own = text(5);
            let home = code.map_or(0, |c| homes.home.get(c as usize).copied().unwrap_or(0));
            self.region.push(match home {
                _ if !own.is_empty() => self.regions.code(own),
                0 => 0,
                h => HOME | h,
            });
        }
        if product {
            self.product.push(self.products.code(text(6)));
        }
        if category {
            self.category.push(self.categories.code(text(7)));
        }
    }
}

/// A dictionary of the whole table, filled part by part.
struct Global {
    codes: FxHashMap<String, u32>,
    values: Vec<String>,
}

impl Global {
    fn new() -> Self {
        Global {
            codes: FxHashMap::default(),
            values: vec![String::new()],
        }
    }

    fn code(&mut self, v: &str) -> u32 {
        if let Some(&c) = self.codes.get(v) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(v.to_string());
        self.codes.insert(v.to_string(), c);
        c
    }

    /// The whole table's codes of a part's dictionary (index: the part's code).
    fn renumber(&mut self, local: &Local) -> Vec<u32> {
        std::iter::once(0)
            .chain(local.values.iter().map(|v| self.code(v)))
            .collect()
    }
}

/// The facts of the archive's transactions read from `tx`, with the codes
/// of the region, product and category where `need` says (else 0: none);
/// `None` when the customers file writes an archive number twice (see
/// `facts`).
pub fn read(archive: &Archive, tx: &Path, need: [bool; 3]) -> Result<Option<Facts>> {
    let Some(homes) = homes(archive, tx, need)? else {
        return Ok(None);
    };
    let homes = Arc::new(homes);
    let mut f = Facts::default();
    let (mut regions, mut products, mut categories, mut strangers) =
        (Global::new(), Global::new(), Global::new(), Global::new());
    // a home region's code in the whole table's regions, once it is used
    let mut home_code = vec![u32::MAX; homes.regions.len()];
    let known = homes.known;
    let name = tx.display().to_string();
    let reader = Arc::clone(&homes);
    fold_rows(
        tx,
        TableKind::Transactions,
        COLUMNS,
        Part::default,
        move |p: &mut Part, v| p.add(&reader, v),
        |p: &mut Part, done| {
            if let Some(e) = p.err.take() {
                return Err(anyhow!("{name}: {e}"));
            }
            if f.day.is_empty() {
                // the whole table's rows, estimated from the first part's
                let n = (p.day.len() as f64 / done.max(1e-6) * 1.05) as usize + 1024;
                f.day.reserve(n);
                f.customer.reserve(n);
                f.amount.reserve(n);
                f.quantity.reserve(n);
                f.region.reserve(if homes.need[0] { n } else { 0 });
                f.product.reserve(if homes.need[1] { n } else { 0 });
                f.category.reserve(if homes.need[2] { n } else { 0 });
            }
            let (r, pr, c, s) = (
                regions.renumber(&p.regions),
                products.renumber(&p.products),
                categories.renumber(&p.categories),
                strangers.renumber(&p.strangers),
            );
            f.day.append_vec(&mut p.day);
            f.amount.append_vec(&mut p.amount);
            f.quantity.append_vec(&mut p.quantity);
            f.customer.extend(p.customer.iter().map(|&c| {
                if c & HOME != 0 {
                    // after the customers file's rows and the code for none
                    known + s[(c & !HOME) as usize]
                } else {
                    c
                }
            }));
            for &g in &p.region {
                let code = if g & HOME != 0 {
                    let h = (g & !HOME) as usize;
                    if home_code[h] == u32::MAX {
                        home_code[h] = regions.code(&homes.regions[h]);
                    }
                    home_code[h]
                } else {
                    r[g as usize]
                };
                f.region.push(code);
            }
            f.product.extend(p.product.iter().map(|&g| pr[g as usize]));
            f.category.extend(p.category.iter().map(|&g| c[g as usize]));
            p.clear();
            Ok(())
        },
    )?;
    f.customers = known + strangers.values.len() as u32;
    f.regions = regions.values;
    f.products = products.values;
    f.categories = categories.values;
    Ok(Some(f))
}

/// The customers' rows and home regions; `None` when an archive number is
/// written twice or there is no customers file.
fn homes(archive: &Archive, tx: &Path, need: [bool; 3]) -> Result<Option<Homes>> {
    if !need[0]
        && let Some(digits) = pattern(tx)?
    {
        return Ok(Some(Homes {
            rows: IdRows::default(),
            home: Vec::new(),
            known: 2 * 10u32.pow(digits.width as u32),
            regions: vec![String::new()],
            need,
            digits: Some(digits),
        }));
    }
    // no customers file: no facts, as from the frames (the polars path says
    // what is missing where a table needs it)
    let Some((path, _)) = archive.table_file(TableKind::Customers)? else {
        return Ok(None);
    };
    // from the copy where one is made; else the two columns from the file
    // (a copy of every column is not made for them)
    let cdf = if crate::analytics::cache::has_copy(archive, &path) {
        let Some(c) = ledger::scan(archive, TableKind::Customers, &["id", "region"])? else {
            return Ok(None);
        };
        ledger::collect(c.lf, &[c.path.as_path()])?
    } else {
        crate::read::frame::read(&path, TableKind::Customers, &["id", "region"])?
    };
    let (ids, homes) = (cdf.column("id")?.str()?, cdf.column("region")?.str()?);
    let mut regions = Global::new();
    let mut region_of = |region: Option<&str>| match region {
        Some(r) if need[0] => regions.code(r),
        _ => 0,
    };
    // every number of one pattern: coded by its digits
    let first = ids.iter().flatten().next().unwrap_or_default();
    if let Some(digits) = crate::values::ids::NumberPattern::of(first) {
        // numbers up to a few times the customers (else the table is sparse)
        let size = 4 * ids.len() + (1 << 16) + 1;
        let mut by_digits = Homes {
            rows: IdRows::default(),
            home: Vec::new(),
            known: size as u32 - 1,
            regions: Vec::new(),
            need,
            digits: Some(digits),
        };
        let mut home = vec![0u32; size];
        let mut seen = vec![false; size];
        let mut all = true;
        for (id, region) in ids.iter().zip(homes.iter()) {
            let Some(id) = id else { continue };
            let Some(c) = by_digits.code(id) else {
                all = false;
                break;
            };
            if std::mem::replace(&mut seen[c as usize], true) {
                return Ok(None);
            }
            home[c as usize] = region_of(region);
        }
        if all {
            by_digits.home = home;
            by_digits.regions = regions.values;
            return Ok(Some(by_digits));
        }
        regions = Global::new();
    }
    let mut region_of = |region: Option<&str>| match region {
        Some(r) if need[0] => regions.code(r),
        _ => 0,
    };
    let mut rows = IdRows::with_capacity(ids.len());
    // by code: the row plus one (0: no customer)
    let mut home = Vec::with_capacity(ids.len() + 1);
    home.push(0);
    for (i, (id, region)) in ids.iter().zip(homes.iter()).enumerate() {
        home.push(region_of(region));
        if let Some(id) = id
            && !rows.insert_first(id, i as u32)
        {
            return Ok(None);
        }
    }
    Ok(Some(Homes {
        rows,
        known: ids.len() as u32,
        home,
        regions: regions.values,
        need,
        digits: None,
    }))
}

/// The prefix and count of digits of the first transaction's archive
/// number (read as every cell is), when it has from 1 to 7 digits: the
/// numbering of a table that reads no customers file.
fn pattern(tx: &Path) -> Result<Option<crate::values::ids::NumberPattern>> {
    if std::fs::metadata(tx).map_or(0, |m| m.len()) == 0 {
        return Ok(None);
    }
    let name = tx.display().to_string();
    let mut src = crate::read::source::Source::open(&name, &Default::default())?;
    let Some(at) = src.headers.iter().position(|h| h == "customer_id") else {
        return Ok(None);
    };
    let Some(column) = TableKind::Transactions.column("customer_id") else {
        return Ok(None);
    };
    let Some(row) = src.next_record()? else {
        return Ok(None);
    };
    let id = crate::read::cells::read(column, row.field(at)).unwrap_or_default();
    Ok(crate::values::ids::NumberPattern::of(&id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::composition::{Grouped, Key};
    use crate::analytics::period::Period;
    use crate::archive::schema::TxKind;
    use rustc_hash::FxHashMap;

    // The second way to make the facts, from the tables' frames (polars),
    // that the test below compares the file's reading against.

    /// Text values as codes: 0 is none (the empty text), then each distinct
    /// value in order of first appearance.
    #[derive(Default)]
    struct Dictionary<'a> {
        codes: FxHashMap<&'a str, u32>,
        values: Vec<String>,
    }

    impl<'a> Dictionary<'a> {
        fn new() -> Self {
            Dictionary {
                codes: FxHashMap::default(),
                values: vec![String::new()],
            }
        }

        fn code(&mut self, v: Option<&'a str>) -> u32 {
            let Some(v) = v else { return 0 };
            if let Some(&c) = self.codes.get(v) {
                return c;
            }
            let c = self.values.len() as u32;
            self.values.push(v.to_string());
            self.codes.insert(v, c);
            c
        }
    }

    /// The facts from the frames; `None` when the customers file writes an
    /// archive number twice.
    fn from_frames(archive: &Archive) -> Result<Option<Facts>> {
        let Some(t) = ledger::scan(archive, TableKind::Transactions, &COLUMNS)? else {
            return Ok(None);
        };
        let df = ledger::collect(t.lf, &[t.path.as_path()])?;
        let Some(c) = ledger::scan(archive, TableKind::Customers, &["id", "region"])? else {
            return Ok(None);
        };
        let cdf = ledger::collect(c.lf, &[c.path.as_path()])?;
        let mut home: FxHashMap<&str, Option<&str>> = FxHashMap::default();
        let (ids, homes) = (cdf.column("id")?.str()?, cdf.column("region")?.str()?);
        for (id, region) in ids.iter().zip(homes.iter()) {
            if let Some(id) = id
                && home.insert(id, region).is_some()
            {
                return Ok(None);
            }
        }
        let text = |n: &str| df.column(n).and_then(|c| c.str());
        let (ids, dates, kinds) = (text("customer_id")?, text("date")?, text("kind")?);
        let (own, products, categories) = (text("region")?, text("product")?, text("category")?);
        let (amounts, quantities) = (df.column("amount")?.i64()?, df.column("quantity")?.i64()?);
        let n = df.height();
        let mut f = Facts {
            day: Vec::with_capacity(n).into(),
            customer: Vec::with_capacity(n).into(),
            amount: Vec::with_capacity(n).into(),
            quantity: Vec::with_capacity(n).into(),
            region: Vec::with_capacity(n).into(),
            product: Vec::with_capacity(n).into(),
            category: Vec::with_capacity(n).into(),
            ..Default::default()
        };
        let (mut who, mut regions, mut prods, mut cats) = (
            Dictionary::new(),
            Dictionary::new(),
            Dictionary::new(),
            Dictionary::new(),
        );
        let (ret, disc) = (TxKind::Return.name(), TxKind::Discount.name());
        let rows = ids
            .iter()
            .zip(dates.iter())
            .zip(kinds.iter())
            .zip(amounts.iter().zip(quantities.iter()))
            .zip(own.iter().zip(products.iter()).zip(categories.iter()));
        for ((((id, date), kind), (amount, quantity)), ((region, product), category)) in rows {
            f.day.push(match date {
                None => NO_DAY,
                Some(d) => crate::values::dates::parse_iso(d)
                    .map(day)
                    .ok_or_else(|| anyhow!("{}: {d:?} is not an ISO date", t.path.display()))?,
            });
            f.customer.push(who.code(id));
            let (back, discount) = (kind == Some(ret) || kind == Some(disc), kind == Some(disc));
            let amount = amount.unwrap_or(0);
            f.amount.push(if back && amount > 0 {
                amount.wrapping_neg()
            } else {
                amount
            });
            let q = quantity.unwrap_or(0);
            f.quantity.push(match (discount, back) {
                (true, _) => 0,
                (false, true) => q.wrapping_neg(),
                (false, false) => q,
            });
            // the transaction's own region, else its customer's
            let region = region.or_else(|| id.and_then(|id| home.get(id).copied().flatten()));
            f.region.push(regions.code(region));
            f.product.push(prods.code(product));
            f.category.push(cats.code(category));
        }
        f.customers = who.values.len() as u32;
        f.regions = regions.values;
        f.products = prods.values;
        f.categories = cats.values;
        Ok(Some(f))
    }

    /// Coded by digits, each text has its own code: the zero-padded number
    /// and its natural overflow (`C1000000` after `C999999`), never another
    /// padding of the same number, another prefix, or a number past the
    /// codes.
    #[test]
    fn archive_numbers_by_digits_keep_texts_apart() {
        let homes = Homes {
            rows: IdRows::default(),
            home: Vec::new(),
            known: 2_000_000,
            regions: Vec::new(),
            need: [false; 3],
            digits: crate::values::ids::NumberPattern::of("C000001"),
        };
        for (id, code) in [
            ("C000001", Some(2)),
            ("C000000", Some(1)),
            ("C999999", Some(1_000_000)),
            ("C1000000", Some(1_000_001)),
            ("C1999999", Some(2_000_000)),
            ("C2000000", None),
            ("C0000001", None),
            ("C00001", None),
            ("C12345X", None),
            ("D000001", None),
            ("C", None),
            ("", None),
        ] {
            assert_eq!(homes.code(id), code, "{id}");
        }
    }

    /// The facts read straight from the file (`facts_read`) sum to the same
    /// tables as those made from the frames, with the awkward rows: archive
    /// numbers past the padding (`C1000000`), of another pattern and none,
    /// customers the file lacks, an own region over the customer's,
    /// returns and discounts, a row outside both periods; and a customers
    /// file of another pattern (looked up by row, not by digits).
    #[test]
    fn facts_read_from_the_file_sum_as_those_made_from_the_frames() {
        let customers = [
            "id,name,region\nC000001,甲,广东省\nC000002,乙,\nC1000000,丙,浙江省\n",
            "id,name,region\nC000001,甲,广东省\nKH-7,乙,\nC1000000,丙,浙江省\n",
        ];
        let tx = "id,customer_id,date,product,category,quantity,amount,kind,region\n\
            T1,C000001,2026-08-15,水泥,建材,2,100.00,sale,\n\
            T2,C000002,2026-08-16,钢材,建材,1,50.00,return,\n\
            T3,C1000000,2026-09-01,水泥,建材,3,30.00,sale,江苏省\n\
            T4,KH-7,2025-09-01,纸,办公用品,1,5.00,discount,\n\
            T5,,2026-10-01,纸,,1,7.00,sale,\n\
            T6,C999999,2026-10-02,,,1,9.00,sale,\n\
            T7,C0000001,2026-10-03,水泥,建材,1,11.00,sale,\n\
            T8,C000001,2023-01-01,水泥,建材,1,13.00,sale,\n";
        let p = Period {
            from: chrono::NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            prev_from: chrono::NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
            prev_to: chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
        };
        let sorted = |g: Grouped| {
            let mut cur = g.cur;
            cur.sort();
            let mut prev: Vec<_> = g.prev.into_iter().collect();
            prev.sort();
            (cur, prev, g.total, g.prev_total)
        };
        for c in customers {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("customers.csv"), c).unwrap();
            std::fs::write(dir.path().join("transactions.csv"), tx).unwrap();
            let archive = Archive::open(dir.path()).unwrap();
            let framed = from_frames(&archive).unwrap().unwrap();
            let tx = dir.path().join("transactions.csv");
            for keys in [
                vec![Key::Region],
                vec![Key::Product],
                vec![Key::Month],
                vec![Key::Category, Key::Product],
                vec![Key::Region, Key::Month],
            ] {
                let need = [
                    keys.contains(&Key::Region),
                    keys.contains(&Key::Product),
                    keys.contains(&Key::Category),
                ];
                let read = read(&archive, &tx, need).unwrap().unwrap();
                assert_eq!(
                    sorted(read.grouped(&keys, &p)),
                    sorted(framed.grouped(&keys, &p)),
                    "{keys:?}"
                );
            }
        }
        // the region table by hand: T3's own region; T2 a return of 乙, who
        // has none; T5 and T6 without a customer on file
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("customers.csv"), customers[0]).unwrap();
        std::fs::write(dir.path().join("transactions.csv"), tx).unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let read = read(
            &archive,
            &dir.path().join("transactions.csv"),
            [true, false, false],
        )
        .unwrap()
        .unwrap();
        let (cur, prev, total, prev_total) = sorted(read.grouped(&[Key::Region], &p));
        assert_eq!(
            cur,
            [
                (vec!["".to_string()], [4, 4, 20_000, -2_300]),
                (vec!["广东省".to_string()], [1, 1, 20_000, 10_000]),
                (vec!["江苏省".to_string()], [1, 1, 30_000, 3_000]),
            ]
        );
        assert_eq!(prev, [(vec!["".to_string()], -500)]);
        assert_eq!((total, prev_total), ([6, 6, 70_000, 10_700], -500));
    }
}
