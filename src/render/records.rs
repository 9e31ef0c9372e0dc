//! Records as output rows, the same in every command that lists them: a
//! list of customers (`find`, and `show` when a KEY names several) and rows
//! of the revision log (`show`, `history`). Confidential values are masked
//! unless `no_mask`.

use crate::archive::changes::Change;
use crate::archive::schema::TableKind;
use crate::lookup::find::Hit;
use crate::render::output::{Cell, Label};
use crate::values::text::{is_confidential, mask};

/// A value as shown: masked when its column is confidential, unless `no_mask`.
pub fn shown(column: &str, value: &str, no_mask: bool) -> String {
    if !no_mask && is_confidential(column) {
        mask(column, value)
    } else {
        value.to_string()
    }
}

const COLUMNS: [&str; 7] = ["id", "name", "kind", "region", "city", "owner", "mobile"];

pub fn customer_labels() -> Vec<Label> {
    let mut l: Vec<Label> = COLUMNS
        .iter()
        .map(|c| {
            let zh = TableKind::Customers.column(c).map_or(*c, |col| col.zh);
            Label::new(c, zh, c)
        })
        .collect();
    l.push(Label::new("matched", "匹配项", "matched"));
    l.push(Label::new("score", "得分", "score"));
    l
}

/// Customers found (`find`, or the several a `show KEY` names) as output rows (masked unless `no_mask`).
pub fn customer_rows(table: &crate::archive::Table, hits: &[Hit], no_mask: bool) -> Vec<Vec<Cell>> {
    hits.iter()
        .map(|h| {
            let r = &table.rows[h.row];
            let mut cells: Vec<Cell> = COLUMNS
                .iter()
                .map(|c| {
                    let v = table.col(c).map(|i| r.get(i)).unwrap_or_default();
                    let v = if !no_mask && crate::values::text::is_confidential(c) {
                        crate::values::text::mask(c, v)
                    } else {
                        v.to_string()
                    };
                    Cell::Text(v)
                })
                .collect();
            cells.push(Cell::Text(h.matched.to_string()));
            cells.push(Cell::Int(h.score as i64));
            cells
        })
        .collect()
}

/// The columns of a listing of `changes.csv`.
pub fn change_labels() -> Vec<Label> {
    vec![
        Label::new("time", "时间", "time"),
        Label::new("command", "命令", "command"),
        Label::new("table", "表", "table"),
        Label::new("id", "编号", "id"),
        Label::new("field", "字段", "field"),
        Label::new("old", "原值", "old"),
        Label::new("new", "新值", "new"),
        Label::new("source", "来源", "source"),
    ]
}

/// One row of `changes.csv` as output cells, confidential values masked.
pub fn change_cells(c: &Change, no_mask: bool) -> Vec<Cell> {
    [
        c.time.clone(),
        c.command.clone(),
        c.table.clone(),
        c.id.clone(),
        c.field.clone(),
        shown(&c.field, &c.old, no_mask),
        shown(&c.field, &c.new, no_mask),
        c.source.clone(),
    ]
    .into_iter()
    .map(Cell::Text)
    .collect()
}
