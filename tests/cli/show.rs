//! `dangan show` (one customer's whole file) and `dangan find` (look-up and
//! ranking), on the hand-made sales archive whose figures `analyze.rs` and
//! `classify.rs` work out by hand.

use crate::common::*;
use std::path::Path;

fn sales() -> String {
    testdata("sales")
}

#[test]
fn show_json_is_the_whole_file_of_one_customer() {
    let json = ok(
        &["show", "C001", "--as-of", "2024-06-30", "--format", "json"],
        &sales(),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "customer",
            "grade",
            "sales",
            "credit",
            "transactions",
            "followups",
            "complaints",
            "changes"
        ]
    );
    let c = &v["customer"];
    // every column of the file, canonical and extra, in the file's order
    assert_eq!(c.as_object().unwrap().len(), 23);
    assert_eq!(c["id"], "C001");
    assert_eq!(c["name"], "华南建材有限公司");
    assert_eq!(c["kind"], "enterprise");
    assert_eq!(c["region"], "广东省");
    assert_eq!(c["mobile"], "138****8001");
    assert_eq!(c["credit_limit"], "10000.00");
    assert_eq!(c["credit_rating"], "AA");
    assert_eq!(c["notes"], "大客户");
    assert_eq!(c["wechat"], "hnjc");
    // the grade classify gives: A by its 50% share, risk for being over its
    // credit limit (owes 20,000.00 against 10,000.00)
    let g = &v["grade"];
    assert_eq!(g["as_of"], "2024-06-30");
    assert_eq!(g["tier"], "A");
    assert_eq!(g["segment"], "risk");
    assert_eq!(g["reasons"], serde_json::json!(["over_credit_limit"]));
    assert_eq!(g["rfm"], "455");
    let s = &v["sales"];
    assert_eq!(s["from"], "2023-07-01");
    assert_eq!(s["to"], "2024-06-30");
    assert_eq!(s["net_sales"], "50000.00");
    assert_eq!(s["prev_net_sales"], "0.00");
    assert_eq!(s["orders"], 1);
    assert_eq!(s["last_date"], "2024-05-10");
    let cr = &v["credit"];
    assert_eq!(cr["credit_limit"], "10000.00");
    assert_eq!(cr["outstanding"], "20000.00");
    assert_eq!(cr["overdue"], "0.00");
    // due 2024-07-10: not yet due at the end of June
    assert_eq!(cr["ageing"]["not_due"], "20000.00");
    assert_eq!(cr["ageing"]["days_1_30"], "0.00");
    assert_eq!(
        v["transactions"],
        serde_json::json!([{
            "id": "T001", "date": "2024-05-10", "kind": "sale", "product": "水泥",
            "quantity": "1000", "amount": "50000.00", "paid": "30000.00"
        }])
    );
    // no follow-up: the last sale (2024-05-10) becomes older than tier A's
    // 30 days on the 31st day, as `dangan due` counts
    assert_eq!(v["followups"]["next_due"], "2024-06-10");
    assert_eq!(v["followups"]["last"], serde_json::json!([]));
    assert_eq!(v["changes"], serde_json::json!([]));
}

