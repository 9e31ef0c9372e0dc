//! The archive read one way, whoever wrote it (issue 15, SPEC.md "Reading the
//! archive"): the demo archive rewritten as Excel, WPS, DuckDB and people
//! write it gives byte-identical output from every aggregating command in
//! every machine format; one unreadable cell stops every command that reads
//! its table with the same `file:line: column` message and exit 2.

use crate::common::*;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-11-01";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

/// How a variant writes a CSV file.
#[derive(Clone, Copy, Default)]
struct Style {
    quote_all: bool,
    bom: bool,
    crlf: bool,
    gbk: bool,
}

const MONEY: [&str; 4] = ["credit_limit", "unit_price", "amount", "paid"];
const DATES: [&str; 8] = [
    "birthday",
    "created",
    "updated",
    "date",
    "due_date",
    "next_date",
    "responded",
    "resolved",
];
const TABLES: [&str; 4] = ["customers", "transactions", "followups", "complaints"];

/// The demo archive in `to`, every cell passed through `cell(table, column,
/// value)`, each CSV written in `style`.
fn variant(to: &Path, style: Style, cell: impl Fn(&str, &str, &str) -> String) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(demo().join("dangan.yaml"), to.join("dangan.yaml")).unwrap();
    for table in TABLES {
        let mut r = csv::Reader::from_path(demo().join(format!("{table}.csv"))).unwrap();
        let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut w = csv::WriterBuilder::new()
            .quote_style(if style.quote_all {
                csv::QuoteStyle::Always
            } else {
                csv::QuoteStyle::Necessary
            })
            .terminator(if style.crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(Vec::new());
        w.write_record(&headers).unwrap();
        for rec in r.records() {
            let rec = rec.unwrap();
            let row: Vec<String> = headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| cell(table, h, v))
                .collect();
            w.write_record(&row).unwrap();
        }
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let mut bytes = Vec::new();
        if style.bom {
            bytes.extend_from_slice("\u{feff}".as_bytes());
        }
        if style.gbk {
            let (enc, _, bad) = encoding_rs::GBK.encode(&text);
            assert!(!bad, "{table}: not all of it is GBK");
            bytes.extend_from_slice(&enc);
        } else {
            bytes.extend_from_slice(text.as_bytes());
        }
        std::fs::write(to.join(format!("{table}.csv")), bytes).unwrap();
    }
}

/// A date cell written another way: `2026-08-15` → `how(2026, 8, 15)`; a
/// moment's time is kept after it (`2026-08-15 09:30` → `2026/8/15 09:30`).
fn redate(column: &str, v: &str, how: fn(&str, u32, u32) -> String) -> String {
    if !DATES.contains(&column) || v.len() < 10 {
        return v.to_string();
    }
    let (y, m, d) = (&v[..4], &v[5..7], &v[8..10]);
    how(y, m.parse().unwrap(), d.parse().unwrap()) + &v[10..]
}

