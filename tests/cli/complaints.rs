//! Complaints and satisfaction (投诉与满意度, issue 22) on `testdata/complaints`,
//! worked out by hand as of 2026-03-31 for March 2026 (limits: major 24 h,
//! serious 48 h, minor 72 h; open_days 30; risk_major 2). Net sales of the
//! month: C001 100,000, C002 40,000, C003 10,000 (150,000 in all).
//!
//! | id | customer | came in | severity | responded | resolved | what it is |
//! |---|---|---|---|---|---|---|
//! | K01 | C001 | 03-02 10:00 | major | 03-03 09:59 (23 h 59 m) | 03-05 (3 days) | on time |
//! | K02 | C001 | 03-10 10:00 | major | 03-11 10:01 (24 h 01 m) | 03-20 (10 days) | late by 1 m |
//! | K03 | C002 | 03-15 09:00 | serious | 03-16 09:00 (24 h) | — | open, on time |
//! | K04 | C002 | 03-29 14:00 | minor | — | — | open; 58 h by the end of 03-31: not late yet |
//! | K05 | C003 | 03-01 | minor | 03-05 (4 days = 96 h) | 03-06 (5 days) | late by 24 h |
//! | K06 | C003 | 02-10 08:00 | major | — | — | February: open 49 days, unanswered, late |

use crate::common::*;

fn archive() -> String {
    testdata("complaints")
}

const AS_OF: [&str; 4] = ["--as-of", "2026-03-31", "--period", "2026-03"];

fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(AS_OF);
    v
}

