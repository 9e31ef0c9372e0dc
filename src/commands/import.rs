//! `dangan import FILE... [--table customers|transactions|followups]`
//!
//! Brings messy exports into the archive: maps headers, normalises values,
//! merges duplicate customers, assigns archive numbers, rejects bad rows with
//! reasons (into a rejects CSV), and never loses data. With `--output FILE|-`
//! it writes the cleaned rows instead of touching the archive.
//!
//! Order of work: customer files first (so transactions and follow-ups of the
//! same run can name new customers), then transactions, then follow-ups.
//! Customers are merged in memory; transactions stream through a spill file,
//! so memory grows only with the id sets.

use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::keys::{Key as IdentityKey, hash32 as key_hash};
use crate::archive::schema::{HeaderMap, TableKind, ValueKind};
use crate::archive::settings::{OnDuplicate, Settings, StoreFormat};
use crate::archive::{Archive, Cells, Record, Table, TableWriter};
use crate::read::source::{RawRow, ReadOptions, Row, Source};
use crate::values::text::{fnv1a, is_confidential, mask, neutralise_formula};
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct ImportOptions {
    pub files: Vec<String>,
    pub table: Option<TableKind>,
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
}

impl Ctx {
    fn warn(&mut self, msg: String) {
        self.warnings_total += 1;
        if self.warnings.len() < NOTE_CAP {
            self.warnings.push(msg);
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
            bail!(
                "--output writes one table, but the files hold {}: import them separately",
                {
                    let mut t: Vec<&str> = tables.iter().map(|t| t.name()).collect();
                    t.sort();
                    t.join(" and ")
                }
            );
        }
    }
    let total_bytes: u64 = inputs.iter().filter_map(|i| i.src.size).sum();
    let progress = Progress::new(opts.progress, total_bytes);

