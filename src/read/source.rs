//! Reading any file people hand us as rows of text: CSV/TSV (delimiter sniffed),
//! YAML (a list of maps), XLSX/XLS/ODS; in UTF-8, UTF-8 with BOM, GBK/GB18030 or
//! UTF-16 with BOM; from a path or `-` (stdin). Every error names the file and line.

use anyhow::{Context, Result, anyhow, bail};
use encoding_rs::Encoding;
use std::io::{BufReader, Read};
use std::path::Path;

/// The longest line (bytes between two newlines) a text file may have. Longer
/// lines are refused while reading, so memory stays bounded.
pub const MAX_LINE_BYTES: u64 = 8 * 1024 * 1024;
/// The longest single value accepted.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--encoding`: forces the text encoding instead of detecting it
    pub encoding: Option<&'static Encoding>,
    /// `--sheet`: the worksheet of a workbook (default: the first)
    pub sheet: Option<String>,
}

/// One data row: its line in the source (1-based; for YAML the item's line,
/// for workbooks the sheet row) and its values, one per header.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Csv,
    Yaml,
    Workbook,
}

/// An opened input: its headers and a stream of rows.
pub struct Source {
    /// what messages call the file: its path, or `<stdin>`
    pub name: String,
    pub headers: Vec<String>,
    /// line of the header row
    pub header_line: u64,
    pub format: SourceFormat,
    /// encoding the text was read in (`UTF-8`, `GB18030`, ...)
    pub encoding: &'static str,
    /// size of the file in bytes, when known (for progress)
    pub size: Option<u64>,
    rows: Rows,
    /// how to open the text again from its start, for reading it in chunks
    reopen: Option<Reopen>,
    delimiter: u8,
    /// where the rows after the header start (byte of the decoded text, line)
    data_start: (u64, u64),
}

type Reopen = Box<dyn Fn() -> std::io::Result<Box<dyn Read + Send>> + Send>;

/// The text after the header of a CSV file, to be split into chunks of whole
/// records and parsed in parallel (see [`Chunks`]).
pub struct RawText {
    pub name: String,
    pub headers: Vec<String>,
    pub delimiter: u8,
    reader: Box<dyn Read + Send>,
    first_line: u64,
}

enum Rows {
    Csv {
        rdr: csv::Reader<CountingReader>,
        rec: csv::StringRecord,
        /// line of the last record when one of its values spans lines
        last_had_newline: Option<u64>,
        /// lines end in CRLF: the csv crate then reports a record's line one
        /// short (it starts the record at the LF of the line before)
        crlf: bool,
    },
    Mem(std::vec::IntoIter<Row>),
}

/// Counts bytes, quotes and lines as the CSV parser pulls them, and refuses a
/// line longer than [`MAX_LINE_BYTES`] before the parser buffers it.
pub struct CountingReader {
    inner: Box<dyn Read + Send>,
    bytes: u64,
    quotes: u64,
    line: u64,
    since_newline: u64,
}

impl CountingReader {
    pub fn new(inner: Box<dyn Read + Send>) -> CountingReader {
        CountingReader {
            inner,
            bytes: 0,
            quotes: 0,
            line: 0,
            since_newline: 0,
        }
    }
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        // memchr counts with SIMD
        let quotes = memchr::memchr_iter(b'"', chunk).count() as u64;
        let lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
        self.since_newline = match memchr::memrchr(b'\n', chunk) {
            Some(pos) => (n - pos - 1) as u64,
            None => self.since_newline + n as u64,
        };
        if self.since_newline > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {} MiB; refusing to read it",
                    self.line + lines + 1,
                    MAX_LINE_BYTES / 1024 / 1024
                ),
            ));
        }
        self.bytes += n as u64;
        self.quotes += quotes;
        self.line += lines;
        Ok(n)
    }
}