#[test]
fn validate_draws_the_response_limit_between_23_h_59_m_and_24_h_01_m() {
    let out = run(
        &[
            "validate",
            "--format",
            "csv",
            "--as-of",
            "2026-03-31",
            "--fail-on",
            "error",
        ],
        &archive(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("complaints,"))
        .collect();
    assert_eq!(
        rows,
        [
            "complaints,3,K02,responded,response_late,warning,2026-03-11 10:01,responded 1 m after the 24 h limit for a major complaint",
            "complaints,6,K05,responded,response_late,warning,2026-03-05,responded 24 h after the 72 h limit for a minor complaint",
            "complaints,7,K06,responded,response_late,warning,,not responded: 1168 h past the 24 h limit for a major complaint",
            "complaints,7,K06,resolved,open_complaint,warning,,not resolved 49 days after it came in (limit 30 days)",
        ]
    );
}

#[test]
fn validate_names_a_resolution_before_the_complaint_and_a_bad_score() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&archive()), dir.path());
    let path = dir.path().join("complaints.csv");
    let mut text = read(&path);
    text.push_str(
        "K07,C002,2026-03-20 10:00,minor,账单,重复扣款,王芳,2026-03-20 11:00,2026-03-19,退款,3\n",
    );
    text.push_str("K08,C001,2026-03-21 10:00,minor,账单,多收运费,李娜,2026-03-20 09:00,,,\n");
    std::fs::write(&path, text).unwrap();
    let out = run(
        &["validate", "--format", "csv", "--as-of", "2026-03-31"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("complaints,8,") || l.starts_with("complaints,9,"))
        .collect();
    assert_eq!(
        rows,
        [
            "complaints,8,K07,resolved,resolved_before_date,error,2026-03-19,resolved before the complaint came in (2026-03-20 10:00)",
            "complaints,9,K08,responded,date_order,error,2026-03-20 09:00,responded before the complaint came in (2026-03-21 10:00)",
        ]
    );
    // a score outside 1–5 stops every command that computes from it, with its place
    let mut text = read(&path);
    text.push_str("K09,C001,2026-03-22 10:00,minor,账单,x,李娜,,,,7\n");
    std::fs::write(&path, text).unwrap();
    let out = run(
        &["validate", "--format", "csv", "--as-of", "2026-03-31"],
        dir.path(),
    );
    assert!(
        stdout_of(&out).contains(
            "complaints,10,K09,satisfaction,satisfaction,error,7,not a satisfaction score from 1 to 5"
        ),
        "{}",
        stdout_of(&out)
    );
    let out = run(
        &with(&["analyze", "complaints", "--format", "csv"]),
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains(
            "complaints.csv:10: column satisfaction: \"7\": not a satisfaction score from 1 to 5"
        ),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn analyze_complaints_by_severity_medians_and_percentiles_worked_by_hand() {
    // major: response 1439, 1441 min → median 1440 (24.00 h), p90 1440.8
    // (24.01 h); resolved in 3 and 10 days → 6.50, p90 3 + 0.9 × 7 = 9.30;
    // scores 4, 2 → 3.00; 2 per 3 customers = 66.67 per 100; 2 per ¥0.15M = 13.33.
    // total: responses 1439, 1440, 1441, 5760 → median 1440.5 min (24.01 h),
    // p90 1441 + 0.7 × 4319 = 4464.3 min (74.41 h); days 3, 5, 10 → 5, 9.
    let out = ok(
        &with(&["analyze", "complaints", "--format", "csv"]),
        &archive(),
    );
    assert_eq!(
        out,
        "severity,complaints,open,late,median_response_hours,p90_response_hours,median_resolve_days,p90_resolve_days,satisfaction,per_100_customers,per_million_sales
major,2,0,1,24.00,24.01,6.50,9.30,3.00,66.67,13.33
serious,1,1,0,24.00,24.00,,,,33.33,6.67
minor,2,1,1,96.00,96.00,5.00,5.00,5.00,66.67,13.33
"
    );
    let md = ok(
        &with(&[
            "analyze",
            "complaints",
            "--format",
            "markdown",
            "--lang",
            "zh",
        ]),
        &archive(),
    );
    assert!(
        md.contains("| 重大 | 2 | 0 | 1 | 24.00 | 24.01 | 6.50 | 9.30 | 3.00 | 66.67 | 13.33 |"),
        "{md}"
    );
    assert!(
        md.contains("| (合计) | 5 | 2 | 2 | 24.01 | 74.41 | 5.00 | 9.00 | 3.67 | 166.67 | 33.33 |"),
        "{md}"
    );
}

#[test]
fn analyze_complaints_by_owner_counts_a_complaint_without_a_handler_for_the_customers_owner() {
    // 王芳: K03, K04 (no handler: C002's owner), K05; her customers C002, C003
    // (2, ¥50,000): 150.00 per 100, 60.00 per ¥1M; responses 1440 and 5760
    // min → median 60.00 h, p90 1440 + 0.9 × 4320 = 5328 min = 88.80 h
    let out = ok(
        &with(&["analyze", "complaints", "--by", "owner", "--format", "csv"]),
        &archive(),
    );
    assert_eq!(
        out.lines().skip(1).collect::<Vec<_>>(),
        [
            "王芳,3,2,1,60.00,88.80,5.00,5.00,5.00,150.00,60.00",
            "李娜,2,0,1,24.00,24.01,6.50,9.30,3.00,200.00,20.00",
        ]
    );
    let out = run(
        &with(&["analyze", "complaints", "--by", "product"]),
        &archive(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--by product: analyze complaints can group by severity"));
}

#[test]
fn analyze_satisfaction_joins_complaint_and_follow_up_scores_per_owner() {
    // 李娜: complaint scores 4, 2; follow-up 5 → 11 / 3 = 3.67
    // 王芳: complaint score 5 (K05); follow-up 3 → 4.00
    let out = ok(
        &with(&["analyze", "satisfaction", "--format", "csv"]),
        &archive(),
    );
    assert_eq!(
        out,
        "owner,complaint_scores,complaint_satisfaction,followup_scores,followup_satisfaction,scores,satisfaction
李娜,2,3.00,1,5.00,3,3.67
王芳,1,5.00,1,3.00,2,4.00
"
    );
    let out = ok(
        &with(&["analyze", "satisfaction", "--by", "tier", "--format", "csv"]),
        &archive(),
    );
    // tiers: C001 A, C002 A (before it 66.67 %), C003 B
    assert_eq!(
        out.lines().skip(1).collect::<Vec<_>>(),
        ["A,2,3.00,2,4.00,4,3.50", "B,1,5.00,0,,1,5.00"]
    );
}

#[test]
fn classify_marks_two_major_complaints_or_an_open_major_one_as_a_risk() {
    let out = ok(&with(&["classify", "--format", "csv"]), &archive());
    let rows: Vec<String> = out
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{} {} {} {}", f[0], f[7], f[8], f[9])
        })
        .collect();
    // C001: K01 and K02 (two majors in March); C003: K06 (open since February)
    assert_eq!(
        rows,
        [
            "C001 A risk complaints",
            "C002 A key tier_a",
            "C003 B risk complaints"
        ]
    );
    // one major complaint is not enough at risk_major 3
    let dir = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&archive()), dir.path());
    std::fs::write(
        dir.path().join("dangan.yaml"),
        "complaints:\n  risk_major: 3\n",
    )
    .unwrap();
    let out = ok(&with(&["classify", "--format", "csv"]), dir.path());
    assert!(
        out.contains(
            "\nC001,深圳市鸿达贸易有限公司,广东省,李娜,100000.00,66.67,66.67,A,key,tier_a,"
        ),
        "{out}"
    );
}

