//! `dangan import FILE... [--table customers|transactions|followups|complaints]`
//!
//! Brings messy exports into the archive: maps headers, normalises values,
//! merges duplicate customers, assigns archive numbers, rejects bad rows with
//! reasons (into a rejects CSV), and never loses data. With `--output FILE|-`
//! it writes the cleaned rows instead of touching the archive.
//!
//! Order of work: customer files first (so transactions and follow-ups of the
//! same run can name new customers), then transactions, follow-ups and
//! complaints (`complaints.rs`, merged by id in memory).
//! Customers are merged in memory; transactions stream through a spill file,
//! so memory grows only with the id sets.

use crate::archive::changes::ChangeLog;
use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::schema::{TableKind, ValueKind};
use crate::archive::settings::{OnDuplicate, Settings, StoreFormat};
use crate::archive::{Archive, Table, TableWriter};
use crate::read::source::{ReadOptions, Row, Source};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use rustc_hash::FxHashSet as HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod complaints;
mod customers;
mod rows;
mod transactions;
use complaints::*;
use customers::*;
use rows::*;
use transactions::*;

pub struct ImportOptions {
    pub files: Vec<String>,
    pub table: Option<crate::archive::schema::TableKind>,
    pub read: ReadOptions,
    pub map: Option<PathBuf>,
    pub on_duplicate: Option<OnDuplicate>,
    pub rejects: Option<PathBuf>,
    pub dry_run: bool,
    /// write cleaned rows here (`-` = stdout) instead of the archive
    pub output: Option<String>,
    /// the import date recorded in `created`/`updated`
    pub today: NaiveDate,
    pub progress: bool,
    /// how long to wait for another dangan's lock on the archive (`--wait`)
    pub lock_wait: std::time::Duration,
    /// the language of an `--output FILE.xlsx` workbook's headers
    pub lang: crate::render::output::Lang,
    /// an `--output FILE.xlsx` workbook shows confidential values (`--no-mask`)
    pub no_mask: bool,
}

/// What an import did, counted in input rows: every row read is exactly one of
/// added, updated, unchanged or rejected.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub read: u64,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub values_normalised: u64,
    pub amounts_rounded: u64,
}

pub struct ImportResult {
    pub summary: Summary,
    pub rejects_file: Option<PathBuf>,
    pub backup: Option<PathBuf>,
    /// values kept as they were because they could not be normalised
    pub warnings: Vec<String>,
    pub warnings_total: u64,
    /// what changed (or would change, with `--dry-run`), capped per table
    pub changes: Vec<String>,
    pub changes_total: u64,
    /// `file:line: reason` of the first rejected rows
    pub rejected_preview: Vec<String>,
}

const NOTE_CAP: usize = 50;
const CHECK_EVERY: u64 = 1 << 14;

/// One input file: its rows, and what is known of it.
struct Input {
    meta: Meta,
    src: Source,
}

/// What an input's rows are read with: its name, headers, table, and where
/// each of its columns goes.
#[derive(Clone)]
struct Meta {
    name: String,
    headers: Vec<String>,
    header_line: u64,
    size: Option<u64>,
    from_xlsx: bool,
    table: TableKind,
    /// column name (canonical, lookup key or extra) per source column
    targets: Vec<String>,
    /// how each source column is normalised (`None`: an extra column, kept as is)
    kinds: Vec<Option<ValueKind>>,
}

#[derive(Default)]
struct Ctx {
    summary: Summary,
    warnings: Vec<String>,
    warnings_total: u64,
    changes: Vec<String>,
    changes_total: u64,
    rejects: Rejects,
    /// the rows for `changes.csv` (None: nothing is written to the archive)
    log: Option<ChangeLog>,
}

impl Ctx {
    fn warn(&mut self, msg: String) {
        self.warnings_total += 1;
        if self.warnings.len() < NOTE_CAP {
            self.warnings.push(msg);
        }
    }

    /// Log a new record of `table` (when the archive is written).
    fn log_created(&mut self, table: TableKind, id: &str, source: &str) -> Result<()> {
        match &mut self.log {
            Some(log) => log.created(table, id, source),
            None => Ok(()),
        }
    }

