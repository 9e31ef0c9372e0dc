#![no_main]
// Body and properties: dangan::fuzz (yaml). Run: bash fuzz/run.sh yaml
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("yaml", data));
