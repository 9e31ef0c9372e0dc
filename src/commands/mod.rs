//! One file per subcommand's logic; the CLI in `src/bin/dangan.rs` only parses
//! flags and calls these.

#[cfg(feature = "analytics")]
pub mod analyze;
#[cfg(feature = "analytics")]
pub mod classify;
pub mod fmt;
pub mod import;
#[cfg(feature = "analytics")]
pub mod report;
pub mod validate;
