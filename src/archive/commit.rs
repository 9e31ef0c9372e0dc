//! Safe writes to the archive: an exclusive lock, files staged as temp files,
//! fsynced, backed up and renamed in one journalled commit, so an error, Ctrl-C
//! or a kill leaves the archive either exactly as before or fully updated.

use anyhow::{Context, Result, anyhow, bail};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub const LOCK_FILE: &str = ".dangan.lock";
pub const JOURNAL_FILE: &str = ".dangan-commit";
pub const BACKUP_DIR: &str = ".backup";
pub const TEMP_PREFIX: &str = ".dangan-tmp-";
pub const BACKUPS_KEPT: usize = 10;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static CHECKPOINTS: AtomicBool = AtomicBool::new(false);

/// Install the Ctrl-C handler: outside a write it ends the process at once;
/// during a write it asks the writer to stop at its next checkpoint.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if CHECKPOINTS.load(Ordering::SeqCst) {
            INTERRUPTED.store(true, Ordering::SeqCst);
        } else {
            std::process::exit(130);
        }
    });
}

/// Errors with "interrupted" when Ctrl-C was pressed since the write began.
pub fn checkpoint() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        bail!(crate::tr!("interrupted"));
    }
    Ok(())
}

/// The write's commit is done and what follows writes only derived files
/// (`analytics::prepared`), each by a rename: from here Ctrl-C ends the
/// process at once, as outside a write. Was Ctrl-C pressed during the write?
pub fn write_done() -> bool {
    CHECKPOINTS.store(false, Ordering::SeqCst);
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Held for the duration of a write to the archive.
pub struct ArchiveLock {
    _file: File,
}

impl ArchiveLock {
    /// Take the archive's exclusive lock, waiting up to `wait` for another
    /// dangan to finish, else fail naming the holder. A commit left half-done by
    /// a killed process is completed first, and its stale temp files removed.
    /// (The lock is an OS file lock: it dies with its process, so a killed run
    /// never leaves a lock behind that needs removing by hand.)
    /// The lock for a writer, none for a dry run (which writes nothing).
    pub fn unless_dry_run(
        dir: &Path,
        dry_run: bool,
        wait: Duration,
    ) -> Result<Option<ArchiveLock>> {
        if dry_run {
            return Ok(None);
        }
        Self::acquire(dir, wait).map(Some)
    }

    pub fn acquire(dir: &Path, wait: Duration) -> Result<ArchiveLock> {
        let path = dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| crate::tr!("cannot_create_lock", file = path.display()))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed() < wait {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let waited = if wait.is_zero() {
                        String::new()
                    } else {
                        crate::tr!("lock_waited", seconds = wait.as_secs())
                    };
                    bail!(crate::tr!(
                        "archive_locked",
                        dir = dir.display(),
                        holder = holder.trim(),
                        waited = waited
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    bail!(crate::tr!("cannot_lock", file = path.display(), why = e))
                }
            }
        }
        file.set_len(0)?;
        writeln!(file, "pid {}", std::process::id())?;
        recover(dir)?;
        CHECKPOINTS.store(true, Ordering::SeqCst);
        Ok(ArchiveLock { _file: file })
    }
}

/// Before reading an archive: when a killed writer left a commit half-done,
/// complete it (under the lock, waiting for a live writer to finish), so a
/// reader never sees some files new and others old. Temp files a killed
/// writer left are removed when no writer holds the lock (a live writer's
/// temp files are its own).
pub fn settle(dir: &Path) -> Result<()> {
    if dir.join(JOURNAL_FILE).exists() {
        drop(ArchiveLock::acquire(dir, Duration::from_secs(30))?);
        return Ok(());
    }
    let stale = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
    });
    if stale {
        // a live writer holds the lock: its files are not stale, leave them
        let _ = ArchiveLock::acquire(dir, Duration::ZERO);
    }
    Ok(())
}

impl Drop for ArchiveLock {
    fn drop(&mut self) {
        CHECKPOINTS.store(false, Ordering::SeqCst);
    }
}

