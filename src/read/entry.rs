//! A customer file read as `import` would take it in, without touching the
//! archive: its headers mapped (with the archive's aliases), each value
//! normalised (`values::normalize`), in the archive's column layout. For the
//! checks made at entry (`dedupe FILE`: is this export's customer already
//! ours?).

use crate::archive::schema::{HeaderMap, TableKind};
use crate::archive::{Archive, Record, Table};
use crate::read::source::{ReadOptions, Source, SourceFormat};
use anyhow::Result;

/// A file's rows in the archive's customer columns, and the line of each.
pub struct Entry {
    pub table: Table,
    pub lines: Vec<u64>,
    /// the file's name, as messages give it
    pub name: String,
}

/// Read `path` as customers into the layout of `columns` (columns the file
/// has beyond them are left out).
pub fn read_customers(
    archive: &Archive,
    path: &str,
    opts: &ReadOptions,
    columns: &[String],
) -> Result<Entry> {
    let mut src = Source::open(path, opts)?;
    let user = crate::archive::settings::aliases_for(
        &archive.settings.import.aliases,
        TableKind::Customers,
    );
    let map = HeaderMap::new(TableKind::Customers, &user);
    let from_xlsx = src.format == SourceFormat::Workbook;
    // for each field of the file: its column in the layout and its kind
    let slots: Vec<Option<(usize, Option<crate::archive::schema::ValueKind>)>> = src
        .headers
        .iter()
        .map(|h| {
            let c = map.lookup(h)?;
            let at = columns.iter().position(|x| x == c)?;
            Some((at, TableKind::Customers.column(c).map(|k| k.kind)))
        })
        .collect();
    let mut table = Table {
        kind: TableKind::Customers,
        columns: columns.to_vec(),
        rows: Vec::new(),
    };
    let mut lines = Vec::new();
    while let Some(row) = src.next_row()? {
        let mut cells = vec![String::new(); columns.len()];
        for (j, v) in row.values.iter().enumerate() {
            let Some(Some((at, kind))) = slots.get(j) else {
                continue;
            };
            cells[*at] = match kind {
                Some(k) => crate::values::normalize::normalise_cow(*k, v, from_xlsx)
                    .0
                    .into_owned(),
                None => v.trim().to_string(),
            };
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        table.rows.push(Record::new(&cells));
        lines.push(row.line);
    }
    Ok(Entry {
        table,
        lines,
        name: src.name,
    })
}
