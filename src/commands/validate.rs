//! `dangan validate [FILE] [--fail-on error|warning|never] [--as-of DATE]`
//!
//! Checks the archive (or one file, for a one-off clean-up) against the rules
//! of `check::rules` in one streaming pass per table, and lists every finding:
//! `table, row, id, field, rule, severity, value, message` (row = line in the
//! file). Memory grows only with the key sets of `unique` and `duplicate`.
//!
//! A value passes its format rule when import could read it (`2024/3/5` is a
//! date, `+86 138 0013 8000` a mobile): validate reports what is wrong, not
//! what is merely written another way. Then the checks of meaning run on the
//! value as import would store it: check digits, birth dates, date order.
//!
//! The engine is `check::engine`; this file holds the listing (CSV, JSON,
//! YAML, tables) and `run_and_print`.

use crate::check::engine::*;
use crate::render::output::{Cell, Format, Label, Out, write_rows};
use crate::values::text::neutralise_formula;
use anyhow::{Result, anyhow};
use std::borrow::Cow;
use std::path::Path;

fn finding_labels() -> Vec<Label> {
    vec![
        Label::new("table", "表", "table"),
        Label::new("row", "行", "row"),
        Label::new("id", "编号", "id"),
        Label::new("field", "字段", "field"),
        Label::new("rule", "规则", "rule"),
        Label::new("severity", "级别", "severity"),
        Label::new("value", "值", "value"),
        Label::new("message", "说明", "message"),
    ]
}

fn finding_cells(f: &Finding) -> Vec<Cell> {
    vec![
        Cell::Text(f.table.into()),
        Cell::Line(f.row as i64),
        Cell::Text(f.id.clone()),
        Cell::Text(f.field.clone()),
        Cell::Text(f.rule.name().into()),
        Cell::Text(f.severity.name().into()),
        Cell::Text(f.value.clone()),
        Cell::Text(f.message.clone()),
    ]
}

