#![no_main]
// Body and properties: dangan::fuzz (money). Run: bash fuzz/run.sh money
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("money", data));
