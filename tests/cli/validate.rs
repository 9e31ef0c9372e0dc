//! `dangan validate`: exact findings on files seeded with every kind of defect.

use crate::common::*;
use predicates::prelude::*;
use std::path::Path;

const FINDINGS: &str = "\
table,row,id,field,rule,severity,value,message
customers,4,C000003,name,required,error,,required value missing
customers,5,C000002,id,unique,error,C000002,archive number C000002 appears again (first on line 3)
customers,6,C000005,mobile,mobile,error,13******00,not an 11-digit mobile number
customers,6,C000005,id_number,id_number,error,110***********1238,\"check digit is 8, should be 9\"
customers,7,C000006,phone,phone,error,****5,not a phone number
customers,7,C000006,email,email,error,not*****mail,not an e-mail address
customers,8,C000007,credit_rating,enum,error,Z,\"not one of AAA, AA, A, BBB, BB, B, CCC, CC, C, D\"
customers,8,C000007,status,enum,error,sleeping,\"not one of potential, active, dormant, lost\"
customers,8,C000007,credit_code,credit_code,error,91440101MA59ABCD1E,\"check character is E, should be D\"
customers,8,C000007,credit_limit,range,error,-100.00,credit limit below 0
customers,9,C000008,created,date,error,2024-13-01,not a date
customers,10,C000009,birthday,birthday_mismatch,warning,1985-11-21,differs from the birth date in the ID number
customers,11,C000010,updated,date_order,error,2024-04-01,updated before created (2024-05-01)
customers,11,C000010,updated,stale,warning,2024-04-01,not revised for 90 days (due every 60 days)
customers,12,C000011,updated,stale,warning,2024-01-15,not revised for 167 days (due every 60 days)
customers,13,C000012,credit_code,duplicate,warning,91440101MA59ABCD1D,same credit_code as C000001 (line 2)
customers,14,C000013,mobile,duplicate,warning,139****5678,same name+mobile as C000002 (line 3)
customers,15,C000014,id_number,id_number,warning,110********7123,legacy 15-digit ID number
customers,16,C000015,updated,date_order,error,2024-07-15,after the as-of date 2024-06-30
transactions,3,T2,amount,amount_mismatch,error,250.00,quantity × unit price is 200.00
transactions,4,T1,id,unique,error,T1,transaction id T1 appears again (first on line 2)
transactions,5,T4,customer_id,unknown_customer,error,C999999,no customer with this archive number
transactions,6,T5,date,future_date,error,2024-08-01,after the as-of date 2024-06-30
transactions,7,T6,paid,paid_exceeds_amount,error,150.00,paid more than the amount 100.00
transactions,8,T7,due_date,due_before_date,error,2024-03-01,due before the transaction date 2024-03-09
transactions,9,T8,kind,enum,error,gift,\"not one of sale, return, discount\"
transactions,10,T9,customer_id,required,error,,required value missing
transactions,10,T9,amount,required,error,,required value missing
transactions,11,T10,date,not_canonical,warning,2024/3/12,\"stored as \"\"2024-03-12\"\" in canonical form (`dangan fmt` rewrites it)\"
transactions,12,T11,date,date,error,2024-02-30,not a date
";

fn validate(args: &[&str]) -> std::process::Output {
    dangan()
        .args(["validate", "--as-of", "2024-06-30"])
        .args(args)
        .output()
        .expect("run")
}

fn seeded() -> String {
    testdata("validate")
}

