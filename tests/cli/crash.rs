//! Crash safety and concurrency: an import or `classify --write` killed at any
//! moment leaves the archive exactly as it was or exactly as the finished run
//! leaves it, and the next run works without repair; writers started together
//! run one after another or stop with "archive is locked", and no update is
//! lost.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a reader sees: the tables and the revision log, which must agree.
const TABLES: [&str; 5] = [
    "customers.csv",
    "transactions.csv",
    "followups.csv",
    "complaints.csv",
    "changes.csv",
];

type Tables = BTreeMap<&'static str, Option<Vec<u8>>>;

/// Start `cmd` on `dir`, SIGKILL it after `at`, let a reader settle the
/// archive, and check it is the old one or the new one with nothing left
/// behind. Returns whether the kill landed before the run ended, and whether
/// the archive is the old one.
fn kill_after(
    mut cmd: Command,
    dir: &Path,
    at: Duration,
    old: &Tables,
    new: &Tables,
) -> (bool, bool) {
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(at);
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let killed = child.wait().unwrap().code().is_none();
    settle_with_a_reader(dir);
    let seen = tables(dir);
    assert!(
        &seen == old || &seen == new,
        "killed after {at:?}: the archive is neither the old one nor the new one"
    );
    assert!(
        leftovers(dir).is_empty(),
        "after {at:?}: {:?}",
        leftovers(dir)
    );
    (killed, &seen == old)
}

/// The archive's table files (what a reader sees), by name.
fn tables(dir: &Path) -> Tables {
    TABLES
        .iter()
        .map(|t| (*t, std::fs::read(dir.join(t)).ok()))
        .collect()
}

/// Leftovers a killed run may leave: temp files and the commit journal.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dangan-tmp-") || n == ".dangan-commit")
        .collect()
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dangan"))
}

