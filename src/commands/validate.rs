//! `dangan validate [FILE] [--fail-on error|warning|never] [--as-of DATE]`
//!
//! Checks the archive (or one file, for a one-off clean-up) against the rules
//! of `src/rules.rs` in one streaming pass per table, and lists every finding:
//! `table, row, id, field, rule, severity, value, message` (row = line in the
//! file). Memory grows only with the key sets of `unique` and `duplicate`.
//!
//! A value passes its format rule when import could read it (`2024/3/5` is a
//! date, `+86 138 0013 8000` a mobile): validate reports what is wrong, not
//! what is merely written another way. Then the checks of meaning run on the
//! value as import would store it: check digits, birth dates, date order.

use crate::archive::Archive;
use crate::archive::schema::{HeaderMap, TableKind, ValueKind};
use crate::check::rules::{Severity, ValidateSettings, check_credit_code, check_id_number};
use crate::read::source::{RawRow, ReadOptions, Source};
use crate::render::output::{Cell, Format, Label, Out, write_rows};
use crate::values::normalize::normalise_cow;
use crate::values::text::{is_confidential, mask, neutralise_formula};
use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct ValidateOptions {
    /// check this file instead of the archive (`-` = stdin)
    pub file: Option<String>,
    pub table: Option<TableKind>,
    pub read: ReadOptions,
    /// a YAML file with the shape of `validate:` in dangan.yaml
    pub rules: Option<PathBuf>,
    pub as_of: NaiveDate,
    pub no_mask: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub table: &'static str,
    pub row: u64,
    pub id: String,
    pub field: String,
    pub rule: &'static str,
    pub severity: Severity,
    pub value: String,
    pub message: String,
}

/// Share of filled values of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completeness {
    pub table: &'static str,
    pub field: String,
    pub filled: u64,
    pub rows: u64,
}

/// Findings per (position of the rule in [`crate::check::rules::RULES`], severity).
type Counts = std::collections::BTreeMap<(usize, Severity), u64>;

pub struct Report {
    /// every finding, in file order ([`run`]); empty when they went to a
    /// sink as they were found ([`run_with`])
    pub findings: Vec<Finding>,
    /// (table, rows checked)
    pub tables: Vec<(&'static str, u64)>,
    pub completeness: Vec<Completeness>,
    counts: Counts,
}

impl Report {
    /// Findings per (rule, severity), in the order of [`crate::check::rules::RULES`].
    pub fn summary(&self) -> Vec<(&'static str, Severity, u64)> {
        self.counts
            .iter()
            .map(|(&(pos, sev), &n)| {
                (
                    crate::check::rules::RULES.get(pos).copied().unwrap_or("?"),
                    sev,
                    n,
                )
            })
            .collect()
    }

    /// Findings in all.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Findings at `level` or above.
    pub fn at_least(&self, level: Severity) -> u64 {
        self.counts
            .iter()
            .filter(|((_, sev), _)| *sev >= level)
            .map(|(_, n)| n)
            .sum()
    }

    /// Findings of one rule.
    pub fn of_rule(&self, rule: &str) -> u64 {
        self.summary()
            .into_iter()
            .filter(|(r, _, _)| *r == rule)
            .map(|(_, _, n)| n)
            .sum()
    }

    /// Is there a finding at or above `level`?
    pub fn fails(&self, level: Option<Severity>) -> bool {
        level.is_some_and(|l| self.at_least(l) > 0)
    }
}

/// Where findings go as they are found, in file order.
pub type Sink<'a> = &'a mut dyn FnMut(Finding) -> Result<()>;

/// Check, and keep every finding in the report.
pub fn run(archive_dir: &Path, opts: &ValidateOptions) -> Result<Report> {
    let mut findings = Vec::new();
    let mut report = run_with(archive_dir, opts, &mut |f| {
        findings.push(f);
        Ok(())
    })?;
    report.findings = findings;
    Ok(report)
}

/// Check, handing each finding to `sink` as it is found; the report keeps
/// the counts, not the findings.
pub fn run_with(archive_dir: &Path, opts: &ValidateOptions, sink: Sink) -> Result<Report> {
    let settings = match &opts.file {
        // a file alone is checked with the settings of the archive directory when it has them
        Some(_) if !archive_dir.join("dangan.yaml").exists() => {
            crate::archive::settings::Settings::default()
        }
        _ => Archive::open(archive_dir)?.settings,
    };
    let mut vs = settings.validate.clone();
    if let Some(path) = &opts.rules {
        vs = load_rules(path)?;
    }
    vs.check()
        .map_err(|e| anyhow!("validation settings: {e}"))?;
    let patterns = compile_patterns(&vs)?;
    let ctx = Ctx {
        vs: Arc::new(vs),
        patterns: Arc::new(patterns),
        as_of: opts.as_of,
        no_mask: opts.no_mask,
        aliases: Arc::new(settings.import.aliases.clone()),
        ids_required: opts.file.is_none(),
        canonical: opts.file.is_none().then_some(settings.archive.bom),
    };
    let mut report = Report {
        findings: Vec::new(),
        tables: Vec::new(),
        completeness: Vec::new(),
        counts: Counts::new(),
    };
    match &opts.file {
        Some(file) => {
            let src = Source::open(file, &opts.read)?;
            let table = match opts.table {
                Some(t) => t,
                None => {
                    crate::archive::schema::detect_table(&src.headers, &|t| settings.aliases(t))
                        .ok_or_else(|| {
                            anyhow!(
                                "{}: cannot tell which table the headers belong to; give --table",
                                src.name
                            )
                        })?
                }
            };
            check_table(&ctx, table, src, None, false, &mut report, sink)?;
        }
        None => {
            let archive = Archive::open(archive_dir)?;
            let Some((path, _)) = archive.table_file(TableKind::Customers)? else {
                bail!(
                    "archive {}: no customers.csv or customers.yaml",
                    archive_dir.display()
                );
            };
            let src = Source::open(&path.display().to_string(), &ReadOptions::default())?;
            let ids = Arc::new(check_table(
                &ctx,
                TableKind::Customers,
                src,
                None,
                true,
                &mut report,
                &mut *sink,
            )?);
            for t in [TableKind::Transactions, TableKind::Followups] {
                if let Some((path, _)) = archive.table_file(t)? {
                    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0 {
                        continue;
                    }
                    let src = Source::open(&path.display().to_string(), &ReadOptions::default())?;
                    check_table(
                        &ctx,
                        t,
                        src,
                        Some(Arc::clone(&ids)),
                        false,
                        &mut report,
                        &mut *sink,
                    )?;
                }
            }
        }
    }
    Ok(report)
}

fn load_rules(path: &Path) -> Result<ValidateSettings> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{name}: cannot read: {e}"))?;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapped {
        validate: ValidateSettings,
    }
    // either the `validate:` section itself or a file that holds one
    serde_yaml::from_str::<Wrapped>(&text)
        .map(|w| w.validate)
        .or_else(|_| serde_yaml::from_str::<ValidateSettings>(&text))
        .map_err(|e| crate::archive::settings::yaml_error(&name, "invalid rules", e))
}

