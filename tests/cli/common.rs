//! Helpers shared by the integration tests: run the real binary on fixtures.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn testdata(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
        .display()
        .to_string()
}

/// The binary with a fixed "today", English labels and no inherited archive.
pub fn dangan() -> Command {
    let mut c = Command::cargo_bin("dangan").expect("binary");
    c.env("DANGAN_TODAY", "2024-06-30")
        .env("DANGAN_LANG", "en")
        .env("DANGAN_NOW", FIXED_NOW)
        .env_remove("DANGAN_ARCHIVE");
    c
}

/// The time every test run writes into `changes.csv` and `access.csv`.
pub const FIXED_NOW: &str = "2024-06-30T12:00:00+08:00";

pub fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// Every file under a directory (relative path → bytes), to prove a command
/// left an archive untouched.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().is_some_and(|n| n != ".dangan.lock") {
                out.insert(
                    p.strip_prefix(root).expect("prefix").to_path_buf(),
                    std::fs::read(&p).expect("read"),
                );
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Copy a fixture directory into a fresh temp dir.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_file() {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `dangan analyze region --format csv` on testdata/sales as of 2024-06-30:
/// the table worked out by hand in tests/analyze.rs (transaction regions
/// overriding the customer's, returns and discounts netted).
pub const SALES_REGION: &str = "\
region,customers,orders,quantity,amount,share,cumulative_share,prev_amount,change
广东省,4,4,1015.5,54000.00,53.95,53.95,0.00,
四川省,1,2,2000,19000.00,18.98,72.93,0.00,
山东省,1,1,2400,12000.00,11.99,84.92,0.00,
浙江省,1,1,6000,6000.00,5.99,90.91,0.00,
上海市,2,3,6002,5600.00,5.59,96.50,0.00,
江苏省,1,1,1000,2000.00,2.00,98.50,0.00,
湖北省,1,1,200,1000.00,1.00,99.50,5000.00,-80.00
,1,1,10,500.00,0.50,100.00,0.00,
";

/// Run the binary with `args` on the archive `dir`.
pub fn run<P: AsRef<std::ffi::OsStr> + ?Sized>(args: &[&str], dir: &P) -> std::process::Output {
    dangan()
        .args(args)
        .arg("--archive")
        .arg(dir.as_ref())
        .output()
        .unwrap()
}

/// [`run`], which must exit 0: its stdout.
pub fn ok<P: AsRef<std::ffi::OsStr> + ?Sized>(args: &[&str], dir: &P) -> String {
    let out = run(args, dir);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}