/// `1234567.80` → `¥1,234,567.80`
fn with_separators(v: &str) -> String {
    let (neg, v) = v.strip_prefix('-').map_or((false, v), |r| (true, r));
    let (int, frac) = v.split_once('.').unwrap_or((v, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}¥{grouped}.{frac}", if neg { "-" } else { "" })
}

fn in_chinese(table: &str, column: &str, v: &str) -> String {
    let set: &[(&str, &str)] = match (table, column) {
        ("customers", "kind") => &[
            ("individual", "个人"),
            ("enterprise", "企业"),
            ("government", "政府机构"),
            ("distributor", "经销商"),
            ("partner", "交易伙伴"),
            ("other", "其他"),
        ],
        ("customers", "status") => &[
            ("potential", "潜在"),
            ("active", "交易中"),
            ("dormant", "休眠"),
            ("lost", "流失"),
        ],
        ("transactions", "kind") => &[("sale", "销售"), ("return", "退货"), ("discount", "折价")],
        ("complaints", "severity") => &[("major", "重大"), ("serious", "严重"), ("minor", "一般")],
        (_, "satisfaction") => &[
            ("5", "非常满意"),
            ("4", "满意"),
            ("3", "基本满意"),
            ("2", "不满意"),
            ("1", "很不满意"),
        ],
        _ => &[],
    };
    set.iter()
        .find(|(en, _)| *en == v)
        .map_or(v.to_string(), |(_, zh)| zh.to_string())
}

/// The demo archive as YAML files (every value a string, empty ones left out).
fn yaml_copy(to: &Path, cell: impl Fn(&str, &str, &str) -> String) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(demo().join("dangan.yaml"), to.join("dangan.yaml")).unwrap();
    for table in TABLES {
        let mut r = csv::Reader::from_path(demo().join(format!("{table}.csv"))).unwrap();
        let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut items = Vec::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            let mut m = serde_yaml::Mapping::new();
            for (h, v) in headers.iter().zip(rec.iter()) {
                let v = cell(table, h, v);
                if !v.is_empty() {
                    m.insert(h.clone().into(), v.into());
                }
            }
            items.push(m);
        }
        let f = std::fs::File::create(to.join(format!("{table}.yaml"))).unwrap();
        serde_yaml::to_writer(f, &items).unwrap();
    }
}

/// Every aggregating command in every machine format, run in `dir` (paths
/// in the output are then the same for every variant).
fn runs() -> Vec<Vec<String>> {
    let mut runs = Vec::new();
    for fmt in ["csv", "json", "yaml"] {
        runs.push(vec!["classify".into(), "--format".into(), fmt.into()]);
        for view in [
            "sales",
            "region",
            "product",
            "kind",
            "owner",
            "month",
            "credit",
            "complaints",
            "satisfaction",
        ] {
            runs.push(vec![
                "analyze".into(),
                view.into(),
                "--format".into(),
                fmt.into(),
            ]);
        }
    }
    runs.push(vec!["report".into(), "--format".into(), "json".into()]);
    runs
}

fn outputs(dir: &Path) -> Vec<(String, std::process::Output)> {
    runs()
        .into_iter()
        .map(|args| {
            let out = dangan()
                .current_dir(dir)
                .args(&args)
                .args(["--archive", ".", "--as-of", AS_OF])
                .output()
                .unwrap();
            (args.join(" "), out)
        })
        .collect()
}

fn assert_same_outputs(base: &[(String, std::process::Output)], dir: &Path, what: &str) {
    for ((cmd, want), (_, got)) in base.iter().zip(outputs(dir)) {
        assert!(want.status.success(), "demo: {cmd}: {}", stderr_of(want));
        assert!(
            got.status.success(),
            "{what}: {cmd}: exit {:?}: {}",
            got.status.code(),
            stderr_of(&got)
        );
        assert!(
            want.stdout == got.stdout,
            "{what}: `{cmd}` differs from the demo archive's:\n--- demo\n{}\n--- {what}\n{}",
            stdout_of(want),
            stdout_of(&got)
        );
    }
}

type Cell = fn(&str, &str, &str) -> String;

