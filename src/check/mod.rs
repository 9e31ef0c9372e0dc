//! Validation (`dangan validate`, the report's health section):
//! - `rules`: the rules, their stable names, default severities and settings
//! - `engine`: the pass over a table, `unique` and `duplicate` in file order
//! - `row`: the checks of one row (formats, sets, check digits, dates, amounts)

pub mod engine;
pub mod row;
pub mod rules;
