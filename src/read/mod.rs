//! Reading the archive one way, whoever wrote it (SPEC.md "Reading the
//! archive"). Every command that computes from the archive reads its cells
//! here, so a file saved by Excel, WPS, DuckDB or pandas gives the same
//! numbers as one written by dangan:
//! - `cells`: the one meaning of a cell (what `import` would store), and the
//!   message for a cell that cannot be read;
//! - `frame`: an archive table as a polars frame (money and quantities as
//!   integers), read in parallel through those cells — the CSV path, the YAML
//!   path and the binary copies of `.cache/` alike.
//!
//! Where a file is decoded (GBK, BOM, UTF-16) and cut into records: `input`.

pub mod cells;
#[cfg(feature = "analytics")]
pub mod frame;
