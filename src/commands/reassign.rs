//! `dangan reassign --from OWNER --to OWNER[,OWNER...] [--where COND]... [--keep-together COLUMN]
//!                  [--unattended DAYS] [--as-of DATE] [--dry-run] [--wait SECONDS]`
//!
//! Hands a salesperson's customers over (客户移交): their `owner` becomes a
//! receiver's, under the archive's lock, in one atomic commit with a backup
//! and one `changes.csv` row per customer (field `owner`, source `reassign
//! --from A --to B`). With several receivers the book is spread so that each
//! gets a near-equal share of the period's net sales (`analytics::handover`);
//! customers with the same `--keep-together` value (e.g. an extra column 集团,
//! or `contact`) go to the same receiver. `--unattended DAYS` takes only the
//! customers with no contact (follow-up, else sale, else `created`) for more
//! than DAYS days: the public-pool rule of CRMs. `--where` narrows the book
//! (any customer column, and tier, segment as graded).
//!
//! Prints one row per customer moved: `id, name, from, to, net_sales`; for
//! people, a summary per receiver follows. An unknown `--from` (not the owner
//! of a customer nor of a follow-up) or a `--to` equal to it: exit 2. Nothing
//! to move: exit 0, nothing written. `--dry-run` prints the same and writes
//! nothing.

use crate::analytics::grading;
use crate::analytics::handover::{Block, spread};
use crate::archive::Archive;
use crate::archive::changes::ChangeLog;
use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::schema::TableKind;
use crate::lookup::filter::{Condition, Filter};
use crate::render::output::{Cell, Label, write_rows};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::io::Write;

/// The flags of `dangan reassign`.
#[derive(clap::Args)]
pub struct Args {
    /// The owner whose customers move (a salesperson leaving)
    #[arg(long, value_name = "OWNER")]
    pub from: String,
    /// Who takes them; with several, each gets a near-equal share of the net sales
    #[arg(
        long,
        value_name = "OWNER[,OWNER]",
        value_delimiter = ',',
        required = true
    )]
    pub to: Vec<String>,
    /// Only customers where COLUMN=VALUE, COLUMN!=VALUE or COLUMN~TEXT; repeatable, all must hold
    #[arg(long = "where", value_name = "COND", value_parser = Condition::parse)]
    pub conditions: Vec<Condition>,
    /// Customers with the same value of this column go to the same receiver (e.g. 集团, contact)
    #[arg(long, value_name = "COLUMN")]
    pub keep_together: Option<String>,
    /// Only customers with no contact (follow-up, sale, or the record's creation) for more than DAYS days
    #[arg(long, value_name = "DAYS")]
    pub unattended: Option<u32>,
    /// The day of the handover: net sales over classify's period ending then, --unattended counted to it [default: today]
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Print what would move, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// When another dangan holds the archive's lock, wait up to this many seconds for it [default: 0, fail at once]
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// One customer moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub id: String,
    pub name: String,
    pub to: String,
    pub net_sales: i64,
}

/// What a handover did (or, with `--dry-run`, would do).
pub struct Handover {
    pub from: String,
    pub to: Vec<String>,
    pub moved: Vec<Moved>,
    pub backup: Option<std::path::PathBuf>,
    pub written: bool,
}