impl Source {
    /// Open a file (or `-` for stdin) and read its header row.
    pub fn open(path: &str, opts: &ReadOptions) -> Result<Source> {
        let name = if path == "-" {
            "<stdin>".to_string()
        } else {
            path.to_string()
        };
        if path == "-" {
            let bytes = read_all_checked(&name, std::io::stdin())?;
            return Source::from_bytes(name, bytes, None, opts);
        }
        let p = Path::new(path);
        let meta =
            std::fs::metadata(p).map_err(|e| anyhow!("{name}: cannot open: {}", io_reason(&e)))?;
        if meta.is_dir() {
            bail!("{name}: is a directory, not a file");
        }
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut head = vec![0u8; 8192];
        let got = {
            let mut f = std::fs::File::open(p)
                .map_err(|e| anyhow!("{name}: cannot open: {}", io_reason(&e)))?;
            read_up_to(&mut f, &mut head).with_context(|| format!("{name}: cannot read"))?
        };
        head.truncate(got);
        if got == 0 {
            bail!("{name}: empty file (no header row)");
        }
        if is_workbook(&ext, &head) {
            return read_workbook(name, p, opts);
        }
        if matches!(ext.as_str(), "yaml" | "yml") {
            let file = std::fs::File::open(p)
                .map_err(|e| anyhow!("{name}: cannot open: {}", io_reason(&e)))?;
            let bytes = read_all_checked(&name, file)?;
            return Source::from_bytes(name, bytes, Some(meta.len()), opts);
        }
        let encoding = match opts.encoding {
            Some(e) => e,
            None => detect_file_encoding(&name, p, &head)?,
        };
        let path_owned = p.to_path_buf();
        let reopen: Reopen = Box::new(move || {
            let file = std::fs::File::open(&path_owned)?;
            Ok(if encoding == encoding_rs::UTF_8 {
                Box::new(BufReader::with_capacity(1 << 20, file)) as Box<dyn Read + Send>
            } else {
                Box::new(
                    encoding_rs_io::DecodeReaderBytesBuilder::new()
                        .encoding(Some(encoding))
                        .bom_override(true)
                        .build(BufReader::with_capacity(1 << 20, file)),
                )
            })
        });
        let reader = reopen().map_err(|e| anyhow!("{name}: cannot open: {}", io_reason(&e)))?;
        let head_text = decode_head(&head, encoding);
        let delimiter = sniff_delimiter(&head_text, &ext);
        let crlf = first_line_crlf(&head_text);
        let mut src = Source::csv(
            name,
            reader,
            delimiter,
            crlf,
            encoding.name(),
            Some(meta.len()),
        )?;
        src.reopen = Some(reopen);
        Ok(src)
    }

    /// Read a whole file held in memory (standard input, the fuzz targets).
    pub fn from_bytes(
        name: String,
        bytes: Vec<u8>,
        size: Option<u64>,
        opts: &ReadOptions,
    ) -> Result<Source> {
        if bytes.is_empty() {
            bail!("{name}: empty file (no header row)");
        }
        if is_workbook("", &bytes) {
            bail!("{name}: a workbook cannot be read from standard input; give its path");
        }
        let encoding = match opts.encoding {
            Some(e) => e,
            None => detect_encoding(&name, &bytes)?,
        };
        let (text, _, malformed) = encoding.decode(&bytes);
        if malformed {
            bail!("{name}: cannot be decoded as {}", encoding.name());
        }
        let text = text.into_owned();
        let trimmed = text.trim_start_matches('\u{feff}');
        if looks_like_yaml(&name, trimmed) {
            return read_yaml(name, trimmed);
        }
        let delimiter = sniff_delimiter(trimmed, "");
        let crlf = first_line_crlf(trimmed);
        let reader: Box<dyn Read + Send> =
            Box::new(std::io::Cursor::new(trimmed.as_bytes().to_vec()));
        Source::csv(name, reader, delimiter, crlf, encoding.name(), size)
    }