fn variants() -> Vec<(&'static str, Style, Cell)> {
    let same: Cell = |_, _, v| v.to_string();
    vec![
        (
            "quoted-all",
            Style {
                quote_all: true,
                ..Style::default()
            },
            same,
        ),
        (
            "GBK with CRLF",
            Style {
                gbk: true,
                crlf: true,
                ..Style::default()
            },
            same,
        ),
        (
            "UTF-8 with BOM",
            Style {
                bom: true,
                ..Style::default()
            },
            same,
        ),
        ("dates as 2026/8/15", Style::default(), |_, c, v| {
            redate(c, v, |y, m, d| format!("{y}/{m}/{d}"))
        }),
        ("dates as 2026年8月15日", Style::default(), |_, c, v| {
            redate(c, v, |y, m, d| format!("{y}年{m}月{d}日"))
        }),
        ("dates as 20260815", Style::default(), |_, c, v| {
            redate(c, v, |y, m, d| format!("{y}{m:02}{d:02}"))
        }),
        (
            "amounts with separators and ¥",
            Style::default(),
            |_, c, v| {
                if MONEY.contains(&c) && !v.is_empty() {
                    with_separators(v)
                } else {
                    v.to_string()
                }
            },
        ),
        (
            "kinds and statuses in Chinese",
            Style::default(),
            in_chinese,
        ),
        (
            "all at once, quoted, GBK, CRLF",
            Style {
                quote_all: true,
                gbk: true,
                crlf: true,
                bom: false,
            },
            |t, c, v| {
                let v = redate(c, v, |y, m, d| format!("{y}年{m}月{d}日"));
                // ￥ (full-width): GBK has no ¥
                let v = if MONEY.contains(&c) && !v.is_empty() {
                    with_separators(&v).replace('¥', "￥")
                } else {
                    v
                };
                in_chinese(t, c, &v)
            },
        ),
    ]
}

#[test]
fn every_variant_of_the_demo_gives_the_same_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let base_dir = tmp.path().join("demo");
    copy_dir(&demo(), &base_dir);
    let base = outputs(&base_dir);
    for (i, (what, style, cell)) in variants().into_iter().enumerate() {
        let dir = tmp.path().join(format!("v{i}"));
        variant(&dir, style, cell);
        assert_same_outputs(&base, &dir, what);
    }
    let dir = tmp.path().join("yaml");
    yaml_copy(&dir, |_, _, v| v.to_string());
    assert_same_outputs(&base, &dir, "a YAML copy");
    let dir = tmp.path().join("yaml-people");
    yaml_copy(&dir, |t, c, v| {
        in_chinese(t, c, &redate(c, v, |y, m, d| format!("{y}/{m}/{d}")))
    });
    assert_same_outputs(
        &base,
        &dir,
        "a YAML copy with Chinese kinds and 2026/8/15 dates",
    );
}

