//! Hostile input: each file below is refused with a clear message (exit 2)
//! while the process stays within a bounded amount of memory, measured as
//! the child's peak resident set (`wait4`).

// Its own test binary, not a module of tests/cli: the peak memory of a child
// (wait4's ru_maxrss) counts the resident memory of the process it was forked
// from, and the one binary of the other tests holds hundreds of megabytes.
#[path = "cli/common.rs"]
#[allow(dead_code)]
mod common;
use common::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Peak memory every refusal below must stay under.
const BOUND_KIB: i64 = 128 * 1024;

struct Run {
    code: Option<i32>,
    stderr: String,
    peak_kib: i64,
}

/// Run the real binary; feed `stdin` from a thread (it may stop reading
/// early); the peak memory is the child's own, from `wait4` (which reaps it:
/// std's `wait` would not give the child's rusage).
#[allow(clippy::zombie_processes)]
fn run(args: &[&str], stdin: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dangan"))
        .args(args)
        .env("DANGAN_LANG", "en")
        .env_remove("DANGAN_ARCHIVE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let feeder = stdin.map(|f| {
        let pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || f(pipe))
    });
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stderr,
        peak_kib: usage.ru_maxrss,
    }
}

fn refused(r: &Run, message: &str) {
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains(message), "{}", r.stderr);
    assert!(
        r.peak_kib < BOUND_KIB,
        "peak {} KiB over the bound: {}",
        r.peak_kib,
        r.stderr
    );
    eprintln!("refused within {} KiB: {}", r.peak_kib, r.stderr.trim());
}

fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn ten_million_columns_in_a_row() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = "客户名称,手机\n".to_string().into_bytes();
    text.extend(std::iter::repeat_n(b"x,".as_slice(), 10_000_000).flatten());
    text.push(b'\n');
    let p = file(tmp.path(), "wide.csv", &text);
    let r = run(&["import", p.to_str().unwrap(), "--output", "-"], None);
    refused(
        &r,
        "wide.csv: line 2 is longer than 8 MiB; refusing to read it",
    );
    let r = run(&["validate", p.to_str().unwrap()], None);
    refused(&r, "line 2 is longer than 8 MiB");
}

#[test]
fn a_header_of_twenty_thousand_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let header: Vec<String> = (0..20_000).map(|i| format!("c{i}")).collect();
    let p = file(
        tmp.path(),
        "many.csv",
        format!("{}\n", header.join(",")).as_bytes(),
    );
    let r = run(
        &[
            "import",
            p.to_str().unwrap(),
            "--output",
            "-",
            "--table",
            "customers",
        ],
        None,
    );
    refused(
        &r,
        "many.csv:1: 20000 columns, more than the 16384 a table may have (Excel's limit)",
    );
}

#[test]
fn a_gigabyte_on_one_line_from_standard_input() {
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    let r = run(
        &["import", "-", "--table", "customers", "--output", "-"],
        Some(Box::new(move |mut pipe| {
            let block = vec![b'a'; 1 << 20];
            for _ in 0..1024 {
                if pipe.write_all(&block).is_err() {
                    return; // the reader stopped: refused early
                }
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })),
    );
    refused(
        &r,
        "<stdin>: line 1 is longer than 8 MiB; refusing to read it",
    );
    let mib = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(mib < 64, "{mib} MiB were read before refusing");
}

#[test]
fn deeply_nested_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let brackets = format!("- name: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let p = file(tmp.path(), "deep.yaml", brackets.as_bytes());
    let r = run(&["import", p.to_str().unwrap(), "--output", "-"], None);
    refused(&r, "deep.yaml:1: nested more than 128 levels deep");
    let mut indented = String::new();
    for i in 0..2_000 {
        indented.push_str(&" ".repeat(i));
        indented.push_str("- \n");
    }
    let p = file(tmp.path(), "indented.yaml", indented.as_bytes());
    let r = run(&["validate", p.to_str().unwrap()], None);
    refused(
        &r,
        "indented.yaml:1026: indented 1025 columns, more than 1024",
    );
    // the same defence guards the settings file
    let archive = tmp.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    std::fs::write(archive.join("dangan.yaml"), &brackets[2..]).unwrap();
    let r = run(&["validate", "--archive", archive.to_str().unwrap()], None);
    refused(&r, "dangan.yaml:1: nested more than 128 levels deep");
}

#[test]
fn yaml_aliases_that_expand_a_billion_times() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..9u8 {
        let (me, prev) = ((b'a' + i) as char, (b'a' + i - 1) as char);
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{me}: &{me} [{refs}]\n"));
    }
    let p = file(tmp.path(), "laughs.yaml", text.as_bytes());
    let r = run(&["import", p.to_str().unwrap(), "--output", "-"], None);
    refused(&r, "laughs.yaml: not valid YAML: repetition limit exceeded");
}

#[test]
fn a_zip_bomb_workbook() {
    // one sheet that unpacks to 1 GiB (testdata/make_hostile.py)
    let p = testdata("hostile/zip_bomb.xlsx");
    let r = run(&["import", &p, "--output", "-"], None);
    refused(
        &r,
        "zip_bomb.xlsx: the workbook unpacks to more than 512 MiB",
    );
    let r = run(&["validate", &p], None);
    refused(&r, "unpacks to more than 512 MiB");
}

#[test]
fn a_workbook_with_two_cells_seventeen_billion_apart() {
    // A1 and XFD1048576: a dense grid would be 17 billion cells
    let p = testdata("hostile/sparse_bomb.xlsx");
    let r = run(&["import", &p, "--output", "-"], None);
    refused(
        &r,
        "sparse_bomb.xlsx:1048576: sheet \"Sheet1\" row has values beyond the 1 headed columns",
    );
}

#[test]
fn an_id_number_of_eighteen_bytes_of_chinese_text() {
    // import keeps a value it cannot read as it was; every command must then
    // cope with it (slicing 18 bytes at 17 would cut a character in two)
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    std::fs::write(
        archive.join("customers.csv"),
        "id,name,kind,id_number,updated\nC1,张三,individual,一二三四五六,2024-06-01\n",
    )
    .unwrap();
    let a = archive.to_str().unwrap();
    let r = run(
        &[
            "validate",
            "--archive",
            a,
            "--as-of",
            "2024-06-30",
            "--format",
            "csv",
        ],
        None,
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let r = run(&["report", "--archive", a, "--as-of", "2024-06-30"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&["classify", "--archive", a, "--as-of", "2024-06-30"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let f = file(
        tmp.path(),
        "in.csv",
        "客户名称,身份证号\n李四,一二三四五六\n".as_bytes(),
    );
    let r = run(&["import", f.to_str().unwrap(), "--output", "-"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("not an ID number"), "{}", r.stderr);
}
