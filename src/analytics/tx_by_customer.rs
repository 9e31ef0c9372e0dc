//! One customer's transactions for `dangan show` (`transactions_of`): from
//! `.cache/tx-by-customer.<stamp>.csv`, every transaction as the ledger
//! reads it (canonical, money in fen), sorted by customer, newest first
//! (`analytics::by_customer`: a block found by a binary search). Without it
//! (a small archive, `cache: false`), a query of the whole table.

use crate::analytics::by_customer::{Kept, rows_of};
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use anyhow::{Context, Result};

/// One transaction of a customer's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub product: String,
    pub quantity: Option<i64>,
    pub amount: i64,
    pub paid: Option<i64>,
}

/// The transactions as `show` lists them: by customer, newest first.
const TRANSACTIONS: Kept = Kept {
    table: TableKind::Transactions,
    stem: "tx-by-customer",
    columns: &[
        "customer_id",
        "id",
        "date",
        "kind",
        "product",
        "quantity",
        "amount",
        "paid",
    ],
    ints: &["quantity", "amount", "paid"],
    within: &[("date", true), ("id", true)],
};

/// The customer's last `n` transactions up to any date, newest first (by
/// date, then number).
pub fn transactions_of(archive: &Archive, id: &str, n: usize) -> Result<Vec<Tx>> {
    rows_of(archive, &TRANSACTIONS, id, n)?
        .iter()
        .map(tx)
        .collect()
}

/// Make the kept transactions by customer when they are kept and missing
/// (`analytics::prepared`, after a write).
pub fn prepare(archive: &Archive) -> Result<()> {
    crate::analytics::by_customer::keep(archive, &TRANSACTIONS)
}

/// A row of the kept file (or of the query) as a transaction.
fn tx(rec: &csv::StringRecord) -> Result<Tx> {
    let int = |i: usize| -> Result<Option<i64>> {
        match rec.get(i).unwrap_or_default() {
            "" => Ok(None),
            v => v.parse().map(Some).context("a damaged number"),
        }
    };
    let text = |i: usize| rec.get(i).unwrap_or_default().to_string();
    Ok(Tx {
        id: text(1),
        date: text(2),
        kind: text(3),
        product: text(4),
        quantity: int(5)?,
        amount: int(6)?.unwrap_or(0),
        paid: int(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::by_customer::block;

    /// A kept file of 3,000 customers with 0 to 3 transactions each: every
    /// customer's block found by the binary search, exactly.
    #[test]
    fn every_block_of_a_sorted_file_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx-by-customer.x.csv");
        let mut text = String::new();
        let mut expected: Vec<(String, Vec<String>)> = Vec::new();
        for c in 0..3000 {
            let cust = format!("C{c:06}");
            let rows: Vec<String> = (0..c % 4).map(|k| format!("T{c}-{k}")).collect();
            for (k, t) in rows.iter().enumerate() {
                text.push_str(&format!(
                    "{cust},{t},2024-0{}-01,sale,\"螺丝, 大号\",,{}00,\n",
                    9 - k,
                    c + k
                ));
            }
            expected.push((cust, rows));
        }
        // as `by_customer` writes it: the header, the length, the rows
        let cols = TRANSACTIONS.columns;
        let head = format!("{}\n", cols.join(","));
        let width = format!("#bytes={:020}{}\n", 0, ",".repeat(cols.len() - 1)).len();
        let total = head.len() + width + text.len();
        let text = format!(
            "{head}#bytes={total:020}{}\n{text}",
            ",".repeat(cols.len() - 1)
        );
        std::fs::write(&path, &text).unwrap();
        for (cust, rows) in &expected {
            let got: Vec<Tx> = block(&path, TRANSACTIONS.columns, cust, 10)
                .unwrap()
                .iter()
                .map(|r| tx(r).unwrap())
                .collect();
            let ids: Vec<&str> = got.iter().map(|t| t.id.as_str()).collect();
            assert_eq!(
                ids,
                rows.iter().map(String::as_str).collect::<Vec<_>>(),
                "{cust}"
            );
            if let Some(t) = got.first() {
                assert_eq!(t.product, "螺丝, 大号");
                assert_eq!(t.quantity, None);
            }
        }
        // the limit, and customers before the first and after the last
        assert_eq!(block(&path, cols, "C000003", 2).unwrap().len(), 2);
        assert!(block(&path, cols, "A", 10).unwrap().is_empty());
        assert!(block(&path, cols, "Z", 10).unwrap().is_empty());
        // cut short by a byte, or grown by a row: an error (the caller
        // removes it and queries)
        std::fs::write(&path, &text[..text.len() - 1]).unwrap();
        assert!(block(&path, cols, "C000003", 10).is_err());
        std::fs::write(&path, format!("{text}C999999,T,2024-01-01,sale,x,,1,\n")).unwrap();
        assert!(block(&path, cols, "C000003", 10).is_err());
        // not such a file: an error
        std::fs::write(&path, "id,name\nC1,x\n").unwrap();
        assert!(block(&path, cols, "C1", 10).is_err());
    }
}
