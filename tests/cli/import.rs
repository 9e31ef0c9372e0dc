//! `dangan import`: real fixtures in testdata/, exact archive contents asserted.

use crate::common::*;
use predicates::prelude::*;
use std::path::Path;

const CUSTOMERS_AFTER_GBK: &str = "\
id,name,kind,industry,region,city,address,contact,mobile,phone,email,id_number,credit_code,birthday,owner,credit_limit,credit_rating,status,tags,created,updated,notes,微信号
C000008,广州市恒通贸易有限公司,enterprise,,广东省,广州,,陈志明,13800138000,020-87654321,sales@hengtong.com,,91440101MA59ABCD1D,,李娜,50000.00,AA,active,,2023-01-15,2024-06-30,更新微信,hengtong_new
C000009,张伟,individual,,北京市,北京,,,13912345678,,,110105199003071239,,,王强,8000.00,B,active,,2023-06-01,2024-06-30,,
C000007,深圳前海星辰科技有限公司,enterprise,,广东省,深圳,,刘洋,13700001111,0755-88886666-123,,,91440300MA5FXY123H,,李娜,120000.00,A,active,,2022-03-10,2024-06-30,重点客户,
C000010,李秀英,individual,,浙江省,杭州,,,1380013800,,,,,,王强,,,,,2023-09-09,2024-06-30,手机号少一位,
";

const TRANSACTIONS_AFTER_BOM: &str = "\
id,customer_id,date,product,category,quantity,unit_price,amount,paid,due_date,kind,region,credit_code
SO-2024-001,C000007,2024-03-05,工业润滑油,化工,12,1234.50,14814.00,14814.00,2024-04-05,sale,,
SO-2024-002,C000008,2024-03-06,液压油,化工,10,1000.00,12000.00,,2024-04-06,sale,广东省,91440101MA59ABCD1D
SO-2024-003,C000009,2024-03-10,打印纸,办公用品,5,25.50,127.50,127.50,,return,,
SO-2024-005,C000007,2024-03-12,液压油,化工,1,100.00,100.00,0.00,,discount,,
T9912BBD7B95A,C000009,2024-03-14,墨盒,办公用品,1,199.00,199.00,199.00,,sale,,
";

fn summary(
    read: u64,
    added: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    normalised: u64,
    rounded: u64,
) -> String {
    format!(
        "{{\n  \"read\": {read},\n  \"added\": {added},\n  \"updated\": {updated},\n  \"unchanged\": {unchanged},\n  \"rejected\": {rejected},\n  \"values_normalised\": {normalised},\n  \"amounts_rounded\": {rounded}\n}}\n"
    )
}

fn import(archive: &Path, file: &str) -> std::process::Output {
    dangan()
        .args(["import", &testdata(file), "--format", "json", "--archive"])
        .arg(archive)
        .output()
        .expect("run")
}

#[test]
fn gbk_customers_export_becomes_the_exact_archive() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let out = import(&a, "customers_gbk.csv");
    // one row rejected (no name) → exit 1, the good rows are imported
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), summary(6, 4, 1, 0, 1, 27, 0));
    assert_eq!(read(a.join("customers.csv")), CUSTOMERS_AFTER_GBK);
    let err = stderr_of(&out);
    assert!(err.contains("customers_gbk.csv:7: column mobile: \"13******00\" kept as it was: not an 11-digit mobile number"), "{err}");
    // the rejects file: BOM, source file, line, reason, original columns
    let rejects = read(a.join("import-rejects.csv"));
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with("\u{feff}source_file,line,table,reason,客户编号,客户名称,客户性质")
    );
    assert!(lines[1].ends_with("customers_gbk.csv,5,customers,no name (客户名称 is required),,,个人,上海,,,13600002222,,,,,,,,,,,没有名字"), "{}", lines[1]);
}

