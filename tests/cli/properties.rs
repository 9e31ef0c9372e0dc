//! Property tests (proptest): normalising twice is normalising once; money
//! prints and parses back to the fen; importing an archive's own export
//! changes nothing; CSV and YAML archives hold the same table.

use dangan::archive::schema::{TableKind, ValueKind};
use dangan::commands::import::{self, ImportOptions};
use dangan::values::normalize::normalise;
use proptest::prelude::*;
use std::path::Path;

/// Values as people type them, of every shape the normalisers know, plus
/// anything at all.
fn messy_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[¥￥]?[0-9]{1,3}(,[0-9]{3}){0,2}(\\.[0-9]{1,4})?(万|元|亿)?",
        "\\(?-?[0-9]{1,6}(\\.[0-9]{1,3})?\\)?",
        "20[0-9]{2}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?( [0-9]{2}:[0-9]{2})?",
        "[0-9]{5,8}(\\.[0-9])?",
        "(\\+86 ?)?1[3-9][0-9]{1,2}[ -]?[0-9]{4}[ -]?[0-9]{3,4}",
        "0[1-9][0-9]{1,2}-?[0-9]{7,8}(-[0-9]{1,4})?",
        "[1-6][0-9]{16}[0-9Xx]",
        "[0-9A-Za-z]{18}",
        "[a-zA-Z0-9._]{1,8}[@＠][a-zA-Z]{1,8}\\.[a-zA-Z]{2,3}",
        "[ 　]?[广东浙江北京上海四川湖南]{2}[省市]?[ 　]?",
        "(企业|个人|交易中|流失|退货|销售|sale|Return|DISCOUNT|潜在)",
        "[a-zA-Z重点大客户]{1,4}([;,、，|/][a-zA-Z重点大客户]{1,4}){0,3}",
        "'?[=+@-][A-Za-z0-9(),]{0,8}",
        "[０-９Ａ-Ｚａ-ｚ（）　 ]{1,10}",
        "\\PC{0,24}",
    ]
}

