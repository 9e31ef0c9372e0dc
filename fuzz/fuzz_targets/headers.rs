#![no_main]
// Body and properties: dangan::fuzz (headers). Run: bash fuzz/run.sh headers
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("headers", data));
