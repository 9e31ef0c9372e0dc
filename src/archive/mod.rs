//! The archive: a directory holding `customers`, `transactions` and `followups`
//! as CSV or YAML, and `dangan.yaml`. Reading keeps unknown columns after the
//! canonical ones; writing uses the stable canonical column order.

pub mod changes;
pub mod commit;
pub mod keys;
pub mod schema;
pub mod settings;

use crate::archive::schema::TableKind;
use crate::archive::settings::{Settings, StoreFormat};
use crate::read::source::{ReadOptions, Source};
use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The archive's folder of derived files (binary copies, the search index):
/// safe to delete at any time.
pub const CACHE_DIR: &str = ".cache";

/// What changes whenever a file's contents may have changed (size,
/// modification and change times, inode): the name of a derived file
/// carries it, so a stale one is never read.
#[cfg(unix)]
pub fn file_stamp(m: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{:x}-{:x}.{:x}-{:x}.{:x}-{:x}",
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.ino()
    )
}

#[cfg(not(unix))]
pub fn file_stamp(m: &std::fs::Metadata) -> String {
    let modified = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}-{modified:x}", m.len())
}

pub struct Archive {
    pub dir: PathBuf,
    pub settings: Settings,
}

/// A table held in memory: its columns (canonical first, then extras) and rows
/// of values in that order.
#[derive(Debug, Clone)]
pub struct Table {
    pub kind: TableKind,
    pub columns: Vec<String>,
    pub rows: Vec<Record>,
}

/// One row kept compactly: all values in one string with their end offsets
/// (two allocations a row instead of one a value; a million customers fit in
/// about a third of the memory `Vec<String>` rows take). Offsets are 16-bit
/// when the row is shorter than 64 KiB, as nearly every row is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    buf: Box<str>,
    ends: Ends,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ends {
    Short(Box<[u16]>),
    Long(Box<[u32]>),
}

impl Default for Ends {
    fn default() -> Self {
        Ends::Short(Box::new([]))
    }
}

impl Record {
    pub fn new<S: AsRef<str>>(values: &[S]) -> Record {
        let total: usize = values.iter().map(|v| v.as_ref().len()).sum();
        let mut buf = String::with_capacity(total);
        let ends = if total <= u16::MAX as usize {
            let mut e = Vec::with_capacity(values.len());
            for v in values {
                buf.push_str(v.as_ref());
                e.push(buf.len() as u16);
            }
            Ends::Short(e.into_boxed_slice())
        } else {
            let mut e = Vec::with_capacity(values.len());
            for v in values {
                buf.push_str(v.as_ref());
                e.push(buf.len() as u32);
            }
            Ends::Long(e.into_boxed_slice())
        };
        Record {
            buf: buf.into_boxed_str(),
            ends,
        }
    }

    fn end(&self, i: usize) -> Option<usize> {
        match &self.ends {
            Ends::Short(e) => e.get(i).map(|&x| x as usize),
            Ends::Long(e) => e.get(i).map(|&x| x as usize),
        }
    }

    /// The value of column `i`; empty past the row's end.
    pub fn get(&self, i: usize) -> &str {
        match self.end(i) {
            Some(end) => {
                let start = if i == 0 {
                    0
                } else {
                    self.end(i - 1).unwrap_or(0)
                };
                &self.buf[start..end]
            }
            None => "",
        }
    }

