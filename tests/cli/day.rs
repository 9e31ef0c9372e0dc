//! The salesperson's day: `dangan due` (every reason and its boundaries),
//! `--owner`/`--where` on the reading commands (every operator), and
//! `dangan reassign` (one receiver, several with the balance, kept
//! together, unattended, refused). On `testdata/due`, worked out by hand as
//! of 2024-06-30:
//!
//! | id | owner | what makes it due |
//! |---|---|---|
//! | C001 | 李娜 | appointment 2024-06-30 set on 06-01; tier A, last contact 06-01 → interval on 07-02 |
//! | C002 | 李娜 | created 06-27, no follow-up → step 1 (3 days) on 06-30 |
//! | C003 | 李娜 | created 06-01, one follow-up (step 1 done) → step 2 (30 days) on 07-01 |
//! | C004 | 王芳 | appointment 05-20 superseded by the follow-up of 06-10 → nothing |
//! | C005 | 王芳 | birthday 1990-06-30 → today |
//! | C006 | 王芳 | ID number 440301**19960701**123X → birthday 07-01 |
//! | C007 | 王芳 | 结婚纪念日 2015/6/30 (due.anniversaries) → today |
//! | C008 | 张伟 | tier B, last contact the sale of 03-01 → interval on 05-01; 20,000 unpaid since 04-15, grace 30 → payment on 05-16 |
//! | C009 | 张伟 | last follow-up 01-05, tier C (90) → interval on 04-05 |

use crate::common::*;
use std::path::Path;

fn due_archive() -> String {
    testdata("due")
}

fn refused(args: &[&str], dir: &str) -> String {
    let out = run(args, dir);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout_of(&out));
    stderr_of(&out)
}

const HEADER: &str =
    "owner,id,name,tier,segment,reason,due_date,days_late,last_contact,last_channel,mobile\n";

#[test]
fn due_lists_every_reason_due_today_sorted_by_owner_then_date() {
    let out = ok(&["due", "--format", "csv"], &due_archive());
    assert_eq!(
        out,
        format!(
            "{HEADER}\
张伟,C009,中山利达五金有限公司,C,general,interval,2024-04-05,86,2024-01-05,电话,138****8009
张伟,C008,珠海海川物流有限公司,B,risk,interval,2024-05-01,60,2024-03-01,,138****8008
张伟,C008,珠海海川物流有限公司,B,risk,payment,2024-05-16,45,2024-03-01,,138****8008
李娜,C001,深圳市鸿达贸易有限公司,A,key,appointment,2024-06-30,0,2024-06-01,电话,138****8001
李娜,C002,广州新创科技有限公司,C,general,new_record,2024-06-30,0,2024-06-27,,138****8002
王芳,C005,刘小红,C,general,birthday,2024-06-30,0,2024-05-01,电话,138****8005
王芳,C007,赵敏,C,general,anniversary,2024-06-30,0,2024-05-01,电话,138****8007
"
        )
    );
}

#[test]
fn due_days_ahead_are_negative_and_steps_done_or_superseded_are_not_listed() {
    let out = ok(&["due", "--format", "csv", "--days", "1"], &due_archive());
    let rows: Vec<&str> = out.lines().filter(|l| l.contains(",-")).collect();
    // tomorrow: C003's second step (its first was done) and C006's birthday
    // from the ID number; C001's interval (07-02) is two days ahead
    assert_eq!(
        rows,
        [
            "李娜,C003,佛山顺景家具有限公司,C,general,new_record,2024-07-01,-1,2024-06-05,上门,138****8003",
            "王芳,C006,孙大伟,C,general,birthday,2024-07-01,-1,2024-05-01,电话,138****8006",
        ]
    );
    let two = ok(&["due", "--format", "csv", "--days", "2"], &due_archive());
    assert!(two.contains("李娜,C001,深圳市鸿达贸易有限公司,A,key,interval,2024-07-02,-2,"));
    // C004's appointment of 05-20 was superseded by the follow-up of 06-10
    assert!(!two.contains(",C004,"), "{two}");
    // the day before, C002's first step is not due yet
    let before = ok(
        &["due", "--format", "csv", "--as-of", "2024-06-29"],
        &due_archive(),
    );
    assert!(!before.contains(",C002,"), "{before}");
}

