//! The revision log `changes.csv` and the access log `access.csv`: the exact
//! rows each writer appends (import adding, updating and merging; a
//! re-import; `classify --write`; `fmt`), a damaged log refused before
//! anything is written, `dangan history` and its filters, `--no-mask` runs
//! registered, and `confidential:` columns masked. (Every crash point of
//! every writer, with the log, is in `crash.rs`.)

use crate::common::*;
use std::path::Path;

const HEADER: &str = "time,command,table,id,field,old,new,source\n";

/// The log without its header, each row's time replaced by `T`.
fn log_rows(dir: &Path) -> Vec<String> {
    let text = read(dir.join("changes.csv"));
    assert!(text.starts_with(HEADER), "{text}");
    text[HEADER.len()..]
        .lines()
        .map(|l| {
            let (time, rest) = l.split_once(',').unwrap();
            assert_eq!(time, FIXED_NOW);
            format!("T,{rest}")
        })
        .collect()
}

#[test]
fn an_import_logs_what_it_adds_updates_and_merges_and_a_reimport_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let f = tmp.path().join("in.csv");
    // line 2 updates C001's mobile and contact; line 3 is a new customer;
    // line 4 is the same new customer again (same name and mobile) and adds
    // an address: merged into the record line 3 made
    std::fs::write(
        &f,
        "客户编号,客户名称,手机,联系人,地址\n\
         C001,华南建材有限公司,13900139001,赵六,\n\
         ,鸿达贸易(深圳)有限公司,13700137000,钱七,\n\
         ,鸿达贸易（深圳）有限公司,137 0013 7000,,深圳市南山区科技园\n",
    )
    .unwrap();
    let fs = f.display().to_string();
    ok(&["import", &fs, "--format", "csv"], &dir);
    assert_eq!(
        log_rows(&dir),
        [
            format!("T,import,customers,C001,contact,,赵六,{fs}:2"),
            format!("T,import,customers,C001,mobile,13800138001,13900139001,{fs}:2"),
            // numbered in the archive's settings (id_prefix C, width 6)
            format!("T,import,customers,C000012,*,,created,{fs}:3"),
            // a later row's non-empty values win, the name as it wrote it too
            format!(
                "T,import,customers,C000012,name,鸿达贸易(深圳)有限公司,鸿达贸易（深圳）有限公司,{fs}:4"
            ),
            format!("T,import,customers,C000012,address,,深圳市南山区科技园,{fs}:4"),
        ]
    );
    // the same file again changes nothing, and appends nothing
    let before = std::fs::read(dir.join("changes.csv")).unwrap();
    ok(&["import", &fs], &dir);
    assert_eq!(std::fs::read(dir.join("changes.csv")).unwrap(), before);
}

#[test]
fn imported_transactions_and_followups_are_logged_created_and_updated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let tx = tmp.path().join("tx.csv");
    std::fs::write(
        &tx,
        "单号,客户编号,日期,金额,已付金额,类型\n\
         T001,C001,2024-05-10,50000.00,50000.00,销售\n\
         T900,C002,2024-06-20,\"¥1,200.50\",0,销售\n",
    )
    .unwrap();
    let fu = tmp.path().join("fu.csv");
    std::fs::write(&fu, "客户编号,日期,方式,内容\nC003,2024-06-28,电话,回访\n").unwrap();
    let (txs, fus) = (tx.display().to_string(), fu.display().to_string());
    ok(&["import", &txs, &fus], &dir);
    assert_eq!(
        log_rows(&dir),
        [
            format!("T,import,transactions,T900,*,,created,{txs}:3"),
            format!("T,import,transactions,T001,paid,30000.00,50000.00,{txs}:2"),
            format!("T,import,followups,C003,*,,created,{fus}:2"),
        ]
    );
}

#[test]
fn classify_write_logs_tier_and_segment_changes_and_history_finds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    ok(&["classify", "--write", "--as-of", "2024-06-30"], &dir);
    let rows = log_rows(&dir);
    // eleven customers, each a tier and a segment (no grades before)
    assert_eq!(rows.len(), 22, "{rows:#?}");
    let src = "classify --write as-of 2024-06-30";
    assert_eq!(
        rows[0],
        format!("T,classify --write,customers,C001,tier,,A,{src}")
    );
    assert_eq!(
        rows[1],
        format!("T,classify --write,customers,C001,segment,,risk,{src}")
    );
    // a second grading at the same date changes nothing, logs nothing
    ok(&["classify", "--write", "--as-of", "2024-06-30"], &dir);
    assert_eq!(log_rows(&dir).len(), 22);
    // a later grading: only what changed is logged
    ok(&["classify", "--write", "--as-of", "2024-12-31"], &dir);
    let later: Vec<String> = log_rows(&dir)[22..].to_vec();
    assert!(!later.is_empty());
    assert!(
        later
            .iter()
            .all(|r| r.ends_with(",classify --write as-of 2024-12-31"))
    );
    // "which customers became risk since the last grading"
    let out = ok(
        &[
            "history",
            "--field",
            "segment",
            "--command",
            "classify",
            "--since",
            "2024-06-30",
            "--format",
            "csv",
        ],
        &dir,
    );
    let risk: Vec<&str> = out
        .lines()
        .skip(1)
        .filter(|l| l.contains(",segment,") && l.contains(",risk,"))
        .collect();
    assert!(risk.iter().any(|l| l.contains(",C001,")), "{out}");
}

