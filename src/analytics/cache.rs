//! A binary copy of a big archive CSV (Arrow IPC), kept in the archive's
//! `.cache/` so that `classify`, `analyze` and `report` do not parse the same
//! 10-million-row CSV again on every run.
//!
//! - The CSV stays the archive: the copy is derived, disposable, and never read
//!   when it might be out of date. Its name carries the CSV's stamp (size,
//!   modification and change times, inode), so any change to the CSV — by
//!   `dangan import`, an editor, another tool — makes the copy unmatched and
//!   the CSV is read again. Deleting `.cache/` is always safe.
//! - The first aggregating command that reads a CSV of at least
//!   `archive.cache_min_mb` MiB (settings) without a matching copy makes one:
//!   it reads the whole table once through `read::frame` (the one reading of
//!   every cell: money as integer fen, canonical dates and kinds), writes it beside (temp file, fsync, rename), and queries
//!   the copy. Copies of earlier versions of the table are removed.
//! - When the copy cannot be made (a read-only archive, a full disk, a cell
//!   that cannot be read), the command reads the CSV itself; errors about the
//!   CSV's contents are reported from that read, with their line. A copy is
//!   named by the version of the reading that made it: after a change of the
//!   reading, older copies are never read.
//! - `archive.cache: false` turns the copy off.
//! - A copy is Arrow IPC with LZ4-compressed buffers, followed by a footer of
//!   20 bytes: the CRC32 of the IPC bytes, their length, and the magic
//!   `DGNCOPY3`. A copy is read whole into memory and its checksum checked
//!   before any column is decoded, so a copy with any bit flipped (a bad
//!   disk, a stray write) is removed and the CSV read, never answered from.

use crate::archive::Archive;
use crate::archive::schema::TableKind;
use anyhow::{Context, Result, anyhow};
use polars::prelude::{DataFrame, IntoLazy, LazyFrame, SerReader, SerWriter};
use polars_io::ipc::{IpcReader, IpcWriter};
use std::path::{Path, PathBuf};

/// The directory of the copies, inside the archive.
pub use crate::archive::CACHE_DIR;

/// The named columns of `csv` (all of them present in the file) from its
/// binary copy, made first when there is none that matches the CSV. `None`:
/// read the CSV itself (copies off, the file too small, or no copy could be
/// made or read).
pub fn table(
    archive: &Archive,
    csv: &Path,
    kind: TableKind,
    columns: &[&str],
) -> Option<LazyFrame> {
    let s = &archive.settings.archive;
    // a copy holds every canonical column (and the file's extras): a column
    // of neither kind is read from the CSV
    if !s.cache || columns.iter().any(|c| kind.column(c).is_none()) {
        return None;
    }
    let meta = std::fs::metadata(csv).ok()?;
    if meta.len() < s.cache_min_mb.saturating_mul(1 << 20) {
        return None;
    }
    let copy = copy_path(&archive.dir, csv, &meta)?;
    if !copy.is_file() {
        let started = std::time::Instant::now();
        if let Err(e) = build(csv, kind, &copy, &meta) {
            trace(format_args!("{}: no copy made: {e:#}", csv.display()));
            return None;
        }
        crate::timing("cache: copy of the CSV made", started);
    }
    let started = std::time::Instant::now();
    let df = open(&copy, columns);
    crate::timing("cache: columns read from the copy", started);
    match df {
        Ok(df) => Some(df.lazy()),
        Err(e) => {
            // a damaged copy: gone, so that the next run makes a good one
            trace(format_args!("{}: {e:#}; removed", copy.display()));
            let _ = std::fs::remove_file(&copy);
            None
        }
    }
}

/// With `DANGAN_TIMING` set, why no copy was used (on stderr).
fn trace(msg: std::fmt::Arguments) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("cache: {msg}");
    }
}

/// The version of the reading a copy was made by: a copy of another
/// version is never read (and is removed as an earlier one).
const READING: &str = "r3";