    /// Log one changed field (when the archive is written).
    fn log_field(
        &mut self,
        table: TableKind,
        id: &str,
        field: &str,
        old: &str,
        new: &str,
        source: &str,
    ) -> Result<()> {
        match &mut self.log {
            Some(log) => log.push(table, id, field, old, new, source),
            None => Ok(()),
        }
    }

    fn change(&mut self, msg: impl FnOnce() -> String) {
        self.changes_total += 1;
        if self.changes.len() < NOTE_CAP {
            self.changes.push(msg());
        }
    }
}

struct Rejected {
    file: String,
    line: u64,
    table: TableKind,
    reason: String,
    /// (column of the rejects file, value as read)
    cells: Vec<(usize, String)>,
}

/// Rejected rows, written as a CSV for people (UTF-8 BOM, formulas neutralised).
#[derive(Default)]
struct Rejects {
    headers: Vec<String>,
    rows: Vec<Rejected>,
}

impl Rejects {
    fn add(&mut self, ctx_summary: &mut Summary, input: &Meta, row: &Row, reason: String) {
        ctx_summary.rejected += 1;
        let cells = input
            .headers
            .iter()
            .zip(&row.values)
            .map(|(h, v)| {
                let pos = match self.headers.iter().position(|x| x == h) {
                    Some(p) => p,
                    None => {
                        self.headers.push(h.clone());
                        self.headers.len() - 1
                    }
                };
                (pos, v.clone())
            })
            .collect();
        self.rows.push(Rejected {
            file: input.name.clone(),
            line: row.line,
            table: input.table,
            reason,
            cells,
        });
    }

    fn write(&self, path: &Path) -> Result<()> {
        let mut buf = Vec::from("\u{feff}".as_bytes());
        {
            let mut w = csv::Writer::from_writer(&mut buf);
            let mut head = vec![
                "source_file".to_string(),
                "line".into(),
                "table".into(),
                "reason".into(),
            ];
            head.extend(self.headers.iter().cloned());
            w.write_record(&head)?;
            for Rejected {
                file,
                line,
                table,
                reason,
                cells,
            } in &self.rows
            {
                let mut rec = vec![
                    file.clone(),
                    line.to_string(),
                    table.name().to_string(),
                    reason.clone(),
                ];
                let mut vals = vec![String::new(); self.headers.len()];
                for (i, v) in cells {
                    vals[*i] = v.clone();
                }
                rec.extend(vals);
                w.write_record(
                    rec.iter()
                        .map(|v| crate::values::text::neutralise_formula(v).into_owned()),
                )?;
            }
            w.flush()?;
        }
        commit::write_atomic(path, &buf)
    }
}

