//! `dangan fmt [--check]`: rewrite the archive's files in canonical form,
//! after people edited them in Excel or WPS (SPEC.md "Reading the archive").
//!
//! Usage:
//!   dangan fmt --archive DIR            rewrite what is not canonical
//!   dangan fmt --archive DIR --check    list it and exit 1, write nothing
//!
//! Canonical means: UTF-8 (with a BOM only when `archive.bom` says so), LF
//! line ends, the canonical columns in their stable order with unknown
//! columns kept after them, and every cell in its one meaning
//! (`read::cells`): ISO dates, yuan with two decimals, canonical kinds and
//! statuses, full province names. CSV stays CSV and YAML stays YAML. A cell
//! that cannot be read stops `fmt` with its `file:line: column` message and
//! nothing is written. The rewrite is one journalled commit under the lock,
//! with the old files in `.backup/` (`commit::commit`).

use crate::archive::changes::ChangeLog;
use crate::archive::commit::{self, ArchiveLock, Staged};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, ArchiveReader, TableWriter};
use crate::render::output::{Cell, Label, Out};
use anyhow::{Result, bail};
use std::io::Write;
use std::path::PathBuf;

pub struct FmtOptions {
    /// list what would change, write nothing
    pub check: bool,
    pub lock_wait: std::time::Duration,
}

/// One cell that `fmt` rewrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub file: String,
    pub line: u64,
    /// the record's archive number (a follow-up's: its customer's)
    pub id: String,
    pub column: String,
    pub old: String,
    pub new: String,
}

/// What `fmt` found in one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    pub path: PathBuf,
    /// the file is not byte for byte its canonical form
    pub changed: bool,
    /// cells rewritten (all of them)
    pub cells: Vec<Rewrite>,
    /// what changes in the file as a whole: encoding, BOM, line ends, columns
    pub file_changes: Vec<String>,
}

pub struct Formatted {
    pub files: Vec<FileResult>,
    /// `.backup/` directory of the old files, when something was written
    pub backup: Option<PathBuf>,
}

impl Formatted {
    pub fn changed(&self) -> bool {
        self.files.iter().any(|f| f.changed)
    }
}

/// The canonical bytes of one table file, and what differs from the file.
pub fn canonical(archive: &Archive, kind: TableKind) -> Result<Option<(FileResult, Vec<u8>)>> {
    let Some((path, format)) = archive.table_file(kind)? else {
        return Ok(None);
    };
    let old = std::fs::read(&path)?;
    let mut r = ArchiveReader::open(&path, kind)?;
    let name = r.name().to_string();
    let columns = r.columns.clone();
    let canon = kind.columns();
    let id_name = if kind == TableKind::Followups {
        "customer_id"
    } else {
        "id"
    };
    let c_id = columns.iter().position(|c| c == id_name);
    let mut cells = Vec::new();
    let mut buf = Vec::with_capacity(old.len());
    {
        let mut w = TableWriter::new(&mut buf, format, &columns, archive.settings.archive.bom)?;
        while let Some(mut row) = r.next_row()? {
            let id = c_id.map(|c| row[c].clone()).unwrap_or_default();
            for (i, c) in canon.iter().enumerate() {
                let v = &mut row[i];
                match crate::read::cells::read_at(&name, r.last_line, c, v) {
                    Ok(std::borrow::Cow::Owned(new)) => {
                        cells.push(Rewrite {
                            file: name.clone(),
                            line: r.last_line,
                            id: id.clone(),
                            column: c.name.to_string(),
                            old: std::mem::take(v),
                            new: new.clone(),
                        });
                        *v = new;
                    }
                    Ok(std::borrow::Cow::Borrowed(_)) => {}
                    Err(e) => bail!(e),
                }
            }
            w.write(row.iter().map(String::as_str))?;
        }
        w.finish()?;
    }
    let mut file_changes = Vec::new();
    if format == crate::archive::settings::StoreFormat::Csv {
        let enc = r.encoding();
        if enc != "UTF-8" {
            file_changes.push(format!("encoding {enc} → UTF-8"));
        }
        let has_bom = old.starts_with("\u{feff}".as_bytes());
        if has_bom != archive.settings.archive.bom {
            file_changes.push(if has_bom {
                "BOM removed (archive.bom: false)".into()
            } else {
                "BOM added (archive.bom: true)".into()
            });
        }
        if memchr::memmem::find(&old, b"\r\n").is_some() {
            file_changes.push("line ends CRLF → LF".into());
        }
        let first = buf.split(|&b| b == b'\n').next().unwrap_or_default();
        let old_first = old.split(|&b| b == b'\n').next().unwrap_or_default();
        let strip = |s: &[u8]| -> Vec<u8> {
            let s = s.strip_prefix("\u{feff}".as_bytes()).unwrap_or(s);
            s.strip_suffix(b"\r").unwrap_or(s).to_vec()
        };
        if strip(first) != strip(old_first) && enc == "UTF-8" {
            file_changes.push("columns in the canonical order".into());
        }
    }
    let changed = buf != old;
    if changed && cells.is_empty() && file_changes.is_empty() {
        file_changes.push("quoting and layout".into());
    }
    Ok(Some((
        FileResult {
            path,
            changed,
            cells,
            file_changes,
        },
        buf,
    )))
}