#[test]
fn due_by_owner_reason_and_graded_tier_and_for_a_mail_merge() {
    let out = ok(
        &[
            "due", "--format", "csv", "--owner", "张伟", "--reason", "payment",
        ],
        &due_archive(),
    );
    assert_eq!(
        out,
        format!(
            "{HEADER}张伟,C008,珠海海川物流有限公司,B,risk,payment,2024-05-16,45,2024-03-01,,138****8008\n"
        )
    );
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let out = ok(
        &["due", "--format", "csv", "--where", "tier=A", "--no-mask"],
        dir,
    );
    assert_eq!(
        out,
        format!(
            "{HEADER}李娜,C001,深圳市鸿达贸易有限公司,A,key,appointment,2024-06-30,0,2024-06-01,电话,13800138001\n"
        )
    );
    assert!(
        read(tmp.path().join("access.csv")).contains("due --format csv --where tier=A --no-mask")
    );
    let table = ok(
        &[
            "due", "--format", "table", "--lang", "zh", "--owner", "王芳",
        ],
        &due_archive(),
    );
    assert!(
        table.contains("生日祝福") && table.contains("纪念日") && table.contains("138****8005"),
        "{table}"
    );
}

#[test]
fn due_refuses_a_bad_filter_and_a_next_date_that_is_not_a_date() {
    let err = refused(&["due", "--where", "colour=red"], &due_archive());
    assert!(
        err.contains("--where colour: the customers have no such column (they have: id, name,"),
        "{err}"
    );
    assert!(err.contains("tier, segment as graded"), "{err}");
    let err = refused(&["due", "--where", "region"], &due_archive());
    assert!(err.contains("write COLUMN=VALUE"), "{err}");
    let err = refused(&["due", "--reason", "lunch"], &due_archive());
    assert!(err.contains("unknown reason \"lunch\""), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    let f = tmp.path().join("followups.csv");
    let text = read(&f).replace("询价,2024-06-30", "询价,下周二");
    std::fs::write(&f, text).unwrap();
    let err = refused(&["due"], tmp.path().to_str().unwrap());
    assert!(
        err.contains("followups.csv:2: column next_date: \"下周二\": not a date"),
        "{err}"
    );
    // validate lists it as a finding
    let out = run(
        &["validate", "--format", "csv", "--fail-on", "never"],
        tmp.path().to_str().unwrap(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout_of(&out).contains("followups,2,,next_date,"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn the_report_lists_the_same_due_rows_and_one_owner_gets_their_own() {
    let json = ok(
        &["report", "--format", "json", "--as-of", "2024-06-30"],
        &due_archive(),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let by_owner = &v["followups_due"]["by_owner"];
    assert_eq!(
        by_owner,
        &serde_json::json!([
            {"owner": "张伟", "due": 3},
            {"owner": "李娜", "due": 2},
            {"owner": "王芳", "due": 2}
        ])
    );
    let mine = ok(
        &[
            "report",
            "--format",
            "json",
            "--as-of",
            "2024-06-30",
            "--owner",
            "李娜",
        ],
        &due_archive(),
    );
    let v: serde_json::Value = serde_json::from_str(&mine).unwrap();
    assert_eq!(v["owner"], "李娜");
    assert_eq!(
        v["followups_due"]["by_owner"],
        serde_json::json!([{"owner": "李娜", "due": 2}])
    );
    // the lists are hers; the tiers are the whole archive's
    let top: Vec<&str> = v["top_customers"]["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["C001"]);
    assert_eq!(v["overview"]["customers"], 9);
}

#[test]
fn where_operators_and_chinese_headers_on_classify_and_analyze() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["classify", "--format", "csv", "--as-of", "2024-06-30"];
        a.extend_from_slice(args);
        ok(&a, &due_archive())
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&["--where", "kind=individual"]),
        ["C005", "C006", "C007"]
    );
    assert_eq!(
        ids(&["--where", "负责人!=王芳", "--where", "tier=C"]),
        ["C002", "C003", "C009"]
    );
    assert_eq!(ids(&["--where", "name~科技"]), ["C002"]);
    assert_eq!(ids(&["--where", "集团=鸿达集团"]), ["C001", "C004"]);
    assert_eq!(
        ids(&["--where", "tags~VIP", "--owner", "李娜"]),
        ["C001", "C003"]
    );
    assert_eq!(ids(&["--where", "segment=risk"]), ["C008"]);
    // shares stay those of the whole archive
    let one = ok(
        &[
            "classify",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
            "--owner",
            "张伟",
            "--where",
            "segment=risk",
        ],
        &due_archive(),
    );
    assert!(
        one.contains("\nC008,珠海海川物流有限公司,,张伟,20000.00,16.00,96.00,B,risk,"),
        "{one}"
    );
    // analyze counts only the owner's transactions
    let out = ok(
        &[
            "analyze",
            "owner",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
            "--owner",
            "王芳",
        ],
        &due_archive(),
    );
    assert_eq!(
        out,
        "owner,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change\n王芳,1,1,50,5000.00,100.00,100.00,0.00,\n"
    );
    let err = refused(
        &["analyze", "owner", "--where", "colour=red"],
        &due_archive(),
    );
    assert!(err.contains("--where colour"), "{err}");
}

#[test]
fn validate_and_show_take_the_filter_too() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    let c = tmp.path().join("customers.csv");
    // two broken mobiles: one of 李娜's customers, one of 王芳's
    let text = read(&c)
        .replace("13800138002", "1380013800")
        .replace("13800138005", "1380013800");
    std::fs::write(&c, text).unwrap();
    let dir = tmp.path().to_str().unwrap();
    let all = ok(
        &[
            "validate",
            "--format",
            "csv",
            "--fail-on",
            "never",
            "--as-of",
            "2024-06-30",
        ],
        dir,
    );
    let mine = ok(
        &[
            "validate",
            "--format",
            "csv",
            "--fail-on",
            "never",
            "--as-of",
            "2024-06-30",
            "--owner",
            "李娜",
        ],
        dir,
    );
    let mobiles = |s: &str| {
        s.lines()
            .filter(|l| l.contains(",mobile,"))
            .map(|l| l.split(',').nth(2).unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(mobiles(&all), ["C002", "C005"]);
    assert_eq!(mobiles(&mine), ["C002"]);
    let err = refused(&["validate", "x.csv", "--owner", "李娜"], dir);
    assert!(err.contains("not with a FILE"), "{err}");
    // tier and segment as graded, also where the command does not grade otherwise
    let tiered = ok(
        &[
            "validate",
            "--format",
            "csv",
            "--fail-on",
            "never",
            "--as-of",
            "2024-06-30",
            "--where",
            "tier=C",
            "--where",
            "kind=enterprise",
        ],
        dir,
    );
    assert_eq!(mobiles(&tiered), ["C002"]);
    let found = ok(
        &["find", "有限公司", "--format", "csv", "--where", "tier=A"],
        &due_archive(),
    );
    let ids: Vec<&str> = found
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["C001"]);
    let found = ok(
        &[
            "find",
            "有限公司",
            "--format",
            "csv",
            "--where",
            "segment=risk",
        ],
        &due_archive(),
    );
    let ids: Vec<&str> = found
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["C008"]);
    // show: 鸿达集团 is nobody's name; C004 is found by number only for its owner
    let out = run(&["show", "C004", "--owner", "李娜"], &due_archive());
    assert_eq!(out.status.code(), Some(2), "{}", stdout_of(&out));
    let out = ok(
        &[
            "show",
            "C004",
            "--owner",
            "王芳",
            "--format",
            "json",
            "--as-of",
            "2024-06-30",
        ],
        &due_archive(),
    );
    assert!(out.contains("\"C004\""), "{out}");
}

/// A copy of the due archive, its path, and the customers' owners by id.
fn owners(dir: &Path) -> Vec<(String, String)> {
    let text = read(dir.join("customers.csv"));
    let at = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == "owner")
        .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[at].to_string())
        })
        .collect()
}