/// Import the files of `opts` into the archive (or `--output`, or a dry run).
///
/// About 190 lines: the order of the work is the point of this function —
/// lock, read the files' headers, customers first, then transactions and
/// follow-ups that may name them, stage every table, one commit — and it
/// reads best in one place.
pub fn run(archive_dir: &Path, opts: &ImportOptions) -> Result<ImportResult> {
    let output_mode = opts.output.is_some();
    if !output_mode && !opts.dry_run && !archive_dir.exists() {
        // the first import makes the archive, but not for a file that cannot
        // be read (missing, a directory, unreadable, empty): that is refused
        // first, with the message reading it gives
        for f in opts.files.iter().filter(|f| f.as_str() != "-") {
            let readable = std::fs::File::open(f)
                .and_then(|h| h.metadata())
                .is_ok_and(|m| m.is_file() && m.len() > 0);
            if !readable {
                Source::open(f, &opts.read)?;
            }
        }
        std::fs::create_dir_all(archive_dir).with_context(|| {
            format!(
                "archive {}: cannot create the directory",
                archive_dir.display()
            )
        })?;
    }
    let archive = if archive_dir.is_dir() || !output_mode {
        Archive::open(archive_dir)?
    } else {
        Archive {
            dir: archive_dir.to_path_buf(),
            settings: Settings::default(),
        }
    };
    let writes_archive = !output_mode && !opts.dry_run;
    let _lock = if writes_archive {
        Some(ArchiveLock::acquire(&archive.dir, opts.lock_wait)?)
    } else {
        None
    };
    let mut aliases = archive.settings.import.aliases.clone();
    if let Some(map) = &opts.map {
        for (table, m) in crate::archive::settings::load_map_file(map)? {
            aliases.entry(table).or_default().extend(m);
        }
    }
    let on_dup = opts
        .on_duplicate
        .or(archive.settings.import.on_duplicate)
        .unwrap_or_default();

    let mut inputs = Vec::new();
    for f in &opts.files {
        inputs.push(open_input(f, opts, &aliases)?);
    }
    if output_mode {
        let tables: HashSet<TableKind> = inputs.iter().map(|i| i.meta.table).collect();
        if tables.len() > 1 {
            let mut t: Vec<&str> = tables.iter().map(|t| t.name()).collect();
            t.sort();
            bail!(crate::tr!("output_one_table", tables = t.join(" + ")));
        }
    }
    let total_bytes: u64 = inputs.iter().filter_map(|i| i.src.size).sum();
    let progress = Progress::new(opts.progress, total_bytes);

    let mut ctx = Ctx {
        log: if writes_archive {
            Some(ChangeLog::begin(&archive.dir, "import")?)
        } else {
            None
        },
        ..Ctx::default()
    };
    let mut staged: Vec<Staged> = Vec::new();
    let by_table = |t: TableKind, inputs: &mut Vec<Input>| -> Vec<Input> {
        let (mine, rest): (Vec<Input>, Vec<Input>) = std::mem::take(inputs)
            .into_iter()
            .partition(|i| i.meta.table == t);
        *inputs = rest;
        mine
    };

    // customers
    let cust_inputs = by_table(TableKind::Customers, &mut inputs);
    let mut resolver = None;
    if !cust_inputs.is_empty() {
        let mut customers = if output_mode {
            Table::empty(TableKind::Customers)
        } else {
            archive.read_table(TableKind::Customers)?
        };
        let changed = import_customers(
            &mut customers,
            cust_inputs,
            &archive.settings,
            on_dup,
            opts,
            &mut ctx,
            &progress,
        )?;
        if (changed || output_mode)
            && let Some(s) = stage_table(&archive, TableKind::Customers, opts, &customers)?
        {
            staged.push(s);
        }
        if !output_mode {
            // transactions of this run may name the customers it just added
            resolver = Some(Resolver::from_table(&customers));
        }
    }
    let needs_resolver = inputs.iter().any(|i| i.meta.table != TableKind::Customers);
    let resolver = Arc::new(match resolver {
        Some(r) => r,
        None if needs_resolver && archive_dir.is_dir() => {
            // stream the archive's customers: only their keys are kept
            let mut r = Resolver::default();
            if let Some(mut rd) = archive.open_table(TableKind::Customers)? {
                rd.for_each_columns(&["id", "credit_code", "id_number"], |v| {
                    r.add(v[0], v[1], v[2])
                })?;
            }
            // a clean-up with --output and no archive checks no references
            r.enabled = !output_mode || !r.ids.is_empty();
            r
        }
        None => Resolver::default(),
    });

    let tx_inputs = by_table(TableKind::Transactions, &mut inputs);
    if !tx_inputs.is_empty()
        && let Some(s) =
            import_transactions(&archive, tx_inputs, &resolver, opts, &mut ctx, &progress)?
    {
        staged.push(s);
    }
    let fu_inputs = by_table(TableKind::Followups, &mut inputs);
    if !fu_inputs.is_empty()
        && let Some(s) =
            import_followups(&archive, fu_inputs, &resolver, opts, &mut ctx, &progress)?
    {
        staged.push(s);
    }
    let complaint_inputs = by_table(TableKind::Complaints, &mut inputs);
    if !complaint_inputs.is_empty()
        && let Some(s) = import_complaints(
            &archive,
            complaint_inputs,
            &resolver,
            opts,
            &mut ctx,
            &progress,
        )?
    {
        staged.push(s);
    }
    progress.finish();

    let mut backup = None;
    let mut rejects_file = None;
    let mut wrote = false;
    if !opts.dry_run {
        if output_mode {
            for mut s in staged {
                commit::checkpoint()?;
                s.file().sync_all().ok();
                persist(s)?;
            }
        } else {
            let log = ctx.log.take().context("the revision log")?;
            wrote = !staged.is_empty();
            backup = commit::commit(&archive.dir, staged, log)?;
        }
        if !ctx.rejects.rows.is_empty() {
            let path = opts
                .rejects
                .clone()
                .unwrap_or_else(|| archive.dir.join("import-rejects.csv"));
            ctx.rejects.write(&path)?;
            rejects_file = Some(path);
        }
        if wrote {
            crate::analytics::prepared::after_write(&archive);
        }
    }
    Ok(ImportResult {
        summary: ctx.summary,
        rejects_file,
        backup,
        warnings: ctx.warnings,
        warnings_total: ctx.warnings_total,
        changes: ctx.changes,
        changes_total: ctx.changes_total,
        rejected_preview: ctx
            .rejects
            .rows
            .iter()
            .take(10)
            .map(|r| format!("{}:{}: {}", r.file, r.line, r.reason))
            .collect(),
    })
}