type Patterns = HashMap<(String, String), regex::Regex>;

fn compile_patterns(vs: &ValidateSettings) -> Result<Patterns> {
    let mut out = HashMap::default();
    for (table, fields) in &vs.fields {
        for (field, rule) in fields {
            if let Some(re) = &rule.regex {
                let re = regex::Regex::new(re)
                    .map_err(|e| anyhow!("fields.{table}.{field}.regex: {e}"))?;
                out.insert((table.clone(), field.clone()), re);
            }
        }
    }
    Ok(out)
}

/// Everything the row checks need; shared by the reading threads.
#[derive(Clone)]
struct Ctx {
    vs: Arc<ValidateSettings>,
    patterns: Arc<Patterns>,
    as_of: NaiveDate,
    no_mask: bool,
    aliases: Arc<crate::archive::settings::Aliases>,
    /// archive numbers are required (the archive; a file may be an export
    /// that import will number)
    ids_required: bool,
    /// the archive's files are checked for their canonical form
    /// (`not_canonical`, what `dangan fmt` rewrites); `Some(archive.bom)`
    canonical: Option<bool>,
}

/// `not_canonical` findings listed per file (all of them are counted).
const NOT_CANONICAL_SHOWN: u64 = 5;

/// Findings of one row, and what they need to know about it.
struct RowCheck<'r> {
    table: TableKind,
    line: u64,
    id: &'r str,
    out: &'r mut Vec<Finding>,
}

impl RowCheck<'_> {
    fn add(
        &mut self,
        ctx: &Ctx,
        field: &str,
        rule: &'static str,
        value: &str,
        message: impl Into<String>,
    ) {
        self.add_as(ctx, ctx.vs.severity(rule), field, rule, value, message);
    }

    fn add_as(
        &mut self,
        ctx: &Ctx,
        severity: Severity,
        field: &str,
        rule: &'static str,
        value: &str,
        message: impl Into<String>,
    ) {
        if !ctx.vs.is_on(rule) {
            return;
        }
        // a rule's severity setting wins over the severity a check suggests
        let severity = ctx.vs.severity.get(rule).copied().unwrap_or(severity);
        let value = if is_confidential(field) && !ctx.no_mask {
            mask(field, value)
        } else {
            value.to_string()
        };
        self.out.push(Finding {
            table: self.table.name(),
            row: self.line,
            id: self.id.to_string(),
            field: field.to_string(),
            rule,
            severity,
            value,
            message: message.into(),
        });
    }
}

/// Canonical columns a table may have: at most 32 (the fixed arrays of a
/// row check and of a part's counts).
const MAX_COLS: usize = 32;

/// What a worker makes of a chunk of rows: their findings, and what the
/// in-order pass needs of each row (keys for `unique` and `duplicate`).
struct Part {
    /// per canonical column: rows with a value
    filled: [u64; MAX_COLS],
    /// in row order
    findings: Vec<Finding>,
    /// per row: its line,
    lines: Vec<u64>,
    /// hashes of its id, credit_code, id_number, name + mobile (0: none),
    keys: Vec<[u64; 4]>,
    /// and where its id and the values behind `keys[1..]` (credit_code,
    /// id_number, mobile; for messages) end in `text`
    ends: Vec<[u32; 4]>,
    text: String,
    /// `not_canonical` cells past the first few of the part (counted only)
    not_canonical_more: u64,
}

impl Part {
    /// Sized for the rows of a chunk of [`crate::read::pipeline::CHUNK_BYTES`]
    /// (rows of 128 bytes; archive rows are about 200): vectors that double
    /// as they fill copy themselves into new memory each time.
    fn new() -> Part {
        const ROWS: usize = crate::read::pipeline::CHUNK_BYTES / 128;
        Part {
            filled: [0; MAX_COLS],
            findings: Vec::with_capacity(ROWS / 4),
            lines: Vec::with_capacity(ROWS),
            keys: Vec::with_capacity(ROWS),
            ends: Vec::with_capacity(ROWS),
            text: String::with_capacity(ROWS * 48),
            not_canonical_more: 0,
        }
    }

    /// Empty it for the next chunk, keeping its memory.
    fn clear(&mut self) {
        self.filled = [0; MAX_COLS];
        self.findings.clear();
        self.lines.clear();
        self.keys.clear();
        self.ends.clear();
        self.text.clear();
        self.not_canonical_more = 0;
    }

    /// Row `r`'s id (k = 0) or the value behind `keys[k]`.
    fn value(&self, r: usize, k: usize) -> &str {
        let start = match (r, k) {
            (0, 0) => 0,
            (r, 0) => self.ends[r - 1][3],
            (r, k) => self.ends[r][k - 1],
        };
        &self.text[start as usize..self.ends[r][k] as usize]
    }
}

/// The hash of `name_key(name) + mobile` without building the string.
fn name_mobile_hash(name: &str, mobile: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    for c in name
        .chars()
        .map(crate::values::text::halfwidth_char)
        .filter(|c| !c.is_whitespace())
    {
        let c = match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        };
        h.write_u32(c as u32);
    }
    h.write_u8(0x1f);
    h.write(mobile.as_bytes());
    h.finish() | 1
}

fn key_hash(k: &str) -> u64 {
    use std::hash::BuildHasher;
    // never 0, which means "no key"
    rustc_hash::FxBuildHasher.hash_one(k) | 1
}

/// A key's 64-bit hash in 8 bytes aligned to 4, so that a table entry (key,
/// row) takes 12 bytes, not 16: the tables of a million-row file are most of
/// the memory of a run.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key([u32; 2]);

impl Key {
    fn new(h: u64) -> Key {
        Key([h as u32, (h >> 32) as u32])
    }
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0[0]) | u64::from(self.0[1]) << 32)
    }
}

