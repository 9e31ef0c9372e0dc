#![no_main]
// Body and properties: dangan::fuzz (csv). Run: bash fuzz/run.sh csv
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("csv", data));