#[test]
fn utf8_bom_transactions_with_money_and_chinese_dates() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    let out = import(a, "transactions_bom.csv");
    assert_eq!(out.status.code(), Some(1));
    // 8 rows: 5 added, the repeated SO-2024-001 updates paid, 2 rejected;
    // 99.999 rounded twice (unit price and amount)
    assert_eq!(stdout_of(&out), summary(8, 5, 1, 0, 2, 36, 2));
    assert_eq!(read(a.join("transactions.csv")), TRANSACTIONS_AFTER_BOM);
    let rejects = read(a.join("import-rejects.csv"));
    assert!(rejects.contains("transactions_bom.csv,5,transactions,unknown customer: no customer in the archive has customer_id C999999,SO-2024-004"));
    assert!(rejects.contains("transactions_bom.csv,7,transactions,no amount,SO-2024-006"));
}

#[test]
fn importing_the_same_files_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    for f in ["customers_gbk.csv", "transactions_bom.csv", "followups.csv"] {
        import(a, f);
    }
    let before = snapshot(a);
    // a later day: unchanged records keep their `updated`
    for (f, s) in [
        ("customers_gbk.csv", summary(6, 0, 0, 5, 1, 27, 0)),
        ("transactions_bom.csv", summary(8, 0, 0, 6, 2, 36, 2)),
        ("followups.csv", summary(4, 0, 0, 3, 1, 1, 0)),
    ] {
        let out = dangan()
            .env("DANGAN_TODAY", "2024-07-15")
            .args(["import", &testdata(f), "--format", "json", "--archive"])
            .arg(a)
            .output()
            .unwrap();
        assert_eq!(stdout_of(&out), s, "{f}");
    }
    let after = snapshot(a);
    // byte-identical, and no backup taken since nothing was written
    assert_eq!(before, after);
    assert!(!a.join(".backup").exists());
}

#[test]
fn followups_are_linked_and_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    let out = import(a, "followups.csv");
    assert_eq!(stdout_of(&out), summary(4, 2, 0, 1, 1, 1, 0));
    assert_eq!(
        read(a.join("followups.csv")),
        "customer_id,date,channel,owner,note,next_date,satisfaction\n\
         C000007,2024-05-10,上门,李娜,讨论三季度订单,2024-07-10,\n\
         C000009,2024-05-12,电话,王强,确认退货已处理,,\n"
    );
}

#[test]
fn xlsx_with_serial_dates_numbers_and_wan() {
    let out = dangan()
        .args(["import", &testdata("customers.xlsx"), "--output", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "id,name,kind,industry,region,city,address,contact,mobile,phone,email,id_number,credit_code,birthday,owner,credit_limit,credit_rating,status,tags,created,updated,notes\n\
         C000100,王芳,individual,,江苏省,,,,13912345679,,,33010619851120001X,,,,5000.00,,,,2024-03-05,2024-06-30,\n\
         C000101,苏州工业园区宏远机械有限公司,enterprise,,江苏省,,,,13812345670,,,,,,,1234.57,,,,2024-03-05,2024-06-30,\n\
         C000102,赵磊,distributor,,山东省,,,,13712345671,,,,,,,15000.00,,,,2024-03-06,2024-06-30,\n"
    );
    // the summary goes to stderr when stdout carries the rows
    assert!(stderr_of(&out).contains("amounts rounded"));
}

#[test]
fn xlsx_sheet_choice() {
    dangan()
        .args([
            "import",
            &testdata("customers.xlsx"),
            "--sheet",
            "没有",
            "--output",
            "-",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no sheet named \"没有\" (sheets: 客户, 说明)",
        ));
}

#[test]
fn yaml_archive_stays_yaml_with_its_settings_and_extra_columns() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    copy_dir(Path::new(&testdata("yaml_archive")), a);
    let out = import(a, "hotel_members.yaml");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), summary(2, 1, 1, 0, 0, 4, 0));
    assert_eq!(
        read(a.join("customers.yaml")),
        "- id: KH0001\n  name: 林小姐\n  kind: individual\n  region: 福建省\n  mobile: '13500001111'\n  status: active\n  created: 2023-02-01\n  updated: 2024-06-30\n  notes: 升级为金卡\n  card_no: VIP-0099\n  favourite_room: '1808'\n\
         - id: KH0002\n  name: 厦门海景酒店管理有限公司\n  kind: enterprise\n  region: 福建省\n  credit_code: 91350200MA2XYW123L\n  created: 2023-03-01\n  updated: 2023-03-01\n\
         - id: KH0003\n  name: 陈先生\n  region: 广东省\n  mobile: '18600002222'\n  birthday: 1988-08-08\n  created: 2024-06-30\n  updated: 2024-06-30\n  card_no: VIP-0100\n"
    );
    // the previous file is in the backup folder, byte for byte
    let backups: Vec<_> = std::fs::read_dir(a.join(".backup"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(
        read(backups[0].path().join("customers.yaml")),
        read(Path::new(&testdata("yaml_archive")).join("customers.yaml"))
    );
    // transactions.yaml was not touched
    assert_eq!(
        read(a.join("transactions.yaml")),
        read(Path::new(&testdata("yaml_archive")).join("transactions.yaml"))
    );
}

#[test]
fn dry_run_writes_nothing_and_says_what_would_change() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    let before = snapshot(a);
    let out = dangan()
        .args([
            "import",
            &testdata("customers.xlsx"),
            "--dry-run",
            "--format",
            "json",
            "--archive",
        ])
        .arg(a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_of(&out), summary(3, 3, 0, 0, 0, 12, 1));
    let err = stderr_of(&out);
    assert!(err.contains("would add customers C000100 王芳"), "{err}");
    assert!(err.contains("dry run: nothing was written"));
    assert_eq!(snapshot(a), before);
}