    fn csv(
        name: String,
        reader: Box<dyn Read + Send>,
        delimiter: u8,
        crlf: bool,
        encoding: &'static str,
        size: Option<u64>,
    ) -> Result<Source> {
        let reader = CountingReader::new(reader);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(reader);
        let mut rec = csv::StringRecord::new();
        let mut headers;
        // the header row is the first row with any non-empty cell
        loop {
            let more = rdr.read_record(&mut rec).map_err(|e| csv_error(&name, e))?;
            if !more {
                bail!("{name}: empty file (no header row)");
            }
            headers = rec
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                .collect::<Vec<_>>();
            if headers.iter().any(|h| !h.is_empty()) {
                break;
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(1);
        check_headers(&name, line, &headers)?;
        let data_start = (rdr.position().byte(), rdr.position().line());
        Ok(Source {
            name,
            headers,
            header_line: line,
            format: SourceFormat::Csv,
            encoding,
            size,
            reopen: None,
            delimiter,
            data_start,
            rows: Rows::Csv {
                rdr,
                rec,
                last_had_newline: None,
                crlf,
            },
        })
    }

    /// A source with no columns and no rows (an empty archive file).
    pub fn empty(name: String) -> Source {
        Source {
            name,
            headers: Vec::new(),
            header_line: 1,
            format: SourceFormat::Yaml,
            encoding: "UTF-8",
            size: None,
            rows: Rows::Mem(Vec::new().into_iter()),
            reopen: None,
            delimiter: b',',
            data_start: (0, 0),
        }
    }

    /// The text after the header, for reading in parallel chunks; the source
    /// itself back when it cannot be (YAML, workbooks, standard input).
    pub fn into_raw(self) -> std::result::Result<Result<RawText>, Box<Source>> {
        let Some(reopen) = &self.reopen else {
            return Err(Box::new(self));
        };
        let name = self.name.clone();
        let (offset, line) = self.data_start;
        let raw = (|| -> Result<RawText> {
            let mut reader =
                reopen().map_err(|e| anyhow!("{name}: cannot open: {}", io_reason(&e)))?;
            // skip the header exactly as the header parse consumed it
            std::io::copy(&mut (&mut reader).take(offset), &mut std::io::sink())
                .with_context(|| format!("{name}: cannot read"))?;
            Ok(RawText {
                name: self.name.clone(),
                headers: self.headers.clone(),
                delimiter: self.delimiter,
                reader,
                first_line: line,
            })
        })();
        Ok(raw)
    }

    /// Bytes consumed so far (text files), for progress bars.
    pub fn bytes_read(&self) -> u64 {
        match &self.rows {
            Rows::Csv { rdr, .. } => rdr.get_ref().bytes,
            Rows::Mem(_) => 0,
        }
    }

    /// Call `f` with only the values at `idx` (`None`: empty) of every row,
    /// without building the other values: a fast scan of a few columns.
    pub fn for_each_projected(
        &mut self,
        idx: &[Option<usize>],
        mut f: impl FnMut(&[&str]),
    ) -> Result<()> {
        match &mut self.rows {
            Rows::Mem(it) => {
                for row in it {
                    let vals: Vec<&str> = idx
                        .iter()
                        .map(|i| i.and_then(|i| row.values.get(i)).map_or("", |v| v.as_str()))
                        .collect();
                    f(&vals);
                }
            }
            Rows::Csv { rdr, crlf, .. } => {
                let mut rec = csv::ByteRecord::new();
                let width = self.headers.len();
                let name = &self.name;
                while rdr
                    .read_byte_record(&mut rec)
                    .map_err(|e| csv_error(name, e))?
                {
                    let line = rec.position().map(|p| p.line()).unwrap_or(0) + u64::from(*crlf);
                    if rec.len() != width {
                        if rec.iter().all(|v| v.is_empty()) {
                            continue;
                        }
                        bail!(
                            "{name}:{line}: row has {} values but the header has {width} columns",
                            rec.len()
                        );
                    }
                    let mut vals: Vec<&str> = Vec::with_capacity(idx.len());
                    for i in idx {
                        let v = match i.and_then(|i| rec.get(i)) {
                            Some(b) => std::str::from_utf8(b).map_err(|_| {
                                anyhow!(
                                    "{name}:{line}: undecodable byte sequence (not valid UTF-8)"
                                )
                            })?,
                            None => "",
                        };
                        vals.push(v);
                    }
                    f(&vals);
                }
            }
        }
        Ok(())
    }

    /// The next non-blank row, or `None` at the end. Ragged rows, an unclosed
    /// quote, an oversized value or undecodable text are errors naming the line.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        Ok(self.next_record()?.map(|r| match r {
            RawRow::Mem(row) => row,
            RawRow::Csv(line, rec) => Row {
                line,
                values: (0..rec.len()).map(|j| rec.get(j).to_string()).collect(),
            },
        }))
    }

    /// The next non-blank row without copying its values out of the reader's
    /// buffer (the fast path of import).
    pub fn next_record(&mut self) -> Result<Option<RawRow<'_>>> {
        let name = &self.name;
        let width = self.headers.len();
        match &mut self.rows {
            Rows::Mem(it) => Ok(it.next().map(RawRow::Mem)),
            Rows::Csv {
                rdr,
                rec,
                last_had_newline,
                crlf,
            } => loop {
                let more = rdr.read_record(rec).map_err(|e| csv_error(name, e))?;
                let line = rec.position().map(|p| p.line()).unwrap_or(0) + u64::from(*crlf);
                if !more {
                    if let Some(l) = *last_had_newline
                        && rdr.get_ref().quotes % 2 == 1
                    {
                        bail!(
                            "{name}:{l}: a quote opened on this line is never closed (the rest of the file was read as one value)"
                        );
                    }
                    return Ok(None);
                }
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if rec.len() != width {
                    bail!(
                        "{name}:{line}: row has {} values but the header has {width} columns{}",
                        rec.len(),
                        if rdr.get_ref().quotes % 2 == 1 {
                            " (a quote may be left open)"
                        } else {
                            ""
                        }
                    );
                }
                let mut newline = false;
                for (i, f) in rec.iter().enumerate() {
                    if f.len() > MAX_FIELD_BYTES {
                        bail!(
                            "{name}:{line}: value of column {:?} is {} bytes, over the {} KiB limit",
                            self.headers[i],
                            f.len(),
                            MAX_FIELD_BYTES / 1024
                        );
                    }
                    newline |= f.contains('\n');
                }
                *last_had_newline = newline.then_some(line);
                return Ok(Some(RawRow::Csv(line, CsvRecord(rec.as_byte_record()))));
            },
        }
    }
}

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
type Pool = std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>;

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
                    return Some(Err(anyhow!("{name}: cannot read: {e}")));
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
                    return Some(Err(anyhow!(
                        "{name}:{line}: a quote opened on this line is never closed (the rest of the file was read as one value)"
                    )));
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
                        Some(q) => format!(" (a quote opened on line {q} may never be closed)"),
                        None => String::new(),
                    };
                    return Some(Err(anyhow!(
                        "{name}: line {line} is longer than {} MiB; refusing to read it{quote}",
                        MAX_LINE_BYTES / 1024 / 1024
                    )));
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
            bail!(
                "{name}:{line}: undecodable byte sequence (not valid in the detected encoding; try --encoding)"
            );
        }
        let rec = CsvRecord(&rec);
        if (0..rec.len()).all(|j| rec.get(j).trim().is_empty()) {
            continue;
        }
        if rec.len() != width {
            bail!(
                "{name}:{line}: row has {} values but the header has {width} columns",
                rec.len()
            );
        }
        for (i, h) in headers.iter().enumerate() {
            let len = rec.get(i).len();
            if len > MAX_FIELD_BYTES {
                bail!(
                    "{name}:{line}: value of column {h:?} is {len} bytes, over the {} KiB limit",
                    MAX_FIELD_BYTES / 1024
                );
            }
        }
        f(RawRow::Csv(line, rec));
    }
}