fn raw_command(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .env("DANGAN_TODAY", "2024-06-30")
        .env("DANGAN_LANG", "en")
        .env("DANGAN_NOW", FIXED_NOW)
        .env_remove("DANGAN_ARCHIVE")
        .env_remove("DANGAN_TEST_CRASH_AT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// A reader's view after a crash: any command that opens the archive first
/// completes a commit the killed writer left half-done.
fn settle_with_a_reader(dir: &Path) {
    let out = dangan()
        .args([
            "validate",
            "--fail-on",
            "never",
            "--format",
            "csv",
            "--archive",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

/// Run the writer `cmd` on a copy of `clean` killed at each step of its
/// commit (`DANGAN_TEST_CRASH_AT`): after a reader settles the archive, what
/// `view` sees is the old state before the journal is in place and the new
/// one after, nothing is left behind, and a re-run gives the new state.
fn crash_at_every_point<T: PartialEq + std::fmt::Debug>(
    root: &Path,
    clean: &Path,
    cmd: impl Fn(&Path) -> Command,
    view: impl Fn(&Path) -> T,
    old: &T,
    new: &T,
) {
    for point in dangan::archive::commit::CRASH_POINTS {
        let dir = root.join(format!("crash-{point}"));
        copy_dir(clean, &dir);
        let out = cmd(&dir)
            .env("DANGAN_TEST_CRASH_AT", point)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), None, "{point}: the run was not killed");
        settle_with_a_reader(&dir);
        let seen = view(&dir);
        assert!(&seen == old || &seen == new, "{point}: neither old nor new");
        assert_eq!(
            &seen == new,
            !["staged", "backup", "journal-written"].contains(point),
            "{point}"
        );
        assert!(leftovers(&dir).is_empty(), "{point}: {:?}", leftovers(&dir));
        let out = cmd(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{point}: {}", stderr_of(&out));
        assert!(view(&dir) == *new, "{point}: the re-run differs");
    }
}

/// An archive (the hand-made sales archive) and files that change two of its
/// tables, so a commit renames more than one file.
fn sales_archive_and_inputs(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let dir = root.join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let cust = root.join("new_customers.csv");
    std::fs::write(
        &cust,
        "客户编号,客户名称,手机,地区\nC001,华南建材有限公司,13800138001,广东省\nC100,新客户甲,13900000100,湖南省\n",
    )
    .unwrap();
    let tx = root.join("new_transactions.csv");
    std::fs::write(
        &tx,
        "单号,客户编号,日期,金额,类型\nT900,C100,2024-06-20,5000.00,销售\nT901,C001,2024-06-21,800.00,销售\n",
    )
    .unwrap();
    (dir, cust, tx)
}

#[test]
fn import_killed_at_every_step_of_its_commit_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let (clean, cust, tx) = sales_archive_and_inputs(tmp.path());
    let old = tables(&clean);
    // the finished import, for comparison
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let args = |dir: &Path| {
        vec![
            "import".to_string(),
            cust.display().to_string(),
            tx.display().to_string(),
            "--archive".into(),
            dir.display().to_string(),
            "--as-of".into(),
            "2024-06-30".into(),
        ]
    };
    let a = args(&done);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = raw_command(&a).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = tables(&done);
    assert_ne!(old["customers.csv"], new["customers.csv"]);
    assert_ne!(old["transactions.csv"], new["transactions.csv"]);

    // before the journal is in place the commit has not happened; after, it has
    let expected = [
        ("staged", "old"),
        ("backup", "old"),
        ("journal-written", "old"),
        ("journal", "new"),
        ("first-rename", "new"),
        ("renamed", "new"),
        ("appended", "new"),
    ];
    assert_eq!(
        expected.iter().map(|e| e.0).collect::<Vec<_>>(),
        dangan::archive::commit::CRASH_POINTS
    );
    for (point, outcome) in expected {
        let dir = tmp.path().join(format!("crash-{point}"));
        copy_dir(&clean, &dir);
        let a = args(&dir);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = raw_command(&a)
            .env("DANGAN_TEST_CRASH_AT", point)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), None, "{point}: the run was not killed");
        if point == "first-rename" {
            // on disk the commit is half done: one file new, one old
            let raw = tables(&dir);
            assert!(
                raw != old && raw != new,
                "{point}: expected a half-done commit"
            );
        }
        settle_with_a_reader(&dir);
        let seen = tables(&dir);
        let want = if outcome == "old" { &old } else { &new };
        assert!(
            &seen == want,
            "{point}: the archive is neither exactly the old one nor the new one as expected ({outcome})"
        );
        assert!(leftovers(&dir).is_empty(), "{point}: {:?}", leftovers(&dir));
        // the next run needs no repair and ends where a clean run ends
        let out = raw_command(&a).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{point}: {}", stderr_of(&out));
        assert!(
            tables(&dir) == new,
            "{point}: the re-run does not give the new archive"
        );
    }
}

#[test]
fn classify_write_killed_at_every_step_of_its_commit_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    copy_dir(Path::new(&testdata("sales")), &clean);
    let old = std::fs::read(clean.join("customers.csv")).unwrap();
    let write = |dir: &Path| {
        let mut c = raw_command(&["classify", "--write", "--as-of", "2024-06-30", "--archive"]);
        c.arg(dir);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let out = write(&done).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = std::fs::read(done.join("customers.csv")).unwrap();
    assert!(String::from_utf8_lossy(&new).starts_with("id,name,"));
    assert!(
        String::from_utf8_lossy(&new)
            .lines()
            .next()
            .unwrap()
            .ends_with(",tier,segment,classified_at")
    );
    let log = read(done.join("changes.csv"));
    assert!(
        log.contains(
            ",classify --write,customers,C001,tier,,A,classify --write as-of 2024-06-30\n"
        ),
        "{log}"
    );
    let view = |dir: &Path| {
        (
            std::fs::read(dir.join("customers.csv")).unwrap(),
            std::fs::read(dir.join("changes.csv")).ok(),
        )
    };
    let new = view(&done);
    crash_at_every_point(tmp.path(), &clean, write, view, &(old, None), &new);
}

/// A customer export and a transactions export of `n` and `5n` rows, the
/// kind of file a nightly import takes (made here, a few MB).
fn write_big_inputs(root: &Path, n: usize, first: usize) -> (PathBuf, PathBuf) {
    use std::fmt::Write as _;
    let mut c = String::from("档案编号,客户名称,手机,地区,城市,信用额度,建档日期\n");
    let mut t = String::from("单号,档案编号,日期,商品,数量,单价,金额,已付金额,类型\n");
    for i in first..first + n {
        let _ = writeln!(
            c,
            "K{i:06},客户{i},139{:08},广东省,广州,{}万,2023/1/{}",
            i,
            i % 50 + 1,
            i % 28 + 1
        );
        for j in 0..5 {
            let _ = writeln!(
                t,
                "S{i:06}-{j},K{i:06},2024年{}月{}日,商品{},{},12.50,¥{},0,销售",
                j + 1,
                i % 28 + 1,
                j,
                i % 9 + 1,
                (i % 9 + 1) as f64 * 12.5
            );
        }
    }
    let (cp, tp) = (
        root.join(format!("customers-{first}.csv")),
        root.join(format!("transactions-{first}.csv")),
    );
    std::fs::write(&cp, c).unwrap();
    std::fs::write(&tp, t).unwrap();
    (cp, tp)
}

#[test]
fn import_killed_with_sigkill_at_many_moments_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    std::fs::create_dir(&clean).unwrap();
    // the old archive: 2,000 customers with 10,000 transactions
    let (c0, t0) = write_big_inputs(tmp.path(), 2_000, 0);
    let out = dangan()
        .args(["import", "--as-of", "2024-06-30", "--archive"])
        .arg(&clean)
        .arg(&c0)
        .arg(&t0)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let old = tables(&clean);
    // the import that is killed: 6,000 more customers, 30,000 transactions
    let (c1, t1) = write_big_inputs(tmp.path(), 6_000, 2_000);
    let import = |dir: &Path| {
        let mut c = raw_command(&["import", "--as-of", "2024-06-30", "--archive"]);
        c.arg(dir).arg(&c1).arg(&t1);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let start = Instant::now();
    let out = import(&done).output().unwrap();
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = tables(&done);

    let kills = 12;
    let (mut olds, mut news, mut killed) = (0, 0, 0);
    for k in 0..kills {
        let dir = tmp.path().join(format!("kill-{k}"));
        copy_dir(&clean, &dir);
        // half spread over the run, half around its end, where the commit is
        let f = if k < kills / 2 {
            0.8 * k as f64 / (kills / 2) as f64
        } else {
            0.85 + 0.2 * (k - kills / 2) as f64 / (kills / 2) as f64
        };
        let at = took.mul_f64(f);
        let (landed, was_old) = kill_after(import(&dir), &dir, at, &old, &new);
        killed += usize::from(landed);
        if was_old {
            olds += 1;
        } else {
            news += 1;
        }
        // the next import needs no repair (every other kill: each takes a run)
        if k % 2 == 1 {
            let out = import(&dir).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "after {at:?}: {}",
                stderr_of(&out)
            );
            assert!(tables(&dir) == new, "after {at:?}: the re-run differs");
        }
    }
    eprintln!(
        "{kills} kills over a {took:?} import ({killed} landed before it ended): {olds} left the old archive, {news} the new one"
    );
    assert!(olds >= 1, "no kill landed before the commit");
}

