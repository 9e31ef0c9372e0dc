//! The files `show` and `find` read, made again by the command that changed
//! the archive, so that the first `show` after an import answers as fast as
//! every other one.
//!
//! `show` reads a big archive through files kept in `.cache/` and named by
//! the stamps of the tables they come from: the search index
//! (`lookup::index`), the transactions' codes (`codes`, what `grade_one`
//! counts), and the transactions, follow-ups and complaints sorted by
//! customer (`by_customer`). A write changes the stamps, so the kept files
//! are stale, and the next reader would make them again: on a million
//! customers and ten million transactions that is seconds, paid by the
//! person who typed `show`.
//!
//! Instead each writer (`import`, `fmt`, `classify --write`, `reassign`,
//! `dedupe --apply`) calls [`after_write`] once its commit is done. It makes
//! again only what was kept before the write, so an archive nobody runs
//! `show` or `find` on pays nothing:
//! - a search index was kept: the index;
//! - transactions by customer were kept (a `show` ran): the index, the
//!   codes and the three files by customer.
//!
//! What it makes is exactly what the reader would make (the same
//! functions), and like every kept file it is derived, never a source: if a
//! step fails the write still stands, the step is skipped (`DANGAN_TIMING`
//! says why), and the next reader makes the file. An archive changed by
//! another program (an editor, a script) gets its files at the next `show`.
//! `archive.prepare: false` leaves them to the next reader (an archive
//! changed by many small imports and rarely looked at). Ctrl-C during it
//! ends the run at once (`commit::write_done`): the write is done, and a
//! kept file is only ever replaced by a rename.

use crate::archive::{Archive, CACHE_DIR};

/// Make again the kept files of `show` and `find` that the archive had
/// before this write (see the module doc). Never fails: a step that cannot
/// be done is left to the next reader.
pub fn after_write(archive: &Archive) {
    let s = &archive.settings.archive;
    if !s.cache || !s.prepare {
        return;
    }
    // Ctrl-C now ends the run at once (a kept file is written by a rename);
    // one pressed during the write: nothing more is done
    if crate::archive::commit::write_done() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(archive.dir.join(CACHE_DIR)) else {
        return;
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let had = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    let shown = had("tx-by-customer.");
    if !shown && !had("find.") {
        return;
    }
    let started = std::time::Instant::now();
    let t = std::time::Instant::now();
    // `load` makes the index when it is missing; no field is read back
    if crate::lookup::index::load(archive, &[]).is_some() {
        crate::timing("prepare: the search index", t);
    }
    if shown {
        let steps: [(&str, Step); 4] = [
            ("the codes", crate::analytics::grade_one::prepare),
            (
                "transactions by customer",
                crate::analytics::tx_by_customer::prepare,
            ),
            (
                "follow-ups by customer",
                crate::analytics::by_customer::prepare_followups,
            ),
            (
                "complaints by customer",
                crate::analytics::by_customer::prepare_complaints,
            ),
        ];
        for (what, step) in steps {
            let t = std::time::Instant::now();
            match step(archive) {
                Ok(()) => crate::timing(&format!("prepare: {what}"), t),
                Err(e) => trace(format_args!("{what} not made: {e:#}")),
            }
        }
    }
    crate::timing("prepare: in all", started);
}

/// One file made again.
type Step = fn(&Archive) -> anyhow::Result<()>;

fn trace(msg: std::fmt::Arguments) {
    if std::env::var_os("DANGAN_TIMING").is_some() {
        eprintln!("prepare: {msg}");
    }
}
