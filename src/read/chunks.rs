//! A CSV file's text cut into chunks of whole records (at a line end outside
//! quotes), for the worker threads of `pipeline`; and the parse of one chunk
//! with the checks of `Source::next_record`.

use super::source::*;
use anyhow::{Result, anyhow, bail};

/// A run of whole records of a CSV file, cut at a line end outside quotes.
pub struct Chunk {
    pub seq: u64,
    /// line of the chunk's first byte
    pub first_line: u64,
    pub data: Vec<u8>,
    /// bytes of the text read up to the end of this chunk
    pub bytes_done: u64,
    pool: Pool,
}

/// Buffers of parsed chunks, handed back to the reader: megabyte buffers
/// freed and allocated anew cost a page fault per page every time.
pub(crate) type Pool = std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>;

impl Drop for Chunk {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if let Ok(mut pool) = self.pool.lock()
            && pool.len() < 16
        {
            pool.push(data);
        }
    }
}

/// Cut the text after the header into chunks of about `size` bytes, each
/// ending at a newline outside any quoted value. Errors (an unclosed quote, a
/// line over [`MAX_LINE_BYTES`]) end the sequence.
pub struct Chunks {
    raw: RawText,
    size: usize,
    /// text read but not yet cut off (it starts outside quotes)
    carry: Vec<u8>,
    /// line of the first byte of `carry`
    line: u64,
    seq: u64,
    done_bytes: u64,
    eof: bool,
    pool: Pool,
}

impl RawText {
    pub fn chunks(self, size: usize) -> Chunks {
        let line = self.first_line;
        Chunks {
            raw: self,
            size,
            carry: Vec::with_capacity(size + size / 4),
            line,
            seq: 0,
            done_bytes: 0,
            eof: false,
            pool: Pool::default(),
        }
    }
}

impl Chunks {
    pub fn name(&self) -> &str {
        &self.raw.name
    }

    pub fn headers(&self) -> &[String] {
        &self.raw.headers
    }

    pub fn delimiter(&self) -> u8 {
        self.raw.delimiter
    }

    /// The last newline of `data` that is outside quotes, given that `data`
    /// starts outside quotes.
    fn cut(data: &[u8]) -> Option<usize> {
        if !data.contains(&b'"') {
            return data.iter().rposition(|&b| b == b'\n');
        }
        let mut inside = false;
        let mut last = None;
        for (i, &b) in data.iter().enumerate() {
            if b == b'"' {
                inside = !inside;
            } else if b == b'\n' && !inside {
                last = Some(i);
            }
        }
        last
    }
}

impl Iterator for Chunks {
    type Item = Result<Chunk>;

    fn next(&mut self) -> Option<Result<Chunk>> {
        if self.eof {
            return None;
        }
        let name = self.raw.name.clone();
        loop {
            let start = self.carry.len();
            self.carry.resize(start + self.size, 0);
            let got = match read_up_to(&mut self.raw.reader, &mut self.carry[start..]) {
                Ok(n) => n,
                Err(e) => {
                    self.eof = true;
                    return Some(Err(anyhow!(crate::tr!(
                        "cannot_read_why",
                        file = name,
                        why = e
                    ))));
                }
            };
            self.carry.truncate(start + got);
            self.done_bytes += got as u64;
            if got == 0 {
                self.eof = true;
                if self.carry.is_empty() {
                    return None;
                }
                // the last records, without a final newline
                if let Some(line) = self.open_quote_line() {
                    return Some(Err(anyhow!(crate::tr!(
                        "quote_never_closed",
                        file = name,
                        line = line
                    ))));
                }
                let data = std::mem::take(&mut self.carry);
                return Some(Ok(self.emit(data)));
            }
            match Chunks::cut(&self.carry) {
                Some(pos) => {
                    let mut rest = self
                        .pool
                        .lock()
                        .ok()
                        .and_then(|mut p| p.pop())
                        .unwrap_or_default();
                    rest.clear();
                    // room for the next read and the usual carried line: a
                    // buffer that had to grow would copy itself into new memory
                    rest.reserve(self.size + self.size / 4);
                    rest.extend_from_slice(&self.carry[pos + 1..]);
                    self.carry.truncate(pos + 1);
                    let data = std::mem::replace(&mut self.carry, rest);
                    return Some(Ok(self.emit(data)));
                }
                None if self.carry.len() as u64 > MAX_LINE_BYTES => {
                    self.eof = true;
                    let line = self.line;
                    let quote = match self.open_quote_line() {
                        Some(q) => crate::tr!("quote_maybe_open", line = q),
                        None => String::new(),
                    };
                    return Some(Err(anyhow!(crate::tr!(
                        "line_too_long",
                        file = name,
                        line = line,
                        max = MAX_LINE_BYTES / 1024 / 1024,
                        quote = quote
                    ))));
                }
                None => continue,
            }
        }
    }
}

