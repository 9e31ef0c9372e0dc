//! 查重: `dangan dedupe` on the labelled set `testdata/dedupe` (made by
//! `testdata/make_dedupe.py`: 455 customers, 98 duplicate pairs written in
//! fifteen ways, 70 hard negatives), precision and recall at the default
//! threshold; the listing's exact rows on a small archive, the file mode
//! (a GBK export with Chinese headers), the clusters for people, import's
//! warning; and `--apply`: what survives, the re-pointing, changes.csv, a
//! stale pair refused while the rest go ahead, `--dry-run`.

use crate::common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn pairs_of(csv: &str) -> Vec<(String, String, u8, String)> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].to_string(),
                x[2].to_string(),
                x[4].parse().unwrap(),
                x[5].to_string(),
            )
        })
        .collect()
}

fn id_pairs(path: &str) -> BTreeSet<(String, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_string(), x[1].to_string())
        })
        .collect()
}

#[test]
fn the_labelled_set_at_the_default_threshold_precision_and_recall() {
    let dir = Path::new(&testdata("dedupe")).to_path_buf();
    let listed = ok(&["dedupe", "--format", "csv"], &dir);
    let found: BTreeSet<(String, String)> = pairs_of(&listed)
        .into_iter()
        .map(|(l, r, _, _)| (l, r))
        .collect();
    let truth = id_pairs(&format!("{}/labels.csv", testdata("dedupe")));
    assert_eq!(truth.len(), 98);
    let tp = found.intersection(&truth).count();
    let precision = tp as f64 / found.len() as f64;
    let recall = tp as f64 / truth.len() as f64;
    // the figures in the README and docs/dedupe.md
    assert_eq!(
        (found.len(), tp),
        (98, 97),
        "precision {precision}, recall {recall}"
    );
    assert!(precision >= 0.95 && recall >= 0.95);
    // no hard negative is listed: branches, one character off, another
    // industry or city, two credit codes, namesakes, shops of one name,
    // sister companies on the group's switchboard
    let negatives = id_pairs(&format!("{}/negatives.csv", testdata("dedupe")));
    assert_eq!(negatives.len(), 70);
    let wrong: Vec<_> = found.intersection(&negatives).collect();
    assert!(wrong.is_empty(), "{wrong:?}");
    // every listed pair has left_id < right_id, best first
    let rows = pairs_of(&listed);
    assert!(rows.iter().all(|(l, r, _, _)| l < r));
    assert!(rows.windows(2).all(|w| w[0].2 >= w[1].2));
    // the one it misses: a 字号 with 发展 instead of its trade, and nothing
    // else in common (45 points: trade_name)
    let missed: Vec<_> = truth.difference(&found).cloned().collect();
    assert_eq!(missed, [("C0122".to_string(), "C0417".to_string())]);
    // the one it lists wrongly: the copy of Qingdao's 飞鑫医药 that says no
    // place (C0305) is as like Wuhan's 飞鑫医药 (C0164) by name; only the
    // contact tells them apart, and the true pair scores higher
    let wrong: Vec<_> = found.difference(&truth).cloned().collect();
    assert_eq!(wrong, [("C0164".to_string(), "C0305".to_string())]);
    let score_of = |l: &str, r: &str| {
        pairs_of(&listed)
            .into_iter()
            .find(|p| p.0 == l && p.1 == r)
            .map(|p| p.2)
    };
    assert_eq!(
        (score_of("C0035", "C0305"), score_of("C0164", "C0305")),
        (Some(70), Some(60))
    );
}