/// Completeness as a percentage with one decimal, e.g. `95.0`.
fn percent(filled: u64, rows: u64) -> String {
    if rows == 0 {
        return "0.0".into();
    }
    let tenths = (filled * 1000 + rows / 2) / rows;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Check and print: CSV and JSON are written as the findings are found (into
/// memory, then to `w` once the check has succeeded: a run that fails on
/// unusable input prints its error and no partial list); the other formats
/// collect the findings first (see [`print`]).
pub fn run_and_print(
    archive_dir: &Path,
    opts: &ValidateOptions,
    w: &mut dyn std::io::Write,
    out: Out,
) -> Result<Report> {
    let Some(mut listing) = Listing::new(out.format)? else {
        let report = run(archive_dir, opts)?;
        print(w, out, &report)?;
        return Ok(report);
    };
    let report = run_with(archive_dir, opts, &mut |f| listing.add(&f))?;
    listing.finish(w, out, &report)?;
    Ok(report)
}

/// The findings as a CSV list, or the JSON document around them, written one
/// finding at a time (the same bytes `write_rows` and serde_json's pretty
/// printer make of the whole list).
enum Listing {
    /// the writer, and a buffer for the row number
    Csv(Box<csv::Writer<Blocks>>, String),
    /// the text so far, and whether a finding is in it
    Json(Blocks, bool),
}

impl Listing {
    /// `None` for the formats that lay out the whole report at once.
    fn new(format: Format) -> Result<Option<Listing>> {
        Ok(match format {
            Format::Csv => {
                let mut c = csv::Writer::from_writer(Blocks::default());
                c.write_record(finding_labels().iter().map(|l| l.key.as_str()))?;
                Some(Listing::Csv(Box::new(c), String::new()))
            }
            Format::Json => {
                let mut buf = Blocks::default();
                buf.extend_from_slice(b"{\n  \"findings\": [");
                Some(Listing::Json(buf, false))
            }
            _ => None,
        })
    }

    fn add(&mut self, f: &Finding) -> Result<()> {
        match self {
            Listing::Csv(c, row) => {
                use std::fmt::Write;
                row.clear();
                write!(row, "{}", f.row)?;
                // as `Cell::render_csv`: text guarded against formulas, the row a number
                let cells = [
                    neutralise_formula(f.table),
                    Cow::Borrowed(row.as_str()),
                    neutralise_formula(&f.id),
                    neutralise_formula(&f.field),
                    neutralise_formula(f.rule.name()),
                    neutralise_formula(f.severity.name()),
                    neutralise_formula(&f.value),
                    neutralise_formula(&f.message),
                ];
                c.write_record(cells.iter().map(|v| v.as_bytes()))?;
            }
            Listing::Json(buf, any) => {
                buf.extend_from_slice(if *any { b",\n" } else { b"\n" });
                *any = true;
                let obj = serde_json::json!({
                    "table": f.table,
                    "row": f.row,
                    "id": f.id,
                    "field": f.field,
                    "rule": f.rule.name(),
                    "severity": f.severity.name(),
                    "value": f.value,
                    "message": f.message,
                });
                indented(buf, &obj, "    ")?;
            }
        }
        Ok(())
    }

    /// Close the list (JSON: and add `summary`, `completeness`, `rows`), and
    /// write it all to `w`.
    fn finish(self, w: &mut dyn std::io::Write, out: Out, report: &Report) -> Result<()> {
        let buf = match self {
            Listing::Csv(c, _) => (*c).into_inner().map_err(|e| anyhow!("{}", e.error()))?,
            Listing::Json(mut buf, any) => {
                buf.extend_from_slice(if any { b"\n  ]" } else { b"]" });
                let rest = [
                    (
                        "summary",
                        json_rows(out, &summary_labels(), &summary_cells(report))?,
                    ),
                    (
                        "completeness",
                        json_rows(out, &completeness_labels(), &completeness_cells(report))?,
                    ),
                    ("rows", rows_json(report)),
                ];
                for (k, v) in rest {
                    buf.extend_from_slice(format!(",\n  \"{k}\": ").as_bytes());
                    let mut inner = Vec::new();
                    indented(&mut inner, &v, "  ")?;
                    // the value starts after the key, not on a line of its own
                    buf.extend_from_slice(&inner[2..]);
                }
                buf.extend_from_slice(b"\n}\n");
                buf
            }
        };
        buf.write_to(w)?;
        Ok(())
    }
}

/// Output held in memory until the check has succeeded, in blocks of 1 MiB:
/// one buffer would copy itself into new memory each time it doubled.
#[derive(Default)]
struct Blocks {
    full: Vec<Vec<u8>>,
    cur: Vec<u8>,
}

impl Blocks {
    const SIZE: usize = 1 << 20;

    fn extend_from_slice(&mut self, b: &[u8]) {
        if self.cur.len() + b.len() > Self::SIZE && !self.cur.is_empty() {
            let full = std::mem::replace(&mut self.cur, Vec::with_capacity(Self::SIZE));
            self.full.push(full);
        }
        self.cur.extend_from_slice(b);
    }

    fn write_to(self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        for b in self.full.iter().chain([&self.cur]) {
            w.write_all(b)?;
        }
        Ok(())
    }
}

impl std::io::Write for Blocks {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `value` pretty-printed as serde_json does, each line after `indent`.
fn indented(buf: &mut dyn std::io::Write, value: &serde_json::Value, indent: &str) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    // JSON strings hold no raw line breaks: every line is the printer's
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            buf.write_all(b"\n")?;
        }
        buf.write_all(indent.as_bytes())?;
        buf.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn summary_labels() -> [Label; 3] {
    [
        Label::new("rule", "规则", "rule"),
        Label::new("severity", "级别", "severity"),
        Label::new("count", "条数", "count"),
    ]
}

fn summary_cells(report: &Report) -> Vec<Vec<Cell>> {
    report
        .summary()
        .into_iter()
        .map(|(r, s, n)| {
            vec![
                Cell::Text(r.name().into()),
                Cell::Text(s.name().into()),
                Cell::Int(n as i64),
            ]
        })
        .collect()
}

fn completeness_labels() -> [Label; 5] {
    [
        Label::new("table", "表", "table"),
        Label::new("field", "字段", "field"),
        Label::new("filled", "已填", "filled"),
        Label::new("rows", "行数", "rows"),
        Label::new("percent", "完整度%", "percent"),
    ]
}

fn completeness_cells(report: &Report) -> Vec<Vec<Cell>> {
    report
        .completeness
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.table.into()),
                Cell::Text(c.field.clone()),
                Cell::Int(c.filled as i64),
                Cell::Int(c.rows as i64),
                Cell::Text(percent(c.filled, c.rows)),
            ]
        })
        .collect()
}