    let mut ctx = Ctx::default();
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
        if changed || output_mode {
            let (target, format) = target_for(&archive, TableKind::Customers, opts)?;
            match target {
                Target::Stdout => {
                    let mut out = std::io::stdout().lock();
                    write_table(&mut out, format, &customers, false, true)?;
                }
                Target::File(path, bom) => {
                    let mut s = Staged::new(&path)?;
                    {
                        let mut w = BufWriter::new(s.file());
                        write_table(&mut w, format, &customers, bom, output_mode)?;
                        w.flush()?;
                    }
                    staged.push(s);
                }
            }
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
    progress.finish();

    let mut backup = None;
    let mut rejects_file = None;
    if !opts.dry_run {
        if output_mode {
            for mut s in staged {
                commit::checkpoint()?;
                s.file().sync_all().ok();
                persist(s)?;
            }
        } else {
            backup = commit::commit(&archive.dir, staged)?;
        }
        if !ctx.rejects.rows.is_empty() {
            let path = opts
                .rejects
                .clone()
                .unwrap_or_else(|| archive.dir.join("import-rejects.csv"));
            ctx.rejects.write(&path)?;
            rejects_file = Some(path);
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
        .with_context(|| format!("{}: cannot write", target.display()))?;
    // the temp path is gone now; dropping `s` finds nothing to remove
    Ok(())
}

enum Target {
    Stdout,
    /// path and whether to write a BOM
    File(PathBuf, bool),
}

fn target_for(
    archive: &Archive,
    table: TableKind,
    opts: &ImportOptions,
) -> Result<(Target, StoreFormat)> {
    match &opts.output {
        Some(o) if o == "-" => Ok((Target::Stdout, StoreFormat::Csv)),
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

fn open_input(
    path: &str,
    opts: &ImportOptions,
    aliases: &crate::archive::settings::Aliases,
) -> Result<Input> {
    let src = Source::open(path, &opts.read)?;
    let user_aliases = |t: TableKind| crate::archive::settings::aliases_for(aliases, t);
    let table = match opts.table {
        Some(t) => t,
        None => crate::archive::schema::detect_table(&src.headers, &user_aliases)
            .or_else(|| {
                let stem = Path::new(path).file_stem()?.to_str()?.to_lowercase();
                TableKind::ALL.into_iter().find(|t| stem.contains(t.name()))
            })
            .ok_or_else(|| {
                anyhow!(
                    "{}: cannot tell which table the headers ({}) belong to; give --table customers|transactions|followups",
                    src.name,
                    src.headers
                        .iter()
                        .map(|h| crate::values::text::mask_lookalike(h))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
    };
    let map = HeaderMap::new(table, &user_aliases(table));
    let mut targets = Vec::with_capacity(src.headers.len());
    for (i, h) in src.headers.iter().enumerate() {
        let t = match map.lookup(h) {
            Some(c) => c.to_string(),
            None if h.is_empty() => format!("column_{}", i + 1),
            None => h.clone(),
        };
        if let Some(j) = targets.iter().position(|x: &String| *x == t) {
            bail!(
                "{}:{}: columns {:?} and {:?} both map to {t}; drop one, or map one elsewhere with --map",
                src.name,
                src.header_line,
                src.headers[j],
                h
            );
        }
        targets.push(t);
    }
    let kinds = targets.iter().map(|t| value_kind(table, t)).collect();
    Ok(Input {
        meta: Meta {
            name: src.name.clone(),
            headers: src.headers.clone(),
            header_line: src.header_line,
            size: src.size,
            from_xlsx: src.format == crate::read::source::SourceFormat::Workbook,
            table,
            targets,
            kinds,
        },
        src,
    })
}

/// The kind of value an incoming column holds in a table (lookup keys and
/// extras included).
fn value_kind(table: TableKind, col: &str) -> Option<ValueKind> {
    table
        .column(col)
        .or_else(|| {
            (table != TableKind::Customers
                && crate::archive::schema::CUSTOMER_LOOKUP_COLUMNS.contains(&col))
            .then(|| TableKind::Customers.column(col))
            .flatten()
        })
        .map(|c| c.kind)
}

/// An incoming row normalised into the table layout.
struct Normalised {
    line: u64,
    /// the values in the table's layout, in one compact record
    values: Record,
    /// (column, why) of values that could not be normalised and were kept
    problems: Vec<(String, String)>,
    /// (source column, value as read) of the values normalisation changed
    originals: Vec<(usize, String)>,
    /// why the row cannot be imported (filled by the table's check)
    reasons: Vec<String>,
}

impl Normalised {
    /// The row as it was read, for the rejects file.
    fn raw(&self, slots: &[usize]) -> Row {
        let mut values: Vec<String> = slots
            .iter()
            .map(|&s| self.values.get(s).to_string())
            .collect();
        for (j, v) in &self.originals {
            values[*j] = v.clone();
        }
        Row {
            line: self.line,
            values,
        }
    }
}

#[derive(Default)]
struct Counts {
    normalised: u64,
    rounded: u64,
}

/// Normalise one incoming row into the table layout. Values that cannot be
/// normalised are kept as they were and reported. Values already in canonical
/// form are copied once, straight from the reader's buffer into the record.
fn normalise_row(
    meta: &Meta,
    slots: &[usize],
    width: usize,
    row: &RawRow,
    counts: &mut Counts,
) -> Normalised {
    use std::borrow::Cow;
    let mut cells: Vec<Cow<str>> = vec![Cow::Borrowed(""); width];
    let mut problems = Vec::new();
    let mut originals = Vec::new();
    for (j, kind) in meta.kinds.iter().enumerate() {
        let raw = row.field(j);
        // extra columns (kind None) are kept exactly
        let value = match kind {
            None => Cow::Borrowed(raw),
            Some(kind) => {
                let (v, f) = crate::values::normalize::normalise_cow(*kind, raw, meta.from_xlsx);
                if f.changed {
                    if !v.is_empty() {
                        counts.normalised += 1;
                    }
                    originals.push((j, raw.to_string()));
                }
                if f.rounded {
                    counts.rounded += 1;
                }
                if let Some(p) = f.problem {
                    problems.push((meta.targets[j].clone(), p));
                }
                v
            }
        };
        cells[slots[j]] = value;
    }
    Normalised {
        line: row.line(),
        values: Record::new(&cells),
        problems,
        originals,
        reasons: Vec::new(),
    }
}

/// The rows of an input, parsed and normalised on other threads (see
/// [`crate::read::pipeline`]) while the caller merges, resolves and writes.
struct RowStream {
    rows: crate::read::pipeline::Rows<(Normalised, Counts)>,
    counts: Counts,
    /// rows returned so far
    read: u64,
    name: String,
    header_line: u64,
}

/// A table's own per-row work that needs no shared state (checks, lookups in
/// read-only maps), done on the reading threads too.
type Check = Arc<dyn Fn(&mut Normalised) + Send + Sync>;

impl RowStream {
    fn spawn(
        src: Source,
        meta: Meta,
        slots: Vec<usize>,
        width: usize,
        check: Option<Check>,
    ) -> RowStream {
        let (meta_name, header_line) = (meta.name.clone(), meta.header_line);
        let f: crate::read::pipeline::RowFn<(Normalised, Counts)> =
            Arc::new(move |row: &RawRow| {
                let mut counts = Counts::default();
                let mut n = normalise_row(&meta, &slots, width, row, &mut counts);
                if let Some(check) = &check {
                    check(&mut n);
                }
                (n, counts)
            });
        RowStream {
            rows: crate::read::pipeline::Rows::spawn(src, f),
            counts: Counts::default(),
            read: 0,
            name: meta_name,
            header_line,
        }
    }

    /// Count a row read; now and then, honour Ctrl-C and move the progress bar
    /// (`done`: bytes of the inputs before this one).
    fn tick(&mut self, ctx: &mut Ctx, progress: &Progress, label: &str, done: u64) -> Result<()> {
        self.read += 1;
        ctx.summary.read += 1;
        if ctx.summary.read.is_multiple_of(CHECK_EVERY) {
            commit::checkpoint()?;
            progress.tick(label, done + self.bytes());
        }
        Ok(())
    }

    /// Bytes of the input behind the rows returned so far.
    fn bytes(&self) -> u64 {
        self.rows.bytes()
    }

    /// Add the counts of normalised and rounded values to the summary; a
    /// file with a header and no rows is an error.
    fn finish(self, summary: &mut Summary) -> Result<()> {
        if self.read == 0 {
            bail!(
                "{}:{}: no data rows (header only)",
                self.name,
                self.header_line
            );
        }
        summary.values_normalised += self.counts.normalised;
        summary.amounts_rounded += self.counts.rounded;
        Ok(())
    }
}

impl Iterator for RowStream {
    type Item = Result<Normalised>;

    fn next(&mut self) -> Option<Result<Normalised>> {
        Some(self.rows.next()?.map(|(n, c)| {
            self.counts.normalised += c.normalised;
            self.counts.rounded += c.rounded;
            n
        }))
    }
}

fn shown(col: &str, v: &str) -> String {
    if is_confidential(col) {
        mask(col, v)
    } else {
        v.to_string()
    }
}

fn warn_problems(ctx: &mut Ctx, input: &Meta, n: &Normalised, slots: &[usize]) {
    for (col, why) in &n.problems {
        let j = input.targets.iter().position(|t| t == col).unwrap_or(0);
        let v = &n.values[slots[j]];
        ctx.warn(format!(
            "{}:{}: column {col}: {:?} kept as it was: {why}",
            input.name,
            n.line,
            shown(col, v)
        ));
    }
}

struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(enabled: bool, total: u64) -> Progress {
        if !enabled || total < 4 << 20 {
            return Progress(None);
        }
        let pb = indicatif::ProgressBar::new(total);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:25}] {bytes}/{total_bytes} ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress(Some(pb))
    }

    fn tick(&self, msg: &str, done: u64) {
        if let Some(pb) = &self.0 {
            pb.set_message(msg.to_string());
            pb.set_position(done);
        }
    }

    fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

/// Identity keys of customers: archive number, credit code, ID number,
/// normalised name + mobile. Each key is stored as a 32-bit hash pointing at a
/// row, checked against the row on every hit; the rare key whose hash is
/// already taken by another key goes to an exact overflow map. A key a merge
/// replaced no longer matches its row, since the check reads the row as it is.
#[derive(Default)]
struct CustIndex {
    maps: [HashMap<u32, u32>; 4],
    overflow: [HashMap<String, u32>; 4],
}

struct KeyCols {
    id: usize,
    credit: usize,
    idno: usize,
    name: usize,
    mobile: usize,
}

impl KeyCols {
    fn of(t: &Table) -> KeyCols {
        let c = |n: &str| t.col(n).unwrap_or(usize::MAX);
        KeyCols {
            id: c("id"),
            credit: c("credit_code"),
            idno: c("id_number"),
            name: c("name"),
            mobile: c("mobile"),
        }
    }
}

/// The four keys of a row (owned: the row may be replaced while they are used).
fn row_keys<R: Cells + ?Sized>(kc: &KeyCols, row: &R) -> [Option<String>; 4] {
    let get = |i: usize| Some(row.cell(i)).filter(|v| !v.is_empty());
    [
        get(kc.id).map(str::to_string),
        get(kc.credit).map(str::to_string),
        get(kc.idno).map(str::to_string),
        crate::archive::keys::name_mobile(row.cell(kc.name), row.cell(kc.mobile)),
    ]
}

impl CustIndex {
    fn with_capacity(n: usize) -> CustIndex {
        let mut ix = CustIndex::default();
        for m in ix.maps.iter_mut() {
            m.reserve(n);
        }
        ix
    }

    /// Does row `idx` still have key `k` equal to `key`?
    fn row_has(kc: &KeyCols, rows: &[Record], idx: u32, k: usize, key: &str) -> bool {
        row_keys(kc, &rows[idx as usize])[k].as_deref() == Some(key)
    }

    fn insert(&mut self, kc: &KeyCols, rows: &[Record], keys: &[Option<String>; 4], idx: usize) {
        for (k, key) in keys.iter().enumerate() {
            let Some(key) = key else { continue };
            match self.maps[k].entry(key_hash(key)) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(idx as u32);
                }
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    let holder = *e.get();
                    if holder as usize == idx {
                        continue;
                    }
                    if Self::row_has(kc, rows, holder, k, key) {
                        continue; // the first customer with a key keeps it
                    }
                    if self.overflow[k].contains_key(key.as_str()) {
                        continue;
                    }
                    if row_keys(kc, &rows[holder as usize])[k]
                        .as_deref()
                        .is_none_or(|hk| key_hash(hk) != key_hash(key))
                    {
                        // the holder's key changed in a merge: the slot is free again
                        e.insert(idx as u32);
                    } else {
                        self.overflow[k].insert(key.clone(), idx as u32);
                    }
                }
            }
        }
    }

    /// Distinct customers matched, each with the key that matched it first.
    fn find(
        &self,
        kc: &KeyCols,
        rows: &[Record],
        keys: &[Option<String>; 4],
    ) -> Vec<(usize, &'static str)> {
        let mut found: Vec<(usize, &'static str)> = Vec::new();
        for (k, key) in keys.iter().enumerate() {
            let Some(key) = key else { continue };
            let hit = self.maps[k]
                .get(&key_hash(key))
                .copied()
                .filter(|&i| Self::row_has(kc, rows, i, k, key))
                .or_else(|| {
                    self.overflow[k]
                        .get(key.as_str())
                        .copied()
                        .filter(|&i| Self::row_has(kc, rows, i, k, key))
                });
            if let Some(i) = hit
                && !found.iter().any(|(f, _)| *f == i as usize)
            {
                found.push((i as usize, IdentityKey::ALL[k].name()));
            }
        }
        found
    }
}

/// Merge the non-empty values of `incoming` into a record; the new record when
/// anything changed.
fn merge_record(rec: &Record, incoming: &Record) -> Option<Record> {
    let width = rec.len().max(incoming.len());
    let differs = (0..width).any(|i| {
        let v = incoming.cell(i);
        !v.is_empty() && rec.get(i) != v
    });
    if !differs {
        return None;
    }
    let merged: Vec<&str> = (0..width)
        .map(|i| {
            let v = incoming.cell(i);
            if v.is_empty() { rec.get(i) } else { v }
        })
        .collect();
    Some(Record::new(&merged))
}

fn import_customers(
    table: &mut Table,
    inputs: Vec<Input>,
    settings: &Settings,
    on_dup: OnDuplicate,
    opts: &ImportOptions,
    ctx: &mut Ctx,
    progress: &Progress,
) -> Result<bool> {
    let today = crate::values::dates::iso(opts.today);
    let archived = table.rows.len();
    let kc = KeyCols::of(table);
    let mut index = CustIndex::with_capacity(archived);
    for i in 0..table.rows.len() {
        let keys = row_keys(&kc, &table.rows[i]);
        index.insert(&kc, &table.rows, &keys, i);
    }
    let (c_name, c_created, c_updated, c_id) = (
        table.col("name").unwrap_or(usize::MAX),
        table.col("created").unwrap_or(usize::MAX),
        table.col("updated").unwrap_or(usize::MAX),
        kc.id,
    );
    let mut changed_any = false;
    // archive rows this import merged into: their original and, per row that
    // matched them, whether it changed them
    let mut touched: HashMap<usize, (Record, Vec<bool>)> = HashMap::default();
    let mut dup_errors = Vec::new();
    let mut done_bytes = 0;
    let label = |i: usize, t: &Table| {
        let id = t.rows[i].get(c_id);
        if id.is_empty() {
            format!("the new customer {:?}", t.rows[i].get(c_name))
        } else {
            id.to_string()
        }
    };
    for Input { meta: input, src } in inputs {
        let slots: Vec<usize> = input.targets.iter().map(|t| table.ensure_col(t)).collect();
        let mut stream =
            RowStream::spawn(src, input.clone(), slots.clone(), table.columns.len(), None);
        while let Some(n) = stream.next() {
            let n = n?;
            stream.tick(ctx, progress, "customers", done_bytes)?;
            let keys = row_keys(&kc, &n.values);
            let found = index.find(&kc, &table.rows, &keys);
            if found.len() > 1 {
                let list: Vec<String> = found
                    .iter()
                    .map(|(i, k)| format!("{} (by {k})", label(*i, table)))
                    .collect();
                let raw = n.raw(&slots);
                ctx.rejects.add(
                    &mut ctx.summary,
                    &input,
                    &raw,
                    format!("matches more than one customer: {}", list.join(", ")),
                );
                continue;
            }
            warn_problems(ctx, &input, &n, &slots);
            let Some(&(target, key)) = found.first() else {
                if n.values[c_name].is_empty() {
                    let raw = n.raw(&slots);
                    ctx.rejects.add(
                        &mut ctx.summary,
                        &input,
                        &raw,
                        "no name (客户名称 is required)".into(),
                    );
                    continue;
                }
                let mut rec = n.values;
                for c in [c_created, c_updated] {
                    if rec.get(c).is_empty() {
                        rec = rec.with(c, &today);
                    }
                }
                table.rows.push(rec);
                index.insert(&kc, &table.rows, &keys, table.rows.len() - 1);
                ctx.summary.added += 1;
                changed_any = true;
                continue;
            };
            let existing_id = table.rows[target].get(c_id);
            let incoming_id = n.values.get(c_id);
            if !incoming_id.is_empty() && !existing_id.is_empty() && incoming_id != existing_id {
                let reason = format!(
                    "archive number {incoming_id} conflicts with customer {existing_id}, matched by {key}"
                );
                let raw = n.raw(&slots);
                ctx.rejects.add(&mut ctx.summary, &input, &raw, reason);
                continue;
            }
            match on_dup {
                OnDuplicate::Skip => {
                    ctx.summary.unchanged += 1;
                    continue;
                }
                OnDuplicate::Error => {
                    dup_errors.push(format!(
                        "{}:{}: same customer as {} (by {key})",
                        input.name,
                        n.line,
                        label(target, table)
                    ));
                    continue;
                }
                OnDuplicate::Merge => {}
            }
            if target < archived && !touched.contains_key(&target) {
                touched.insert(target, (table.rows[target].clone(), Vec::new()));
            }
            let merged = merge_record(&table.rows[target], &n.values);
            let changed = merged.is_some();
            if let Some(mut rec) = merged {
                if n.values.get(c_updated).is_empty() {
                    rec = rec.with(c_updated, &today);
                }
                table.rows[target] = rec;
                let new_keys = row_keys(&kc, &table.rows[target]);
                index.insert(&kc, &table.rows, &new_keys, target);
            }
            match touched.get_mut(&target) {
                // counted at the end, once the net change is known
                Some((_, flags)) => flags.push(changed),
                None if changed => ctx.summary.updated += 1,
                None => ctx.summary.unchanged += 1,
            }
        }
        stream.finish(&mut ctx.summary)?;
        done_bytes += input.size.unwrap_or(0);
    }
    if !dup_errors.is_empty() {
        let n = dup_errors.len();
        dup_errors.truncate(10);
        bail!(
            "--on-duplicate error: {n} row(s) match customers already known; nothing was imported:\n  {}",
            dup_errors.join("\n  ")
        );
    }
    // an archive record counts as updated only when it differs in the end
    // (besides `updated` itself): re-importing a file changes nothing
    let mut touched: Vec<(usize, (Record, Vec<bool>))> = touched.into_iter().collect();
    touched.sort_by_key(|(i, _)| *i);
    for (i, (original, flags)) in touched {
        let row = &table.rows[i];
        let fields: Vec<&str> = (0..row.len().max(original.len()))
            .filter(|&c| c != c_updated && row.get(c) != original.get(c))
            .map(|c| table.columns[c].as_str())
            .collect();
        if fields.is_empty() {
            ctx.summary.unchanged += flags.len() as u64;
            table.rows[i] = original;
        } else {
            changed_any = true;
            let n = flags.iter().filter(|f| **f).count() as u64;
            ctx.summary.updated += n;
            ctx.summary.unchanged += flags.len() as u64 - n;
            let id = row.get(c_id).to_string();
            let fields = fields.join(", ");
            ctx.change(|| format!("update customers {id}: {fields}"));
        }
    }
    // rows are matched before numbers are given: only now do new customers
    // without an archive number get the next free one
    if opts.output.is_none() {
        let prefix = &settings.archive.id_prefix;
        let mut next = table
            .rows
            .iter()
            .filter_map(|r| {
                r.get(c_id)
                    .strip_prefix(prefix.as_str())?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0)
            + 1;
        for r in table.rows[archived..].iter_mut() {
            if r.get(c_id).is_empty() {
                *r = r.with(
                    c_id,
                    &format!("{prefix}{next:0width$}", width = settings.archive.id_width),
                );
                next += 1;
            }
        }
    }
    for r in &table.rows[archived..] {
        ctx.change(|| format!("add customers {} {}", r.get(c_id), r.get(c_name)));
    }
    Ok(changed_any)
}

/// Finds the archive number of the customer a transaction or follow-up names.
#[derive(Default)]
struct Resolver {
    enabled: bool,
    ids: HashSet<String>,
    by_credit: HashMap<String, String>,
    by_idno: HashMap<String, String>,
}

impl Resolver {
    fn from_table(t: &Table) -> Resolver {
        let c = |n: &str| column_index(&t.columns, n);
        let (ci, cc, cn) = (c("id"), c("credit_code"), c("id_number"));
        let mut r = Resolver {
            enabled: true,
            ..Resolver::default()
        };
        for row in &t.rows {
            r.add(row.get(ci), row.get(cc), row.get(cn));
        }
        r
    }

    fn add(&mut self, id: &str, credit: &str, idno: &str) {
        if id.is_empty() {
            return;
        }
        if !credit.is_empty() {
            self.by_credit
                .entry(credit.to_string())
                .or_insert_with(|| id.to_string());
        }
        if !idno.is_empty() {
            self.by_idno
                .entry(idno.to_string())
                .or_insert_with(|| id.to_string());
        }
        self.ids.insert(id.to_string());
    }

    /// Put the archive number of the customer a row names in its
    /// `customer_id`, or add why there is none to its reasons.
    fn fill(&self, n: &mut Normalised, c_cust: usize, c_credit: usize, c_idno: usize) {
        match self.resolve(
            n.values.get(c_cust),
            n.values.get(c_credit),
            n.values.get(c_idno),
        ) {
            Ok(Some(id)) => n.values = n.values.with(c_cust, &id),
            Ok(None) => {}
            Err(why) => n.reasons.push(why),
        }
    }

    /// The customer's archive number when it differs from `customer_id`
    /// (`None`: `customer_id` is right), or why there is none.
    fn resolve(
        &self,
        customer_id: &str,
        credit: &str,
        idno: &str,
    ) -> Result<Option<String>, String> {
        if !self.enabled {
            return if customer_id.is_empty() {
                Err("no customer_id".into())
            } else {
                Ok(None)
            };
        }
        if self.ids.contains(customer_id) {
            return Ok(None);
        }
        for (map, key) in [
            (&self.by_credit, credit),
            (&self.by_idno, idno),
            (&self.by_credit, customer_id),
            (&self.by_idno, customer_id),
        ] {
            if !key.is_empty()
                && let Some(id) = map.get(key)
            {
                return Ok(Some(id.clone()));
            }
        }
        let named: Vec<String> = [
            ("customer_id", customer_id),
            ("credit_code", credit),
            ("id_number", idno),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k} {}", shown(k, v)))
        .collect();
        if named.is_empty() {
            Err("no customer (customer_id, credit_code or id_number) given".into())
        } else {
            Err(format!(
                "unknown customer: no customer in the archive has {}",
                named.join(" or ")
            ))
        }
    }
}

fn column_index(columns: &[String], name: &str) -> usize {
    columns.iter().position(|c| c == name).unwrap_or(usize::MAX)
}

/// Writes a whole table to a sink, counting what it changed.
type WriteBody<'a> = Box<dyn FnMut(&mut dyn Write, &mut Ctx) -> Result<()> + 'a>;

/// A hash of a row's values up to its last non-empty one (so a row padded with
/// empty extra columns hashes as before).
fn row_hash<'a>(values: impl Iterator<Item = &'a str>) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    let mut empties = 0usize; // empty values are hashed only when a value follows
    for v in values {
        if v.is_empty() {
            empties += 1;
            continue;
        }
        for _ in 0..empties {
            h.write_u8(0xff);
        }
        empties = 0;
        h.write(v.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// Merge non-empty values of `update` into `row`; true when anything changed.
fn merge_into(row: &mut Vec<String>, update: &Record) -> bool {
    if row.len() < update.len() {
        row.resize(update.len(), String::new());
    }
    let mut changed = false;
    for (i, v) in update.iter().enumerate() {
        if !v.is_empty() && row[i] != v {
            row[i] = v.to_string();
            changed = true;
        }
    }
    changed
}

fn import_transactions(
    archive: &Archive,
    inputs: Vec<Input>,
    resolver: &Arc<Resolver>,
    opts: &ImportOptions,
    ctx: &mut Ctx,
    progress: &Progress,
) -> Result<Option<Staged>> {
    let kind = TableKind::Transactions;
    let output_mode = opts.output.is_some();
    // pass A: the archive's transaction ids
    let mut archive_reader = if output_mode {
        None
    } else {
        archive.open_table(kind)?
    };
    let mut columns = match &archive_reader {
        Some(r) => r.columns.clone(),
        None => kind.column_names(),
    };
    // id → hash of the archived row: an incoming row identical to its archived
    // row (the common re-import) is recognised without keeping either
    let mut archived: HashMap<Box<str>, u64> = HashMap::default();
    let mut archived_rows = 0u64;
    if let Some(r) = archive_reader.as_mut() {
        let ci = column_index(&r.columns, "id");
        let names: Vec<String> = r.columns.clone();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        r.for_each_columns(&names, |v| {
            archived_rows += 1;
            archived.insert(v[ci].into(), row_hash(v.iter().copied()));
        })?;
    }
    let slots: Vec<Vec<usize>> = inputs
        .iter()
        .map(|i| {
            i.meta
                .targets
                .iter()
                .map(|t| match columns.iter().position(|c| c == t) {
                    Some(p) => p,
                    None => {
                        columns.push(t.clone());
                        columns.len() - 1
                    }
                })
                .collect()
        })
        .collect();
    let width = columns.len();
    let c = |n: &str| column_index(&columns, n);
    let (c_id, c_cust, c_date, c_amount, c_kind, c_credit, c_idno) = (
        c("id"),
        c("customer_id"),
        c("date"),
        c("amount"),
        c("kind"),
        c("credit_code"),
        c("id_number"),
    );
    let c_hash: Vec<usize> = [
        "customer_id",
        "date",
        "product",
        "category",
        "quantity",
        "unit_price",
        "amount",
        "kind",
    ]
    .iter()
    .map(|n| c(n))
    .collect();

    let (target, format) = target_for(archive, kind, opts)?;
    let (target_path, bom) = match &target {
        Target::File(p, bom) => (Some(p.clone()), *bom),
        Target::Stdout => (None, false),
    };
    // pass B: new rows go to a spill file (a candidate final file: header first)
    let mut spill = match (&target_path, opts.dry_run) {
        (Some(p), false) => Staged::new(p)?,
        _ => Staged::new(&std::env::temp_dir().join("dangan-spill"))?,
    };
    let mut new_ids: HashSet<Box<str>> = HashSet::default();
    let mut updates: HashMap<Box<str>, Vec<Record>> = HashMap::default();
    let mut derived: HashMap<u64, u32> = HashMap::default();
    {
        let mut buf = BufWriter::with_capacity(1 << 20, spill.file());
        if bom {
            buf.write_all("\u{feff}".as_bytes())?;
        }
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(buf);
        w.write_record(&columns)?;
        let mut done_bytes = 0;
        for (Input { meta: input, src }, slots) in inputs.into_iter().zip(slots) {
            let check: Check = {
                let resolver = Arc::clone(resolver);
                let (c_date, c_amount, c_cust, c_credit, c_idno, c_kind) =
                    (c_date, c_amount, c_cust, c_credit, c_idno, c_kind);
                let required: Vec<(String, usize)> = ["date", "amount", "kind"]
                    .iter()
                    .map(|n| (n.to_string(), c(n)))
                    .collect();
                Arc::new(move |n: &mut Normalised| {
                    // required values: a date, an amount, a known kind, a customer
                    for (col, why) in &n.problems {
                        if let Some((_, i)) = required.iter().find(|(r, _)| r == col) {
                            n.reasons
                                .push(format!("{col}: {:?} {why}", n.values.get(*i)));
                        }
                    }
                    if n.values[c_date].is_empty() {
                        n.reasons.push("no date".into());
                    }
                    if n.values[c_amount].is_empty() {
                        n.reasons.push("no amount".into());
                    }
                    resolver.fill(n, c_cust, c_credit, c_idno);
                    if n.reasons.is_empty() && n.values.get(c_kind).is_empty() {
                        n.values = n
                            .values
                            .with(c_kind, crate::archive::schema::TxKind::Sale.name());
                    }
                })
            };
            let mut stream =
                RowStream::spawn(src, input.clone(), slots.clone(), width, Some(check));
            while let Some(n) = stream.next() {
                let n = n?;
                stream.tick(ctx, progress, "transactions", done_bytes)?;
                if !n.reasons.is_empty() {
                    let raw = n.raw(&slots);
                    ctx.rejects
                        .add(&mut ctx.summary, &input, &raw, n.reasons.join("; "));
                    continue;
                }
                warn_problems(ctx, &input, &n, &slots);
                let mut t = n.values;
                if t[c_id].is_empty() {
                    // no order number: a stable id from the content, so a re-run
                    // of the same file recognises its rows
                    let parts: Vec<&str> = c_hash.iter().map(|&i| t.get(i)).collect();
                    let h = fnv1a(&parts);
                    let n = derived.entry(h).or_insert(0);
                    *n += 1;
                    let id = if *n == 1 {
                        format!("T{:012X}", h >> 16)
                    } else {
                        format!("T{:012X}-{n}", h >> 16)
                    };
                    t = t.with(c_id, &id);
                }
                let id: &str = &t[c_id];
                if let Some(&h) = archived.get(id)
                    && !updates.contains_key(id)
                    && row_hash(t.iter()) == h
                {
                    ctx.summary.unchanged += 1;
                    continue;
                }
                if archived.contains_key(id) || new_ids.contains(id) {
                    updates.entry(id.into()).or_default().push(t);
                    continue;
                }
                new_ids.insert(id.into());
                ctx.summary.added += 1;
                ctx.change(|| format!("add transactions {}", t.get(c_id)));
                if output_mode {
                    for v in t.iter() {
                        w.write_field(neutralise_formula(v).as_bytes())?;
                    }
                    w.write_record(None::<&[u8]>)?;
                } else {
                    w.write_record(t.iter())?;
                }
            }
            stream.finish(&mut ctx.summary)?;
            done_bytes += input.size.unwrap_or(0);
        }
        w.flush()?;
    }
    drop(new_ids);
    drop(archived);
    if updates.is_empty() && ctx.summary.added == 0 {
        return Ok(None); // nothing new, nothing changed: the file stays as it is
    }

    // pass C: the final file = archive rows (with updates) + spilled rows
    let fast = archived_rows == 0
        && updates.is_empty()
        && format == StoreFormat::Csv
        && target_path.is_some();
    if fast {
        if ctx.summary.added == 0 {
            return Ok(None);
        }
        spill.target = target_path.unwrap_or_default();
        return Ok((!opts.dry_run).then_some(spill));
    }
    let mut changed = ctx.summary.added > 0;
    let mut apply = |row: &mut Vec<String>, ctx: &mut Ctx| {
        if let Some(ups) = updates.remove(row.cell(c_id)) {
            let original = row.clone();
            let flags: Vec<bool> = ups.iter().map(|u| merge_into(row, u)).collect();
            if *row == original {
                ctx.summary.unchanged += flags.len() as u64;
            } else {
                let n = flags.iter().filter(|f| **f).count() as u64;
                ctx.summary.updated += n;
                ctx.summary.unchanged += flags.len() as u64 - n;
                changed = true;
                let id = row.cell(c_id).to_string();
                ctx.change(|| format!("update transactions {id}"));
            }
        }
    };
    let mut body: WriteBody = Box::new(|w: &mut dyn Write, ctx: &mut Ctx| {
        let mut tw = TableWriter::new(w, format, &columns, bom)?.for_people(output_mode);
        if let Some((path, _)) = if output_mode {
            None
        } else {
            archive.table_file(kind)?
        } {
            let mut r = crate::archive::ArchiveReader::open(&path, kind)?;
            while let Some(mut row) = r.next_row()? {
                row.resize(width, String::new());
                apply(&mut row, ctx);
                tw.write(row.iter().map(String::as_str))?;
            }
        }
        let mut sr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(spill.path())?;
        let mut rec = csv::StringRecord::new();
        while sr.read_record(&mut rec)? {
            let mut row: Vec<String> = rec.iter().map(str::to_string).collect();
            apply(&mut row, ctx);
            tw.write(row.iter().map(String::as_str))?;
        }
        tw.finish()?;
        Ok(())
    });
    match (&target, opts.dry_run) {
        (Target::Stdout, _) => {
            let mut out = std::io::stdout().lock();
            body(&mut out, ctx)?;
            Ok(None)
        }
        (Target::File(path, _), dry) => {
            let mut staged = if dry {
                Staged::new(&std::env::temp_dir().join("dangan-dry"))?
            } else {
                Staged::new(path)?
            };
            {
                let mut w = BufWriter::with_capacity(1 << 20, staged.file());
                body(&mut w, ctx)?;
                w.flush()?;
            }
            drop(body);
            Ok((changed && !dry).then_some(staged))
        }
    }
}

fn import_followups(
    archive: &Archive,
    inputs: Vec<Input>,
    resolver: &Arc<Resolver>,
    opts: &ImportOptions,
    ctx: &mut Ctx,
    progress: &Progress,
) -> Result<Option<Staged>> {
    let kind = TableKind::Followups;
    let mut table = if opts.output.is_some() {
        Table::empty(kind)
    } else {
        archive.read_table(kind)?
    };
    let canonical = kind.columns().len();
    let signature = |r: &dyn Cells| {
        (0..canonical)
            .map(|i| r.cell(i))
            .collect::<Vec<_>>()
            .join("\u{1f}")
    };
    let mut seen: HashSet<String> = table.rows.iter().map(|r| signature(r)).collect();
    let mut added = 0u64;
    for Input { meta: input, src } in inputs {
        let slots: Vec<usize> = input.targets.iter().map(|t| table.ensure_col(t)).collect();
        let (c_cust, c_date) = (
            column_index(&table.columns, "customer_id"),
            column_index(&table.columns, "date"),
        );
        let (c_credit, c_idno) = (
            column_index(&table.columns, "credit_code"),
            column_index(&table.columns, "id_number"),
        );
        let mut stream =
            RowStream::spawn(src, input.clone(), slots.clone(), table.columns.len(), None);
        while let Some(n) = stream.next() {
            let mut n = n?;
            stream.tick(ctx, progress, "followups", 0)?;
            if let Some((_, why)) = n.problems.iter().find(|(c, _)| c == "date") {
                n.reasons.push(format!("date: {why}"));
            } else if n.values[c_date].is_empty() {
                n.reasons.push("no date".into());
            }
            resolver.fill(&mut n, c_cust, c_credit, c_idno);
            if !n.reasons.is_empty() {
                ctx.rejects.add(
                    &mut ctx.summary,
                    &input,
                    &n.raw(&slots),
                    n.reasons.join("; "),
                );
                continue;
            }
            warn_problems(ctx, &input, &n, &slots);
            let r = n.values;
            if !seen.insert(signature(&r)) {
                ctx.summary.unchanged += 1;
                continue;
            }
            ctx.summary.added += 1;
            added += 1;
            let (cust, date) = (r.get(c_cust).to_string(), r.get(c_date).to_string());
            ctx.change(|| format!("add followups {cust} {date}"));
            table.rows.push(r);
        }
        stream.finish(&mut ctx.summary)?;
    }
    if added == 0 && opts.output.is_none() {
        return Ok(None);
    }
    let (target, format) = target_for(archive, kind, opts)?;
    match target {
        Target::Stdout => {
            write_table(&mut std::io::stdout().lock(), format, &table, false, true)?;
            Ok(None)
        }
        Target::File(path, bom) => {
            if opts.dry_run {
                return Ok(None);
            }
            let mut s = Staged::new(&path)?;
            {
                let mut w = BufWriter::new(s.file());
                write_table(&mut w, format, &table, bom, opts.output.is_some())?;
                w.flush()?;
            }
            Ok(Some(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