/// A CSV record whose values are known to be UTF-8: made only here, from a
/// `StringRecord` (checked by the csv crate) or from a chunk checked whole.
#[derive(Clone, Copy)]
pub struct CsvRecord<'a>(&'a csv::ByteRecord);

impl<'a> CsvRecord<'a> {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Value `j` ("" past the end).
    pub fn get(&self, j: usize) -> &'a str {
        match self.0.get(j) {
            // SAFETY: a CsvRecord is only made of a record of UTF-8 values
            // (see above), and `get` returns one whole value
            Some(v) => unsafe { std::str::from_utf8_unchecked(v) },
            None => "",
        }
    }
}

/// A row as read: borrowed from the CSV reader's buffer, or owned (YAML,
/// workbooks).
pub enum RawRow<'a> {
    Csv(u64, CsvRecord<'a>),
    Mem(Row),
}

impl RawRow<'_> {
    pub fn line(&self) -> u64 {
        match self {
            RawRow::Csv(l, _) => *l,
            RawRow::Mem(r) => r.line,
        }
    }

    pub fn field(&self, j: usize) -> &str {
        match self {
            RawRow::Csv(_, rec) => rec.get(j),
            RawRow::Mem(r) => r.values.get(j).map_or("", |v| v.as_str()),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = r.read(&mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

fn csv_error(name: &str, e: csv::Error) -> anyhow::Error {
    let line = e.position().map(|p| p.line());
    let at = line.map(|l| format!(":{l}")).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => anyhow!(
            "{name}{at}: undecodable byte sequence (not valid in the detected encoding; try --encoding)"
        ),
        csv::ErrorKind::Io(io) => anyhow!("{name}{at}: {io}"),
        _ => anyhow!("{name}{at}: {e}"),
    }
}

/// Read a whole input into memory (standard input, YAML) through the same
/// [`CountingReader`] as CSV, which refuses a line longer than
/// [`MAX_LINE_BYTES`] as soon as it has been read that far: a gigabyte
/// without a line break costs a few MiB, not a gigabyte.
fn read_all_checked(name: &str, r: impl Read + Send + 'static) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    CountingReader::new(Box::new(r))
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(bytes)
}

fn check_headers(name: &str, line: u64, headers: &[String]) -> Result<()> {
    if headers.len() > MAX_COLUMNS {
        bail!(
            "{name}:{line}: {} columns, more than the {MAX_COLUMNS} a table may have (Excel's limit); refusing to read it",
            headers.len()
        );
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(j) = headers[..i].iter().position(|x| x == h) {
            let h = crate::values::text::mask_lookalike(h);
            bail!(
                "{name}:{line}: duplicate header {h:?} in columns {} and {}",
                j + 1,
                i + 1
            );
        }
    }
    Ok(())
}

fn is_workbook(ext: &str, head: &[u8]) -> bool {
    matches!(ext, "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
        || head.starts_with(b"PK\x03\x04")
        || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

fn looks_like_yaml(name: &str, text: &str) -> bool {
    name.ends_with(".yaml")
        || name.ends_with(".yml")
        || text.starts_with("---")
        || text.starts_with("- ")
}

/// UTF-16 and UTF-8 by BOM; else UTF-8 when the whole file is valid UTF-8;
/// else GB18030 (a superset of GBK/GB2312) when it decodes cleanly.
fn detect_encoding(name: &str, bytes: &[u8]) -> Result<&'static Encoding> {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return Ok(enc);
    }
    check_not_binary(name, bytes)?;
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(encoding_rs::UTF_8),
        Err(_) => {
            let (_, _, malformed) = encoding_rs::GB18030.decode(bytes);
            if !malformed {
                Ok(encoding_rs::GB18030)
            } else {
                let mut dec = encoding_rs::GB18030.new_decoder_without_bom_handling();
                let mut out = String::with_capacity(bytes.len() * 2);
                let (res, read) = dec.decode_to_string_without_replacement(bytes, &mut out, true);
                let offset = match res {
                    encoding_rs::DecoderResult::Malformed(_, _) => read,
                    _ => 0,
                };
                let line = bytes[..offset.min(bytes.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                bail!(
                    "{name}:{line}: undecodable byte sequence near byte {offset}: neither UTF-8 nor GBK/GB18030 (give --encoding)"
                )
            }
        }
    }
}

fn check_not_binary(name: &str, head: &[u8]) -> Result<()> {
    if let Some(pos) = head.iter().take(8192).position(|&b| b == 0) {
        let line = head[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        bail!(
            "{name}:{line}: binary data (a NUL byte at offset {pos}); not a text, YAML or workbook file"
        );
    }
    Ok(())
}

/// How much of a file is read to tell UTF-8 from GB18030. A later invalid
/// byte is still caught: the CSV reader checks every value, and says to give
/// `--encoding` then.
const SNIFF_BYTES: usize = 4 << 20;

/// Detect the encoding of a file on disk from its first [`SNIFF_BYTES`].
fn detect_file_encoding(name: &str, path: &Path, head: &[u8]) -> Result<&'static Encoding> {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return Ok(enc);
    }
    check_not_binary(name, head)?;
    let mut f = std::fs::File::open(path).with_context(|| format!("{name}: cannot open"))?;
    let mut buf = vec![0u8; SNIFF_BYTES];
    let got = read_up_to(&mut f, &mut buf).with_context(|| format!("{name}: cannot read"))?;
    buf.truncate(got);
    let whole = got < SNIFF_BYTES;
    match std::str::from_utf8(&buf) {
        Ok(_) => Ok(encoding_rs::UTF_8),
        // a character cut by the end of the sample
        Err(e) if !whole && e.error_len().is_none() => Ok(encoding_rs::UTF_8),
        Err(_) if whole => detect_encoding(name, &buf),
        Err(_) => {
            // GB18030 if the sample decodes cleanly (a cut character at its end aside)
            let mut dec = encoding_rs::GB18030.new_decoder_without_bom_handling();
            let mut out = String::with_capacity(buf.len() * 2);
            let (res, _) = dec.decode_to_string_without_replacement(&buf, &mut out, false);
            match res {
                encoding_rs::DecoderResult::Malformed(_, _) => detect_encoding(name, &buf),
                _ => Ok(encoding_rs::GB18030),
            }
        }
    }
}

fn first_line_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r')
}

fn decode_head(head: &[u8], enc: &'static Encoding) -> String {
    let (text, _, _) = enc.decode(head);
    text.into_owned()
}

/// The delimiter of a text table: `\t` for .tsv, else the most frequent of
/// `, \t ; |` in the first line outside quotes.
fn sniff_delimiter(text: &str, ext: &str) -> u8 {
    if ext == "tsv" || ext == "tab" {
        return b'\t';
    }
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let mut counts = [(b',', 0usize), (b'\t', 0), (b';', 0), (b'|', 0)];
    let mut in_quotes = false;
    for b in first.bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map(|c| c.0)
        .unwrap_or(b',')
}

/// How deep YAML may nest: flow brackets (`[[[…`) and indentation. An
/// archive table is a list of flat maps (depth 2); the YAML parser's time
/// grows with the square of the depth (100,000 brackets: 80 s), so deeper
/// text is refused before it is parsed.
pub const MAX_YAML_DEPTH: usize = 128;
pub const MAX_YAML_INDENT: usize = 1024;

pub fn check_yaml_depth(name: &str, text: &str) -> Result<()> {
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if indent > MAX_YAML_INDENT {
            bail!(
                "{name}:{}: indented {indent} columns, more than {MAX_YAML_INDENT}: a table is a list of flat maps, refusing to parse it",
                i + 1
            );
        }
        for b in line.bytes() {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_YAML_DEPTH {
                bail!(
                    "{name}:{}: nested more than {MAX_YAML_DEPTH} levels deep: a table is a list of flat maps, refusing to parse it",
                    i + 1
                );
            }
        }
    }
    Ok(())
}