/// Where each canonical column is in the file.
struct Layout {
    table: TableKind,
    /// canonical column position → file column
    cols: Vec<Option<usize>>,
    /// canonical positions of the columns the checks read by name
    at: Named,
    /// extra required fields and per-field rules, with their file columns
    extra_required: Vec<(String, Option<usize>)>,
    /// field, file column, rule, its compiled regex
    field_rules: Vec<(
        String,
        Option<usize>,
        crate::check::rules::FieldRule,
        Option<regex::Regex>,
    )>,
    /// per canonical column: the allowed values a setting gives it
    enums: Vec<Option<Vec<String>>>,
}

/// Canonical positions of the columns the checks read by name (`None`: not
/// a column of the table).
struct Named {
    id: Option<usize>,
    name: Option<usize>,
    customer_id: Option<usize>,
    mobile: Option<usize>,
    id_number: Option<usize>,
    credit_code: Option<usize>,
    credit_limit: Option<usize>,
    created: Option<usize>,
    updated: Option<usize>,
    birthday: Option<usize>,
    date: Option<usize>,
    due_date: Option<usize>,
    amount: Option<usize>,
    paid: Option<usize>,
    unit_price: Option<usize>,
    quantity: Option<usize>,
}

impl Named {
    fn new(table: TableKind) -> Named {
        let pos = |name: &str| table.columns().iter().position(|c| c.name == name);
        Named {
            id: pos("id"),
            name: pos("name"),
            customer_id: pos("customer_id"),
            mobile: pos("mobile"),
            id_number: pos("id_number"),
            credit_code: pos("credit_code"),
            credit_limit: pos("credit_limit"),
            created: pos("created"),
            updated: pos("updated"),
            birthday: pos("birthday"),
            date: pos("date"),
            due_date: pos("due_date"),
            amount: pos("amount"),
            paid: pos("paid"),
            unit_price: pos("unit_price"),
            quantity: pos("quantity"),
        }
    }
}

