//! The validation engine (`dangan validate`, and the health section of the
//! report): one streaming pass per table that checks every row on worker
//! threads (`row`), then `unique` and `duplicate` in file order on the main
//! thread (`KeyPass`), handing each finding to a sink as it is found.
//! Memory grows only with the key sets of `unique` and `duplicate`.
//!
//! A value passes its format rule when import could read it (`2024/3/5` is a
//! date, `+86 138 0013 8000` a mobile): validate reports what is wrong, not
//! what is merely written another way (that is `not_canonical`, a warning).
//! Then the checks of meaning run on the value as import would store it:
//! check digits, birth dates, date order.

use super::row::*;
use crate::archive::Archive;
use crate::archive::schema::{HeaderMap, TableKind};
use crate::check::rules::{Rule, Severity, ValidateSettings};
use crate::read::source::{RawRow, ReadOptions, Source};
use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
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
    /// archive mode, `--owner`/`--where`: only the findings of these
    /// customers (and of their transactions and follow-ups) count
    pub only: Option<HashSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub table: &'static str,
    pub row: u64,
    pub id: String,
    /// the customer the row belongs to (its id, or a row's `customer_id`
    /// as written); empty for a file-level finding
    pub customer: String,
    pub field: String,
    pub rule: Rule,
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

/// Findings per (rule, severity), in the order of [`Rule::ALL`].
pub(crate) type Counts = std::collections::BTreeMap<(Rule, Severity), u64>;