/// The company of the issue, four ways, with its branch, a sister company,
/// a one-character neighbour, two namesakes and a person written twice.
fn small_archive(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("customers.csv"),
        "id,name,kind,city,contact,mobile,phone,id_number,credit_code,owner,created,updated\n\
         C001,深圳市鸿达贸易有限公司,enterprise,深圳市,陈明,13800138001,,,,李娜,2023-01-05,2023-01-05\n\
         C002,鸿达贸易(深圳)有限公司,enterprise,,,,0755-26661234,,,王芳,2023-03-01,2023-03-01\n\
         C003,深圳鸿达贸易有限责任公司,enterprise,深圳,陈明,,,,,张伟,2023-04-01,2023-04-01\n\
         C004,鸿达贸易有限公司,enterprise,,,,26661234,,,王芳,2024-01-01,2024-01-01\n\
         C005,深圳市鸿达贸易有限公司广州分公司,enterprise,广州市,林涛,13800138005,,,,李娜,2023-05-01,2023-05-01\n\
         C006,深圳市鸿达科技有限公司,enterprise,深圳市,周婷,13800138006,,,,李娜,2023-06-01,2023-06-01\n\
         C007,深圳市宏达贸易有限公司,enterprise,深圳市,吴刚,13800138007,,,,张伟,2023-07-01,2023-07-01\n\
         C008,张伟,individual,北京市,,13900139001,,,,王芳,2023-08-01,2023-08-01\n\
         C009,张伟,individual,上海市,,13900139002,,,,王芳,2023-09-01,2023-09-01\n\
         C010,李秀英,individual,杭州市,,13700137000,,,,李娜,2023-10-01,2023-10-01\n\
         C011,李秀英,individual,,,+86 137 0013 7000,,,,张伟,2024-02-01,2024-02-01\n",
    )
    .unwrap();
}

#[test]
fn the_company_of_the_issue_four_ways_and_what_is_not_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    small_archive(&dir);
    let out = ok(&["dedupe", "--format", "csv", "--min-score", "0"], &dir);
    let rows: Vec<(String, String, u8, String)> = pairs_of(&out);
    // 鸿达贸易 is the key of five records (C001–C005): no term-frequency
    // penalty yet; the branch C005 names Shenzhen and Guangzhou, so no
    // region_differs; 张伟 in Beijing and Shanghai (municipalities). C006
    // (鸿达科技) is not even compared: another trade of the 字号 shares no
    // block with 鸿达贸易 (nor a phone); C007 (宏达) shares nothing
    let want: Vec<(&str, &str, u8, &str)> = vec![
        ("C002", "C004", 85, "name_key;phone"),
        ("C001", "C003", 70, "name_key;contact"),
        ("C010", "C011", 65, "name_key;mobile"),
        ("C001", "C002", 60, "name_key"),
        ("C001", "C004", 60, "name_key"),
        ("C002", "C003", 60, "name_key"),
        ("C003", "C004", 60, "name_key"),
        ("C001", "C005", 0, "name_key;branch"),
        ("C002", "C005", 0, "name_key;branch"),
        ("C003", "C005", 0, "name_key;branch"),
        ("C004", "C005", 0, "name_key;branch"),
        ("C008", "C009", 0, "name_key;region_differs;mobile_differs"),
    ];
    let got: Vec<(&str, &str, u8, &str)> = rows
        .iter()
        .map(|(l, r, s, e)| (l.as_str(), r.as_str(), *s, e.as_str()))
        .collect();
    assert_eq!(got, want);
    // at the default, the seven pairs of the two customers written twice
    let out = ok(&["dedupe", "--format", "csv"], &dir);
    assert_eq!(pairs_of(&out).len(), 7);
    let first = out.lines().nth(1).unwrap();
    assert!(
        first.starts_with("C002,鸿达贸易(深圳)有限公司,C004,鸿达贸易有限公司,85,name_key;phone,"),
        "{first}"
    );
    // the stamp: 16 hex digits
    assert_eq!(first.rsplit(',').next().unwrap().len(), 16);
}