/// `show` grades one customer by counting its place among all
/// (`analytics::grade_one`); `classify` sorts them all. Every customer's
/// grade, figures and RFM agree, on archives with ties, returns, risk and
/// complaints, at dates before, inside and after their sales, and on the
/// demo (every 7th of its customers).
#[test]
fn show_agrees_with_classify_for_every_customer() {
    let demo = "examples/demo".to_string();
    let mut n = 0;
    for (archive, as_of, step) in [
        (sales(), "2024-06-30", 1),
        (sales(), "2024-09-15", 1),
        (sales(), "2025-03-01", 1),
        (testdata("due"), "2026-11-01", 1),
        (testdata("complaints"), "2026-11-01", 1),
        (demo, "2026-10-31", 7),
    ] {
        let csv = ok(&["classify", "--as-of", as_of, "--format", "csv"], &archive);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        for rec in r.records().step_by(step) {
            let rec = rec.unwrap();
            let json = ok(
                &["show", &rec[0], "--as-of", as_of, "--format", "json"],
                &archive,
            );
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let at = format!("{} at {as_of}", &rec[0]);
            assert_eq!(v["sales"]["net_sales"], rec[4], "{at}");
            assert_eq!(v["grade"]["tier"], rec[7], "{at}");
            assert_eq!(v["grade"]["segment"], rec[8], "{at}");
            assert_eq!(
                v["grade"]["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(";"),
                rec[9].to_string(),
                "{at}"
            );
            assert_eq!(
                v["sales"]["orders"].to_string(),
                rec[10].to_string(),
                "{at}"
            );
            assert_eq!(
                v["sales"]["last_date"].as_str().unwrap_or(""),
                &rec[11],
                "{at}"
            );
            assert_eq!(v["grade"]["rfm"], rec[18], "{at}");
            n += 1;
        }
    }
    assert!(n >= 60, "{n}");
}

/// `show`'s receivables (summed from the transactions' codes with the
/// grade) are `analyze credit --by customer`'s row of the customer, bucket
/// by bucket, at dates before, inside and after the archives' invoices.
#[test]
fn show_ageing_agrees_with_analyze_credit_for_every_customer() {
    let mut checked = 0;
    for (archive, as_of) in [
        (sales(), "2024-06-30"),
        (sales(), "2024-09-15"),
        (sales(), "2025-03-01"),
        (testdata("due"), "2026-11-01"),
        (testdata("complaints"), "2026-11-01"),
    ] {
        let csv = ok(
            &[
                "analyze", "credit", "--by", "customer", "--as-of", as_of, "--format", "csv",
            ],
            &archive,
        );
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let head = r.headers().unwrap().clone();
        let at = |name: &str| head.iter().position(|h| h == name).unwrap();
        let mut owing = std::collections::HashMap::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            owing.insert(rec[0].to_string(), rec);
        }
        let ids = ok(&["classify", "--as-of", as_of, "--format", "csv"], &archive);
        for line in ids.lines().skip(1) {
            let id = line.split(',').next().unwrap();
            let json = ok(
                &["show", id, "--as-of", as_of, "--format", "json"],
                &archive,
            );
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let cr = &v["credit"];
            let want = |name: &str| {
                owing
                    .get(id)
                    .map_or("0.00".to_string(), |rec| rec[at(name)].to_string())
            };
            assert_eq!(cr["outstanding"], want("outstanding"), "{id} at {as_of}");
            assert_eq!(cr["overdue"], want("overdue"), "{id} at {as_of}");
            for b in [
                "not_due",
                "days_1_30",
                "days_31_90",
                "days_91_180",
                "days_over_180",
            ] {
                assert_eq!(cr["ageing"][b], want(b), "{id} {b} at {as_of}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 33, "{checked}");
}

#[test]
fn show_in_a_chinese_table_labels_every_field_and_masks() {
    let out = ok(
        &[
            "show",
            "13800138004",
            "--as-of",
            "2024-06-30",
            "--format",
            "table",
            "--lang",
            "zh",
        ],
        &sales(),
    );
    let line = |label: &str| -> String {
        out.lines()
            .find(|l| l.contains(&format!("│ {label} ")))
            .unwrap_or_else(|| panic!("no {label} in\n{out}"))
            .split('┆')
            .nth(1)
            .unwrap()
            .trim()
            .trim_end_matches('│')
            .trim()
            .to_string()
    };
    assert!(out.starts_with("客户档案 C004 西南医药连锁\n"), "{out}");
    assert_eq!(line("档案编号"), "C004");
    assert_eq!(line("客户名称"), "西南医药连锁");
    assert_eq!(line("手机"), "138****8004");
    assert_eq!(line("负责人"), "王芳");
    assert_eq!(line("信用等级"), "AAA");
    assert_eq!(line("等级"), "A");
    assert_eq!(line("类别"), "key");
    // a sale of 20,000.00 and a discount of 1,000.00
    assert_eq!(line("本期净销售额"), "19,000.00");
    assert_eq!(line("订单数"), "2");
    assert_eq!(line("最近交易"), "2024-01-15");
    assert_eq!(line("应收余额"), "0.00");
    for heading in [
        "基本资料",
        "分级与销售(截至 2024-06-30)",
        "最近交易",
        "回访记录",
        "修订记录",
    ] {
        assert!(out.lines().any(|l| l == heading), "{heading}");
    }
    assert!(!out.contains("13800138004"));
    // the last transactions, newest first
    let t2 = out.find("│ T002 ").unwrap();
    let t3 = out.find("│ T003 ").unwrap();
    assert!(t3 < t2, "{out}");
}

#[test]
fn show_finds_a_customer_by_any_of_its_keys() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&sales()), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let f = tmp.path().join("keys.csv");
    std::fs::write(
        &f,
        "客户编号,统一社会信用代码,身份证号\nC001,91440101MA5CXXXX1X,\nC005,,110105199003071238\n",
    )
    .unwrap();
    ok(&["import", f.to_str().unwrap()], dir);
    for (key, id) in [
        ("c001", "C001"),
        ("91440101MA5CXXXX1X", "C001"),
        ("110105199003071238", "C005"),
        ("138 0013 8005", "C005"),
        ("+86 13800138005", "C005"),
        ("华南建材有限公司", "C001"),
        ("华南建材 有限公司", "C001"),
    ] {
        let json = ok(
            &["show", key, "--as-of", "2024-06-30", "--format", "json"],
            dir,
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["customer"]["id"], id, "{key}");
    }
    // the revision the import made is in the file
    let json = ok(
        &["show", "C005", "--as-of", "2024-06-30", "--format", "json"],
        dir,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["changes"][0]["field"], "id_number");
    assert_eq!(v["changes"][0]["new"], "110***********1238");
    assert_eq!(v["customer"]["id_number"], "110***********1238");
}

#[test]
fn a_key_of_several_customers_lists_them_and_exits_1_an_unknown_key_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&sales()), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let f = tmp.path().join("twins.csv");
    // a second 陈小姐 with her own mobile: the name names two customers
    std::fs::write(&f, "客户名称,手机\n陈小姐,13900000005\n").unwrap();
    ok(&["import", f.to_str().unwrap()], dir);
    let out = run(&["show", "陈小姐", "--format", "csv"], dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "id,name,kind,region,city,owner,mobile,matched,score\n\
         C005,陈小姐,individual,广东省,深圳市,李娜,138****8005,key,100\n\
         C000012,陈小姐,,,,,139****0005,key,100\n"
    );
    assert_eq!(
        stderr_of(&out),
        "dangan: 2 customers match \"陈小姐\": show one of them by its archive number\n"
    );
    let out = run(&["show", "C404"], dir);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "dangan: error: no customer has the archive number, mobile, credit code, ID number or name \"C404\"; try `dangan find C404`\n"
    );
    // a mobile in an error message is masked
    let out = run(&["show", "13912345678"], dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("\"139****5678\""),
        "{}",
        stderr_of(&out)
    );
    let out = run(&["show"], dir);
    assert_eq!(out.status.code(), Some(2));
}

