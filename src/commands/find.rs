//! `dangan find TEXT [--owner NAME] [--where COLUMN=VALUE]... [--limit N] [--no-mask]`
//!
//! Looks customers up by any part of a name (also without the region in
//! front, brackets and the legal form: `鸿达` finds 深圳市鸿达贸易有限公司 and
//! 鸿达贸易(深圳)有限公司), its pinyin in full or as initials (`hongda`, `hd`),
//! a contact, an address, four or more digits of a mobile or landline, an
//! archive number, credit code or ID number. Ranked as `lookup::find`
//! describes; columns `id, name, kind, region, city, owner, mobile, matched,
//! score`. No match is an empty list and exit 0.

use crate::archive::Archive;
use crate::archive::schema::TableKind;
use crate::lookup::find::{Fields, OUT_COLUMNS, Query, find};
use crate::render::output::{Cell, write_rows};
use crate::render::records::{customer_labels, customer_row};
use anyhow::Result;

/// The flags of `dangan find`.
#[derive(clap::Args)]
pub struct Args {
    /// What to look for: part of a name, pinyin (hongda, hd), a contact, an address, 4+ digits of a phone, a number
    #[arg(value_name = "TEXT")]
    pub text: String,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    /// At most this many customers
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// Show mobiles in full (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// `dangan find` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let query = Query::new(&a.text);
    // the index holds the listed columns: a --where on another one reads the file
    let index_serves = a
        .filter
        .conditions
        .iter()
        .all(|c| OUT_COLUMNS.contains(&c.column.as_str()));
    let t = std::time::Instant::now();
    let (fields, columns, table) = match index_serves
        .then(|| crate::lookup::index::load(&archive, &query.fields()))
        .flatten()
    {
        Some(l) => (l.fields, l.columns, None),
        None => {
            let table = archive.read_canonical(TableKind::Customers)?;
            (Fields::of_table(&table), table.columns.clone(), Some(table))
        }
    };
    crate::timing("find: the customers' fields", t);
    let filter = a.filter.filter(&columns)?;
    // `--where tier=A`: the grades of today (the index holds no grades, so
    // such a filter reads the file)
    #[cfg(feature = "analytics")]
    let grades =
        crate::analytics::grading::grades_for(&archive, &filter, crate::values::dates::today())?;
    #[cfg(not(feature = "analytics"))]
    let grades: rustc_hash::FxHashMap<String, (&'static str, &'static str)> = Default::default();
    let grade = |id: &str| grades.get(id).copied();
    let keep = |row: usize| -> bool {
        if filter.is_empty() {
            return true;
        }
        match &table {
            Some(t) => filter.keeps_graded(t, row, &grade),
            None => {
                let out = fields.out(row);
                filter.keeps(&|c| {
                    OUT_COLUMNS
                        .iter()
                        .position(|x| *x == c)
                        .map(|i| out[i].as_str())
                        .unwrap_or_default()
                })
            }
        }
    };
    let t = std::time::Instant::now();
    let hits = find(&fields, &a.text, &keep, a.limit);
    crate::timing("find: search", t);
    let rows: Vec<Vec<Cell>> = hits
        .iter()
        .map(|h| {
            let out = fields.out(h.row);
            let out: Vec<&str> = out.iter().map(String::as_str).collect();
            customer_row(&out, h, a.no_mask)
        })
        .collect();
    write_rows(
        &mut crate::render::output::stdout(),
        cx.out,
        &customer_labels(),
        &rows,
    )?;
    if cx.chatty && hits.is_empty() {
        eprintln!(
            "{}",
            cx.out
                .lang
                .pick("没有找到匹配的客户", "no customer matches")
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}