#[test]
fn people_see_clusters_with_their_owners_masked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    small_archive(&dir);
    let out = ok(&["dedupe", "--format", "markdown"], &dir);
    assert_eq!(
        out,
        "| cluster | id | name | owner | city | mobile | score | reasons |\n\
         | ---: | --- | --- | --- | --- | --- | ---: | --- |\n\
         | 1 | C001 | 深圳市鸿达贸易有限公司 | 李娜 | 深圳市 | 138****8001 | 70 | name_key;contact |\n\
         | 1 | C002 | 鸿达贸易(深圳)有限公司 | 王芳 |  |  | 85 | name_key;phone |\n\
         | 1 | C003 | 深圳鸿达贸易有限责任公司 | 张伟 | 深圳 |  | 70 | name_key;contact |\n\
         | 1 | C004 | 鸿达贸易有限公司 | 王芳 |  |  | 85 | name_key;phone |\n\
         | 2 | C010 | 李秀英 | 李娜 | 杭州市 | 137****7000 | 65 | name_key;mobile |\n\
         | 2 | C011 | 李秀英 | 张伟 |  | 137****7000 | 65 | name_key;mobile |\n"
    );
    let zh = dangan()
        .args([
            "dedupe",
            "--format",
            "markdown",
            "--lang",
            "zh",
            "--owner",
            "李娜",
            "--archive",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let zh = stdout_of(&zh);
    assert!(
        zh.starts_with("| 组 | 档案编号 | 客户名称 | 负责人 |"),
        "{zh}"
    );
    assert!(zh.contains("| 名称相同、联系人相同 |"), "{zh}");
    // --owner 李娜: pairs with one of hers (C001, C010), not C002–C004's
    assert!(!zh.contains("| 85 |") && zh.contains("| C010 |"), "{zh}");
}

#[test]
fn a_file_is_checked_against_the_archive_at_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    small_archive(&dir);
    // an export as WPS saves it: GBK, CRLF, Chinese headers, full-width brackets
    let file = tmp.path().join("展会名单.csv");
    let text = "客户名称,城市,固定电话,手机号码,负责人\r\n\
                鸿达贸易（深圳） 有限公司,深圳,0755-2666 1234,,赵磊\r\n\
                鸿达科技(深圳)有限公司,深圳,,,赵磊\r\n\
                李秀英,杭州,,137 0013 7000,赵磊\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    std::fs::write(&file, gbk).unwrap();
    let out = ok(&["dedupe", file.to_str().unwrap(), "--format", "csv"], &dir);
    let rows = pairs_of(&out);
    // a file's rows are named by the file as given and the line
    let at = |line: u32| format!("{}:{line}", file.display());
    // row 2 shares 鸿达贸易 with five (six records: one step of term
    // frequency, 8 points); row 3 is C006 in brackets; row 4 is C010 and C011
    assert_eq!(
        rows,
        vec![
            ("C002".into(), at(2), 77, "name_key;phone".into()),
            ("C004".into(), at(2), 77, "name_key;phone".into()),
            ("C010".into(), at(4), 65, "name_key;mobile".into()),
            ("C011".into(), at(4), 65, "name_key;mobile".into()),
            ("C006".into(), at(3), 60, "name_key".into()),
            ("C001".into(), at(2), 52, "name_key".into()),
            ("C003".into(), at(2), 52, "name_key".into()),
        ]
    );
    // a file's row has no stamp: it cannot be merged from the listing
    assert!(out.lines().nth(1).unwrap().ends_with(",name_key;phone,"));
    // the archive is untouched
    assert!(!dir.join("changes.csv").exists());
}

#[test]
fn import_warns_of_a_new_customer_like_an_existing_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    small_archive(&dir);
    let file = tmp.path().join("new.csv");
    std::fs::write(
        &file,
        "客户名称,城市,手机号码,负责人\n深圳市鸿达贸易有限责任公司,深圳,,赵磊\n广州新创科技有限公司,广州,13600136000,赵磊\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import", file.to_str().unwrap(), "--archive"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let warned: Vec<String> = err
        .lines()
        .filter(|l| l.contains("looks like"))
        .map(|l| l.replace(&file.display().to_string(), "new.csv"))
        .collect();
    assert_eq!(
        warned,
        [
            "warning: new.csv:2: the new customer C000012 深圳市鸿达贸易有限责任公司 looks like C001 深圳市鸿达贸易有限公司 (owner 李娜): name_key (score 52); see `dangan dedupe`",
            "warning: new.csv:2: the new customer C000012 深圳市鸿达贸易有限责任公司 looks like C002 鸿达贸易(深圳)有限公司 (owner 王芳): name_key (score 52); see `dangan dedupe`",
            "warning: new.csv:2: the new customer C000012 深圳市鸿达贸易有限责任公司 looks like C003 深圳鸿达贸易有限责任公司 (owner 张伟): name_key (score 52); see `dangan dedupe`",
            "warning: new.csv:2: the new customer C000012 深圳市鸿达贸易有限责任公司 looks like C004 鸿达贸易有限公司 (owner 王芳): name_key (score 52); see `dangan dedupe`",
        ]
    );
}