/// An archive of companies written in the ways people write them.
fn names_archive(root: &Path) -> String {
    let dir = root.join("names");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("customers.csv"),
        "id,name,contact,mobile,phone,address,owner,region\n\
         C001,深圳市鸿达贸易有限公司,张伟,13800138000,0755-86001234,深圳市南山区科技园,王芳,广东省\n\
         C002,鸿达贸易(深圳)有限公司,李娜,13912348000,,广州市天河区,李强,广东省\n\
         C003,宏大机械厂,赵鸿,13700001111,,佛山市顺德区,王芳,广东省\n\
         C004,北京鸿达,钱七,13600002222,010-12348000,北京市朝阳区,李强,北京市\n\
         C005,华达科技有限公司,孙八,13500003333,,上海市鸿达路8号,王芳,上海市\n",
    )
    .unwrap();
    dir.display().to_string()
}

fn found(out: &str) -> Vec<(String, String, String)> {
    out.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[7].to_string(), f[8].to_string())
        })
        .collect()
}

fn t(id: &str, matched: &str, score: &str) -> (String, String, String) {
    (id.into(), matched.into(), score.into())
}

#[test]
fn find_ranks_names_written_in_different_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = names_archive(tmp.path());
    // 北京鸿达's core is 鸿达 itself; both ways of writing 鸿达贸易 next, by
    // their core (in pinyin order: hongda…, shenzhen…); then the address
    assert_eq!(
        found(&ok(&["find", "鸿达", "--format", "csv"], &dir)),
        [
            t("C004", "name", "90"),
            t("C002", "name", "80"),
            t("C001", "name", "80"),
            t("C005", "address", "35"),
        ]
    );
    assert_eq!(
        found(&ok(&["find", "鸿达贸易", "--format", "csv"], &dir)),
        [t("C002", "name", "90"), t("C001", "name", "90")]
    );
    // pinyin in full and as initials; 宏大 sounds the same (hongda)
    assert_eq!(
        found(&ok(&["find", "hongda", "--format", "csv"], &dir)),
        [
            t("C004", "pinyin", "65"),
            t("C003", "pinyin", "65"),
            t("C002", "pinyin", "65"),
            t("C001", "pinyin", "65"),
        ]
    );
    assert_eq!(
        found(&ok(&["find", "HDMY", "--format", "csv"], &dir)),
        [t("C002", "pinyin", "55"), t("C001", "pinyin", "55")]
    );
    // a contact
    assert_eq!(
        found(&ok(&["find", "赵鸿", "--format", "csv"], &dir)),
        [t("C003", "contact", "45")]
    );
}