/// Check one table; returns its set of ids (customers: for `unknown_customer`).
/// `want_ids`: collect the archive numbers (for checking transactions after).
fn check_table(
    ctx: &Ctx,
    table: TableKind,
    src: Source,
    customers: Option<Arc<HashSet<String>>>,
    want_ids: bool,
    report: &mut Report,
    sink: Sink,
) -> Result<HashSet<String>> {
    if table.columns().len() > MAX_COLS {
        bail!("{}: more than {MAX_COLS} columns to check", table.name());
    }
    let map = HeaderMap::new(
        table,
        &crate::archive::settings::aliases_for(&ctx.aliases, table),
    );
    let cols: Vec<Option<usize>> = table
        .columns()
        .iter()
        .map(|c| {
            src.headers
                .iter()
                .position(|h| map.lookup(h) == Some(c.name))
        })
        .collect();
    let file_col = |f: &str| -> Option<usize> {
        table
            .columns()
            .iter()
            .position(|c| c.name == f)
            .and_then(|p| cols[p])
            .or_else(|| src.headers.iter().position(|h| h == f))
    };
    let mut extra_required = Vec::new();
    for f in ctx
        .vs
        .required
        .get(table.name())
        .cloned()
        .unwrap_or_default()
    {
        if table.column(&f).is_none() && !src.headers.contains(&f) {
            bail!(
                "validation settings: required.{}: {f:?} is not a column of {}",
                table.name(),
                table.name()
            );
        }
        let i = file_col(&f);
        extra_required.push((f, i));
    }
    let field_rules = ctx
        .vs
        .fields
        .get(table.name())
        .map(|m| {
            m.iter()
                .map(|(f, r)| {
                    let re = ctx
                        .patterns
                        .get(&(table.name().to_string(), f.clone()))
                        .cloned();
                    (f.clone(), file_col(f), r.clone(), re)
                })
                .collect()
        })
        .unwrap_or_default();
    let enums = table
        .columns()
        .iter()
        .map(|c| {
            ctx.vs
                .enums
                .get(c.name)
                .or_else(|| ctx.vs.enums.get(&format!("{}.{}", table.name(), c.name)))
                .cloned()
        })
        .collect();
    let layout = Arc::new(Layout {
        table,
        cols,
        at: Named::new(table),
        extra_required,
        field_rules,
        enums,
    });
    let fold: crate::read::pipeline::FoldFn<Part> = {
        let (ctx, layout, customers) = (ctx.clone(), Arc::clone(&layout), customers.clone());
        Arc::new(move |part: &mut Part, row: &RawRow| {
            check_row(&ctx, &layout, row, customers.as_deref(), part)
        })
    };
    let name = src.name.clone();
    let size = src.size;
    let file_level = match ctx.canonical {
        Some(bom) => file_not_canonical(&src, bom),
        None => Vec::new(),
    };
    let mut keys = KeyPass::new(table);
    let mut rows = 0u64;
    let mut filled = [0u64; MAX_COLS];
    let mut id_set: HashSet<String> = HashSet::default();
    // per (rule, severity); ordered into the report's counts at the end
    let mut counts: HashMap<(&'static str, Severity), u64> = HashMap::default();
    let mut not_canonical_listed = 0u64;
    let mut emit = |f: Finding| -> Result<()> {
        *counts.entry((f.rule, f.severity)).or_default() += 1;
        if f.rule == "not_canonical" {
            not_canonical_listed += 1;
            if not_canonical_listed > NOT_CANONICAL_SHOWN {
                return Ok(());
            }
        }
        sink(f)
    };
    for why in file_level {
        if ctx.vs.is_on("not_canonical") {
            emit(Finding {
                table: table.name(),
                row: 1,
                id: String::new(),
                field: "*".into(),
                rule: "not_canonical",
                severity: ctx.vs.severity("not_canonical"),
                value: String::new(),
                message: format!("{why} (`dangan fmt` rewrites the file)"),
            })?;
        }
    }
    let mut not_canonical_more = 0u64;
    let mut parts = crate::read::pipeline::Parts::spawn(src, Arc::new(Part::new), fold);
    while let Some(part) = parts.next() {
        let mut part = part?;
        if rows == 0 {
            keys.reserve(&part, size, parts.bytes);
        }
        rows += part.lines.len() as u64;
        for (n, p) in filled.iter_mut().zip(part.filled) {
            *n += p;
        }
        let mut findings = std::mem::take(&mut part.findings);
        let mut found = findings.drain(..).peekable();
        let mut more = Vec::new();
        for (r, &line) in part.lines.iter().enumerate() {
            if r % KeyPass::AHEAD == 0 {
                keys.warm(&part, r..(r + KeyPass::AHEAD).min(part.lines.len()));
            }
            // the row's own findings, then those of its keys
            while let Some(f) = found.next_if(|f| f.row <= line) {
                emit(f)?;
            }
            keys.row(ctx, &part, r, &mut more)
                .map_err(|e| anyhow!("{name}: {e}"))?;
            for f in more.drain(..) {
                emit(f)?;
            }
            if want_ids && part.keys[r][0] != 0 {
                id_set.insert(part.value(r, 0).to_string());
            }
        }
        for f in found {
            emit(f)?;
        }
        not_canonical_more += part.not_canonical_more;
        part.findings = findings;
        part.clear();
        parts.recycle(part);
    }
    if not_canonical_more > 0 {
        *counts
            .entry(("not_canonical", ctx.vs.severity("not_canonical")))
            .or_default() += not_canonical_more;
    }
    for ((rule, severity), n) in counts {
        let pos = crate::check::rules::RULES
            .iter()
            .position(|r| *r == rule)
            .unwrap_or(usize::MAX);
        *report.counts.entry((pos, severity)).or_default() += n;
    }
    report.tables.push((table.name(), rows));
    if table == TableKind::Customers {
        for (p, c) in table.columns().iter().enumerate() {
            report.completeness.push(Completeness {
                table: table.name(),
                field: c.name.to_string(),
                filled: filled[p],
                rows,
            });
        }
    }
    Ok(id_set)
}

/// What keeps an archive file as a whole from its canonical form: its
/// encoding, a BOM the settings do not ask for (or the lack of one they
/// do), CRLF line ends. Read from the start of the file.
fn file_not_canonical(src: &Source, bom: bool) -> Vec<String> {
    let mut out = Vec::new();
    if src.format != crate::read::source::SourceFormat::Csv {
        return out;
    }
    if src.encoding != "UTF-8" {
        out.push(format!("the file is in {}, not UTF-8", src.encoding));
    }
    let mut head = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(&src.name)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    let has_bom = head.starts_with("\u{feff}".as_bytes());
    if src.encoding == "UTF-8" && has_bom != bom {
        out.push(if has_bom {
            "the file starts with a BOM (archive.bom is false)".to_string()
        } else {
            "the file has no BOM (archive.bom is true)".to_string()
        });
    }
    if memchr::memmem::find(head, b"\r\n").is_some() {
        out.push("the file's lines end in CRLF, not LF".to_string());
    }
    out
}

/// `unique` and `duplicate`, in file order on the main thread: the first row
/// with a key is its holder; every later row with it is a finding.
struct KeyPass {
    table: TableKind,
    /// key → index of the first row with it in `lines`/`id_ends`, for the
    /// id (k = 0) and the three duplicate keys, all in one table (see
    /// [`KeyPass::key`]): one table rounded up to a power of two wastes less
    /// than four, and its memory is most of what a run touches
    firsts: HashMap<Key, u32>,
    /// per row seen: its line, and where its id ends in `ids`
    lines: Vec<u64>,
    id_ends: Vec<u32>,
    ids: String,
}

impl KeyPass {
    fn new(table: TableKind) -> KeyPass {
        KeyPass {
            table,
            firsts: HashMap::default(),
            lines: Vec::new(),
            id_ends: Vec::new(),
            ids: String::new(),
        }
    }

    /// Size the tables for the whole input from its first part, so that they
    /// do not grow (and copy) as they fill: `size` of the input in bytes,
    /// `done` bytes read up to the end of the part.
    fn reserve(&mut self, part: &Part, size: Option<u64>, done: u64) {
        let rows = part.lines.len() as f64;
        let (Some(size), true) = (size, done > 0 && rows > 0.0) else {
            return;
        };
        let expect = (size as f64 / done as f64 * rows * 1.05) as usize;
        let expect = expect.min(1 << 26);
        self.lines.reserve(expect);
        self.id_ends.reserve(expect);
        let id_bytes: usize = (0..part.lines.len()).map(|r| part.value(r, 0).len()).sum();
        self.ids
            .reserve((expect as f64 / rows * id_bytes as f64) as usize);
        let kinds = self.kinds().len();
        let keys: usize = part
            .keys
            .iter()
            .map(|h| h[..kinds].iter().filter(|&&h| h != 0).count())
            .sum();
        self.firsts
            .reserve((expect as f64 * keys as f64 / rows) as usize);
    }

    /// The keys this table is checked on (by position in [`Part::keys`]).
    fn kinds(&self) -> &'static [usize] {
        match self.table {
            TableKind::Customers => &[0, 1, 2, 3],
            TableKind::Transactions => &[0],
            TableKind::Followups => &[],
        }
    }

    /// Key kind `k` with hash `h` in the shared table: the hash mixed with a
    /// constant per kind, so that an id and a mobile number never meet.
    fn key(k: usize, h: u64) -> Key {
        const SALT: [u64; 4] = [
            0,
            0x9e37_79b9_7f4a_7c15,
            0xc2b2_ae3d_27d4_eb4f,
            0x1656_67b1_9e37_79f9,
        ];
        Key::new(h ^ SALT[k])
    }

    /// Rows whose table entries [`KeyPass::warm`] looks up ahead.
    const AHEAD: usize = 128;

    /// Look up the keys of `rows` before they are checked one by one. The
    /// tables are tens of MiB and each lookup a cache miss; lookups that
    /// depend on nothing run side by side in the processor, while the
    /// check's lookup-then-insert waits for each in turn. The answers are
    /// thrown away: [`KeyPass::row`] asks again, now from the cache (and
    /// sees the keys rows before it added).
    fn warm(&self, part: &Part, rows: std::ops::Range<usize>) {
        let kinds = self.kinds();
        for keys in &part.keys[rows] {
            for &k in kinds {
                if keys[k] != 0 {
                    std::hint::black_box(self.firsts.get(&Self::key(k, keys[k])));
                }
            }
        }
    }

    /// The key findings of row `r` of `part` (added to `out`).
    fn row(&mut self, ctx: &Ctx, part: &Part, r: usize, out: &mut Vec<Finding>) -> Result<()> {
        let table = self.table;
        let keys = part.keys[r];
        let line = part.lines[r];
        let id = part.value(r, 0);
        let me = u32::try_from(self.lines.len()).map_err(|_| {
            anyhow!(
                "more than {} rows; validate checks at most that many",
                u32::MAX
            )
        })?;
        let mut rc = RowCheck {
            table,
            line,
            id,
            out,
        };
        let mut added = false;
        for &k in self.kinds() {
            if keys[k] == 0 {
                continue;
            }
            match self.firsts.entry(Self::key(k, keys[k])) {
                Entry::Occupied(e) => {
                    let first = *e.get() as usize;
                    let first_line = self.lines[first];
                    if k == 0 {
                        let what = if table == TableKind::Customers {
                            "archive number"
                        } else {
                            "transaction id"
                        };
                        let msg = format!("{what} {id} appears again (first on line {first_line})");
                        rc.add(ctx, "id", "unique", id, msg);
                        continue;
                    }
                    let start = first.checked_sub(1).map_or(0, |p| self.id_ends[p]);
                    let first_id = &self.ids[start as usize..self.id_ends[first] as usize];
                    let (field, shown_field) = [
                        ("credit_code", "credit_code"),
                        ("id_number", "id_number"),
                        ("name+mobile", "mobile"),
                    ][k - 1];
                    let msg = if first_id.is_empty() {
                        format!("same {field} as line {first_line}")
                    } else {
                        format!("same {field} as {first_id} (line {first_line})")
                    };
                    rc.add(ctx, shown_field, "duplicate", part.value(r, k), msg);
                }
                Entry::Vacant(e) => {
                    e.insert(me);
                    added = true;
                }
            }
        }
        if added {
            self.lines.push(line);
            self.ids.push_str(id);
            let end = u32::try_from(self.ids.len())
                .map_err(|_| anyhow!("more than 4 GiB of ids; validate checks at most that"))?;
            self.id_ends.push(end);
        }
        Ok(())
    }
}

