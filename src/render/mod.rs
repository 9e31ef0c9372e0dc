//! What people and programs read: `output` (`--format` and `--lang`, tables,
//! CSV/JSON/YAML), `document` (a report as sections of blocks: text,
//! Markdown, JSON), `html` (a report as one self-contained HTML file),
//! `xlsx` (every table as a sheet of a workbook), `export` (the archive as
//! typed Parquet and the `views.sql` over it).

pub mod document;
#[cfg(feature = "analytics")]
pub mod export;
pub mod html;
pub mod messages;
pub mod output;
pub mod records;
pub mod xlsx;
