//! What people open: CSVs that run no spreadsheet formula, and no full ID
//! number, mobile, phone or e-mail in any human-facing output unless
//! `--no-mask`.

use crate::common::*;
use std::path::Path;

/// Every confidential value of the demo archive, in full.
fn demo_secrets() -> Vec<String> {
    let text = read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/customers.csv"));
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let cols: Vec<usize> = ["mobile", "id_number", "phone", "email"]
        .iter()
        .map(|c| headers.iter().position(|h| h == *c).unwrap())
        .collect();
    let mut out = Vec::new();
    for r in rdr.records() {
        let r = r.unwrap();
        for &c in &cols {
            let v = r.get(c).unwrap_or("");
            if v.len() >= 7 {
                out.push(v.to_string());
            }
        }
    }
    out
}

#[test]
fn no_output_of_any_command_shows_a_full_confidential_value() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let demo = demo.to_str().unwrap();
    let secrets = demo_secrets();
    assert!(secrets.len() > 300, "{}", secrets.len());
    let mut runs: Vec<Vec<String>> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for f in ["table", "csv", "json", "yaml", "markdown"] {
        runs.push(s(&["validate", "--as-of", "2026-11-01", "--format", f]));
        runs.push(s(&[
            "classify",
            "--as-of",
            "2026-10-31",
            "--format",
            f,
            "--lang",
            "zh",
        ]));
        for view in [
            "sales",
            "region",
            "product",
            "kind",
            "owner",
            "month",
            "credit",
            "team",
            "complaints",
            "satisfaction",
        ] {
            runs.push(s(&[
                "analyze",
                view,
                "--as-of",
                "2026-10-31",
                "--format",
                f,
            ]));
        }
        runs.push(s(&[
            "show",
            "C000002",
            "--as-of",
            "2026-10-31",
            "--format",
            f,
        ]));
        // a customer with an open complaint past its limit
        runs.push(s(&[
            "show",
            "C000011",
            "--as-of",
            "2026-11-01",
            "--format",
            f,
            "--lang",
            "zh",
        ]));
        runs.push(s(&[
            "show",
            "C000001",
            "--as-of",
            "2026-10-31",
            "--format",
            f,
        ]));
        runs.push(s(&[
            "due",
            "--as-of",
            "2026-11-02",
            "--days",
            "30",
            "--format",
            f,
        ]));
        runs.push(s(&[
            "reassign",
            "--from",
            "王强",
            "--to",
            "李娜,张敏",
            "--dry-run",
            "--as-of",
            "2026-10-31",
            "--format",
            f,
        ]));
        runs.push(s(&[
            "analyze",
            "sales",
            "--by",
            "age_band,tag,id_number",
            "--as-of",
            "2026-10-31",
            "--format",
            f,
        ]));
        runs.push(s(&["dedupe", "--min-score", "0", "--format", f]));
        runs.push(s(&["find", "上海", "--format", f]));
        runs.push(s(&["find", "1502", "--format", f]));
        runs.push(s(&[
            "show",
            "上海恒通医疗器械有限公司",
            "--format",
            f,
            "--lang",
            "zh",
        ]));
        runs.push(s(&[
            "analyze",
            "credit",
            "--by",
            "customer_id",
            "--as-of",
            "2026-10-31",
            "--format",
            f,
        ]));
    }
    for f in ["text", "markdown", "html", "json"] {
        runs.push(s(&[
            "report",
            "--as-of",
            "2026-11-01",
            "--format",
            f,
            "--lang",
            "zh",
        ]));
    }
    let tmp = tempfile::tempdir().unwrap();
    // a file whose first row is data, not headers: the error quotes it
    let headerless = tmp.path().join("no_headers.csv");
    let line = "张三,13800138000,110105199003071234,zhang@example.com,020-87654321\n";
    std::fs::write(&headerless, line.repeat(3)).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/new_customers.csv");
    runs.push(s(&[
        "import",
        examples.to_str().unwrap(),
        "--dry-run",
        "--as-of",
        "2026-11-01",
    ]));
    runs.push(s(&["import", headerless.to_str().unwrap(), "--dry-run"]));
    runs.push(s(&["validate", headerless.to_str().unwrap()]));
    let mut secrets = secrets;
    secrets.extend(line.trim().split(',').skip(1).map(str::to_string));
    for args in &runs {
        let out = dangan()
            .args(args)
            .args(["--archive", demo])
            .output()
            .unwrap();
        let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
        assert!(!text.is_empty(), "{args:?}: no output");
        for v in &secrets {
            assert!(
                !text.contains(v.as_str()),
                "{args:?} shows {v} in full:\n{text}"
            );
        }
    }
    // the check can fail: with --no-mask the values are there (on a copy:
    // --no-mask runs are registered in the archive's access.csv)
    let copy = tempfile::tempdir().unwrap();
    copy_dir(Path::new(demo), copy.path());
    let demo = copy.path().to_str().unwrap();
    let out = dangan()
        .args([
            "validate",
            "--as-of",
            "2026-11-01",
            "--format",
            "csv",
            "--no-mask",
            "--archive",
            demo,
        ])
        .output()
        .unwrap();
    let shown = secrets
        .iter()
        .filter(|v| stdout_of(&out).contains(v.as_str()))
        .count();
    assert!(shown >= 1, "--no-mask shows no value in full");
    let out = dangan()
        .args([
            "report",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
            "--no-mask",
            "--archive",
            demo,
        ])
        .output()
        .unwrap();
    assert!(secrets.iter().any(|v| stdout_of(&out).contains(v.as_str())));
}

