#![no_main]
// Body and properties: dangan::fuzz (normalise). Run: bash fuzz/run.sh normalise
libfuzzer_sys::fuzz_target!(|data: &[u8]| dangan::fuzz::run("normalise", data));