/// The kept codes and facts (`src/analytics/codes.rs`, `facts.rs`, here
/// kept for the demo's small files by `cache_min_mb: 0`) of every variant
/// give the demo's numbers too: made from the one reading, on the run that
/// makes them and on the run that reads them (issue 21).
#[test]
fn every_variant_gives_the_same_numbers_from_its_codes_and_facts() {
    let tmp = tempfile::tempdir().unwrap();
    let base_dir = tmp.path().join("demo");
    copy_dir(&demo(), &base_dir);
    let views: [&[&str]; 5] = [
        &["classify"],
        &["analyze", "region"],
        &["analyze", "product"],
        &["analyze", "month"],
        &["analyze", "product", "--by", "month,category", "--top", "7"],
    ];
    let run = |dir: &Path, args: &[&str]| {
        let out = dangan()
            .current_dir(dir)
            .args(args)
            .args(["--archive", ".", "--as-of", AS_OF, "--format", "csv"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        stdout_of(&out)
    };
    let want: Vec<String> = views.iter().map(|v| run(&base_dir, v)).collect();
    for (i, (what, style, cell)) in variants().into_iter().enumerate() {
        let dir = tmp.path().join(format!("v{i}"));
        variant(&dir, style, cell);
        let yaml = dir.join("dangan.yaml");
        let settings = read(&yaml);
        assert!(settings.contains("\narchive:\n"), "{settings}");
        std::fs::write(
            &yaml,
            settings.replacen("\narchive:\n", "\narchive:\n  cache_min_mb: 0\n", 1),
        )
        .unwrap();
        for round in ["making", "reading"] {
            for (v, w) in views.iter().zip(&want) {
                assert_eq!(
                    &run(&dir, v),
                    w,
                    "{what}, {round} the codes and facts: {v:?}"
                );
            }
        }
        let kept: Vec<String> = std::fs::read_dir(dir.join(".cache"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            kept.iter().any(|n| n.starts_with("codes.k2.")),
            "{what}: {kept:?}"
        );
        assert!(
            kept.iter().any(|n| n.starts_with("facts.f2.")),
            "{what}: {kept:?}"
        );
    }
}

/// The canonical files of an archive directory (name → bytes).
fn tables(dir: &Path) -> Vec<(String, Vec<u8>)> {
    TABLES
        .iter()
        .flat_map(|t| ["csv", "yaml"].map(|e| format!("{t}.{e}")))
        .filter(|n| dir.join(n).exists())
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap();
            (n, b)
        })
        .collect()
}

fn fmt(dir: &Path, check: bool) -> std::process::Output {
    let mut c = dangan();
    c.args(["fmt", "--archive"])
        .arg(dir)
        .args(["--format", "csv"]);
    if check {
        c.arg("--check");
    }
    c.output().unwrap()
}

#[test]
fn fmt_gives_every_variant_back_canonical_byte_for_byte_and_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let base_dir = tmp.path().join("demo");
    copy_dir(&demo(), &base_dir);
    let out = fmt(&base_dir, false);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let canonical = tables(&base_dir);
    let out = fmt(&base_dir, true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    for (i, (what, style, cell)) in variants().into_iter().enumerate() {
        let dir = tmp.path().join(format!("v{i}"));
        variant(&dir, style, cell);
        let check = fmt(&dir, true);
        assert_eq!(check.status.code(), Some(1), "{what}: --check must find it");
        assert!(
            stdout_of(&check).starts_with("file,line,column,old,new\n"),
            "{what}: {}",
            stdout_of(&check)
        );
        let before = snapshot(&dir);
        let out = fmt(&dir, false);
        assert!(out.status.success(), "{what}: {}", stderr_of(&out));
        // the listing of the rewrite is the listing of the check
        assert_eq!(stdout_of(&out), stdout_of(&check), "{what}");
        assert!(
            tables(&dir) == canonical,
            "{what}: fmt did not give the canonical files back"
        );
        // the old files are in the backup, byte for byte
        let backups: Vec<_> = std::fs::read_dir(dir.join(".backup")).unwrap().collect();
        assert_eq!(backups.len(), 1, "{what}");
        let b = backups[0].as_ref().unwrap().path();
        for (name, bytes) in &before {
            let now = std::fs::read(dir.join(name)).unwrap();
            if now != *bytes {
                assert_eq!(
                    &std::fs::read(b.join(name)).unwrap(),
                    bytes,
                    "{what}: {name:?}"
                );
            }
        }
        let again = fmt(&dir, true);
        assert_eq!(
            again.status.code(),
            Some(0),
            "{what}: {}",
            stdout_of(&again)
        );
        assert_eq!(stdout_of(&again), "file,line,column,old,new\n", "{what}");
    }
    // YAML stays YAML: the people's YAML comes back as the canonical YAML
    let canon_yaml = tmp.path().join("yaml-canonical");
    yaml_copy(&canon_yaml, |_, _, v| v.to_string());
    assert!(fmt(&canon_yaml, false).status.success());
    let want = tables(&canon_yaml);
    let people = tmp.path().join("yaml-people");
    yaml_copy(&people, |t, c, v| {
        in_chinese(t, c, &redate(c, v, |y, m, d| format!("{y}年{m}月{d}日")))
    });
    assert_eq!(fmt(&people, true).status.code(), Some(1));
    assert!(fmt(&people, false).status.success());
    assert!(tables(&people) == want, "YAML: not the canonical YAML");
    assert_eq!(fmt(&people, true).status.code(), Some(0));
}

#[test]
fn fmt_check_lists_the_cells_it_would_rewrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    variant(
        &dir,
        Style {
            crlf: true,
            ..Style::default()
        },
        |t, c, v| match (t, c, v) {
            ("transactions", "amount", "2189.00") => "¥2,189".into(),
            ("transactions", "kind", "return") => "退货".into(),
            ("followups", "date", "2026-07-24") => "2026/7/24".into(),
            _ => v.into(),
        },
    );
    let out = fmt(&dir, true);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    let d = dir.display();
    assert!(
        text.contains(&format!("{d}/transactions.csv,0,*,,line ends CRLF → LF\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{d}/transactions.csv,2,amount,\"¥2,189\",2189.00\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{d}/followups.csv,2,date,2026/7/24,2026-07-24\n")),
        "{text}"
    );
    assert!(text.contains(",kind,退货,return\n"), "{text}");
    assert!(
        stderr_of(&out).contains("4 file(s) not canonical"),
        "{}",
        stderr_of(&out)
    );
    // --check wrote nothing
    assert!(!dir.join(".backup").exists());
}

