//! `dangan classify` on a hand-made archive whose answers are worked out by
//! hand (testdata/sales: as of 2024-06-30 the period is 2023-07-01..2024-06-30,
//! the previous one 2022-07-01..2023-06-30; positive net sales 100,000.00).
//!
//! - pareto: C001 before 0 % → A; C004 before 50 % → A; C002 and C003 tie at
//!   12,000.00, C002 (lower id) before 69 % → A, C003 before 81 % → B; C005
//!   before 93 % → B; the rest C.
//! - C001 is A and owes 20,000.00 on a 10,000.00 limit → risk, tier A kept.
//! - one risk rule alone each: C005 overdue (due 2024-04-01, unpaid, > 30 days),
//!   C006 credit_rating D, C007 decline (5,000 → 1,000), C008 churned (lost,
//!   600 after 800: down 25 %, so no decline).
//! - C009: a return of goods bought in 2022 turns its net sales to −400.00.
//! - C010: no transactions. C011: tagged 重点 → key by tag.
//! - T007 (after the as-of date) and T018 (unknown customer) count nowhere.

use crate::common::*;
use predicates::prelude::*;
use std::path::Path;

const EXPECTED: &str = "\
id,name,region,owner,net_sales,share,cumulative_share,tier,segment,reasons,orders,last_date,recency_days,frequency,monetary,r_score,f_score,m_score,rfm
C001,华南建材有限公司,广东省,张伟,50000.00,50.00,50.00,A,risk,over_credit_limit,1,2024-05-10,51,1,50000.00,4,5,5,455
C004,西南医药连锁,四川省,王芳,19000.00,19.00,69.00,A,key,tier_a,2,2024-01-15,167,1,19000.00,2,4,5,245
C002,东方五金商行,浙江省,李娜,12000.00,12.00,81.00,A,key,tier_a,2,2024-06-01,29,2,12000.00,5,5,4,554
C003,北方粮油贸易,山东省,张伟,12000.00,12.00,93.00,B,general,,1,2024-04-01,90,1,12000.00,4,4,4,444
C005,陈小姐,广东省,李娜,3000.00,3.00,96.00,B,risk,overdue,1,2024-03-01,121,1,3000.00,3,3,3,333
C006,恒达物流,江苏省,王芳,2000.00,2.00,98.00,C,risk,credit_rating,1,2023-12-01,212,1,2000.00,2,3,3,233
C007,星光超市,湖北省,张伟,1000.00,1.00,99.00,C,risk,decline,1,2024-02-01,150,1,1000.00,3,2,2,322
C008,老周茶庄,福建省,李娜,600.00,0.60,99.60,C,risk,churned,1,2023-07-15,351,1,600.00,1,2,2,122
C011,林先生,广东省,李娜,400.00,0.40,100.00,C,key,key_tag,1,2024-06-30,0,1,400.00,5,1,1,511
C010,新客户,北京市,张伟,0.00,,,C,general,,0,,,0,0.00,1,1,1,111
C009,退货多的公司,上海市,王芳,-400.00,,,C,general,,2,2023-09-01,303,1,-400.00,1,1,1,111
";

fn archive() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    (tmp, dir)
}

fn classify(dir: &Path, args: &[&str]) -> std::process::Output {
    dangan()
        .arg("classify")
        .arg("--archive")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The given columns of a CSV output, as `a|b|c` lines.
fn columns_of(csv: &str, names: &[&str]) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let idx: Vec<usize> = names
        .iter()
        .map(|n| h.iter().position(|x| x == *n).unwrap())
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            idx.iter().map(|&i| &rec[i]).collect::<Vec<_>>().join("|")
        })
        .collect()
}

#[test]
fn hand_worked_archive_gives_the_exact_table() {
    let (_t, dir) = archive();
    let out = classify(&dir, &["--format", "csv"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), EXPECTED);
    // an explicit as-of date of the same day and 12m give the same
    let out = classify(
        &dir,
        &[
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
            "--period",
            "12m",
        ],
    );
    assert_eq!(stdout_of(&out), EXPECTED);
}