#[test]
fn fmt_logs_every_cell_it_rewrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("customers.csv"),
        "id,name,region,mobile,credit_limit,created\n\
         C001,甲公司,广东,13800138000,\"¥1,000\",2024/1/5\n\
         C002,乙公司,广东省,13900139000,500.00,2024-01-06\n",
    )
    .unwrap();
    ok(&["fmt"], &dir);
    assert_eq!(
        log_rows(&dir),
        [
            "T,fmt,customers,C001,region,广东,广东省,fmt customers.csv:2",
            "T,fmt,customers,C001,credit_limit,\"¥1,000\",1000.00,fmt customers.csv:2",
            "T,fmt,customers,C001,created,2024/1/5,2024-01-05,fmt customers.csv:2",
        ]
    );
    // canonical now: a second fmt writes nothing, logs nothing
    let before = std::fs::read(dir.join("changes.csv")).unwrap();
    ok(&["fmt"], &dir);
    assert_eq!(std::fs::read(dir.join("changes.csv")).unwrap(), before);
}

#[test]
fn a_torn_or_foreign_log_stops_every_writer_and_nothing_is_appended() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("in.csv");
    std::fs::write(&f, "客户名称,手机\n新客户乙,13600136000\n").unwrap();
    let fs = f.display().to_string();
    for (log, why) in [
        (
            format!(
                "{HEADER}2024-06-30T12:00:00+08:00,import,customers,C001,mobile,1,2,x.csv:2\n2024-06-30T12:00:00+08:00,imp"
            ),
            ":3: the last line is torn (no line end)",
        ),
        (
            "id,name\nC001,x\n".to_string(),
            ":1: the header is \"id,name\"",
        ),
    ] {
        let dir = tmp.path().join(format!("a{}", log.len()));
        copy_dir(Path::new(&testdata("sales")), &dir);
        std::fs::write(dir.join("changes.csv"), &log).unwrap();
        let before = snapshot(&dir);
        for args in [
            vec!["import", fs.as_str()],
            vec!["classify", "--write", "--as-of", "2024-06-30"],
            vec!["fmt"],
        ] {
            let out = run(&args, &dir);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let err = stderr_of(&out);
            assert!(
                err.contains(&format!("{}{why}", dir.join("changes.csv").display())),
                "{err}"
            );
            assert!(err.contains("nothing was changed"), "{err}");
            assert!(
                snapshot(&dir) == before,
                "{args:?} wrote to a damaged archive"
            );
        }
        // history names the damage too
        let out = run(&["history"], &dir);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr_of(&out).contains(why), "{}", stderr_of(&out));
    }
}

#[test]
fn history_of_one_customer_by_any_key_and_with_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let f = tmp.path().join("in.csv");
    std::fs::write(&f, "客户编号,手机\nC002,13900139002\nC003,13900139003\n").unwrap();
    ok(&["import", &f.display().to_string()], &dir);
    let fs = f.display().to_string();
    // by archive number, by the new mobile, by exact name: the same row
    for key in ["C002", "13900139002", "东方五金商行"] {
        let out = ok(&["history", key, "--format", "csv", "--no-mask"], &dir);
        assert_eq!(
            out,
            format!(
                "{HEADER}{FIXED_NOW},import,customers,C002,mobile,13800138002,13900139002,{fs}:2\n"
            ),
            "{key}"
        );
    }
    // masked unless --no-mask, in every format
    let out = ok(&["history", "C002", "--format", "csv"], &dir);
    assert!(out.contains(",mobile,138****8002,139****9002,"), "{out}");
    let out = ok(
        &["history", "C002", "--format", "table", "--lang", "zh"],
        &dir,
    );
    assert!(out.contains("138****8002") && out.contains("原值"), "{out}");
    assert!(!out.contains("13800138002"));
    // the whole archive, a field, a command, a date
    assert_eq!(ok(&["history", "--format", "csv"], &dir).lines().count(), 3);
    assert_eq!(
        ok(&["history", "--field", "name", "--format", "csv"], &dir),
        HEADER
    );
    assert_eq!(
        ok(&["history", "--command", "fmt", "--format", "csv"], &dir),
        HEADER
    );
    assert_eq!(
        ok(
            &["history", "--since", "2024-07-01", "--format", "csv"],
            &dir
        ),
        HEADER
    );
    assert_eq!(
        ok(
            &["history", "--since", "2024-06-30", "--format", "csv"],
            &dir
        )
        .lines()
        .count(),
        3
    );
}

