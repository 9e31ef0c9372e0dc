//! One customer's standing at an as-of date: its grade (`grading`) and its
//! receivables ageing (`receivables`), for `dangan show`.
//!
//! Both are whole-archive computations (the pareto cut ranks every
//! customer), seconds on a big archive. The commands that grade everyone
//! anyway (`analyze team`, `due`, `reassign`: [`graded_all`]) keep the standing
//! of every customer in `.cache/standing.<key>.csv`, where the key is
//! a hash of the customers', transactions' and complaints' stamps (the
//! `complaints` risk rule reads the last), the as-of date, the
//! period and the grading rules: the next `show` of any customer at the same
//! date and settings finds its row there by one scan of the file for its
//! number. Any change to either file, to `dangan.yaml` or to the date gives
//! another key, so a stale standing is never read; older files are removed.
//! Like the binary copies it is made only for CSV tables from
//! `archive.cache_min_mb` on, never when `cache: false`, and a file that
//! cannot be read is removed and the standing computed again. `show` at a
//! date without one counts its one customer among all (`grade_one`, well
//! under a second on a million customers) and keeps nothing: grading
//! everyone and keeping it took 3–6 s there.
//!
//! One customer's transactions (`transactions_of`) come from their own
//! kept file: `analytics::tx_by_customer`.

pub use crate::analytics::tx_by_customer::{Tx, transactions_of};

use crate::analytics::grading::{Graded, grade_and_age};
use crate::analytics::period::Period;
use crate::analytics::receivables::CreditRow;
use crate::analytics::tiers::{KEY_REASONS, RISK_RULES, Reason, Rules, Segment, Tier};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, CACHE_DIR, file_stamp};
use crate::values::dates::iso;
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

const HEADER: [&str; 28] = [
    "id",
    "name",
    "region",
    "owner",
    "net_sales",
    "prev_net_sales",
    "share",
    "cumulative_share",
    "tier",
    "segment",
    "reasons",
    "orders",
    "last_date",
    "recency_days",
    "frequency",
    "outstanding",
    "overdue",
    "r",
    "f",
    "m",
    "not_due",
    "days_1_30",
    "days_31_90",
    "days_91_180",
    "days_over_180",
    "credits",
    "credit_outstanding",
    "credit_overdue",
];

/// The grade and the ageing of customer `id` (archive number, canonical):
/// from the standing kept for these settings and date (by `analyze team`, `due`,
/// `reassign`, or an earlier grading of everyone); else counted for it
/// alone (`grade_one`, with `field` its own columns: well under a second on
/// a million customers, where grading everyone and keeping it takes
/// several); ids written twice: everyone graded, and kept where standings
/// are.
pub fn of_customer(
    archive: &Archive,
    rules: &Rules,
    as_of: NaiveDate,
    period: &Period,
    id: &str,
    field: &dyn Fn(&str) -> String,
) -> Result<(Graded, CreditRow)> {
    let path = kept_path(archive, rules, as_of, period);
    if let Some(p) = &path
        && p.is_file()
    {
        let t = std::time::Instant::now();
        match find_row(p, id) {
            Ok(Some(found)) => {
                crate::timing("show: standing read", t);
                return Ok(found);
            }
            Ok(None) => bail!("customer {id}: not graded (no archive number?)"),
            Err(e) => {
                trace(format_args!("{}: {e:#}; removed", p.display()));
                let _ = std::fs::remove_file(p);
            }
        }
    }
    // no standing kept at this date: this customer alone, counted among
    // all (a second; grading everyone and keeping it takes several)
    if let Some(one) =
        crate::analytics::grade_one::grade_one(archive, rules, as_of, period, id, field)?
    {
        return Ok(one);
    }
    let (graded, credit) = grade_and_age(archive, rules, as_of, period, true)?;
    let by_id = by_customer(&credit);
    if let Some(p) = &path {
        keep(archive, p, &graded, &by_id);
    }
    let g = graded
        .iter()
        .find(|g| g.id == id)
        .cloned()
        .ok_or_else(|| anyhow!("customer {id}: not graded (no archive number?)"))?;
    let c = by_id
        .get(id)
        .map(|r| (*r).clone())
        .unwrap_or_else(|| CreditRow::empty(vec![id.to_string()]));
    Ok((g, c))
}