/// `dir` with one cell of `table` replaced.
fn with_bad_cell(dir: &Path, table: &str, row: usize, column: &str, value: &str) {
    let path = dir.join(format!("{table}.csv"));
    let mut r = csv::Reader::from_path(&path).unwrap();
    let headers = r.headers().unwrap().clone();
    let at = headers.iter().position(|h| h == column).unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for (i, rec) in r.records().enumerate() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(String::from).collect();
        if i + 1 == row {
            rec[at] = value.to_string();
        }
        w.write_record(&rec).unwrap();
    }
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
}

/// table, data row, column, the bad value, the message, the commands that read it
type BadCell = (
    &'static str,
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static [&'static str]],
);

#[test]
fn one_unreadable_cell_stops_every_command_with_the_same_message() {
    let cases: [BadCell; 5] = [
        (
            "transactions",
            41,
            "amount",
            "12..50",
            "transactions.csv:42: column amount: \"12..50\": not an amount; write an amount \
             in yuan, e.g. 1234.50 (¥, 元, 万 and thousands separators are read) \
             (`dangan validate` lists every such cell)",
            &[
                &["classify"],
                &["analyze", "month"],
                &["analyze", "region"],
                &["analyze", "credit"],
                &["report"],
                &["fmt"],
                &["fmt", "--check"],
            ],
        ),
        (
            "customers",
            7,
            "status",
            "暂停",
            "customers.csv:8: column status: \"暂停\": not one of potential, active, dormant, \
             lost; write one of potential (潜在), active (交易中), dormant (休眠), lost (流失) \
             (`dangan validate` lists every such cell)",
            &[
                &["classify"],
                &["analyze", "region"],
                &["analyze", "credit"],
                &["report"],
                &["fmt"],
            ],
        ),
        (
            "followups",
            3,
            "next_date",
            "下周二",
            "followups.csv:4: column next_date: \"下周二\": not a date; write a date, e.g. \
             2026-08-15 (2026/8/15, 2026年8月15日 and 20260815 are read) (`dangan validate` \
             lists every such cell)",
            &[&["report"], &["fmt"]],
        ),
        (
            "complaints",
            5,
            "responded",
            "第二天上午",
            "complaints.csv:6: column responded: \"第二天上午\": not a date and time; write a \
             date, or a date and time, e.g. 2026-08-15 14:30 (2026/8/15 下午2:30 and \
             2026年8月15日14时30分 are read) (`dangan validate` lists every such cell)",
            &[
                &["classify"],
                &["analyze", "complaints"],
                &["report"],
                &["fmt"],
            ],
        ),
        (
            "followups",
            8,
            "satisfaction",
            "4.5",
            "followups.csv:9: column satisfaction: \"4.5\": not a satisfaction score from 1 \
             to 5; write 1, 2, 3, 4 or 5 (非常满意, 满意, 基本满意, 不满意, 非常不满意, 4分 and \
             ★★★★ are read) (`dangan validate` lists every such cell)",
            &[&["analyze", "satisfaction"], &["report"], &["fmt"]],
        ),
    ];
    for (table, row, column, value, message, commands) in cases {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&demo(), tmp.path());
        with_bad_cell(tmp.path(), table, row, column, value);
        let before = snapshot(tmp.path());
        for args in commands {
            let mut c = dangan();
            c.current_dir(tmp.path())
                .args(*args)
                .args(["--archive", ".", "--format", "csv"]);
            if args[0] != "fmt" {
                c.args(["--as-of", AS_OF]);
            }
            let out = c.output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
            assert_eq!(
                stderr_of(&out),
                format!("dangan: error: ./{message}\n"),
                "{args:?}"
            );
            assert_eq!(stdout_of(&out), "", "{args:?}");
        }
        assert!(
            snapshot(tmp.path()) == before,
            "{table}: the archive changed"
        );
        // validate names the same cell as a finding
        let out = dangan()
            .current_dir(tmp.path())
            .args([
                "validate",
                "--archive",
                ".",
                "--as-of",
                AS_OF,
                "--format",
                "csv",
            ])
            .output()
            .unwrap();
        let text = stdout_of(&out);
        let line = row + 1;
        assert!(
            text.lines().any(|l| l.contains(&format!("{table},{line},"))
                && l.contains(column)
                && l.contains(value)),
            "validate does not name {table}:{line} {column}:\n{text}"
        );
    }
}