/// Move the customers; see the module doc.
pub fn run(archive: &Archive, a: &Args) -> Result<Handover> {
    let from = a.from.trim().to_string();
    let to: Vec<String> = a.to.iter().map(|t| t.trim().to_string()).collect();
    if from.is_empty() || to.iter().any(String::is_empty) {
        bail!(crate::tr!("reassign_need_names"));
    }
    if to.contains(&from) {
        bail!(crate::tr!("reassign_to_self", from = from));
    }
    if to.iter().collect::<BTreeSet<_>>().len() != to.len() {
        bail!(crate::tr!("reassign_twice", names = to.join(",")));
    }
    let _lock = ArchiveLock::unless_dry_run(
        &archive.dir,
        a.dry_run,
        std::time::Duration::from_secs(a.wait),
    )?;
    let customers = archive.read_canonical(TableKind::Customers)?;
    let Some(owner_col) = customers.col("owner") else {
        bail!(crate::tr!("reassign_no_owner_column"));
    };
    let known = known_owners(archive, &customers, owner_col)?;
    if !known.contains(&from) {
        bail!(crate::tr!(
            "reassign_unknown_owner",
            from = from,
            owners = known.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let filter = Filter::new(&customers.columns, None, &a.conditions)?;
    let together = match &a.keep_together {
        Some(c) => {
            let c = crate::archive::schema::HeaderMap::new(TableKind::Customers, &[])
                .lookup(c.trim())
                .map(str::to_string)
                .unwrap_or_else(|| c.trim().to_string());
            match customers.col(&c) {
                Some(i) => Some(i),
                None => bail!(crate::tr!(
                    "keep_together_unknown",
                    column = c,
                    columns = customers.columns.join(", ")
                )),
            }
        }
        None => None,
    };
    let as_of = a.as_of.unwrap_or_else(crate::values::dates::today);
    let (_, graded) = crate::analytics::standing::graded_at(archive, as_of)?;
    let grades = grading::grade_of(&graded);
    let sales: rustc_hash::FxHashMap<&str, i64> = graded
        .iter()
        .map(|g| (g.id.as_str(), g.net_sales))
        .collect();
    let id_col = customers.col("id");
    let get = |r: usize, i: Option<usize>| i.map(|i| customers.rows[r].get(i)).unwrap_or("");
    let mut rows: Vec<usize> = (0..customers.rows.len())
        .filter(|&r| customers.rows[r].get(owner_col) == from)
        .filter(|&r| filter.keeps_graded(&customers, r, &|id| grades.get(id).copied()))
        .collect();
    if let Some(days) = a.unattended {
        let last =
            crate::analytics::due::last_contacts(archive, &customers, &rows, &graded, as_of)?;
        rows.retain(|r| {
            last.get(r)
                .copied()
                .flatten()
                .is_none_or(|d| (as_of - d).num_days() > i64::from(days))
        });
    }
    // the blocks that go as one, in the order of their first customer
    let mut blocks: Vec<Block> = Vec::new();
    let mut block_of: Vec<usize> = Vec::with_capacity(rows.len());
    let mut by_key: rustc_hash::FxHashMap<String, usize> = Default::default();
    for &r in &rows {
        let key = match together.map(|i| customers.rows[r].get(i)) {
            Some(v) if !v.is_empty() => format!("={v}"),
            _ => format!("#{}", get(r, id_col)),
        };
        let s = sales.get(get(r, id_col)).copied().unwrap_or(0);
        let b = *by_key.entry(key.clone()).or_insert_with(|| {
            blocks.push(Block {
                key,
                sales: 0,
                customers: 0,
            });
            blocks.len() - 1
        });
        blocks[b].sales += s;
        blocks[b].customers += 1;
        block_of.push(b);
    }
    let receiver = spread(&blocks, to.len());
    let moved: Vec<Moved> = rows
        .iter()
        .zip(&block_of)
        .map(|(&r, &b)| Moved {
            id: get(r, id_col).to_string(),
            name: get(r, customers.col("name")).to_string(),
            to: to[receiver[b]].clone(),
            net_sales: sales.get(get(r, id_col)).copied().unwrap_or(0),
        })
        .collect();
    let mut h = Handover {
        from,
        to,
        moved,
        backup: None,
        written: false,
    };
    if a.dry_run || h.moved.is_empty() {
        return Ok(h);
    }
    // the file as written, only the owner cells of the moved rows replaced
    let (path, format) = archive.table_target(TableKind::Customers)?;
    let mut table = archive.read_table(TableKind::Customers)?;
    if table.rows.len() != customers.rows.len() {
        bail!(crate::tr!("changed_nothing_moved", file = path.display()));
    }
    let raw_owner = table.col("owner").unwrap_or(owner_col);
    let source = format!("reassign --from {} --to {}", h.from, h.to.join(","));
    let mut log = ChangeLog::begin(&archive.dir, "reassign")?;
    for (&r, m) in rows.iter().zip(&h.moved) {
        let old = table.rows[r].get(raw_owner).to_string();
        log.push(TableKind::Customers, &m.id, "owner", &old, &m.to, &source)?;
        table.rows[r] = table.rows[r].with(raw_owner, &m.to);
    }
    let staged = Staged::table(&path, format, &table, archive.settings.archive.bom)?;
    h.backup = commit::commit(&archive.dir, vec![staged], log)?;
    crate::analytics::prepared::after_write(archive);
    h.written = true;
    Ok(h)
}

/// The owners of the customers and of the follow-ups (a salesperson who
/// has left may own no customer any more, but made follow-ups).
fn known_owners(
    archive: &Archive,
    customers: &crate::archive::Table,
    owner_col: usize,
) -> Result<BTreeSet<String>> {
    let mut known: BTreeSet<String> = customers
        .rows
        .iter()
        .map(|r| r.get(owner_col).to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if let Some(mut r) = archive.open_table(TableKind::Followups)? {
        r.canonical = true;
        r.for_each_columns(&["owner"], |v| {
            if !v[0].is_empty() {
                known.insert(v[0].to_string());
            }
        })?;
    }
    Ok(known)
}

fn labels() -> Vec<Label> {
    vec![
        Label::new("id", "档案编号", "id"),
        Label::new("name", "客户名称", "name"),
        Label::new("from", "原负责人", "from"),
        Label::new("to", "接收人", "to"),
        Label::new("net_sales", "净销售额", "net sales"),
    ]
}

/// `dangan reassign` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    let h = run(&archive, &a)?;
    let rows: Vec<Vec<Cell>> = h
        .moved
        .iter()
        .map(|m| {
            vec![
                Cell::Text(m.id.clone()),
                Cell::Text(m.name.clone()),
                Cell::Text(h.from.clone()),
                Cell::Text(m.to.clone()),
                Cell::Fen(m.net_sales),
            ]
        })
        .collect();
    let mut w = crate::render::output::stdout();
    write_rows(&mut w, cx.out, &labels(), &rows)?;
    let lang = cx.out.lang;
    if !cx.out.format.is_machine() && !h.moved.is_empty() {
        writeln!(w)?;
        let summary: Vec<Vec<Cell>> =
            h.to.iter()
                .map(|t| {
                    let mine = h.moved.iter().filter(|m| &m.to == t);
                    let (n, s) = mine.fold((0, 0), |(n, s), m| (n + 1, s + m.net_sales));
                    vec![Cell::Text(t.clone()), Cell::Int(n), Cell::Fen(s)]
                })
                .collect();
        write_rows(
            &mut w,
            cx.out,
            &[
                Label::new("to", "接收人", "to"),
                Label::new("customers", "客户数", "customers"),
                Label::new("net_sales", "净销售额", "net sales"),
            ],
            &summary,
        )?;
    }
    if !cx.quiet {
        let n = h.moved.len();
        let msg = match (h.moved.is_empty(), a.dry_run) {
            (true, _) => lang
                .pick(
                    &format!("{} 名下没有符合条件的客户，未作改动", h.from),
                    &format!("{} has no customer to move; nothing written", h.from),
                )
                .to_string(),
            (false, true) => lang
                .pick(
                    &format!("试运行：将移交 {n} 位客户，未写入"),
                    &format!("dry run: {n} customer(s) would move; nothing written"),
                )
                .to_string(),
            (false, false) => lang
                .pick(
                    &format!("已将 {n} 位客户从 {} 移交（已记入 changes.csv）", h.from),
                    &format!(
                        "{n} customer(s) moved from {} (logged in changes.csv)",
                        h.from
                    ),
                )
                .to_string(),
        };
        eprintln!("{msg}");
        if let Some(b) = &h.backup {
            eprintln!(
                "{} {}",
                lang.pick("原文件保存在", "previous file kept in"),
                b.display()
            );
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