pub(crate) fn trace(msg: std::fmt::Arguments) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("standing: {msg}");
    }
}

/// Where the standing at these settings is kept; `None` when it is not kept.
fn kept_path(archive: &Archive, rules: &Rules, as_of: NaiveDate, p: &Period) -> Option<PathBuf> {
    let s = &archive.settings.archive;
    if !s.cache {
        return None;
    }
    let mut stamps = Vec::new();
    for kind in [TableKind::Customers, TableKind::Transactions] {
        let (path, _) = archive.table_file(kind).ok()??;
        if path.extension().is_none_or(|e| e != "csv") {
            return None;
        }
        let m = std::fs::metadata(&path).ok()?;
        stamps.push((file_stamp(&m), m.len()));
    }
    if stamps.iter().map(|s| s.1).sum::<u64>() < s.cache_min_mb.saturating_mul(1 << 20) {
        return None;
    }
    let settings = std::fs::read(archive.dir.join("dangan.yaml")).unwrap_or_default();
    let rules = format!("{rules:?}");
    // the complaints the risk rule reads (none: no file)
    let complaints = match archive.table_file(TableKind::Complaints).ok()? {
        Some((path, _)) => file_stamp(&std::fs::metadata(&path).ok()?),
        None => String::new(),
    };
    let parts = [
        stamps[0].0.as_str(),
        stamps[1].0.as_str(),
        complaints.as_str(),
        &iso(as_of),
        &iso(p.from),
        &iso(p.to),
        &iso(p.prev_from),
        &iso(p.prev_to),
        &rules,
        &String::from_utf8_lossy(&settings),
    ];
    let key = crate::values::text::fnv1a(&parts);
    Some(
        archive
            .dir
            .join(CACHE_DIR)
            .join(format!("standing.{key:016x}.csv")),
    )
}

fn write(
    path: &Path,
    graded: &[Graded],
    credit: &rustc_hash::FxHashMap<&str, &CreditRow>,
    perms: Option<std::fs::Permissions>,
) -> Result<()> {
    write_in(path, graded, credit, perms, 1 << 16)
}

/// [`write`]; from `split_from` customers on, the two halves of the rows
/// are formatted on two cores and written one after the other (the same
/// bytes: a CSV row does not depend on the rows before it).
fn write_in(
    path: &Path,
    graded: &[Graded],
    credit: &rustc_hash::FxHashMap<&str, &CreditRow>,
    perms: Option<std::fs::Permissions>,
    split_from: usize,
) -> Result<()> {
    write_kept(path, "standing.", perms, |w| {
        {
            let mut head = csv::Writer::from_writer(&mut *w);
            head.write_record(HEADER)?;
            head.flush()?;
        }
        let parts: Vec<Vec<u8>> = if graded.len() < split_from {
            vec![rows_csv(graded, credit)?]
        } else {
            let (a, b) = graded.split_at(graded.len() / 2);
            std::thread::scope(|scope| -> Result<Vec<Vec<u8>>> {
                let second = scope.spawn(|| rows_csv(b, credit));
                let first = rows_csv(a, credit)?;
                // a panic of the formatting thread is a bug, not the data's
                let second = second
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
                Ok(vec![first, second])
            })?
        };
        for part in parts {
            std::io::Write::write_all(w, &part)?;
        }
        Ok(())
    })
}