    pub fn len(&self) -> usize {
        match &self.ends {
            Ends::Short(e) => e.len(),
            Ends::Long(e) => e.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// A copy with column `i` set to `value` (padded when the row is shorter).
    pub fn with(&self, i: usize, value: &str) -> Record {
        let mut v = self.to_vec();
        if v.len() <= i {
            v.resize(i + 1, String::new());
        }
        v[i] = value.to_string();
        Record::new(&v)
    }
}

impl std::ops::Index<usize> for Record {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

/// Read access to the values of a row, however it is stored.
pub trait Cells {
    fn cell(&self, i: usize) -> &str;
}

impl Cells for Record {
    fn cell(&self, i: usize) -> &str {
        self.get(i)
    }
}

impl Cells for [String] {
    fn cell(&self, i: usize) -> &str {
        self.get(i).map(String::as_str).unwrap_or("")
    }
}

impl Cells for Vec<String> {
    fn cell(&self, i: usize) -> &str {
        self.as_slice().cell(i)
    }
}

impl Table {
    pub fn empty(kind: TableKind) -> Table {
        Table {
            kind,
            columns: kind.column_names(),
            rows: Vec::new(),
        }
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The column's index, adding it (as an extra column) when it is missing.
    pub fn ensure_col(&mut self, name: &str) -> usize {
        match self.col(name) {
            Some(i) => i,
            None => {
                self.columns.push(name.to_string());
                self.columns.len() - 1
            }
        }
    }
}

impl Archive {
    /// `--archive DIR`, else `$DANGAN_ARCHIVE`, else the current directory.
    pub fn resolve_dir(arg: Option<&Path>) -> PathBuf {
        arg.map(Path::to_path_buf)
            .or_else(|| std::env::var_os("DANGAN_ARCHIVE").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn open(dir: &Path) -> Result<Archive> {
        if !dir.exists() {
            bail!(crate::tr!("archive_missing", dir = dir.display()));
        }
        if !dir.is_dir() {
            bail!(crate::tr!("archive_not_dir", dir = dir.display()));
        }
        crate::archive::commit::settle(dir)?;
        let settings = Settings::load(dir)?;
        crate::values::text::add_confidential(&settings.confidential);
        Ok(Archive {
            dir: dir.to_path_buf(),
            settings,
        })
    }

    /// The file holding a table and its format, when the archive has one.
    pub fn table_file(&self, kind: TableKind) -> Result<Option<(PathBuf, StoreFormat)>> {
        let csv = self.dir.join(format!("{}.csv", kind.name()));
        let yaml = self.dir.join(format!("{}.yaml", kind.name()));
        let yml = self.dir.join(format!("{}.yml", kind.name()));
        let found: Vec<(PathBuf, StoreFormat)> = [
            (csv, StoreFormat::Csv),
            (yaml, StoreFormat::Yaml),
            (yml, StoreFormat::Yaml),
        ]
        .into_iter()
        .filter(|(p, _)| p.exists())
        .collect();
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.into_iter().next()),
            _ => bail!(crate::tr!(
                "archive_two_files",
                dir = self.dir.display(),
                a = found[0].0.display(),
                b = found[1].0.display()
            )),
        }
    }

    /// Where a table is written: its existing file, else a new one in the
    /// archive's default format.
    pub fn table_target(&self, kind: TableKind) -> Result<(PathBuf, StoreFormat)> {
        Ok(match self.table_file(kind)? {
            Some(f) => f,
            None => {
                let fmt = self.settings.archive.format;
                let ext = if fmt == StoreFormat::Yaml {
                    "yaml"
                } else {
                    "csv"
                };
                (self.dir.join(format!("{}.{ext}", kind.name())), fmt)
            }
        })
    }

    /// Open a table for streaming: its columns and a row source; `None` when
    /// the archive has no such file.
    pub fn open_table(&self, kind: TableKind) -> Result<Option<ArchiveReader>> {
        let Some((path, _)) = self.table_file(kind)? else {
            return Ok(None);
        };
        ArchiveReader::open(&path, kind).map(Some)
    }

    /// Read a whole table into memory as written (empty when the archive has
    /// none): what `import` merges into and writes back.
    pub fn read_table(&self, kind: TableKind) -> Result<Table> {
        self.read_table_as(kind, false)
    }

    /// Read a whole table with every cell in its one meaning
    /// (`read::cells`): what the commands that compute from the archive read.
    /// The first unreadable cell stops the read with its `file:line: column`.
    pub fn read_canonical(&self, kind: TableKind) -> Result<Table> {
        self.read_table_as(kind, true)
    }

    fn read_table_as(&self, kind: TableKind, canonical: bool) -> Result<Table> {
        let Some(mut r) = self.open_table(kind)? else {
            return Ok(Table::empty(kind));
        };
        r.canonical = canonical;
        let mut rows = Vec::new();
        while let Some(row) = r.next_row()? {
            rows.push(Record::new(&row));
        }
        Ok(Table {
            kind,
            columns: r.columns,
            rows,
        })
    }
}

/// Rows of an archive file in the archive's column layout (canonical columns
/// first, extras after, in the order the file has them).
pub struct ArchiveReader {
    pub columns: Vec<String>,
    /// for each column, the index of the file's field holding it
    map: Vec<Option<usize>>,
    src: Source,
    /// values read to their one meaning (`read::cells`), not as written
    pub canonical: bool,
    /// the line of the row last returned (as a person counts lines)
    pub last_line: u64,
    kind: TableKind,
}

impl ArchiveReader {
    /// What messages call the file.
    pub fn name(&self) -> &str {
        &self.src.name
    }

    /// The encoding the file was read in (`UTF-8`, `GB18030`, ...).
    pub fn encoding(&self) -> &'static str {
        self.src.encoding
    }

    pub fn open(path: &Path, kind: TableKind) -> Result<ArchiveReader> {
        let name = path.display().to_string();
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let src = if len == 0 {
            Source::empty(name.clone())
        } else {
            Source::open(&name, &ReadOptions::default())?
        };
        let mut columns = kind.column_names();
        let mut map = vec![None; columns.len()];
        for (i, h) in src.headers.iter().enumerate() {
            match columns.iter().position(|c| c == h) {
                Some(pos) => map[pos] = Some(i),
                None => {
                    if h.is_empty() {
                        bail!("{name}:1: column {} has no header", i + 1);
                    }
                    columns.push(h.clone());
                    map.push(Some(i));
                }
            }
        }
        Ok(ArchiveReader {
            columns,
            map,
            src,
            canonical: false,
            last_line: 0,
            kind,
        })
    }

    pub fn next_row(&mut self) -> Result<Option<Vec<String>>> {
        let Some(mut row) = self.src.next_row()? else {
            return Ok(None);
        };
        self.last_line = row.line;
        let mut values: Vec<String> = self
            .map
            .iter()
            .map(|m| {
                m.map(|i| std::mem::take(&mut row.values[i]))
                    .unwrap_or_default()
            })
            .collect();
        if self.canonical {
            for (column, v) in self.kind.columns().iter().zip(values.iter_mut()) {
                match crate::read::cells::read_at(&self.src.name, row.line, column, v) {
                    Ok(std::borrow::Cow::Owned(c)) => *v = c,
                    Ok(std::borrow::Cow::Borrowed(_)) => {}
                    Err(e) => bail!(e),
                }
            }
        }
        Ok(Some(values))
    }

    /// Call `f` with the values of the named columns of every row (a fast scan
    /// that builds no other value).
    pub fn for_each_columns(&mut self, names: &[&str], f: impl FnMut(&[&str])) -> Result<()> {
        let idx: Vec<Option<usize>> = names
            .iter()
            .map(|n| {
                self.columns
                    .iter()
                    .position(|c| c == n)
                    .and_then(|p| self.map[p])
            })
            .collect();
        self.src.for_each_projected(&idx, f)
    }
}

/// Writes rows of a table in one store format.
pub enum TableWriter<W: Write> {
    Csv {
        w: Box<csv::Writer<W>>,
        width: usize,
        /// a file for people (an export): formula-like text is neutralised
        for_people: bool,
    },
    Yaml {
        out: W,
        columns: Vec<String>,
        rows: Vec<serde_yaml::Mapping>,
    },
}

impl<W: Write> TableWriter<W> {
    pub fn new(
        mut out: W,
        format: StoreFormat,
        columns: &[String],
        bom: bool,
    ) -> Result<TableWriter<W>> {
        Ok(match format {
            StoreFormat::Csv => {
                if bom {
                    out.write_all("\u{feff}".as_bytes())?;
                }
                let mut w = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(out);
                w.write_record(columns)?;
                TableWriter::Csv {
                    w: Box::new(w),
                    width: columns.len(),
                    for_people: false,
                }
            }
            StoreFormat::Yaml => TableWriter::Yaml {
                out,
                columns: columns.to_vec(),
                rows: Vec::new(),
            },
        })
    }

    /// A CSV for people (an export, not the archive): text cells that a
    /// spreadsheet would run as a formula get a leading `'`
    /// ([`crate::values::text::neutralise_formula`]).
    pub fn for_people(mut self, yes: bool) -> Self {
        if let TableWriter::Csv { for_people, .. } = &mut self {
            *for_people = yes;
        }
        self
    }

    /// Write one row; values past its end are empty, values past the
    /// columns are dropped.
    pub fn write<'a>(&mut self, row: impl IntoIterator<Item = &'a str>) -> Result<()> {
        match self {
            TableWriter::Csv {
                w,
                width,
                for_people,
            } => {
                let mut n = 0;
                for v in row.into_iter().take(*width) {
                    if *for_people {
                        w.write_field(crate::values::text::neutralise_formula(v).as_bytes())?;
                    } else {
                        w.write_field(v)?;
                    }
                    n += 1;
                }
                for _ in n..*width {
                    w.write_field("")?;
                }
                w.write_record(None::<&[u8]>)?;
            }
            TableWriter::Yaml { columns, rows, .. } => {
                let mut m = serde_yaml::Mapping::new();
                for (c, v) in columns.iter().zip(row) {
                    if !v.is_empty() {
                        m.insert(c.clone().into(), v.to_string().into());
                    }
                }
                rows.push(m);
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<W> {
        match self {
            TableWriter::Csv { w, .. } => w
                .into_inner()
                .map_err(|e| anyhow!("write failed: {}", e.error())),
            TableWriter::Yaml { mut out, rows, .. } => {
                if !rows.is_empty() {
                    serde_yaml::to_writer(&mut out, &rows).context("writing YAML")?;
                } else {
                    out.write_all(b"[]\n")?;
                }
                out.flush()?;
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_short_and_long() {
        let r = Record::new(&["a", "", "中文", "d"]);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["a", "", "中文", "d"]);
        assert_eq!(r.get(9), "");
        assert_eq!(r.with(5, "x").to_vec(), ["a", "", "中文", "d", "", "x"]);
        let big = "x".repeat(70_000);
        let r = Record::new(&[big.as_str(), "tail"]);
        assert_eq!(r.get(0).len(), 70_000);
        assert_eq!(r.get(1), "tail");
        assert_eq!(Record::new::<&str>(&[]).len(), 0);
    }
}