fn customer_file(root: &Path, tag: &str, n: usize) -> (PathBuf, Vec<String>) {
    let mut text = String::from("档案编号,客户名称,地区\n");
    let mut ids = Vec::new();
    for i in 0..n {
        let id = format!("{tag}{i:04}");
        text.push_str(&format!("{id},客户{tag}{i},江苏省\n"));
        ids.push(id);
    }
    let p = root.join(format!("{tag}.csv"));
    std::fs::write(&p, text).unwrap();
    (p, ids)
}

#[test]
fn writers_started_together_with_wait_all_succeed_and_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let mut children = Vec::new();
    let mut all_ids = Vec::new();
    for tag in ["W", "X", "Y", "Z"] {
        let (file, ids) = customer_file(tmp.path(), tag, 300);
        all_ids.extend(ids);
        let mut c = raw_command(&[
            "import",
            "--wait",
            "120",
            "--as-of",
            "2024-06-30",
            "--archive",
        ]);
        c.arg(&dir).arg(file);
        children.push(c.spawn().unwrap());
    }
    let mut c = raw_command(&[
        "classify",
        "--write",
        "--wait",
        "120",
        "--as-of",
        "2024-06-30",
        "--archive",
    ]);
    c.arg(&dir);
    children.push(c.spawn().unwrap());
    for ch in children {
        let out = ch.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    }
    let text = read(dir.join("customers.csv"));
    let header = text.lines().next().unwrap();
    assert!(header.ends_with(",tier,segment,classified_at"), "{header}");
    for id in &all_ids {
        assert!(text.contains(&format!("\n{id},")), "{id} was lost");
    }
    // the grades of the archive's own customers survived every import after them
    assert!(text.contains("\nC001,华南建材有限公司,"));
    let c001 = text.lines().find(|l| l.starts_with("C001,")).unwrap();
    assert!(c001.ends_with(",A,risk,2024-06-30"), "{c001}");
    assert_eq!(text.lines().count(), 1 + 11 + all_ids.len());
    assert!(leftovers(&dir).is_empty());
}

