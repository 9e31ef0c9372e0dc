//! Reading files, and reading the archive one way whoever wrote it (SPEC.md
//! "Reading the archive"):
//! - `source`: any file people hand us as rows of text — CSV/TSV, YAML,
//!   XLSX; UTF-8, BOM, GBK/GB18030, UTF-16 (where a GBK file is decoded);
//! - `encoding`: where a file's encoding is found and GBK decoded; `yaml`,
//!   `workbook`: those formats as rows; `chunks`: a CSV cut into records;
//! - `pipeline`: a CSV cut into chunks that worker threads parse, results back
//!   in file order;
//! - `entry`: a customer file read as import would take it in, for checks at
//!   entry (`dedupe FILE`);
//! - `cells`: the one meaning of an archive cell (what `import` would store),
//!   and the message for a cell that cannot be read;
//! - `frame`: an archive table as a polars frame (money and quantities as
//!   integers), read in parallel through `cells` — the CSV path, the YAML
//!   path and the binary copies of `.cache/` alike.

pub mod cells;
pub mod chunks;
pub mod encoding;
pub mod entry;
#[cfg(feature = "analytics")]
pub mod frame;
pub mod pipeline;
pub mod source;
pub mod workbook;
pub mod yaml;