#[test]
fn new_numbers_continue_after_the_highest_and_updates_keep_the_number() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    std::fs::write(
        a.join("more.csv"),
        "客户名称,手机,统一社会信用代码,备注\n新客户甲,13511112222,,\n改名不改码有限公司,,91440300MA5FXY123H,换了备注\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import", "more.csv", "--format", "json", "--archive", "."])
        .current_dir(a)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), summary(2, 1, 1, 0, 0, 0, 0));
    let c = read(a.join("customers.csv"));
    // matched by credit code: the archive number and the name are kept... the
    // name is replaced since it is a non-empty incoming value
    assert!(c.contains("\nC000007,改名不改码有限公司,enterprise,,广东省,深圳,,刘洋,13700001111,0755-88886666-123,,,91440300MA5FXY123H,,李娜,120000.00,A,active,,2022-03-10,2024-06-30,换了备注,\n"), "{c}");
    assert!(
        c.ends_with("C000011,新客户甲,,,,,,,13511112222,,,,,,,,,,,2024-06-30,2024-06-30,,\n"),
        "{c}"
    );
}

#[test]
fn on_duplicate_skip_and_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    std::fs::write(
        a.join("dup.csv"),
        "客户名称,手机,备注\n张伟,13912345678,新备注\n",
    )
    .unwrap();
    let before = snapshot(a);
    let out = dangan()
        .args([
            "import",
            "dup.csv",
            "--on-duplicate",
            "skip",
            "--format",
            "json",
            "--archive",
            ".",
        ])
        .current_dir(a)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), summary(1, 0, 0, 1, 0, 0, 0));
    assert_eq!(snapshot(a), before);
    dangan()
        .args([
            "import",
            "dup.csv",
            "--on-duplicate",
            "error",
            "--archive",
            ".",
        ])
        .current_dir(a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "dup.csv:2: same customer as C000009 (by name+mobile)",
        ));
    assert_eq!(snapshot(a), before);
}

#[test]
fn a_row_matching_two_customers_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    // credit code of C000007, name + mobile of C000009
    std::fs::write(
        a.join("x.csv"),
        "客户名称,手机,统一社会信用代码\n张伟,13912345678,91440300MA5FXY123H\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import", "x.csv", "--archive", "."])
        .current_dir(a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(read(a.join("import-rejects.csv")).contains(
        "matches more than one customer: C000007 (by credit_code), C000009 (by name+mobile)"
    ));
}