#[test]
fn history_refuses_an_unknown_key_and_a_since_that_is_not_a_date() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let out = run(&["history", "C404"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "dangan: error: no customer (and no revision) has the archive number, mobile, credit code, ID number or name \"C404\"; try `dangan find`\n"
    );
    let out = run(&["history", "--since", "last month"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--since"), "{}", stderr_of(&out));
    // an archive without a log has no history, and that is no error
    assert_eq!(ok(&["history", "--format", "csv"], &dir), HEADER);
}

#[test]
fn no_mask_runs_are_registered_in_access_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    ok(
        &["show", "C001", "--as-of", "2024-06-30", "--format", "json"],
        &dir,
    );
    assert!(
        !dir.join("access.csv").exists(),
        "a masked run was registered"
    );
    let out = dangan()
        .env("USER", "wangfang")
        .args([
            "show",
            "C001",
            "--as-of",
            "2024-06-30",
            "--no-mask",
            "--format",
            "json",
            "--archive",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = dangan()
        .env("USER", "lina")
        .args([
            "validate",
            "--no-mask",
            "--fail-on",
            "never",
            "--format",
            "csv",
            "--archive",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let d = dir.display().to_string();
    assert_eq!(
        read(dir.join("access.csv")),
        format!(
            "time,user,command\n\
             {FIXED_NOW},wangfang,dangan show C001 --as-of 2024-06-30 --no-mask --format json --archive {d}\n\
             {FIXED_NOW},lina,dangan validate --no-mask --fail-on never --format csv --archive {d}\n"
        )
    );
    let out = ok(&["history", "--access", "--format", "csv"], &dir);
    assert_eq!(out.lines().count(), 3);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .contains(",wangfang,dangan show C001")
    );
}

#[test]
fn confidential_columns_of_the_settings_are_masked_like_the_built_in_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("dangan.yaml"), "confidential: [健康状况]\n").unwrap();
    std::fs::write(
        dir.join("customers.csv"),
        "id,name,mobile,健康状况\nC001,王先生,13800138000,高血压需随访\n",
    )
    .unwrap();
    let json = ok(
        &["show", "C001", "--as-of", "2024-06-30", "--format", "json"],
        &dir,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["customer"]["健康状况"], "*****访");
    assert_eq!(v["customer"]["mobile"], "138****8000");
    let json = ok(
        &[
            "show",
            "C001",
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
            "--no-mask",
        ],
        &dir,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["customer"]["健康状况"], "高血压需随访");
    // and in the revision log's listing
    let f = tmp.path().join("in.csv");
    std::fs::write(&f, "客户编号,健康状况\nC001,已康复\n").unwrap();
    ok(
        &["import", &f.display().to_string(), "--table", "customers"],
        &dir,
    );
    let out = ok(&["history", "C001", "--format", "csv"], &dir);
    assert!(out.contains(",健康状况,*****访,**复,"), "{out}");
}

#[test]
fn a_damaged_access_log_stops_a_no_mask_run_before_it_shows_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    std::fs::write(
        dir.join("access.csv"),
        "time,user,command\n2024-06-30T12:00:00+08:00,li",
    )
    .unwrap();
    let out = run(
        &[
            "show",
            "C001",
            "--as-of",
            "2024-06-30",
            "--no-mask",
            "--format",
            "json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_of(&out), "", "something was shown unregistered");
    assert!(
        stderr_of(&out).contains("access.csv:2: the last line is torn"),
        "{}",
        stderr_of(&out)
    );
    // masked runs need no registration and go on
    ok(
        &["show", "C001", "--as-of", "2024-06-30", "--format", "json"],
        &dir,
    );
    // --since on the access log
    std::fs::write(
        dir.join("access.csv"),
        "time,user,command\n2024-05-01T09:00:00+08:00,li,dangan report --no-mask\n",
    )
    .unwrap();
    assert_eq!(
        ok(
            &[
                "history",
                "--access",
                "--since",
                "2024-06-01",
                "--format",
                "csv"
            ],
            &dir
        ),
        "time,user,command\n"
    );
    assert_eq!(
        ok(&["history", "--access", "--format", "csv"], &dir)
            .lines()
            .count(),
        2
    );
}