#[test]
fn due_puts_an_unanswered_late_complaint_first() {
    let out = ok(
        &["due", "--format", "csv", "--as-of", "2026-03-31"],
        &archive(),
    );
    assert_eq!(
        out,
        "owner,id,name,tier,segment,reason,due_date,days_late,last_contact,last_channel,mobile
王芳,C003,刘小红,B,risk,complaint,2026-02-11,48,2026-03-27,电话,138****8003
"
    );
    // K04 (minor, 14:00 on 03-29) runs out of its 72 h at 14:00 on 04-01
    let out = ok(
        &["due", "--format", "csv", "--as-of", "2026-04-01"],
        &archive(),
    );
    assert!(
        out.contains("\n王芳,C002,广州新创科技有限公司,A,key,complaint,2026-04-01,0,"),
        "{out}"
    );
}

#[test]
fn show_lists_the_customers_complaints_with_their_state() {
    let out = ok(
        &["show", "C003", "--format", "json", "--as-of", "2026-03-31"],
        &archive(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["complaints"],
        serde_json::json!([
            {"id": "K05", "date": "2026-03-01", "severity": "minor", "category": "服务",
             "owner": "王芳", "responded": "2026-03-05", "resolved": "2026-03-06",
             "satisfaction": "5", "state": "resolved;late"},
            {"id": "K06", "date": "2026-02-10 08:00", "severity": "major", "category": "产品质量",
             "owner": "王芳", "responded": "", "resolved": "", "satisfaction": "",
             "state": "open;late"},
        ])
    );
    let zh = ok(
        &[
            "show",
            "C003",
            "--lang",
            "zh",
            "--format",
            "markdown",
            "--as-of",
            "2026-03-31",
        ],
        &archive(),
    );
    assert!(
        zh.contains(
            "| K06 | 2026-02-10 08:00 | 重大 | 产品质量 | 王芳 |  |  |  | 未结案、响应超时 |"
        ),
        "{zh}"
    );
}

#[test]
fn import_reads_a_gbk_complaints_export_with_chinese_headers_and_datetimes_written_several_ways() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&archive()), dir.path());
    let export = "投诉单号,客户编号,受理时间,投诉等级,投诉类别,投诉内容,处理人,响应时间,结案日期,处理结果,满意度\r\n\
K08,C001,2026/3/30 下午2:30,重大,产品质量,漏水,李娜,2026年3月31日9时05分,,,\r\n\
K09,C002,2026年3月30日 10点,一般,服务,态度,王芳,2026-03-30T16:00:00,2026/3/31,道歉,非常满意\r\n\
K10,C003,20260330 08:00,紧急,配送,晚到,王芳,,,,\r\n\
K11,C009,2026-03-30,一般,服务,x,,,,,\r\n\
K12,C001,2026-03-32,一般,服务,x,,,,,\r\n\
K04,C002,2026-03-29 14:00,一般,账单,发票抬头错误,王芳,2026-03-30 9:00,,,\r\n";
    let (gbk, _, bad) = encoding_rs::GBK.encode(export);
    assert!(!bad);
    let file = dir.path().join("投诉记录.csv");
    std::fs::write(&file, &gbk).unwrap();
    let out = run(&["import", file.to_str().unwrap()], dir.path());
    // two rows rejected: exit 1, the rest imported
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "read,added,updated,unchanged,rejected,values_normalised,amounts_rounded\n6,3,1,0,2,14,0\n"
    );
    let err = stderr_of(&out);
    assert!(
        err.contains(
            "投诉记录.csv:5: unknown customer: no customer in the archive has customer_id C009"
        ),
        "{err}"
    );
    assert!(
        err.contains("投诉记录.csv:6: date: \"2026-03-32\" not a date and time"),
        "{err}"
    );
    let text = read(dir.path().join("complaints.csv"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[4],
        "K04,C002,2026-03-29 14:00,minor,账单,发票抬头错误,王芳,2026-03-30 09:00,,,"
    );
    assert_eq!(
        &lines[7..],
        [
            "K08,C001,2026-03-30 14:30,major,产品质量,漏水,李娜,2026-03-31 09:05,,,",
            "K09,C002,2026-03-30 10:00,minor,服务,态度,王芳,2026-03-30 16:00,2026-03-31,道歉,5",
            "K10,C003,2026-03-30 08:00,serious,配送,晚到,王芳,,,,",
        ]
    );
    let changes = read(dir.path().join("changes.csv"));
    let prefix = format!("{}/", dir.path().display());
    let rows: Vec<String> = changes
        .lines()
        .skip(1)
        .map(|l| l.replace(&prefix, ""))
        .collect();
    assert_eq!(
        rows,
        [
            "2024-06-30T12:00:00+08:00,import,complaints,K08,*,,created,投诉记录.csv:2",
            "2024-06-30T12:00:00+08:00,import,complaints,K09,*,,created,投诉记录.csv:3",
            "2024-06-30T12:00:00+08:00,import,complaints,K10,*,,created,投诉记录.csv:4",
            "2024-06-30T12:00:00+08:00,import,complaints,K04,owner,,王芳,投诉记录.csv:7",
            "2024-06-30T12:00:00+08:00,import,complaints,K04,responded,,2026-03-30 09:00,投诉记录.csv:7",
        ]
    );
    // the same file again changes nothing
    let out = run(&["import", file.to_str().unwrap()], dir.path());
    assert_eq!(
        stdout_of(&out),
        "read,added,updated,unchanged,rejected,values_normalised,amounts_rounded\n6,0,0,4,2,14,0\n"
    );
    assert_eq!(read(dir.path().join("complaints.csv")), text);
}

