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
        matches!(self, Format::Csv | Format::Json | Format::Yaml)
    }
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
/// percentage in hundredths (`2345` is printed 23.45), or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
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
            Cell::Int(i) => i.to_string(),
            Cell::Fen(f) => crate::values::money::format_yuan(*f),
            // the same digits as money: two decimals, exact
            Cell::Pct(p) => crate::values::money::format_yuan(*p),
            Cell::Qty(q) => crate::values::money::format_quantity(*q),
            Cell::Null => String::new(),
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

    pub fn opt_pct(p: Option<i64>) -> Cell {
        p.map_or(Cell::Null, Cell::Pct)
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) => serde_json::Value::String(s.clone()),
            Cell::Int(i) => serde_json::Value::from(*i),
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
            Cell::Int(i) => serde_yaml::Value::from(*i),
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
        Format::Csv => {
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
                t.add_row(r.iter().map(Cell::render));
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
                let cells: Vec<String> = r.iter().map(|c| md_escape(&c.render())).collect();
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
        Format::Csv => write_rows(w, out, &labels, &[cells]),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &json_object(&labels, &cells))?;
            writeln!(w)?;
            Ok(())
        }
        Format::Yaml => {
            serde_yaml::to_writer(&mut *w, &yaml_map(&labels, &cells))?;
            Ok(())
        }
        Format::Table | Format::Markdown | Format::Text | Format::Html => {
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
    cells().any(|c| matches!(c, Cell::Int(_) | Cell::Fen(_) | Cell::Pct(_) | Cell::Qty(_)))
        && !cells().any(|c| matches!(c, Cell::Text(s) if !s.is_empty()))
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