/// Remove the copies of earlier versions of `csv`: they would never be
/// read again. Whoever makes what it needs from the CSV in one pass
/// (`codes`, `facts`, the files by customer) calls it, as a reading of the
/// copy would have.
pub fn remove_stale_copies(archive: &Archive, csv: &Path) {
    if !archive.settings.archive.cache {
        return;
    }
    if let Some(copy) = std::fs::metadata(csv)
        .ok()
        .and_then(|m| copy_path(&archive.dir, csv, &m))
    {
        remove_others(&copy);
    }
}

/// Is there a copy of `csv` as it is now? (Not checked: [`table`] checks
/// it when it reads it.) A reader that needs a few columns of the
/// customers (`facts_read`) reads the copy where one is made already.
/// When there is none, the copies of earlier versions of the CSV go.
pub fn has_copy(archive: &Archive, csv: &Path) -> bool {
    if !archive.settings.archive.cache {
        return false;
    }
    let Some(copy) = std::fs::metadata(csv)
        .ok()
        .and_then(|m| copy_path(&archive.dir, csv, &m))
    else {
        return false;
    };
    if copy.is_file() {
        return true;
    }
    remove_others(&copy);
    false
}

/// `DIR/.cache/<stem>.<reading>.<stamp>.arrow`
fn copy_path(dir: &Path, csv: &Path, meta: &std::fs::Metadata) -> Option<PathBuf> {
    let stem = csv.file_stem()?.to_str()?;
    Some(
        dir.join(CACHE_DIR)
            .join(format!("{stem}.{READING}.{}.arrow", stamp(meta))),
    )
}

use crate::archive::file_stamp as stamp;

/// The footer's magic: the last 8 bytes of every copy of this reading.
const MAGIC: &[u8; 8] = b"DGNCOPY3";
/// CRC32 (4 bytes), IPC length (8 bytes), magic (8 bytes).
const FOOTER: usize = 20;

/// The CRC32 of `bytes`, its halves summed on two threads.
fn crc(bytes: &[u8]) -> u32 {
    let (a, b) = bytes.split_at(bytes.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            let mut h = crc32fast::Hasher::new();
            h.update(b);
            h
        });
        let mut h = crc32fast::Hasher::new();
        h.update(a);
        match other.join() {
            Ok(second) => {
                h.combine(&second);
                h.finalize()
            }
            // never: hashing does not panic; a copy that cannot be checked is not read
            Err(_) => !crc32fast::hash(bytes),
        }
    })
}

/// The bytes of a derived file without its footer, when the footer
/// (`magic`) and checksum say they are the ones written: the IPC of a copy,
/// the codes of `analytics::codes`, the facts of `analytics::facts`.
pub(crate) fn checked(copy: &Path, magic: &[u8; 8]) -> Result<Checked> {
    let file =
        std::fs::File::open(copy).with_context(|| format!("{}: cannot read", copy.display()))?;
    // SAFETY: a kept file is written beside and renamed into place, never
    // written in place, so the mapped version does not change under the
    // read. (A program that cut the file short while it is read would make
    // the read fault; the checksum below catches every other change.)
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
        .with_context(|| format!("{}: cannot read", copy.display()))?;
    let n = map.len();
    if n < FOOTER || &map[n - 8..] != magic {
        return Err(anyhow!("{}: no footer", copy.display()));
    }
    let word = |at: usize, len: usize| {
        let mut b = [0u8; 8];
        b[..len].copy_from_slice(&map[at..at + len]);
        u64::from_le_bytes(b)
    };
    let (want, len) = (word(n - FOOTER, 4) as u32, word(n - 16, 8));
    if len != (n - FOOTER) as u64 {
        return Err(anyhow!("{}: cut short or grown", copy.display()));
    }
    let checked = Checked {
        map,
        len: n - FOOTER,
    };
    if crc(&checked) != want {
        return Err(anyhow!("{}: checksum differs", copy.display()));
    }
    Ok(checked)
}