#[test]
fn writers_started_together_without_wait_succeed_or_say_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    copy_dir(Path::new(&testdata("sales")), &dir);
    let mut runs = Vec::new();
    for tag in ["P", "Q", "R", "S", "U", "V"] {
        let (file, ids) = customer_file(tmp.path(), tag, 2_000);
        let mut c = raw_command(&["import", "--as-of", "2024-06-30", "--archive"]);
        c.arg(&dir).arg(file);
        runs.push((c.spawn().unwrap(), ids));
    }
    let mut ok = 0;
    for (child, ids) in runs {
        let out = child.wait_with_output().unwrap();
        let text = read(dir.join("customers.csv"));
        let present = ids
            .iter()
            .filter(|id| text.contains(&format!("\n{id},")))
            .count();
        match out.status.code() {
            Some(0) => {
                ok += 1;
                assert_eq!(present, ids.len(), "a successful import lost rows");
            }
            Some(2) => {
                let err = stderr_of(&out);
                assert!(err.contains("is locked by another dangan process"), "{err}");
                assert_eq!(present, 0, "a refused import wrote rows");
            }
            other => panic!("exit {other:?}: {}", stderr_of(&out)),
        }
    }
    assert!(ok >= 1);
    let text = read(dir.join("customers.csv"));
    assert_eq!(text.lines().count(), 1 + 11 + ok * 2_000);
}

#[test]
fn a_held_lock_refuses_at_once_or_is_waited_for() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cust, _) = sales_archive_and_inputs(tmp.path());
    let before = snapshot(&dir);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".dangan.lock"))
        .unwrap();
    lock.lock().unwrap();
    let out = dangan()
        .args(["import", "--archive"])
        .arg(&dir)
        .arg(&cust)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("is locked by another dangan process") && err.contains("--wait"),
        "{err}"
    );
    let out = dangan()
        .args(["classify", "--write", "--archive"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("is locked"));
    assert_eq!(
        snapshot(&dir),
        before,
        "a refused writer changed the archive"
    );
    // with --wait the import waits for the holder to finish, then runs
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        drop(lock);
    });
    let start = Instant::now();
    let out = dangan()
        .args([
            "import",
            "--wait",
            "30",
            "--as-of",
            "2024-06-30",
            "--archive",
        ])
        .arg(&dir)
        .arg(&cust)
        .output()
        .unwrap();
    releaser.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(start.elapsed() >= Duration::from_millis(700));
    assert!(read(dir.join("customers.csv")).contains("\nC100,新客户甲,"));
}