pub struct Report {
    /// every finding, in file order ([`run`]); empty when they went to a
    /// sink as they were found ([`run_with`])
    pub findings: Vec<Finding>,
    /// (table, rows checked)
    pub tables: Vec<(&'static str, u64)>,
    pub completeness: Vec<Completeness>,
    pub(crate) counts: Counts,
}

impl Report {
    /// Findings per (rule, severity), in the order of [`Rule::ALL`].
    pub fn summary(&self) -> Vec<(Rule, Severity, u64)> {
        self.counts
            .iter()
            .map(|(&(rule, sev), &n)| (rule, sev, n))
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
    pub fn of_rule(&self, rule: Rule) -> u64 {
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
        only: opts
            .only
            .clone()
            .filter(|_| opts.file.is_none())
            .map(Arc::new),
        complaints: Arc::new(settings.complaints.clone()),
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
                        .ok_or_else(|| anyhow!(crate::tr!("which_table_short", file = src.name)))?
                }
            };
            check_table(&ctx, table, src, None, false, &mut report, sink)?;
        }
        None => {
            let archive = Archive::open(archive_dir)?;
            let Some((path, _)) = archive.table_file(TableKind::Customers)? else {
                bail!(crate::tr!(
                    "archive_no_customers",
                    dir = archive_dir.display()
                ));
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
            for t in [
                TableKind::Transactions,
                TableKind::Followups,
                TableKind::Complaints,
            ] {
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

pub(crate) fn load_rules(path: &Path) -> Result<ValidateSettings> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!(crate::tr!("cannot_read_why", file = name, why = e)))?;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapped {
        validate: ValidateSettings,
    }
    // either the `validate:` section itself or a file that holds one
    serde_yaml::from_str::<Wrapped>(&text)
        .map(|w| w.validate)
        .or_else(|_| serde_yaml::from_str::<ValidateSettings>(&text))
        .map_err(|e| crate::read::yaml::yaml_error(&name, "invalid rules", e))
}

pub(crate) type Patterns = HashMap<(String, String), regex::Regex>;

pub(crate) fn compile_patterns(vs: &ValidateSettings) -> Result<Patterns> {
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
pub(crate) struct Ctx {
    pub(crate) vs: Arc<ValidateSettings>,
    pub(crate) patterns: Arc<Patterns>,
    pub(crate) as_of: NaiveDate,
    pub(crate) no_mask: bool,
    pub(crate) aliases: Arc<crate::archive::settings::Aliases>,
    /// archive numbers are required (the archive; a file may be an export
    /// that import will number)
    pub(crate) ids_required: bool,
    /// the archive's files are checked for their canonical form
    /// (`not_canonical`, what `dangan fmt` rewrites); `Some(archive.bom)`
    pub(crate) canonical: Option<bool>,
    /// `ValidateOptions::only`
    pub(crate) only: Option<Arc<HashSet<String>>>,
    /// response limits and open days (`response_late`, `open_complaint`)
    pub(crate) complaints: Arc<crate::analytics::complaints::ComplaintSettings>,
}

/// `not_canonical` findings listed per file (all of them are counted).
pub(crate) const NOT_CANONICAL_SHOWN: u64 = 5;

/// Check one table; returns its set of ids (customers: for `unknown_customer`).
/// `want_ids`: collect the archive numbers (for checking transactions after).
///
/// About 190 lines: the layout of the table (which file column is which
/// canonical one, the settings per field) is built here and captured by the
/// workers' closure, and the in-order loop over the parts uses it; the two
/// halves share a dozen locals.
pub(crate) fn check_table(
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
            bail!(crate::tr!(
                "required_unknown_column",
                table = table.name(),
                column = format!("{f:?}")
            ));
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
    let mut counts: HashMap<(Rule, Severity), u64> = HashMap::default();
    let mut not_canonical_listed = 0u64;
    let mut emit = |f: Finding| -> Result<()> {
        if let Some(only) = &ctx.only
            && !only.contains(f.customer.trim())
        {
            return Ok(());
        }
        *counts.entry((f.rule, f.severity)).or_default() += 1;
        if f.rule == Rule::NotCanonical {
            not_canonical_listed += 1;
            if not_canonical_listed > NOT_CANONICAL_SHOWN {
                return Ok(());
            }
        }
        sink(f)
    };
    for why in file_level {
        if ctx.vs.is_on(Rule::NotCanonical) {
            emit(Finding {
                table: table.name(),
                row: 1,
                id: String::new(),
                customer: String::new(),
                field: "*".into(),
                rule: Rule::NotCanonical,
                severity: ctx.vs.severity(Rule::NotCanonical),
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
            .entry((Rule::NotCanonical, ctx.vs.severity(Rule::NotCanonical)))
            .or_default() += not_canonical_more;
    }
    for (key, n) in counts {
        *report.counts.entry(key).or_default() += n;
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
pub(crate) fn file_not_canonical(src: &Source, bom: bool) -> Vec<String> {
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
pub(crate) struct KeyPass {
    pub(crate) table: TableKind,
    /// key → index of the first row with it in `lines`/`id_ends`, for the
    /// id (k = 0) and the three duplicate keys, all in one table (see
    /// [`KeyPass::key`]): one table rounded up to a power of two wastes less
    /// than four, and its memory is most of what a run touches
    pub(crate) firsts: HashMap<Key, u32>,
    /// per row seen: its line, and where its id ends in `ids`
    pub(crate) lines: Vec<u64>,
    pub(crate) id_ends: Vec<u32>,
    pub(crate) ids: String,
}

impl KeyPass {
    pub(crate) fn new(table: TableKind) -> KeyPass {
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
    pub(crate) fn reserve(&mut self, part: &Part, size: Option<u64>, done: u64) {
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
    pub(crate) fn kinds(&self) -> &'static [usize] {
        match self.table {
            TableKind::Customers => &[0, 1, 2, 3],
            TableKind::Transactions | TableKind::Complaints => &[0],
            TableKind::Followups => &[],
        }
    }

    /// Key kind `k` with hash `h` in the shared table: the hash mixed with a
    /// constant per kind, so that an id and a mobile number never meet.
    pub(crate) fn key(k: usize, h: u64) -> Key {
        const SALT: [u64; 4] = [
            0,
            0x9e37_79b9_7f4a_7c15,
            0xc2b2_ae3d_27d4_eb4f,
            0x1656_67b1_9e37_79f9,
        ];
        Key::new(h ^ SALT[k])
    }

    /// Rows whose table entries [`KeyPass::warm`] looks up ahead.
    pub(crate) const AHEAD: usize = 128;

    /// Look up the keys of `rows` before they are checked one by one. The
    /// tables are tens of MiB and each lookup a cache miss; lookups that
    /// depend on nothing run side by side in the processor, while the
    /// check's lookup-then-insert waits for each in turn. The answers are
    /// thrown away: [`KeyPass::row`] asks again, now from the cache (and
    /// sees the keys rows before it added).
    pub(crate) fn warm(&self, part: &Part, rows: std::ops::Range<usize>) {
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
    pub(crate) fn row(
        &mut self,
        ctx: &Ctx,
        part: &Part,
        r: usize,
        out: &mut Vec<Finding>,
    ) -> Result<()> {
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
            customer: if table == TableKind::Customers {
                id
            } else {
                ""
            },
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
                        rc.add(ctx, "id", Rule::Unique, id, msg);
                        continue;
                    }
                    let start = first.checked_sub(1).map_or(0, |p| self.id_ends[p]);
                    let first_id = &self.ids[start as usize..self.id_ends[first] as usize];
                    // k: the key's place in `archive::keys::Key::ALL`
                    let key = crate::archive::keys::Key::ALL[k];
                    let (field, shown_field) = (key.name(), key.column());
                    let msg = if first_id.is_empty() {
                        format!("same {field} as line {first_line}")
                    } else {
                        format!("same {field} as {first_id} (line {first_line})")
                    };
                    rc.add(ctx, shown_field, Rule::Duplicate, part.value(r, k), msg);
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