fn persist(mut s: Staged) -> Result<()> {
    s.file().sync_all()?;
    let target = s.target.clone();
    let tmp = s.path().to_path_buf();
    std::fs::rename(&tmp, &target)
        .with_context(|| crate::tr!("cannot_write", file = target.display()))?;
    // the temp path is gone now; dropping `s` finds nothing to remove
    Ok(())
}

enum Target {
    Stdout,
    /// path and whether to write a BOM
    File(PathBuf, bool),
    /// a workbook for people (`--output FILE.xlsx`)
    Xlsx(PathBuf),
}

fn target_for(
    archive: &Archive,
    table: TableKind,
    opts: &ImportOptions,
) -> Result<(Target, StoreFormat)> {
    match &opts.output {
        Some(o) if o == "-" => Ok((Target::Stdout, StoreFormat::Csv)),
        Some(o)
            if crate::render::output::Format::from_extension(Path::new(o))
                == Some(crate::render::output::Format::Xlsx) =>
        {
            Ok((Target::Xlsx(PathBuf::from(o)), StoreFormat::Csv))
        }
        Some(o) => {
            let p = PathBuf::from(o);
            let yaml = matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
            Ok((
                Target::File(p, !yaml),
                if yaml {
                    StoreFormat::Yaml
                } else {
                    StoreFormat::Csv
                },
            ))
        }
        None => {
            let (path, fmt) = archive.table_target(table)?;
            Ok((Target::File(path, archive.settings.archive.bom), fmt))
        }
    }
}

/// A whole table written where `opts` sends it: to stdout (`--output -`),
/// or staged for the commit (the archive's file, or `--output FILE`);
/// nothing on a dry run.
fn stage_table(
    archive: &Archive,
    kind: TableKind,
    opts: &ImportOptions,
    table: &Table,
) -> Result<Option<Staged>> {
    let (target, format) = target_for(archive, kind, opts)?;
    match target {
        Target::Stdout => {
            write_table(&mut std::io::stdout().lock(), format, table, false, true)?;
            Ok(None)
        }
        Target::File(path, bom) => {
            if opts.dry_run {
                return Ok(None);
            }
            let mut s = Staged::new(&path)?;
            {
                let mut w = BufWriter::new(s.file());
                write_table(&mut w, format, table, bom, opts.output.is_some())?;
                w.flush()?;
            }
            Ok(Some(s))
        }
        Target::Xlsx(path) => {
            if opts.dry_run {
                return Ok(None);
            }
            Ok(Some(xlsx_staged(&path, kind, opts, table)?))
        }
    }
}