impl Chunks {
    /// The line of the quote that is still open at the end of the carried
    /// text, if one is.
    fn open_quote_line(&self) -> Option<u64> {
        let mut inside = false;
        let mut opened = 0;
        for (i, &b) in self.carry.iter().enumerate() {
            if b == b'"' {
                if !inside {
                    opened = i;
                }
                inside = !inside;
            }
        }
        inside.then(|| {
            self.line + self.carry[..opened].iter().filter(|&&b| b == b'\n').count() as u64
        })
    }

    fn emit(&mut self, data: Vec<u8>) -> Chunk {
        let first_line = self.line;
        self.line += memchr::memchr_iter(b'\n', &data).count() as u64;
        let seq = self.seq;
        self.seq += 1;
        Chunk {
            seq,
            first_line,
            data,
            bytes_done: self.done_bytes,
            pool: std::sync::Arc::clone(&self.pool),
        }
    }
}

/// Parse the records of one chunk, with the checks of [`Source::next_record`]:
/// `f` gets each non-blank record and its line.
pub fn parse_chunk(
    name: &str,
    headers: &[String],
    delimiter: u8,
    chunk: &Chunk,
    mut f: impl FnMut(RawRow<'_>),
) -> Result<()> {
    let width = headers.len();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(chunk.data.as_slice());
    // UTF-8 checked once for the whole chunk, with SIMD: then every value in
    // it is UTF-8 (values are cut at ASCII bytes and lose only ASCII quotes).
    // A chunk that fails is checked value by value, to name the line.
    let checked = simdutf8::basic::from_utf8(&chunk.data).is_ok();
    let mut rec = csv::ByteRecord::new();
    loop {
        let more = rdr.read_byte_record(&mut rec).map_err(|e| {
            let at = e.position().map(|p| chunk.first_line + p.line() - 1);
            let at = at.map(|l| format!(":{l}")).unwrap_or_default();
            anyhow!("{name}{at}: {e}")
        })?;
        if !more {
            return Ok(());
        }
        // the line of the record: the reader's count of the newlines before
        // its first byte (a record after a CRLF starts at the LF, which still
        // belongs to the line before and is not counted yet)
        let (pos, newlines) = rec
            .position()
            .map_or((0, 0), |p| (p.byte() as usize, p.line() - 1));
        let line = chunk.first_line + newlines + u64::from(chunk.data.get(pos) == Some(&b'\n'));
        if !checked && rec.iter().any(|v| std::str::from_utf8(v).is_err()) {
            bail!(crate::tr!("undecodable", place = format!("{name}:{line}")));
        }
        let rec = CsvRecord(&rec);
        if (0..rec.len()).all(|j| rec.get(j).trim().is_empty()) {
            continue;
        }
        if rec.len() != width {
            return Err(crate::read::source::row_width(
                name,
                line,
                rec.len(),
                width,
                false,
            ));
        }
        for (i, h) in headers.iter().enumerate() {
            let len = rec.get(i).len();
            if len > MAX_FIELD_BYTES {
                bail!(crate::tr!(
                    "value_too_long",
                    file = name,
                    line = line,
                    column = format!("{h:?}"),
                    len = len,
                    max = MAX_FIELD_BYTES / 1024
                ));
            }
        }
        f(RawRow::Csv(line, rec));
    }
}
