//! The one meaning of an archive cell: the value `import` would store for it
//! (`normalize::normalise_cow`), whoever wrote the file. `""` is an empty
//! value, exactly like nothing between two commas; `2026/8/15` is
//! `2026-08-15`; `¥5,871.47` is `5871.47`; `退货` is `return`.
//!
//! Cells that numbers are computed from (money, quantities, dates, and the
//! closed sets such as a transaction's kind) must be readable: one that is
//! not stops the command with [`unreadable`]'s message. Other cells that do
//! not normalise (a mistyped phone) are kept as written, as `import` keeps
//! them; `validate` reports them.

use crate::archive::schema::{Column, ValueKind};
use crate::values::normalize::normalise_cow;
use std::borrow::Cow;

/// Must a cell of this column be readable for the command to go on? Money,
/// quantities and dates, and the closed sets that sums and risk rules depend
/// on (a transaction's kind, a customer's status). A customer's kind is a
/// label: an unknown one (`vip`) is kept as written, a group of its own, and
/// `validate` reports it.
pub fn is_strict(column: &Column) -> bool {
    match column.kind {
        ValueKind::Money
        | ValueKind::Quantity
        | ValueKind::Date
        | ValueKind::Moment
        | ValueKind::Score => true,
        ValueKind::Enum(set) => set != crate::archive::schema::CUSTOMER_KINDS,
        _ => false,
    }
}

/// The canonical value of a cell of `column`, or why it cannot be read.
pub fn read<'a>(column: &Column, raw: &'a str) -> Result<Cow<'a, str>, String> {
    let (v, flags) = normalise_cow(column.kind, raw, false);
    match flags.problem {
        Some(why) if is_strict(column) => Err(why),
        _ => Ok(v),
    }
}

/// [`read`] at a place in a file: the error is [`unreadable`]'s message.
pub fn read_at<'a>(
    file: &str,
    line: u64,
    column: &Column,
    raw: &'a str,
) -> Result<Cow<'a, str>, String> {
    read(column, raw).map_err(|why| unreadable(file, line, column, raw, &why))
}

/// How a person repairs a cell of this kind.
pub fn repair(kind: ValueKind) -> String {
    match kind {
        ValueKind::Money => {
            "write an amount in yuan, e.g. 1234.50 (¥, 元, 万 and thousands separators are read)"
                .into()
        }
        ValueKind::Quantity => "write a number, e.g. 12 or 2.5".into(),
        ValueKind::Date => {
            "write a date, e.g. 2026-08-15 (2026/8/15, 2026年8月15日 and 20260815 are read)".into()
        }
        ValueKind::Moment => "write a date, or a date and time, e.g. 2026-08-15 14:30 \
             (2026/8/15 下午2:30 and 2026年8月15日14时30分 are read)"
            .into(),
        ValueKind::Score => "write 1, 2, 3, 4 or 5 (非常满意, 满意, 基本满意, 不满意, 非常不满意, \
             4分 and ★★★★ are read)"
            .into(),
        ValueKind::Enum(set) => format!("write one of {}", enum_words(set)),
        _ => "correct the value".into(),
    }
}

/// `FILE:LINE: column C: "VALUE" is not …; how to repair it`. The value is
/// masked when the column is confidential.
pub fn unreadable(file: &str, line: u64, column: &Column, raw: &str, why: &str) -> String {
    let shown = if crate::values::text::is_confidential(column.name) {
        crate::values::text::mask(column.name, raw)
    } else {
        raw.to_string()
    };
    use crate::render::messages::{msg, phrase};
    let repair = match column.kind {
        ValueKind::Enum(set) => msg("repair_enum", &[("words", &enum_words(set))]),
        kind => phrase(&repair(kind)),
    };
    msg(
        "unreadable_cell",
        &[
            ("file", file),
            ("line", &line.to_string()),
            ("column", column.name),
            ("value", &format!("{shown:?}")),
            ("why", &phrase(why)),
            ("repair", &repair),
        ],
    )
}

/// The values of a closed set with their Chinese: `potential (潜在), active (交易中)`.
fn enum_words(set: &[(&str, &[&str])]) -> String {
    set.iter()
        .map(|(c, aliases)| match aliases.first() {
            Some(zh) => format!("{c} ({zh})"),
            None => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::schema::TableKind;

    fn col(name: &str) -> &'static Column {
        TableKind::Transactions.column(name).unwrap()
    }

    #[test]
    fn what_spreadsheets_and_people_write_reads_as_import_stores_it() {
        assert_eq!(read(col("amount"), "¥5,871.47").unwrap(), "5871.47");
        assert_eq!(read(col("amount"), "1.2万").unwrap(), "12000.00");
        assert_eq!(read(col("date"), "2026/8/15").unwrap(), "2026-08-15");
        assert_eq!(read(col("date"), "2026年8月15日").unwrap(), "2026-08-15");
        assert_eq!(read(col("date"), "20260815").unwrap(), "2026-08-15");
        assert_eq!(read(col("kind"), "退货").unwrap(), "return");
        assert_eq!(read(col("kind"), "").unwrap(), "");
        assert_eq!(read(col("amount"), "１２３").unwrap(), "123.00");
        let kind = TableKind::Customers.column("kind").unwrap();
        assert_eq!(read(kind, "企业").unwrap(), "enterprise");
        assert_eq!(read(kind, "vip").unwrap(), "vip");
        let status = TableKind::Customers.column("status").unwrap();
        assert!(read(status, "暂停").is_err());
    }

    #[test]
    fn an_unreadable_cell_names_line_column_and_repair() {
        let why = read(col("amount"), "abc").unwrap_err();
        assert_eq!(
            unreadable("t.csv", 7, col("amount"), "abc", &why),
            "t.csv:7: column amount: \"abc\": not an amount; write an amount in yuan, e.g. \
             1234.50 (¥, 元, 万 and thousands separators are read) (`dangan validate` lists \
             every such cell)"
        );
        let why = read(col("kind"), "赠品").unwrap_err();
        assert!(
            unreadable("t.csv", 3, col("kind"), "赠品", &why)
                .contains("write one of sale (销售), return (退货), discount (折价)")
        );
    }
}
