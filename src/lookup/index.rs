//! The search index of a big customers file: its [`Fields`] kept in
//! `.cache/find.<stamp>.idx`, so that `dangan find` reads the few fields a
//! query needs (tens of MB) instead of reading and normalising the whole
//! customers file, and computing every name's core and pinyin, on every run.
//!
//! Like the binary copies (`analytics::cache`), the index is derived, never a
//! source: its name carries the customers file's stamp, so any change to the
//! file (an import, an editor) makes it stale and the next `find` builds a new
//! one (and removes the old). It is written to a temp file, fsynced and
//! renamed, and only when the file did not change while it was read. A
//! damaged index is removed and the search reads the file. Small files (under
//! `archive.cache_min_mb`), YAML files and `cache: false` get no index.
//!
//! Layout (little-endian): `DANGANFIND2\n`, rows (u32), columns of the
//! customers file (u32) and each column's name (u32 length, bytes), then per
//! field of [`Field::ALL`] its offset and byte length (u64, u64), then the
//! fields: each its values (see [`Column`]) then its starts (rows + 1 u32).

use crate::archive::schema::TableKind;
use crate::archive::{Archive, CACHE_DIR, file_stamp};
use crate::lookup::find::{Column, Field, Fields, OnDisk};
use anyhow::{Context, Result, bail};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"DANGANFIND2\n";

/// The customers' fields a query needs, and the customers file's columns.
pub struct Loaded {
    pub fields: Fields,
    pub columns: Vec<String>,
}

/// The index of the archive's customers file, built when missing or stale;
/// `None` when the file gets no index (small, YAML, `cache: false`) or it
/// cannot be made: then the caller reads the file.
pub fn load(archive: &Archive, wanted: &[Field]) -> Option<Loaded> {
    let s = &archive.settings.archive;
    let (csv, _) = archive.table_file(TableKind::Customers).ok()??;
    if !s.cache || csv.extension().is_none_or(|e| e != "csv") {
        return None;
    }
    let meta = std::fs::metadata(&csv).ok()?;
    if meta.len() < s.cache_min_mb.saturating_mul(1 << 20) {
        return None;
    }
    let path = archive
        .dir
        .join(CACHE_DIR)
        .join(format!("find.{}.idx", file_stamp(&meta)));
    if !path.is_file() {
        let t = std::time::Instant::now();
        if let Err(e) = build(archive, &csv, &path, &meta) {
            trace(format_args!("no index made: {e:#}"));
            return None;
        }
        crate::timing("find: index built", t);
    }
    let t = std::time::Instant::now();
    match read(&path, wanted) {
        Ok(l) => {
            crate::timing("find: index read", t);
            Some(l)
        }
        Err(e) => {
            trace(format_args!("{}: {e:#}; removed", path.display()));
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

fn trace(msg: std::fmt::Arguments) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("find: {msg}");
    }
}

fn build(archive: &Archive, csv: &Path, path: &Path, before: &std::fs::Metadata) -> Result<()> {
    let table = archive.read_canonical(TableKind::Customers)?;
    let fields = Fields::of_table(&table);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| crate::tr!("cannot_create", file = dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-find-")
        .tempfile_in(dir)
        .with_context(|| crate::tr!("cannot_create_temp", file = dir.display()))?;
    std::fs::set_permissions(tmp.path(), before.permissions()).ok();
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        w.write_all(MAGIC)?;
        w.write_all(&(fields.rows as u32).to_le_bytes())?;
        w.write_all(&(table.columns.len() as u32).to_le_bytes())?;
        for c in &table.columns {
            w.write_all(&(c.len() as u32).to_le_bytes())?;
            w.write_all(c.as_bytes())?;
        }
        let head = MAGIC.len()
            + 8
            + table.columns.iter().map(|c| 4 + c.len()).sum::<usize>()
            + 16 * Field::ALL.len();
        let mut offset = head as u64;
        let cols: Vec<&Column> = Field::ALL
            .iter()
            .map(|&f| fields.column(f).context("a field was not made"))
            .collect::<Result<_>>()?;
        for c in &cols {
            let len = (c.data.len() + 4 * c.starts.len()) as u64;
            w.write_all(&offset.to_le_bytes())?;
            w.write_all(&len.to_le_bytes())?;
            offset += len;
        }
        for c in &cols {
            w.write_all(&c.data)?;
            for s in &c.starts {
                w.write_all(&s.to_le_bytes())?;
            }
        }
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    let after = std::fs::metadata(csv)?;
    if file_stamp(&after) != file_stamp(before) {
        bail!(crate::tr!("changed_while_read", file = csv.display()));
    }
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.error))?;
    remove_others(path);
    Ok(())
}

