//! Customers: merged in memory under an index of their identity keys
//! (`archive::keys`), numbered, and written back in the archive's order.

use super::*;
use crate::archive::keys::{Key as IdentityKey, hash32 as key_hash};
use crate::archive::settings::{OnDuplicate, Settings};
use crate::archive::{Cells, Record, Table};
use anyhow::{Result, bail};
use rustc_hash::FxHashMap as HashMap;

/// Identity keys of customers: archive number, credit code, ID number,
/// normalised name + mobile. Each key is stored as a 32-bit hash pointing at a
/// row, checked against the row on every hit; the rare key whose hash is
/// already taken by another key goes to an exact overflow map. A key a merge
/// replaced no longer matches its row, since the check reads the row as it is.
#[derive(Default)]
pub(super) struct CustIndex {
    pub(super) maps: [HashMap<u32, u32>; 4],
    pub(super) overflow: [HashMap<String, u32>; 4],
}

pub(super) struct KeyCols {
    pub(super) id: usize,
    pub(super) credit: usize,
    pub(super) idno: usize,
    pub(super) name: usize,
    pub(super) mobile: usize,
}

impl KeyCols {
    pub(super) fn of(t: &Table) -> KeyCols {
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
pub(super) fn row_keys<R: Cells + ?Sized>(kc: &KeyCols, row: &R) -> [Option<String>; 4] {
    let get = |i: usize| Some(row.cell(i)).filter(|v| !v.is_empty());
    [
        get(kc.id).map(str::to_string),
        get(kc.credit).map(str::to_string),
        get(kc.idno).map(str::to_string),
        crate::archive::keys::name_mobile(row.cell(kc.name), row.cell(kc.mobile)),
    ]
}

impl CustIndex {
    pub(super) fn with_capacity(n: usize) -> CustIndex {
        let mut ix = CustIndex::default();
        for m in ix.maps.iter_mut() {
            m.reserve(n);
        }
        ix
    }

    /// Does row `idx` still have key `k` equal to `key`?
    pub(super) fn row_has(kc: &KeyCols, rows: &[Record], idx: u32, k: usize, key: &str) -> bool {
        row_keys(kc, &rows[idx as usize])[k].as_deref() == Some(key)
    }

    pub(super) fn insert(
        &mut self,
        kc: &KeyCols,
        rows: &[Record],
        keys: &[Option<String>; 4],
        idx: usize,
    ) {
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
    pub(super) fn find(
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

/// Merge one customer file into `table` under the identity index.
///
/// About 190 lines: one pass over the normalised rows in which each row is
/// matched, merged or added, numbered, and its note and rejection recorded;
/// the steps share the row, its keys and the index.
pub(super) fn import_customers(
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
    // for `changes.csv`: the line that created each new row, and per (row,
    // column) changed by a merge, its value before the first merge and the
    // line of the last one
    let mut created_at: Vec<String> = Vec::new();
    let mut field_log: HashMap<(u32, u32), (String, String)> = HashMap::default();
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
                created_at.push(format!("{}:{}", input.name, n.line));
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
            let merged = crate::archive::keys::merge_record(&table.rows[target], &n.values);
            let changed = merged.is_some();
            if let Some(mut rec) = merged {
                if n.values.get(c_updated).is_empty() {
                    rec = rec.with(c_updated, &today);
                }
                let before = &table.rows[target];
                for c in 0..rec.len().max(before.len()) {
                    if rec.get(c) != before.get(c) {
                        let src = format!("{}:{}", input.name, n.line);
                        field_log
                            .entry((target as u32, c as u32))
                            .and_modify(|e| e.1 = src.clone())
                            .or_insert_with(|| (before.get(c).to_string(), src));
                    }
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
        bail!(crate::tr!(
            "on_duplicate_error",
            n = n,
            rows = dup_errors.join("\n  ")
        ));
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
            for c in 0..row.len().max(original.len()) {
                let (old, new) = (original.get(c), row.get(c));
                if c == c_updated || old == new {
                    continue;
                }
                let src = field_log
                    .get(&(i as u32, c as u32))
                    .map(|e| e.1.as_str())
                    .unwrap_or_default();
                ctx.log_field(TableKind::Customers, &id, &table.columns[c], old, new, src)?;
            }
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
    for (k, r) in table.rows[archived..].iter().enumerate() {
        let id = r.get(c_id);
        ctx.log_created(TableKind::Customers, id, &created_at[k])?;
        // what later rows of this import merged into the new record
        let i = (archived + k) as u32;
        for c in 0..r.len() {
            if c == c_updated {
                continue;
            }
            if let Some((old, src)) = field_log.get(&(i, c as u32))
                && old != r.get(c)
            {
                ctx.log_field(
                    TableKind::Customers,
                    id,
                    &table.columns[c],
                    old,
                    r.get(c),
                    src,
                )?;
            }
        }
        ctx.change(|| format!("add customers {} {}", r.get(c_id), r.get(c_name)));
    }
    // 查重 at entry: a new customer that looks like one the archive has
    if archived > 0 {
        let owner = table.col("owner");
        let get = |i: usize, c: Option<usize>| c.map_or("", |c| table.rows[i].get(c));
        for (new, old, v) in crate::dedupe::look_alikes(table, archived, crate::dedupe::MIN_SCORE) {
            let msg = format!(
                "{}: the new customer {} {} looks like {} {} (owner {}): {} (score {}); see `dangan dedupe`",
                created_at.get(new - archived).map_or("", String::as_str),
                get(new, Some(c_id)),
                get(new, Some(c_name)),
                get(old, Some(c_id)),
                get(old, Some(c_name)),
                match get(old, owner) {
                    "" => "none",
                    o => o,
                },
                v.reasons(),
                v.score
            );
            ctx.warn(msg);
        }
    }
    Ok(changed_any)
}
