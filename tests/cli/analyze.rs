//! `dangan analyze` on the hand-made archive testdata/sales (as of 2024-06-30:
//! period 2023-07-01..2024-06-30, previous 2022-07-01..2023-06-30). Worked by
//! hand: T005 (C002, a 浙江省 customer) is booked to 上海市 and T013 (C008,
//! 福建省) to 广东省; T003 is a discount and T017 a return (both taken off);
//! T007 is after the as-of date; T018's customer is not in the archive (its
//! group is blank); net amount of the period 100,100.00, of the previous 5,800.00.
//! Shares are largest-remainder rounded: 54000/100100 = 53.946 % gets the
//! fifth extra hundredth, so the column adds up to exactly 100.00.

use crate::common::*;
use std::path::Path;

fn analyze(args: &[&str]) -> std::process::Output {
    dangan()
        .arg("analyze")
        .args(args)
        .arg("--archive")
        .arg(testdata("sales"))
        .output()
        .unwrap()
}

fn csv_of(args: &[&str]) -> String {
    let mut a = args.to_vec();
    a.extend(["--format", "csv"]);
    let out = analyze(&a);
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

/// The sum of a percentage column, in hundredths.
fn column_sum(csv: &str, name: &str) -> i64 {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records()
        .map(|rec| {
            let v = rec.unwrap()[i].replace('.', "");
            v.parse::<i64>().unwrap()
        })
        .sum()
}

#[test]
fn region_with_transaction_regions_overriding() {
    let got = csv_of(&["region"]);
    // the table is tests/common's SALES_REGION (the binary-copy tests use it too)
    assert_eq!(got, SALES_REGION);
    assert_eq!(column_sum(&got, "share"), 10000);
}

#[test]
fn region_drills_down_to_city() {
    let got = csv_of(&["region", "--by", "region,city"]);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(
        lines[0],
        "region,city,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change"
    );
    assert_eq!(
        lines[1],
        "广东省,广州市,1,1,1000,50000.00,49.95,49.95,0.00,"
    );
    // booked to another region: the customer's city does not follow
    assert_eq!(lines[4], "上海市,,1,1,6000,6000.00,5.99,86.91,0.00,");
    assert_eq!(lines[9], "广东省,,1,1,3,600.00,0.60,99.50,0.00,");
    assert_eq!(lines[12], "上海市,上海市,1,2,2,-400.00,-0.40,100.00,0.00,");
    assert_eq!(lines.len(), 13);
    assert_eq!(column_sum(&got, "share"), 10000);
}

#[test]
fn top_folds_the_rest_with_distinct_customers() {
    let got = csv_of(&["region", "--top", "3"]);
    // (other): 浙江省 C002, 上海市 C002+C009, 江苏省 C006, 湖北省 C007, blank C999
    // → 5 distinct customers, not 6
    assert_eq!(
        got,
        "\
region,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change
广东省,4,4,1015.5,54000.00,53.95,53.95,0.00,
四川省,1,2,2000,19000.00,18.98,72.93,0.00,
山东省,1,1,2400,12000.00,11.99,84.92,0.00,
(other),5,7,13212,15100.00,15.08,100.00,5000.00,202.00
"
    );
}

/// 医药: a sale of 20,000.00 less a 1,000.00 discount (no goods move);
/// 家具: 500.00 sold, 900.00 returned (3 pieces back). Shares: floors add up
/// to 99.96 %, the largest remainders (50500, 12000, 2000, 3000) get the rest.
#[test]
fn product_nets_returns_and_discounts() {
    let got = csv_of(&["product"]);
    assert_eq!(
        got,
        "\
category,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change
建材,2,2,1010,50500.00,50.45,50.45,0.00,
医药,1,2,2000,19000.00,18.98,69.43,0.00,
食品,4,4,2605.5,14000.00,13.98,83.41,5800.00,141.38
五金,1,2,12000,12000.00,11.99,95.40,0.00,
美妆,1,1,10,3000.00,3.00,98.40,0.00,
包装,1,1,1000,2000.00,2.00,100.40,0.00,
家具,1,2,2,-400.00,-0.40,100.00,0.00,
"
    );
    let drill = csv_of(&["product", "--by", "category,product", "--top", "2"]);
    assert_eq!(
        drill.lines().nth(3).unwrap(),
        "(other),(other),8,10,15617.5,30600.00,30.57,100.00,5800.00,427.59"
    );
}

#[test]
fn sales_by_tier_uses_the_classification() {
    // A: C001 C004 C002; B: C003 C005; C: the rest; blank: the unknown customer
    assert_eq!(
        csv_of(&["sales"]),
        "\
tier,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change
A,3,5,15000,81000.00,80.92,80.92,0.00,
B,2,2,2410,15000.00,14.98,95.90,0.00,
C,5,6,1207.5,3600.00,3.60,99.50,5800.00,-37.93
,1,1,10,500.00,0.50,100.00,0.00,
"
    );
}

#[test]
fn kind_and_owner() {
    let kind = csv_of(&["kind"]);
    assert_eq!(
        kind.lines().nth(1).unwrap(),
        "enterprise,5,7,6402,82600.00,82.52,82.52,0.00,"
    );
    let owner = csv_of(&["owner"]);
    assert_eq!(
        owner.lines().nth(1).unwrap(),
        "张伟,3,3,3600,63000.00,62.94,62.94,5000.00,1160.00"
    );
}

#[test]
fn months_compare_with_one_period_earlier() {
    // a quarter: each month against the same month of the quarter before
    assert_eq!(
        csv_of(&["month", "--period", "2024Q1"]),
        "\
month,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change
2024-01,2,2,2010,20500.00,87.23,87.23,-900.00,2377.78
2024-02,2,2,200,0.00,0.00,87.23,0.00,
2024-03,1,1,10,3000.00,12.77,100.00,2000.00,50.00
"
    );
    // twelve months: every month shown, 2023-11 without transactions too
    let year = csv_of(&["month"]);
    assert_eq!(year.lines().count(), 13);
    assert!(
        year.contains("\n2023-11,0,0,0,0.00,0.00,6.19,0.00,\n"),
        "{year}"
    );
    assert!(
        year.contains("\n2023-12,1,1,1000,2000.00,2.00,8.19,800.00,150.00\n"),
        "{year}"
    );
}

#[test]
fn an_empty_period_is_an_empty_table() {
    for view in ["region", "product", "month", "sales"] {
        let out = analyze(&[view, "--period", "2020", "--format", "csv"]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout_of(&out).lines().count(), 1, "{view}");
    }
    let out = analyze(&[
        "region", "--period", "2020", "--format", "table", "--lang", "zh",
    ]);
    assert!(stdout_of(&out).contains("本期没有交易"));
}

#[test]
fn credit_ageing_on_a_fixed_date() {
    assert_eq!(
        csv_of(&["credit", "--by", "customer_id", "--as-of", "2024-08-15"]),
        "\
customer_id,customers,outstanding,not_due,days_1_30,days_31_90,days_91_180,days_over_180,overdue,credits,credit_limit,over_limit,share
C001,1,20000.00,0.00,0.00,20000.00,0.00,0.00,20000.00,0.00,10000.00,1,71.43
C003,1,5000.00,0.00,5000.00,0.00,0.00,0.00,5000.00,0.00,0.00,0,17.86
C005,1,3000.00,0.00,0.00,0.00,3000.00,0.00,3000.00,0.00,0.00,0,10.71
C002,0,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,100000.00,0,0.00
"
    );
    // at 2024-06-30: C001 not yet due, C005 90 days past due, T007 not yet sold
    assert_eq!(
        csv_of(&["credit", "--as-of", "2024-06-30"]),
        "\
owner,customers,outstanding,not_due,days_1_30,days_31_90,days_91_180,days_over_180,overdue,credits,credit_limit,over_limit,share
张伟,1,20000.00,20000.00,0.00,0.00,0.00,0.00,0.00,0.00,10000.00,1,86.96
李娜,1,3000.00,0.00,0.00,3000.00,0.00,0.00,3000.00,0.00,100000.00,0,13.04
"
    );
}

#[test]
fn people_get_a_titled_table_with_totals() {
    let out = analyze(&["region", "--format", "markdown", "--lang", "zh"]);
    let s = stdout_of(&out);
    assert!(
        s.starts_with("### 地区构成 — 期间 2023-07-01..2024-06-30，上期 2022-07-01..2023-06-30\n"),
        "{s}"
    );
    assert!(
        s.contains("| (未填写) | 1 | 1 | 10 | 500.00 | 0.50 | 100.00 | 0.00 |  |"),
        "{s}"
    );
    assert!(
        s.contains(
            "| (合计) | 11 | 14 | 18,627.5 | 100,100.00 | 100.00 | 100.00 | 5,800.00 | 1,625.86 |"
        ),
        "{s}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&analyze(&["region", "--format", "json"]).stdout).unwrap();
    let first = &json[0];
    assert_eq!(first["region"], "广东省");
    assert_eq!(first["quantity"], 1015.5);
    assert_eq!(first["amount"], "54000.00");
    assert_eq!(first["share"], 53.95);
    assert!(first["change"].is_null());
    assert_eq!(json.as_array().unwrap().len(), 8, "no total row in JSON");
}

#[test]
fn bad_usage_exits_2() {
    for (args, msg) in [
        (vec!["colours"], "invalid value"),
        (vec!["region", "--by", "colour"], "cannot group by"),
        (vec!["region", "--top", "0"], "--top"),
        (vec!["credit", "--by", "product"], "credit is per customer"),
    ] {
        let out = analyze(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_of(&out).contains(msg),
            "{args:?}: {}",
            stderr_of(&out)
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = dangan()
        .args(["analyze", "region", "--archive"])
        .arg(tmp.path())
        .output()
        .unwrap();
    // an archive with no transactions: an empty table, not an error
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let _ = Path::new(".");
}

/// The same archive with a UTF-8 BOM on its CSVs (`archive.bom: true`), and
/// with its transactions as YAML, gives the same tables.
#[test]
fn bom_and_yaml_archives_give_the_same_tables() {
    let expected: Vec<String> = ["region", "product", "credit"]
        .iter()
        .map(|v| csv_of(&[v]))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let bom = tmp.path().join("bom");
    copy_dir(Path::new(&testdata("sales")), &bom);
    for f in ["customers.csv", "transactions.csv"] {
        let p = bom.join(f);
        let text = read(&p);
        std::fs::write(&p, format!("\u{feff}{text}")).unwrap();
    }
    let yaml = tmp.path().join("yaml");
    copy_dir(Path::new(&testdata("sales")), &yaml);
    let mut r = csv::Reader::from_path(yaml.join("transactions.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let rows: Vec<serde_yaml::Mapping> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .zip(rec.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.into(), v.into()))
                .collect()
        })
        .collect();
    std::fs::remove_file(yaml.join("transactions.csv")).unwrap();
    std::fs::write(
        yaml.join("transactions.yaml"),
        serde_yaml::to_string(&rows).unwrap(),
    )
    .unwrap();
    for dir in [&bom, &yaml] {
        for (view, want) in ["region", "product", "credit"].iter().zip(&expected) {
            let out = dangan()
                .args(["analyze", view, "--format", "csv", "--archive"])
                .arg(dir)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr_of(&out));
            assert_eq!(&stdout_of(&out), want, "{view} in {}", dir.display());
        }
    }
}

/// The tables summed from the transactions' facts (`src/analytics/facts.rs`,
/// kept here for the demo's small files by `cache_min_mb: 0`) are the ones
/// polars groups from the frame: a `--where` that every customer of the
/// demo passes sends the same views through polars (a filter is not what
/// the facts hold).
#[test]
fn facts_and_polars_give_the_same_tables_on_the_demo() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo"),
        tmp.path(),
    );
    let yaml = tmp.path().join("dangan.yaml");
    let settings = std::fs::read_to_string(&yaml).unwrap();
    assert!(settings.contains("\narchive:\n"));
    std::fs::write(
        &yaml,
        settings.replacen("\narchive:\n", "\narchive:\n  cache_min_mb: 0\n", 1),
    )
    .unwrap();
    let demo = tmp.path().to_path_buf();
    let run = |args: &[&str], filter: bool| {
        let mut c = dangan();
        c.args(args)
            .args(["--as-of", "2026-11-01", "--format", "csv", "--archive"])
            .arg(&demo);
        if filter {
            c.args(["--where", "id!=NOBODY"]);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        stdout_of(&out)
    };
    for args in [
        &["analyze", "region"][..],
        &["analyze", "product"],
        &["analyze", "month"],
        &["analyze", "product", "--by", "category,product"],
        &["analyze", "product", "--by", "category"],
        &["analyze", "region", "--top", "3"],
        &["analyze", "product", "--by", "month,region", "--top", "5"],
        &["analyze", "month", "--period", "3m"],
        &["analyze", "region", "--period", "1m"],
    ] {
        let (facts, polars) = (run(args, false), run(args, true));
        assert!(facts.lines().count() > 2, "{args:?}: {facts}");
        assert_eq!(facts, polars, "{args:?}");
    }
    let kept = std::fs::read_dir(demo.join(".cache")).unwrap();
    assert!(
        kept.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("facts.f2."))
    );
}