#[test]
fn map_file_and_encoding_override() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    std::fs::write(a.join("map.yaml"), "会员名: name\n电话号: mobile\n").unwrap();
    std::fs::write(
        a.join("in.csv"),
        encoding_bytes("会员名,电话号,积分\n周杰,13800000001,300\n"),
    )
    .unwrap();
    let out = dangan()
        .args([
            "import",
            "in.csv",
            "--map",
            "map.yaml",
            "--encoding",
            "gbk",
            "--output",
            "-",
        ])
        .current_dir(a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let s = stdout_of(&out);
    assert!(s.starts_with("id,name,kind,"), "{s}");
    assert!(s.lines().next().unwrap().ends_with(",notes,积分"));
    assert!(s.contains("\n,周杰,,,,,,,13800000001,"), "{s}");
    assert!(s.ends_with(",300\n"));
}

fn encoding_bytes(s: &str) -> Vec<u8> {
    let (b, _, _) = encoding_rs::GBK.encode(s);
    b.into_owned()
}

#[test]
fn tsv_semicolons_and_stdin() {
    let out = dangan()
        .args(["import", "-", "--output", "-"])
        .write_stdin("客户名称\t手机\t地区\n王五\t138 0000 0002\t四川\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out)
            .ends_with("\n,王五,,,四川省,,,,13800000002,,,,,,,,,,,2024-06-30,2024-06-30,\n")
    );
    let out = dangan()
        .args(["import", "-", "--output", "-"])
        .write_stdin("客户名称;手机\n赵六;13800000003\n")
        .output()
        .unwrap();
    assert!(stdout_of(&out).contains("\n,赵六,"));
}

#[test]
fn output_yaml_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("clean.yaml");
    dangan()
        .args(["import", &testdata("followups.csv"), "--output"])
        .arg(&out_path)
        .assert()
        .success();
    assert_eq!(
        read(&out_path),
        "- customer_id: C000007\n  date: 2024-05-10\n  channel: 上门\n  owner: 李娜\n  note: 讨论三季度订单\n  next_date: 2024-07-10\n\
         - customer_id: C000009\n  date: 2024-05-12\n  channel: 电话\n  owner: 王强\n  note: 确认退货已处理\n\
         - customer_id: C000404\n  date: 2024-05-13\n  channel: 微信\n  owner: 王强\n  note: 客户不存在\n"
    );
}

#[test]
fn a_locked_archive_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    let before = snapshot(a);
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(a.join(".dangan.lock"))
        .unwrap();
    lock.lock().unwrap();
    dangan()
        .args(["import", &testdata("customers.xlsx"), "--archive"])
        .arg(a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is locked by another dangan process",
        ));
    lock.unlock().unwrap();
    assert_eq!(snapshot(a), before);
}

#[test]
fn a_half_done_commit_is_completed_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    // as if a process was killed after writing its journal: the new file is
    // complete in the temp file, the rename did not happen
    std::fs::write(a.join(".dangan-tmp-abc"), "id,name\nC000001,新\n").unwrap();
    std::fs::write(a.join(".dangan-commit"), ".dangan-tmp-abc\tfollowups.csv\n").unwrap();
    std::fs::write(a.join(".dangan-tmp-stale"), "junk").unwrap();
    import(a, "customers_gbk.csv");
    assert_eq!(read(a.join("followups.csv")), "id,name\nC000001,新\n");
    assert!(!a.join(".dangan-commit").exists());
    assert!(!a.join(".dangan-tmp-stale").exists());
}

#[test]
fn backups_keep_the_last_ten() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    for i in 0..12 {
        std::fs::write(a.join("c.csv"), format!("客户名称,备注\n甲,第{i}次\n")).unwrap();
        dangan()
            .args(["import", "c.csv", "--archive", "."])
            .current_dir(a)
            .assert()
            .success();
    }
    let n = std::fs::read_dir(a.join(".backup")).unwrap().count();
    assert_eq!(n, 10);
    assert!(read(a.join("customers.csv")).contains(",甲,"));
    assert!(read(a.join("customers.csv")).contains("第11次"));
}