#[test]
fn the_report_shows_open_and_late_complaints_by_owner_and_the_satisfaction_trend() {
    // 王芳: K03, K04 (C002's owner), K05 in March; open at 03-31: K03, K04
    // and K06 (February), of which K06 is late. March scores: complaints 4,
    // 2, 5 (3.67), follow-ups 5, 3 (4.00), all 19 / 5 = 3.80
    let out = ok(&with(&["report", "--format", "json"]), &archive());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["complaints"],
        serde_json::json!({
            "by_owner": [
                {"owner": "王芳", "complaints": 3, "open": 3, "late": 1},
                {"owner": "李娜", "complaints": 2, "open": 0, "late": 0},
            ],
            "satisfaction": [
                {"month": "2026-03", "complaint_scores": 3, "complaint_satisfaction": 3.67,
                 "followup_scores": 2, "followup_satisfaction": 4.0, "scores": 5,
                 "satisfaction": 3.8},
            ],
        })
    );
    let md = ok(
        &with(&["report", "--format", "markdown", "--lang", "zh"]),
        &archive(),
    );
    assert!(md.contains("投诉与满意度"), "{md}");
    assert!(md.contains("| 王芳 | 3 | 3 | 1 |"), "{md}");
    // an archive without complaints or scores has no such section
    let out = ok(
        &["report", "--format", "json", "--as-of", "2024-06-30"],
        &testdata("sales"),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.get("complaints").is_none());
}