#[test]
fn reassign_to_one_receiver_moves_logs_and_backs_up() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let before = read(tmp.path().join("customers.csv"));
    // a dry run prints the same and writes nothing
    let snap = snapshot(tmp.path());
    let dry = ok(
        &[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "李娜",
            "--dry-run",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
        ],
        dir,
    );
    assert_eq!(snapshot(tmp.path()), snap);
    let out = ok(
        &[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "李娜",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
        ],
        dir,
    );
    assert_eq!(dry, out);
    assert_eq!(
        out,
        "id,name,from,to,net_sales\n\
C004,东莞华源电子有限公司,王芳,李娜,5000.00\n\
C005,刘小红,王芳,李娜,0.00\n\
C006,孙大伟,王芳,李娜,0.00\n\
C007,赵敏,王芳,李娜,0.00\n"
    );
    let after = read(tmp.path().join("customers.csv"));
    assert_eq!(after, before.replace(",王芳,", ",李娜,"));
    let log = read(tmp.path().join("changes.csv"));
    assert_eq!(
        log,
        format!(
            "time,command,table,id,field,old,new,source\n\
{FIXED_NOW},reassign,customers,C004,owner,王芳,李娜,reassign --from 王芳 --to 李娜\n\
{FIXED_NOW},reassign,customers,C005,owner,王芳,李娜,reassign --from 王芳 --to 李娜\n\
{FIXED_NOW},reassign,customers,C006,owner,王芳,李娜,reassign --from 王芳 --to 李娜\n\
{FIXED_NOW},reassign,customers,C007,owner,王芳,李娜,reassign --from 王芳 --to 李娜\n"
        )
    );
    let backups: Vec<_> = std::fs::read_dir(tmp.path().join(".backup"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(read(backups[0].path().join("customers.csv")), before);
    // 王芳 made follow-ups: known, with nothing left to move (exit 0, nothing written)
    let snap = snapshot(tmp.path());
    let again = run(&["reassign", "--from", "王芳", "--to", "李娜"], dir);
    assert_eq!(again.status.code(), Some(0));
    assert!(stderr_of(&again).contains("王芳 has no customer to move; nothing written"));
    assert_eq!(snapshot(tmp.path()), snap);
    // history shows the handover
    let h = ok(&["history", "C005", "--format", "csv"], dir);
    assert!(
        h.contains(",reassign,customers,C005,owner,王芳,李娜,"),
        "{h}"
    );
}

#[test]
fn reassign_to_several_balances_net_sales_and_keeps_groups_together() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    // 李娜's book: C001 100,000 (鸿达集团), C002 0, C003 0; 王芳's C004 5,000
    // (鸿达集团 too). Everyone goes to 张伟 and 刘强 ...
    ok(
        &[
            "reassign",
            "--from",
            "李娜",
            "--to",
            "王芳",
            "--as-of",
            "2024-06-30",
        ],
        dir,
    );
    let out = ok(
        &[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "张伟,刘强",
            "--keep-together",
            "集团",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
        ],
        dir,
    );
    // ... the 鸿达集团 block (C001 and C004, 105,000) to the first; the five
    // without sales to the other, who holds less
    assert_eq!(
        out,
        "id,name,from,to,net_sales\n\
C001,深圳市鸿达贸易有限公司,王芳,张伟,100000.00\n\
C002,广州新创科技有限公司,王芳,刘强,0.00\n\
C003,佛山顺景家具有限公司,王芳,刘强,0.00\n\
C004,东莞华源电子有限公司,王芳,张伟,5000.00\n\
C005,刘小红,王芳,刘强,0.00\n\
C006,孙大伟,王芳,刘强,0.00\n\
C007,赵敏,王芳,刘强,0.00\n"
    );
    let o = owners(tmp.path());
    // 张伟 had C008 and C009 already
    assert_eq!(o.iter().filter(|(_, w)| w == "张伟").count(), 4);
    assert_eq!(o.iter().filter(|(_, w)| w == "刘强").count(), 5);
    // without keeping them together, two blocks of sales go to two people
    let tmp2 = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp2.path());
    let dir2 = tmp2.path().to_str().unwrap();
    ok(
        &[
            "reassign",
            "--from",
            "李娜",
            "--to",
            "王芳",
            "--as-of",
            "2024-06-30",
        ],
        dir2,
    );
    let out = ok(
        &[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "张伟,刘强",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
            "--where",
            "kind=enterprise",
        ],
        dir2,
    );
    assert_eq!(
        out,
        "id,name,from,to,net_sales\n\
C001,深圳市鸿达贸易有限公司,王芳,张伟,100000.00\n\
C002,广州新创科技有限公司,王芳,刘强,0.00\n\
C003,佛山顺景家具有限公司,王芳,刘强,0.00\n\
C004,东莞华源电子有限公司,王芳,刘强,5000.00\n"
    );
    let people = ok(
        &[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "张伟,刘强",
            "--dry-run",
            "--format",
            "table",
            "--as-of",
            "2024-06-30",
        ],
        dir2,
    );
    assert!(
        people.contains("customers") && people.contains("net sales"),
        "{people}"
    );
}