/// The views read only the rows of their two periods from a CSV
/// (`read::frame::read_dated`); a row dated long before them is still read
/// and checked: its bad cell stops every command as one in the period does,
/// and the numbers of a row outside the periods are the same as without it.
#[test]
fn a_bad_cell_outside_the_periods_still_stops_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo(), tmp.path());
    with_bad_cell(tmp.path(), "transactions", 41, "date", "2019/3/5");
    // a good row of 2019 is in no view of 2024-11..2026-10
    let base = tempfile::tempdir().unwrap();
    copy_dir(&demo(), base.path());
    let view = |dir: &Path, v: &str| {
        let out = dangan()
            .args([
                "analyze",
                v,
                "--as-of",
                AS_OF,
                "--format",
                "csv",
                "--archive",
            ])
            .arg(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    for v in ["region", "product", "month"] {
        // the demo's row 41 (2026-06-29, 33,774.00) is in the period: moved
        // to 2019 it is in neither
        let (with, without) = (view(tmp.path(), v), view(base.path(), v));
        // the amounts of all groups, in fen
        let amount = |t: &str| -> i64 {
            let mut r = csv::Reader::from_reader(t.as_bytes());
            assert_eq!(&r.headers().unwrap()[4], "amount");
            r.records()
                .map(|rec| {
                    let a = rec.unwrap()[4].replace('.', "");
                    a.parse::<i64>().unwrap()
                })
                .sum()
        };
        let taken = amount(&without) - amount(&with);
        assert_eq!(taken, 3_377_400, "{v}");
    }
    with_bad_cell(tmp.path(), "transactions", 41, "amount", "12..50");
    let message = "dangan: error: ./transactions.csv:42: column amount: \"12..50\": not an \
        amount; write an amount in yuan, e.g. 1234.50 (¥, 元, 万 and thousands separators are \
        read) (`dangan validate` lists every such cell)\n";
    for args in [
        &["analyze", "region"][..],
        &["analyze", "product"],
        &["analyze", "month"],
        &["analyze", "product", "--by", "category,product"],
        &["classify"],
    ] {
        let out = dangan()
            .current_dir(tmp.path())
            .args(args)
            .args(["--archive", ".", "--format", "csv", "--as-of", AS_OF])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr_of(&out), message, "{args:?}");
        assert_eq!(stdout_of(&out), "", "{args:?}");
    }
}