/// What the person keeps of the listing: the header, C002–C004 and
/// C010–C011 (the other pairs of the 鸿达 cluster are dropped).
fn kept_rows(listed: &str) -> Vec<&str> {
    listed
        .lines()
        .filter(|l| {
            l.starts_with("left_id")
                || l.starts_with("C002,鸿达贸易(深圳)有限公司,C004,")
                || l.starts_with("C010,")
        })
        .collect()
}

/// `dangan dedupe --apply PAIRS --format csv` on the archive `dir`.
fn apply(pairs: &Path, dir: &Path) -> std::process::Output {
    run(
        &[
            "dedupe",
            "--apply",
            &pairs.display().to_string(),
            "--format",
            "csv",
        ],
        dir,
    )
}

/// The small archive with sales and follow-ups of the records to merge.
fn apply_archive(dir: &Path) {
    small_archive(dir);
    std::fs::write(
        dir.join("transactions.csv"),
        "id,customer_id,date,product,amount,paid,kind\n\
         T1,C001,2024-01-10,纸箱,1000.00,1000.00,sale\n\
         T2,C002,2024-02-10,纸箱,2000.00,0.00,sale\n\
         T3,C004,2024-03-10,胶带,300.00,300.00,sale\n\
         T4,C010,2024-03-11,胶带,50.00,50.00,sale\n\
         T5,C011,2024-04-11,胶带,60.00,60.00,sale\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("followups.csv"),
        "customer_id,date,channel,owner,note,next_date\n\
         C004,2024-05-01,电话,王芳,问报价,\n\
         C011,2024-05-02,微信,张伟,回访,\n",
    )
    .unwrap();
}

