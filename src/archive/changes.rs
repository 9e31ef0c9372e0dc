//! The revision log `changes.csv` (修订记录) and the access log `access.csv`
//! (查阅登记).
//!
//! `changes.csv` has one row per changed field: `time, command, table, id,
//! field, old, new, source`. A writer collects its rows in a [`ChangeLog`]
//! (a temp file beside the log, so ten million rows cost no memory) and hands
//! it to `commit::commit_with_log`, which appends it in the same journalled
//! commit as the tables: the journal names the log's length before the
//! append, so a crash at any point is completed by truncating back to that
//! length and appending again. An append costs the rows it adds, never a
//! rewrite of the log.
//!
//! The log is checked before anything is staged: a wrong header or a torn
//! last line (no newline at the end, e.g. a file cut by hand) stops the
//! writer, so nothing is ever appended after damage.

use crate::archive::commit::Staged;
use crate::archive::schema::TableKind;
use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

pub const CHANGES_FILE: &str = "changes.csv";
pub const ACCESS_FILE: &str = "access.csv";
pub const HEADER: [&str; 8] = [
    "time", "command", "table", "id", "field", "old", "new", "source",
];
pub const ACCESS_HEADER: [&str; 3] = ["time", "user", "command"];

/// The field of a row that is about a whole record.
pub const WHOLE_RECORD: &str = "*";
pub const CREATED: &str = "created";
pub const MERGED_INTO: &str = "merged_into:";

/// The time written in both logs: local time with its offset, to the second.
/// `DANGAN_NOW` (RFC 3339) replaces the clock, for tests and for replaying.
pub fn now() -> String {
    if let Ok(v) = std::env::var("DANGAN_NOW")
        && chrono::DateTime::parse_from_rfc3339(&v).is_ok()
    {
        return v;
    }
    chrono::Local::now()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// One row of `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub time: String,
    pub command: String,
    pub table: String,
    pub id: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub source: String,
}

/// The rows one command run appends, staged in a temp file in the archive.
pub struct ChangeLog {
    time: String,
    command: String,
    /// length of `changes.csv` before this run (0: no log yet; the staged
    /// rows then begin with the header)
    pub(crate) base_len: u64,
    staged: Staged,
    writer: Option<csv::Writer<BufWriter<File>>>,
    rows: u64,
}

impl ChangeLog {
    /// Check the archive's log (header, no torn line) and start a run of
    /// `command` (e.g. `import`, `classify --write`).
    pub fn begin(dir: &Path, command: &str) -> Result<ChangeLog> {
        let target = dir.join(CHANGES_FILE);
        let base_len = check_log(&target, &HEADER)?;
        let mut staged = Staged::new(&target)?;
        let file = staged
            .file()
            .try_clone()
            .context("changes.csv: temp file")?;
        let mut writer =
            csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 16, file));
        if base_len == 0 {
            writer.write_record(HEADER)?;
        }
        Ok(ChangeLog {
            time: now(),
            command: command.to_string(),
            base_len,
            staged,
            writer: Some(writer),
            rows: 0,
        })
    }

    /// Append one row: `field` of record `id` of `table` went from `old` to `new`.
    pub fn push(
        &mut self,
        table: TableKind,
        id: &str,
        field: &str,
        old: &str,
        new: &str,
        source: &str,
    ) -> Result<()> {
        let w = self
            .writer
            .as_mut()
            .context("changes.csv: log already closed")?;
        w.write_record([
            self.time.as_str(),
            self.command.as_str(),
            table.name(),
            id,
            field,
            old,
            new,
            source,
        ])?;
        self.rows += 1;
        Ok(())
    }

    /// A new record.
    pub fn created(&mut self, table: TableKind, id: &str, source: &str) -> Result<()> {
        self.push(table, id, WHOLE_RECORD, "", CREATED, source)
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flush and fsync the staged rows; the staged file and the log's length
    /// before them, for the commit (None when nothing was logged).
    pub(crate) fn seal(mut self) -> Result<Option<(Staged, u64)>> {
        if let Some(w) = self.writer.take() {
            let mut inner = w
                .into_inner()
                .map_err(|e| anyhow::anyhow!("changes.csv: {e}"))?;
            inner.flush()?;
        }
        if self.rows == 0 {
            return Ok(None);
        }
        self.staged
            .file()
            .sync_all()
            .context("changes.csv: fsync")?;
        Ok(Some((self.staged, self.base_len)))
    }
}