/// Remove the indexes of earlier versions of the customers file.
fn remove_others(keep: &Path) {
    let (Some(dir), Some(name)) = (keep.parent(), keep.file_name()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        let s = n.to_string_lossy();
        if n != name && s.starts_with("find.") && s.ends_with(".idx") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32> {
    let s = b.get(at..at + 4).context("cut short")?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64> {
    let s = b.get(at..at + 8).context("cut short")?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

fn le_u32s(raw: &[u8]) -> Vec<u32> {
    raw.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Read the `wanted` fields of an index, checking its layout.
fn read(path: &Path, wanted: &[Field]) -> Result<Loaded> {
    let mut f = std::fs::File::open(path)?;
    let file_len = f.metadata()?.len();
    let mut head = vec![0u8; (file_len.min(1 << 20)) as usize];
    f.read_exact(&mut head)?;
    if !head.starts_with(MAGIC) {
        bail!("not a search index");
    }
    let mut at = MAGIC.len();
    let rows = u32_at(&head, at)? as usize;
    let ncols = u32_at(&head, at + 4)? as usize;
    at += 8;
    let mut columns = Vec::with_capacity(ncols);
    for _ in 0..ncols {
        let n = u32_at(&head, at)? as usize;
        let name = head.get(at + 4..at + 4 + n).context("cut short")?;
        columns.push(String::from_utf8(name.to_vec()).context("a column name")?);
        at += 4 + n;
    }
    let mut out: Vec<Option<Column>> = vec![None; Field::ALL.len()];
    let mut on_disk = Vec::new();
    for (i, field) in Field::ALL.iter().enumerate() {
        let offset = u64_at(&head, at + 16 * i)?;
        let len = u64_at(&head, at + 16 * i + 8)?;
        let starts_len = 4 * (rows as u64 + 1);
        if len < starts_len || offset.saturating_add(len) > file_len {
            bail!("damaged (field {field:?})");
        }
        if matches!(field, Field::Out | Field::Record) {
            // read row by row when listed: only where its values are
            f.seek(SeekFrom::Start(offset + len - starts_len))?;
            let mut raw = vec![0u8; starts_len as usize];
            f.read_exact(&mut raw)?;
            let starts = le_u32s(&raw);
            if starts.first() != Some(&0)
                || starts.last().is_none_or(|&e| e as u64 != len - starts_len)
                || starts.windows(2).any(|w| w[0] >= w[1])
            {
                bail!("damaged (field {field:?})");
            }
            on_disk.push((
                *field,
                OnDisk {
                    file: std::sync::Mutex::new(std::fs::File::open(path)?),
                    offset,
                    starts,
                },
            ));
            continue;
        }
        if !wanted.contains(field) {
            continue;
        }
        f.seek(SeekFrom::Start(offset))?;
        let mut data = vec![0u8; (len - starts_len) as usize];
        f.read_exact(&mut data)?;
        let mut raw = vec![0u8; starts_len as usize];
        f.read_exact(&mut raw)?;
        let starts = le_u32s(&raw);
        // every value ends with its \n, and the starts rise to the end
        let ok = starts.first() == Some(&0)
            && starts.last().is_some_and(|&e| e as usize == data.len())
            && starts
                .windows(2)
                .all(|w| w[0] < w[1] && data[w[1] as usize - 1] == b'\n')
            && simdutf8::basic::from_utf8(&data).is_ok();
        if !ok {
            bail!("damaged (field {field:?})");
        }
        out[i] = Some(Column { data, starts });
    }
    Ok(Loaded {
        fields: Fields {
            rows,
            columns: out,
            on_disk,
        },
        columns,
    })
}

/// Where the index of an archive would be (for tests and docs).
pub fn path_of(archive: &Archive) -> Option<PathBuf> {
    let (csv, _) = archive.table_file(TableKind::Customers).ok()??;
    let meta = std::fs::metadata(csv).ok()?;
    Some(
        archive
            .dir
            .join(CACHE_DIR)
            .join(format!("find.{}.idx", file_stamp(&meta))),
    )
}