/// Rows as a JSON array of objects, as `write_rows` prints them.
fn json_rows(out: Out, labels: &[Label], rows: &[Vec<Cell>]) -> Result<serde_json::Value> {
    let mut buf = Vec::new();
    write_rows(
        &mut buf,
        Out {
            format: Format::Json,
            ..out
        },
        labels,
        rows,
    )?;
    Ok(serde_json::from_slice(&buf)?)
}

fn rows_json(report: &Report) -> serde_json::Value {
    serde_json::Value::Object(
        report
            .tables
            .iter()
            .map(|(t, n)| (t.to_string(), serde_json::Value::from(*n)))
            .collect(),
    )
}

/// Print a report: CSV is the findings alone; JSON and YAML one object with
/// `findings`, `summary`, `completeness` and `rows`; tables and Markdown all
/// three, with headings.
pub fn print(w: &mut dyn std::io::Write, out: Out, report: &Report) -> Result<()> {
    if let Some(mut listing) = Listing::new(out.format)? {
        for f in &report.findings {
            listing.add(f)?;
        }
        return listing.finish(w, out, report);
    }
    let findings: Vec<Vec<Cell>> = report.findings.iter().map(finding_cells).collect();
    let summary_labels = summary_labels();
    let summary = summary_cells(report);
    let comp_labels = completeness_labels();
    let comp = completeness_cells(report);
    match out.format {
        Format::Yaml => {
            let mut obj = serde_json::Map::new();
            obj.insert(
                "findings".into(),
                json_rows(out, &finding_labels(), &findings)?,
            );
            obj.insert("summary".into(), json_rows(out, &summary_labels, &summary)?);
            obj.insert("completeness".into(), json_rows(out, &comp_labels, &comp)?);
            obj.insert("rows".into(), rows_json(report));
            serde_yaml::to_writer(&mut *w, &serde_json::Value::Object(obj))?;
            Ok(())
        }
        // written by `Listing`
        Format::Csv | Format::Json | Format::Parquet => Ok(()),
        Format::Table | Format::Markdown | Format::Text | Format::Html | Format::Xlsx => {
            let heading = |w: &mut dyn std::io::Write, zh: &str, en: &str| -> Result<()> {
                // a workbook: the next table is a sheet of this name
                crate::render::xlsx::name_next(zh, en, out.lang);
                let t = out.lang.pick(zh, en);
                if out.format == Format::Markdown {
                    writeln!(w, "\n## {t}\n")?
                } else {
                    writeln!(w, "\n{t}")?
                }
                Ok(())
            };
            let checked: Vec<String> = report
                .tables
                .iter()
                .map(|(t, n)| {
                    format!(
                        "{t} {}",
                        crate::values::money::group_thousands(&n.to_string())
                    )
                })
                .collect();
            heading(w, "检查结果", "Findings")?;
            writeln!(
                w,
                "{}",
                out.lang.pick("已检查：", "checked: ").to_string() + &checked.join(", ")
            )?;
            crate::render::xlsx::name_next("检查结果", "Findings", out.lang);
            if findings.is_empty() && out.format != Format::Xlsx {
                writeln!(w, "{}", out.lang.pick("没有发现问题。", "No findings."))?;
            } else {
                write_rows(w, out, &finding_labels(), &findings)?;
                heading(w, "按规则汇总", "By rule")?;
                write_rows(w, out, &summary_labels, &summary)?;
            }
            if !comp.is_empty() {
                heading(w, "客户资料完整度", "Customer field completeness")?;
                write_rows(w, out, &comp_labels, &comp)?;
            }
            Ok(())
        }
    }
}