/// The standing's rows of `graded` as CSV text (no header).
fn rows_csv(
    graded: &[Graded],
    credit: &rustc_hash::FxHashMap<&str, &CreditRow>,
) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(Vec::with_capacity(graded.len() * 120));
    // fields written one by one from one buffer: a million customers are 28
    // million fields, and a String each cost seconds
    let mut buf = String::new();
    let mut int = |w: &mut csv::Writer<Vec<u8>>, v: Option<i64>| -> csv::Result<()> {
        use std::fmt::Write as _;
        buf.clear();
        if let Some(v) = v {
            let _ = write!(buf, "{v}");
        }
        w.write_field(buf.as_bytes())
    };
    let empty = CreditRow::empty(Vec::new());
    for g in graded {
        let c = credit.get(g.id.as_str()).copied().unwrap_or(&empty);
        w.write_field(&g.id)?;
        w.write_field(&g.name)?;
        w.write_field(&g.region)?;
        w.write_field(&g.owner)?;
        int(&mut w, Some(g.net_sales))?;
        int(&mut w, Some(g.prev_net_sales))?;
        int(&mut w, g.share)?;
        int(&mut w, g.cumulative_share)?;
        w.write_field(g.tier.name())?;
        w.write_field(g.segment.name())?;
        w.write_field(Reason::join(&g.reasons))?;
        int(&mut w, Some(g.orders))?;
        w.write_field(g.last_date.as_deref().unwrap_or_default())?;
        int(&mut w, g.recency_days)?;
        int(&mut w, Some(g.frequency))?;
        int(&mut w, Some(g.outstanding))?;
        int(&mut w, Some(g.overdue))?;
        int(&mut w, Some(i64::from(g.r)))?;
        int(&mut w, Some(i64::from(g.f)))?;
        int(&mut w, Some(i64::from(g.m)))?;
        for b in c.buckets {
            int(&mut w, Some(b))?;
        }
        int(&mut w, Some(c.credits))?;
        int(&mut w, Some(c.outstanding))?;
        int(&mut w, Some(c.overdue))?;
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner()
        .map_err(|e| anyhow!("standing: {}", e.error()))
}

/// Write a kept file of `.cache/` with `body`: a temp file beside it, with
/// the permissions of the file it is made from, fsynced and renamed; then
/// the other versions (other files named `prefix…`) removed.
pub(crate) fn write_kept(
    path: &Path,
    prefix: &str,
    perms: Option<std::fs::Permissions>,
    body: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| crate::tr!("cannot_create", file = dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".tmp-{prefix}"))
        .tempfile_in(dir)
        .with_context(|| crate::tr!("cannot_create_temp", file = dir.display()))?;
    if let Some(p) = perms {
        std::fs::set_permissions(tmp.path(), p).ok();
    }
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file());
        body(&mut w)?;
        std::io::Write::flush(&mut w)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| anyhow!("{}: {}", path.display(), e.error))?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(prefix) && e.path() != path {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// The row of `id` in a kept standing (a scan of the file for its number).
fn find_row(path: &Path, id: &str) -> Result<Option<(Graded, CreditRow)>> {
    let bytes = std::fs::read(path)?;
    let want = HEADER.join(",");
    if !bytes.starts_with(want.as_bytes()) {
        bail!("not a standing file");
    }
    // an archive number needs no quoting: its line starts with it and a
    // comma (a match inside a quoted value of another row does not parse
    // to a row of this number, and the scan goes on)
    let needle = format!("\n{id},");
    let mut found = None;
    for at in memchr::memmem::find_iter(&bytes, needle.as_bytes()) {
        let start = at + 1;
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[start..]);
        if let Some(Ok(rec)) = r.records().next()
            && rec.len() == HEADER.len()
            && &rec[0] == id
        {
            found = Some(rec);
            break;
        }
    }
    let Some(rec) = found else {
        return Ok(None);
    };
    parse_record(&rec).map(Some)
}

/// Every customer's grade in a kept standing, in its order (ranking order).
fn read_all(path: &Path) -> Result<Vec<Graded>> {
    let mut r =
        csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(std::io::BufReader::with_capacity(
                1 << 20,
                std::fs::File::open(path)?,
            ));
    if r.headers()?.iter().ne(HEADER) {
        bail!("not a standing file");
    }
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec)? {
        if rec.len() != HEADER.len() {
            bail!("line {}: {} fields", out.len() + 2, rec.len());
        }
        out.push(parse_record(&rec)?.0);
    }
    Ok(out)
}

