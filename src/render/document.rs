//! A report as data: sections of headed blocks (fields, tables, notes, each
//! table with an optional chart), and its renderings as plain text, Markdown
//! and JSON. HTML with SVG charts is `crate::render::html`.
//!
//! Every table keeps its cells typed (`crate::render::output::Cell`), so JSON gets
//! numbers as numbers and money as yuan strings with two decimals, under the
//! canonical keys, whatever the language of the headings.

use crate::render::output::{Cell, Format, Label, Lang, Out, write_rows};
use anyhow::Result;
use std::io::Write;

#[derive(Debug, Clone)]
pub struct Document {
    /// the report's title, per language
    pub title: (String, String),
    /// key → value lines under the title (period, as-of date)
    pub meta: Vec<(Label, Cell)>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone)]
pub struct Section {
    /// canonical key in JSON
    pub key: &'static str,
    pub title: (&'static str, &'static str),
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub enum Block {
    /// named figures (a small two-column table for people, keys in JSON)
    Fields(Vec<(Label, Cell)>),
    Table(TableBlock),
    /// a sentence for people (JSON leaves it out)
    Note(String, String),
}

#[derive(Debug, Clone)]
pub struct TableBlock {
    /// the key of the rows in JSON
    pub key: &'static str,
    /// a sub-heading for people, per language
    pub caption: Option<(String, String)>,
    pub columns: Vec<Label>,
    pub rows: Vec<Vec<Cell>>,
    /// a last row for people only (totals)
    pub footer: Option<Vec<Cell>>,
    pub chart: Option<Chart>,
}

/// How a table is drawn in HTML: the label column and the value column.
#[derive(Debug, Clone, Copy)]
pub enum Chart {
    Bars { label: usize, value: usize },
    Donut { label: usize, value: usize },
    Line { label: usize, value: usize },
}

/// A cell as people read it: the fold rows named in their language, and in
/// Chinese the values of the closed sets (status, kind, segment, ...).
pub fn for_people(column: &str, c: &Cell, lang: Lang) -> Cell {
    let Cell::Text(v) = c else {
        return c.clone();
    };
    let zh = lang == Lang::Zh;
    let t = match (column, v.as_str()) {
        (_, "(total)") if zh => "(合计)",
        (_, "(other)") if zh => "(其他)",
        (_, "") if !matches!(column, "reasons") => "-",
        ("status", v) if zh => crate::archive::schema::status_zh(v).unwrap_or(v),
        ("kind", v) if zh => crate::archive::schema::kind_zh(v).unwrap_or(v),
        ("segment", v) if zh => match v {
            "risk" => "风险客户",
            "key" => "重点客户",
            "general" => "一般客户",
            other => other,
        },
        ("via", v) if zh => match v {
            "followup" => "回访",
            "sale" => "购买",
            "created" => "建档",
            "never" => "从未",
            other => other,
        },
        ("severity", v) if zh => match v {
            "error" => "错误",
            "warning" => "警告",
            other => other,
        },
        _ => return c.clone(),
    };
    Cell::Text(t.to_string())
}

/// A table's rows (and footer) as people read them.
pub fn people_rows(t: &TableBlock, lang: Lang) -> Vec<Vec<Cell>> {
    t.rows
        .iter()
        .chain(t.footer.iter())
        .map(|r| {
            t.columns
                .iter()
                .zip(r)
                .map(|(l, c)| for_people(&l.key, c, lang))
                .collect()
        })
        .collect()
}

pub fn pick(lang: Lang, pair: &(impl AsRef<str>, impl AsRef<str>)) -> String {
    match lang {
        Lang::Zh => pair.0.as_ref().to_string(),
        Lang::En => pair.1.as_ref().to_string(),
    }
}

impl Document {
    /// Plain text for a terminal or a mail body.
    pub fn write_text(&self, w: &mut dyn Write, lang: Lang) -> Result<()> {
        self.write_people(w, lang, Format::Table)
    }

    pub fn write_markdown(&self, w: &mut dyn Write, lang: Lang) -> Result<()> {
        self.write_people(w, lang, Format::Markdown)
    }

