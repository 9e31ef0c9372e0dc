//! `dangan export DIR --format parquet`: the archive as typed Parquet and the
//! `views.sql` over it. The files are read back with polars' Parquet reader
//! and checked type by type and value by value against testdata/sales.

use crate::common::*;
use polars::prelude::{DataFrame, DataType};
use polars_io::parquet::read::ParquetReader;
use polars_io::prelude::SerReader;
use std::path::Path;

fn parquet(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

/// The column's values as text, nulls as "".
fn texts(df: &DataFrame, name: &str) -> Vec<String> {
    let c = df.column(name).unwrap().as_materialized_series().clone();
    (0..c.len())
        .map(|i| match c.get(i).unwrap() {
            polars::prelude::AnyValue::Null => String::new(),
            polars::prelude::AnyValue::String(s) => s.to_string(),
            v => v.to_string(),
        })
        .collect()
}

fn export(archive: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    dangan()
        .args(["export"])
        .arg(out)
        .args(["--as-of", "2024-06-30"])
        .args(extra)
        .arg("--archive")
        .arg(archive)
        .output()
        .unwrap()
}

#[test]
fn export_writes_typed_parquet_that_reads_back_to_the_fen() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&testdata("sales")), dir.path());
    let before = snapshot(dir.path());
    let out = tempfile::tempdir().unwrap();
    let o = export(dir.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert_eq!(
        stdout_of(&o),
        "",
        "the files are the output; stdout stays empty"
    );
    let err = stderr_of(&o);
    assert!(err.contains("customers.parquet: 11 rows"), "{err}");
    assert!(err.contains("transactions.parquet: 18 rows"), "{err}");
    // the archive is only read
    assert_eq!(snapshot(dir.path()), before);
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["customers.parquet", "transactions.parquet", "views.sql"]
    );

    let tx = parquet(&out.path().join("transactions.parquet"));
    assert_eq!(tx.height(), 18);
    let dtype = |df: &DataFrame, c: &str| df.column(c).unwrap().dtype().clone();
    assert_eq!(dtype(&tx, "amount"), DataType::Decimal(18, 2));
    assert_eq!(dtype(&tx, "paid"), DataType::Decimal(18, 2));
    assert_eq!(dtype(&tx, "unit_price"), DataType::Decimal(18, 2));
    assert_eq!(dtype(&tx, "quantity"), DataType::Decimal(18, 4));
    assert_eq!(dtype(&tx, "date"), DataType::Date);
    assert_eq!(dtype(&tx, "due_date"), DataType::Date);
    assert_eq!(dtype(&tx, "kind"), DataType::String);
    // every canonical column, in the schema's order
    let cols: Vec<String> = tx
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        cols,
        [
            "id",
            "customer_id",
            "date",
            "product",
            "category",
            "quantity",
            "unit_price",
            "amount",
            "paid",
            "due_date",
            "kind",
            "region"
        ]
    );
    // the fen as stored: the physical integers of the decimals
    let fen: Vec<i128> = tx
        .column("amount")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .into_no_null_iter()
        .collect();
    assert_eq!(fen.iter().sum::<i128>(), 11_560_000);
    assert_eq!(fen[0], 5_000_000);
    assert_eq!(
        texts(&tx, "quantity")[13],
        "2.5000",
        "T014: 2.5 as DECIMAL(18,4)"
    );
    assert_eq!(texts(&tx, "date")[0], "2024-05-10");
    assert_eq!(texts(&tx, "due_date")[2], "", "T003 has no due date: null");
    assert_eq!(texts(&tx, "region")[4], "上海市");
    assert_eq!(texts(&tx, "region")[0], "", "an empty cell is null");

    let cu = parquet(&out.path().join("customers.parquet"));
    assert_eq!(cu.height(), 11);
    assert_eq!(dtype(&cu, "credit_limit"), DataType::Decimal(18, 2));
    assert_eq!(dtype(&cu, "birthday"), DataType::Date);
    assert_eq!(dtype(&cu, "created"), DataType::Date);
    assert_eq!(texts(&cu, "credit_limit")[0], "10000.00");
    assert_eq!(texts(&cu, "created")[0], "2023-01-05");
    // masked unless --no-mask; the extra column follows the canonical ones
    assert_eq!(texts(&cu, "mobile")[0], "138****8001");
    let last = cu.get_column_names().last().unwrap().to_string();
    assert_eq!(last, "wechat");
    assert_eq!(texts(&cu, "wechat")[0], "hnjc");
    assert!(!dir.path().join("access.csv").exists());

    let sql = read(out.path().join("views.sql"));
    assert!(sql.contains("as-of 2024-06-30, period 2023-07-01 .. 2024-06-30, previous period 2022-07-01 .. 2023-06-30"), "{sql}");
    assert!(
        sql.contains("SELECT DATE '2023-07-01' AS period_from, DATE '2024-06-30' AS period_to,")
    );
}

#[test]
fn export_no_mask_writes_in_full_and_registers_the_run() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&testdata("sales")), dir.path());
    let out = tempfile::tempdir().unwrap();
    let o = export(dir.path(), out.path(), &["--no-mask", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert_eq!(stderr_of(&o), "");
    let cu = parquet(&out.path().join("customers.parquet"));
    assert_eq!(texts(&cu, "mobile")[0], "13800138001");
    let access = read(dir.path().join("access.csv"));
    assert!(access.contains("dangan export"), "{access}");
}

#[test]
fn export_refuses_other_formats_and_parquet_is_only_for_export() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&testdata("sales")), dir.path());
    let out = tempfile::tempdir().unwrap();
    let o = export(dir.path(), out.path(), &["--format", "csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("--format parquet"),
        "{}",
        stderr_of(&o)
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );
    let o = run(&["classify", "--format", "parquet"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("--format parquet is for `dangan export DIR`"),
        "{}",
        stderr_of(&o)
    );
    // --format parquet is export's own, and accepted
    let o = export(
        dir.path(),
        out.path(),
        &["--format", "parquet", "--lang", "zh"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("transactions.parquet：18 行"),
        "{}",
        stderr_of(&o)
    );
}

#[test]
fn export_stops_on_an_unreadable_cell_with_its_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&testdata("sales")), dir.path());
    let tx = dir.path().join("transactions.csv");
    let text = read(&tx).replace("T006,C003,2024-04-01", "T006,C003,2024-13-45");
    std::fs::write(&tx, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = export(dir.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr_of(&o);
    assert!(err.contains("transactions.csv:7: column date"), "{err}");
    // customers.parquet was written before the bad cell was read: its temp
    // file went with the error, and DIR is as it was
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

/// An archive without transactions still exports a typed, empty
/// `transactions.parquet` (the views name it); one without follow-ups has
/// no `followups.parquet`.
#[test]
fn export_of_an_archive_without_transactions_writes_an_empty_typed_table() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(&testdata("sales")).join("customers.csv"),
        dir.path().join("customers.csv"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = export(dir.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("transactions.parquet: 0 rows"),
        "{}",
        stderr_of(&o)
    );
    let tx = parquet(&out.path().join("transactions.parquet"));
    assert_eq!(tx.height(), 0);
    assert_eq!(
        tx.column("amount").unwrap().dtype(),
        &DataType::Decimal(18, 2)
    );
    assert_eq!(tx.column("date").unwrap().dtype(), &DataType::Date);
    assert!(!out.path().join("followups.parquet").exists());
}