fn read_yaml(name: String, text: &str) -> Result<Source> {
    check_yaml_depth(&name, text)?;
    let value: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|e| crate::archive::settings::yaml_error(&name, "not valid YAML", e))?;
    let items = match value {
        serde_yaml::Value::Sequence(s) => s,
        serde_yaml::Value::Null => Vec::new(),
        other => bail!(
            "{name}:1: expected a list of maps (one map per record), found {}",
            yaml_kind(&other)
        ),
    };
    // the line of each top-level item: lines starting with "-" at column 0
    let item_lines: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('-') && !l.starts_with("---"))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let n_items = items.len();
    let line_of = |i: usize| -> u64 {
        if item_lines.len() == n_items {
            item_lines[i]
        } else {
            i as u64 + 1
        }
    };
    let mut headers: Vec<String> = Vec::new();
    let mut maps = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let serde_yaml::Value::Mapping(m) = item else {
            bail!(
                "{name}:{}: item {} is {}, expected a map of column: value",
                line_of(i),
                i + 1,
                yaml_kind(&item)
            );
        };
        let mut pairs = Vec::with_capacity(m.len());
        for (k, v) in m {
            let key = scalar(&k).ok_or_else(|| {
                anyhow!(
                    "{name}:{}: item {} has a key that is not text",
                    line_of(i),
                    i + 1
                )
            })?;
            let val = scalar(&v).ok_or_else(|| {
                anyhow!(
                    "{name}:{}: item {}, key {key:?}: value is {}, expected text or a number",
                    line_of(i),
                    i + 1,
                    yaml_kind(&v)
                )
            })?;
            if !headers.contains(&key) {
                headers.push(key.clone());
            }
            pairs.push((key, val));
        }
        maps.push(pairs);
    }
    let rows: Vec<Row> = maps
        .into_iter()
        .enumerate()
        .map(|(i, pairs)| {
            let mut values = vec![String::new(); headers.len()];
            for (k, v) in pairs {
                if let Some(pos) = headers.iter().position(|h| *h == k) {
                    values[pos] = v;
                }
            }
            Row {
                line: line_of(i),
                values,
            }
        })
        .collect();
    Ok(Source {
        name,
        headers,
        header_line: 1,
        format: SourceFormat::Yaml,
        encoding: "UTF-8",
        size: None,
        rows: Rows::Mem(rows.into_iter()),
        reopen: None,
        delimiter: b',',
        data_start: (0, 0),
    })
}

