//! Rows read on other threads. A CSV file is cut into chunks of whole records
//! (at line ends outside quotes) that worker threads turn into results in
//! parallel; the caller gets them back in file order, with every error at the
//! place in the file where it happened. Other sources (YAML, workbooks,
//! standard input) are read by one background thread.

use crate::input::{Chunk, RawRow, RawText, Source};
use anyhow::Result;
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// What a worker makes of one row.
pub type RowFn<T> = Arc<dyn Fn(&RawRow) -> T + Send + Sync>;

/// Bytes of text a worker parses at a time.
pub const CHUNK_BYTES: usize = 2 << 20;
/// Rows a batch holds when one thread reads a source row by row.
const BATCH_ROWS: usize = 2048;

struct Batch<T> {
    rows: Vec<T>,
    /// bytes of the source read up to the end of this batch (for progress)
    bytes: u64,
}

type Msg<T> = (u64, Result<Batch<T>>);

/// Emptied batch vectors, handed back to the workers: a batch of a chunk is
/// a megabyte or two, and one allocated anew each time costs a page fault per
/// page (a fifth of the time of a fast pass).
type VecPool<T> = Arc<Mutex<Vec<Vec<T>>>>;

fn take_vec<T>(pool: &VecPool<T>) -> Vec<T> {
    pool.lock()
        .ok()
        .and_then(|mut p| p.pop())
        .unwrap_or_default()
}

/// The results of a source's rows, in file order.
pub struct Rows<T> {
    rx: Receiver<Msg<T>>,
    /// batches that came before their turn
    pending: BTreeMap<u64, Result<Batch<T>>>,
    next_seq: u64,
    /// the current batch, reversed: rows are popped off its end
    cur: Vec<T>,
    pool: VecPool<T>,
    /// bytes of the source behind the rows returned so far
    pub bytes: u64,
}

impl<T: Send + 'static> Rows<T> {
    pub fn spawn(src: Source, f: RowFn<T>) -> Rows<T> {
        let (tx, rx) = sync_channel(8);
        let pool: VecPool<T> = Arc::default();
        match src.into_raw() {
            Ok(Ok(raw)) => spawn_parallel(raw, f, tx, Arc::clone(&pool)),
            Ok(Err(e)) => {
                let _ = tx.send((0, Err(e)));
            }
            Err(src) => spawn_single(*src, f, tx),
        }
        Rows {
            rx,
            pending: BTreeMap::new(),
            next_seq: 0,
            cur: Vec::new(),
            pool,
            bytes: 0,
        }
    }
}

fn spawn_single<T: Send + 'static>(mut src: Source, f: RowFn<T>, tx: SyncSender<Msg<T>>) {
    std::thread::spawn(move || {
        for seq in 0.. {
            let mut rows = Vec::with_capacity(BATCH_ROWS);
            let mut done = false;
            while rows.len() < BATCH_ROWS {
                match src.next_record() {
                    Ok(Some(row)) => rows.push(f(&row)),
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
            let bytes = src.bytes_read();
            // a closed channel means the caller stopped: so do we
            if tx.send((seq, Ok(Batch { rows, bytes }))).is_err() || done {
                return;
            }
        }
    });
}

fn spawn_parallel<T: Send + 'static>(
    raw: RawText,
    f: RowFn<T>,
    tx: SyncSender<Msg<T>>,
    pool: VecPool<T>,
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
        let (rx, tx, f, name, headers, pool) = (
            Arc::clone(&chunk_rx),
            tx.clone(),
            Arc::clone(&f),
            Arc::clone(&name),
            Arc::clone(&headers),
            Arc::clone(&pool),
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
                let mut rows = take_vec(&pool);
                let res = crate::input::parse_chunk(&name, &headers, delimiter, &chunk, |row| {
                    rows.push(f(&row))
                });
                let msg = res.map(|()| Batch {
                    rows,
                    bytes: chunk.bytes_done,
                });
                if tx.send((chunk.seq, msg)).is_err() {
                    return;
                }
            }
        });
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
                let empty = std::mem::take(&mut self.cur);
                if let Ok(mut p) = self.pool.lock()
                    && p.len() < 8
                {
                    p.push(empty);
                }
            }
            // batches arrive in any order; take them in file order
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
            match msg {
                Ok(mut b) => {
                    self.bytes = b.bytes;
                    b.rows.reverse();
                    self.cur = b.rows;
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