fn format_rule(kind: ValueKind) -> Option<&'static str> {
    Some(match kind {
        ValueKind::Date => "date",
        ValueKind::Mobile => "mobile",
        ValueKind::Phone => "phone",
        ValueKind::Email => "email",
        ValueKind::IdNumber => "id_number",
        ValueKind::CreditCode => "credit_code",
        ValueKind::Enum(_) => "enum",
        ValueKind::Money | ValueKind::Quantity => "range",
        _ => return None,
    })
}

/// The credit ratings a row may have without a setting.
const DEFAULT_RATINGS: &[&str] = &["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"];

/// `str::trim`, with a quick way out for the usual value that starts and
/// ends with a printable ASCII character (every white space `trim` removes is
/// either ASCII or starts with a byte of 0x80 or more).
fn trim(v: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    if printable(v.as_bytes().first()) && printable(v.as_bytes().last()) {
        v
    } else {
        v.trim()
    }
}

/// `not_canonical`: cells of an archive file that are not in their canonical
/// form (`read::cells`: what `dangan fmt` would write). Cells that cannot be
/// read are left to the format rules. A part lists its first few; the rest
/// are counted in `more`.
fn not_canonical(ctx: &Ctx, layout: &Layout, row: &RawRow, rc: &mut RowCheck, more: &mut u64) {
    for (p, c) in layout.table.columns().iter().enumerate() {
        let Some(i) = layout.cols[p] else { continue };
        let raw = row.field(i);
        if raw.is_empty() {
            continue;
        }
        let (v, flags) = normalise_cow(c.kind, raw, false);
        if flags.problem.is_some() || !matches!(v, Cow::Owned(_)) {
            continue;
        }
        let listed = rc.out.iter().filter(|f| f.rule == "not_canonical").count() as u64;
        if listed >= NOT_CANONICAL_SHOWN {
            *more += 1;
            continue;
        }
        let shown = if is_confidential(c.name) && !ctx.no_mask {
            mask(c.name, &v)
        } else {
            v.to_string()
        };
        rc.add(
            ctx,
            c.name,
            "not_canonical",
            raw,
            format!("stored as {shown:?} in canonical form (`dangan fmt` rewrites it)"),
        );
    }
}

