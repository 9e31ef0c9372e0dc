#![no_main]
// Body and properties: dangan::fuzz (dates). Run: bash fuzz/run.sh dates
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("dates", data));