#[test]
fn reassign_unattended_takes_only_the_customers_nobody_contacted() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    // 张伟's: C008 last contact the sale of 03-01 (121 days), C009 the
    // follow-up of 01-05 (177 days)
    let out = ok(
        &[
            "reassign",
            "--from",
            "张伟",
            "--to",
            "公海",
            "--unattended",
            "150",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
        ],
        dir,
    );
    assert_eq!(
        out,
        "id,name,from,to,net_sales\nC009,中山利达五金有限公司,张伟,公海,0.00\n"
    );
    let out = ok(
        &[
            "reassign",
            "--from",
            "张伟",
            "--to",
            "公海",
            "--unattended",
            "121",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
            "--dry-run",
        ],
        dir,
    );
    assert_eq!(out, "id,name,from,to,net_sales\n");
    let out = ok(
        &[
            "reassign",
            "--from",
            "张伟",
            "--to",
            "公海",
            "--unattended",
            "120",
            "--format",
            "csv",
            "--as-of",
            "2024-06-30",
            "--dry-run",
        ],
        dir,
    );
    assert_eq!(
        out,
        "id,name,from,to,net_sales\nC008,珠海海川物流有限公司,张伟,公海,20000.00\n"
    );
}

#[test]
fn reassign_refuses_an_unknown_owner_and_a_receiver_equal_to_it() {
    let dir = due_archive();
    let snap = snapshot(Path::new(&dir));
    let err = refused(&["reassign", "--from", "李四", "--to", "王芳"], &dir);
    assert!(
        err.contains(
            "--from 李四: no customer or follow-up has this owner (owners: 刘强, 张伟, 李娜, 王芳)"
        ),
        "{err}"
    );
    let err = refused(&["reassign", "--from", "王芳", "--to", "李娜,王芳"], &dir);
    assert!(
        err.contains("--to 王芳: the customers are already 王芳's"),
        "{err}"
    );
    let err = refused(&["reassign", "--from", "王芳", "--to", "李娜,李娜"], &dir);
    assert!(err.contains("names a receiver twice"), "{err}");
    let err = refused(
        &[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "李娜",
            "--keep-together",
            "colour",
        ],
        &dir,
    );
    assert!(
        err.contains("--keep-together colour: the customers have no such column"),
        "{err}"
    );
    let err = refused(&["reassign", "--from", "王芳"], &dir);
    assert!(err.contains("--to"), "{err}");
    assert_eq!(snapshot(Path::new(&dir)), snap);
}

