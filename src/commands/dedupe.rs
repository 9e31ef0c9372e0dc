//! `dangan dedupe [FILE] [--min-score N] [--owner NAME] [--where COND]... [--no-mask]`
//! `dangan dedupe --apply PAIRS.csv [--dry-run] [--wait SECONDS]`
//!
//! 查重. Lists the customers that look recorded twice under different
//! spellings (`dedupe::score`): one row per candidate pair, `left_id,
//! left_name, right_id, right_name, score, reasons, stamp`, `left_id <
//! right_id`, at or above `--min-score` (default `dedupe::MIN_SCORE`), best
//! first. With FILE (CSV/YAML/XLSX, any encoding) the file's rows are
//! checked against the archive, as a CRM checks at entry: left is the
//! archive's customer, right the file's row (its `id`, else `FILE:LINE`).
//! For people the pairs are grouped into clusters, each member with its
//! owner. `--owner`/`--where`: pairs with at least one such customer.
//!
//! `--apply PAIRS.csv` merges the pairs a person kept of such a listing
//! (`dedupe::merge`), under the lock, in one atomic commit with a backup and
//! `changes.csv` rows (`*` → `merged_into:ID`, every merged field, every
//! re-pointed transaction and follow-up). A pair whose records changed since
//! the listing is refused with its reason; the rest go ahead.
//!
//! Exit codes: 0 listed (pairs or none) or all merged; 1 `--apply` refused a
//! pair; 2 bad usage, an unreadable file or archive.

use crate::archive::Archive;
use crate::archive::changes::ChangeLog;
use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::schema::TableKind;
use crate::dedupe::merge::{Outcome, Request};
use crate::dedupe::{self, pairs};
use crate::render::output::{Cell, Label, write_rows};
use crate::values::text::mask;
use anyhow::{Result, bail};