/// The workbook of a cleaned table (`--output FILE.xlsx`), staged at `path`:
/// one sheet named after the table, typed cells, masked unless `--no-mask`.
fn xlsx_staged(
    path: &Path,
    kind: TableKind,
    opts: &ImportOptions,
    table: &Table,
) -> Result<Staged> {
    let (columns, rows) = crate::render::records::table_for_people(table, opts.no_mask);
    let sheet = crate::render::xlsx::Sheet {
        name: opts.lang.pick(kind.zh(), kind.name()).to_string(),
        tables: vec![crate::render::xlsx::Table {
            title: String::new(),
            columns,
            rows,
            chart: None,
        }],
    };
    let bytes = crate::render::xlsx::workbook(&[sheet], opts.lang)?;
    let mut s = Staged::new(path)?;
    s.file()
        .write_all(&bytes)
        .with_context(|| crate::tr!("cannot_write", file = path.display()))?;
    Ok(s)
}

/// Write a whole table; `for_people` (an `--output` export, not the archive)
/// neutralises formula-like text in a CSV.
fn write_table(
    w: &mut dyn Write,
    format: StoreFormat,
    t: &Table,
    bom: bool,
    for_people: bool,
) -> Result<()> {
    let mut tw = TableWriter::new(w, format, &t.columns, bom)?.for_people(for_people);
    for r in &t.rows {
        tw.write(r.iter())?;
    }
    tw.finish()?;
    Ok(())
}

/// The flags of `dangan import`.
#[derive(clap::Args)]
pub struct Args {
    /// Files to import (`-` reads standard input)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Table the files hold [default: recognised from the headers]
    #[arg(long, value_parser = crate::flags::parse_table)]
    pub table: Option<crate::archive::schema::TableKind>,
    /// Text encoding, e.g. gbk, gb18030, utf-8, utf-16le [default: detected]
    #[arg(long, value_parser = crate::flags::parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Worksheet of a workbook [default: the first]
    #[arg(long)]
    pub sheet: Option<String>,
    /// YAML file of header → column mappings (wins over dangan.yaml and the built-in aliases)
    #[arg(long, value_name = "FILE")]
    pub map: Option<std::path::PathBuf>,
    /// What to do with a row that is a customer already known [default: merge, or dangan.yaml]
    #[arg(long, value_enum)]
    pub on_duplicate: Option<OnDuplicate>,
    /// Where rejected rows go [default: DIR/import-rejects.csv]
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<std::path::PathBuf>,
    /// Show what would change; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write the cleaned rows to FILE (CSV; YAML or an Excel workbook by the extension .yaml/.xlsx; `-` = stdout) instead of the archive
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<String>,
    /// In an `--output FILE.xlsx` workbook, show confidential values unmasked (registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
    /// Date recorded as created/updated for new and changed records [default: today]
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// When another dangan holds the archive's lock, wait up to this many seconds for it [default: 0, fail at once]
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,
}