/// The flags of `dangan validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Check this file (CSV/YAML/XLSX, any encoding; `-` = stdin) instead of the archive
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// Table the file holds [default: recognised from the headers]
    #[arg(long, value_parser = crate::flags::parse_table)]
    pub table: Option<crate::archive::schema::TableKind>,
    /// Exit 1 when a finding of this severity or worse exists
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Date for date-relative rules (stale, future dates) [default: today]
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Rules file (the shape of `validate:` in dangan.yaml), instead of dangan.yaml's
    #[arg(long, value_name = "FILE")]
    pub rules: Option<std::path::PathBuf>,
    /// Show ID numbers, phones and e-mails in full
    #[arg(long)]
    pub no_mask: bool,
    /// Text encoding of FILE [default: detected]
    #[arg(long, value_parser = crate::flags::parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Worksheet of a workbook FILE [default: the first]
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// The customers `--owner`/`--where` keep, read leniently: an archive with
/// unreadable cells is what validate is for, so a cell is compared in its
/// one reading when it has one, else as written. `tier` and `segment` are
/// graded at the as-of date.
fn kept_customers(
    dir: &Path,
    filter: &crate::flags::FilterFlags,
    as_of: chrono::NaiveDate,
) -> Result<rustc_hash::FxHashSet<String>> {
    use crate::archive::schema::TableKind;
    let archive = crate::archive::Archive::open(dir)?;
    let mut table = archive.read_table(TableKind::Customers)?;
    let f = filter.filter(&table.columns)?;
    let cols: Vec<(usize, &'static crate::archive::schema::Column)> = f
        .columns()
        .filter_map(|c| Some((table.col(c)?, TableKind::Customers.column(c)?)))
        .collect();
    for r in table.rows.iter_mut() {
        for &(i, c) in &cols {
            let raw = r.get(i);
            if let Ok(v) = crate::read::cells::read(c, raw)
                && v != raw
            {
                *r = r.with(i, &v);
            }
        }
    }
    // `--where tier=A`: graded at the as-of date (a cell grading cannot
    // read stops the run with its file:line)
    #[cfg(feature = "analytics")]
    let grades = crate::analytics::grading::grades_for(&archive, &f, as_of)?;
    #[cfg(not(feature = "analytics"))]
    let grades: rustc_hash::FxHashMap<String, (&'static str, &'static str)> = {
        let _ = as_of;
        Default::default()
    };
    Ok(f.kept_ids(&table, &|id| grades.get(id).copied()))
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

/// `dangan validate` from the command line: the options, the run and its findings
pub fn main(a: Args, cx: &crate::flags::Context) -> anyhow::Result<std::process::ExitCode> {
    crate::flags::register_no_mask(cx, a.no_mask)?;
    use anyhow::anyhow;

    use std::process::ExitCode;
    let (archive, out) = (&cx.archive, cx.out);
    let only = if a.filter.is_empty() {
        None
    } else if a.file.is_some() {
        return Err(anyhow!(crate::tr!("filter_not_with_file")));
    } else {
        Some(kept_customers(
            archive,
            &a.filter,
            a.as_of.unwrap_or_else(crate::values::dates::today),
        )?)
    };
    let opts = crate::check::engine::ValidateOptions {
        file: a.file,
        table: a.table,
        read: crate::read::source::ReadOptions {
            encoding: a.encoding,
            sheet: a.sheet,
        },
        rules: a.rules,
        as_of: a.as_of.unwrap_or_else(crate::values::dates::today),
        no_mask: a.no_mask,
        only,
    };
    let report = run_and_print(archive, &opts, &mut crate::render::output::stdout(), out)?;
    let level = match a.fail_on {
        FailOn::Error => Some(crate::check::rules::Severity::Error),
        FailOn::Warning => Some(crate::check::rules::Severity::Warning),
        FailOn::Never => None,
    };
    if let Some(level) = level
        && report.fails(Some(level))
    {
        let n = report.at_least(level);
        return Err(anyhow!(crate::Findings(crate::tr!(
            "findings_at_fail_on",
            n = n
        ))));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::source::ReadOptions;
    use crate::render::output::Lang;
    use chrono::NaiveDate;

    /// A collected report printed later gives the same bytes as the findings
    /// written while they are found.
    #[test]
    fn print_and_run_and_print_agree() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/validate");
        let opts = ValidateOptions {
            file: None,
            table: None,
            read: ReadOptions::default(),
            rules: None,
            as_of: NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            no_mask: false,
            only: None,
        };
        for format in [Format::Csv, Format::Json] {
            let out = Out {
                format,
                lang: Lang::En,
            };
            let (mut streamed, mut printed) = (Vec::new(), Vec::new());
            let report = run_and_print(&dir, &opts, &mut streamed, out).unwrap();
            assert!(report.findings.is_empty(), "streamed, not kept");
            let report = run(&dir, &opts).unwrap();
            // 29 of the content, and the `not_canonical` date 2024/3/12 of T10
            assert_eq!(report.findings.len(), 30);
            print(&mut printed, out, &report).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(printed).unwrap()
            );
        }
    }
}
