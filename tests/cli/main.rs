//! The integration tests: one test binary (it links the library and polars
//! once), a module per command or concern, the shared helpers in `common`.
//! Every test runs the real `dangan` binary or the library on fixtures from
//! `testdata/` and `examples/demo`, and asserts exact rows, bytes and codes.
//! (`tests/hostile.rs` is a binary of its own: it measures the peak memory of
//! the children it starts, which a big parent would inflate.)

#![allow(dead_code)]

mod common;

mod analyze;
mod bad_input;
mod cache;
mod classify;
mod complaints;
mod crash;
mod day;
mod dedupe;
mod export;
mod fmt;
mod fuzz_regressions;
mod import;
mod messages;
mod people_outputs;
mod properties;
mod reading;
mod report;
mod revisions;
mod show;
mod validate;
mod xlsx;