/// Finish a journalled commit that a killed process left behind, then remove
/// stale temp files.
fn recover(dir: &Path) -> Result<()> {
    let journal = dir.join(JOURNAL_FILE);
    if let Ok(text) = std::fs::read_to_string(&journal) {
        // The journal is written only once every temp file is complete and synced.
        for line in text.lines() {
            let parts: Vec<&str> = line.split('\t').collect();
            match parts[..] {
                ["append", tmp, fin, len] => {
                    // the log's rows: appended again at the length it had
                    let tmp = dir.join(tmp);
                    let len: u64 = len
                        .parse()
                        .with_context(|| crate::tr!("damaged_journal", file = journal.display()))?;
                    if tmp.exists() {
                        super::changes::apply_append(&tmp, &dir.join(fin), len)?;
                    }
                }
                [tmp, fin] => {
                    let tmp = dir.join(tmp);
                    if tmp.exists() {
                        std::fs::rename(&tmp, dir.join(fin))
                            .with_context(|| format!("recovering {}", tmp.display()))?;
                    }
                }
                _ => {}
            }
        }
        sync_dir(dir);
        std::fs::remove_file(&journal).ok();
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                std::fs::remove_file(e.path()).ok();
            }
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A new version of one archive file, written to a temp file beside it.
pub struct Staged {
    pub target: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl Staged {
    pub fn new(target: &Path) -> Result<Staged> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .with_context(|| crate::tr!("cannot_create_temp", file = dir.display()))?;
        // the new file gets the old one's permissions (temp files start at 0600)
        let perms = match std::fs::metadata(target) {
            Ok(m) => m.permissions(),
            Err(_) => default_permissions(),
        };
        std::fs::set_permissions(tmp.path(), perms).ok();
        Ok(Staged {
            target: target.to_path_buf(),
            tmp,
        })
    }

    /// A whole table staged for `target`, in the archive's layout and format.
    pub fn table(
        target: &Path,
        format: crate::archive::settings::StoreFormat,
        table: &crate::archive::Table,
        bom: bool,
    ) -> Result<Staged> {
        use std::io::Write;
        let mut staged = Staged::new(target)?;
        {
            let mut w = std::io::BufWriter::new(staged.file());
            let mut tw = crate::archive::TableWriter::new(&mut w, format, &table.columns, bom)?;
            for r in &table.rows {
                tw.write(r.iter())?;
            }
            tw.finish()?;
            w.flush()?;
        }
        Ok(staged)
    }

    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Make it the target: fsync, then rename over it.
    pub fn persist(self) -> Result<()> {
        self.tmp.as_file().sync_all()?;
        let target = self.target;
        self.tmp.persist(&target).map_err(|e| {
            anyhow!(crate::tr!(
                "cannot_write_why",
                file = target.display(),
                why = e.error
            ))
        })?;
        Ok(())
    }
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    let mut p = std::fs::metadata(".")
        .map(|m| m.permissions())
        .expect("current directory");
    p.set_readonly(false);
    p
}

/// Replace the targets of the staged files in one step and append their rows
/// to `changes.csv`: fsync each, back up the current files into
/// `.backup/<time>/` (last [`BACKUPS_KEPT`] kept), write the journal (which
/// names the log's length before the append), rename, append, remove the
/// journal. Nothing staged: nothing written, the log's rows dropped.
pub fn commit(
    dir: &Path,
    staged: Vec<Staged>,
    log: super::changes::ChangeLog,
) -> Result<Option<PathBuf>> {
    if staged.is_empty() {
        return Ok(None);
    }
    checkpoint()?;
    let log = log.seal()?;
    for s in &staged {
        s.tmp.as_file().sync_all().context("fsync")?;
    }
    crash_point("staged");
    let backup = make_backup(dir, staged.iter().map(|s| s.target.as_path()))?;
    let mut journal = String::new();
    let mut kept = Vec::new();
    for s in staged {
        let tmp_name = s
            .tmp
            .path()
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let fin = s
            .target
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        journal.push_str(&format!("{tmp_name}\t{fin}\n"));
        let path = s
            .tmp
            .into_temp_path()
            .keep()
            .map_err(|e| anyhow!("cannot keep temp file: {e}"))?;
        kept.push((path, s.target));
    }
    let log = match log {
        Some((rows, base_len)) => {
            let tmp = rows
                .tmp
                .into_temp_path()
                .keep()
                .map_err(|e| anyhow!("cannot keep temp file: {e}"))?;
            let tmp_name = tmp.file_name().unwrap_or_default().to_string_lossy();
            journal.push_str(&format!(
                "append\t{tmp_name}\t{}\t{base_len}\n",
                super::changes::CHANGES_FILE
            ));
            Some((tmp, base_len))
        }
        None => None,
    };
    crash_point("backup");
    // the journal appears whole or not at all: written beside, then renamed
    let jpath = dir.join(JOURNAL_FILE);
    let jtmp = dir.join(format!("{TEMP_PREFIX}journal"));
    {
        let mut j = File::create(&jtmp)
            .with_context(|| crate::tr!("cannot_write", file = jtmp.display()))?;
        j.write_all(journal.as_bytes())?;
        j.sync_all()?;
    }
    crash_point("journal-written");
    std::fs::rename(&jtmp, &jpath)
        .with_context(|| crate::tr!("cannot_write", file = jpath.display()))?;
    sync_dir(dir);
    crash_point("journal");
    for (i, (tmp, target)) in kept.iter().enumerate() {
        std::fs::rename(tmp, target)
            .with_context(|| crate::tr!("cannot_replace", file = target.display()))?;
        if i == 0 {
            crash_point("first-rename");
        }
    }
    sync_dir(dir);
    crash_point("renamed");
    if let Some((tmp, base_len)) = &log {
        let t = Instant::now();
        super::changes::apply_append(tmp, &dir.join(super::changes::CHANGES_FILE), *base_len)?;
        crate::timing("commit: changes.csv appended", t);
    }
    crash_point("appended");
    std::fs::remove_file(&jpath).ok();
    sync_dir(dir);
    if let Some((tmp, _)) = &log {
        std::fs::remove_file(tmp).ok();
    }
    sync_dir(dir);
    Ok(backup)
}

/// The points of a commit where the crash-safety tests kill the process
/// (`DANGAN_TEST_CRASH_AT=journal`, ...): it aborts there at once, as SIGKILL
/// would, running no destructor and removing no temp file.
pub const CRASH_POINTS: &[&str] = &[
    "staged",
    "backup",
    "journal-written",
    "journal",
    "first-rename",
    "renamed",
    "appended",
];

fn crash_point(name: &str) {
    if std::env::var_os("DANGAN_TEST_CRASH_AT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

fn make_backup<'a>(dir: &Path, targets: impl Iterator<Item = &'a Path>) -> Result<Option<PathBuf>> {
    let existing: Vec<&Path> = targets.filter(|t| t.exists()).collect();
    if existing.is_empty() {
        return Ok(None);
    }
    let root = dir.join(BACKUP_DIR);
    std::fs::create_dir_all(&root)
        .with_context(|| crate::tr!("cannot_create", file = root.display()))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let mut folder = root.join(&stamp);
    let mut n = 2;
    while folder.exists() {
        folder = root.join(format!("{stamp}-{n}"));
        n += 1;
    }
    std::fs::create_dir(&folder)
        .with_context(|| crate::tr!("cannot_create", file = folder.display()))?;
    for t in existing {
        let dest = folder.join(t.file_name().unwrap_or_default());
        if std::fs::hard_link(t, &dest).is_err() {
            std::fs::copy(t, &dest).with_context(|| format!("backing up {}", t.display()))?;
        }
    }
    sync_dir(&folder);
    prune_backups(&root);
    Ok(Some(folder))
}

fn prune_backups(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut names: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    while names.len() > BACKUPS_KEPT {
        let old = names.remove(0);
        std::fs::remove_dir_all(&old).ok();
    }
}

/// Write a whole file atomically (temp, fsync, rename) outside the archive,
/// e.g. `--output` or a rejects file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut s = Staged::new(path)?;
    s.file()
        .write_all(bytes)
        .with_context(|| crate::tr!("cannot_write", file = path.display()))?;
    s.persist()
}
