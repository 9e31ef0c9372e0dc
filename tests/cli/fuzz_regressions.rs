//! The inputs the fuzzers (`bash fuzz/run.sh`) found crashing, replayed on
//! every `cargo test`: each file of `testdata/fuzz/<target>/` goes through the
//! same body the fuzz target runs (`dangan::fuzz::run`), which panics when a
//! property breaks. A fix that regresses fails here, without cargo-fuzz.

use std::path::Path;

#[test]
fn every_kept_crash_input_now_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz");
    let mut replayed = Vec::new();
    for target in dangan::fuzz::TARGETS {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).expect("read");
            dangan::fuzz::run(target, &data);
            replayed.push(format!(
                "{target}/{}",
                f.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    // the crashes the fuzzers found are kept: this test replays them all
    assert!(
        !replayed.is_empty(),
        "no kept fuzz inputs under {}",
        root.display()
    );
}

#[test]
fn the_fuzz_bodies_accept_what_people_type() {
    // the bodies themselves, on inputs of every kind (a smoke test of the
    // properties: each would panic on a broken normaliser)
    for (target, input) in [
        ("normalise", "¥1,234.50"),
        ("normalise", "2024年3月5日"),
        ("normalise", "'=SUM(A1)"),
        ("money", "1.2万"),
        ("money", "(12.005)"),
        ("dates", "20240305"),
        ("ids", "11010519900307123X"),
        ("ids", "91440101MA59ABCD1D"),
        ("headers", "客户全名=name\n客户全名\n手机"),
        ("csv", "客户名称,手机\n张三,13800138000\n"),
        ("yaml", "- name: 张三\n  mobile: '13800138000'\n"),
    ] {
        dangan::fuzz::run(target, input.as_bytes());
    }
}
