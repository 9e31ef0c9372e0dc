//! `--format xlsx` (issue 20): every workbook read back with calamine —
//! sheets and headers, exact cell values and types (an 18-digit ID number is
//! text, money a number), the frozen header and autofilter, the report's
//! native charts, masking, and that no formula is written.

use crate::common::*;
use calamine::{Data, Reader, Xlsx, open_workbook};
use std::io::Read;
use std::path::{Path, PathBuf};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

/// Run dangan on `archive` writing `file`; the exit code.
fn xlsx(archive: &Path, file: &Path, args: &[&str]) -> i32 {
    let out = dangan()
        .args(args)
        .arg("--archive")
        .arg(archive)
        .arg("--output")
        .arg(file)
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(&out),
        "",
        "{args:?}: the workbook goes to the file"
    );
    out.status.code().unwrap()
}

fn book(file: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(file).unwrap()
}

/// The text of a part of the workbook (a zip).
fn part(file: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn parts(file: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    z.file_names().map(|n| n.unwrap().into_owned()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => panic!("not text: {other:?}"),
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn classify_as_a_workbook_has_typed_cells_a_frozen_header_and_the_csv_values() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("分级.xlsx");
    let code = xlsx(
        &demo(),
        &file,
        &["classify", "--as-of", "2026-10-31", "--lang", "zh"],
    );
    assert_eq!(code, 0);
    let csv = stdout_of(
        &dangan()
            .args([
                "classify",
                "--as-of",
                "2026-10-31",
                "--format",
                "csv",
                "--archive",
            ])
            .arg(demo())
            .output()
            .unwrap(),
    );
    let mut wb = book(&file);
    // the customers, and the summary by tier and segment
    assert_eq!(wb.sheet_names(), ["客户分级", "分级汇总"]);
    let r = wb.worksheet_range("客户分级").unwrap();
    let rows: Vec<&[Data]> = r.rows().collect();
    // a header in Chinese, then every customer (a terminal table stops at 200)
    assert_eq!(rows.len(), 301);
    assert_eq!(text(&rows[0][0]), "档案编号");
    let head: Vec<String> = rows[0].iter().map(text).collect();
    let net = head.iter().position(|h| h == "净销售额").unwrap();
    let share = head.iter().position(|h| h == "占比%").unwrap();
    let mut c = csv::Reader::from_reader(csv.as_bytes());
    let h = c.headers().unwrap().clone();
    let (cnet, cshare) = (
        h.iter().position(|x| x == "net_sales").unwrap(),
        h.iter().position(|x| x == "share").unwrap(),
    );
    for (rec, row) in c.records().zip(&rows[1..]) {
        let rec = rec.unwrap();
        assert_eq!(text(&row[0]), &rec[0], "the archive number is text");
        let want: f64 = rec[cnet].parse().unwrap();
        assert!(
            (number(&row[net]) - want).abs() < 1e-6,
            "{} {want}",
            &rec[0]
        );
        if !rec[cshare].is_empty() {
            let want: f64 = rec[cshare].parse::<f64>().unwrap() / 100.0;
            assert!((number(&row[share]) - want).abs() < 1e-9);
        }
    }
    let sheet = part(&file, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{sheet:.600}"
    );
    assert!(sheet.contains(r#"<autoFilter ref="A1:"#), "autofilter");
    assert!(!sheet.contains("<f>"), "no formula");
    let styles = part(&file, "xl/styles.xml");
    assert!(
        styles.contains(r##"formatCode="#,##0.00""##),
        "money shows #,##0.00"
    );
    assert!(styles.contains(r#"formatCode="0.00%""#), "percentages");
}

#[test]
fn validate_gives_one_sheet_per_table_with_row_numbers_as_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("findings.xlsx");
    // findings at the failing severity: exit 1, and the workbook is written
    let code = xlsx(
        &demo(),
        &file,
        &["validate", "--as-of", "2026-11-01", "--lang", "en"],
    );
    assert_eq!(code, 1);
    let mut wb = book(&file);
    assert_eq!(
        wb.sheet_names(),
        ["Findings", "By rule", "Customer field completeness"]
    );
    let csv = stdout_of(
        &dangan()
            .args([
                "validate",
                "--as-of",
                "2026-11-01",
                "--format",
                "csv",
                "--archive",
            ])
            .arg(demo())
            .output()
            .unwrap(),
    );
    let r = wb.worksheet_range("Findings").unwrap();
    let rows: Vec<&[Data]> = r.rows().collect();
    assert_eq!(rows.len(), csv.lines().count());
    assert_eq!(text(&rows[0][1]), "row");
    let first: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(text(&rows[1][0]), first[0]);
    assert_eq!(number(&rows[1][1]), first[1].parse::<f64>().unwrap());
    assert_eq!(text(&rows[1][4]), first[4], "the rule name stays canonical");
}

#[test]
fn an_id_number_is_text_and_masked_unless_no_mask() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo(), tmp.path());
    let row = read(tmp.path().join("customers.csv"))
        .lines()
        .find(|l| l.starts_with("C000001,"))
        .unwrap()
        .to_string();
    let id_number = row.split(',').nth(11).unwrap().to_string();
    let mobile = row.split(',').nth(8).unwrap().to_string();
    assert_eq!(id_number.len(), 18);
    for (no_mask, file) in [(false, "masked.xlsx"), (true, "full.xlsx")] {
        let file = tmp.path().join(file);
        let mut args = vec!["show", "C000001", "--as-of", "2026-10-31", "--lang", "zh"];
        if no_mask {
            args.push("--no-mask");
        }
        assert_eq!(xlsx(tmp.path(), &file, &args), 0);
        let mut wb = book(&file);
        let names = wb.sheet_names();
        assert_eq!(names[0], "基本资料", "{names:?}");
        assert!(names.contains(&"最近交易".to_string()), "{names:?}");
        let r = wb.worksheet_range("基本资料").unwrap();
        let value = |label: &str| {
            r.rows()
                .find(|row| matches!(&row[0], Data::String(s) if s == label))
                .map(|row| row[1].clone())
                .unwrap()
        };
        let (id, m) = (text(&value("身份证号")), text(&value("手机")));
        if no_mask {
            assert_eq!(id, id_number, "18 digits as text, not 1.1E+17");
            assert_eq!(m, mobile);
        } else {
            assert_ne!(id, id_number);
            assert!(id.contains("****") || id.contains('*'), "{id}");
            assert!(m.contains("****"), "{m}");
            assert!(!part(&file, "xl/sharedStrings.xml").contains(&id_number));
        }
    }
}

/// `report --format xlsx` into a pipe or with `--output` writes one
/// workbook and nothing else: before, the table commands' empty workbook
/// followed the report's on stdout (a zip whose last directory was the empty
/// one).
#[test]
fn the_report_workbook_alone_goes_to_a_pipe_and_nothing_to_stdout_with_output() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = dangan()
            .args([
                "report",
                "--as-of",
                "2026-11-01",
                "--format",
                "xlsx",
                "--archive",
            ])
            .arg(demo())
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        out.stdout
    };
    let piped = tmp.path().join("piped.xlsx");
    std::fs::write(&piped, run(&[])).unwrap();
    let file = tmp.path().join("file.xlsx");
    assert_eq!(run(&["--output", file.to_str().unwrap()]), Vec::<u8>::new());
    for f in [&piped, &file] {
        let names = book(f).sheet_names();
        assert_eq!(names.len(), 10, "{}: {names:?}", f.display());
        assert_eq!(names[0], "Customer archive report 2026-10");
        assert_eq!(names[9], "9. Archive health");
        // one zip: its only end-of-directory record is the last 22 bytes
        let bytes = std::fs::read(f).unwrap();
        let ends = bytes.windows(4).filter(|w| w == b"PK\x05\x06").count();
        assert_eq!(ends, 1, "{}", f.display());
    }
}

#[test]
fn the_report_workbook_has_a_sheet_per_section_and_native_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("月报.xlsx");
    let out = dangan()
        .args([
            "report",
            "--as-of",
            "2026-11-01",
            "--lang",
            "zh",
            "--archive",
        ])
        .arg(demo())
        .arg("--output")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut wb = book(&file);
    let names = wb.sheet_names();
    assert_eq!(
        names,
        [
            "客户档案报告 2026-10-01..2026-10-31",
            "1. 概览",
            "2. 客户分类",
            "3. 客户构成分析",
            "4. 销售额前列客户",
            "5. 风险客户",
            "6. 待回访客户",
            "7. 投诉与满意度",
            "8. 近期生日",
            "9. 档案质量",
        ]
        .map(|s| s.chars().take(31).collect::<String>())
    );
    // the overview's net sales is a number, the same as the JSON's
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &dangan()
            .args([
                "report",
                "--as-of",
                "2026-11-01",
                "--format",
                "json",
                "--archive",
            ])
            .arg(demo())
            .output()
            .unwrap(),
    ))
    .unwrap();
    let want: f64 = json["overview"]["net_sales"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let r = wb.worksheet_range("1. 概览").unwrap();
    let net = r
        .rows()
        .find(|row| matches!(&row[0], Data::String(s) if s == "净销售额"))
        .map(|row| number(&row[1]))
        .unwrap();
    assert!((net - want).abs() < 1e-6, "{net} {want}");
    // native charts: columns, a doughnut for the tiers, a line for the trend
    let charts: Vec<String> = parts(&file)
        .into_iter()
        .filter(|p| p.starts_with("xl/charts/chart"))
        .collect();
    assert!(charts.len() >= 3, "{charts:?}");
    let all: String = charts.iter().map(|c| part(&file, c)).collect();
    for kind in ["<c:barChart>", "<c:doughnutChart>", "<c:lineChart>"] {
        assert!(all.contains(kind), "{kind} missing");
    }
    for p in parts(&file)
        .iter()
        .filter(|p| p.starts_with("xl/worksheets/sheet"))
    {
        assert!(!part(&file, p).contains("<f>"), "{p}: a formula");
    }
}