#[test]
fn classify_write_killed_with_sigkill_at_many_moments_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo"),
        &clean,
    );
    let old = tables(&clean);
    let write = |dir: &Path| {
        let mut c = raw_command(&["classify", "--write", "--as-of", "2026-10-31", "--archive"]);
        c.arg(dir);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let start = Instant::now();
    let out = write(&done).output().unwrap();
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = tables(&done);
    assert_ne!(old, new);
    let kills = 10;
    let (mut olds, mut news) = (0, 0);
    for k in 0..kills {
        let dir = tmp.path().join(format!("kill-{k}"));
        copy_dir(&clean, &dir);
        let at = took.mul_f64(0.5 + 0.6 * k as f64 / kills as f64);
        if kill_after(write(&dir), &dir, at, &old, &new).1 {
            olds += 1;
        } else {
            news += 1;
        }
        let out = write(&dir).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "after {at:?}: {}",
            stderr_of(&out)
        );
        assert!(tables(&dir) == new, "after {at:?}: the re-run differs");
    }
    eprintln!("{kills} kills over a {took:?} classify --write: {olds} old, {news} new");
}

/// The demo archive as WPS on Chinese Windows saves it: GBK with CRLF, every
/// table (so that `fmt` rewrites three files in one commit).
fn wps_saved_demo(dir: &Path) {
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo"),
        dir,
    );
    for t in &TABLES[..3] {
        let mut text = read(dir.join(t)).replace('\n', "\r\n");
        if *t == "customers.csv" {
            // and a person wrote one region short: fmt logs its rewrite
            text = text.replacen(",广东省,", ",广东,", 1);
        }
        let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
        assert!(!bad);
        std::fs::write(dir.join(t), gbk).unwrap();
    }
}

#[test]
fn fmt_killed_at_every_step_of_its_commit_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    wps_saved_demo(&clean);
    let old = tables(&clean);
    let fmt = |dir: &Path| {
        let mut c = raw_command(&["fmt", "--archive"]);
        c.arg(dir);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let out = fmt(&done).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = tables(&done);
    // every table rewritten: UTF-8 and LF, the demo's own bytes; the one
    // cell rewritten is logged
    let log = String::from_utf8(new["changes.csv"].clone().unwrap()).unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(
        log.lines().nth(1).unwrap().contains(",fmt,customers,"),
        "{log}"
    );
    assert!(
        log.lines()
            .nth(1)
            .unwrap()
            .contains(",region,广东,广东省,fmt "),
        "{log}"
    );
    for t in &TABLES[..3] {
        assert_ne!(old[t], new[t], "{t}");
        let demo = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/demo")
                .join(t),
        );
        assert_eq!(new[t].as_ref(), demo.ok().as_ref(), "{t}");
    }
    crash_at_every_point(tmp.path(), &clean, fmt, tables, &old, &new);
}

