//! Reading any file people hand us as rows of text: CSV/TSV (delimiter sniffed),
//! YAML (a list of maps), XLSX/XLS/ODS; in UTF-8, UTF-8 with BOM, GBK/GB18030 or
//! UTF-16 with BOM; from a path or `-` (stdin). Every error names the file and line.

use anyhow::{Context, Result, anyhow, bail};
use encoding_rs::Encoding;
use std::io::{BufReader, Read};
use std::path::Path;

use super::encoding::*;
use super::workbook::*;
use super::yaml::*;

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
    pub(crate) rows: Rows,
    /// how to open the text again from its start, for reading it in chunks
    pub(crate) reopen: Option<Reopen>,
    pub(crate) delimiter: u8,
    /// where the rows after the header start (byte of the decoded text, line)
    pub(crate) data_start: (u64, u64),
}

pub(crate) type Reopen = Box<dyn Fn() -> std::io::Result<Box<dyn Read + Send>> + Send>;

/// The text after the header of a CSV file, to be split into chunks of whole
/// records and parsed in parallel (see [`Chunks`]).
pub struct RawText {
    pub name: String,
    pub headers: Vec<String>,
    pub delimiter: u8,
    pub(crate) reader: Box<dyn Read + Send>,
    pub(crate) first_line: u64,
}

pub(crate) enum Rows {
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
    pub(crate) inner: Box<dyn Read + Send>,
    pub(crate) bytes: u64,
    pub(crate) quotes: u64,
    pub(crate) line: u64,
    pub(crate) since_newline: u64,
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
        let meta = std::fs::metadata(p)
            .map_err(|e| anyhow!(crate::tr!("cannot_open", file = name, why = io_reason(&e))))?;
        if meta.is_dir() {
            bail!(crate::tr!("is_a_directory", file = name));
        }
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut head = vec![0u8; 8192];
        let got = {
            let mut f = std::fs::File::open(p).map_err(|e| {
                anyhow!(crate::tr!("cannot_open", file = name, why = io_reason(&e)))
            })?;
            read_up_to(&mut f, &mut head).with_context(|| crate::tr!("cannot_read", file = name))?
        };
        head.truncate(got);
        if got == 0 {
            bail!(crate::tr!("empty_file", file = name));
        }
        if is_workbook(&ext, &head) {
            return read_workbook(name, p, opts);
        }
        if matches!(ext.as_str(), "yaml" | "yml") {
            let file = std::fs::File::open(p).map_err(|e| {
                anyhow!(crate::tr!("cannot_open", file = name, why = io_reason(&e)))
            })?;
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
        let reader = reopen()
            .map_err(|e| anyhow!(crate::tr!("cannot_open", file = name, why = io_reason(&e))))?;
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
            bail!(crate::tr!("empty_file", file = name));
        }
        if is_workbook("", &bytes) {
            bail!(crate::tr!("workbook_from_stdin", file = name));
        }
        let encoding = match opts.encoding {
            Some(e) => e,
            None => detect_encoding(&name, &bytes)?,
        };
        let (text, _, malformed) = encoding.decode(&bytes);
        if malformed {
            bail!(crate::tr!(
                "cannot_decode_as",
                file = name,
                encoding = encoding.name()
            ));
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
                bail!(crate::tr!("empty_file", file = name));
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
            let mut reader = reopen().map_err(|e| {
                anyhow!(crate::tr!("cannot_open", file = name, why = io_reason(&e)))
            })?;
            // skip the header exactly as the header parse consumed it
            std::io::copy(&mut (&mut reader).take(offset), &mut std::io::sink())
                .with_context(|| crate::tr!("cannot_read", file = name))?;
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
                        return Err(row_width(name, line, rec.len(), width, false));
                    }
                    let mut vals: Vec<&str> = Vec::with_capacity(idx.len());
                    for i in idx {
                        let v = match i.and_then(|i| rec.get(i)) {
                            Some(b) => std::str::from_utf8(b).map_err(|_| {
                                anyhow!(crate::tr!("undecodable_utf8", file = name, line = line))
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
                        bail!(crate::tr!("quote_never_closed", file = name, line = l));
                    }
                    return Ok(None);
                }
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if rec.len() != width {
                    return Err(row_width(
                        name,
                        line,
                        rec.len(),
                        width,
                        rdr.get_ref().quotes % 2 == 1,
                    ));
                }
                let mut newline = false;
                for (i, f) in rec.iter().enumerate() {
                    if f.len() > MAX_FIELD_BYTES {
                        bail!(crate::tr!(
                            "value_too_long",
                            file = name,
                            line = line,
                            column = format!("{:?}", self.headers[i]),
                            len = f.len(),
                            max = MAX_FIELD_BYTES / 1024
                        ));
                    }
                    newline |= f.contains('\n');
                }
                *last_had_newline = newline.then_some(line);
                return Ok(Some(RawRow::Csv(line, CsvRecord(rec.as_byte_record()))));
            },
        }
    }
}