/// Every customer graded at these settings (`due`, `analyze team`,
/// `reassign`): from the kept standing when there is one, else graded and
/// the standing kept (so the next `show`, `due` or `team` of the date
/// reads it).
pub fn graded_all(
    archive: &Archive,
    rules: &Rules,
    as_of: NaiveDate,
    period: &Period,
) -> Result<Vec<Graded>> {
    let path = kept_path(archive, rules, as_of, period);
    if let Some(p) = &path
        && p.is_file()
    {
        let t = std::time::Instant::now();
        match read_all(p) {
            Ok(g) => {
                crate::timing("standing: every grade read", t);
                return Ok(g);
            }
            Err(e) => {
                trace(format_args!("{}: {e:#}; removed", p.display()));
                let _ = std::fs::remove_file(p);
            }
        }
    }
    // the ageing too when the standing is kept, so that a `show` of the
    // date reads its row
    let (graded, credit) = grade_and_age(archive, rules, as_of, period, path.is_some())?;
    if let Some(p) = &path {
        keep(archive, p, &graded, &by_customer(&credit));
    }
    Ok(graded)
}

/// Every customer's ageing by archive number.
fn by_customer(credit: &[CreditRow]) -> rustc_hash::FxHashMap<&str, &CreditRow> {
    credit
        .iter()
        .filter_map(|r| r.keys.first().map(|k| (k.as_str(), r)))
        .collect()
}

/// Keep the standing at `path`; a write that fails is only traced (the
/// next run computes it again).
fn keep(
    archive: &Archive,
    path: &Path,
    graded: &[Graded],
    credit: &rustc_hash::FxHashMap<&str, &CreditRow>,
) {
    let t = std::time::Instant::now();
    match write(path, graded, credit, perms_of(archive)) {
        Ok(()) => crate::timing("standing: kept", t),
        Err(e) => trace(format_args!("no standing kept: {e:#}")),
    }
}

/// Every customer graded at `as_of` over classify's period (12 months, or
/// `classify.period`) with the archive's rules, as `due`, `reassign` and a
/// `--where tier=…` read them; from the kept standing when there is one.
pub fn graded_at(archive: &Archive, as_of: NaiveDate) -> Result<(Rules, Vec<Graded>)> {
    let rules = crate::analytics::grading::rules(archive, &Default::default())?;
    let (_, period) = crate::analytics::period::PeriodArgs {
        as_of: Some(as_of),
        ..Default::default()
    }
    .or_setting(archive.settings.classify.period.as_deref())?
    .resolve(as_of)?;
    let graded = graded_all(archive, &rules, as_of, &period)?;
    Ok((rules, graded))
}

/// The permissions of the customers file: a kept file is readable by
/// whoever may read it (temp files start at 0600).
fn perms_of(archive: &Archive) -> Option<std::fs::Permissions> {
    archive
        .table_file(TableKind::Customers)
        .ok()
        .flatten()
        .and_then(|(c, _)| std::fs::metadata(c).ok())
        .map(|m| m.permissions())
}