#[test]
fn every_defect_is_found_exactly() {
    let out = validate(&["--archive", &seeded(), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_of(&out), FINDINGS);
    assert!(stderr_of(&out).contains("23 finding(s) at or above --fail-on"));
}

#[test]
fn fail_on_decides_the_exit_code() {
    assert_eq!(
        validate(&["--archive", &seeded(), "--fail-on", "never"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        validate(&["--archive", &seeded(), "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    // warnings only: stale is a warning, so --fail-on error passes, warning fails
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("customers.csv"),
        "id,name,updated\nC000001,甲,2024-01-01\n",
    )
    .unwrap();
    let a = dir.path().display().to_string();
    assert_eq!(validate(&["--archive", &a]).status.code(), Some(0));
    assert_eq!(
        validate(&["--archive", &a, "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn a_clean_archive_has_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    let c = read(Path::new(&seeded()).join("customers.csv"));
    let clean: Vec<&str> = c.lines().take(3).collect();
    std::fs::write(a.join("customers.csv"), clean.join("\n") + "\n").unwrap();
    let t = read(Path::new(&seeded()).join("transactions.csv"));
    std::fs::write(
        a.join("transactions.csv"),
        t.lines().take(2).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let out = validate(&["--archive", &a.display().to_string(), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    assert_eq!(
        stdout_of(&out),
        "table,row,id,field,rule,severity,value,message\n"
    );
    let out = validate(&[
        "--archive",
        &a.display().to_string(),
        "--format",
        "table",
        "--lang",
        "en",
    ]);
    assert!(stdout_of(&out).contains("No findings."));
    assert!(stdout_of(&out).contains("checked: customers 2, transactions 1"));
}

#[test]
fn json_has_findings_summary_completeness_and_rows() {
    let out = validate(&["--archive", &seeded(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["findings", "summary", "completeness", "rows"]);
    assert_eq!(
        v["rows"],
        serde_json::json!({"customers": 15, "transactions": 11, "followups": 1})
    );
    // 29 of the content, and T10's date 2024/3/12, `not_canonical` (issue 15)
    assert_eq!(v["findings"].as_array().unwrap().len(), 30);
    assert_eq!(
        v["findings"][0],
        serde_json::json!({"table": "customers", "row": 4, "id": "C000003", "field": "name", "rule": "required",
            "severity": "error", "value": "", "message": "required value missing"})
    );
    assert_eq!(
        v["summary"][0],
        serde_json::json!({"rule": "required", "severity": "error", "count": 3})
    );
    assert_eq!(
        v["summary"][1],
        serde_json::json!({"rule": "unique", "severity": "error", "count": 2})
    );
    assert_eq!(
        v["summary"][2],
        serde_json::json!({"rule": "duplicate", "severity": "warning", "count": 2})
    );
    // 14 of 15 customers have a name; 2 of 15 a phone... as percentages with one decimal
    let comp = v["completeness"].as_array().unwrap();
    assert_eq!(comp.len(), 22);
    assert_eq!(
        comp[1],
        serde_json::json!({"table": "customers", "field": "name", "filled": 14, "rows": 15, "percent": "93.3"})
    );
    assert_eq!(
        comp[9],
        serde_json::json!({"table": "customers", "field": "phone", "filled": 2, "rows": 15, "percent": "13.3"})
    );
}

#[test]
fn confidential_values_are_masked_unless_no_mask() {
    let masked = stdout_of(&validate(&["--archive", &seeded(), "--format", "csv"]));
    assert!(!masked.contains("110105199003071238"));
    assert!(!masked.contains("1380013800,"));
    // --no-mask is registered in the archive's access.csv: on a copy, so
    // the fixture is never written
    let copy = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&seeded()), copy.path());
    let plain = stdout_of(&validate(&[
        "--archive",
        copy.path().to_str().unwrap(),
        "--format",
        "csv",
        "--no-mask",
    ]));
    assert!(read(copy.path().join("access.csv")).contains(",dangan validate "));
    assert!(plain.contains("customers,6,C000005,id_number,id_number,error,110105199003071238,"));
    assert!(plain.contains("customers,6,C000005,mobile,mobile,error,1380013800,"));
    // the birth date inside an ID number is what masking hides
    assert!(plain.contains(
        "customers,10,C000009,birthday,birthday_mismatch,warning,1985-11-21,the ID number says 1985-11-20\n"
    ));
}

#[test]
fn one_file_with_chinese_headers_in_gbk() {
    // an export without archive numbers: no `id` findings, everything else
    let out = validate(&[&testdata("customers_gbk.csv"), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout_of(&out);
    assert!(
        s.contains("customers,5,,name,required,error,,required value missing\n"),
        "{s}"
    );
    assert!(s.contains("customers,6,,credit_code,duplicate,warning,91440101MA59ABCD1D,same credit_code as line 2\n"), "{s}");
    assert!(
        s.contains("customers,7,,mobile,mobile,error,13******00,not an 11-digit mobile number\n"),
        "{s}"
    );
    assert!(!s.contains(",id,required,"), "{s}");
}

#[test]
fn settings_change_rules_severities_and_requirements() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    copy_dir(Path::new(&seeded()), a);
    std::fs::write(
        a.join("dangan.yaml"),
        "validate:\n  stale_days: 100\n  off: [birthday_mismatch, unknown_customer]\n  severity: { mobile: warning }\n  required: { customers: [owner] }\n  fields:\n    customers:\n      name: { regex: '^.{2,6}$' }\n",
    )
    .unwrap();
    let s = stdout_of(&validate(&[
        "--archive",
        &a.display().to_string(),
        "--format",
        "csv",
    ]));
    assert!(s.contains("customers,6,C000005,mobile,mobile,warning,"));
    assert!(!s.contains("birthday_mismatch") && !s.contains("unknown_customer"));
    // stale now after 100 days: only C000011 (167 days), not C000010 (90)
    assert!(s.contains("customers,12,C000011,updated,stale,"));
    assert!(!s.contains("customers,11,C000010,updated,stale,"));
    assert!(s.contains("customers,5,C000002,owner,required,error,,required value missing"));
    assert!(s.contains("customers,13,C000012,name,pattern,error,广州恒通贸易有限公司南沙分公司,\"does not match ^.{2,6}$\""));
}

#[test]
fn rules_file_and_broken_settings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yaml"), "off: [stale, duplicate]\n").unwrap();
    let s = stdout_of(&validate(&[
        "--archive",
        &seeded(),
        "--rules",
        &dir.path().join("rules.yaml").display().to_string(),
        "--format",
        "csv",
    ]));
    assert!(!s.contains(",stale,") && !s.contains(",duplicate,"));
    assert!(s.contains(",credit_code,credit_code,"));

    std::fs::write(
        dir.path().join("bad.yaml"),
        "stale_days: 60\noff: [no_such_rule]\n",
    )
    .unwrap();
    dangan()
        .args(["validate", "--archive", &seeded(), "--rules"])
        .arg(dir.path().join("bad.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule \"no_such_rule\""));
    std::fs::write(
        dir.path().join("dangan.yaml"),
        "validate:\n  stale_days: sixty\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("customers.csv"), "id,name\nC1,甲\n").unwrap();
    dangan()
        .args(["validate", "--archive"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("dangan.yaml:2:"));
}

#[test]
fn unusable_input_is_exit_2() {
    dangan()
        .args(["validate", "/no/such.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such.csv: cannot open"));
    let dir = tempfile::tempdir().unwrap();
    dangan()
        .args(["validate", "--archive"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no customers.csv or customers.yaml",
        ));
    dangan()
        .args(["validate", &testdata("bad/ragged.csv")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ragged.csv:3:"));
}

#[test]
fn the_demo_archive_validates_with_its_planted_faults() {
    let out = dangan()
        .args([
            "validate",
            "--archive",
            "examples/demo",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            format!(
                "{} {} {}",
                f["id"].as_str().unwrap(),
                f["field"].as_str().unwrap(),
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            "C000017 mobile mobile",
            "C000067 email email",
            "C000117 credit_code credit_code",
            "C000167 updated date_order",
            "C000167 created date_order",
            "C000217 kind enum",
            "C000267 mobile mobile",
        ]
    );
}

/// 16,000 clean customer rows (about 3 MiB: several read chunks) with CRLF line
/// ends, a blank line and a value over two lines, and four defects: the
/// first and the repeat of a key in different chunks.
fn two_chunk_file() -> String {
    let mut text = String::from("id,name,kind,mobile,address,created,updated\r\n");
    for i in 1..=16_000u32 {
        let (mut id, mut name) = (format!("C{i:06}"), format!("客户{i}"));
        let mut mobile = format!("138{i:08}");
        let (created, updated) = match i {
            14_000 => ("2022-06-01", "2023-01-01"),
            _ => ("2024-01-01", "2024-06-01"),
        };
        match i {
            2 => mobile = "12345".into(),
            13_000 => name = "\"客户\r\n13000\"".into(),
            15_000 => id = "C000002".into(),
            16_000 => (name, mobile) = ("客户5".into(), "13800000005".into()),
            _ => {}
        }
        let address = "广东省深圳市南山区科技园路".repeat(3);
        text.push_str(&format!(
            "{id},{name},enterprise,{mobile},{address},{created},{updated}\r\n"
        ));
        if i == 12_000 {
            text.push_str("\r\n");
        }
    }
    assert!(text.len() > 5 << 19, "several read chunks");
    text
}

/// Row i is on line i + 1, one more after the blank line, one more after
/// the value over two lines.
const TWO_CHUNK_FINDINGS: &str = "\
table,row,id,field,rule,severity,value,message
customers,3,C000002,mobile,mobile,error,12345,not an 11-digit mobile number
customers,14003,C014000,updated,stale,warning,2023-01-01,not revised for 546 days (due every 60 days)
customers,15003,C000002,id,unique,error,C000002,archive number C000002 appears again (first on line 3)
customers,16003,C016000,mobile,duplicate,warning,13800000005,same name+mobile as C000005 (line 6)
";

#[test]
fn findings_keep_file_order_and_lines_across_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    std::fs::write(&file, two_chunk_file()).unwrap();
    let file = file.to_str().unwrap();
    let args = ["--format", "csv", "--no-mask", "--fail-on", "never"];
    let out = validate(&[&[file][..], &args].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), TWO_CHUNK_FINDINGS);
    // standard input is read by one thread, not in chunks: the same findings
    let out = dangan()
        .args(["validate", "--as-of", "2024-06-30", "-"])
        .args(args)
        .pipe_stdin(file)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), TWO_CHUNK_FINDINGS, "{}", stderr_of(&out));
    // JSON: the same findings and counts
    let out = validate(&[file, "--format", "json", "--no-mask", "--fail-on", "never"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [3, 14003, 15003, 16003]);
    assert_eq!(v["rows"]["customers"], 16_000);
    assert_eq!(
        v["summary"],
        serde_json::json!([
            {"rule": "unique", "severity": "error", "count": 1},
            {"rule": "duplicate", "severity": "warning", "count": 1},
            {"rule": "mobile", "severity": "error", "count": 1},
            {"rule": "stale", "severity": "warning", "count": 1},
        ])
    );
}

/// Findings are printed only once the whole input has been read: unusable
/// input late in a file gives its error and no partial list.
#[test]
fn unusable_input_late_in_a_file_prints_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let mut text = two_chunk_file();
    text.push_str("C016001,多一列,enterprise,13900000001,地址,2024-01-01,2024-06-01,extra\r\n");
    std::fs::write(&file, text).unwrap();
    for format in ["csv", "json", "table"] {
        let out = validate(&[file.to_str().unwrap(), "--format", format]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert_eq!(stdout_of(&out), "", "{format}");
        assert!(
            stderr_of(&out)
                .contains("big.csv:16004: row has 8 values but the header has 7 columns"),
            "{}",
            stderr_of(&out)
        );
    }
}

/// Repeated ids, in and out of order, next to their first holder or far
/// from it, each with the line of its first holder.
#[test]
fn unique_ids_in_and_out_of_order() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            "id,name\nC3,a\nC1,b\nC2,c\nC1,d\nC5,e\nC3,f\nC6,g\nC6,h\n",
            [
                "customers,5,C1,id,unique,error,C1,archive number C1 appears again (first on line 3)",
                "customers,7,C3,id,unique,error,C3,archive number C3 appears again (first on line 2)",
                "customers,9,C6,id,unique,error,C6,archive number C6 appears again (first on line 8)",
            ]
            .as_slice(),
        ),
        (
            "id,name\nC1,a\nC2,b\nC2,c\nC3,d\nC1,e\n,f\nC4,g\n",
            &[
                "customers,4,C2,id,unique,error,C2,archive number C2 appears again (first on line 3)",
                "customers,6,C1,id,unique,error,C1,archive number C1 appears again (first on line 2)",
            ],
        ),
    ] {
        let file = dir.path().join("ids.csv");
        std::fs::write(&file, text).unwrap();
        let out = validate(&[file.to_str().unwrap(), "--format", "csv"]);
        assert_eq!(out.status.code(), Some(1));
        let want = format!(
            "table,row,id,field,rule,severity,value,message\n{}\n",
            expected.join("\n")
        );
        assert_eq!(stdout_of(&out), want);
    }
}

/// The range rule reads money by the one money parser (issue 16): `¥1,200,000`
/// and `1.2万` are amounts, compared to the bounds in fen.
#[test]
fn range_bounds_read_money_as_import_does() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("c.csv");
    std::fs::write(
        &file,
        "客户名称,信用额度\n甲,\"¥1,200,000.00\"\n乙,1.2万\n丙,500000.00\n丁,100万\n",
    )
    .unwrap();
    let rules = tmp.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "fields:\n  customers:\n    credit_limit: { min: 20000, max: 1000000 }\n",
    )
    .unwrap();
    let out = dangan()
        .args([
            "validate",
            "--as-of",
            "2024-06-30",
            "--format",
            "csv",
            "--rules",
        ])
        .arg(&rules)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(&out),
        "table,row,id,field,rule,severity,value,message\n\
         customers,2,,credit_limit,range,error,\"¥1,200,000.00\",above the maximum 1000000\n\
         customers,3,,credit_limit,range,error,1.2万,below the minimum 20000\n"
    );
}
