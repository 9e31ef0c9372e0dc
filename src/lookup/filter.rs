//! `--owner NAME` and `--where COLUMN=VALUE` (repeatable, all must hold; also
//! `COLUMN!=VALUE` and `COLUMN~TEXT` for "contains"), over any customer
//! column, canonical or extra. Values are compared in their one reading:
//! `--where region=广东` is `广东省`, `--where kind=企业` is `enterprise`.

use crate::archive::Table;
use crate::archive::schema::TableKind;
use anyhow::{Result, bail};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equals,
    NotEquals,
    Contains,
}

/// One condition on a customer column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub column: String,
    pub op: Op,
    pub value: String,
}

impl Condition {
    /// `COLUMN=VALUE`, `COLUMN!=VALUE` or `COLUMN~TEXT` (clap's value parser).
    pub fn parse(s: &str) -> Result<Condition, String> {
        let (column, op, value) = if let Some((c, v)) = s.split_once("!=") {
            (c, Op::NotEquals, v)
        } else if let Some((c, v)) = s.split_once('~') {
            (c, Op::Contains, v)
        } else if let Some((c, v)) = s.split_once('=') {
            (c, Op::Equals, v)
        } else {
            return Err(format!(
                "{s:?}: write COLUMN=VALUE, COLUMN!=VALUE or COLUMN~TEXT (e.g. region=广东省)"
            ));
        };
        let column = column.trim();
        if column.is_empty() {
            return Err(format!("{s:?}: no column before the operator"));
        }
        // a Chinese header names its column: 地区=广东
        let column = crate::archive::schema::HeaderMap::new(TableKind::Customers, &[])
            .lookup(column)
            .map(str::to_string)
            .unwrap_or_else(|| column.to_string());
        let value = match TableKind::Customers.column(&column) {
            Some(c) if op != Op::Contains => crate::read::cells::read(c, value.trim())
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| value.trim().to_string()),
            _ => value.trim().to_string(),
        };
        Ok(Condition { column, op, value })
    }
}

/// Conditions bound to the columns of one table.
pub struct Filter {
    checks: Vec<(usize, Condition)>,
}

impl Filter {
    /// `owner` (`--owner`) and the `--where` conditions, checked against the
    /// customers' columns: a column the table lacks is an error naming the
    /// columns it has.
    pub fn new(table: &Table, owner: Option<&str>, conditions: &[Condition]) -> Result<Filter> {
        let mut all: Vec<Condition> = conditions.to_vec();
        if let Some(o) = owner {
            all.push(Condition {
                column: "owner".into(),
                op: Op::Equals,
                value: o.trim().to_string(),
            });
        }
        let mut checks = Vec::new();
        for c in all {
            let Some(i) = table.col(&c.column) else {
                bail!(
                    "--where {}: the customers have no such column (they have: {})",
                    c.column,
                    table.columns.join(", ")
                );
            };
            checks.push((i, c));
        }
        Ok(Filter { checks })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Does row `row` of the table hold every condition?
    pub fn keeps(&self, table: &Table, row: usize) -> bool {
        let r = &table.rows[row];
        self.checks.iter().all(|(i, c)| {
            let v = r.get(*i);
            match c.op {
                Op::Equals => v == c.value,
                Op::NotEquals => v != c.value,
                Op::Contains => v.contains(c.value.as_str()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_read_like_the_archive() {
        let c = Condition::parse("地区=广东").unwrap();
        assert_eq!(
            (c.column.as_str(), c.op, c.value.as_str()),
            ("region", Op::Equals, "广东省")
        );
        let c = Condition::parse("kind!=企业").unwrap();
        assert_eq!(
            (c.column.as_str(), c.op, c.value.as_str()),
            ("kind", Op::NotEquals, "enterprise")
        );
        let c = Condition::parse("address~南山").unwrap();
        assert_eq!(
            (c.column.as_str(), c.op, c.value.as_str()),
            ("address", Op::Contains, "南山")
        );
        let c = Condition::parse("健康状况=良好").unwrap();
        assert_eq!(c.column, "健康状况");
        assert!(Condition::parse("region").is_err());
        assert!(Condition::parse("=x").is_err());
    }
}