/// All checks of one row that need no other row; its findings and keys go to
/// `part`.
fn check_row(
    ctx: &Ctx,
    layout: &Layout,
    row: &RawRow,
    customers: Option<&HashSet<String>>,
    part: &mut Part,
) {
    let table = layout.table;
    let columns = table.columns();
    let named = &layout.at;
    let mut raws: [&str; MAX_COLS] = [""; MAX_COLS];
    for (p, c) in layout.cols.iter().enumerate() {
        if let Some(i) = c {
            let v = trim(row.field(*i));
            if !v.is_empty() {
                raws[p] = v;
                part.filled[p] += 1;
            }
        }
    }
    let at = |p: Option<usize>| p.map_or("", |p| raws[p]);
    let id = if table == TableKind::Followups {
        ""
    } else {
        at(named.id)
    };
    let mut rc = RowCheck {
        table,
        line: row.line(),
        id,
        out: &mut part.findings,
    };
    if ctx.canonical.is_some() {
        not_canonical(ctx, layout, row, &mut rc, &mut part.not_canonical_more);
    }
    // formats: a value import could not read, and values outside their set
    let mut values: [Cow<str>; MAX_COLS] = std::array::from_fn(|_| Cow::Borrowed(""));
    let mut dates: [Option<NaiveDate>; MAX_COLS] = [None; MAX_COLS];
    for (p, c) in columns.iter().enumerate() {
        let raw = raws[p];
        if raw.is_empty() {
            continue;
        }
        // free text and codes have no format rule: nothing to normalise
        if matches!(
            c.kind,
            ValueKind::Text
                | ValueKind::LongText
                | ValueKind::Code
                | ValueKind::Region
                | ValueKind::Tags
        ) {
            values[p] = Cow::Borrowed(raw);
            continue;
        }
        // an ISO date (the usual) is read once, here
        let iso = (c.kind == ValueKind::Date)
            .then(|| crate::values::dates::parse_iso(raw))
            .flatten();
        let (v, flags) = match iso {
            Some(d) => {
                dates[p] = Some(d);
                (Cow::Borrowed(raw), Default::default())
            }
            None => normalise_cow(c.kind, raw, false),
        };
        if let Some(problem) = flags.problem
            && let Some(rule) = format_rule(c.kind)
        {
            rc.add(ctx, c.name, rule, raw, problem);
            continue;
        }
        if let Some(set) = &layout.enums[p] {
            if !set.iter().any(|s| *s == *v) {
                rc.add(
                    ctx,
                    c.name,
                    "enum",
                    raw,
                    format!("not one of {}", set.join(", ")),
                );
            }
        } else if c.kind == ValueKind::Rating && !DEFAULT_RATINGS.contains(&v.as_ref()) {
            rc.add(
                ctx,
                c.name,
                "enum",
                raw,
                format!("not one of {}", DEFAULT_RATINGS.join(", ")),
            );
        }
        values[p] = v;
    }
    let val = |p: Option<usize>| p.map_or("", |p| values[p].as_ref());
    let date = |p: Option<usize>| {
        p.and_then(|p| dates[p])
            .or_else(|| crate::values::dates::parse_date(val(p)))
    };
    let fen = |p: Option<usize>| crate::values::money::cell_fen(val(p)).ok().flatten();

    let required: &[(&str, Option<usize>)] = match table {
        TableKind::Customers => &[("id", named.id), ("name", named.name)],
        TableKind::Transactions => &[
            ("id", named.id),
            ("customer_id", named.customer_id),
            ("date", named.date),
            ("amount", named.amount),
        ],
        TableKind::Followups => &[("customer_id", named.customer_id), ("date", named.date)],
    };
    for (f, p) in required {
        if *f == "id" && table == TableKind::Customers && !ctx.ids_required {
            continue;
        }
        if at(*p).is_empty() {
            rc.add(ctx, f, "required", "", "required value missing");
        }
    }
    for (f, i) in &layout.extra_required {
        if i.is_none_or(|i| row.field(i).trim().is_empty()) {
            rc.add(ctx, f, "required", "", "required value missing");
        }
    }
    for (f, i, r, re) in &layout.field_rules {
        let v = i.map_or("", |i| row.field(i).trim());
        if v.is_empty() {
            continue;
        }
        if let Some(re) = re
            && !re.is_match(v)
        {
            rc.add(
                ctx,
                f,
                "pattern",
                v,
                format!("does not match {}", re.as_str()),
            );
        }
        if r.min.is_some() || r.max.is_some() {
            match v.replace(',', "").parse::<f64>() {
                Ok(x) if r.min.is_some_and(|m| x < m) => rc.add(
                    ctx,
                    f,
                    "range",
                    v,
                    format!("below the minimum {}", r.min.unwrap_or_default()),
                ),
                Ok(x) if r.max.is_some_and(|m| x > m) => rc.add(
                    ctx,
                    f,
                    "range",
                    v,
                    format!("above the maximum {}", r.max.unwrap_or_default()),
                ),
                Ok(_) => {}
                Err(_) => rc.add(ctx, f, "range", v, "not a number"),
            }
        }
    }
    let mut keys = [0u64; 4];
    let mut key_values: [&str; 3] = [""; 3];
    if !id.is_empty() {
        keys[0] = key_hash(id);
    }
    match table {
        TableKind::Customers => {
            let birth = match val(named.id_number) {
                "" => None,
                v => match check_id_number(v, ctx.as_of) {
                    Ok(b) => Some(b),
                    Err((sev, msg)) => {
                        rc.add_as(ctx, sev, "id_number", "id_number", at(named.id_number), msg);
                        None
                    }
                },
            };
            if !val(named.credit_code).is_empty()
                && let Err(msg) = check_credit_code(val(named.credit_code))
            {
                rc.add(
                    ctx,
                    "credit_code",
                    "credit_code",
                    at(named.credit_code),
                    msg,
                );
            }
            if let Some(limit) = fen(named.credit_limit)
                && limit < 0
            {
                rc.add(
                    ctx,
                    "credit_limit",
                    "range",
                    at(named.credit_limit),
                    "credit limit below 0",
                );
            }
            let (created, updated) = (date(named.created), date(named.updated));
            if let (Some(c), Some(u)) = (created, updated)
                && c > u
            {
                rc.add(
                    ctx,
                    "updated",
                    "date_order",
                    at(named.updated),
                    format!("updated before created ({})", crate::values::dates::iso(c)),
                );
            }
            for (f, p, d) in [
                ("created", named.created, created),
                ("updated", named.updated, updated),
            ] {
                if let Some(d) = d
                    && d > ctx.as_of
                {
                    rc.add(
                        ctx,
                        f,
                        "date_order",
                        at(p),
                        format!(
                            "after the as-of date {}",
                            crate::values::dates::iso(ctx.as_of)
                        ),
                    );
                }
            }
            if let (Some(b), Some(bd)) = (birth, date(named.birthday))
                && b != bd
            {
                rc.add(
                    ctx,
                    "birthday",
                    "birthday_mismatch",
                    at(named.birthday),
                    // the birth date is the part of an ID number masking hides
                    if ctx.no_mask {
                        format!("the ID number says {}", crate::values::dates::iso(b))
                    } else {
                        "differs from the birth date in the ID number".to_string()
                    },
                );
            }
            if let Some(last) = updated.or(created) {
                let age = (ctx.as_of - last).num_days();
                if age > ctx.vs.stale_days {
                    let field = if updated.is_some() {
                        "updated"
                    } else {
                        "created"
                    };
                    rc.add(
                        ctx,
                        field,
                        "stale",
                        &crate::values::dates::iso(last),
                        format!(
                            "not revised for {age} days (due every {} days)",
                            ctx.vs.stale_days
                        ),
                    );
                }
            }
            for (k, p) in [named.credit_code, named.id_number].into_iter().enumerate() {
                if !val(p).is_empty() {
                    keys[k + 1] = key_hash(val(p));
                    key_values[k] = at(p);
                }
            }
            if !val(named.name).is_empty() && !val(named.mobile).is_empty() {
                keys[3] = name_mobile_hash(val(named.name), val(named.mobile));
                key_values[2] = at(named.mobile);
            }
        }
        TableKind::Transactions | TableKind::Followups => {
            let cust = at(named.customer_id);
            if let Some(ids) = customers
                && !cust.is_empty()
                && !ids.contains(cust)
            {
                rc.add(
                    ctx,
                    "customer_id",
                    "unknown_customer",
                    cust,
                    "no customer with this archive number",
                );
            }
            if table == TableKind::Transactions {
                let d = date(named.date);
                if let Some(d) = d
                    && d > ctx.as_of
                {
                    rc.add(
                        ctx,
                        "date",
                        "future_date",
                        at(named.date),
                        format!(
                            "after the as-of date {}",
                            crate::values::dates::iso(ctx.as_of)
                        ),
                    );
                }
                if let (Some(d), Some(due)) = (d, date(named.due_date))
                    && due < d
                {
                    rc.add(
                        ctx,
                        "due_date",
                        "due_before_date",
                        at(named.due_date),
                        format!(
                            "due before the transaction date {}",
                            crate::values::dates::iso(d)
                        ),
                    );
                }
                let amount = fen(named.amount);
                if let (Some(a), Some(p)) = (amount, fen(named.paid))
                    && p > a
                {
                    rc.add(
                        ctx,
                        "paid",
                        "paid_exceeds_amount",
                        at(named.paid),
                        format!(
                            "paid more than the amount {}",
                            crate::values::money::format_yuan(a)
                        ),
                    );
                }
                if let (Some(a), Some(price), Ok(q)) = (
                    amount,
                    fen(named.unit_price),
                    val(named.quantity).parse::<f64>(),
                ) {
                    let expected = (q * price as f64).round() as i64;
                    if (expected - a).abs() > 1 {
                        rc.add(
                            ctx,
                            "amount",
                            "amount_mismatch",
                            at(named.amount),
                            format!(
                                "quantity × unit price is {}",
                                crate::values::money::format_yuan(expected)
                            ),
                        );
                    }
                }
            }
        }
    }
    part.lines.push(row.line());
    part.keys.push(keys);
    let mut ends = [0u32; 4];
    part.text.push_str(id);
    ends[0] = part.text.len() as u32;
    for (k, v) in key_values.iter().enumerate() {
        part.text.push_str(v);
        ends[k + 1] = part.text.len() as u32;
    }
    part.ends.push(ends);
}