/// Check a log's header and last line; its length. A missing or empty file is
/// length 0.
fn check_log(path: &Path, header: &[&str]) -> Result<u64> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => bail!(crate::tr!(
            "cannot_read_why",
            file = path.display(),
            why = e
        )),
    };
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut head = vec![0u8; (len.min(4096)) as usize];
    f.read_exact(&mut head)?;
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let first = first.trim_start_matches('\u{feff}').trim_end_matches('\r');
    let want = header.join(",");
    if first != want {
        bail!(crate::tr!(
            "log_foreign_header",
            file = path.display(),
            header = format!("{first:?}"),
            want = format!("{want:?}")
        ));
    }
    f.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    if last[0] != b'\n' {
        let lines = std::fs::read(path)
            .map(|b| memchr::memchr_iter(b'\n', &b).count() + 1)
            .unwrap_or(0);
        bail!(crate::tr!("log_torn", file = path.display(), line = lines));
    }
    Ok(len)
}

/// Append the staged rows at `base_len` of `target` (truncating anything a
/// crashed append left after it), fsync. Safe to repeat: a recovery whose
/// staged file is gone finds the append done.
pub(crate) fn apply_append(staged: &Path, target: &Path, base_len: u64) -> Result<()> {
    if base_len == 0 {
        // no log yet (or an empty one): the staged rows, header first, are
        // the log; renamed into place rather than copied
        std::fs::rename(staged, target)
            .with_context(|| crate::tr!("cannot_write", file = target.display()))?;
        if let Some(dir) = target.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        return Ok(());
    }
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(target)
        .with_context(|| crate::tr!("cannot_write", file = target.display()))?;
    out.set_len(base_len)?;
    out.seek(SeekFrom::Start(base_len))?;
    let mut src =
        File::open(staged).with_context(|| crate::tr!("cannot_read", file = staged.display()))?;
    std::io::copy(&mut src, &mut out)
        .with_context(|| crate::tr!("cannot_append", file = target.display()))?;
    out.sync_all()?;
    Ok(())
}

/// Register a run that shows confidential values in full (`--no-mask`):
/// `time, user, command` appended to `access.csv`. A log that cannot be
/// written (or is damaged) stops the run before anything is shown.
pub fn register_access(dir: &Path, command: &str) -> Result<()> {
    let path = dir.join(ACCESS_FILE);
    let len = check_log(&path, &ACCESS_HEADER)?;
    let mut buf = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        if len == 0 {
            w.write_record(ACCESS_HEADER)?;
        }
        w.write_record([now().as_str(), &os_user(), command])?;
        w.flush()?;
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .with_context(|| crate::tr!("cannot_register", file = path.display()))?;
    // one write of a short line with O_APPEND: never interleaved with another's
    f.write_all(&buf)
        .and_then(|_| f.sync_all())
        .with_context(|| crate::tr!("cannot_register", file = path.display()))?;
    Ok(())
}

