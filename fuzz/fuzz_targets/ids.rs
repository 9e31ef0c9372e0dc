#![no_main]
// Body and properties: dangan::fuzz (ids). Run: bash fuzz/run.sh ids
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("ids", data));
