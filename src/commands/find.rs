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
use crate::lookup::filter::{Condition, Filter};
use crate::lookup::find::find;
use crate::render::output::{Cell, Out, write_rows};
use crate::render::records::{customer_labels, customer_rows};
use anyhow::Result;
use std::io::Write;

/// The flags of `dangan find`.
#[derive(clap::Args)]
pub struct Args {
    /// What to look for: part of a name, pinyin (hongda, hd), a contact, an address, 4+ digits of a phone, a number
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// Only the customers of this owner (负责人)
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// Only customers where COLUMN=VALUE, COLUMN!=VALUE or COLUMN~TEXT (contains); repeatable, all must hold
    #[arg(long = "where", value_name = "COND", value_parser = Condition::parse)]
    pub conditions: Vec<Condition>,
    /// At most this many customers
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// Show mobiles in full (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
}

pub fn print(w: &mut dyn Write, out: Out, rows: &[Vec<Cell>]) -> Result<()> {
    write_rows(w, out, &customer_labels(), rows)
}

/// `dangan find` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let t = std::time::Instant::now();
    let table = archive.read_canonical(TableKind::Customers)?;
    crate::timing("find: read customers", t);
    let filter = Filter::new(&table, a.owner.as_deref(), &a.conditions)?;
    let t = std::time::Instant::now();
    let hits = find(&table, &a.text, &filter, a.limit);
    crate::timing("find: search", t);
    let rows = customer_rows(&table, &hits, a.no_mask);
    print(&mut std::io::stdout().lock(), cx.out, &rows)?;
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