/// The bytes of a kept file before its footer, mapped (not read into
/// memory: the facts of ten million rows are 360 MB, and reading them cost
/// a copy and a fault per page of a new buffer) and checked.
pub(crate) struct Checked {
    map: memmap2::Mmap,
    len: usize,
}

impl std::ops::Deref for Checked {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map[..self.len]
    }
}

/// The columns of a copy, read whole and checked, then decoded: every other
/// column on a second thread.
fn open(copy: &Path, columns: &[&str]) -> Result<DataFrame> {
    let started = std::time::Instant::now();
    let bytes = checked(copy, MAGIC)?;
    crate::timing("cache: copy read and its checksum checked", started);
    let names = |half: usize| -> Vec<String> {
        columns
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == half)
            .map(|(_, c)| c.to_string())
            .collect()
    };
    let (mine, theirs) = (names(0), names(1));
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| read_columns(copy, &bytes, theirs));
        let a = read_columns(copy, &bytes, mine);
        let b = other
            .join()
            .unwrap_or_else(|_| Err(anyhow!("{}: reader thread failed", copy.display())));
        (a, b)
    });
    let (a, b) = (a?, b?);
    if b.width() == 0 {
        return Ok(a);
    }
    // back in the order asked for
    let mut df = a
        .hstack(b.columns())
        .map_err(|e| anyhow!("{}: {e}", copy.display()))?;
    df = df
        .select(columns.iter().map(|c| c.to_string()))
        .map_err(|e| anyhow!("{}: {e}", copy.display()))?;
    Ok(df)
}

fn read_columns(copy: &Path, bytes: &[u8], columns: Vec<String>) -> Result<DataFrame> {
    if columns.is_empty() {
        return Ok(DataFrame::empty());
    }
    // from the checked bytes in memory: polars' mapped reader would trust
    // the file's offsets, and the file may change after the check
    IpcReader::new(std::io::Cursor::new(bytes))
        .with_columns(Some(columns))
        .finish()
        .map_err(|e| anyhow!("{}: {e}", copy.display()))
}

/// A writer that sums the CRC32 of what passes through it.
pub(crate) struct Summing<W> {
    pub(crate) inner: W,
    hash: crc32fast::Hasher,
    len: u64,
}

impl<W: std::io::Write> Summing<W> {
    pub(crate) fn new(inner: W) -> Self {
        Summing {
            inner,
            hash: crc32fast::Hasher::new(),
            len: 0,
        }
    }

