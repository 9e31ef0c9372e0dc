//! One file (or folder) per subcommand: its flags (`Args`), its `main` from
//! the command line, its run and its printing. The flags they share are in
//! `crate::flags`. `src/bin/dangan.rs` only parses and dispatches.

#[cfg(feature = "analytics")]
pub mod analyze;
#[cfg(feature = "analytics")]
pub mod classify;
pub mod dedupe;
#[cfg(feature = "analytics")]
pub mod due;
#[cfg(feature = "analytics")]
pub mod export;
pub mod find;
pub mod fmt;
pub mod history;
pub mod import;
#[cfg(feature = "analytics")]
pub mod reassign;
#[cfg(feature = "analytics")]
pub mod report;
#[cfg(feature = "analytics")]
pub mod show;
pub mod validate;