fn kinds() -> Vec<(&'static str, ValueKind)> {
    TableKind::ALL
        .into_iter()
        .flat_map(|t| t.columns().iter().map(|c| (c.name, c.kind)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalising_twice_is_normalising_once(raw in messy_value()) {
        for (col, kind) in kinds() {
            for xlsx in [false, true] {
                let once = normalise(kind, &raw, xlsx);
                if once.problem.is_none() {
                    let twice = normalise(kind, &once.value, false);
                    prop_assert_eq!(&twice.value, &once.value, "{}: {:?}", col, raw);
                    prop_assert!(twice.problem.is_none());
                    prop_assert!(!twice.changed, "{}: {:?} → {:?}", col, raw, once.value);
                }
            }
        }
    }

    #[test]
    fn fen_print_and_parse_back(fen in -999_999_999_999_999i64..=999_999_999_999_999) {
        let printed = dangan::values::money::format_yuan(fen);
        let back = dangan::values::money::parse_yuan(&printed).unwrap();
        prop_assert_eq!(back.fen, fen);
        prop_assert!(!back.rounded);
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_the_fen(
        neg in any::<bool>(), yuan in 0u64..10_000_000, milli in 0u64..1000, grouped in any::<bool>()
    ) {
        // yuan.mmm typed with thousands separators and a ¥: rounded in integers
        let int = if grouped {
            let s = yuan.to_string();
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 { out.push(','); }
                out.push(c);
            }
            out
        } else { yuan.to_string() };
        let typed = format!("{}¥{int}.{milli:03}", if neg { "-" } else { "" });
        let p = dangan::values::money::parse_yuan(&typed).unwrap();
        let thousandths = yuan as i64 * 1000 + milli as i64;
        let fen = (thousandths + 5) / 10;
        prop_assert_eq!(p.fen, if neg { -fen } else { fen }, "{}", typed);
        prop_assert_eq!(p.rounded, milli % 10 != 0);
        prop_assert_eq!(dangan::values::money::parse_yuan(&dangan::values::money::format_yuan(p.fen)).unwrap().fen, p.fen);
    }
}

/// A customer export as people make them: Chinese headers, messy values,
/// notes with commas, quotes and line breaks, formula-looking names.
fn customer_export() -> impl Strategy<Value = String> {
    let row = (
        "[张王李赵陈]{1}[伟芳娜强静]{1,2}|[华东南北]{2}(贸易|建材|医药)(有限公司|商行)|=[A-Z]{1,4}\\(1\\)",
        "(\\+86 )?1[3-9][0-9]{9}",
        "(广东|浙江|四川|北京市|上海)?",
        "([0-9]{1,3}(\\.[0-9]{1,2})?万|¥[0-9]{1,3},[0-9]{3}\\.[0-9]{2})?",
        "(20[12][0-9]/[1-9]/[1-2][0-9]|20[12][0-9]年[1-9]月[1-2][0-9]日)?",
        "(企业|个人|经销商)?",
        "([a-z ,\"]{0,6}(\\n[a-z]{1,4})?)?",
    );
    prop::collection::vec(row, 1..12).prop_map(|rows| {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "客户名称",
            "手机",
            "省份",
            "信用额度",
            "建档日期",
            "客户类型",
            "备注",
        ])
        .unwrap();
        for (i, (name, mobile, region, limit, created, kind, note)) in rows.into_iter().enumerate()
        {
            // distinct customers: the mobile carries the row number
            let mobile = format!("{}{:02}", &mobile[..mobile.len() - 2], i);
            w.write_record([&name, &mobile, &region, &limit, &created, &kind, &note])
                .unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    })
}

fn import_into(archive: &Path, file: &Path, output: Option<&Path>) -> import::Summary {
    let opts = ImportOptions {
        files: vec![file.display().to_string()],
        table: Some(TableKind::Customers),
        read: Default::default(),
        map: None,
        on_duplicate: None,
        rejects: None,
        dry_run: false,
        output: output.map(|p| p.display().to_string()),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        progress: false,
        // other tests of this binary fork children, which hold a copy of
        // this process's lock descriptor until they exec: wait that moment out
        lock_wait: std::time::Duration::from_secs(10),
        lang: dangan::render::output::Lang::En,
        no_mask: false,
    };
    import::run(archive, &opts).unwrap().summary
}

fn tables(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .filter(|(n, _)| !n.starts_with('.'))
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn importing_an_archives_own_export_changes_nothing(export in customer_export()) {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("export.csv");
        std::fs::write(&src, &export).unwrap();
        let archive = tmp.path().join("archive");
        let first = import_into(&archive, &src, None);
        prop_assert_eq!(first.rejected, 0);
        let before = tables(&archive);
        // the archive's own file, and an export of it made for people
        // (BOM, formula-looking text protected with ')
        let own = archive.join("customers.csv");
        let people = tmp.path().join("people.csv");
        import_into(&archive, &own, Some(&people));
        for file in [own.clone(), people] {
            let s = import_into(&archive, &file, None);
            prop_assert_eq!(s.updated + s.added + s.rejected, 0, "{:?}", s);
            prop_assert_eq!(s.unchanged, first.added, "{:?}", s);
            prop_assert_eq!(&tables(&archive), &before);
        }
    }

    #[test]
    fn csv_and_yaml_archives_hold_the_same_table(export in customer_export()) {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("export.csv");
        std::fs::write(&src, &export).unwrap();
        let csv_archive = tmp.path().join("csv");
        import_into(&csv_archive, &src, None);
        let yaml_archive = tmp.path().join("yaml");
        std::fs::create_dir(&yaml_archive).unwrap();
        std::fs::write(yaml_archive.join("dangan.yaml"), "archive:\n  format: yaml\n").unwrap();
        import_into(&yaml_archive, &src, None);
        prop_assert!(yaml_archive.join("customers.yaml").exists());
        // YAML → a fresh CSV archive: byte for byte the CSV archive
        let back_csv = tmp.path().join("back_csv");
        import_into(&back_csv, &yaml_archive.join("customers.yaml"), None);
        prop_assert_eq!(
            std::fs::read(back_csv.join("customers.csv")).unwrap(),
            std::fs::read(csv_archive.join("customers.csv")).unwrap()
        );
        // CSV → a fresh YAML archive: byte for byte the YAML archive
        let back_yaml = tmp.path().join("back_yaml");
        std::fs::create_dir(&back_yaml).unwrap();
        std::fs::write(back_yaml.join("dangan.yaml"), "archive:\n  format: yaml\n").unwrap();
        import_into(&back_yaml, &csv_archive.join("customers.csv"), None);
        prop_assert_eq!(
            std::fs::read(back_yaml.join("customers.yaml")).unwrap(),
            std::fs::read(yaml_archive.join("customers.yaml")).unwrap()
        );
    }
}

/// Names as Chinese archives hold them: places, 字号, trades, forms,
/// brackets of every width, branches, people, and anything at all.
fn company_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "(广东省|深圳市|深圳|南山区|北京|朝阳|内蒙古|延边)?[鸿宏达华联恒通朝阳龙井]{1,3}[（(]?(深圳|中国|集团)?[)）]?(贸易|商贸|科技|信息技术|实业|五金店|超市)?(有限公司|股份有限公司|有限责任公司|集团)?(广州分公司|营业部|\\(南山分店\\))?",
        "[张王李赵欧阳]{1,2}[伟芳娜]{1,2}",
        "[（）()【】 　]{0,6}",
        "\\PC{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Taking any name apart never panics, and the pair score of any two
    /// names is symmetric and within 0–100.
    #[test]
    fn any_two_names_score_symmetrically_within_range(a in company_name(), b in company_name(),
                                                      m in "(1[3-9][0-9]{9})?") {
        use dangan::dedupe::score::{compare, prepare, Fields};
        let x = prepare(&Fields { name: &a, mobile: &m, ..Fields::default() });
        let y = prepare(&Fields { name: &b, ..Fields::default() });
        let xy = compare(&x, &y, 2, 2);
        let yx = compare(&y, &x, 2, 2);
        prop_assert!(xy.score <= 100);
        prop_assert_eq!(xy, yx);
        // a name is like itself, unless it has no name left to compare
        let same = compare(&x, &x, 2, 2);
        prop_assert!(same.evidence.iter().all(|e| e.points() > 0), "{:?}", same);
    }
}
