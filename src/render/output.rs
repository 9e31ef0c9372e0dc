//! The one output layer every command uses: `--format table|csv|json|yaml|markdown`
//! and `--lang zh|en`. Machine formats (csv, json, yaml) always use the canonical
//! English keys; people formats (table, markdown) use labels in the chosen language.

use anyhow::Result;
use comfy_table::{ContentArrangement, Table as Comfy, presets};
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Yaml,
    Markdown,
    /// plain text (a report; elsewhere the same as table)
    Text,
    /// one self-contained HTML file (`dangan report` only)
    Html,
    /// an Excel workbook, one sheet per table (with `--output FILE.xlsx`,
    /// or to a pipe)
    Xlsx,
    /// typed Parquet files (`dangan export DIR` only)
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

impl Format {
    /// `table` when stdout is a terminal, `csv` when it is a pipe or file.
    pub fn default_for_stdout() -> Format {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        }
    }

    pub fn is_machine(self) -> bool {
        matches!(
            self,
            Format::Csv | Format::Json | Format::Yaml | Format::Parquet
        )
    }

    /// The format a file name asks for (`--output 月报.xlsx`), if any.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "xlsx" => Format::Xlsx,
            "csv" => Format::Csv,
            "json" => Format::Json,
            "yaml" | "yml" => Format::Yaml,
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "txt" => Format::Text,
            _ => return None,
        })
    }
}

/// Where a command's standard output goes: the terminal or pipe, a buffer
/// written atomically to `--output FILE` when the command succeeds, or
/// nowhere (`--format xlsx`: the tables become sheets, the text between
/// them is left out).
enum Target {
    Stdout,
    Buffer(Vec<u8>),
    Discard,
}

thread_local! {
    static TARGET: std::cell::RefCell<Target> = const { std::cell::RefCell::new(Target::Stdout) };
}

/// A command's standard output (see [`begin_output`]); every command
/// prints through it.
pub struct Stdout;

/// The command's standard output.
pub fn stdout() -> Stdout {
    Stdout
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        TARGET.with(|t| match &mut *t.borrow_mut() {
            Target::Stdout => std::io::stdout().lock().write_all(buf),
            Target::Buffer(v) => {
                v.extend_from_slice(buf);
                Ok(())
            }
            Target::Discard => Ok(()),
        })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        TARGET.with(|t| match &*t.borrow() {
            Target::Stdout => std::io::stdout().lock().flush(),
            _ => Ok(()),
        })
    }
}

/// Before the command runs: where its output goes. `--format xlsx` to a
/// terminal is refused (a workbook is binary).
pub fn begin_output(format: Format, file: Option<&std::path::Path>, name: &str) -> Result<()> {
    let target = match (format, file) {
        (Format::Xlsx, None) if std::io::stdout().is_terminal() => {
            anyhow::bail!(crate::render::messages::msg("xlsx_to_terminal", &[]))
        }
        (Format::Xlsx, _) => Target::Discard,
        (_, Some(_)) => Target::Buffer(Vec::new()),
        (_, None) => Target::Stdout,
    };
    crate::render::xlsx::name_default(name);
    TARGET.with(|t| *t.borrow_mut() = target);
    Ok(())
}

