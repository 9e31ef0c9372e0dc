//! `dangan fmt`: messages and refusals (the rewrite itself is checked on every
//! variant of the demo archive in `reading.rs`).

use crate::common::*;

#[test]
fn a_missing_archive_is_exit_2() {
    let out = dangan()
        .args(["fmt", "--archive", "/nonexistent/archive"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "dangan: error: archive /nonexistent/archive: no such directory\n"
    );
}

#[test]
fn a_canonical_archive_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&testdata("sales")), tmp.path());
    let first = dangan()
        .args(["fmt", "--archive"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", stderr_of(&first));
    let before = snapshot(tmp.path());
    let out = dangan()
        .args(["fmt", "--archive"])
        .arg(tmp.path())
        .args(["--format", "table"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "Every archive file is canonical.\n");
    assert!(snapshot(tmp.path()) == before, "a second fmt wrote");
}
