//! Transactions and follow-ups: each row's customer resolved (by archive
//! number, credit code, ID number or name), merged by id with what the
//! archive holds, streamed through a spill file so memory grows only with
//! the id sets.

use super::*;
use crate::archive::commit::Staged;
use crate::archive::schema::TableKind;
use crate::archive::settings::StoreFormat;
use crate::archive::{Archive, Cells, Record, Table, TableWriter};
use crate::values::text::{fnv1a, neutralise_formula};
use anyhow::Result;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::io::{BufWriter, Write};
use std::sync::Arc;

/// Finds the archive number of the customer a transaction or follow-up names.
#[derive(Default)]
pub(super) struct Resolver {
    pub(super) enabled: bool,
    pub(super) ids: HashSet<String>,
    pub(super) by_credit: HashMap<String, String>,
    pub(super) by_idno: HashMap<String, String>,
}

impl Resolver {
    pub(super) fn from_table(t: &Table) -> Resolver {
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

    pub(super) fn add(&mut self, id: &str, credit: &str, idno: &str) {
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
    pub(super) fn fill(&self, n: &mut Normalised, c_cust: usize, c_credit: usize, c_idno: usize) {
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
    pub(super) fn resolve(
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

pub(super) fn column_index(columns: &[String], name: &str) -> usize {
    columns.iter().position(|c| c == name).unwrap_or(usize::MAX)
}

/// Writes a whole table to a sink, counting what it changed.
pub(super) type WriteBody<'a> = Box<dyn FnMut(&mut dyn Write, &mut Ctx) -> Result<()> + 'a>;

/// A hash of a row's values up to its last non-empty one (so a row padded with
/// empty extra columns hashes as before).
pub(super) fn row_hash<'a>(values: impl Iterator<Item = &'a str>) -> u64 {
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
pub(super) fn merge_into(row: &mut Vec<String>, update: &Record) -> bool {
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

/// Stream one transactions file into the spill file of new and updated rows.
///
/// About 270 lines: the archive's rows are indexed by id, the file's rows
/// resolved to a customer, derived ids made, and each row added, merged or
/// rejected, in one streaming pass whose state (ids seen, the spill writer,
/// the counts) every step touches.
pub(super) fn import_transactions(
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
        Target::Stdout | Target::Xlsx(_) => (None, false),
    };
    // pass B: new rows go to a spill file (a candidate final file: header first)
    let mut spill = match (&target_path, opts.dry_run) {
        (Some(p), false) => Staged::new(p)?,
        _ => Staged::new(&std::env::temp_dir().join("dangan-spill"))?,
    };
    let mut new_ids: HashSet<Box<str>> = HashSet::default();
    // id → the rows that update it, each with its `file:line`
    let mut updates: HashMap<Box<str>, Vec<(Record, String)>> = HashMap::default();
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
                let src = format!("{}:{}", input.name, n.line);
                if archived.contains_key(id) || new_ids.contains(id) {
                    updates.entry(id.into()).or_default().push((t, src));
                    continue;
                }
                new_ids.insert(id.into());
                ctx.log_created(kind, id, &src)?;
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
    let columns_for_log = columns.clone();
    let mut apply = |row: &mut Vec<String>, ctx: &mut Ctx| -> Result<()> {
        if let Some(ups) = updates.remove(row.cell(c_id)) {
            let original = row.clone();
            // the line that last changed each column
            let mut last: Vec<Option<&str>> = vec![None; width];
            let mut flags = Vec::with_capacity(ups.len());
            for (u, src) in &ups {
                let before = row.clone();
                flags.push(merge_into(row, u));
                for (c, slot) in last.iter_mut().enumerate() {
                    if before.get(c) != row.get(c) {
                        *slot = Some(src);
                    }
                }
            }
            if *row != original {
                let id = row.cell(c_id).to_string();
                for (c, src) in last.iter().enumerate() {
                    let (old, new) = (original.cell(c), row.cell(c));
                    if old != new {
                        ctx.log_field(
                            kind,
                            &id,
                            &columns_for_log[c],
                            old,
                            new,
                            src.unwrap_or_default(),
                        )?;
                    }
                }
            }
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
        Ok(())
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
                apply(&mut row, ctx)?;
                tw.write(row.iter().map(String::as_str))?;
            }
        }
        let mut sr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(spill.path())?;
        let mut rec = csv::StringRecord::new();
        while sr.read_record(&mut rec)? {
            let mut row: Vec<String> = rec.iter().map(str::to_string).collect();
            apply(&mut row, ctx)?;
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
        (Target::Xlsx(path), dry) => {
            // at most a sheet of rows: the cleaned CSV in memory, then the workbook
            let mut csv_bytes = Vec::new();
            body(&mut csv_bytes, ctx)?;
            drop(body);
            if dry {
                return Ok(None);
            }
            let mut rd = csv::Reader::from_reader(csv_bytes.as_slice());
            let mut table = Table::empty(kind);
            table.columns = rd.headers()?.iter().map(str::to_string).collect();
            for r in rd.records() {
                table.rows.push(Record::new(&r?.iter().collect::<Vec<_>>()));
            }
            Ok(Some(xlsx_staged(path, kind, opts, &table)?))
        }
    }
}

pub(super) fn import_followups(
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
            // the cells the commands compute from must read (`read::cells::is_strict`)
            for (col, why) in &n.problems {
                if ["date", "next_date", "satisfaction"].contains(&col.as_str()) {
                    n.reasons.push(format!("{col}: {why}"));
                }
            }
            if n.values[c_date].is_empty() {
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
            // a follow-up has no number of its own: it is logged under its customer
            ctx.log_created(kind, &cust, &format!("{}:{}", input.name, n.line))?;
            ctx.change(|| format!("add followups {cust} {date}"));
            table.rows.push(r);
        }
        stream.finish(&mut ctx.summary)?;
    }
    if added == 0 && opts.output.is_none() {
        return Ok(None);
    }
    stage_table(archive, kind, opts, &table)
}