#[test]
fn table_is_recognised_or_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("odd.csv"), "foo,bar\n1,2\n").unwrap();
    dangan()
        .args(["import", "odd.csv", "--output", "-"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "odd.csv: cannot tell which table the headers (foo, bar) belong to; give --table",
        ));
    dangan()
        .args(["import", "odd.csv", "--table", "customers", "--output", "-"])
        .current_dir(dir.path())
        .assert()
        .code(1) // no name: rejected
        .stdout("id,name,kind,industry,region,city,address,contact,mobile,phone,email,id_number,credit_code,birthday,owner,credit_limit,credit_rating,status,tags,created,updated,notes,foo,bar\n");
}

#[test]
fn the_readme_first_command_on_the_demo_archive() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let before = snapshot(&demo);
    let out = dangan()
        .args([
            "import",
            "examples/new_customers.csv",
            "--archive",
            "examples/demo",
            "--dry-run",
            "--format",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), summary(3, 2, 1, 0, 0, 14, 0));
    let err = stderr_of(&out);
    assert!(
        err.contains("would update customers C000003: credit_limit, credit_rating, notes"),
        "{err}"
    );
    assert!(
        err.contains("would add customers C000301 杭州博雅美容有限公司"),
        "{err}"
    );
    assert!(err.contains("would add customers C000302 马超"), "{err}");
    assert_eq!(snapshot(&demo), before);
}

/// A file of several read chunks (1 MiB each): rows keep their order and
/// every message its exact line, with LF and CRLF line ends.
#[test]
fn large_files_keep_order_and_line_numbers() {
    for eol in ["\n", "\r\n"] {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path();
        let mut text = format!("客户编号,客户名称,手机,备注{eol}");
        for i in 1..=40_000u32 {
            let name = if i == 35_000 {
                String::new()
            } else {
                format!("客户{i}")
            };
            // a quoted value with a line break in it, now and then
            let note = if i % 997 == 0 {
                "\"两行\n备注\"".to_string()
            } else {
                "普通备注文字".repeat(3)
            };
            text.push_str(&format!("K{i:06},{name},139{i:08},{note}{eol}"));
        }
        assert!(text.len() > 3 << 20, "several read chunks");
        std::fs::write(a.join("big.csv"), &text).unwrap();
        let out = dangan()
            .args(["import", "big.csv", "--format", "json", "--archive", "."])
            .current_dir(a)
            .output()
            .unwrap();
        assert_eq!(
            stdout_of(&out),
            summary(40_000, 39_999, 0, 0, 1, 0, 0),
            "{}",
            stderr_of(&out)
        );
        // row 35,000 sits on line 35,001 plus one line per earlier two-line note (35 of them)
        assert!(
            stderr_of(&out).contains("big.csv:35036: no name"),
            "{}",
            stderr_of(&out)
        );
        let c = read(a.join("customers.csv"));
        let records: Vec<csv::StringRecord> = csv::Reader::from_reader(c.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect();
        let ids: Vec<&str> = records.iter().map(|r| &r[0]).collect();
        assert_eq!(ids.len(), 39_999);
        assert_eq!(ids[0], "K000001");
        assert_eq!(ids[34_998], "K034999");
        assert_eq!(ids[34_999], "K035001");
        assert_eq!(ids[39_998], "K040000");
        // the line break inside a note survives
        assert_eq!(&records[996][21], "两行\n备注");

        // a ragged row deep in the file is reported at its line, nothing written
        let before = snapshot(a);
        let ragged = text.replacen("K030000,客户30000,13900030000,", "K030000,客户30000,", 1);
        std::fs::write(a.join("ragged.csv"), ragged).unwrap();
        let out = dangan()
            .args(["import", "ragged.csv", "--archive", "."])
            .current_dir(a)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr_of(&out)
                .contains("ragged.csv:30031: row has 3 values but the header has 4 columns"),
            "{}",
            stderr_of(&out)
        );
        let mut after = snapshot(a);
        after.remove(std::path::Path::new("ragged.csv"));
        assert_eq!(after, before);
    }
}