fn yaml_kind(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "empty",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "text",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a map",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::Null => Some(String::new()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// What a workbook's parts may decompress to in all. The sizes are counted as
/// they come out of the zip (its own header may lie), before any part is
/// parsed, so a zip bomb costs a bounded read and no memory.
pub const MAX_WORKBOOK_BYTES: u64 = 512 << 20;
/// Columns a sheet may use: Excel's own limit (XFD).
pub const MAX_COLUMNS: usize = 16_384;

/// Refuse a zip-based workbook (XLSX, ODS) that unpacks to more than
/// [`MAX_WORKBOOK_BYTES`]. Not a zip (XLS): nothing to check here.
fn check_workbook_size(name: &str, path: &Path) -> Result<()> {
    let file =
        std::fs::File::open(path).map_err(|e| anyhow!("{name}: cannot open: {}", io_reason(&e)))?;
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let too_big = || {
        anyhow!(
            "{name}: the workbook unpacks to more than {} MiB (a zip bomb, or a sheet too large to read from a workbook: save it as CSV)",
            MAX_WORKBOOK_BYTES >> 20
        )
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| anyhow!("{name}: not a readable workbook: {e}"))?;
        if total.saturating_add(part.size()) > MAX_WORKBOOK_BYTES {
            return Err(too_big());
        }
        let left = MAX_WORKBOOK_BYTES - total;
        let n = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|e| anyhow!("{name}: not a readable workbook: {e}"))?;
        total += n;
        if total > MAX_WORKBOOK_BYTES {
            return Err(too_big());
        }
    }
    Ok(())
}