#[test]
fn apply_merges_into_the_older_number_and_repoints_sales_and_followups() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    apply_archive(&dir);
    let listed = ok(&["dedupe", "--format", "csv"], &dir);
    // the person keeps the rows C002–C004 and C010–C011, drops the rest
    let kept = kept_rows(&listed);
    assert_eq!(kept.len(), 3, "{listed}");
    let pairs = tmp.path().join("pairs.csv");
    // saved again by Excel: a BOM and CRLF
    std::fs::write(&pairs, format!("\u{feff}{}\r\n", kept.join("\r\n"))).unwrap();
    let before = snapshot(&dir);
    let dry = ok(
        &[
            "dedupe",
            "--apply",
            pairs.to_str().unwrap(),
            "--dry-run",
            "--format",
            "csv",
        ],
        &dir,
    );
    assert_eq!(
        dry,
        "left_id,right_id,outcome,kept,merged,why\n\
         C002,C004,merged,C002,C004,\n\
         C010,C011,merged,C010,C011,\n"
    );
    assert_eq!(snapshot(&dir), before, "--dry-run wrote");
    let out = apply(&pairs, &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), dry);
    assert!(
        stderr_of(&out)
            .contains("2 pair(s) merged, 0 refused, 4 transaction/follow-up row(s) re-pointed"),
        "{}",
        stderr_of(&out)
    );
    // C002 takes C004's non-empty values (as import merges), read to their
    // one meaning (C011's `+86 137 0013 7000` is 13700137000); created stays
    // the earlier; updated is the day of the merge. The file is written in
    // the archive's column layout.
    let customers = read(dir.join("customers.csv"));
    assert!(
        customers.contains("\nC002,鸿达贸易有限公司,enterprise,,,,,,,26661234,,,,,王芳,,,,,2023-03-01,2024-06-30,\n"),
        "{customers}"
    );
    assert!(
        customers.contains(
            "\nC010,李秀英,individual,,,杭州市,,,13700137000,,,,,,张伟,,,,,2023-10-01,2024-06-30,\n"
        ),
        "{customers}"
    );
    assert!(!customers.contains("\nC004,") && !customers.contains("\nC011,"));
    assert_eq!(customers.lines().count(), 1 + 9);
    let tx = read(dir.join("transactions.csv"));
    assert!(
        tx.contains("\nT3,C002,") && tx.contains("\nT5,C010,") && tx.contains("\nT1,C001,"),
        "{tx}"
    );
    let fu = read(dir.join("followups.csv"));
    assert!(
        fu.contains("\nC002,2024-05-01,") && fu.contains("\nC010,2024-05-02,"),
        "{fu}"
    );
    let log = read(dir.join("changes.csv"));
    let src = format!("dedupe --apply {}", pairs.display());
    let lines: Vec<&str> = log.lines().skip(1).collect();
    let fields: Vec<String> = lines
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            f[1..7].join("|")
        })
        .collect();
    assert_eq!(
        fields,
        [
            "dedupe|customers|C002|name|鸿达贸易(深圳)有限公司|鸿达贸易有限公司",
            "dedupe|customers|C002|phone|0755-26661234|26661234",
            "dedupe|customers|C004|*||merged_into:C002",
            "dedupe|customers|C010|owner|李娜|张伟",
            "dedupe|customers|C011|*||merged_into:C010",
            "dedupe|transactions|T3|customer_id|C004|C002",
            "dedupe|transactions|T5|customer_id|C011|C010",
            "dedupe|followups|C004|customer_id|C004|C002",
            "dedupe|followups|C011|customer_id|C011|C010",
        ]
    );
    assert!(lines[0].ends_with(&format!("{src}:2")), "{}", lines[0]);
    // the old files are kept
    assert!(dir.join(".backup").is_dir());
    // the same file applied again: already one, nothing written, exit 0
    let before = snapshot(&dir);
    let again = ok(
        &[
            "dedupe",
            "--apply",
            pairs.to_str().unwrap(),
            "--format",
            "csv",
        ],
        &dir,
    );
    assert_eq!(
        again,
        "left_id,right_id,outcome,kept,merged,why\n\
         C002,C004,already_one,C002,,\n\
         C010,C011,already_one,C010,,\n"
    );
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn apply_refuses_a_pair_changed_since_listed_and_merges_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    apply_archive(&dir);
    let listed = ok(&["dedupe", "--format", "csv"], &dir);
    let kept = kept_rows(&listed);
    let pairs = tmp.path().join("pairs.csv");
    std::fs::write(&pairs, kept.join("\n") + "\n").unwrap();
    // someone edits C004 in Excel after the listing: another landline
    let c = read(dir.join("customers.csv")).replace(",26661234,", ",26669999,");
    std::fs::write(dir.join("customers.csv"), c).unwrap();
    let out = apply(&pairs, &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "left_id,right_id,outcome,kept,merged,why\n\
         C002,C004,refused,,,C002 or C004 changed since the pairs were listed; run dedupe again\n\
         C010,C011,merged,C010,C011,\n"
    );
    assert!(
        stderr_of(&out).contains("1 pair(s) refused"),
        "{}",
        stderr_of(&out)
    );
    let customers = read(dir.join("customers.csv"));
    assert!(customers.contains("\nC004,") && !customers.contains("\nC011,"));
}

#[test]
fn bad_usage_and_bad_pairs_files_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    small_archive(&dir);
    let out = run(&["dedupe", "--min-score", "101"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["dedupe", "--apply", "/no/such/pairs.csv"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("/no/such/pairs.csv"),
        "{}",
        stderr_of(&out)
    );
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "id,name\nC001,x\n").unwrap();
    let out = run(&["dedupe", "--apply", bad.to_str().unwrap()], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("bad.csv:1: needs the columns left_id and right_id"),
        "{}",
        stderr_of(&out)
    );
    let out = run(&["dedupe", "--dry-run"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["dedupe", "/no/such/file.csv"], &dir);
    assert_eq!(out.status.code(), Some(2));
}
