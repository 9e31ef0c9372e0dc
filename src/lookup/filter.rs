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

impl std::fmt::Display for Condition {
    /// As written on the command line: `region=广东省`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Op::Equals => "=",
            Op::NotEquals => "!=",
            Op::Contains => "~",
        };
        write!(f, "{}{op}{}", self.column, self.value)
    }
}

/// Conditions checked against the columns of the customers.
pub struct Filter {
    checks: Vec<Condition>,
}

/// The columns a filter can name besides the customers' own: the grade of
/// the run (`classify`'s tier and segment for the command's period).
pub const GRADED: [&str; 2] = ["tier", "segment"];

impl Filter {
    /// `owner` (`--owner`) and the `--where` conditions, checked against the
    /// customers' columns: a column they lack is an error naming the columns
    /// they have.
    pub fn new(
        columns: &[String],
        owner: Option<&str>,
        conditions: &[Condition],
    ) -> Result<Filter> {
        let mut checks: Vec<Condition> = conditions.to_vec();
        if let Some(o) = owner {
            checks.push(Condition {
                column: "owner".into(),
                op: Op::Equals,
                value: o.trim().to_string(),
            });
        }
        for c in &checks {
            if !columns.contains(&c.column) && !GRADED.contains(&c.column.as_str()) {
                bail!(crate::tr!(
                    "where_unknown_column",
                    column = c.column,
                    columns = columns
                        .iter()
                        .filter(|c| !GRADED.contains(&c.as_str()))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(Filter { checks })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// The columns the conditions read.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.checks.iter().map(|c| c.column.as_str())
    }

    /// Does a customer hold every condition? `get` gives its value of a column.
    pub fn keeps<'a>(&self, get: &dyn Fn(&str) -> &'a str) -> bool {
        self.checks.iter().all(|c| {
            let v = get(&c.column);
            match c.op {
                Op::Equals => v == c.value,
                Op::NotEquals => v != c.value,
                Op::Contains => v.contains(c.value.as_str()),
            }
        })
    }

    /// Does a condition name the tier or segment (so that the run must grade)?
    pub fn needs_grades(&self) -> bool {
        self.columns().any(|c| GRADED.contains(&c))
    }

    /// Does row `row` of `table` hold every condition?
    pub fn keeps_row(&self, table: &Table, row: usize) -> bool {
        let r = &table.rows[row];
        self.keeps(&|c| table.col(c).map(|i| r.get(i)).unwrap_or_default())
    }

    /// [`Filter::keeps_row`] with the tier and segment as graded (`grade`
    /// gives them for a customer id; `None`: not graded, blank).
    pub fn keeps_graded(
        &self,
        table: &Table,
        row: usize,
        grade: &dyn Fn(&str) -> Option<(&'static str, &'static str)>,
    ) -> bool {
        let r = &table.rows[row];
        let id = table.col("id").map(|i| r.get(i)).unwrap_or_default();
        let g = if self.needs_grades() { grade(id) } else { None };
        self.keeps(&|c| match c {
            "tier" => g.map(|g| g.0).unwrap_or_default(),
            "segment" => g.map(|g| g.1).unwrap_or_default(),
            _ => table.col(c).map(|i| r.get(i)).unwrap_or_default(),
        })
    }

    /// The ids of the customers of `table` kept (every id when the filter is empty).
    pub fn kept_ids(
        &self,
        table: &Table,
        grade: &dyn Fn(&str) -> Option<(&'static str, &'static str)>,
    ) -> rustc_hash::FxHashSet<String> {
        let Some(id) = table.col("id") else {
            return Default::default();
        };
        (0..table.rows.len())
            .filter(|&r| self.keeps_graded(table, r, grade))
            .map(|r| table.rows[r].get(id).to_string())
            .collect()
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