fn finding_labels() -> Vec<Label> {
    vec![
        Label::new("table", "表", "table"),
        Label::new("row", "行", "row"),
        Label::new("id", "编号", "id"),
        Label::new("field", "字段", "field"),
        Label::new("rule", "规则", "rule"),
        Label::new("severity", "级别", "severity"),
        Label::new("value", "值", "value"),
        Label::new("message", "说明", "message"),
    ]
}

fn finding_cells(f: &Finding) -> Vec<Cell> {
    vec![
        Cell::Text(f.table.into()),
        Cell::Int(f.row as i64),
        Cell::Text(f.id.clone()),
        Cell::Text(f.field.clone()),
        Cell::Text(f.rule.into()),
        Cell::Text(f.severity.name().into()),
        Cell::Text(f.value.clone()),
        Cell::Text(f.message.clone()),
    ]
}

/// Completeness as a percentage with one decimal, e.g. `95.0`.
fn percent(filled: u64, rows: u64) -> String {
    if rows == 0 {
        return "0.0".into();
    }
    let tenths = (filled * 1000 + rows / 2) / rows;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Check and print: CSV and JSON are written as the findings are found (into
/// memory, then to `w` once the check has succeeded: a run that fails on
/// unusable input prints its error and no partial list); the other formats
/// collect the findings first (see [`print`]).
pub fn run_and_print(
    archive_dir: &Path,
    opts: &ValidateOptions,
    w: &mut dyn std::io::Write,
    out: Out,
) -> Result<Report> {
    let Some(mut listing) = Listing::new(out.format)? else {
        let report = run(archive_dir, opts)?;
        print(w, out, &report)?;
        return Ok(report);
    };
    let report = run_with(archive_dir, opts, &mut |f| listing.add(&f))?;
    listing.finish(w, out, &report)?;
    Ok(report)
}

/// The findings as a CSV list, or the JSON document around them, written one
/// finding at a time (the same bytes `write_rows` and serde_json's pretty
/// printer make of the whole list).
enum Listing {
    /// the writer, and a buffer for the row number
    Csv(Box<csv::Writer<Blocks>>, String),
    /// the text so far, and whether a finding is in it
    Json(Blocks, bool),
}

impl Listing {
    /// `None` for the formats that lay out the whole report at once.
    fn new(format: Format) -> Result<Option<Listing>> {
        Ok(match format {
            Format::Csv => {
                let mut c = csv::Writer::from_writer(Blocks::default());
                c.write_record(finding_labels().iter().map(|l| l.key.as_str()))?;
                Some(Listing::Csv(Box::new(c), String::new()))
            }
            Format::Json => {
                let mut buf = Blocks::default();
                buf.extend_from_slice(b"{\n  \"findings\": [");
                Some(Listing::Json(buf, false))
            }
            _ => None,
        })
    }

    fn add(&mut self, f: &Finding) -> Result<()> {
        match self {
            Listing::Csv(c, row) => {
                use std::fmt::Write;
                row.clear();
                write!(row, "{}", f.row)?;
                // as `Cell::render_csv`: text guarded against formulas, the row a number
                let cells = [
                    neutralise_formula(f.table),
                    Cow::Borrowed(row.as_str()),
                    neutralise_formula(&f.id),
                    neutralise_formula(&f.field),
                    neutralise_formula(f.rule),
                    neutralise_formula(f.severity.name()),
                    neutralise_formula(&f.value),
                    neutralise_formula(&f.message),
                ];
                c.write_record(cells.iter().map(|v| v.as_bytes()))?;
            }
            Listing::Json(buf, any) => {
                buf.extend_from_slice(if *any { b",\n" } else { b"\n" });
                *any = true;
                let obj = serde_json::json!({
                    "table": f.table,
                    "row": f.row,
                    "id": f.id,
                    "field": f.field,
                    "rule": f.rule,
                    "severity": f.severity.name(),
                    "value": f.value,
                    "message": f.message,
                });
                indented(buf, &obj, "    ")?;
            }
        }
        Ok(())
    }

    /// Close the list (JSON: and add `summary`, `completeness`, `rows`), and
    /// write it all to `w`.
    fn finish(self, w: &mut dyn std::io::Write, out: Out, report: &Report) -> Result<()> {
        let buf = match self {
            Listing::Csv(c, _) => (*c).into_inner().map_err(|e| anyhow!("{}", e.error()))?,
            Listing::Json(mut buf, any) => {
                buf.extend_from_slice(if any { b"\n  ]" } else { b"]" });
                let rest = [
                    (
                        "summary",
                        json_rows(out, &summary_labels(), &summary_cells(report))?,
                    ),
                    (
                        "completeness",
                        json_rows(out, &completeness_labels(), &completeness_cells(report))?,
                    ),
                    ("rows", rows_json(report)),
                ];
                for (k, v) in rest {
                    buf.extend_from_slice(format!(",\n  \"{k}\": ").as_bytes());
                    let mut inner = Vec::new();
                    indented(&mut inner, &v, "  ")?;
                    // the value starts after the key, not on a line of its own
                    buf.extend_from_slice(&inner[2..]);
                }
                buf.extend_from_slice(b"\n}\n");
                buf
            }
        };
        buf.write_to(w)?;
        Ok(())
    }
}

/// Output held in memory until the check has succeeded, in blocks of 1 MiB:
/// one buffer would copy itself into new memory each time it doubled.
#[derive(Default)]
struct Blocks {
    full: Vec<Vec<u8>>,
    cur: Vec<u8>,
}

impl Blocks {
    const SIZE: usize = 1 << 20;

    fn extend_from_slice(&mut self, b: &[u8]) {
        if self.cur.len() + b.len() > Self::SIZE && !self.cur.is_empty() {
            let full = std::mem::replace(&mut self.cur, Vec::with_capacity(Self::SIZE));
            self.full.push(full);
        }
        self.cur.extend_from_slice(b);
    }

    fn write_to(self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        for b in self.full.iter().chain([&self.cur]) {
            w.write_all(b)?;
        }
        Ok(())
    }
}

impl std::io::Write for Blocks {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `value` pretty-printed as serde_json does, each line after `indent`.
fn indented(buf: &mut dyn std::io::Write, value: &serde_json::Value, indent: &str) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    // JSON strings hold no raw line breaks: every line is the printer's
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            buf.write_all(b"\n")?;
        }
        buf.write_all(indent.as_bytes())?;
        buf.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn summary_labels() -> [Label; 3] {
    [
        Label::new("rule", "规则", "rule"),
        Label::new("severity", "级别", "severity"),
        Label::new("count", "条数", "count"),
    ]
}

fn summary_cells(report: &Report) -> Vec<Vec<Cell>> {
    report
        .summary()
        .into_iter()
        .map(|(r, s, n)| {
            vec![
                Cell::Text(r.into()),
                Cell::Text(s.name().into()),
                Cell::Int(n as i64),
            ]
        })
        .collect()
}

fn completeness_labels() -> [Label; 5] {
    [
        Label::new("table", "表", "table"),
        Label::new("field", "字段", "field"),
        Label::new("filled", "已填", "filled"),
        Label::new("rows", "行数", "rows"),
        Label::new("percent", "完整度%", "percent"),
    ]
}

fn completeness_cells(report: &Report) -> Vec<Vec<Cell>> {
    report
        .completeness
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.table.into()),
                Cell::Text(c.field.clone()),
                Cell::Int(c.filled as i64),
                Cell::Int(c.rows as i64),
                Cell::Text(percent(c.filled, c.rows)),
            ]
        })
        .collect()
}