    fn write_people(&self, w: &mut dyn Write, lang: Lang, format: Format) -> Result<()> {
        let md = format == Format::Markdown;
        let out = Out { format, lang };
        let title = pick(lang, &self.title);
        if md {
            writeln!(w, "# {title}\n")?;
        } else {
            writeln!(w, "{title}\n{}\n", "=".repeat(title.chars().count() * 2))?;
        }
        for (l, c) in &self.meta {
            let sep = if lang == Lang::Zh { "：" } else { ": " };
            let line = format!("{}{sep}{}", pick(lang, &(&l.zh, &l.en)), c.render_people());
            if md {
                writeln!(w, "- {line}")?;
            } else {
                writeln!(w, "{line}")?;
            }
        }
        for (n, s) in self.sections.iter().enumerate() {
            let head = format!("{}. {}", n + 1, pick(lang, &s.title));
            if md {
                writeln!(w, "\n## {head}")?;
            } else {
                writeln!(w, "\n{head}\n{}", "-".repeat(head.chars().count() * 2))?;
            }
            for b in &s.blocks {
                if md {
                    writeln!(w)?;
                }
                match b {
                    Block::Fields(f) => crate::render::output::write_record(w, out, f)?,
                    Block::Note(zh, en) => writeln!(w, "{}", pick(lang, &(zh, en)))?,
                    Block::Table(t) => {
                        if let Some(c) = &t.caption {
                            if md {
                                writeln!(w, "**{}**\n", pick(lang, c))?;
                            } else {
                                writeln!(w, "\n{}", pick(lang, c))?;
                            }
                        }
                        if t.rows.is_empty() {
                            writeln!(w, "{}", lang.pick("（无）", "(none)"))?;
                            continue;
                        }
                        write_rows(w, out, &t.columns, &people_rows(t, lang))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The report as a workbook's sheets: the title page (title, period,
    /// as-of date), then one sheet per section, its tables one under
    /// another, each chart a native Excel chart (columns, doughnut, line).
    pub fn to_sheets(&self, lang: Lang) -> Vec<crate::render::xlsx::Sheet> {
        use crate::render::xlsx::{ChartKind, ChartSpec, Sheet, Table};
        let field_labels = vec![
            Label::new("field", "项目", "field"),
            Label::new("value", "数值", "value"),
        ];
        let fields = |title: String, f: &[(Label, Cell)]| Table {
            title,
            columns: field_labels.clone(),
            rows: f
                .iter()
                .map(|(l, c)| vec![Cell::Text(l.text(lang).to_string()), c.clone()])
                .collect(),
            chart: None,
        };
        let mut sheets = vec![Sheet {
            name: pick(lang, &self.title),
            tables: vec![fields(pick(lang, &self.title), &self.meta)],
        }];
        for (n, s) in self.sections.iter().enumerate() {
            let title = format!("{}. {}", n + 1, pick(lang, &s.title));
            let mut tables = Vec::new();
            for b in &s.blocks {
                match b {
                    Block::Fields(f) => tables.push(fields(title.clone(), f)),
                    Block::Note(..) => {}
                    Block::Table(t) => {
                        let chart = t.chart.map(|c| {
                            let (kind, label, values) = match c {
                                Chart::Bars { label, value } => (ChartKind::Column, label, value),
                                Chart::Donut { label, value } => {
                                    (ChartKind::Doughnut, label, value)
                                }
                                Chart::Line { label, value } => (ChartKind::Line, label, value),
                            };
                            ChartSpec {
                                kind,
                                label,
                                values,
                                rows: t.rows.len(),
                            }
                        });
                        tables.push(Table {
                            title: t
                                .caption
                                .as_ref()
                                .map_or_else(|| title.clone(), |c| pick(lang, c)),
                            columns: t.columns.clone(),
                            rows: people_rows(t, lang),
                            chart,
                        });
                    }
                }
            }
            sheets.push(Sheet {
                name: title,
                tables,
            });
        }
        sheets
    }

    /// One object: `title`, the meta keys, and per section its fields and
    /// tables under their keys.
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        root.insert("title".into(), self.title.1.clone().into());
        for (l, c) in &self.meta {
            root.insert(l.key.clone(), c.to_json());
        }
        for s in &self.sections {
            let mut obj = serde_json::Map::new();
            for b in &s.blocks {
                match b {
                    Block::Fields(f) => {
                        for (l, c) in f {
                            obj.insert(l.key.clone(), c.to_json());
                        }
                    }
                    Block::Table(t) => {
                        let rows: Vec<serde_json::Value> = t
                            .rows
                            .iter()
                            .map(|r| {
                                serde_json::Value::Object(
                                    t.columns
                                        .iter()
                                        .zip(r)
                                        .map(|(l, c)| (l.key.clone(), c.to_json()))
                                        .collect(),
                                )
                            })
                            .collect();
                        obj.insert(t.key.into(), rows.into());
                    }
                    Block::Note(..) => {}
                }
            }
            root.insert(s.key.into(), obj.into());
        }
        root.into()
    }
}
