//! Bad input never panics and never touches the archive: a clear message with
//! the file (and line where there is one), exit code 2.

use crate::common::*;

fn assert_refused(file: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    // an archive with content, to prove it is left exactly as it was
    dangan()
        .args(["import", &testdata("customers_gbk.csv"), "--archive"])
        .arg(a)
        .output()
        .unwrap();
    let before = snapshot(a);
    let out = dangan()
        .args(["import", file, "--archive"])
        .arg(a)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{file}: {err}");
    assert!(
        err.contains(message),
        "{file}: expected {message:?} in {err:?}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(snapshot(a), before, "{file} changed the archive");
}

#[test]
fn missing_file() {
    assert_refused(
        "/no/such/file.csv",
        "/no/such/file.csv: cannot open: no such file",
    );
}

#[test]
fn unreadable_file_does_not_make_a_new_archive() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("new-archive");
    let bad = testdata("bad");
    for (file, message) in [
        (
            "/no/such/file.csv".to_string(),
            "/no/such/file.csv: cannot open: no such file".to_string(),
        ),
        (bad.clone(), format!("{bad}: is a directory, not a file")),
        (
            testdata("bad/empty.csv"),
            "bad/empty.csv: empty file (no header row)".to_string(),
        ),
    ] {
        let out = dangan()
            .args(["import", &testdata("customers_gbk.csv"), &file, "--archive"])
            .arg(&a)
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(&message), "{file}: {err}");
        assert!(!a.exists(), "{file}: the archive directory was created");
    }
}

#[test]
fn directory_instead_of_file() {
    let t = testdata("bad");
    assert_refused(&t, &format!("{t}: is a directory, not a file"));
}

#[test]
fn empty_file() {
    assert_refused(
        &testdata("bad/empty.csv"),
        "bad/empty.csv: empty file (no header row)",
    );
}

#[test]
fn header_only() {
    assert_refused(
        &testdata("bad/header_only.csv"),
        "bad/header_only.csv:1: no data rows (header only)",
    );
}

#[test]
fn ragged_rows() {
    assert_refused(
        &testdata("bad/ragged.csv"),
        "bad/ragged.csv:3: row has 2 values but the header has 3 columns",
    );
}

#[test]
fn quote_left_open() {
    assert_refused(
        &testdata("bad/open_quote.csv"),
        "bad/open_quote.csv:2: a quote opened on this line is never closed",
    );
}

#[test]
fn binary_garbage() {
    assert_refused(
        &testdata("bad/garbage.csv"),
        "bad/garbage.csv:2: binary data (a NUL byte at offset 145)",
    );
}

#[test]
fn undecodable_bytes() {
    assert_refused(
        &testdata("bad/bad_bytes.csv"),
        "bad/bad_bytes.csv:3: undecodable byte sequence near byte 40: neither UTF-8 nor GBK/GB18030",
    );
}

#[test]
fn forced_wrong_encoding_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dangan()
        .args([
            "import",
            &testdata("customers_gbk.csv"),
            "--encoding",
            "utf-8",
            "--archive",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("customers_gbk.csv:1: undecodable byte sequence"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn duplicate_headers() {
    assert_refused(
        &testdata("bad/dup_headers.csv"),
        "bad/dup_headers.csv:1: duplicate header \"手机\" in columns 2 and 3",
    );
}

#[test]
fn two_columns_mapping_to_one_field() {
    assert_refused(
        &testdata("bad/two_to_one.csv"),
        "bad/two_to_one.csv:1: columns \"手机\" and \"手机号码\" both map to mobile",
    );
}

#[test]
fn yaml_that_is_not_a_list_of_maps() {
    assert_refused(
        &testdata("bad/not_list.yaml"),
        "bad/not_list.yaml:1: expected a list of maps (one map per record), found a map",
    );
    assert_refused(
        &testdata("bad/list_of_lists.yaml"),
        "bad/list_of_lists.yaml:2: item 2 is a list, expected a map of column: value",
    );
}

#[test]
fn a_100_mb_single_field() {
    // made here rather than committed: 100 MB of one value on line 2
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.csv");
    let mut data = "客户名称,备注\n张三,".as_bytes().to_vec();
    data.resize(data.len() + 100 * 1024 * 1024, b'x');
    data.push(b'\n');
    std::fs::write(&p, data).unwrap();
    assert_refused(
        &p.display().to_string(),
        "huge.csv: line 2 is longer than 8 MiB; refusing to read it",
    );
}

#[test]
fn wrong_flags_are_usage_errors() {
    dangan().args(["import"]).assert().code(2);
    dangan()
        .args(["import", "x.csv", "--table", "orders"])
        .assert()
        .code(2);
    dangan()
        .args(["import", "x.csv", "--encoding", "klingon"])
        .assert()
        .code(2);
    dangan()
        .args(["import", "x.csv", "--as-of", "yesterday"])
        .assert()
        .code(2);
    dangan().args(["frobnicate"]).assert().code(2);
}

#[test]
fn broken_settings_file_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dangan.yaml"),
        "archive:\n  id_prefix: KH\n  id_wdth: 4\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import", &testdata("customers_gbk.csv"), "--archive"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("dangan.yaml:3:"),
        "{}",
        stderr_of(&out)
    );
    assert!(!dir.path().join("customers.csv").exists());
}
