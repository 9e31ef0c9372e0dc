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

use crate::lookup::find::OUT_COLUMNS;

/// The columns of a list of customers.
pub fn customer_labels() -> Vec<Label> {
    let mut l: Vec<Label> = OUT_COLUMNS
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

/// A customer found (`find`, or one of the several a `show KEY` names) as
/// an output row: its `OUT_COLUMNS` values, masked unless `no_mask`.
pub fn customer_row(out: &[&str], hit: &Hit, no_mask: bool) -> Vec<Cell> {
    let mut cells: Vec<Cell> = OUT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| Cell::Text(shown(c, out.get(i).copied().unwrap_or_default(), no_mask)))
        .collect();
    cells.push(Cell::Text(hit.matched.to_string()));
    cells.push(Cell::Int(hit.score as i64));
    cells
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

/// An archive table (the cleaned rows of `import --output FILE.xlsx`) as
/// typed cells for people: money a number of yuan, a quantity a number,
/// every other value text (an ISO date becomes a date in a workbook), a
/// confidential value masked unless `no_mask`. The headers are the columns'
/// names in `--lang` (an extra column keeps its own).
pub fn table_for_people(t: &crate::archive::Table, no_mask: bool) -> (Vec<Label>, Vec<Vec<Cell>>) {
    use crate::archive::schema::ValueKind;
    let cols: Vec<Option<&crate::archive::schema::Column>> =
        t.columns.iter().map(|c| t.kind.column(c)).collect();
    let labels = t
        .columns
        .iter()
        .zip(&cols)
        .map(|(name, c)| Label::new(name, c.map_or(name.as_str(), |c| c.zh), name))
        .collect();
    let rows = t
        .rows
        .iter()
        .map(|r| {
            (0..t.columns.len())
                .map(|i| {
                    let (name, v) = (&t.columns[i], if i < r.len() { r.get(i) } else { "" });
                    if v.is_empty() {
                        return Cell::Null;
                    }
                    match cols[i].map(|c| c.kind) {
                        Some(ValueKind::Money) => match crate::values::money::cell_fen(v) {
                            Ok(Some(fen)) => Cell::Fen(fen),
                            _ => Cell::Text(v.to_string()),
                        },
                        Some(ValueKind::Quantity) => {
                            match crate::values::money::parse_quantity(v) {
                                Some((q, _)) => Cell::Qty(q),
                                None => Cell::Text(v.to_string()),
                            }
                        }
                        _ => Cell::Text(shown(name, v, no_mask)),
                    }
                })
                .collect()
        })
        .collect();
    (labels, rows)
}