/// A quantity has one parser (issue 16): `1.23456` is stored by import as
/// `1.2346`, and analyze reads it so from a CSV archive and a YAML one alike.
#[test]
fn a_quantity_reads_the_same_on_every_path() {
    let tmp = tempfile::tempdir().unwrap();
    let csv_dir = tmp.path().join("csv");
    std::fs::create_dir_all(&csv_dir).unwrap();
    std::fs::write(csv_dir.join("customers.csv"), "id,name\nC1,甲公司\n").unwrap();
    std::fs::write(
        csv_dir.join("transactions.csv"),
        "id,customer_id,date,product,category,quantity,unit_price,amount,kind\n\
         T1,C1,2024-05-10,水泥,建材,1.23456,10.00,12.35,sale\n\
         T2,C1,2024-05-11,水泥,建材,2.5,10.00,25.00,sale\n",
    )
    .unwrap();
    let yaml_dir = tmp.path().join("yaml");
    std::fs::create_dir_all(&yaml_dir).unwrap();
    std::fs::write(
        yaml_dir.join("customers.yaml"),
        "- {id: C1, name: 甲公司}\n",
    )
    .unwrap();
    // YAML numbers, not strings, as a person or another program writes them
    std::fs::write(
        yaml_dir.join("transactions.yaml"),
        "- {id: T1, customer_id: C1, date: 2024-05-10, product: 水泥, category: 建材, quantity: 1.23456, unit_price: 10.00, amount: 12.35, kind: sale}\n\
         - {id: T2, customer_id: C1, date: 2024-05-11, product: 水泥, category: 建材, quantity: 2.5, unit_price: 10, amount: 25, kind: 销售}\n",
    )
    .unwrap();
    let product = |dir: &Path| {
        let out = dangan()
            .args([
                "analyze",
                "product",
                "--as-of",
                "2024-06-30",
                "--format",
                "csv",
                "--archive",
            ])
            .arg(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    let want = "category,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change\n\
                建材,1,2,3.7346,37.35,100.00,100.00,0.00,\n";
    assert_eq!(product(&csv_dir), want);
    assert_eq!(product(&yaml_dir), want);
    // import stores the quantity as the frame reads it
    let archive = tmp.path().join("imported");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join("customers.csv"), "id,name\nC1,甲公司\n").unwrap();
    let out = dangan()
        .arg("import")
        .arg(csv_dir.join("transactions.csv"))
        .args(["--table", "transactions", "--archive"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stored = read(archive.join("transactions.csv"));
    assert!(stored.contains(",建材,1.2346,10.00,12.35,"), "{stored}");
    assert_eq!(product(&archive), want);
}

/// `dangan export` reads through the same reading: every variant of the
/// demo (quoted, GBK with CRLF, a BOM, other date forms, `¥` and `,`,
/// Chinese kinds, a YAML copy) exports the same typed tables as the demo.
#[test]
fn every_variant_exports_the_same_parquet_tables() {
    use polars_io::prelude::SerReader;
    let tmp = tempfile::tempdir().unwrap();
    let export = |dir: &Path, to: &Path| -> Vec<polars::prelude::DataFrame> {
        let out = dangan()
            .arg("export")
            .arg(to)
            .args(["--as-of", AS_OF, "--quiet", "--archive"])
            .arg(dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        TABLES
            .iter()
            .map(|t| {
                let f = std::fs::File::open(to.join(format!("{t}.parquet"))).unwrap();
                polars_io::parquet::read::ParquetReader::new(f)
                    .finish()
                    .unwrap()
            })
            .collect()
    };
    let base_dir = tmp.path().join("demo");
    copy_dir(&demo(), &base_dir);
    let base = export(&base_dir, &tmp.path().join("out-demo"));
    assert_eq!(base[1].height(), 5000);
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    for (i, (what, style, cell)) in variants().into_iter().enumerate() {
        let dir = tmp.path().join(format!("v{i}"));
        variant(&dir, style, cell);
        dirs.push((what.to_string(), dir));
    }
    let dir = tmp.path().join("yaml");
    yaml_copy(&dir, |_, _, v| v.to_string());
    dirs.push(("a YAML copy".into(), dir));
    for (i, (what, dir)) in dirs.iter().enumerate() {
        let got = export(dir, &tmp.path().join(format!("out-{i}")));
        for (t, (a, b)) in TABLES.iter().zip(base.iter().zip(&got)) {
            assert!(a.equals_missing(b), "{what}: {t}.parquet differs");
        }
    }
}