#[test]
fn analyze_team_is_one_row_per_owner_worked_out_by_hand() {
    // 12 months to 2024-06-30. 李娜: C002 and C003 made in the period, two
    // follow-ups, C001 stale (made 2023-01-01, never revised, over 60 days).
    // 张伟: C009's follow-up was made by 刘强, who owns no customer now.
    let out = ok(&["analyze", "team", "--format", "csv"], &due_archive());
    assert_eq!(
        out,
        "owner,customers,active_customers,new_customers,followups,customers_contacted,due_open,stale_records,net_sales,share,outstanding,overdue\n\
李娜,3,1,2,2,2,2,1,100000.00,80.00,0.00,0.00\n\
张伟,2,1,0,0,0,3,2,20000.00,16.00,20000.00,20000.00\n\
王芳,4,1,0,5,4,2,4,5000.00,4.00,0.00,0.00\n\
刘强,0,0,0,1,1,0,0,0.00,0.00,0.00,0.00\n"
    );
    let table = ok(
        &["analyze", "team", "--format", "table", "--lang", "zh"],
        &due_archive(),
    );
    let total = table.lines().find(|l| l.contains("(合计)")).unwrap();
    let cells: Vec<&str> = total.split('┆').map(str::trim).collect();
    assert_eq!(
        cells[1..],
        [
            "9",
            "3",
            "2",
            "8",
            "7",
            "7",
            "7",
            "125,000.00",
            "100.00",
            "20,000.00",
            "20,000.00 │"
        ]
    );
    let mine = ok(
        &["analyze", "team", "--format", "csv", "--owner", "张伟"],
        &due_archive(),
    );
    assert_eq!(
        mine.lines().nth(1),
        // analyze counts the filtered customers only: the share is of them
        Some("张伟,2,1,0,0,0,3,2,20000.00,100.00,20000.00,20000.00")
    );
}