/// A row of a kept standing.
fn parse_record(rec: &csv::StringRecord) -> Result<(Graded, CreditRow)> {
    let int = |i: usize| -> Result<i64> {
        rec[i]
            .parse::<i64>()
            .with_context(|| format!("column {}", HEADER[i]))
    };
    let opt = |i: usize| -> Result<Option<i64>> {
        if rec[i].is_empty() {
            Ok(None)
        } else {
            int(i).map(Some)
        }
    };
    let small = |i: usize| -> Result<u8> {
        rec[i]
            .parse::<u8>()
            .with_context(|| format!("column {}", HEADER[i]))
    };
    let tier = [Tier::A, Tier::B, Tier::C]
        .into_iter()
        .find(|t| t.name() == &rec[8])
        .context("tier")?;
    let segment = Segment::ALL
        .into_iter()
        .find(|s| s.name() == &rec[9])
        .context("segment")?;
    let reasons = rec[10]
        .split(';')
        .filter(|s| !s.is_empty())
        .map(|s| {
            RISK_RULES
                .iter()
                .chain(KEY_REASONS.iter())
                .copied()
                .find(|r| r.name() == s)
                .context("reason")
        })
        .collect::<Result<Vec<_>>>()?;
    let g = Graded {
        id: rec[0].to_string(),
        name: rec[1].to_string(),
        region: rec[2].to_string(),
        owner: rec[3].to_string(),
        net_sales: int(4)?,
        prev_net_sales: int(5)?,
        share: opt(6)?,
        cumulative_share: opt(7)?,
        tier,
        segment,
        reasons,
        orders: int(11)?,
        last_date: Some(rec[12].to_string()).filter(|s| !s.is_empty()),
        recency_days: opt(13)?,
        frequency: int(14)?,
        outstanding: int(15)?,
        overdue: int(16)?,
        r: small(17)?,
        f: small(18)?,
        m: small(19)?,
    };
    let buckets = [int(20)?, int(21)?, int(22)?, int(23)?, int(24)?];
    let mut c = CreditRow::empty(vec![g.id.clone()]);
    c.buckets = buckets;
    c.credits = int(25)?;
    c.outstanding = int(26)?;
    c.overdue = int(27)?;
    Ok((g, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standing written in two halves on two cores is the same file as
    /// written in one pass, and each customer's row reads back as written.
    #[test]
    fn a_standing_written_in_halves_is_the_one_pass_file() {
        let graded: Vec<Graded> = (0..11)
            .map(|k: i64| Graded {
                id: format!("C{k:03}"),
                name: format!("名字, \"{k}\" 有限公司"),
                region: "广东省".into(),
                owner: if k % 2 == 0 {
                    "张伟".into()
                } else {
                    String::new()
                },
                net_sales: 1_000 * k - 3_000,
                prev_net_sales: 77 * k,
                share: (k > 3).then_some(100 * k),
                cumulative_share: (k > 3).then_some(1_000 + k),
                tier: [Tier::A, Tier::B, Tier::C][k as usize % 3],
                segment: [Segment::Key, Segment::General, Segment::Risk][k as usize % 3],
                reasons: if k % 3 == 2 {
                    vec![Reason::Overdue, Reason::Decline]
                } else {
                    Vec::new()
                },
                orders: k,
                last_date: (k % 4 != 0).then(|| format!("2026-0{}-1{}", 1 + k % 9, k % 10)),
                recency_days: (k % 4 != 0).then_some(k * 3),
                frequency: k / 2,
                outstanding: 50 * k,
                overdue: 10 * k,
                r: (k % 5 + 1) as u8,
                f: ((k + 1) % 5 + 1) as u8,
                m: ((k + 2) % 5 + 1) as u8,
            })
            .collect();
        let rows: Vec<CreditRow> = (0..11)
            .filter(|k| k % 2 == 1)
            .map(|k: i64| CreditRow {
                buckets: [k, 2 * k, 0, 3, 4 * k],
                outstanding: 5 * k,
                overdue: 3 * k,
                credits: k,
                ..CreditRow::empty(vec![format!("C{k:03}")])
            })
            .collect();
        let credit = by_customer(&rows);
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (
            dir.path().join("standing.1.csv"),
            dir.path().join("standing.2.csv"),
        );
        write_in(&one, &graded, &credit, None, usize::MAX).unwrap();
        let a = std::fs::read(&one).unwrap();
        write_in(&two, &graded, &credit, None, 0).unwrap();
        // (writing the second removed the first, another version of it)
        assert!(!one.exists());
        let b = std::fs::read(&two).unwrap();
        write_in(&one, &graded, &credit, None, usize::MAX).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 12);
        for (k, g) in graded.iter().enumerate() {
            let (got, c) = find_row(&one, &g.id).unwrap().unwrap();
            assert_eq!(&got, g);
            assert_eq!(c.outstanding, if k % 2 == 1 { 5 * k as i64 } else { 0 });
        }
    }
}
