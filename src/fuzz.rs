//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), kept in the
//! library so the crashing inputs the fuzzer found run again in `cargo test`
//! (`tests/cli/fuzz_regressions.rs` feeds every file of `testdata/fuzz/<target>/`
//! to [`run`]). Each body panics when a property breaks, which is what the
//! fuzzer reports:
//!
//! | target | what is fed | what must hold |
//! |---|---|---|
//! | `normalise` | a value, for every column kind | no panic; a normalised value normalises to itself |
//! | `money` | an amount as typed | no panic; printed fen parse back to the same fen |
//! | `dates` | a date as typed, an Excel serial | no panic; an ISO date parses back to itself |
//! | `ids` | an ID number / credit code | no panic; a valid one carries its own check character |
//! | `headers` | header rows and user aliases | no panic; a canonical name maps to itself |
//! | `csv` | a whole file (any bytes) | no panic; every row has one value per header |
//! | `yaml` | a whole YAML file | no panic; every row has one value per header |

use crate::archive::schema::{HeaderMap, TableKind, detect_table};
use crate::read::source::{ReadOptions, Source};
use crate::values::normalize::{normalise, normalise_cow};

/// The fuzz targets, by name.
pub const TARGETS: &[&str] = &[
    "normalise",
    "money",
    "dates",
    "ids",
    "headers",
    "csv",
    "yaml",
];

/// Run the body of fuzz target `target` on `data`.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "normalise" => normalise_values(data),
        "money" => money(data),
        "dates" => dates(data),
        "ids" => ids(data),
        "headers" => headers(data),
        "csv" => reader(data, "fuzz.csv"),
        "yaml" => reader(data, "fuzz.yaml"),
        other => panic!("no fuzz target {other:?}"),
    }
}

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Every column kind of every table: normalising never panics, a value that
/// was normalised is a fixed point, and the borrowing fast path agrees.
pub fn normalise_values(data: &[u8]) {
    let raw = text(data);
    for table in TableKind::ALL {
        for col in table.columns() {
            for xlsx in [false, true] {
                let o = normalise(col.kind, &raw, xlsx);
                let (cow, flags) = normalise_cow(col.kind, &raw, xlsx);
                assert_eq!(
                    flags.problem.is_some(),
                    o.problem.is_some(),
                    "{}: fast path disagrees on {raw:?}",
                    col.name
                );
                if o.problem.is_none() {
                    assert_eq!(cow, o.value, "{}: fast path disagrees on {raw:?}", col.name);
                    // an ISO date is read as a date again, not as a serial
                    let again = normalise(col.kind, &o.value, false);
                    assert_eq!(
                        again.value, o.value,
                        "{}: not idempotent on {raw:?}",
                        col.name
                    );
                    assert!(again.problem.is_none(), "{}: {raw:?}", col.name);
                }
            }
        }
    }
}

/// Amounts: the fen printed as yuan parse back to the same fen, unrounded.
pub fn money(data: &[u8]) {
    let s = text(data);
    if let Ok(p) = crate::values::money::parse_yuan(&s) {
        let printed = crate::values::money::format_yuan(p.fen);
        let back = crate::values::money::parse_yuan(&printed).expect("printed amount parses");
        assert_eq!(back.fen, p.fen, "{s:?} → {printed}");
        assert!(!back.rounded);
        assert_eq!(crate::values::money::cell_fen(&printed), Ok(Some(p.fen)));
    }
}

/// Dates: whatever parses prints as ISO and parses back to the same day.
pub fn dates(data: &[u8]) {
    let s = text(data);
    if let Some(d) = crate::values::dates::parse_date(&s) {
        let iso = crate::values::dates::iso(d);
        assert_eq!(crate::values::dates::parse_iso(&iso), Some(d), "{s:?}");
        assert_eq!(crate::values::dates::parse_date(&iso), Some(d), "{s:?}");
    }
    if data.len() >= 8 {
        let serial = f64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        let _ = crate::values::dates::from_excel_serial(serial);
    }
    let _ = crate::check::rules::iso_date(&s);
}

/// ID numbers and credit codes: no input panics; a valid one ends in the
/// check character computed from its first 17.
pub fn ids(data: &[u8]) {
    let s = text(data);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    if crate::check::rules::check_id_number(&s, as_of).is_ok() {
        let check = crate::values::ids::id_number_check(&s[..17]);
        assert_eq!(check, s.chars().nth(17), "{s:?}");
    }
    if crate::check::rules::check_credit_code(&s).is_ok() {
        assert_eq!(
            crate::values::ids::credit_code_check(&s[..17]),
            s.chars().nth(17)
        );
    }
    for n in [17usize, 18] {
        let head: String = s.chars().take(n).collect();
        let _ = crate::values::ids::id_number_check(&head);
        let _ = crate::values::ids::credit_code_check(&head);
    }
}

/// Header rows: lines of headers, the first `header=column` lines being user
/// aliases. Mapping never panics and canonical names map to themselves.
pub fn headers(data: &[u8]) {
    let s = text(data);
    let mut user = Vec::new();
    let mut headers = Vec::new();
    for line in s.lines() {
        match line.split_once('=') {
            Some((from, to)) if headers.is_empty() => user.push((from.into(), to.into())),
            _ => headers.push(line.to_string()),
        }
    }
    for table in TableKind::ALL {
        let map = HeaderMap::new(table, &[]);
        for col in table.columns() {
            assert_eq!(map.lookup(col.name), Some(col.name));
        }
        let with_user = HeaderMap::new(table, &user);
        for h in &headers {
            let _ = with_user.lookup(h);
        }
    }
    let _ = detect_table(&headers, &|_| user.clone());
}

/// A whole file as the readers see it (encoding detection, delimiter
/// sniffing, CSV or YAML): rows until the end or an error, never a panic.
pub fn reader(data: &[u8], name: &str) {
    let Ok(mut src) = Source::from_bytes(name.into(), data.to_vec(), None, &ReadOptions::default())
    else {
        return;
    };
    let width = src.headers.len();
    let mut rows = 0u32;
    while let Ok(Some(row)) = src.next_row() {
        assert_eq!(
            row.values.len(),
            width,
            "{name}: row {} is ragged",
            row.line
        );
        rows += 1;
        if rows > 100_000 {
            break;
        }
    }
}