/// The flags of `dangan dedupe`.
#[derive(clap::Args)]
pub struct Args {
    /// Check this file's customers (CSV/YAML/XLSX, any encoding) against the archive, instead of the archive against itself
    #[arg(value_name = "FILE", conflicts_with = "apply")]
    pub file: Option<String>,
    /// List pairs scoring at least this (0–100)
    #[arg(long, value_name = "N", default_value_t = dedupe::MIN_SCORE,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_score: u8,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    /// Merge the pairs of this file (rows of a `dedupe --format csv` listing that a person kept)
    #[arg(long, value_name = "PAIRS.csv")]
    pub apply: Option<String>,
    /// With --apply: print what would merge, write nothing
    #[arg(long, requires = "apply")]
    pub dry_run: bool,
    /// With --apply: when another dangan holds the archive's lock, wait up to this many seconds [default: 0]
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,
    /// The file's text encoding (utf-8, gbk, gb18030, utf-16) [default: detected]
    #[arg(long, value_parser = crate::flags::parse_encoding, value_name = "ENCODING")]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Show mobiles in full in the clusters (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// One pair as listed.
pub struct Listed {
    pub left: usize,
    pub right: usize,
    pub left_id: String,
    pub right_id: String,
    pub verdict: dedupe::score::Verdict,
}

/// A listing: the records (archive, then a file's), the pairs, what was
/// skipped.
pub struct Listing {
    pub table: crate::archive::Table,
    pub ids: Vec<String>,
    pub pairs: Vec<Listed>,
    pub skipped: Vec<(pairs::BlockKind, String, usize)>,
    pub compared: u64,
    pub archive_rows: usize,
    pub file: bool,
}

/// Find the pairs; see the module doc.
pub fn list(archive: &Archive, a: &Args) -> Result<Listing> {
    let mut table = archive.read_canonical(TableKind::Customers)?;
    let archive_rows = table.rows.len();
    let id_col = table.col("id");
    let mut ids: Vec<String> = (0..archive_rows)
        .map(|r| id_col.map_or("", |c| table.rows[r].get(c)).to_string())
        .collect();
    if let Some(f) = &a.file {
        let opts = crate::read::source::ReadOptions {
            encoding: a.encoding,
            sheet: None,
        };
        let entry = crate::read::entry::read_customers(archive, f, &opts, &table.columns)?;
        for (r, line) in entry.table.rows.into_iter().zip(entry.lines) {
            let id = id_col.map_or("", |c| r.get(c));
            ids.push(if id.is_empty() {
                format!("{}:{line}", entry.name)
            } else {
                id.to_string()
            });
            table.rows.push(r);
        }
    }
    let filter = a.filter.filter(&table.columns)?;
    #[cfg(feature = "analytics")]
    let grades =
        crate::analytics::grading::grades_for(archive, &filter, crate::values::dates::today())?;
    #[cfg(not(feature = "analytics"))]
    let grades: rustc_hash::FxHashMap<String, (&'static str, &'static str)> = Default::default();
    let t = std::time::Instant::now();
    let recs = dedupe::prepare_table(&table, 0);
    crate::timing("dedupe: names taken apart", t);
    let t = std::time::Instant::now();
    let split = a.file.is_some().then_some(archive_rows);
    let found = pairs::find(&recs, split, a.min_score, pairs::MAX_BLOCK);
    crate::timing("dedupe: blocks and scores", t);
    drop(recs);
    let keeps = |r: usize| {
        filter.is_empty()
            || (r < archive_rows && filter.keeps_graded(&table, r, &|id| grades.get(id).copied()))
    };
    let mut listed: Vec<Listed> = found
        .pairs
        .into_iter()
        .filter(|c| keeps(c.left as usize) || keeps(c.right as usize))
        .map(|c| {
            let (mut l, mut r) = (c.left as usize, c.right as usize);
            // the archive's record on the left of a file's; else the lower id
            if (split.is_none() && ids[r] < ids[l]) || (split.is_some() && l >= archive_rows) {
                std::mem::swap(&mut l, &mut r);
            }
            Listed {
                left: l,
                right: r,
                left_id: ids[l].clone(),
                right_id: ids[r].clone(),
                verdict: c.verdict,
            }
        })
        .collect();
    listed.sort_by(|x, y| {
        y.verdict
            .score
            .cmp(&x.verdict.score)
            .then_with(|| x.left_id.cmp(&y.left_id))
            .then_with(|| x.right_id.cmp(&y.right_id))
    });
    Ok(Listing {
        table,
        ids,
        pairs: listed,
        skipped: found.skipped,
        compared: found.compared,
        archive_rows,
        file: a.file.is_some(),
    })
}

fn pair_labels() -> Vec<Label> {
    vec![
        Label::new("left_id", "档案编号", "left id"),
        Label::new("left_name", "客户名称", "left name"),
        Label::new("right_id", "疑似重复编号", "right id"),
        Label::new("right_name", "疑似重复名称", "right name"),
        Label::new("score", "相似度", "score"),
        Label::new("reasons", "依据", "reasons"),
        Label::new("stamp", "校验", "stamp"),
    ]
}

fn cluster_labels() -> Vec<Label> {
    vec![
        Label::new("cluster", "组", "cluster"),
        Label::new("id", "档案编号", "id"),
        Label::new("name", "客户名称", "name"),
        Label::new("owner", "负责人", "owner"),
        Label::new("city", "城市", "city"),
        Label::new("mobile", "手机", "mobile"),
        Label::new("score", "相似度", "score"),
        Label::new("reasons", "依据", "reasons"),
    ]
}

/// The pairs for machines.
fn pair_rows(l: &Listing) -> Vec<Vec<Cell>> {
    let name = l.table.col("name");
    let get = |r: usize, c: Option<usize>| c.map_or("", |c| l.table.rows[r].get(c)).to_string();
    l.pairs
        .iter()
        .map(|p| {
            // a file's row cannot be merged from the listing: no stamp
            let stamp = if p.left < l.archive_rows && p.right < l.archive_rows {
                dedupe::pair_stamp(
                    &l.table.columns,
                    &l.table.rows[p.left],
                    &l.table.rows[p.right],
                )
            } else {
                String::new()
            };
            vec![
                Cell::Text(p.left_id.clone()),
                Cell::Text(get(p.left, name)),
                Cell::Text(p.right_id.clone()),
                Cell::Text(get(p.right, name)),
                Cell::Int(i64::from(p.verdict.score)),
                Cell::Text(p.verdict.reasons()),
                Cell::Text(stamp),
            ]
        })
        .collect()
}

/// The clusters for people: each member with its owner, its best pair's
/// score and reasons.
fn cluster_rows(l: &Listing, no_mask: bool, lang: crate::render::output::Lang) -> Vec<Vec<Cell>> {
    let cands: Vec<pairs::Candidate> = l
        .pairs
        .iter()
        .map(|p| pairs::Candidate {
            left: p.left as u32,
            right: p.right as u32,
            verdict: p.verdict.clone(),
        })
        .collect();
    let col = |c: &str| l.table.col(c);
    let (name, owner, city, mobile) = (col("name"), col("owner"), col("city"), col("mobile"));
    let get = |r: usize, c: Option<usize>| c.map_or("", |c| l.table.rows[r].get(c)).to_string();
    let mut rows = Vec::new();
    for (k, members) in pairs::clusters(&cands, l.table.rows.len())
        .iter()
        .enumerate()
    {
        for &m in members {
            let m = m as usize;
            let best = l
                .pairs
                .iter()
                .filter(|p| p.left == m || p.right == m)
                .max_by(|x, y| {
                    x.verdict
                        .score
                        .cmp(&y.verdict.score)
                        .then(y.left_id.cmp(&x.left_id))
                });
            let mob = get(m, mobile);
            rows.push(vec![
                Cell::Int(k as i64 + 1),
                Cell::Text(l.ids[m].clone()),
                Cell::Text(get(m, name)),
                Cell::Text(get(m, owner)),
                Cell::Text(get(m, city)),
                Cell::Text(if no_mask { mob } else { mask("mobile", &mob) }),
                best.map_or(Cell::Null, |b| Cell::Int(i64::from(b.verdict.score))),
                Cell::Text(
                    best.map(|b| match lang {
                        crate::render::output::Lang::Zh => b.verdict.reasons_zh(),
                        _ => b.verdict.reasons(),
                    })
                    .unwrap_or_default(),
                ),
            ]);
        }
    }
    rows
}

/// Read the confirmed pairs of PAIRS.csv (any encoding, a BOM, XLSX too).
fn read_requests(path: &str) -> Result<Vec<Request>> {
    let mut src = crate::read::source::Source::open(path, &Default::default())?;
    let col = |name: &str| src.headers.iter().position(|h| h.trim() == name);
    let (Some(l), Some(r)) = (col("left_id"), col("right_id")) else {
        bail!(crate::tr!(
            "pairs_columns",
            file = src.name,
            line = src.header_line,
            columns = src.headers.join(", ")
        ));
    };
    let (ln, rn, st) = (col("left_name"), col("right_name"), col("stamp"));
    let name = src.name.clone();
    let mut out = Vec::new();
    while let Some(row) = src.next_row()? {
        let v = |i: Option<usize>| {
            i.and_then(|i| row.values.get(i))
                .map(|s| s.trim().to_string())
        };
        if v(Some(l)).unwrap_or_default().is_empty() && v(Some(r)).unwrap_or_default().is_empty() {
            continue;
        }
        out.push(Request {
            source: format!("dedupe --apply {name}:{}", row.line),
            left: v(Some(l)).unwrap_or_default(),
            right: v(Some(r)).unwrap_or_default(),
            left_name: v(ln),
            right_name: v(rn),
            stamp: v(st),
        });
    }
    Ok(out)
}

/// What `--apply` did.
pub struct Applied {
    pub requests: Vec<Request>,
    pub outcomes: Vec<Outcome>,
    pub repointed: usize,
    pub backup: Option<std::path::PathBuf>,
}

/// Merge the confirmed pairs; see `dedupe::merge`.
pub fn apply(archive: &Archive, path: &str, a: &Args) -> Result<Applied> {
    let requests = read_requests(path)?;
    let _lock = ArchiveLock::unless_dry_run(
        &archive.dir,
        a.dry_run,
        std::time::Duration::from_secs(a.wait),
    )?;
    let canonical = archive.read_canonical(TableKind::Customers)?;
    let mut raw = archive.read_table(TableKind::Customers)?;
    let (cpath, cformat) = archive.table_target(TableKind::Customers)?;
    if raw.rows.len() != canonical.rows.len() {
        bail!(crate::tr!("changed_nothing_merged", file = cpath.display()));
    }
    let today = crate::values::dates::iso(crate::values::dates::today());
    // what earlier applies merged: a file applied again is no error
    let merged_before: rustc_hash::FxHashMap<String, String> =
        crate::archive::changes::read_log_where(&archive.dir, |r| {
            r.get(2) == Some("customers")
                && r.get(4) == Some(crate::archive::changes::WHOLE_RECORD)
                && r.get(6)
                    .is_some_and(|n| n.starts_with(crate::archive::changes::MERGED_INTO))
        })?
        .into_iter()
        .filter_map(|(_, c)| {
            let kept = c
                .new
                .strip_prefix(crate::archive::changes::MERGED_INTO)?
                .to_string();
            Some((c.id, kept))
        })
        .collect();
    let mut plan = dedupe::merge::plan(&mut raw, &canonical, &requests, &merged_before, &today);
    let mut applied = Applied {
        requests,
        outcomes: std::mem::take(&mut plan.outcomes),
        repointed: 0,
        backup: None,
    };
    if plan.gone_rows.is_empty() {
        return Ok(applied);
    }
    let mut log = ChangeLog::begin(&archive.dir, "dedupe")?;
    for c in &plan.changes {
        log.push(
            TableKind::Customers,
            &c.id,
            &c.field,
            &c.old,
            &c.new,
            &c.source,
        )?;
    }
    let mut gone = plan.gone_rows.clone();
    gone.sort_unstable();
    for r in gone.into_iter().rev() {
        raw.rows.remove(r);
    }
    let mut staged = vec![Staged::table(
        &cpath,
        cformat,
        &raw,
        archive.settings.archive.bom,
    )?];
    let source = format!("dedupe --apply {path}");
    for kind in [
        TableKind::Transactions,
        TableKind::Followups,
        TableKind::Complaints,
    ] {
        if archive.table_file(kind)?.is_none() {
            continue;
        }
        let mut t = archive.read_table(kind)?;
        let changed = dedupe::merge::repoint(&mut t, &plan.into);
        if changed.is_empty() {
            continue;
        }
        let id = t.col("id");
        for (r, old, new) in &changed {
            // a follow-up has no number of its own: it is logged under its customer
            let row_id = match id {
                Some(c) => t.rows[*r].get(c).to_string(),
                None => old.clone(),
            };
            log.push(kind, &row_id, "customer_id", old, new, &source)?;
        }
        applied.repointed += changed.len();
        let (p, f) = archive.table_target(kind)?;
        staged.push(Staged::table(&p, f, &t, archive.settings.archive.bom)?);
    }
    if a.dry_run {
        return Ok(applied);
    }
    let wrote = !staged.is_empty();
    applied.backup = commit::commit(&archive.dir, staged, log)?;
    if wrote {
        crate::analytics::prepared::after_write(archive);
    }
    Ok(applied)
}

/// `dangan dedupe` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    let lang = cx.out.lang;
    if let Some(path) = a.apply.clone() {
        let done = apply(&archive, &path, &a)?;
        let labels = vec![
            Label::new("left_id", "档案编号", "left id"),
            Label::new("right_id", "疑似重复编号", "right id"),
            Label::new("outcome", "结果", "outcome"),
            Label::new("kept", "保留编号", "kept"),
            Label::new("merged", "并入编号", "merged"),
            Label::new("why", "原因", "why"),
        ];
        let rows: Vec<Vec<Cell>> = done
            .requests
            .iter()
            .zip(&done.outcomes)
            .map(|(q, o)| {
                let (kept, gone, why) = match o {
                    Outcome::Merged { kept, gone } => (kept.clone(), gone.clone(), String::new()),
                    Outcome::AlreadyOne { kept } => (kept.clone(), String::new(), String::new()),
                    Outcome::Refused(w) => (String::new(), String::new(), w.clone()),
                };
                vec![
                    Cell::Text(q.left.clone()),
                    Cell::Text(q.right.clone()),
                    Cell::Text(o.name().to_string()),
                    Cell::Text(kept),
                    Cell::Text(gone),
                    Cell::Text(why),
                ]
            })
            .collect();
        write_rows(&mut crate::render::output::stdout(), cx.out, &labels, &rows)?;
        let merged = done
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Merged { .. }))
            .count();
        let refused = done
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Refused(_)))
            .count();
        if !cx.quiet {
            let msg = if a.dry_run {
                lang.pick(
                    &format!("试运行：将合并 {merged} 对，拒绝 {refused} 对，改指 {} 条交易/回访记录；未写入", done.repointed),
                    &format!("dry run: {merged} pair(s) would merge, {refused} refused, {} transaction/follow-up row(s) re-pointed; nothing written", done.repointed),
                )
                .to_string()
            } else {
                lang.pick(
                    &format!("已合并 {merged} 对，拒绝 {refused} 对，改指 {} 条交易/回访记录（已记入 changes.csv）", done.repointed),
                    &format!("{merged} pair(s) merged, {refused} refused, {} transaction/follow-up row(s) re-pointed (logged in changes.csv)", done.repointed),
                )
                .to_string()
            };
            eprintln!("{msg}");
            if let Some(b) = &done.backup {
                eprintln!(
                    "{} {}",
                    lang.pick("原文件保存在", "previous files kept in"),
                    b.display()
                );
            }
        }
        if refused > 0 {
            return Err(crate::Findings(
                lang.pick(
                    &format!("{refused} 对被拒绝（见 why 列）"),
                    &format!("{refused} pair(s) refused (see the why column)"),
                )
                .to_string(),
            )
            .into());
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let listing = list(&archive, &a)?;
    let mut w = crate::render::output::stdout();
    if cx.out.format.is_machine() {
        write_rows(&mut w, cx.out, &pair_labels(), &pair_rows(&listing))?;
    } else {
        write_rows(
            &mut w,
            cx.out,
            &cluster_labels(),
            &cluster_rows(&listing, a.no_mask, lang),
        )?;
    }
    if !cx.quiet {
        let n = listing.pairs.len();
        let records = listing.table.rows.len();
        eprintln!(
            "{}",
            lang.pick(
                &format!("{n} 对疑似重复（相似度 ≥ {}），比较了 {records} 位客户中的 {} 对", a.min_score, listing.compared),
                &format!("{n} candidate pair(s) scoring {} or more; {} pair(s) of {records} customer(s) compared", a.min_score, listing.compared),
            )
        );
        for (kind, value, size) in &listing.skipped {
            eprintln!(
                "{}",
                lang.pick(
                    &format!("注意：{} = {value} 的 {size} 位客户太多，未在此组内两两比较", kind.name()),
                    &format!("note: the {size} customers sharing {} {value} are too many to compare within that block", kind.name()),
                )
            );
        }
        if listing.file && n > 0 {
            eprintln!(
                "{}",
                lang.pick(
                    "左边是档案里已有的客户，右边是文件里的行",
                    "left is the archive's customer, right the file's row"
                )
            );
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
