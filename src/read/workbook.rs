//! XLSX/XLS/ODS workbooks as rows (calamine): the unpacked size checked before
//! parsing (zip bombs), cells read one by one, Excel serial dates.

use super::source::*;
use anyhow::{Result, anyhow, bail};
use std::io::{BufReader, Read};
use std::path::Path;

/// What a workbook's parts may decompress to in all. The sizes are counted as
/// they come out of the zip (its own header may lie), before any part is
/// parsed, so a zip bomb costs a bounded read and no memory.
pub const MAX_WORKBOOK_BYTES: u64 = 512 << 20;
/// Columns a sheet may use: Excel's own limit (XFD).
pub const MAX_COLUMNS: usize = 16_384;

/// Refuse a zip-based workbook (XLSX, ODS) that unpacks to more than
/// [`MAX_WORKBOOK_BYTES`]. Not a zip (XLS): nothing to check here.
pub(crate) fn check_workbook_size(name: &str, path: &Path) -> Result<()> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow!(crate::tr!("cannot_open", file = name, why = io_reason(&e))))?;
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let too_big = || {
        anyhow!(crate::tr!(
            "workbook_too_big",
            file = name,
            max = MAX_WORKBOOK_BYTES >> 20
        ))
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| anyhow!(crate::tr!("not_a_workbook", file = name, why = e)))?;
        if total.saturating_add(part.size()) > MAX_WORKBOOK_BYTES {
            return Err(too_big());
        }
        let left = MAX_WORKBOOK_BYTES - total;
        let n = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|e| anyhow!(crate::tr!("not_a_workbook", file = name, why = e)))?;
        total += n;
        if total > MAX_WORKBOOK_BYTES {
            return Err(too_big());
        }
    }
    Ok(())
}

/// The text of a workbook cell as people typed it.
/// `FILE: sheet "S" cannot be read: why`, in `--lang`.
fn sheet_unreadable(name: &str, sheet: &str, e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(crate::tr!(
        "sheet_unreadable",
        file = name,
        sheet = format!("{sheet:?}"),
        why = e
    ))
}

pub(crate) fn workbook_cell(d: &calamine::Data) -> String {
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
pub(crate) fn sheet_rows(
    name: &str,
    wb: &mut calamine::Sheets<BufReader<std::fs::File>>,
    sheet: &str,
) -> Result<Vec<(u64, Vec<String>)>> {
    use calamine::{Data, Reader, Sheets};
    let wide = |row: u64, col: u64| {
        anyhow!(crate::tr!(
            "sheet_too_wide",
            file = name,
            line = row,
            sheet = format!("{sheet:?}"),
            column = col,
            max = MAX_COLUMNS
        ))
    };
    if let Sheets::Xlsx(x) = wb {
        let mut cells = x
            .worksheet_cells_reader(sheet)
            .map_err(|e| sheet_unreadable(name, sheet, e))?;
        let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
        while let Some(c) = cells
            .next_cell()
            .map_err(|e| sheet_unreadable(name, sheet, e))?
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
        .map_err(|e| sheet_unreadable(name, sheet, e))?;
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

pub(crate) fn read_workbook(name: String, path: &Path, opts: &ReadOptions) -> Result<Source> {
    use calamine::{Reader, open_workbook_auto};
    check_workbook_size(&name, path)?;
    let mut wb = open_workbook_auto(path)
        .map_err(|e| anyhow!(crate::tr!("not_a_workbook", file = name, why = e)))?;
    let sheets = wb.sheet_names();
    let sheet = match &opts.sheet {
        Some(s) => {
            if !sheets.contains(s) {
                bail!(crate::tr!(
                    "no_such_sheet",
                    file = name,
                    sheet = format!("{s:?}"),
                    sheets = sheets.join(", ")
                ));
            }
            s.clone()
        }
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| anyhow!(crate::tr!("workbook_no_sheets", file = name)))?,
    };
    let mut grid = sheet_rows(&name, &mut wb, &sheet)?.into_iter();
    let Some((header_line, mut headers)) = grid.next() else {
        bail!(crate::tr!(
            "sheet_empty",
            file = name,
            sheet = format!("{sheet:?}")
        ));
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
            bail!(crate::tr!(
                "sheet_row_beyond",
                file = name,
                line = line,
                sheet = format!("{sheet:?}"),
                width = width
            ));
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
pub(crate) fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = format!("{f:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
