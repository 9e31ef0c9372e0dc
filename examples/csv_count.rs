//! The floor for reading a CSV file: the `csv` crate alone reads every record
//! (UTF-8 checked) and counts them. `bench/validate.sh` compares
//! `dangan validate` with it on the same file.
//!
//! ```text
//! cargo run --release --example csv_count -- FILE
//! ```

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: csv_count FILE"))?;
    let mut rdr = csv::Reader::from_path(&path)?;
    let mut rec = csv::StringRecord::new();
    let (mut rows, mut fields) = (0u64, 0u64);
    while rdr.read_record(&mut rec)? {
        rows += 1;
        fields += rec.len() as u64;
    }
    println!("{rows} rows, {fields} values");
    Ok(())
}