#[test]
fn find_by_digits_numbers_filters_and_no_match() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = names_archive(tmp.path());
    // the last four digits of a mobile or a landline rank above digits inside one
    assert_eq!(
        found(&ok(&["find", "8000", "--format", "csv"], &dir)),
        [
            t("C004", "phone", "70"),
            t("C002", "mobile", "70"),
            t("C001", "mobile", "70"),
        ]
    );
    assert_eq!(
        found(&ok(&["find", "1380013", "--format", "csv"], &dir)),
        [t("C001", "mobile", "60")]
    );
    assert_eq!(
        found(&ok(&["find", "138-0013-8000", "--format", "csv"], &dir)),
        [t("C001", "mobile", "100")]
    );
    // three digits are too few to be a phone
    assert_eq!(found(&ok(&["find", "800", "--format", "csv"], &dir)), []);
    assert_eq!(
        found(&ok(&["find", "c003", "--format", "csv"], &dir)),
        [t("C003", "id", "100")]
    );
    // --owner and --where narrow the list
    assert_eq!(
        found(&ok(
            &["find", "鸿达", "--owner", "王芳", "--format", "csv"],
            &dir
        )),
        [t("C001", "name", "80"), t("C005", "address", "35")]
    );
    assert_eq!(
        found(&ok(
            &["find", "鸿达", "--where", "地区=北京", "--format", "csv"],
            &dir
        )),
        [t("C004", "name", "90")]
    );
    assert_eq!(
        found(&ok(
            &["find", "鸿达", "--where", "address~深圳", "--format", "csv"],
            &dir
        )),
        [t("C001", "name", "80")]
    );
    // no match: the header alone, exit 0
    let out = ok(&["find", "不存在的公司", "--format", "csv"], &dir);
    assert_eq!(out, "id,name,kind,region,city,owner,mobile,matched,score\n");
    // a column the customers lack is bad usage
    let out = run(&["find", "鸿达", "--where", "colour=red"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--where colour: the customers have no such column"));
    let out = run(&["find", "鸿达", "--where", "region"], &dir);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn find_through_the_search_index_gives_the_same_answers_and_follows_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = names_archive(tmp.path());
    std::fs::write(
        Path::new(&plain).join("dangan.yaml"),
        "archive:\n  cache: false\n",
    )
    .unwrap();
    let indexed = tmp.path().join("indexed");
    copy_dir(Path::new(&plain), &indexed);
    // every file gets an index, however small
    std::fs::write(indexed.join("dangan.yaml"), "archive:\n  cache_min_mb: 0\n").unwrap();
    let indexed = indexed.display().to_string();
    let queries: [&[&str]; 8] = [
        &["鸿达"],
        &["鸿达贸易"],
        &["hongda"],
        &["hd"],
        &["8000"],
        &["c003"],
        &["鸿达", "--owner", "王芳"],
        &["鸿达", "--where", "region=北京"],
    ];
    for q in queries {
        let args: Vec<&str> = [&["find"][..], q, &["--format", "csv"]].concat();
        assert_eq!(ok(&args, &indexed), ok(&args, &plain), "{q:?}");
    }
    let idx = |dir: &str| -> Vec<String> {
        std::fs::read_dir(Path::new(dir).join(".cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("find.") && n.ends_with(".idx"))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(idx(&indexed).len(), 1);
    assert!(idx(&plain).is_empty(), "cache: false made an index");
    // an import changes the file: the next find sees the new customer, and
    // the stale index is replaced
    let old = idx(&indexed);
    let f = tmp.path().join("new.csv");
    std::fs::write(&f, "客户名称,手机\n鸿达五金店,13300001234\n").unwrap();
    ok(&["import", f.to_str().unwrap()], &indexed);
    let out = ok(&["find", "鸿达五金", "--format", "csv"], &indexed);
    assert_eq!(found(&out), [t("C000006", "name", "90")]);
    assert_eq!(idx(&indexed).len(), 1);
    assert_ne!(idx(&indexed), old);
    // a damaged index is not believed: removed, and the file is read
    let path = Path::new(&indexed).join(".cache").join(&idx(&indexed)[0]);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let out = ok(&["find", "鸿达五金", "--format", "csv"], &indexed);
    assert_eq!(found(&out), [t("C000006", "name", "90")]);
}

#[test]
fn a_standing_kept_by_due_gives_show_the_same_file_and_show_keeps_none() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let kept = tmp.path().join("kept");
    copy_dir(Path::new(&sales()), &plain);
    copy_dir(Path::new(&sales()), &kept);
    std::fs::write(plain.join("dangan.yaml"), "archive:\n  cache: false\n").unwrap();
    // every file counts as big: the standing is kept however small the archive
    std::fs::write(kept.join("dangan.yaml"), "archive:\n  cache_min_mb: 0\n").unwrap();
    let (plain, kept) = (plain.display().to_string(), kept.display().to_string());
    let standings = |dir: &str| -> Vec<String> {
        std::fs::read_dir(Path::new(dir).join(".cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("standing."))
                    .collect()
            })
            .unwrap_or_default()
    };
    let show = |id: &str, dir: &str, as_of: &str| {
        ok(&["show", id, "--as-of", as_of, "--format", "json"], dir)
    };
    let ids = [
        "C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008", "C009", "C010", "C011",
    ];
    // show counts its one customer and keeps nothing
    for id in ids {
        assert_eq!(
            show(id, &kept, "2024-06-30"),
            show(id, &plain, "2024-06-30"),
            "{id}"
        );
    }
    assert!(standings(&kept).is_empty(), "show kept a standing");
    // a command that grades everyone keeps it; every show after reads it
    ok(&["due", "--as-of", "2024-06-30"], &kept);
    ok(&["due", "--as-of", "2024-06-30"], &plain);
    assert_eq!(standings(&kept).len(), 1);
    for id in ids {
        assert_eq!(
            show(id, &kept, "2024-06-30"),
            show(id, &plain, "2024-06-30"),
            "{id}"
        );
        assert_eq!(standings(&kept).len(), 1);
    }
    assert!(standings(&plain).is_empty(), "cache: false kept a standing");
    let kept_files = |dir: &str, prefix: &str| -> usize {
        std::fs::read_dir(Path::new(dir).join(".cache"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                    .count()
            })
            .unwrap_or(0)
    };
    // the transactions came from the file of them by customer
    assert_eq!(kept_files(&kept, "tx-by-customer."), 1);
    assert_eq!(kept_files(&plain, "tx-by-customer."), 0);
    // a KEY resolved through the search index names the same customers
    for key in [
        "c004",
        "13800138004",
        "+86 138 0013 8004",
        "西南医药连锁",
        "西南医药 连锁",
    ] {
        assert_eq!(
            show(key, &kept, "2024-06-30"),
            show(key, &plain, "2024-06-30"),
            "{key}"
        );
    }
    let f = tmp.path().join("twin.csv");
    std::fs::write(
        &f,
        "客户名称,手机
陈小姐,13900000005
",
    )
    .unwrap();
    for dir in [&kept, &plain] {
        ok(&["import", f.to_str().unwrap()], dir);
    }
    let several = |dir: &str| {
        let out = run(&["show", "陈小姐", "--format", "csv"], dir);
        (out.status.code(), stdout_of(&out), stderr_of(&out))
    };
    assert_eq!(several(&kept), several(&plain));
    assert_eq!(several(&kept).0, Some(1));
    let out = run(&["show", "C404"], &kept);
    assert_eq!(out.status.code(), Some(2));
    // a new sale: another standing, the same answers as without one
    let before = standings(&kept);
    let f = tmp.path().join("tx.csv");
    std::fs::write(
        &f,
        "单号,客户编号,日期,金额,类型\nT950,C005,2024-06-25,90000.00,销售\n",
    )
    .unwrap();
    ok(&["import", f.to_str().unwrap()], &kept);
    ok(&["import", f.to_str().unwrap()], &plain);
    let json = show("C005", &kept, "2024-06-30");
    assert_eq!(json, show("C005", &plain, "2024-06-30"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["sales"]["net_sales"], "93000.00");
    assert!(
        Path::new(&kept)
            .join(".cache")
            .read_dir()
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("find.")),
        "the index was not used"
    );
    assert_eq!(v["grade"]["tier"], "A");
    // the stale standing was not read; the next grading keeps another
    ok(&["due", "--as-of", "2024-06-30"], &kept);
    assert_ne!(standings(&kept), before);
    assert_eq!(json, show("C005", &kept, "2024-06-30"));
    // another date: another standing, one kept
    assert_eq!(
        show("C001", &kept, "2024-12-31"),
        show("C001", &plain, "2024-12-31")
    );
    ok(&["due", "--as-of", "2024-12-31"], &kept);
    assert_eq!(standings(&kept).len(), 1);
    // a damaged standing is not believed
    let p = Path::new(&kept).join(".cache").join(&standings(&kept)[0]);
    std::fs::write(&p, "id,name\nC001,x\n").unwrap();
    assert_eq!(
        show("C001", &kept, "2024-12-31"),
        show("C001", &plain, "2024-12-31")
    );
}

/// An archive with an id written twice is graded in full (the count of
/// `grade_one` needs distinct ids): the other customers' grades are still
/// `classify`'s.
#[test]
fn show_on_an_archive_with_a_repeated_id_still_agrees_with_classify() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&sales()), dir.path());
    let path = dir.path().join("customers.csv");
    let mut text = read(&path);
    text.push_str("C003,北方粮油贸易二部,enterprise,粮油,山东省,济南市,,,,,,,,,王强,,,active,,2023-01-05,2024-06-01,,\n");
    std::fs::write(&path, text).unwrap();
    let csv = ok(
        &["classify", "--as-of", "2024-06-30", "--format", "csv"],
        dir.path(),
    );
    let mut checked = 0;
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == "C003" {
            continue;
        }
        let json = ok(
            &["show", f[0], "--as-of", "2024-06-30", "--format", "json"],
            dir.path(),
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["grade"]["tier"], f[7], "{}", f[0]);
        assert_eq!(v["grade"]["rfm"], f[18], "{}", f[0]);
        checked += 1;
    }
    assert_eq!(checked, 10);
}