/// The sales archive with a customer whose text cells are formulas.
fn archive_with_formulas(root: &Path) -> std::path::PathBuf {
    let dir = root.join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let file = root.join("formulas.csv");
    std::fs::write(
        &file,
        "客户编号,客户名称,负责人,城市,备注\nC900,\"=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\",+cmd|calc,@SUM(1),\"-2+3\"\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import", "--as-of", "2024-06-30", "--archive"])
        .arg(&dir)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    dir
}

#[test]
fn csvs_for_people_run_no_formula_and_the_archive_keeps_true_values() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = archive_with_formulas(tmp.path());
    // the archive's own file: the true values
    let archive = read(dir.join("customers.csv"));
    let row = archive.lines().find(|l| l.starts_with("C900,")).unwrap();
    assert!(
        row.starts_with("C900,\"=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\",")
            && row.contains(",+cmd|calc,")
            && row.contains(",@SUM(1),")
            && row.contains(",-2+3"),
        "{row}"
    );
    // classify --format csv: text cells neutralised, numbers untouched
    let out = dangan()
        .args([
            "classify",
            "--as-of",
            "2024-06-30",
            "--format",
            "csv",
            "--archive",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let csv = stdout_of(&out);
    let row = csv.lines().find(|l| l.starts_with("C900,")).unwrap();
    assert_eq!(
        row,
        "C900,\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\",,'+cmd|calc,0.00,,,C,general,,0,,,0,0.00,1,1,1,111"
    );
    assert!(
        csv.contains(",-400.00,"),
        "a negative amount must stay a number"
    );
    // JSON keeps the true value (machines read it, spreadsheets do not)
    let out = dangan()
        .args([
            "classify",
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
            "--archive",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let c900 = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "C900")
        .unwrap();
    assert_eq!(c900["name"], "=HYPERLINK(\"http://evil\",\"点我\")");
    assert_eq!(c900["owner"], "+cmd|calc");
    // analyze --by owner, a group that is a formula
    let out = dangan()
        .args([
            "analyze",
            "credit",
            "--by",
            "owner",
            "--as-of",
            "2024-06-30",
            "--format",
            "csv",
            "--archive",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        !stdout_of(&out)
            .lines()
            .any(|l| l.starts_with('=') || l.starts_with('+'))
    );

    // an export with --output: neutralised; imported again: the true values
    let export = tmp.path().join("export.csv");
    let out = dangan()
        .args(["import", "--as-of", "2024-06-30", "--output"])
        .arg(&export)
        .arg(dir.join("customers.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let exported = read(&export);
    let row = exported.lines().find(|l| l.starts_with("C900,")).unwrap();
    assert!(row.starts_with("C900,\"'=HYPERLINK("), "{row}");
    assert!(
        row.contains(",'+cmd|calc,") && row.contains(",'@SUM(1),") && row.contains(",'-2+3"),
        "{row}"
    );
    let before = snapshot(&dir);
    let out = dangan()
        .args([
            "import",
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
            "--archive",
        ])
        .arg(&dir)
        .arg(&export)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let summary: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(summary["updated"], 0, "{summary}");
    assert_eq!(summary["unchanged"], 12, "{summary}");
    assert_eq!(
        snapshot(&dir),
        before,
        "re-importing the export changed the archive"
    );

    // the rejects file
    let tx = tmp.path().join("tx.csv");
    std::fs::write(
        &tx,
        "单号,客户编号,日期,商品,金额\nT1,C404,2024-06-01,=1+1,10\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import", "--archive"])
        .arg(&dir)
        .arg(&tx)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let rejects = read(dir.join("import-rejects.csv"));
    assert!(rejects.contains(",'=1+1,"), "{rejects}");
}

/// A workbook stores a formula-looking text as a string cell, exactly as the
/// archive holds it: no `<f>` element, no leading `'`.
#[test]
fn a_workbook_writes_formula_looking_text_as_strings() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let tmp = tempfile::tempdir().unwrap();
    let dir = archive_with_formulas(tmp.path());
    let file = tmp.path().join("grades.xlsx");
    let out = dangan()
        .args([
            "classify",
            "--as-of",
            "2024-06-30",
            "--lang",
            "en",
            "--archive",
        ])
        .arg(&dir)
        .arg("--output")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut wb: Xlsx<_> = open_workbook(&file).unwrap();
    let name = wb.sheet_names()[0].clone();
    let r = wb.worksheet_range(&name).unwrap();
    let row = r
        .rows()
        .find(|row| matches!(&row[0], Data::String(s) if s == "C900"))
        .unwrap();
    assert_eq!(
        row[1],
        Data::String("=HYPERLINK(\"http://evil\",\"点我\")".into())
    );
    assert_eq!(row[3], Data::String("+cmd|calc".into()));
    let formulas = wb.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula was written"
    );
}
