//! The binary copies of big CSV tables (`src/cache.rs`), on a copy of the
//! hand-made archive testdata/sales with the size threshold set to 0 so that
//! every CSV gets one: the answers are the same as from the CSV, a changed CSV
//! is never answered from an old copy, and when no copy can be made the
//! command still works (or fails) exactly as without copies.

use crate::common::*;
use std::path::{Path, PathBuf};

/// testdata/sales copied into a temp dir, with the given `archive:` settings.
fn archive(settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&testdata("sales")), dir.path());
    std::fs::write(dir.path().join("dangan.yaml"), settings).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = dangan()
        .args(args)
        .args(["--format", "csv", "--archive"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

/// The copies in `.cache/`, by file name.
fn copies(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir.join(".cache")) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

fn copy_of(dir: &Path, table: &str) -> PathBuf {
    let names = copies(dir);
    let mine: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with(&format!("{table}.")))
        .collect();
    assert_eq!(mine.len(), 1, "{names:?}");
    dir.join(".cache").join(mine[0])
}

const ON: &str = "archive:\n  cache_min_mb: 0\n";
const OFF: &str = "archive:\n  cache: false\n";

const REGION: &str = SALES_REGION;
/// A view grouped by a customer's city: polars over the transactions' copy
/// (the facts hold no city).
const CITY: &[&str] = &["analyze", "region", "--by", "city"];

#[test]
fn copies_give_the_same_answers_as_the_csv() {
    let on = archive(ON);
    let off = archive(OFF);
    for args in [
        &["analyze", "region"][..],
        &["analyze", "product", "--by", "category,product"],
        &["analyze", "month"],
        &["analyze", "credit"],
        &["analyze", "sales"],
        &["classify"],
    ] {
        let from_csv = run(off.path(), args);
        let first = run(on.path(), args); // makes the copies
        let second = run(on.path(), args); // reads them
        assert_eq!(first, from_csv, "{args:?}");
        assert_eq!(second, from_csv, "{args:?}");
    }
    assert_eq!(run(on.path(), &["analyze", "region"]), REGION);
    // one copy per table, the codes classify sums and the facts the
    // composition tables sum; none with copies off
    let names = copies(on.path());
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].starts_with("codes.k2.") && names[0].ends_with(".codes"));
    assert!(names[1].starts_with("customers.") && names[1].ends_with(".arrow"));
    assert!(names[2].starts_with("facts.f2.") && names[2].ends_with(".codes"));
    assert!(names[3].starts_with("transactions.") && names[3].ends_with(".arrow"));
    assert!(copies(off.path()).is_empty());
}

#[test]
fn the_default_threshold_leaves_small_archives_alone() {
    let dir = archive("");
    assert_eq!(run(dir.path(), &["analyze", "region"]), REGION);
    assert!(!dir.path().join(".cache").exists());
}

#[test]
fn a_changed_csv_is_read_again_and_its_old_copy_removed() {
    let dir = archive(ON);
    assert_eq!(run(dir.path(), &["analyze", "region"]), REGION);
    // the region table's facts come from the file in one pass; the city
    // table's polars query makes the copy
    let city = run(dir.path(), CITY);
    let old = copy_of(dir.path(), "transactions");
    // the same size, edited in place: T001's 50000.00 becomes 90000.00
    let path = dir.path().join("transactions.csv");
    let text = read(&path);
    let edited = text.replacen(
        "1000,50.00,50000.00,30000.00",
        "1000,90.00,90000.00,30000.00",
        1,
    );
    assert_ne!(edited, text);
    assert_eq!(edited.len(), text.len());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, edited.as_bytes()))
        .unwrap();
    let got = run(dir.path(), &["analyze", "region"]);
    assert!(got.contains("\n广东省,4,4,1015.5,94000.00,"), "{got}");
    let new_city = run(dir.path(), CITY);
    assert_ne!(new_city, city);
    let new = copy_of(dir.path(), "transactions");
    assert_ne!(new, old);
    assert!(!old.exists());
    // and the new copy answers like the CSV
    assert_eq!(run(dir.path(), &["analyze", "region"]), got);
    let plain = archive(OFF);
    std::fs::copy(&path, plain.path().join("transactions.csv")).unwrap();
    assert_eq!(run(plain.path(), CITY), new_city);
}

