//! Rows read on other threads. A CSV file is cut into chunks of whole records
//! (at line ends outside quotes) that worker threads turn into results in
//! parallel; the caller gets them back in file order, with every error at the
//! place in the file where it happened. Other sources (YAML, workbooks,
//! standard input) are read by one background thread.
//!
//! Two shapes: [`Parts`] folds each chunk's rows into one value the worker
//! builds (a part: counts, findings, keys), [`Rows`] returns one result per
//! row (a part that is a vector of them).

use crate::read::chunks::Chunk;
use crate::read::source::{RawRow, RawText, Source};
use anyhow::Result;
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// What a worker makes of one row.
pub type RowFn<T> = Arc<dyn Fn(&RawRow) -> T + Send + Sync>;
/// A new, empty part.
pub type MakeFn<P> = Arc<dyn Fn() -> P + Send + Sync>;
/// Add one row to a part.
pub type FoldFn<P> = Arc<dyn Fn(&mut P, &RawRow) + Send + Sync>;
/// Finish a part on the worker, after its last row (e.g. build its columns).
pub type SealFn<P> = Arc<dyn Fn(&mut P) + Send + Sync>;

/// Bytes of text a worker parses at a time: about 5,000 archive rows. Each
/// chunk in flight holds its text and a part of the size of its rows, and on
/// a machine where memory new to the process is slow to touch, smaller
/// chunks (fewer megabytes in flight) are faster; the costs per chunk are
/// small.
pub const CHUNK_BYTES: usize = 1 << 20;
/// Rows a part holds when one thread reads a source row by row.
const BATCH_ROWS: usize = 2048;

/// A part, and the bytes of the source read up to its end (for progress).
type Msg<P> = (u64, Result<(P, u64)>);

/// The parts of a source, in file order.
pub struct Parts<P> {
    rx: Receiver<Msg<P>>,
    /// parts that came before their turn
    pending: BTreeMap<u64, Result<(P, u64)>>,
    next_seq: u64,
    /// emptied parts handed back ([`Parts::recycle`]), taken before `make`
    /// makes a new one: a part is a megabyte or two, and memory new to the
    /// process costs a page fault per page (a fifth of the time of a fast pass)
    pool: Arc<Mutex<Vec<P>>>,
    /// bytes of the source behind the parts returned so far
    pub bytes: u64,
}

/// Emptied parts kept for reuse: more than are ever in flight.
const POOL: usize = 8;

impl<P: Send + 'static> Parts<P> {
    pub fn spawn(src: Source, make: MakeFn<P>, fold: FoldFn<P>) -> Parts<P> {
        Parts::spawn_sealed(src, make, fold, Arc::new(|_: &mut P| {}))
    }

    /// As [`Parts::spawn`], with `seal` run on each part by its worker once
    /// the part's rows are in.
    pub fn spawn_sealed(
        src: Source,
        make: MakeFn<P>,
        fold: FoldFn<P>,
        seal: SealFn<P>,
    ) -> Parts<P> {
        let pool: Arc<Mutex<Vec<P>>> = Arc::default();
        let make: MakeFn<P> = {
            let pool = Arc::clone(&pool);
            Arc::new(move || {
                let reused = pool.lock().ok().and_then(|mut p| p.pop());
                reused.unwrap_or_else(|| make())
            })
        };
        // parts done ahead of their turn wait here: a few absorb the
        // workers' unevenness, more only hold memory
        let (tx, rx) = sync_channel(4);
        match src.into_raw() {
            Ok(Ok(raw)) => spawn_parallel(raw, make, fold, seal, tx),
            Ok(Err(e)) => {
                let _ = tx.send((0, Err(e)));
            }
            Err(src) => spawn_single(*src, make, fold, seal, tx),
        }
        Parts {
            rx,
            pending: BTreeMap::new(),
            next_seq: 0,
            pool,
            bytes: 0,
        }
    }
}

impl<P> Parts<P> {
    /// Hand back a part the caller has emptied, for the workers to fill again.
    pub fn recycle(&self, part: P) {
        if let Ok(mut p) = self.pool.lock()
            && p.len() < POOL
        {
            p.push(part);
        }
    }
}