/// `dangan import` from the command line: its options, the run, and the summary and warnings it prints
pub fn main(a: Args, cx: &crate::flags::Context) -> anyhow::Result<std::process::ExitCode> {
    use crate::flags::print_capped;
    use crate::render::output::{Cell, Format, Label, Out};
    use anyhow::anyhow;
    use std::io::Write;
    use std::process::ExitCode;
    let g = cx;
    let (archive, out, chatty) = (&cx.archive, cx.out, cx.chatty);
    let opts = ImportOptions {
        files: a.files,
        table: a.table,
        read: crate::read::source::ReadOptions {
            encoding: a.encoding,
            sheet: a.sheet,
        },
        map: a.map,
        on_duplicate: a.on_duplicate,
        rejects: a.rejects,
        dry_run: a.dry_run,
        output: a.output,
        today: a.as_of.unwrap_or_else(crate::values::dates::today),
        progress: chatty,
        lock_wait: std::time::Duration::from_secs(a.wait),
        lang: out.lang,
        no_mask: a.no_mask,
    };
    crate::flags::register_no_mask(cx, a.no_mask && opts.output.is_some())?;
    let r = run(archive, &opts)?;
    let mut err = std::io::stderr().lock();
    print_capped(
        &mut err,
        "warning",
        &r.warnings,
        r.warnings_total,
        "more values kept as they were",
    )?;
    if opts.dry_run {
        print_capped(
            &mut err,
            "would",
            &r.changes,
            r.changes_total,
            "more changes",
        )?;
        writeln!(err, "{}", crate::tr!("dry_run"))?;
    }
    for line in &r.rejected_preview {
        writeln!(err, "{}", crate::tr!("rejected", message = line))?;
    }
    if r.summary.rejected > r.rejected_preview.len() as u64 {
        let n = r.summary.rejected - r.rejected_preview.len() as u64;
        let more = crate::tr!("and_n_more", n = n);
        writeln!(err, "{}", crate::tr!("rejected", message = more))?;
    }
    if let Some(p) = &r.rejects_file {
        writeln!(
            err,
            "{}",
            crate::tr!(
                "rejected_written",
                n = r.summary.rejected,
                file = p.display()
            )
        )?;
    } else if opts.dry_run && r.summary.rejected > 0 {
        writeln!(
            err,
            "{}",
            crate::tr!("would_be_rejected", n = r.summary.rejected)
        )?;
    }
    if chatty && let Some(b) = &r.backup {
        writeln!(err, "{}", crate::tr!("backup_kept", dir = b.display()))?;
    }
    let s = &r.summary;
    let fields = [
        ("read", "读取", "read", s.read),
        ("added", "新增", "added", s.added),
        ("updated", "更新", "updated", s.updated),
        ("unchanged", "未变", "unchanged", s.unchanged),
        ("rejected", "拒收", "rejected", s.rejected),
        (
            "values_normalised",
            "规范化的值",
            "values normalised",
            s.values_normalised,
        ),
        (
            "amounts_rounded",
            "四舍五入的金额",
            "amounts rounded",
            s.amounts_rounded,
        ),
    ]
    .map(|(k, zh, en, v)| (Label::new(k, zh, en), Cell::Int(v as i64)));
    // with `--output -` the cleaned rows own stdout; the summary goes to stderr
    let to_stdout = opts.output.as_deref() != Some("-");
    if to_stdout {
        crate::render::output::write_record(&mut std::io::stdout().lock(), out, &fields)?;
    } else if !g.quiet {
        let human = Out {
            format: if out.format.is_machine() {
                Format::Table
            } else {
                out.format
            },
            ..out
        };
        let human = if g.format.is_some_and(|f| f.is_machine()) {
            out
        } else {
            human
        };
        crate::render::output::write_record(&mut err, human, &fields)?;
    }
    if s.rejected > 0 {
        return Err(anyhow!(crate::Findings(crate::tr!(
            "rows_rejected",
            n = s.rejected
        ))));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Record;
    use crate::archive::keys::hash32 as key_hash;

    /// 300,000 archive numbers in 32-bit hash slots collide about ten times
    /// (n²/2³³): every one must still find its own row, and no other.
    #[test]
    fn identity_index_survives_hash_collisions() {
        let mut table = Table::empty(TableKind::Customers);
        let kc = KeyCols::of(&table);
        let mut index = CustIndex::default();
        let n = 300_000;
        let mut collisions = 0;
        let mut slots = std::collections::HashSet::new();
        for i in 0..n {
            let id = format!("C{i:07}");
            if !slots.insert(key_hash(&id)) {
                collisions += 1;
            }
            let mut v = vec![String::new(); table.columns.len()];
            v[kc.id] = id;
            table.rows.push(Record::new(&v));
            let keys = row_keys(&kc, &table.rows[i]);
            index.insert(&kc, &table.rows, &keys, i);
        }
        assert!(collisions > 0, "the test needs at least one collision");
        for i in 0..n {
            let keys = row_keys(&kc, &table.rows[i]);
            assert_eq!(
                index.find(&kc, &table.rows, &keys),
                vec![(i, "id")],
                "row {i}"
            );
        }
        let missing = [Some("C9999999".to_string()), None, None, None];
        assert!(index.find(&kc, &table.rows, &missing).is_empty());
    }
}