#[test]
fn no_copy_when_the_cache_directory_cannot_be_made() {
    let dir = archive(ON);
    std::fs::write(dir.path().join(".cache"), "not a directory").unwrap();
    assert_eq!(run(dir.path(), &["analyze", "region"]), REGION);
    assert_eq!(read(dir.path().join(".cache")), "not a directory");
}

#[test]
fn a_bad_number_is_reported_from_the_csv_and_no_copy_is_left() {
    let dir = archive(ON);
    let path = dir.path().join("transactions.csv");
    // (`5万` is read as 50000.00, as import reads it: a letter O is not)
    let text = read(&path).replacen("50000.00", "5OOOO", 1);
    std::fs::write(&path, text).unwrap();
    let out = dangan()
        .args(["analyze", "region", "--archive"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("transactions.csv:2: column amount: \"5OOOO\": not an amount"),
        "{err}"
    );
    // no copy of the transactions, nor a temp file (the region table read
    // the customers first: their copy may be there)
    let names = copies(dir.path());
    assert!(
        names.iter().all(|n| n.starts_with("customers.")),
        "{names:?}"
    );
}

#[test]
fn a_copy_is_not_part_of_the_backups_or_the_import() {
    let dir = archive(ON);
    run(dir.path(), CITY);
    let before = copy_of(dir.path(), "transactions");
    // importing more transactions rewrites the CSV: the next run reads it
    let extra = dir.path().join("extra.csv");
    std::fs::write(
        &extra,
        "id,customer_id,date,product,category,quantity,unit_price,amount,paid,due_date,kind,region\n\
         T900,C001,2024-06-01,水泥,建材,10,50.00,500.00,500.00,,sale,\n",
    )
    .unwrap();
    let out = dangan()
        .args(["import"])
        .arg(&extra)
        .args(["--table", "transactions", "--archive"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = run(dir.path(), &["analyze", "region"]);
    assert!(got.contains("\n广东省,4,5,1025.5,54500.00,"), "{got}");
    // the old copy went (the region table found it stale)
    assert!(!before.exists());
    for e in std::fs::read_dir(dir.path().join(".backup"))
        .unwrap()
        .flatten()
    {
        for f in std::fs::read_dir(e.path()).unwrap().flatten() {
            assert!(!f.file_name().to_string_lossy().ends_with(".arrow"));
        }
    }
}

#[test]
fn a_damaged_copy_is_not_trusted_and_is_made_again() {
    let dir = archive(ON);
    // a view that reads the transactions' copy itself (region, product and
    // month read the facts made from it: `damaged_facts_…` below)
    let want = run(archive(OFF).path(), CITY);
    assert_eq!(run(dir.path(), CITY), want);
    let copy = copy_of(dir.path(), "transactions");
    let good = std::fs::read(&copy).unwrap();
    // cut short; bytes flipped in its middle third (header and footer
    // intact); overwritten with garbage of the same length
    let n = good.len();
    let mut flipped = good.clone();
    for i in (n / 3..2 * n / 3).step_by(13) {
        flipped[i] ^= 0xff;
    }
    for damaged in [
        good[..n / 2].to_vec(),
        flipped,
        good.iter()
            .map(|b| b.wrapping_mul(31).wrapping_add(7))
            .collect(),
    ] {
        std::fs::write(&copy, &damaged).unwrap();
        assert_eq!(run(dir.path(), CITY), want);
        // removed by that run, made again by the next, which reads it
        assert!(!copy.exists());
        assert_eq!(run(dir.path(), CITY), want);
        assert_eq!(std::fs::read(&copy).unwrap(), good);
    }
}

/// One bit flipped anywhere in a copy — its header, an amount's buffer, a
/// string's offsets, the footer — is caught by the footer's checksum: the
/// answer is the CSV's, the copy is removed and made again (issue 21).
#[test]
fn a_copy_with_one_flipped_bit_anywhere_is_detected() {
    let dir = archive(ON);
    // a view that reads the transactions' copy itself (region, product and
    // month read the facts made from it: `damaged_facts_…` below)
    let want = run(archive(OFF).path(), CITY);
    assert_eq!(run(dir.path(), CITY), want);
    let copy = copy_of(dir.path(), "transactions");
    let good = std::fs::read(&copy).unwrap();
    let n = good.len();
    assert_eq!(&good[n - 8..], b"DGNCOPY3");
    // 40 places spread over the file, and its first and last bytes
    let mut at: Vec<usize> = (0..40).map(|k| k * n / 40).collect();
    at.extend([1, n - 1, n - 9, n - 20]);
    for (k, &i) in at.iter().enumerate() {
        let mut damaged = good.clone();
        damaged[i] ^= 1 << (k % 8);
        std::fs::write(&copy, &damaged).unwrap();
        assert_eq!(run(dir.path(), CITY), want, "bit {} of byte {i}", k % 8);
        assert!(!copy.exists(), "byte {i}: the damaged copy was kept");
        // made again by the next run
        assert_eq!(run(dir.path(), CITY), want);
        assert_eq!(std::fs::read(&copy).unwrap(), good);
    }
}

#[test]
fn temp_files_of_killed_runs_are_removed_once_an_hour_old() {
    let dir = archive(ON);
    let cache = dir.path().join(".cache");
    std::fs::create_dir(&cache).unwrap();
    let old = cache.join(".tmp-killed.arrow");
    let fresh = cache.join(".tmp-running.arrow");
    std::fs::write(&old, "half a copy").unwrap();
    std::fs::write(&fresh, "a copy being written").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    assert_eq!(run(dir.path(), &["analyze", "region"]), REGION);
    assert!(!old.exists());
    assert!(fresh.exists());
    run(dir.path(), CITY);
    copy_of(dir.path(), "transactions");
}

#[test]
fn the_report_is_the_same_from_copies() {
    let report = |dir: &Path| {
        let out = dangan()
            .args(["report", "--format", "markdown", "--archive"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    let on = archive(ON);
    let off = archive(OFF);
    let from_csv = report(off.path());
    assert!(from_csv.contains("广东省"), "{from_csv}");
    assert_eq!(report(on.path()), from_csv); // makes the copies
    assert_eq!(report(on.path()), from_csv); // reads them
    assert_eq!(copies(on.path()).len(), 4, "{:?}", copies(on.path()));
}

/// The codes `classify` sums (`src/analytics/codes.rs`): a flipped bit
/// anywhere is caught by their footer, the answer is the CSV's, and the next
/// run makes them again byte for byte.
#[test]
fn damaged_codes_are_not_trusted_and_are_made_again() {
    let on = archive(ON);
    let from_csv = run(archive(OFF).path(), &["classify"]);
    assert_eq!(run(on.path(), &["classify"]), from_csv);
    let codes = copy_of(on.path(), "codes");
    let good = std::fs::read(&codes).unwrap();
    let n = good.len();
    // 8 bytes of row count, 29 a transaction (18 rows: the money starts at
    // 8 + 18 × 12 = 224, a multiple of 8, so no padding), 20 of footer
    assert_eq!(n, 8 + 18 * 29 + 20);
    assert_eq!(&good[n - 8..], b"DGNCODE2");
    for (k, i) in [
        0,
        8,
        8 + 18 * 4,
        8 + 18 * 12 + 3,
        8 + 18 * 28,
        n - 20,
        n - 1,
    ]
    .into_iter()
    .enumerate()
    {
        let mut damaged = good.clone();
        damaged[i] ^= 1 << (k % 8);
        std::fs::write(&codes, &damaged).unwrap();
        assert_eq!(run(on.path(), &["classify"]), from_csv, "byte {i}");
        // removed and made again in the same run
        assert_eq!(std::fs::read(&codes).unwrap(), good, "byte {i}");
    }
    // cut short, and emptied
    for damaged in [good[..n / 2].to_vec(), Vec::new()] {
        std::fs::write(&codes, &damaged).unwrap();
        assert_eq!(run(on.path(), &["classify"]), from_csv);
        assert_eq!(std::fs::read(&codes).unwrap(), good);
    }
}

/// The codes name customers by their row in the customers file: when that
/// file changes (here its rows reversed, same bytes otherwise), the old codes
/// are never read, and the grades are the CSV's.
#[test]
fn codes_follow_a_change_to_the_customers_file() {
    let on = archive(ON);
    let off = archive(OFF);
    assert_eq!(
        run(on.path(), &["classify"]),
        run(off.path(), &["classify"])
    );
    let old = copy_of(on.path(), "codes");
    for dir in [on.path(), off.path()] {
        let path = dir.join("customers.csv");
        let text = read(&path);
        let mut lines: Vec<&str> = text.lines().collect();
        lines[1..].reverse();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    let from_csv = run(off.path(), &["classify"]);
    assert_eq!(run(on.path(), &["classify"]), from_csv);
    assert_eq!(run(on.path(), &["classify"]), from_csv);
    assert!(!old.exists());
    assert_ne!(copy_of(on.path(), "codes"), old);
}

/// The composition tables a view sums from the facts
/// (`src/analytics/facts.rs`), with `--top` and several keys, each the same
/// bytes as from the CSV.
const FACT_VIEWS: [&[&str]; 8] = [
    &["analyze", "region"],
    &["analyze", "product"],
    &["analyze", "month"],
    &["analyze", "product", "--by", "category,product"],
    &["analyze", "product", "--by", "category"],
    &["analyze", "region", "--top", "2"],
    &["analyze", "product", "--by", "month,region", "--top", "3"],
    &[
        "analyze",
        "month",
        "--period",
        "3m",
        "--as-of",
        "2024-06-30",
    ],
];

/// Facts give the CSV's tables; a flipped bit, a cut or an emptied file is
/// refused, removed, and the facts made again in the same run.
#[test]
fn damaged_facts_are_not_trusted_and_are_made_again() {
    let on = archive(ON);
    let off = archive(OFF);
    for args in FACT_VIEWS {
        assert_eq!(run(on.path(), args), run(off.path(), args), "{args:?}");
    }
    let facts = copy_of(on.path(), "facts");
    let good = std::fs::read(&facts).unwrap();
    let n = good.len();
    assert_eq!(&good[n - 8..], b"DGNFACT2");
    let want = run(off.path(), &["analyze", "region"]);
    let mut damaged: Vec<Vec<u8>> = (0..12)
        .map(|k| {
            let mut b = good.clone();
            b[k * (n - 1) / 11] ^= 1 << (k % 8);
            b
        })
        .collect();
    damaged.extend([good[..n / 2].to_vec(), Vec::new()]);
    for (k, bytes) in damaged.into_iter().enumerate() {
        std::fs::write(&facts, &bytes).unwrap();
        assert_eq!(run(on.path(), &["analyze", "region"]), want, "damage {k}");
        assert_eq!(std::fs::read(&facts).unwrap(), good, "damage {k}");
    }
}

/// Transactions without a customer, or of a customer the file lacks, and a
/// customers file that writes an archive number twice (no facts are made:
/// the polars path joins such a customer once per row) give the CSV's
/// tables from the copies too.
#[test]
fn facts_count_unknown_and_missing_customers_as_the_csv_does() {
    let on = archive(ON);
    let off = archive(OFF);
    for dir in [on.path(), off.path()] {
        let path = dir.join("transactions.csv");
        let mut text = read(&path);
        let row = text.lines().nth(1).unwrap().to_string();
        let mut f: Vec<String> = row.split(',').map(String::from).collect();
        f[0] = "T901".into();
        f[1] = String::new();
        text.push_str(&(f.join(",") + "\n"));
        f[0] = "T902".into();
        f[1] = "C999".into();
        text.push_str(&(f.join(",") + "\n"));
        std::fs::write(&path, text).unwrap();
    }
    for args in FACT_VIEWS {
        assert_eq!(run(on.path(), args), run(off.path(), args), "{args:?}");
    }
    assert!(copies(on.path()).iter().any(|n| n.starts_with("facts.")));
    // an archive number written twice: no facts, the same tables
    for dir in [on.path(), off.path()] {
        let path = dir.join("customers.csv");
        let text = read(&path);
        let second = text.lines().nth(2).unwrap().to_string();
        let first_id = text
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        let twice = second.replacen(second.split(',').next().unwrap(), &first_id, 1);
        std::fs::write(&path, format!("{text}{twice}\n")).unwrap();
    }
    for args in FACT_VIEWS {
        assert_eq!(run(on.path(), args), run(off.path(), args), "{args:?}");
    }
    assert!(!copies(on.path()).iter().any(|n| n.starts_with("facts.")));
}
