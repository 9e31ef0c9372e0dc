//! Validation (`dangan validate`): the rules, their stable names, default
//! severities and settings (`rules`).

pub mod rules;