/// The follow-ups and transactions of a big archive come from their files
/// kept by customer (`analytics::by_customer`): every customer's file is the
/// one the queries of the whole tables give, a follow-up file changed by
/// hand is seen at once, and a damaged kept file is removed and not believed.
#[test]
fn show_from_the_tables_kept_by_customer_is_the_file_of_the_queries() {
    let (_tmp, plain, kept) = plain_and_kept("due");
    // two follow-ups of C001 on one day: the file's order is kept
    let f = plain.join("followups.csv");
    let text = read(&f) + "C001,2024-06-01,微信,王芳,同日第二次,\n";
    std::fs::write(&f, &text).unwrap();
    std::fs::write(kept.join("followups.csv"), &text).unwrap();
    let kept_of = |prefix: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(kept.join(".cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
                    .collect()
            })
            .unwrap_or_default()
    };
    let show = |id: &str, dir: &Path| {
        ok(
            &["show", id, "--as-of", "2024-07-01", "--format", "json"],
            dir,
        )
    };
    let ids = [
        "C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008", "C009",
    ];
    for id in ids {
        assert_eq!(show(id, &kept), show(id, &plain), "{id}");
    }
    assert_eq!(kept_of("followups-by-customer.").len(), 1);
    assert_eq!(kept_of("tx-by-customer.").len(), 1);
    let v: serde_json::Value = serde_json::from_str(&show("C001", &kept)).unwrap();
    let notes: Vec<&str> = v["followups"]["last"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["询价", "同日第二次"]);
    // changed by hand: a new kept file for the new version
    let text = text + "C002,2024-06-20,电话,李娜,新增回访,2024-07-20\n";
    std::fs::write(plain.join("followups.csv"), &text).unwrap();
    std::fs::write(kept.join("followups.csv"), &text).unwrap();
    assert_eq!(show("C002", &kept), show("C002", &plain));
    let v: serde_json::Value = serde_json::from_str(&show("C002", &kept)).unwrap();
    assert_eq!(v["followups"]["last"][0]["note"], "新增回访");
    // damaged: cut in the middle of a row, and not believed
    for p in kept_of("followups-by-customer.") {
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 7]).unwrap();
    }
    for id in ids {
        assert_eq!(show(id, &kept), show(id, &plain), "{id} after damage");
    }
}