/// Ctrl-C during an import: the archive is left exactly as it was, with no
/// temp file behind. The rows come on stdin so the signal lands mid-import
/// every time: half the rows, the signal, then the rest.
#[cfg(unix)]
#[test]
fn ctrl_c_leaves_the_archive_as_it_was() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    import(a, "customers_gbk.csv");
    let before = snapshot(a);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dangan"))
        .args(["import", "-", "--archive"])
        .arg(a)
        .env("DANGAN_TODAY", "2024-06-30")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rows = |from: u32, to: u32| -> String {
        (from..to).map(|i| format!("客户{i},139{i:08}\n")).collect()
    };
    stdin
        .write_all(format!("客户名称,手机\n{}", rows(0, 20_000)).as_bytes())
        .unwrap();
    // wait until it holds the archive's lock (it writes its pid there): from
    // then on Ctrl-C asks it to stop instead of ending it at once
    let pid = child.id().to_string();
    let t0 = std::time::Instant::now();
    while !std::fs::read_to_string(a.join(".dangan.lock"))
        .unwrap_or_default()
        .contains(&format!("pid {pid}"))
    {
        assert!(
            t0.elapsed().as_secs() < 30,
            "the import never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(rows(20_000, 40_000).as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("interrupted: nothing was changed"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(snapshot(a), before);
}

#[test]
fn the_archive_comes_from_dangan_archive_when_not_given() {
    let dir = tempfile::tempdir().unwrap();
    dangan()
        .env("DANGAN_ARCHIVE", dir.path())
        .args(["import", &testdata("followups.csv"), "--table", "followups"])
        .assert()
        .code(1); // C000404 is unknown: there are no customers yet
    assert!(read(dir.path().join("import-rejects.csv")).contains("unknown customer"));
}

#[test]
fn utf16_with_bom_as_excel_saves_unicode_text() {
    // Excel's "Unicode text": UTF-16LE with a BOM, tab-separated
    let dir = tempfile::tempdir().unwrap();
    let text = "客户名称\t手机\t地区\r\n林小姐\t135 0000 1111\t福建\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(dir.path().join("unicode.txt"), bytes).unwrap();
    let out = dangan()
        .args(["import", "unicode.txt", "--output", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out)
            .ends_with("\n,林小姐,,,福建省,,,,13500001111,,,,,,,,,,,2024-06-30,2024-06-30,\n"),
        "{}",
        stdout_of(&out)
    );
}

/// Import's merge and validate's `duplicate` use one definition of a
/// customer's identity (`archive::keys`): on the same file, the rows that
/// validate calls duplicates are exactly the rows that import merges.
#[test]
fn import_merges_exactly_what_validate_calls_duplicate() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("in.csv");
    std::fs::write(
        &file,
        "客户名称,手机,身份证号\n\
         上海恒通贸易有限公司,13800000001,\n\
         上海恒通贸易有限公司 ,138 0000 0001,\n\
         （上海）恒通,13800000002,\n\
         (上海)恒通,13800000002,\n\
         张伟,13900000003,\n\
         张伟,13900000004,\n\
         李娜,13900000005,11010519491231002X\n\
         李娜娜,13900000006,11010519491231002x\n",
    )
    .unwrap();
    let out = dangan()
        .args(["validate", "--format", "csv"])
        .arg(&file)
        .output()
        .unwrap();
    let text = stdout_of(&out);
    let dup_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(",duplicate,"))
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(dup_lines, ["3", "5", "9"], "{text}");
    let archive = tmp.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let out = dangan()
        .arg("import")
        .arg(&file)
        .args(["--format", "csv", "--as-of", "2026-11-01", "--archive"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    // 8 rows read, 3 of them merged into the row validate names as first
    assert_eq!(
        stdout_of(&out),
        "read,added,updated,unchanged,rejected,values_normalised,amounts_rounded\n8,5,2,1,0,3,0\n"
    );
    let stored = read(archive.join("customers.csv"));
    let names: Vec<&str> = stored
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "上海恒通贸易有限公司",
            "(上海)恒通",
            "张伟",
            "张伟",
            "李娜娜"
        ]
    );
}