fn spawn_single<P: Send + 'static>(
    mut src: Source,
    make: MakeFn<P>,
    fold: FoldFn<P>,
    seal: SealFn<P>,
    tx: SyncSender<Msg<P>>,
) {
    std::thread::spawn(move || {
        for seq in 0.. {
            let mut part = make();
            let (mut n, mut done) = (0, false);
            while n < BATCH_ROWS {
                match src.next_record() {
                    Ok(Some(row)) => {
                        fold(&mut part, &row);
                        n += 1;
                    }
                    Ok(None) => {
                        done = true;
                        break;
                    }
                    Err(e) => {
                        let _ = tx.send((seq, Err(e)));
                        return;
                    }
                }
            }
            seal(&mut part);
            let bytes = src.bytes_read();
            // a closed channel means the caller stopped: so do we
            if tx.send((seq, Ok((part, bytes)))).is_err() || done {
                return;
            }
        }
    });
}

fn spawn_parallel<P: Send + 'static>(
    raw: RawText,
    make: MakeFn<P>,
    fold: FoldFn<P>,
    seal: SealFn<P>,
    tx: SyncSender<Msg<P>>,
) {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(workers);
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let name = Arc::new(raw.name.clone());
    let headers = Arc::new(raw.headers.clone());
    let delimiter = raw.delimiter;
    let cut_tx = tx.clone();
    std::thread::spawn(move || {
        let mut seq = 0;
        for chunk in raw.chunks(CHUNK_BYTES) {
            match chunk {
                Ok(c) => {
                    seq = c.seq + 1;
                    if chunk_tx.send(c).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    // numbered after every chunk before it: errors come in file order
                    let _ = cut_tx.send((seq, Err(e)));
                    return;
                }
            }
        }
    });
    for _ in 0..workers {
        let (rx, tx, make, fold, seal, name, headers) = (
            Arc::clone(&chunk_rx),
            tx.clone(),
            Arc::clone(&make),
            Arc::clone(&fold),
            Arc::clone(&seal),
            Arc::clone(&name),
            Arc::clone(&headers),
        );
        std::thread::spawn(move || {
            loop {
                let chunk = match rx.lock() {
                    Ok(rx) => match rx.recv() {
                        Ok(c) => c,
                        Err(_) => return,
                    },
                    Err(_) => return,
                };
                let mut part = make();
                let res =
                    crate::read::chunks::parse_chunk(&name, &headers, delimiter, &chunk, |row| {
                        fold(&mut part, &row)
                    });
                let msg = res.map(|()| {
                    seal(&mut part);
                    (part, chunk.bytes_done)
                });
                if tx.send((chunk.seq, msg)).is_err() {
                    return;
                }
            }
        });
    }
}

impl<P> Iterator for Parts<P> {
    type Item = Result<P>;

    fn next(&mut self) -> Option<Result<P>> {
        loop {
            // parts arrive in any order; take them in file order
            let msg = match self.pending.remove(&self.next_seq) {
                Some(m) => m,
                None => match self.rx.recv() {
                    Ok((seq, m)) if seq == self.next_seq => m,
                    Ok((seq, m)) => {
                        self.pending.insert(seq, m);
                        continue;
                    }
                    Err(_) => return None,
                },
            };
            self.next_seq += 1;
            return Some(msg.map(|(part, bytes)| {
                self.bytes = bytes;
                part
            }));
        }
    }
}

/// The results of a source's rows, in file order.
pub struct Rows<T> {
    parts: Parts<Vec<T>>,
    /// the current part, reversed: rows are popped off its end
    cur: Vec<T>,
}

impl<T: Send + 'static> Rows<T> {
    pub fn spawn(src: Source, f: RowFn<T>) -> Rows<T> {
        let fold: FoldFn<Vec<T>> = Arc::new(move |rows, row| rows.push(f(row)));
        Rows {
            parts: Parts::spawn(src, Arc::new(Vec::new), fold),
            cur: Vec::new(),
        }
    }

    /// Bytes of the source behind the rows returned so far.
    pub fn bytes(&self) -> u64 {
        self.parts.bytes
    }
}

impl<T> Iterator for Rows<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(n) = self.cur.pop() {
                return Some(Ok(n));
            }
            if self.cur.capacity() > 0 {
                self.parts.recycle(std::mem::take(&mut self.cur));
            }
            match self.parts.next()? {
                Ok(mut rows) => {
                    rows.reverse();
                    self.cur = rows;
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