/// The text of a workbook cell as people typed it.
fn workbook_cell(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format_float(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => format_float(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The rows of a sheet that hold a value: (sheet row number, values), each
/// row as wide as its last value. XLSX cells are read one by one, so two
/// values far apart (A1 and XFD1048576) cost two cells, not the whole grid.
fn sheet_rows(
    name: &str,
    wb: &mut calamine::Sheets<BufReader<std::fs::File>>,
    sheet: &str,
) -> Result<Vec<(u64, Vec<String>)>> {
    use calamine::{Data, Reader, Sheets};
    let wide = |row: u64, col: u64| {
        anyhow!(
            "{name}:{row}: sheet {sheet:?} has a value in column {col}, beyond the {MAX_COLUMNS} columns a sheet may have"
        )
    };
    if let Sheets::Xlsx(x) = wb {
        let mut cells = x
            .worksheet_cells_reader(sheet)
            .map_err(|e| anyhow!("{name}: sheet {sheet:?} cannot be read: {e}"))?;
        let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
        while let Some(c) = cells
            .next_cell()
            .map_err(|e| anyhow!("{name}: sheet {sheet:?} cannot be read: {e}"))?
        {
            let (r, col) = c.get_position();
            let v = workbook_cell(&Data::from(c.get_value().clone()));
            if v.trim().is_empty() {
                continue;
            }
            if col as usize >= MAX_COLUMNS {
                return Err(wide(r as u64 + 1, col as u64 + 1));
            }
            rows.entry(r).or_default().push((col, v));
        }
        return Ok(rows
            .into_iter()
            .map(|(r, cells)| {
                let width = cells.iter().map(|c| c.0 as usize + 1).max().unwrap_or(0);
                let mut values = vec![String::new(); width];
                for (c, v) in cells {
                    values[c as usize] = v;
                }
                (r as u64 + 1, values)
            })
            .collect());
    }
    let range = wb
        .worksheet_range(sheet)
        .map_err(|e| anyhow!("{name}: sheet {sheet:?} cannot be read: {e}"))?;
    let (row0, _) = range.start().unwrap_or((0, 0));
    let mut out = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let mut values: Vec<String> = r.iter().map(workbook_cell).collect();
        while values.last().is_some_and(|v| v.trim().is_empty()) {
            values.pop();
        }
        if values.len() > MAX_COLUMNS {
            return Err(wide(row0 as u64 + i as u64 + 1, values.len() as u64));
        }
        if !values.is_empty() {
            out.push((row0 as u64 + i as u64 + 1, values));
        }
    }
    Ok(out)
}

fn read_workbook(name: String, path: &Path, opts: &ReadOptions) -> Result<Source> {
    use calamine::{Reader, open_workbook_auto};
    check_workbook_size(&name, path)?;
    let mut wb =
        open_workbook_auto(path).map_err(|e| anyhow!("{name}: not a readable workbook: {e}"))?;
    let sheets = wb.sheet_names();
    let sheet = match &opts.sheet {
        Some(s) => {
            if !sheets.contains(s) {
                bail!(
                    "{name}: no sheet named {s:?} (sheets: {})",
                    sheets.join(", ")
                );
            }
            s.clone()
        }
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| anyhow!("{name}: workbook has no sheets"))?,
    };
    let mut grid = sheet_rows(&name, &mut wb, &sheet)?.into_iter();
    let Some((header_line, mut headers)) = grid.next() else {
        bail!("{name}: sheet {sheet:?} is empty (no header row)");
    };
    for h in &mut headers {
        *h = h.trim().to_string();
    }
    // trailing columns without a header and without data are dropped
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    check_headers(&name, header_line, &headers)?;
    let width = headers.len();
    let mut rows = Vec::new();
    for (line, mut values) in grid {
        if values.iter().skip(width).any(|v| !v.trim().is_empty()) {
            bail!(
                "{name}:{line}: sheet {sheet:?} row has values beyond the {width} headed columns"
            );
        }
        values.resize(width, String::new());
        rows.push(Row { line, values });
    }
    Ok(Source {
        name,
        headers,
        header_line,
        format: SourceFormat::Workbook,
        encoding: "XLSX",
        size: None,
        rows: Rows::Mem(rows.into_iter()),
        reopen: None,
        delimiter: b',',
        data_start: (0, 0),
    })
}

/// Workbook numbers as people typed them: `13800138000.0` → `13800138000`,
/// binary noise past six decimals dropped.
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = format!("{f:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n", ""), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n", ""), b'\t');
        assert_eq!(sniff_delimiter("\"a;b\",c\n", ""), b',');
        assert_eq!(sniff_delimiter("a;b;c\n", ""), b';');
        assert_eq!(sniff_delimiter("abc\n", ""), b',');
    }

    #[test]
    fn floats() {
        assert_eq!(format_float(13800138000.0), "13800138000");
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(1234.5), "1234.5");
    }
}