#[test]
fn a_complaints_import_killed_at_every_step_leaves_old_or_new() {
    // a new complaint and a response to an archived one: complaints.csv
    // replaced and changes.csv made in one commit
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    copy_dir(Path::new(&testdata("complaints")), &clean);
    let file = tmp.path().join("投诉.csv");
    std::fs::write(
        &file,
        "投诉编号,客户编号,受理时间,投诉等级,处理人,响应时间\n\
         K04,C002,2026-03-29 14:00,一般,王芳,2026/3/30 9:00\n\
         K07,C001,2026/3/30 下午2:30,重大,李娜,\n",
    )
    .unwrap();
    let old = tables(&clean);
    let import = |dir: &Path| {
        let mut c = raw_command(&["import", "--archive"]);
        c.arg(dir).arg(&file);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let out = import(&done).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = tables(&done);
    let log = String::from_utf8(new["changes.csv"].clone().unwrap()).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
    assert!(
        log.contains(",import,complaints,K04,responded,,2026-03-30 09:00,"),
        "{log}"
    );
    assert!(log.contains(",import,complaints,K07,*,,created,"), "{log}");
    crash_at_every_point(tmp.path(), &clean, import, tables, &old, &new);
}

#[test]
fn an_import_appending_to_a_log_killed_at_every_step_leaves_old_or_new() {
    // the archive has a log already: the commit appends to it (the first
    // write of a log renames it into place, the tests above)
    let tmp = tempfile::tempdir().unwrap();
    let (clean, cust, tx) = sales_archive_and_inputs(tmp.path());
    let out = raw_command(&[
        "import",
        "--archive",
        clean.to_str().unwrap(),
        cust.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let old = tables(&clean);
    let first_log = old["changes.csv"].clone().unwrap();
    let import = |dir: &Path| {
        let mut c = raw_command(&["import", "--archive"]);
        c.arg(dir).arg(&tx);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let out = import(&done).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let new = tables(&done);
    let log = new["changes.csv"].clone().unwrap();
    assert!(log.starts_with(&first_log) && log.len() > first_log.len());
    assert_eq!(
        String::from_utf8_lossy(&log[first_log.len()..])
            .lines()
            .count(),
        2,
        "two transactions created"
    );
    crash_at_every_point(tmp.path(), &clean, import, tables, &old, &new);
}

#[test]
fn reassign_killed_at_every_step_of_its_commit_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    copy_dir(Path::new(&testdata("due")), &clean);
    let old = std::fs::read(clean.join("customers.csv")).unwrap();
    let write = |dir: &Path| {
        let mut c = raw_command(&[
            "reassign",
            "--from",
            "王芳",
            "--to",
            "李娜,张伟",
            "--as-of",
            "2024-06-30",
            "--archive",
        ]);
        c.arg(dir);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let out = write(&done).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let log = read(done.join("changes.csv"));
    assert_eq!(log.lines().count(), 5, "{log}");
    assert!(
        log.contains(
            ",reassign,customers,C004,owner,王芳,李娜,\"reassign --from 王芳 --to 李娜,张伟\"\n"
        ),
        "{log}"
    );
    let view = |dir: &Path| {
        (
            std::fs::read(dir.join("customers.csv")).unwrap(),
            std::fs::read(dir.join("changes.csv")).ok(),
        )
    };
    let new = view(&done);
    assert_ne!(new.0, old);
    crash_at_every_point(tmp.path(), &clean, write, view, &(old, None), &new);
}

#[test]
fn dedupe_apply_killed_at_every_step_of_its_commit_leaves_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    std::fs::create_dir_all(&clean).unwrap();
    std::fs::write(
        clean.join("customers.csv"),
        "id,name,city,phone,owner,created\n\
         C001,深圳市鸿达贸易有限公司,深圳市,0755-26661234,李娜,2023-01-05\n\
         C002,鸿达贸易(深圳)有限公司,,26661234,王芳,2023-03-01\n\
         C003,广州新创科技有限公司,广州市,,张伟,2023-04-01\n",
    )
    .unwrap();
    std::fs::write(
        clean.join("transactions.csv"),
        "id,customer_id,date,amount,paid,kind\nT1,C002,2024-01-10,1000.00,0.00,sale\n",
    )
    .unwrap();
    std::fs::write(
        clean.join("followups.csv"),
        "customer_id,date,channel,owner,note,next_date\nC002,2024-02-01,电话,王芳,问价,\n",
    )
    .unwrap();
    // the pairs as `dedupe --format csv` lists them
    let listed = Command::new(bin())
        .args(["dedupe", "--format", "csv", "--archive"])
        .arg(&clean)
        .env("DANGAN_TODAY", "2024-06-30")
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let pairs = tmp.path().join("pairs.csv");
    std::fs::write(&pairs, &listed).unwrap();
    let old = tables(&clean);
    let write = |dir: &Path| {
        let mut c = raw_command(&["dedupe", "--apply", pairs.to_str().unwrap(), "--archive"]);
        c.arg(dir);
        c
    };
    let done = tmp.path().join("done");
    copy_dir(&clean, &done);
    let out = write(&done).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let log = read(done.join("changes.csv"));
    assert!(
        log.contains(",dedupe,customers,C002,*,,merged_into:C001,"),
        "{log}"
    );
    assert!(
        log.contains(",dedupe,transactions,T1,customer_id,C002,C001,"),
        "{log}"
    );
    assert!(
        log.contains(",dedupe,followups,C002,customer_id,C002,C001,"),
        "{log}"
    );
    let view = |dir: &Path| (tables(dir), std::fs::read(dir.join("changes.csv")).ok());
    let new = view(&done);
    assert_ne!(new.0, old);
    crash_at_every_point(tmp.path(), &clean, write, view, &(old, None), &new);
}