/// A CSV record whose values are known to be UTF-8: made only by
/// `Source::next_record`, from a `StringRecord` (checked by the csv crate),
/// and by `chunks::parse_chunk`, from a chunk checked whole or value by value.
#[derive(Clone, Copy)]
pub struct CsvRecord<'a>(pub(crate) &'a csv::ByteRecord);

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

/// `FILE:LINE: row has N values but the header has W columns` (and that a
/// quote may be left open), in `--lang`.
pub(crate) fn row_width(
    name: &str,
    line: u64,
    values: usize,
    width: usize,
    quote_open: bool,
) -> anyhow::Error {
    let key = if quote_open {
        "row_width_quote"
    } else {
        "row_width"
    };
    anyhow!(crate::tr!(
        key,
        file = name,
        line = line,
        values = values,
        width = width
    ))
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => crate::render::messages::phrase("no such file"),
        std::io::ErrorKind::PermissionDenied => {
            crate::render::messages::phrase("permission denied")
        }
        _ => e.to_string(),
    }
}

pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
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

pub(crate) fn csv_error(name: &str, e: csv::Error) -> anyhow::Error {
    let line = e.position().map(|p| p.line());
    let at = line.map(|l| format!(":{l}")).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            anyhow!(crate::tr!("undecodable", place = format!("{name}{at}")))
        }
        csv::ErrorKind::Io(io) => anyhow!("{name}{at}: {io}"),
        _ => anyhow!("{name}{at}: {e}"),
    }
}

/// Read a whole input into memory (standard input, YAML) through the same
/// [`CountingReader`] as CSV, which refuses a line longer than
/// [`MAX_LINE_BYTES`] as soon as it has been read that far: a gigabyte
/// without a line break costs a few MiB, not a gigabyte.
pub(crate) fn read_all_checked(name: &str, r: impl Read + Send + 'static) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    CountingReader::new(Box::new(r))
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(bytes)
}

pub(crate) fn check_headers(name: &str, line: u64, headers: &[String]) -> Result<()> {
    if headers.len() > MAX_COLUMNS {
        bail!(crate::tr!(
            "too_many_columns",
            file = name,
            line = line,
            n = headers.len(),
            max = MAX_COLUMNS
        ));
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(j) = headers[..i].iter().position(|x| x == h) {
            let h = crate::values::text::mask_lookalike(h);
            bail!(crate::tr!(
                "duplicate_header",
                file = name,
                line = line,
                header = format!("{h:?}"),
                a = j + 1,
                b = i + 1
            ));
        }
    }
    Ok(())
}

pub(crate) fn is_workbook(ext: &str, head: &[u8]) -> bool {
    matches!(ext, "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
        || head.starts_with(b"PK\x03\x04")
        || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

pub(crate) fn looks_like_yaml(name: &str, text: &str) -> bool {
    name.ends_with(".yaml")
        || name.ends_with(".yml")
        || text.starts_with("---")
        || text.starts_with("- ")
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
