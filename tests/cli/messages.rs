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
