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
use crate::input::{RawRow, ReadOptions, Source};
use crate::normalize::normalise_cow;
use crate::output::{Cell, Format, Label, Out, write_rows};
use crate::rules::{Severity, ValidateSettings, check_credit_code, check_id_number};
use crate::schema::{HeaderMap, TableKind, ValueKind};
use crate::text::{is_confidential, mask};
use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
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

pub struct Report {
    pub findings: Vec<Finding>,
    /// (table, rows checked)
    pub tables: Vec<(&'static str, u64)>,
    pub completeness: Vec<Completeness>,
}

impl Report {
    /// Findings per (rule, severity), in the order of [`crate::rules::RULES`].
    pub fn summary(&self) -> Vec<(&'static str, Severity, u64)> {
        let mut counts: std::collections::BTreeMap<(usize, Severity), u64> = Default::default();
        for f in &self.findings {
            let pos = crate::rules::RULES
                .iter()
                .position(|r| *r == f.rule)
                .unwrap_or(usize::MAX);
            *counts.entry((pos, f.severity)).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((pos, sev), n)| (crate::rules::RULES.get(pos).copied().unwrap_or("?"), sev, n))
            .collect()
    }

    /// Is there a finding at or above `level`?
    pub fn fails(&self, level: Option<Severity>) -> bool {
        level.is_some_and(|l| self.findings.iter().any(|f| f.severity >= l))
    }
}

pub fn run(archive_dir: &Path, opts: &ValidateOptions) -> Result<Report> {
    let settings = match &opts.file {
        // a file alone is checked with the settings of the archive directory when it has them
        Some(_) if !archive_dir.join("dangan.yaml").exists() => {
            crate::settings::Settings::default()
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
    };
    let mut report = Report {
        findings: Vec::new(),
        tables: Vec::new(),
        completeness: Vec::new(),
    };
    match &opts.file {
        Some(file) => {
            let src = Source::open(file, &opts.read)?;
            let table = match opts.table {
                Some(t) => t,
                None => crate::schema::detect_table(&src.headers, &|t| settings.aliases(t))
                    .ok_or_else(|| {
                        anyhow!(
                            "{}: cannot tell which table the headers belong to; give --table",
                            src.name
                        )
                    })?,
            };
            check_table(&ctx, table, src, None, false, &mut report)?;
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
            )?);
            for t in [TableKind::Transactions, TableKind::Followups] {
                if let Some((path, _)) = archive.table_file(t)? {
                    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0 {
                        continue;
                    }
                    let src = Source::open(&path.display().to_string(), &ReadOptions::default())?;
                    check_table(&ctx, t, src, Some(Arc::clone(&ids)), false, &mut report)?;
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
        .map_err(|e| crate::settings::yaml_error(&name, "invalid rules", e))
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
    aliases: Arc<crate::settings::Aliases>,
    /// archive numbers are required (the archive; a file may be an export
    /// that import will number)
    ids_required: bool,
}

/// Findings of one row, and what they need to know about it.
struct RowCheck<'r> {
    table: TableKind,
    line: u64,
    id: &'r str,
    out: Vec<Finding>,
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

/// What a reading thread makes of one row: its findings, and what the
/// in-order pass needs (keys for `unique` and `duplicate`, filled columns).
struct RowOut {
    line: u64,
    /// the row's id, then the values behind `keys[1..]` (credit_code,
    /// id_number, mobile; for messages), in one allocation: these rows are
    /// made on the workers and dropped on the main thread, a million a file
    text: String,
    /// where each of the three key values ends in `text` (the id ends at `ends[0]`)
    ends: [u32; 4],
    findings: Vec<Finding>,
    /// hashes of: id, credit_code, id_number, name + mobile (0: none)
    keys: [u64; 4],
    /// bit p set: canonical column p is filled
    filled: u32,
}

impl RowOut {
    fn id(&self) -> &str {
        &self.text[..self.ends[0] as usize]
    }

    /// The value behind `keys[k + 1]`.
    fn key_value(&self, k: usize) -> &str {
        &self.text[self.ends[k] as usize..self.ends[k + 1] as usize]
    }
}

/// The hash of `name_key(name) + mobile` without building the string.
fn name_mobile_hash(name: &str, mobile: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    for c in name
        .chars()
        .map(crate::text::halfwidth_char)
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

/// Where each canonical column is in the file.
struct Layout {
    table: TableKind,
    /// canonical column position → file column
    cols: Vec<Option<usize>>,
    /// extra required fields and per-field rules, with their file columns
    extra_required: Vec<(String, Option<usize>)>,
    /// field, file column, rule, its compiled regex
    field_rules: Vec<(
        String,
        Option<usize>,
        crate::rules::FieldRule,
        Option<regex::Regex>,
    )>,
    /// per canonical column: the allowed values a setting gives it
    enums: Vec<Option<Vec<String>>>,
}

impl Layout {
    fn pos(&self, name: &str) -> Option<usize> {
        self.table.columns().iter().position(|c| c.name == name)
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
) -> Result<HashSet<String>> {
    let map = HeaderMap::new(table, &crate::settings::aliases_for(&ctx.aliases, table));
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
        extra_required,
        field_rules,
        enums,
    });
    let f: crate::pipeline::RowFn<RowOut> = {
        let (ctx, layout, customers) = (ctx.clone(), Arc::clone(&layout), customers.clone());
        Arc::new(move |row: &RawRow| check_row(&ctx, &layout, row, customers.as_deref()))
    };
    let mut rows = 0u64;
    let mut filled = vec![0u64; layout.cols.len()];
    // in file order: archive numbers seen (hash → line), and the first holder
    // of each duplicate key (hash → line, id)
    let mut ids: HashMap<u64, u64> = HashMap::default();
    let mut id_set: HashSet<String> = HashSet::default();
    // customers: (line, id) of every row, and per duplicate key the first row
    // (line, end of its id in `seen_ids`)
    let mut seen_rows: Vec<(u64, usize)> = Vec::new();
    let mut seen_ids = String::new();
    let mut dup: [HashMap<u64, u32>; 3] = Default::default();
    // sized for the file (about 200 bytes a row) so the tables do not regrow
    let expect = src.size.map_or(0, |b| (b / 200) as usize).min(1 << 24);
    ids.reserve(expect);
    if table == TableKind::Customers {
        seen_rows.reserve(expect);
        for d in &mut dup {
            d.reserve(expect);
        }
    }
    for out in crate::pipeline::Rows::spawn(src, f) {
        let mut out = out?;
        rows += 1;
        for (p, n) in filled.iter_mut().enumerate() {
            *n += u64::from(out.filled >> p & 1);
        }
        let findings = std::mem::take(&mut out.findings);
        let mut rc = RowCheck {
            table,
            line: out.line,
            id: out.id(),
            out: findings,
        };
        if out.keys[0] != 0 && table != TableKind::Followups {
            match ids.get(&out.keys[0]) {
                Some(first) => {
                    let what = if table == TableKind::Customers {
                        "archive number"
                    } else {
                        "transaction id"
                    };
                    let msg = format!("{what} {} appears again (first on line {first})", out.id());
                    rc.add(ctx, "id", "unique", out.id(), msg);
                }
                None => {
                    ids.insert(out.keys[0], out.line);
                }
            }
            if table == TableKind::Customers && want_ids {
                id_set.insert(out.id().to_string());
            }
        }
        if table == TableKind::Customers && out.keys[1..].iter().any(|k| *k != 0) {
            seen_ids.push_str(out.id());
            seen_rows.push((out.line, seen_ids.len()));
        }
        for (k, (field, shown_field)) in [
            ("credit_code", "credit_code"),
            ("id_number", "id_number"),
            ("name+mobile", "mobile"),
        ]
        .into_iter()
        .enumerate()
        {
            let h = out.keys[k + 1];
            if h == 0 || table != TableKind::Customers {
                continue;
            }
            match dup[k].get(&h) {
                Some(&first) => {
                    let first = first as usize;
                    let (first_line, end) = seen_rows[first];
                    let start = first.checked_sub(1).map_or(0, |p| seen_rows[p].1);
                    let first_id = &seen_ids[start..end];
                    let msg = if first_id.is_empty() {
                        format!("same {field} as line {first_line}")
                    } else {
                        format!("same {field} as {first_id} (line {first_line})")
                    };
                    rc.add(ctx, shown_field, "duplicate", out.key_value(k), msg);
                }
                None => {
                    dup[k].insert(h, (seen_rows.len() - 1) as u32);
                }
            }
        }
        report.findings.extend(rc.out);
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

const DEFAULT_RATINGS: &[&str] = &["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"];

/// All checks of one row that need no other row.
fn check_row(
    ctx: &Ctx,
    layout: &Layout,
    row: &RawRow,
    customers: Option<&HashSet<String>>,
) -> RowOut {
    use std::borrow::Cow;
    let table = layout.table;
    let columns = table.columns();
    let raws: Vec<&str> = layout
        .cols
        .iter()
        .map(|c| c.map_or("", |i| row.field(i).trim()))
        .collect();
    let mut filled = 0u32;
    for (p, r) in raws.iter().enumerate() {
        if !r.is_empty() {
            filled |= 1 << p;
        }
    }
    let at = |name: &str| layout.pos(name).map_or("", |p| raws[p]);
    let id = if table == TableKind::Followups {
        ""
    } else {
        at("id")
    };
    let mut rc = RowCheck {
        table,
        line: row.line(),
        id,
        out: Vec::new(),
    };
    // formats: a value import could not read, and values outside their set
    let mut values: Vec<Cow<str>> = Vec::with_capacity(columns.len());
    for (p, (c, raw)) in columns.iter().zip(&raws).enumerate() {
        if raw.is_empty() {
            values.push(Cow::Borrowed(""));
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
            values.push(Cow::Borrowed(raw));
            continue;
        }
        let (v, flags) = normalise_cow(c.kind, raw, false);
        if let Some(problem) = flags.problem
            && let Some(rule) = format_rule(c.kind)
        {
            rc.add(ctx, c.name, rule, raw, problem);
            values.push(Cow::Borrowed(""));
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
        values.push(v);
    }
    let val = |name: &str| layout.pos(name).map_or("", |p| values[p].as_ref());
    let date = |name: &str| crate::dates::parse_date(val(name));
    let fen = |name: &str| crate::money::cell_fen(val(name)).ok().flatten();

    let required: &[&str] = match table {
        TableKind::Customers => &["id", "name"],
        TableKind::Transactions => &["id", "customer_id", "date", "amount"],
        TableKind::Followups => &["customer_id", "date"],
    };
    for f in required {
        if *f == "id" && table == TableKind::Customers && !ctx.ids_required {
            continue;
        }
        if at(f).is_empty() {
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
            let birth = match val("id_number") {
                "" => None,
                v => match check_id_number(v, ctx.as_of) {
                    Ok(b) => Some(b),
                    Err((sev, msg)) => {
                        rc.add_as(ctx, sev, "id_number", "id_number", at("id_number"), msg);
                        None
                    }
                },
            };
            if !val("credit_code").is_empty()
                && let Err(msg) = check_credit_code(val("credit_code"))
            {
                rc.add(ctx, "credit_code", "credit_code", at("credit_code"), msg);
            }
            if let Some(limit) = fen("credit_limit")
                && limit < 0
            {
                rc.add(
                    ctx,
                    "credit_limit",
                    "range",
                    at("credit_limit"),
                    "credit limit below 0",
                );
            }
            let (created, updated) = (date("created"), date("updated"));
            if let (Some(c), Some(u)) = (created, updated)
                && c > u
            {
                rc.add(
                    ctx,
                    "updated",
                    "date_order",
                    at("updated"),
                    format!("updated before created ({})", crate::dates::iso(c)),
                );
            }
            for (f, d) in [("created", created), ("updated", updated)] {
                if let Some(d) = d
                    && d > ctx.as_of
                {
                    rc.add(
                        ctx,
                        f,
                        "date_order",
                        at(f),
                        format!("after the as-of date {}", crate::dates::iso(ctx.as_of)),
                    );
                }
            }
            if let (Some(b), Some(bd)) = (birth, date("birthday"))
                && b != bd
            {
                rc.add(
                    ctx,
                    "birthday",
                    "birthday_mismatch",
                    at("birthday"),
                    // the birth date is the part of an ID number masking hides
                    if ctx.no_mask {
                        format!("the ID number says {}", crate::dates::iso(b))
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
                        &crate::dates::iso(last),
                        format!(
                            "not revised for {age} days (due every {} days)",
                            ctx.vs.stale_days
                        ),
                    );
                }
            }
            for (k, f) in ["credit_code", "id_number"].into_iter().enumerate() {
                if !val(f).is_empty() {
                    keys[k + 1] = key_hash(val(f));
                    key_values[k] = at(f);
                }
            }
            if !val("name").is_empty() && !val("mobile").is_empty() {
                keys[3] = name_mobile_hash(val("name"), val("mobile"));
                key_values[2] = at("mobile");
            }
        }
        TableKind::Transactions | TableKind::Followups => {
            let cust = at("customer_id");
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
                let d = date("date");
                if let Some(d) = d
                    && d > ctx.as_of
                {
                    rc.add(
                        ctx,
                        "date",
                        "future_date",
                        at("date"),
                        format!("after the as-of date {}", crate::dates::iso(ctx.as_of)),
                    );
                }
                if let (Some(d), Some(due)) = (d, date("due_date"))
                    && due < d
                {
                    rc.add(
                        ctx,
                        "due_date",
                        "due_before_date",
                        at("due_date"),
                        format!("due before the transaction date {}", crate::dates::iso(d)),
                    );
                }
                let amount = fen("amount");
                if let (Some(a), Some(p)) = (amount, fen("paid"))
                    && p > a
                {
                    rc.add(
                        ctx,
                        "paid",
                        "paid_exceeds_amount",
                        at("paid"),
                        format!("paid more than the amount {}", crate::money::format_yuan(a)),
                    );
                }
                if let (Some(a), Some(price), Ok(q)) =
                    (amount, fen("unit_price"), val("quantity").parse::<f64>())
                {
                    let expected = (q * price as f64).round() as i64;
                    if (expected - a).abs() > 1 {
                        rc.add(
                            ctx,
                            "amount",
                            "amount_mismatch",
                            at("amount"),
                            format!(
                                "quantity × unit price is {}",
                                crate::money::format_yuan(expected)
                            ),
                        );
                    }
                }
            }
        }
    }
    let findings = rc.out;
    let mut text =
        String::with_capacity(id.len() + key_values.iter().map(|v| v.len()).sum::<usize>());
    text.push_str(id);
    let mut ends = [0u32; 4];
    ends[0] = text.len() as u32;
    for (k, v) in key_values.iter().enumerate() {
        text.push_str(v);
        ends[k + 1] = text.len() as u32;
    }
    RowOut {
        line: row.line(),
        text,
        ends,
        findings,
        keys,
        filled,
    }
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

/// Print a report: CSV is the findings alone; JSON and YAML one object with
/// `findings`, `summary`, `completeness` and `rows`; tables and Markdown all
/// three, with headings.
pub fn print(w: &mut dyn std::io::Write, out: Out, report: &Report) -> Result<()> {
    let findings: Vec<Vec<Cell>> = report.findings.iter().map(finding_cells).collect();
    let summary_labels = [
        Label::new("rule", "规则", "rule"),
        Label::new("severity", "级别", "severity"),
        Label::new("count", "条数", "count"),
    ];
    let summary: Vec<Vec<Cell>> = report
        .summary()
        .into_iter()
        .map(|(r, s, n)| {
            vec![
                Cell::Text(r.into()),
                Cell::Text(s.name().into()),
                Cell::Int(n as i64),
            ]
        })
        .collect();
    let comp_labels = [
        Label::new("table", "表", "table"),
        Label::new("field", "字段", "field"),
        Label::new("filled", "已填", "filled"),
        Label::new("rows", "行数", "rows"),
        Label::new("percent", "完整度%", "percent"),
    ];
    let comp: Vec<Vec<Cell>> = report
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
        .collect();
    match out.format {
        Format::Csv => write_rows(w, out, &finding_labels(), &findings),
        Format::Json | Format::Yaml => {
            let objects = |labels: &[Label], rows: &[Vec<Cell>]| -> Result<serde_json::Value> {
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
            };
            let mut obj = serde_json::Map::new();
            obj.insert("findings".into(), objects(&finding_labels(), &findings)?);
            obj.insert("summary".into(), objects(&summary_labels, &summary)?);
            obj.insert("completeness".into(), objects(&comp_labels, &comp)?);
            let rows: serde_json::Map<String, serde_json::Value> = report
                .tables
                .iter()
                .map(|(t, n)| (t.to_string(), serde_json::Value::from(*n)))
                .collect();
            obj.insert("rows".into(), serde_json::Value::Object(rows));
            let value = serde_json::Value::Object(obj);
            if out.format == Format::Json {
                serde_json::to_writer_pretty(&mut *w, &value)?;
                writeln!(w)?;
            } else {
                serde_yaml::to_writer(&mut *w, &value)?;
            }
            Ok(())
        }
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
