//! The rows of one input file, normalised on worker threads: the file
//! opened and its headers mapped (`open_input`), each row's values turned
//! canonical (`normalise_row`) with what was changed, rounded or kept as it
//! was, and the progress bar.

use super::*;
use crate::archive::Record;
use crate::archive::commit::{self};
use crate::archive::schema::{HeaderMap, TableKind, ValueKind};
use crate::read::source::{RawRow, Row, Source};
use crate::values::text::{is_confidential, mask};
use anyhow::{Result, anyhow, bail};
use std::path::Path;
use std::sync::Arc;

pub(super) fn open_input(
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
                anyhow!(crate::tr!(
                    "which_table",
                    file = src.name,
                    headers = src
                        .headers
                        .iter()
                        .map(|h| crate::values::text::mask_lookalike(h))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
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
            bail!(crate::tr!(
                "two_headers_one_column",
                file = src.name,
                line = src.header_line,
                a = format!("{:?}", src.headers[j]),
                b = format!("{h:?}"),
                column = t
            ));
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
pub(super) fn value_kind(table: TableKind, col: &str) -> Option<ValueKind> {
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
pub(super) struct Normalised {
    pub(super) line: u64,
    /// the values in the table's layout, in one compact record
    pub(super) values: Record,
    /// (column, why) of values that could not be normalised and were kept
    pub(super) problems: Vec<(String, String)>,
    /// (source column, value as read) of the values normalisation changed
    pub(super) originals: Vec<(usize, String)>,
    /// why the row cannot be imported (filled by the table's check)
    pub(super) reasons: Vec<String>,
}

impl Normalised {
    /// The row as it was read, for the rejects file.
    pub(super) fn raw(&self, slots: &[usize]) -> Row {
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
pub(super) struct Counts {
    pub(super) normalised: u64,
    pub(super) rounded: u64,
}

/// Normalise one incoming row into the table layout. Values that cannot be
/// normalised are kept as they were and reported. Values already in canonical
/// form are copied once, straight from the reader's buffer into the record.
pub(super) fn normalise_row(
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
pub(super) struct RowStream {
    pub(super) rows: crate::read::pipeline::Rows<(Normalised, Counts)>,
    pub(super) counts: Counts,
    /// rows returned so far
    pub(super) read: u64,
    pub(super) name: String,
    pub(super) header_line: u64,
}

/// A table's own per-row work that needs no shared state (checks, lookups in
/// read-only maps), done on the reading threads too.
pub(super) type Check = Arc<dyn Fn(&mut Normalised) + Send + Sync>;

impl RowStream {
    pub(super) fn spawn(
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
    pub(super) fn tick(
        &mut self,
        ctx: &mut Ctx,
        progress: &Progress,
        label: &str,
        done: u64,
    ) -> Result<()> {
        self.read += 1;
        ctx.summary.read += 1;
        if ctx.summary.read.is_multiple_of(CHECK_EVERY) {
            commit::checkpoint()?;
            progress.tick(label, done + self.bytes());
        }
        Ok(())
    }

    /// Bytes of the input behind the rows returned so far.
    pub(super) fn bytes(&self) -> u64 {
        self.rows.bytes()
    }

    /// Add the counts of normalised and rounded values to the summary; a
    /// file with a header and no rows is an error.
    pub(super) fn finish(self, summary: &mut Summary) -> Result<()> {
        if self.read == 0 {
            bail!(crate::tr!(
                "header_only",
                file = self.name,
                line = self.header_line
            ));
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

pub(super) fn shown(col: &str, v: &str) -> String {
    if is_confidential(col) {
        mask(col, v)
    } else {
        v.to_string()
    }
}

pub(super) fn warn_problems(ctx: &mut Ctx, input: &Meta, n: &Normalised, slots: &[usize]) {
    for (col, why) in &n.problems {
        let j = input.targets.iter().position(|t| t == col).unwrap_or(0);
        let v = &n.values[slots[j]];
        ctx.warn(crate::tr!(
            "kept_as_it_was",
            file = input.name,
            line = n.line,
            column = col,
            value = format!("{:?}", shown(col, v)),
            why = crate::render::messages::phrase(why)
        ));
    }
}

pub(super) struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub(super) fn new(enabled: bool, total: u64) -> Progress {
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

    pub(super) fn tick(&self, msg: &str, done: u64) {
        if let Some(pb) = &self.0 {
            pb.set_message(msg.to_string());
            pb.set_position(done);
        }
    }

    pub(super) fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
