//! One file per subcommand's logic; the CLI in `src/bin/dangan.rs` only parses
//! flags and calls these.

pub mod analyze;
pub mod classify;
pub mod import;
pub mod report;
pub mod validate;
