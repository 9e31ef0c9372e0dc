//! `--format xlsx`: every table a command prints becomes one sheet of one
//! workbook, written atomically to `--output FILE.xlsx` (or to a pipe; never
//! to a terminal). Cells keep their types: money is a number shown
//! `#,##0.00`, a percentage a number shown `0.00%`, a count a number, an
//! ISO date a date; every text — archive numbers, mobiles, ID numbers,
//! credit codes — is a string, so that nothing becomes `1.10105E+17` or
//! loses a leading 0, and text that starts with `=`, `+`, `-` or `@` is
//! never a formula. The header row is in `--lang`, bold, frozen and has an
//! autofilter; column widths fit Chinese text (two units a hanzi).
//!
//! Commands name their tables with [`name_next`] (validate's findings,
//! summary and completeness; show's record, sales, transactions …); a table
//! with no name takes the command's. Masking is the command's, as in every
//! people format: a workbook shows what the table would.

use crate::render::output::{Cell, Label, Lang};
use anyhow::{Context as _, Result};
use rust_xlsxwriter::{
    Chart, ChartType, ExcelDateTime, Format as XFormat, FormatAlign, Workbook, Worksheet,
};
use std::cell::RefCell;

/// A chart drawn beside a sheet's table (the report's workbook): the first
/// column gives the categories, `values` the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// columns: a composition
    Column,
    /// a doughnut: the tiers
    Doughnut,
    /// a line: the 12-month trend
    Line,
}

/// A chart of a table: its kind, the column of its categories and of its
/// values, and how many rows it covers (the first; not a totals row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub label: usize,
    pub values: usize,
    pub rows: usize,
}

/// One table of a workbook.
#[derive(Debug, Clone)]
pub struct Table {
    /// its name for people (becomes the sheet name, or a title row)
    pub title: String,
    pub columns: Vec<Label>,
    pub rows: Vec<Vec<Cell>>,
    pub chart: Option<ChartSpec>,
}

/// One sheet: tables one under another (a report section), or one table.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub tables: Vec<Table>,
}

thread_local! {
    static SHEETS: RefCell<Vec<Sheet>> = const { RefCell::new(Vec::new()) };
    static NEXT: RefCell<Option<String>> = const { RefCell::new(None) };
    static DEFAULT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The name of the sheets whose table nobody named (the command's name).
pub fn name_default(name: &str) {
    DEFAULT.with(|d| *d.borrow_mut() = name.to_string());
}

/// The name of the next table written (a sheet of its own).
pub fn name_next(zh: &str, en: &str, lang: Lang) {
    NEXT.with(|n| *n.borrow_mut() = Some(lang.pick(zh, en).to_string()));
}

/// A table `write_rows` printed with `--format xlsx`: a sheet of its own.
pub fn collect(columns: &[Label], rows: &[Vec<Cell>], lang: Lang) {
    let _ = lang;
    let name = NEXT
        .with(|n| n.borrow_mut().take())
        .unwrap_or_else(|| DEFAULT.with(|d| d.borrow().clone()));
    SHEETS.with(|s| {
        s.borrow_mut().push(Sheet {
            name: name.clone(),
            tables: vec![Table {
                title: name,
                columns: columns.to_vec(),
                rows: rows.to_vec(),
                chart: None,
            }],
        })
    });
}

/// The sheets collected so far (and forget them).
pub fn take() -> Vec<Sheet> {
    SHEETS.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

/// A sheet name Excel takes: at most 31 characters, none of `[]:*?/\`,
/// not empty, and unique in the workbook (`名称 (2)`).
fn sheet_name(want: &str, taken: &[String]) -> String {
    let clean: String = want
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let clean = clean.trim().trim_matches('\'').to_string();
    let base = if clean.is_empty() {
        "Sheet".to_string()
    } else {
        clean
    };
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let mut name = cut(&base, 31);
    let mut k = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let tail = format!(" ({k})");
        name = cut(&base, 31 - tail.chars().count()) + &tail;
        k += 1;
    }
    name
}

/// Display width of a text: a hanzi (or any wide character) counts two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// An ISO date (`2026-08-15`) as an Excel date.
fn as_date(s: &str) -> Option<ExcelDateTime> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).ok()?,
        d.month() as u8,
        d.day() as u8,
    )
    .ok()
}

struct Formats {
    header: XFormat,
    money: XFormat,
    pct: XFormat,
    int: XFormat,
    line: XFormat,
    qty: XFormat,
    date: XFormat,
    title: XFormat,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: XFormat::new().set_bold().set_align(FormatAlign::Center),
            money: XFormat::new().set_num_format("#,##0.00"),
            pct: XFormat::new().set_num_format("0.00%"),
            int: XFormat::new().set_num_format("#,##0"),
            line: XFormat::new().set_num_format("0"),
            qty: XFormat::new().set_num_format("#,##0.####"),
            date: XFormat::new().set_num_format("yyyy-mm-dd"),
            title: XFormat::new().set_bold().set_font_size(13),
        }
    }
}