pub fn run(archive_dir: &std::path::Path, opts: &FmtOptions) -> Result<Formatted> {
    let archive = Archive::open(archive_dir)?;
    // held from reading to writing, so that no import slips in between
    let _lock = if opts.check {
        None
    } else {
        Some(ArchiveLock::acquire(&archive.dir, opts.lock_wait)?)
    };
    // a damaged revision log stops the rewrite before anything is read
    let log = if opts.check {
        None
    } else {
        Some(ChangeLog::begin(&archive.dir, "fmt")?)
    };
    let mut files = Vec::new();
    let mut staged = Vec::new();
    for kind in TableKind::ALL {
        let Some((res, bytes)) = canonical(&archive, kind)? else {
            continue;
        };
        if res.changed && !opts.check {
            let mut s = Staged::new(&res.path)?;
            s.file().write_all(&bytes)?;
            staged.push(s);
        }
        files.push((res, kind));
    }
    let backup = match log {
        Some(mut log) if !staged.is_empty() => {
            for (f, kind) in files.iter().filter(|(f, _)| f.changed) {
                // the file by its name in the archive (the archive may move)
                let name = f.path.file_name().unwrap_or_default().to_string_lossy();
                for c in &f.cells {
                    let source = format!("fmt {name}:{}", c.line);
                    log.push(*kind, &c.id, &c.column, &c.old, &c.new, &source)?;
                }
            }
            let backup = commit::commit(&archive.dir, staged, log)?;
            crate::analytics::prepared::after_write(&archive);
            backup
        }
        _ => None,
    };
    let files = files.into_iter().map(|(f, _)| f).collect();
    Ok(Formatted { files, backup })
}

/// The listing's columns.
fn labels() -> [Label; 5] {
    [
        Label::new("file", "文件", "file"),
        Label::new("line", "行", "line"),
        Label::new("column", "列", "column"),
        Label::new("old", "原值", "old"),
        Label::new("new", "规范值", "new"),
    ]
}

/// Cells listed per file for people (machine formats list every one).
const SHOWN: usize = 20;

/// Print what was (or would be) rewritten: one row per cell, and one per
/// change of a file as a whole (`line` 0, `column` `*`). Confidential values
/// are masked for people unless `no_mask`.
pub fn print(w: &mut dyn Write, out: Out, f: &Formatted, no_mask: bool) -> Result<()> {
    let mut rows = Vec::new();
    for file in &f.files {
        let name = file.path.display().to_string();
        for c in &file.file_changes {
            rows.push(vec![
                Cell::Text(name.clone()),
                Cell::Line(0),
                Cell::Text("*".into()),
                Cell::Text(String::new()),
                Cell::Text(c.clone()),
            ]);
        }
        let shown = if out.format.is_machine() {
            file.cells.len()
        } else {
            SHOWN.min(file.cells.len())
        };
        for c in &file.cells[..shown] {
            let show = |v: &str| {
                if !out.format.is_machine()
                    && !no_mask
                    && crate::values::text::is_confidential(&c.column)
                {
                    crate::values::text::mask(&c.column, v)
                } else {
                    v.to_string()
                }
            };
            rows.push(vec![
                Cell::Text(name.clone()),
                Cell::Line(c.line as i64),
                Cell::Text(c.column.clone()),
                Cell::Text(show(&c.old)),
                Cell::Text(show(&c.new)),
            ]);
        }
        if shown < file.cells.len() {
            rows.push(vec![
                Cell::Text(name.clone()),
                Cell::Line(0),
                Cell::Text("…".into()),
                Cell::Text(String::new()),
                Cell::Text(format!(
                    "{} {}",
                    file.cells.len() - shown,
                    out.lang.pick("个单元格未列出", "more cells")
                )),
            ]);
        }
    }
    if rows.is_empty() && !out.format.is_machine() {
        writeln!(
            w,
            "{}",
            out.lang.pick(
                "档案文件均已是规范格式。",
                "Every archive file is canonical."
            )
        )?;
        return Ok(());
    }
    crate::render::output::write_rows(w, out, &labels(), &rows)
}

/// The flags of `dangan fmt`.
#[derive(clap::Args)]
pub struct Args {
    /// List what is not canonical and exit 1 if anything is; write nothing
    #[arg(long)]
    pub check: bool,
    /// Seconds to wait for another command's lock on the archive
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,
    /// Show confidential values in full in the listing
    #[arg(long)]
    pub no_mask: bool,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// `dangan fmt` from the command line: the options, the run and its listing
pub fn main(a: Args, cx: &crate::flags::Context) -> anyhow::Result<std::process::ExitCode> {
    crate::flags::register_no_mask(cx, a.no_mask)?;
    use anyhow::anyhow;
    use std::io::Write;
    use std::process::ExitCode;
    let (archive, out, chatty) = (&cx.archive, cx.out, cx.chatty);
    let opts = FmtOptions {
        check: a.check,
        lock_wait: std::time::Duration::from_secs(a.wait),
    };
    let f = run(archive, &opts)?;
    print(&mut crate::render::output::stdout(), out, &f, a.no_mask)?;
    if chatty && let Some(b) = &f.backup {
        writeln!(std::io::stderr(), "previous files kept in {}", b.display())?;
    }
    if a.check && f.changed() {
        let n = f.files.iter().filter(|f| f.changed).count();
        return Err(anyhow!(crate::Findings(crate::tr!(
            "not_canonical_files",
            n = n
        ))));
    }
    Ok(ExitCode::SUCCESS)
}