/// The complaints of a big archive come from their file kept by customer:
/// every customer's file is the one the query of the whole table gives.
#[test]
fn show_complaints_from_the_file_kept_by_customer_are_the_queries() {
    let (_tmp, plain, kept) = plain_and_kept("complaints");
    let csv = ok(
        &["classify", "--as-of", "2026-11-01", "--format", "csv"],
        &plain,
    );
    let mut with_complaints = 0;
    for line in csv.lines().skip(1) {
        let id = line.split(',').next().unwrap();
        let show = |dir: &Path| {
            ok(
                &["show", id, "--as-of", "2026-11-01", "--format", "json"],
                dir,
            )
        };
        let (k, p) = (show(&kept), show(&plain));
        assert_eq!(k, p, "{id}");
        let v: serde_json::Value = serde_json::from_str(&k).unwrap();
        with_complaints += usize::from(!v["complaints"].as_array().unwrap().is_empty());
    }
    assert!(with_complaints >= 2, "{with_complaints}");
    let kept_files: Vec<String> = std::fs::read_dir(kept.join(".cache"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("complaints-by-customer."))
        .collect();
    assert_eq!(kept_files.len(), 1, "{kept_files:?}");
}

/// Two copies of testdata/`name`: one that keeps everything in `.cache/`
/// however small (`cache_min_mb: 0`), one that keeps nothing.
fn plain_and_kept(name: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, kept) = (tmp.path().join("plain"), tmp.path().join("kept"));
    for d in [&plain, &kept] {
        copy_dir(Path::new(&testdata(name)), d);
    }
    let settings = std::fs::read_to_string(kept.join("dangan.yaml")).unwrap_or_default();
    for (dir, archive) in [(&kept, "cache_min_mb: 0"), (&plain, "cache: false")] {
        std::fs::write(
            dir.join("dangan.yaml"),
            format!("{settings}\narchive:\n  {archive}\n"),
        )
        .unwrap();
    }
    (tmp, plain, kept)
}