#[test]
fn analyze_by_tag_counts_a_customer_in_each_tag_and_the_total_once() {
    let out = ok(
        &["analyze", "sales", "--by", "tag", "--format", "csv"],
        &due_archive(),
    );
    assert_eq!(
        out,
        "tag,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change\n\
VIP,1,1,1000,100000.00,80.00,,0.00,\n\
重点,1,1,1000,100000.00,80.00,,0.00,\n\
,2,2,60,25000.00,20.00,,0.00,\n"
    );
    let table = ok(
        &["analyze", "sales", "--by", "tag", "--format", "table"],
        &due_archive(),
    );
    let total = table.lines().find(|l| l.contains("(total)")).unwrap();
    assert!(total.contains("125,000.00"), "{total}");
    assert!(
        table.contains("the total counts each customer and each order once"),
        "{table}"
    );
}

#[test]
fn analyze_by_any_column_segment_and_chinese_header() {
    let out = ok(
        &[
            "analyze",
            "sales",
            "--by",
            "集团,segment",
            "--format",
            "csv",
        ],
        &due_archive(),
    );
    assert_eq!(
        out,
        "集团,segment,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change\n\
鸿达集团,key,1,1,1000,100000.00,80.00,80.00,0.00,\n\
,risk,1,1,10,20000.00,16.00,96.00,0.00,\n\
鸿达集团,general,1,1,50,5000.00,4.00,100.00,0.00,\n"
    );
    // a transaction column, named by its Chinese header
    let out = ok(
        &["analyze", "sales", "--by", "商品", "--format", "csv"],
        &due_archive(),
    );
    assert!(out.starts_with("product,customers,"), "{out}");
    assert!(
        out.contains("\n水泥,1,1,1000,100000.00,80.00,80.00,0.00,\n"),
        "{out}"
    );
    let err = refused(&["analyze", "sales", "--by", "colour"], &due_archive());
    assert!(err.contains("cannot group by \"colour\": neither the customers nor the transactions have such a column"), "{err}");
    assert!(err.contains("age_band, tag; customers: id, name,"), "{err}");
    let err = refused(&["analyze", "credit", "--by", "tag"], &due_archive());
    assert!(err.contains("credit is per customer"), "{err}");
}

/// Four people with sales on 2024-01-10: born 1990-06-30 (birthday), 1989-06-30
/// and 1964-02-29 (ID numbers), and one with no birth date.
fn ages_archive(dir: &Path) {
    std::fs::write(
        dir.join("customers.csv"),
        "id,name,kind,birthday,id_number,owner\n\
P1,甲,individual,1990-06-30,,李娜\n\
P2,乙,individual,,110105198906301234,李娜\n\
P3,丙,individual,,11010519640229123X,李娜\n\
P4,丁,individual,,,李娜\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("transactions.csv"),
        "id,customer_id,date,amount,kind\n\
T1,P1,2024-01-10,100,sale\n\
T2,P2,2024-01-10,200,sale\n\
T3,P3,2024-01-10,400,sale\n\
T4,P4,2024-01-10,800,sale\n",
    )
    .unwrap();
}