/// Write one cell with its type.
fn put(ws: &mut Worksheet, f: &Formats, row: u32, col: u16, c: &Cell) -> Result<()> {
    match c {
        Cell::Text(s) => match as_date(s) {
            Some(d) => ws.write_datetime_with_format(row, col, &d, &f.date)?,
            // always a string: never a formula, never a number
            None => ws.write_string(row, col, s.as_str())?,
        },
        Cell::Int(i) => ws.write_number_with_format(row, col, *i as f64, &f.int)?,
        Cell::Line(i) => ws.write_number_with_format(row, col, *i as f64, &f.line)?,
        Cell::Fen(x) => ws.write_number_with_format(row, col, *x as f64 / 100.0, &f.money)?,
        // hundredths of a percent → a fraction shown as a percentage
        Cell::Pct(p) => ws.write_number_with_format(row, col, *p as f64 / 10_000.0, &f.pct)?,
        Cell::Qty(q) => ws.write_number_with_format(
            row,
            col,
            *q as f64 / crate::values::money::QTY_SCALE as f64,
            &f.qty,
        )?,
        Cell::Null => ws,
    };
    Ok(())
}

/// The workbook of `sheets`, as bytes.
pub fn workbook(sheets: &[Sheet], lang: Lang) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    let mut taken: Vec<String> = Vec::new();
    let sheets: Vec<Sheet> = if sheets.is_empty() {
        vec![Sheet {
            name: lang.pick("空", "empty").to_string(),
            tables: Vec::new(),
        }]
    } else {
        sheets.to_vec()
    };
    for sheet in &sheets {
        let name = sheet_name(&sheet.name, &taken);
        taken.push(name.clone());
        let ws = wb.add_worksheet();
        // printed as a manager prints a report: across, one page wide
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_name(name.as_str())
            .with_context(|| format!("sheet name {name:?}"))?;
        let single = sheet.tables.len() == 1;
        let mut row: u32 = 0;
        let mut widths: Vec<usize> = Vec::new();
        for t in &sheet.tables {
            // Excel's sheet holds 1,048,576 rows
            if row as usize + usize::from(!single) + 1 + t.rows.len() > 1_048_576 {
                anyhow::bail!(crate::tr!("xlsx_too_many_rows", n = t.rows.len()));
            }
            if !single {
                ws.write_string_with_format(row, 0, t.title.as_str(), &f.title)?;
                row += 1;
            }
            let head = row;
            for (j, l) in t.columns.iter().enumerate() {
                let text = l.text(lang);
                ws.write_string_with_format(head, j as u16, text, &f.header)?;
                note_width(&mut widths, j, width(text) + 2);
            }
            for (i, r) in t.rows.iter().enumerate() {
                let at = head + 1 + i as u32;
                for (j, c) in r.iter().enumerate() {
                    put(ws, &f, at, j as u16, c)?;
                    note_width(&mut widths, j, width(&c.render_people()));
                }
            }
            let last = head + t.rows.len() as u32;
            if single && !t.columns.is_empty() {
                ws.set_freeze_panes(head + 1, 0)?;
                ws.autofilter(head, 0, last.max(head), t.columns.len() as u16 - 1)?;
            }
            if let Some(spec) = t.chart
                && spec.rows > 0
            {
                let chart = chart(spec, &name, t, head, lang);
                let at_col = t.columns.len() as u16 + 1;
                ws.insert_chart(head, at_col, &chart)?;
            }
            row = last + 2;
            if t.chart.is_some() {
                // room for the chart (15 rows high) before the next table
                row = row.max(head + 17);
            }
        }
        for (j, w) in widths.iter().enumerate() {
            ws.set_column_width(j as u16, (*w).clamp(6, 60) as f64 + 1.0)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

fn note_width(widths: &mut Vec<usize>, j: usize, w: usize) {
    if widths.len() <= j {
        widths.resize(j + 1, 0);
    }
    widths[j] = widths[j].max(w);
}

/// A native chart of a table's `label` column against its `values` column.
fn chart(spec: ChartSpec, sheet: &str, t: &Table, head: u32, lang: Lang) -> Chart {
    let mut c = Chart::new(match spec.kind {
        ChartKind::Column => ChartType::Column,
        ChartKind::Doughnut => ChartType::Doughnut,
        ChartKind::Line => ChartType::Line,
    });
    let (col, cat) = (spec.values as u16, spec.label as u16);
    let last = head + spec.rows as u32;
    let name = t.columns.get(spec.values).map_or("", |l| l.text(lang));
    c.add_series()
        .set_name(name)
        .set_categories((sheet, head + 1, cat, last, cat))
        .set_values((sheet, head + 1, col, last, col));
    c.title().set_name(t.title.as_str());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(sheet_name("检查结果", &[]), "检查结果");
        assert_eq!(sheet_name("a/b:c", &[]), "a b c");
        let long = "客户构成分析客户构成分析客户构成分析客户构成分析客户构成分析客户构成分析";
        assert_eq!(sheet_name(long, &[]).chars().count(), 31);
        let taken = vec!["销售".to_string()];
        assert_eq!(sheet_name("销售", &taken), "销售 (2)");
        assert_eq!(sheet_name("", &[]), "Sheet");
    }

    #[test]
    fn a_table_longer_than_a_sheet_is_refused_with_the_way_out() {
        let t = |n: usize| Sheet {
            name: "x".into(),
            tables: vec![Table {
                title: "x".into(),
                columns: vec![Label::new("id", "编号", "id")],
                rows: vec![vec![Cell::Null]; n],
                chart: None,
            }],
        };
        let err = workbook(&[t(1_048_576)], Lang::En).unwrap_err().to_string();
        assert!(
            err.starts_with("1048576 rows do not fit in one Excel sheet"),
            "{err}"
        );
        assert!(workbook(&[t(3)], Lang::En).is_ok());
    }

    #[test]
    fn wide_characters_count_two() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("客户"), 4);
    }
}