#[test]
fn import_format_xlsx_points_to_output_and_a_bad_output_directory_is_reported() {
    let out = dangan()
        .args(["import", "x.csv", "--format", "xlsx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("the cleaned rows become a workbook with --output FILE.xlsx"),
        "{}",
        stderr_of(&out)
    );
    let out = dangan()
        .args(["classify", "--as-of", "2026-10-31", "--archive"])
        .arg(demo())
        .args(["--output", "/nonexistent/dir/x.xlsx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("/nonexistent/dir: cannot create a temp file"),
        "{}",
        stderr_of(&out)
    );
}

/// A messy export cleaned once into a workbook: `import FILE --output
/// cleaned.xlsx` (no archive needed). Headers in `--lang`, the credit limit
/// a number of yuan, dates dates, the ID number and mobile text — masked
/// unless `--no-mask`.
#[test]
fn import_output_xlsx_is_the_cleaned_table_with_typed_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("导出.csv");
    std::fs::write(
        &input,
        "客户名称,手机,身份证号,信用额度,建档日期\n\
         张伟,+86 138-0013-8000,11010519900307123X,\"¥1,200\",2026/8/15\n\
         深圳市鸿达贸易有限公司,13900139000,,1.5万,2026年9月1日\n",
    )
    .unwrap();
    let file = tmp.path().join("cleaned.xlsx");
    for (no_mask, mobile, id) in [
        (false, "138****8000", "110***********123X"),
        (true, "13800138000", "11010519900307123X"),
    ] {
        let mut cmd = dangan();
        cmd.arg("import")
            .arg(&input)
            .args([
                "--table",
                "customers",
                "--lang",
                "zh",
                "--as-of",
                "2026-11-01",
            ])
            .arg("--output")
            .arg(&file)
            .arg("--archive")
            .arg(tmp.path().join("none"));
        if no_mask {
            cmd.arg("--no-mask");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        // the summary of the run, for a script
        assert_eq!(
            stdout_of(&out),
            "read,added,updated,unchanged,rejected,values_normalised,amounts_rounded\n2,2,0,0,0,5,0\n"
        );
        let mut wb = book(&file);
        assert_eq!(wb.sheet_names(), vec!["客户".to_string()]);
        let r = wb.worksheet_range("客户").unwrap();
        let head: Vec<String> = r.rows().next().unwrap().iter().map(text).collect();
        let at = |name: &str| {
            head.iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{name}: not in {head:?}"))
        };
        let rows: Vec<&[Data]> = r.rows().skip(1).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(text(&rows[0][at("客户名称")]), "张伟");
        assert_eq!(text(&rows[0][at("手机")]), mobile);
        assert_eq!(text(&rows[0][at("身份证号")]), id);
        assert_eq!(number(&rows[0][at("信用额度")]), 1200.0);
        assert_eq!(number(&rows[1][at("信用额度")]), 15000.0);
        assert_eq!(rows[1][at("身份证号")], Data::Empty);
        // 2026-08-15 is day 46,249 of Excel's calendar
        match &rows[0][at("建档日期")] {
            Data::DateTime(d) => assert_eq!(d.as_f64(), 46249.0),
            other => panic!("not a date: {other:?}"),
        }
        assert!(!part(&file, "xl/worksheets/sheet1.xml").contains("<f>"));
    }
}

/// The report workbook opens in a real spreadsheet program: LibreOffice
/// (headless) converts it to ODS, and its sheets, values and live charts
/// (bars, a ring, a line) come through. CI installs Debian's
/// `libreoffice-calc-nogui` and sets `DANGAN_REQUIRE_LIBREOFFICE=1`, so
/// that there the test fails rather than skips without it.
#[test]
fn the_report_workbook_opens_in_libreoffice_with_its_charts_and_values() {
    let soffice = ["soffice", "libreoffice"].into_iter().find(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(soffice) = soffice else {
        assert!(
            std::env::var_os("DANGAN_REQUIRE_LIBREOFFICE").is_none(),
            "LibreOffice is required here (DANGAN_REQUIRE_LIBREOFFICE) but not installed"
        );
        eprintln!("skipped: no LibreOffice (soffice) on this machine");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("report.xlsx");
    let out = dangan()
        .args([
            "report",
            "--as-of",
            "2026-11-01",
            "--lang",
            "zh",
            "--archive",
        ])
        .arg(demo())
        .arg("--output")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let profile = tmp.path().join("profile");
    let conv = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "ods",
            "--outdir",
        ])
        .arg(tmp.path().join("out"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        conv.status.success(),
        "{}",
        String::from_utf8_lossy(&conv.stderr)
    );
    let ods = tmp.path().join("out/report.ods");
    let names = parts(&ods);
    let content = part(&ods, "content.xml");
    for sheet in [
        "1. 概览",
        "3. 客户构成分析",
        "7. 投诉与满意度",
        "9. 档案质量",
    ] {
        assert!(
            content.contains(&format!("table:name=\"{sheet}\"")),
            "{sheet} missing"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &dangan()
            .args([
                "report",
                "--as-of",
                "2026-11-01",
                "--format",
                "json",
                "--archive",
            ])
            .arg(demo())
            .output()
            .unwrap(),
    ))
    .unwrap();
    let net = json["overview"]["net_sales"].as_str().unwrap();
    assert!(
        content.contains(&format!("office:value=\"{net}\"")),
        "net sales {net} is not a number cell"
    );
    let charts: String = names
        .iter()
        .filter(|n| n.starts_with("Object ") && n.ends_with("/content.xml"))
        .map(|n| part(&ods, n))
        .collect();
    for class in ["chart:bar", "chart:ring", "chart:line"] {
        assert!(
            charts.contains(&format!("chart:class=\"{class}\"")),
            "no {class} chart came through"
        );
    }
}