#[test]
fn age_bands_from_birthdays_and_id_numbers_with_29_february() {
    let tmp = tempfile::tempdir().unwrap();
    ages_archive(tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let bands = |as_of: &str| -> Vec<String> {
        ok(
            &[
                "analyze", "sales", "--by", "age_band", "--format", "csv", "--as-of", as_of,
            ],
            dir,
        )
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
        .collect()
    };
    // 2024-06-30: 34 (青年), 35 (中年), 60 (老年)
    assert_eq!(
        bands("2024-06-30"),
        [
            "(unknown),1,1,0,800.00",
            "老年,1,1,0,400.00",
            "中年,1,1,0,200.00",
            "青年,1,1,0,100.00"
        ]
    );
    // 2024-02-28: P3 is 59 the day before a leap day; P2 34
    assert_eq!(
        bands("2024-02-28"),
        [
            "(unknown),1,1,0,800.00",
            "中年,1,1,0,400.00",
            "青年,2,2,0,300.00"
        ]
    );
    assert_eq!(
        bands("2024-02-29"),
        [
            "(unknown),1,1,0,800.00",
            "老年,1,1,0,400.00",
            "青年,2,2,0,300.00"
        ]
    );
    // the bands are a setting
    std::fs::write(
        tmp.path().join("dangan.yaml"),
        "analyze:\n  age_bands: [50]\n  age_band_names: [under 50, 50+]\n",
    )
    .unwrap();
    assert_eq!(
        bands("2024-06-30"),
        [
            "(unknown),1,1,0,800.00",
            "50+,1,1,0,400.00",
            "under 50,2,2,0,300.00"
        ]
    );
    std::fs::write(
        tmp.path().join("dangan.yaml"),
        "analyze:\n  age_bands: [50]\n  age_band_names: [young]\n",
    )
    .unwrap();
    let err = refused(&["analyze", "sales", "--by", "age_band"], dir);
    assert!(
        err.contains("analyze.age_band_names: 1 names for 1 bounds"),
        "{err}"
    );
}

#[test]
fn due_reads_the_kept_grades_of_the_day_and_gives_the_same_list() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    // keep derived files even for this small archive
    std::fs::write(
        tmp.path().join("dangan.yaml"),
        "archive:\n  cache_min_mb: 0\ndue:\n  anniversaries: [结婚纪念日]\n",
    )
    .unwrap();
    let dir = tmp.path().to_str().unwrap();
    let want = ok(&["due", "--format", "csv"], &due_archive());
    let first = ok(&["due", "--format", "csv"], dir);
    let kept: Vec<String> = std::fs::read_dir(tmp.path().join(".cache"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("standing."))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let second = ok(&["due", "--format", "csv"], dir);
    assert_eq!(first, want);
    assert_eq!(second, want);
    // show reads the same kept standing
    let out = ok(&["show", "C008", "--format", "json"], dir);
    assert!(out.contains("\"segment\": \"risk\""), "{out}");
    // a damaged kept file is removed and the grades computed again
    let p = tmp.path().join(".cache").join(&kept[0]);
    std::fs::write(&p, "id,name\nbroken\n").unwrap();
    assert_eq!(ok(&["due", "--format", "csv"], dir), want);
}

#[test]
fn customers_who_have_not_bought_follow_the_second_schedule() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&due_archive()), tmp.path());
    std::fs::write(
        tmp.path().join("dangan.yaml"),
        "due:\n  new_record_no_sale: [1, 7]\n  reasons: [new_record]\n",
    )
    .unwrap();
    let dir = tmp.path().to_str().unwrap();
    // C002 (made 06-27, no sale): step 1 on 06-28, two days late; C003 (made
    // 06-01, one follow-up, no sale): step 2 on 06-08, 22 days late
    assert_eq!(
        ok(&["due", "--format", "csv"], dir),
        format!(
            "{HEADER}\
李娜,C003,佛山顺景家具有限公司,C,general,new_record,2024-06-08,22,2024-06-05,上门,138****8003
李娜,C002,广州新创科技有限公司,C,general,new_record,2024-06-28,2,2024-06-27,,138****8002
"
        )
    );
    std::fs::write(tmp.path().join("dangan.yaml"), "due:\n  reasons: [lunch]\n").unwrap();
    let err = refused(&["due"], dir);
    assert!(
        err.contains("dangan.yaml") && err.contains("lunch"),
        "{err}"
    );
}
