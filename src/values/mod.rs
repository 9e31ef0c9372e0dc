//! Values as people write them, and their one canonical form. No I/O.
//! - `text`: half-width forms, spaces, header keys, masking of confidential values
//! - `money`: yuan ↔ integer fen (`¥1,234.50`, `1.2万`), quantities in ten-thousandths
//! - `dates`: every accepted way of writing a date (`2024/3/5`, `2024年3月5日`, Excel serials)
//! - `ids`: the check digits of ID numbers (GB 11643) and credit codes (GB 32100)
//! - `normalize`: one value of a column kind to its canonical form, or why not

pub mod dates;
pub mod ids;
pub mod money;
pub mod normalize;
pub mod text;