/// A command that writes the archive makes again the files `show` kept
/// (`analytics::prepared`): after an import, `show` makes nothing and gives
/// the file the plain archive gives; an archive `show` never ran on gets
/// none of them.
#[test]
fn a_write_makes_again_what_show_kept_so_the_next_show_makes_nothing() {
    let (tmp, plain, kept) = plain_and_kept("complaints");
    let never = tmp.path().join("never");
    copy_dir(&kept, &never);
    let kept_names = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(".cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let show = |dir: &Path| timed_show("C001", dir);
    let first = show(&kept);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let made = stderr_of(&first);
    for step in ["find: index built", "tx-by-customer kept", "codes: kept"] {
        assert!(made.contains(step), "{step}: {made}");
    }
    // one new sale of C001, into each archive
    let new = tmp.path().join("new.csv");
    std::fs::write(
        &new,
        "id,customer_id,date,product,category,quantity,unit_price,amount,paid,due_date,kind,region\n\
         T900,C001,2026-10-20,冰箱,家电,1,10000.00,10000.00,,2026-10-30,sale,\n",
    )
    .unwrap();
    // and a new mobile of C002: the customers file changes too
    let moved = tmp.path().join("moved.csv");
    std::fs::write(
        &moved,
        "id,name,kind,region,owner,mobile\nC002,广州新创科技有限公司,enterprise,广东省,王芳,13900139002\n",
    )
    .unwrap();
    let new = new.to_str().unwrap();
    for dir in [&plain, &kept, &never] {
        ok(&["import", new, "--table", "transactions"], dir);
        ok(
            &["import", moved.to_str().unwrap(), "--table", "customers"],
            dir,
        );
    }
    let prefixes = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .map(|n| n.split('.').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        prefixes(&kept_names(&kept)),
        [
            "codes",
            "complaints-by-customer",
            "customers",
            "find",
            "followups-by-customer",
            "tx-by-customer"
        ],
        "{:?}",
        kept_names(&kept)
    );
    assert_eq!(kept_names(&never), Vec::<String>::new());
    let again = show(&kept);
    assert_eq!(again.status.code(), Some(0), "{}", stderr_of(&again));
    let timing = stderr_of(&again);
    for step in [
        "index built",
        "by-customer kept",
        "codes: kept",
        "codes: read from",
    ] {
        assert!(!timing.contains(step), "{step}: {timing}");
    }
    let plain_show = ok(
        &["show", "C001", "--as-of", "2026-11-01", "--format", "json"],
        &plain,
    );
    assert_eq!(stdout_of(&again), plain_show);
    let v: serde_json::Value = serde_json::from_str(&plain_show).unwrap();
    assert_eq!(v["transactions"][0]["id"], "T900", "{v}");
}

/// `archive.prepare: false`: a write leaves `show`'s files to the next
/// `show`, which makes them and gives the same file.
#[test]
fn with_prepare_off_the_next_show_makes_the_files_itself() {
    let (tmp, plain, kept) = plain_and_kept("complaints");
    let settings = read(kept.join("dangan.yaml")) + "  prepare: false\n";
    std::fs::write(kept.join("dangan.yaml"), settings).unwrap();
    let show = |dir: &Path| timed_show("C002", dir);
    assert_eq!(show(&kept).status.code(), Some(0));
    let moved = tmp.path().join("moved.csv");
    std::fs::write(
        &moved,
        "id,name,kind,region,owner,mobile\nC002,广州新创科技有限公司,enterprise,广东省,王芳,13900139002\n",
    )
    .unwrap();
    for dir in [&plain, &kept] {
        let out = dangan()
            .args(["import", moved.to_str().unwrap(), "--table", "customers"])
            .arg("--archive")
            .arg(dir)
            .env("DANGAN_TIMING", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        assert!(!stderr_of(&out).contains("prepare:"), "{}", stderr_of(&out));
    }
    let again = show(&kept);
    let timing = stderr_of(&again);
    assert!(timing.contains("find: index built"), "{timing}");
    let plain_show = ok(
        &["show", "C002", "--as-of", "2026-11-01", "--format", "json"],
        &plain,
    );
    assert_eq!(stdout_of(&again), plain_show);
    // the new mobile, masked
    assert!(
        plain_show.contains(r#""mobile": "139****9002""#),
        "{plain_show}"
    );
}

/// `show ID --as-of 2026-11-01 --format json` with `DANGAN_TIMING` set: its
/// stderr says which kept files it made.
fn timed_show(id: &str, dir: &Path) -> std::process::Output {
    dangan()
        .args(["show", id, "--as-of", "2026-11-01", "--format", "json"])
        .arg("--archive")
        .arg(dir)
        .env("DANGAN_TIMING", "1")
        .output()
        .unwrap()
}
