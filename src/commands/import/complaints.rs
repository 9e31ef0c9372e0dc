//! Complaints (投诉记录): each row's customer resolved as for transactions,
//! merged by `id` with what the archive holds (a complaint logged on
//! Monday gets its response and resolution in a later export), held in
//! memory (a complaints log is small next to the transactions).
//!
//! A row is rejected when its date, severity, response or resolution time
//! or satisfaction cannot be read (the commands compute from them), or when
//! it names no known customer. A row without a number gets a stable one
//! from its content (`K` and 12 hex digits), so a re-run of the same file
//! recognises its rows.

use super::*;
use crate::archive::commit::Staged;
use crate::archive::schema::TableKind;
use crate::archive::{Archive, Record, Table};
use crate::values::text::fnv1a;
use anyhow::Result;
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// The columns a row is rejected for when they cannot be read.
const STRICT: &[&str] = &["date", "severity", "responded", "resolved", "satisfaction"];

pub(super) fn import_complaints(
    archive: &Archive,
    inputs: Vec<Input>,
    resolver: &Arc<Resolver>,
    opts: &ImportOptions,
    ctx: &mut Ctx,
    progress: &Progress,
) -> Result<Option<Staged>> {
    let kind = TableKind::Complaints;
    let mut table = if opts.output.is_some() {
        Table::empty(kind)
    } else {
        archive.read_table(kind)?
    };
    let c = |t: &Table, n: &str| column_index(&t.columns, n);
    let c_id = c(&table, "id");
    let mut by_id: HashMap<String, usize> = table
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| (row.get(c_id).to_string(), r))
        .collect();
    let mut changed = false;
    for Input { meta: input, src } in inputs {
        let slots: Vec<usize> = input.targets.iter().map(|t| table.ensure_col(t)).collect();
        let (c_cust, c_date, c_credit, c_idno, c_desc) = (
            c(&table, "customer_id"),
            c(&table, "date"),
            c(&table, "credit_code"),
            c(&table, "id_number"),
            c(&table, "description"),
        );
        let mut stream =
            RowStream::spawn(src, input.clone(), slots.clone(), table.columns.len(), None);
        while let Some(n) = stream.next() {
            let mut n = n?;
            stream.tick(ctx, progress, "complaints", 0)?;
            for (col, why) in &n.problems {
                if STRICT.contains(&col.as_str()) {
                    let v = input
                        .targets
                        .iter()
                        .position(|t| t == col)
                        .map_or("", |j| n.values.get(slots[j]));
                    n.reasons.push(format!("{col}: {v:?} {why}"));
                }
            }
            if n.values.get(c_date).is_empty() {
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
            let mut r = n.values;
            if r.get(c_id).is_empty() {
                let h = fnv1a(&[r.get(c_cust), r.get(c_date), r.get(c_desc)]);
                r = r.with(c_id, &format!("K{:012X}", h >> 16));
            }
            let id = r.get(c_id).to_string();
            let source = format!("{}:{}", input.name, n.line);
            match by_id.get(&id) {
                None => {
                    ctx.summary.added += 1;
                    ctx.log_created(kind, &id, &source)?;
                    ctx.change(|| format!("add complaints {id}"));
                    by_id.insert(id, table.rows.len());
                    table.rows.push(r);
                    changed = true;
                }
                Some(&at) => {
                    let mut row = table.rows[at].to_vec();
                    let before = row.clone();
                    if !merge_into(&mut row, &r) {
                        ctx.summary.unchanged += 1;
                        continue;
                    }
                    for (i, (old, new)) in before.iter().zip(&row).enumerate() {
                        if old != new {
                            let field = table.columns[i].clone();
                            ctx.log_field(kind, &id, &field, old, new, &source)?;
                        }
                    }
                    // a column the archived row lacked
                    for (i, new) in row.iter().enumerate().skip(before.len()) {
                        if !new.is_empty() {
                            let field = table.columns[i].clone();
                            ctx.log_field(kind, &id, &field, "", new, &source)?;
                        }
                    }
                    ctx.summary.updated += 1;
                    ctx.change(|| format!("update complaints {id}"));
                    table.rows[at] = Record::new(&row);
                    changed = true;
                }
            }
        }
        stream.finish(&mut ctx.summary)?;
    }
    if !changed && opts.output.is_none() {
        return Ok(None);
    }
    stage_table(archive, kind, opts, &table)
}