/// After the command succeeded: the workbook of the tables it printed, or
/// the text it printed, written atomically to `file` (else to stdout).
/// Returns the file written, for the "written to" message.
pub fn finish_output(format: Format, file: Option<&std::path::Path>, lang: Lang) -> Result<()> {
    let bytes = match TARGET.with(|t| std::mem::replace(&mut *t.borrow_mut(), Target::Stdout)) {
        Target::Stdout => return Ok(()),
        Target::Buffer(v) => v,
        Target::Discard => {
            let sheets = crate::render::xlsx::take();
            let _ = format;
            crate::render::xlsx::workbook(&sheets, lang)?
        }
    };
    match file {
        Some(p) => crate::archive::commit::write_atomic(p, &bytes)?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

impl Lang {
    /// `$DANGAN_LANG`, else Chinese when `$LANG`/`$LC_ALL` start with `zh`, else English.
    pub fn from_env() -> Lang {
        let pick = |v: &str| {
            if v.to_lowercase().starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        };
        if let Ok(v) = std::env::var("DANGAN_LANG") {
            return pick(&v);
        }
        for var in ["LC_ALL", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return pick(&v);
            }
        }
        Lang::En
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A column: its canonical key and its labels for people.
#[derive(Debug, Clone)]
pub struct Label {
    pub key: String,
    pub zh: String,
    pub en: String,
}

impl Label {
    pub fn new(key: &str, zh: &str, en: &str) -> Label {
        Label {
            key: key.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// A value in an output: text, a count, money in fen (printed as yuan), a
/// percentage in hundredths (`2345` is printed 23.45), a line number, or
/// nothing. For people (`render_people`) counts, money, percentages and
/// quantities have their digits grouped (`40,204,247.50`); a line number
/// never is.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// a line or row number of a file (`transactions.csv:12345`)
    Line(i64),
    Fen(i64),
    Pct(i64),
    /// a quantity in ten-thousandths of a unit (`crate::values::money::QTY_SCALE`)
    Qty(i64),
    Null,
}

impl Cell {
    pub fn render(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) | Cell::Line(i) => i.to_string(),
            Cell::Fen(f) => crate::values::money::format_yuan(*f),
            // the same digits as money: two decimals, exact
            Cell::Pct(p) => crate::values::money::format_yuan(*p),
            Cell::Qty(q) => crate::values::money::format_quantity(*q),
            Cell::Null => String::new(),
        }
    }

    /// The cell for people (table, markdown, text, html): numbers with
    /// their digits grouped by three, a line number and text as they are.
    pub fn render_people(&self) -> String {
        match self {
            Cell::Int(_) | Cell::Fen(_) | Cell::Pct(_) | Cell::Qty(_) => {
                crate::values::money::group_thousands(&self.render())
            }
            other => other.render(),
        }
    }

    /// The cell in a CSV: text a spreadsheet would run as a formula
    /// (`=…`, `+…`, `@…`) gets a leading `'`; numbers are never touched.
    pub fn render_csv(&self) -> String {
        match self {
            Cell::Text(s) => crate::values::text::neutralise_formula(s).into_owned(),
            other => other.render(),
        }
    }

    /// A number, right-aligned for people.
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            Cell::Int(_) | Cell::Line(_) | Cell::Fen(_) | Cell::Pct(_) | Cell::Qty(_)
        )
    }

    pub fn opt_pct(p: Option<i64>) -> Cell {
        p.map_or(Cell::Null, Cell::Pct)
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) => serde_json::Value::String(s.clone()),
            Cell::Int(i) | Cell::Line(i) => serde_json::Value::from(*i),
            // money keeps its exact two decimals as a string
            Cell::Fen(f) => serde_json::Value::String(crate::values::money::format_yuan(*f)),
            // a percentage is a plain number (23.45)
            Cell::Pct(p) => serde_json::Number::from_f64(*p as f64 / 100.0)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Cell::Qty(q) => serde_json::from_str(&crate::values::money::format_quantity(*q))
                .unwrap_or(serde_json::Value::Null),
            Cell::Null => serde_json::Value::Null,
        }
    }

    fn yaml(&self) -> serde_yaml::Value {
        match self {
            Cell::Int(i) | Cell::Line(i) => serde_yaml::Value::from(*i),
            Cell::Pct(p) => serde_yaml::Value::from(*p as f64 / 100.0),
            Cell::Qty(q) => serde_yaml::from_str(&crate::values::money::format_quantity(*q))
                .unwrap_or(serde_yaml::Value::Null),
            Cell::Null => serde_yaml::Value::Null,
            other => serde_yaml::Value::String(other.render()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub format: Format,
    pub lang: Lang,
}

/// Print a list of rows.
pub fn write_rows(
    w: &mut dyn Write,
    out: Out,
    columns: &[Label],
    rows: &[Vec<Cell>],
) -> Result<()> {
    match out.format {
        // parquet: only `dangan export`, refused before any table is printed
        Format::Csv | Format::Parquet => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(columns.iter().map(|l| l.key.as_str()))?;
            for r in rows {
                c.write_record(r.iter().map(Cell::render_csv))?;
            }
            c.flush()?;
        }
        Format::Json => {
            let arr: Vec<serde_json::Value> =
                rows.iter().map(|r| json_object(columns, r)).collect();
            serde_json::to_writer_pretty(&mut *w, &arr)?;
            writeln!(w)?;
        }
        Format::Yaml => {
            let arr: Vec<serde_yaml::Mapping> = rows.iter().map(|r| yaml_map(columns, r)).collect();
            serde_yaml::to_writer(&mut *w, &arr)?;
        }
        Format::Xlsx => crate::render::xlsx::collect(columns, rows, out.lang),
        Format::Table | Format::Text | Format::Html => {
            let mut t = Comfy::new();
            t.load_style(presets::UTF8_FULL_CONDENSED)
                .set_header(columns.iter().map(|l| l.text(out.lang)));
            // wrap to the terminal only when its width is known and usable
            // (a pseudo-terminal may report 0 columns)
            if t.width().is_some_and(|w| w >= 40) {
                t.set_content_arrangement(ContentArrangement::Dynamic);
            }
            for r in rows {
                t.add_row(r.iter().map(Cell::render_people));
            }
            align_numbers(&mut t, rows);
            writeln!(w, "{t}")?;
        }
        Format::Markdown => {
            let head: Vec<&str> = columns.iter().map(|l| l.text(out.lang)).collect();
            writeln!(w, "| {} |", head.join(" | "))?;
            let rule: Vec<&str> = (0..columns.len())
                .map(|i| {
                    if numeric_column(rows, i) {
                        "---:"
                    } else {
                        "---"
                    }
                })
                .collect();
            writeln!(w, "| {} |", rule.join(" | "))?;
            for r in rows {
                let cells: Vec<String> = r.iter().map(|c| md_escape(&c.render_people())).collect();
                writeln!(w, "| {} |", cells.join(" | "))?;
            }
        }
    }
    Ok(())
}

/// Print one record (a summary): a JSON/YAML object, a one-row CSV, or a
/// two-column table for people.
pub fn write_record(w: &mut dyn Write, out: Out, fields: &[(Label, Cell)]) -> Result<()> {
    let (labels, cells): (Vec<Label>, Vec<Cell>) = fields.iter().cloned().unzip();
    match out.format {
        Format::Csv | Format::Parquet => write_rows(w, out, &labels, &[cells]),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &json_object(&labels, &cells))?;
            writeln!(w)?;
            Ok(())
        }
        Format::Yaml => {
            serde_yaml::to_writer(&mut *w, &yaml_map(&labels, &cells))?;
            Ok(())
        }
        Format::Table | Format::Markdown | Format::Text | Format::Html | Format::Xlsx => {
            let cols = [
                Label::new("field", "项目", "field"),
                Label::new("value", "数值", "value"),
            ];
            let rows: Vec<Vec<Cell>> = fields
                .iter()
                .map(|(l, c)| vec![Cell::Text(l.text(out.lang).to_string()), c.clone()])
                .collect();
            write_rows(w, out, &cols, &rows)
        }
    }
}

fn json_object(columns: &[Label], row: &[Cell]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (l, c) in columns.iter().zip(row) {
        m.insert(l.key.clone(), c.to_json());
    }
    serde_json::Value::Object(m)
}

fn yaml_map(columns: &[Label], row: &[Cell]) -> serde_yaml::Mapping {
    let mut m = serde_yaml::Mapping::new();
    for (l, c) in columns.iter().zip(row) {
        m.insert(l.key.clone().into(), c.yaml());
    }
    m
}

/// Is column `i` a number column (a number in some row, text in none)?
fn numeric_column(rows: &[Vec<Cell>], i: usize) -> bool {
    let cells = || rows.iter().filter_map(|r| r.get(i));
    cells().any(|c| c.is_number()) && !cells().any(|c| matches!(c, Cell::Text(s) if !s.is_empty()))
}

fn align_numbers(t: &mut Comfy, rows: &[Vec<Cell>]) {
    let width = rows.first().map_or(0, Vec::len);
    for i in 0..width {
        if numeric_column(rows, i)
            && let Some(col) = t.column_mut(i)
        {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Is stderr a terminal (progress bars, colour)?
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
