//! Messages in the user's language (issue 20): with `--lang zh` (or
//! `DANGAN_LANG=zh`) clap's usage errors and the reading errors are in
//! Chinese, with the column, rule and flag names kept canonical; the
//! catalogue itself is walked by `render::messages`' unit test.

use crate::common::*;
use std::path::Path;

#[test]
fn bad_usage_in_chinese_exits_2_with_the_tip() {
    let out = dangan().args(["classfy", "--lang", "zh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "错误：没有命令 'classfy'\n\n  提示：是不是要写 'classify'？\n\n查看用法：加 '--help'。\n"
    );
    let out = dangan()
        .args(["classify", "--as-of", "2026-13-01"])
        .env("DANGAN_LANG", "zh")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "错误：'--as-of <DATE>' 的值 '2026-13-01' 无效：不是日期：\"2026-13-01\"（请写 YYYY-MM-DD）\n\n查看用法：加 '--help'。\n"
    );
    // in English, clap's own text
    let out = dangan().args(["classfy"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).starts_with("error: unrecognized subcommand 'classfy'"));
}

#[test]
fn an_unreadable_cell_in_chinese_keeps_the_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo"),
        tmp.path(),
    );
    let path = tmp.path().join("transactions.csv");
    let text = read(&path);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[4] = lines[4].replacen(",sale,", ",暂停,", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = dangan()
        .current_dir(tmp.path())
        .args([
            "analyze",
            "region",
            "--archive",
            ".",
            "--as-of",
            "2026-10-31",
            "--lang",
            "zh",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "dangan：错误：./transactions.csv:5：列 kind：\"暂停\"：不是以下之一：sale, return, discount；\
         请填写以下之一：sale (销售), return (退货), discount (折价)\
         （`dangan validate` 会列出所有这样的单元格）\n"
    );
}

/// `--lang zh` on a missing archive, a locked archive, a missing file, an
/// unknown customer and import's warnings: the whole line in Chinese, the
/// file names and column names as they are, exit 2 (1 for findings).
#[test]
fn the_common_errors_and_warnings_are_in_chinese() {
    let zh = |args: &[&str]| {
        let out = dangan().args(args).args(["--lang", "zh"]).output().unwrap();
        (out.status.code(), stderr_of(&out))
    };
    assert_eq!(
        zh(&["classify", "--archive", "/nonexistent/dangan"]),
        (
            Some(2),
            "dangan：错误：档案目录 /nonexistent/dangan 不存在\n".to_string()
        )
    );
    assert_eq!(
        zh(&["import", "/nonexistent/客户.csv", "--archive", "/tmp"]),
        (
            Some(2),
            "dangan：错误：/nonexistent/客户.csv：无法打开：文件不存在\n".to_string()
        )
    );
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let demo = demo.to_str().unwrap();
    assert_eq!(
        zh(&["show", "无此客户", "--archive", demo, "--as-of", "2026-10-31"]),
        (
            Some(2),
            "dangan：错误：没有档案编号、手机、信用代码、身份证号或名称为 \"无此客户\" 的客户；试试 `dangan find 无此客户`\n"
                .to_string()
        )
    );
    assert_eq!(
        zh(&["analyze", "region", "--archive", demo, "--period", "12m", "--from", "2026-10-01"]),
        (
            Some(2),
            "错误：参数 '--period <PERIOD>' 不能与 '--from <DATE>' 同时使用\n\n查看用法：加 '--help'。\n"
                .to_string()
        )
    );

    assert_eq!(
        zh(&["analyze", "region", "--archive", demo, "--period", "month"]),
        (
            Some(2),
            "错误：'--period <PERIOD>' 的值 'month' 无效：不是统计期：\"month\"（请写 12m、6m、1y、2q、4w、90d、2024、2024-10 或 2024Q3）\n\n查看用法：加 '--help'。\n"
                .to_string()
        )
    );

    // a locked archive
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new(demo), tmp.path());
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(tmp.path().join(".dangan.lock"))
        .unwrap();
    lock.lock().unwrap();
    let input = tmp.path().join("新客户.csv");
    std::fs::write(&input, "客户名称,手机\n张伟,1380013800\n").unwrap();
    let (code, err) = zh(&[
        "import",
        input.to_str().unwrap(),
        "--archive",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        format!(
            "dangan：错误：档案 {} 正被另一个 dangan 进程占用（）；请等它结束后再试，或加 --wait 秒数\n",
            tmp.path().display()
        )
    );
    lock.unlock().unwrap();

    // import's warning: a mobile of ten digits is kept as it was
    let (code, err) = zh(&[
        "import",
        input.to_str().unwrap(),
        "--archive",
        tmp.path().to_str().unwrap(),
        "--as-of",
        "2026-11-01",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.starts_with(&format!(
            "警告：{}:2：列 mobile：\"13******00\" 原样保留：不是 11 位手机号\n",
            input.display()
        )),
        "{err}"
    );
}