    /// The footer after what was written: its CRC32, its length, `magic`.
    pub(crate) fn finish(self, magic: &[u8; 8]) -> std::io::Result<W> {
        let (crc, len) = (self.hash.finalize(), self.len);
        let mut out = self.inner;
        out.write_all(&crc.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(magic)?;
        out.flush()?;
        Ok(out)
    }
}

impl<W: std::io::Write> std::io::Write for Summing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Read the whole CSV by `read::frame` (every canonical column, and the
/// file's extras) and write it to `copy`; installed only if the CSV did not
/// change meanwhile.
fn build(csv: &Path, kind: TableKind, copy: &Path, before: &std::fs::Metadata) -> Result<()> {
    let dir = copy.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| crate::tr!("cannot_create", file = dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".arrow")
        .tempfile_in(dir)
        .with_context(|| crate::tr!("cannot_create_temp", file = dir.display()))?;
    let headers =
        crate::read::source::Source::open(&csv.display().to_string(), &Default::default())?.headers;
    let mut names: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
    for h in &headers {
        if !names.contains(&h.as_str()) {
            names.push(h);
        }
    }
    // in chunks of a million rows: one record batch each
    let mut df = crate::read::frame::read(csv, kind, &names)?;
    // readable by whoever may read the CSV (temp files start at 0600)
    std::fs::set_permissions(tmp.path(), before.permissions()).ok();
    {
        let mut w = Summing::new(std::io::BufWriter::with_capacity(1 << 20, tmp.as_file()));
        IpcWriter::new(&mut w)
            .with_compression(Some(polars_io::ipc::IpcCompression::LZ4))
            .finish(&mut df)
            .map_err(|e| anyhow!("{}: {e}", tmp.path().display()))?;
        w.finish(MAGIC)?;
    }
    drop(df);
    tmp.as_file().sync_all()?;
    let after = std::fs::metadata(csv)?;
    if stamp(&after) != stamp(before) {
        return Err(anyhow!(crate::tr!(
            "changed_while_read",
            file = csv.display()
        )));
    }
    tmp.persist(copy)
        .map_err(|e| anyhow!("{}: {}", copy.display(), e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    remove_others(copy);
    Ok(())
}

/// Remove the copies of earlier versions of the same table (the files
/// beside `copy` of its stem and extension), and temp files that killed runs
/// left.
pub(crate) fn remove_others(copy: &Path) {
    let (Some(dir), Some(name)) = (copy.parent(), copy.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let Some(stem) = name.split('.').next() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let other = e.file_name();
        let Some(other) = other.to_str() else {
            continue;
        };
        let ext = name.rsplit('.').next().unwrap_or("arrow");
        let earlier_version = other != name
            && other.rsplit('.').next() == Some(ext)
            && other.split('.').next() == Some(stem)
            && !other.starts_with(".tmp-");
        // a temp file left by a run that was killed while making a copy (an
        // hour old: not one that another run is writing now)
        let left_over = other.starts_with(".tmp-")
            && e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if earlier_version || left_over {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Where a file derived from both tables (`codes`, `facts`) is kept:
/// `.cache/<stem>.<version>.<customers' stamp>.<transactions' stamp>.codes`,
/// when the transactions are a CSV that gets a binary copy; `None` elsewhere.
pub(crate) fn kept_of_both(
    archive: &Archive,
    customers: &Path,
    tx: &Path,
    stem: &str,
    version: &str,
) -> Option<std::path::PathBuf> {
    let s = &archive.settings.archive;
    if !s.cache || tx.extension().is_none_or(|e| e != "csv") {
        return None;
    }
    let (c, t) = (
        std::fs::metadata(customers).ok()?,
        std::fs::metadata(tx).ok()?,
    );
    if t.len() < s.cache_min_mb.saturating_mul(1 << 20) {
        return None;
    }
    let stamp = crate::archive::file_stamp;
    Some(archive.dir.join(crate::archive::CACHE_DIR).join(format!(
        "{stem}.{version}.{}.{}.codes",
        stamp(&c),
        stamp(&t)
    )))
}

/// Write a derived file atomically (temp file beside it with `perms`,
/// fsync, rename, the directory fsynced): `body` writes its bytes through a
/// summing writer, then the footer (CRC32, length, `magic`) follows; the
/// other versions of the file are removed.
pub(crate) fn write_checked(
    path: &Path,
    magic: &[u8; 8],
    perms: Option<std::fs::Permissions>,
    body: impl FnOnce(&mut Summing<std::io::BufWriter<&std::fs::File>>) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| crate::tr!("cannot_create", file = dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".codes")
        .tempfile_in(dir)
        .with_context(|| crate::tr!("cannot_create_temp", file = dir.display()))?;
    // readable by whoever may read the tables (temp files start at 0600)
    if let Some(p) = perms {
        std::fs::set_permissions(tmp.path(), p).ok();
    }
    {
        let mut w = Summing::new(std::io::BufWriter::with_capacity(1 << 20, tmp.as_file()));
        body(&mut w)?;
        w.finish(magic)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| anyhow!("{}: {}", path.display(), e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    remove_others(path);
    Ok(())
}