/// Rows as a JSON array of objects, as `write_rows` prints them.
fn json_rows(out: Out, labels: &[Label], rows: &[Vec<Cell>]) -> Result<serde_json::Value> {
    let mut buf = Vec::new();
    write_rows(
        &mut buf,
        Out {
            format: Format::Json,
            ..out
        },
        labels,
        rows,
    )?;
    Ok(serde_json::from_slice(&buf)?)
}

fn rows_json(report: &Report) -> serde_json::Value {
    serde_json::Value::Object(
        report
            .tables
            .iter()
            .map(|(t, n)| (t.to_string(), serde_json::Value::from(*n)))
            .collect(),
    )
}

/// Print a report: CSV is the findings alone; JSON and YAML one object with
/// `findings`, `summary`, `completeness` and `rows`; tables and Markdown all
/// three, with headings.
pub fn print(w: &mut dyn std::io::Write, out: Out, report: &Report) -> Result<()> {
    if let Some(mut listing) = Listing::new(out.format)? {
        for f in &report.findings {
            listing.add(f)?;
        }
        return listing.finish(w, out, report);
    }
    let findings: Vec<Vec<Cell>> = report.findings.iter().map(finding_cells).collect();
    let summary_labels = summary_labels();
    let summary = summary_cells(report);
    let comp_labels = completeness_labels();
    let comp = completeness_cells(report);
    match out.format {
        Format::Yaml => {
            let mut obj = serde_json::Map::new();
            obj.insert(
                "findings".into(),
                json_rows(out, &finding_labels(), &findings)?,
            );
            obj.insert("summary".into(), json_rows(out, &summary_labels, &summary)?);
            obj.insert("completeness".into(), json_rows(out, &comp_labels, &comp)?);
            obj.insert("rows".into(), rows_json(report));
            serde_yaml::to_writer(&mut *w, &serde_json::Value::Object(obj))?;
            Ok(())
        }
        // written by `Listing`
        Format::Csv | Format::Json => Ok(()),
        Format::Table | Format::Markdown | Format::Text | Format::Html => {
            let heading = |w: &mut dyn std::io::Write, zh: &str, en: &str| -> Result<()> {
                let t = out.lang.pick(zh, en);
                if out.format == Format::Markdown {
                    writeln!(w, "\n## {t}\n")?
                } else {
                    writeln!(w, "\n{t}")?
                }
                Ok(())
            };
            let checked: Vec<String> = report
                .tables
                .iter()
                .map(|(t, n)| format!("{t} {n}"))
                .collect();
            heading(w, "检查结果", "Findings")?;
            writeln!(
                w,
                "{}",
                out.lang.pick("已检查：", "checked: ").to_string() + &checked.join(", ")
            )?;
            if findings.is_empty() {
                writeln!(w, "{}", out.lang.pick("没有发现问题。", "No findings."))?;
            } else {
                write_rows(w, out, &finding_labels(), &findings)?;
                heading(w, "按规则汇总", "By rule")?;
                write_rows(w, out, &summary_labels, &summary)?;
            }
            if !comp.is_empty() {
                heading(w, "客户资料完整度", "Customer field completeness")?;
                write_rows(w, out, &comp_labels, &comp)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::output::Lang;

    /// A collected report printed later gives the same bytes as the findings
    /// written while they are found.
    #[test]
    fn print_and_run_and_print_agree() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/validate");
        let opts = ValidateOptions {
            file: None,
            table: None,
            read: ReadOptions::default(),
            rules: None,
            as_of: NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            no_mask: false,
        };
        for format in [Format::Csv, Format::Json] {
            let out = Out {
                format,
                lang: Lang::En,
            };
            let (mut streamed, mut printed) = (Vec::new(), Vec::new());
            let report = run_and_print(&dir, &opts, &mut streamed, out).unwrap();
            assert!(report.findings.is_empty(), "streamed, not kept");
            let report = run(&dir, &opts).unwrap();
            // 29 of the content, and the `not_canonical` date 2024/3/12 of T10
            assert_eq!(report.findings.len(), 30);
            print(&mut printed, out, &report).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(printed).unwrap()
            );
        }
    }
}
