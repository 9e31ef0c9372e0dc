//! Where a file's encoding is found and its text decoded: a BOM (UTF-8,
//! UTF-16), else UTF-8 when the whole file is valid UTF-8, else GB18030 (a
//! superset of GBK/GB2312, what WPS and Excel on Chinese Windows write);
//! binary files refused; the CSV delimiter sniffed from the first lines.

use super::source::*;
use anyhow::{Context, Result, bail};
use encoding_rs::Encoding;

use std::path::Path;

/// UTF-16 and UTF-8 by BOM; else UTF-8 when the whole file is valid UTF-8;
/// else GB18030 (a superset of GBK/GB2312) when it decodes cleanly.
pub(crate) fn detect_encoding(name: &str, bytes: &[u8]) -> Result<&'static Encoding> {
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
                bail!(crate::tr!(
                    "undecodable_any",
                    file = name,
                    line = line,
                    offset = offset
                ))
            }
        }
    }
}

pub(crate) fn check_not_binary(name: &str, head: &[u8]) -> Result<()> {
    if let Some(pos) = head.iter().take(8192).position(|&b| b == 0) {
        let line = head[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        bail!(crate::tr!(
            "binary_data",
            file = name,
            line = line,
            offset = pos
        ));
    }
    Ok(())
}

/// How much of a file is read to tell UTF-8 from GB18030. A later invalid
/// byte is still caught: the CSV reader checks every value, and says to give
/// `--encoding` then.
pub(crate) const SNIFF_BYTES: usize = 4 << 20;

/// Detect the encoding of a file on disk from its first [`SNIFF_BYTES`].
pub(crate) fn detect_file_encoding(
    name: &str,
    path: &Path,
    head: &[u8],
) -> Result<&'static Encoding> {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return Ok(enc);
    }
    check_not_binary(name, head)?;
    let mut f =
        std::fs::File::open(path).with_context(|| crate::tr!("cannot_open_plain", file = name))?;
    let mut buf = vec![0u8; SNIFF_BYTES];
    let got =
        read_up_to(&mut f, &mut buf).with_context(|| crate::tr!("cannot_read", file = name))?;
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

pub(crate) fn first_line_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r')
}

pub(crate) fn decode_head(head: &[u8], enc: &'static Encoding) -> String {
    let (text, _, _) = enc.decode(head);
    text.into_owned()
}

/// The delimiter of a text table: `\t` for .tsv, else the most frequent of
/// `, \t ; |` in the first line outside quotes.
pub(crate) fn sniff_delimiter(text: &str, ext: &str) -> u8 {
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