/// The OS user running dangan (`USER`, else `LOGNAME`, else `USERNAME`).
pub fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Read the rows of the log that `keep` accepts (given the row's fields),
/// each with its line; a damaged row is an error naming the file and line.
/// the log is streamed, and only those rows are kept (a log of ten million
/// rows is gigabytes of text).
pub fn read_log_where(
    dir: &Path,
    keep: impl Fn(&csv::StringRecord) -> bool,
) -> Result<Vec<(u64, Change)>> {
    let path = dir.join(CHANGES_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    check_log(&path, &HEADER)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(&path)
        .with_context(|| crate::tr!("cannot_read", file = path.display()))?;
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                bail!("{}:{line}: cannot read: {e}", path.display());
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() != HEADER.len() {
            bail!(
                "{}:{line}: {} fields, the log has {}",
                path.display(),
                rec.len(),
                HEADER.len()
            );
        }
        if !keep(&rec) {
            continue;
        }
        let g = |i: usize| rec.get(i).unwrap_or_default().to_string();
        out.push((
            line,
            Change {
                time: g(0),
                command: g(1),
                table: g(2),
                id: g(3),
                field: g(4),
                old: g(5),
                new: g(6),
                source: g(7),
            },
        ));
    }
    Ok(out)
}

/// Read `access.csv`: `(time, user, command)` rows.
pub fn read_access(dir: &Path) -> Result<Vec<[String; 3]>> {
    let path = dir.join(ACCESS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    check_log(&path, &ACCESS_HEADER)?;
    let mut r = csv::Reader::from_path(&path)?;
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{}:{}: cannot read", path.display(), i + 2))?;
        let g = |i: usize| rec.get(i).unwrap_or_default().to_string();
        out.push([g(0), g(1), g(2)]);
    }
    Ok(out)
}

/// The rows of the log about record `id` that `keep` accepts: the log is
/// read in chunks and only the rows holding `,ID,` are parsed (a customer's
/// few rows among ten million). A row whose first line holds the number but
/// that ends past the chunk is read with the next one.
pub fn read_log_of(
    dir: &Path,
    id: &str,
    keep: impl Fn(&csv::StringRecord) -> bool,
) -> Result<Vec<Change>> {
    read_log_of_in(dir, id, keep, 16 << 20)
}

fn read_log_of_in(
    dir: &Path,
    id: &str,
    keep: impl Fn(&csv::StringRecord) -> bool,
    chunk_size: usize,
) -> Result<Vec<Change>> {
    let path = dir.join(CHANGES_FILE);
    if !path.exists() || id.is_empty() {
        return Ok(Vec::new());
    }
    check_log(&path, &HEADER)?;
    let mut f =
        File::open(&path).with_context(|| crate::tr!("cannot_read", file = path.display()))?;
    let needle = format!(",{id},");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut out = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(chunk_size + 1024);
    let mut chunk = vec![0u8; chunk_size];
    let mut at_end = false;
    while !at_end {
        let got = f.read(&mut chunk)?;
        at_end = got == 0;
        buf.extend_from_slice(&chunk[..got]);
        // whole lines only, unless the file is read to its end
        let cut = if at_end {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(nl) => nl + 1,
                None => continue,
            }
        };
        let mut carry_from = cut;
        let mut last_line = usize::MAX;
        for hit in finder.find_iter(&buf[..cut]) {
            let start = memchr::memrchr(b'\n', &buf[..hit]).map_or(0, |nl| nl + 1);
            if start == last_line {
                continue;
            }
            last_line = start;
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&buf[start..]);
            let mut rec = csv::StringRecord::new();
            if !r.read_record(&mut rec).unwrap_or(false) {
                continue;
            }
            let end = start + r.position().byte() as usize;
            if end > cut && !at_end {
                // the row goes on past these whole lines: read it next time
                carry_from = carry_from.min(start);
                break;
            }
            if rec.len() == HEADER.len() && &rec[3] == id && keep(&rec) {
                let g = |i: usize| rec.get(i).unwrap_or_default().to_string();
                out.push(Change {
                    time: g(0),
                    command: g(1),
                    table: g(2),
                    id: g(3),
                    field: g(4),
                    old: g(5),
                    new: g(6),
                    source: g(7),
                });
            }
        }
        buf.drain(..carry_from);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A customer's rows found among others, whatever the chunk size: rows
    /// cut by a chunk's end, values with line breaks and commas, and the
    /// number inside another row's value.
    #[test]
    fn the_rows_of_one_record_are_found_in_any_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = format!("{}\n", HEADER.join(","));
        let mut want = Vec::new();
        for i in 0..300 {
            let id = format!("C{:03}", i % 7);
            let new = if i % 5 == 0 {
                format!("\"line one\nline ,C003, two {i}\"")
            } else {
                format!("v{i}")
            };
            text.push_str(&format!(
                "2026-12-01T10:00:00+08:00,import,customers,{id},notes,,{new},in.csv:{i}\n"
            ));
            if id == "C003" {
                want.push(format!("in.csv:{i}"));
            }
        }
        std::fs::write(dir.path().join(CHANGES_FILE), &text).unwrap();
        for chunk in [7, 64, 100, 1000, 1 << 20] {
            let got = read_log_of_in(dir.path(), "C003", |_| true, chunk).unwrap();
            let sources: Vec<&str> = got.iter().map(|c| c.source.as_str()).collect();
            assert_eq!(sources, want, "chunk {chunk}");
        }
        let all = read_log_where(dir.path(), |r| &r[3] == "C003").unwrap();
        assert_eq!(all.len(), want.len());
    }
}