#[test]
fn a_period_without_transactions() {
    let (_t, dir) = archive();
    // 2020: as of 2020-12-31, nothing bought, nothing owed
    let out = classify(&dir, &["--format", "csv", "--period", "2020"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = columns_of(
        &stdout_of(&out),
        &[
            "id",
            "net_sales",
            "share",
            "tier",
            "segment",
            "reasons",
            "orders",
            "rfm",
        ],
    );
    assert_eq!(
        got,
        [
            "C001|0.00||C|general||0|111",
            "C002|0.00||C|general||0|111",
            "C003|0.00||C|general||0|111",
            "C004|0.00||C|general||0|111",
            "C005|0.00||C|general||0|111",
            "C006|0.00||C|risk|credit_rating|0|111",
            "C007|0.00||C|general||0|111",
            "C008|0.00||C|general||0|111",
            "C009|0.00||C|general||0|111",
            "C010|0.00||C|general||0|111",
            "C011|0.00||C|key|key_tag|0|111",
        ]
    );
}

#[test]
fn an_archive_without_transactions_file() {
    let (_t, dir) = archive();
    std::fs::remove_file(dir.join("transactions.csv")).unwrap();
    let out = classify(&dir, &["--format", "csv"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = columns_of(&stdout_of(&out), &["id", "tier", "segment"]);
    assert_eq!(got.len(), 11);
    assert_eq!(got[0], "C001|C|general");
    assert_eq!(got[5], "C006|C|risk");
}

#[test]
fn previous_period_rules_follow_the_period() {
    let (_t, dir) = archive();
    // 2023-07-01..2023-12-31 against 2023-01-01..2023-06-30: C007 bought 5,000
    // before and nothing now → decline; C008 (lost) bought 800? no: 2022-12-01
    // is outside, so C008 has no previous sales → not churned
    let out = classify(
        &dir,
        &[
            "--format",
            "csv",
            "--from",
            "2023-07-01",
            "--to",
            "2023-12-31",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = columns_of(
        &stdout_of(&out),
        &["id", "net_sales", "tier", "segment", "reasons"],
    );
    assert_eq!(
        got,
        [
            "C002|6000.00|A|key|tier_a",
            "C006|2000.00|A|risk|credit_rating",
            "C008|600.00|B|general|",
            "C001|0.00|C|general|",
            "C003|0.00|C|general|",
            "C004|0.00|C|general|",
            "C005|0.00|C|general|",
            "C007|0.00|C|risk|decline",
            "C010|0.00|C|general|",
            "C011|0.00|C|key|key_tag",
            "C009|-400.00|C|general|",
        ]
    );
}

#[test]
fn threshold_method_and_flags_over_settings() {
    let (_t, dir) = archive();
    let out = classify(
        &dir,
        &[
            "--format",
            "csv",
            "--method",
            "threshold",
            "--a-min",
            "1.5万",
            "--b-min",
            "2000",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = columns_of(&stdout_of(&out), &["id", "tier"]);
    assert_eq!(
        got.join(" "),
        "C001|A C004|A C002|B C003|B C005|B C006|B C007|C C008|C C011|C C010|C C009|C"
    );
    // the same from dangan.yaml; a flag wins over the file
    std::fs::write(
        dir.join("dangan.yaml"),
        "classify:\n  method: threshold\n  a_min: 15000\n  b_min: 2000\n  risk_ratings: [AA]\n  grace_days: 200\n",
    )
    .unwrap();
    let out = classify(&dir, &["--format", "csv"]);
    let got = columns_of(&stdout_of(&out), &["id", "tier", "reasons"]);
    // AA is now a risk rating; with 200 days' grace C005 is not overdue yet
    assert_eq!(got[0], "C001|A|over_credit_limit;credit_rating");
    assert_eq!(got[4], "C005|B|");
    let out = classify(
        &dir,
        &["--format", "csv", "--method", "pareto", "--a", "60"],
    );
    let got = columns_of(&stdout_of(&out), &["id", "tier"]);
    // with A below 60 %: C002 (69 % before it) drops to B
    assert_eq!(got[..4], ["C001|A", "C004|A", "C002|B", "C003|B"]);
}

#[test]
fn write_stores_grades_once_and_keeps_every_other_value() {
    let (_t, dir) = archive();
    let before = read(dir.join("customers.csv"));
    let out = classify(&dir, &["--write", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), EXPECTED);
    assert!(
        stderr_of(&out).contains("11 customer(s) changed"),
        "{}",
        stderr_of(&out)
    );
    let after = read(dir.join("customers.csv"));
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    assert_eq!(new.len(), old.len());
    assert_eq!(new[0], format!("{},tier,segment,classified_at", old[0]));
    assert_eq!(new[1], format!("{},A,risk,2024-06-30", old[1]));
    assert_eq!(new[3], format!("{},B,general,2024-06-30", old[3]));
    assert_eq!(new[11], format!("{},C,key,2024-06-30", old[11]));
    // the old file is in the backup
    let backups: Vec<_> = std::fs::read_dir(dir.join(".backup"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(read(backups[0].path().join("customers.csv")), before);
    // the second run with the same inputs changes nothing, not even a backup
    let snap = snapshot(&dir);
    let out = classify(&dir, &["--write", "--format", "csv"]);
    assert!(out.status.success());
    assert!(stderr_of(&out).contains("unchanged"), "{}", stderr_of(&out));
    assert_eq!(snapshot(&dir), snap);
    // a later day: only classified_at moves (and the grades the day changes)
    let out = classify(
        &dir,
        &["--write", "--as-of", "2024-07-31", "--format", "csv"],
    );
    assert!(out.status.success());
    let later = read(dir.join("customers.csv"));
    assert!(later.lines().nth(1).unwrap().ends_with(",2024-07-31"));
    assert_eq!(std::fs::read_dir(dir.join(".backup")).unwrap().count(), 2);
}

#[test]
fn write_keeps_a_yaml_archive_yaml() {
    let (_t, dir) = archive();
    // the same customers as YAML, values and the extra column kept
    let table = {
        let mut r = csv::Reader::from_path(dir.join("customers.csv")).unwrap();
        let h = r.headers().unwrap().clone();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            let mut m = serde_yaml::Mapping::new();
            for (k, v) in h.iter().zip(rec.iter()) {
                if !v.is_empty() {
                    m.insert(k.into(), v.into());
                }
            }
            rows.push(m);
        }
        rows
    };
    std::fs::remove_file(dir.join("customers.csv")).unwrap();
    std::fs::write(
        dir.join("customers.yaml"),
        serde_yaml::to_string(&table).unwrap(),
    )
    .unwrap();
    let out = classify(&dir, &["--write", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), EXPECTED);
    let y: Vec<serde_yaml::Mapping> =
        serde_yaml::from_str(&read(dir.join("customers.yaml"))).unwrap();
    assert_eq!(y.len(), 11);
    assert_eq!(y[0].get("tier").unwrap().as_str(), Some("A"));
    assert_eq!(y[0].get("wechat").unwrap().as_str(), Some("hnjc"));
    assert_eq!(y[0].get("credit_limit").unwrap().as_str(), Some("10000.00"));
    assert!(!dir.join("customers.csv").exists());
}

#[test]
fn json_shape() {
    let (_t, dir) = archive();
    let out = classify(&dir, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 11);
    let c008 = &rows[7];
    assert_eq!(c008["id"], "C008");
    assert_eq!(c008["net_sales"], "600.00");
    assert_eq!(c008["share"], 0.6);
    assert_eq!(c008["cumulative_share"], 99.6);
    assert_eq!(c008["recency_days"], 351);
    assert_eq!(c008["reasons"], "churned");
    let c010 = &rows[9];
    assert!(c010["share"].is_null());
    assert!(c010["last_date"].is_null());
}

#[test]
fn people_get_a_summary_in_chinese() {
    let (_t, dir) = archive();
    let out = classify(&dir, &["--format", "markdown", "--lang", "zh"]);
    let s = stdout_of(&out);
    assert!(s.contains("| 档案编号 | 客户名称 |"), "{s}");
    assert!(s.contains("| C001 | 华南建材有限公司 | 广东省 | 张伟 | 50,000.00 | 50.00 | 50.00 | A | 风险客户 | over_credit_limit |"), "{s}");
    assert!(
        s.contains("分类期间 2023-07-01..2024-06-30，截至 2024-06-30"),
        "{s}"
    );
    assert!(s.contains("| A 类 | 3 | 81,000.00 |"), "{s}");
    assert!(s.contains("| 风险客户 | 5 | 56,600.00 |"), "{s}");
    assert!(s.contains("| 合计 | 11 | 99,600.00 |"), "{s}");
}

#[test]
fn bad_money_in_the_archive_names_file_line_and_column() {
    let (_t, dir) = archive();
    let p = dir.join("transactions.csv");
    let text = read(&p).replace(
        "T006,C003,2024-04-01,大米,食品,2400,5.00,12000.00",
        "T006,C003,2024-04-01,大米,食品,2400,5.00,12k",
    );
    std::fs::write(&p, text).unwrap();
    let out = classify(&dir, &["--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("transactions.csv:7: column amount: \"12k\": not an amount"),
        "{err}"
    );
}

#[test]
fn bad_usage_exits_2() {
    let (_t, dir) = archive();
    for (args, msg) in [
        (vec!["--a", "120"], "a must be a percentage"),
        (vec!["--a", "90", "--b", "80"], "must not be above b"),
        (vec!["--period", "soon"], "not a period"),
        (
            vec!["--period", "12m", "--from", "2024-01-01"],
            "cannot be used with",
        ),
        (
            vec!["--from", "2024-02-01", "--to", "2024-01-01"],
            "is after",
        ),
        (vec!["--method", "magic"], "invalid value"),
    ] {
        let out = classify(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_of(&out).contains(msg),
            "{args:?}: {}",
            stderr_of(&out)
        );
    }
    dangan()
        .args(["classify", "--archive", "/nonexistent/archive"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such directory"));
    let (_t2, dir2) = archive();
    std::fs::write(dir2.join("dangan.yaml"), "classify:\n  grace: 3\n").unwrap();
    let out = classify(&dir2, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("dangan.yaml"),
        "{}",
        stderr_of(&out)
    );
}
