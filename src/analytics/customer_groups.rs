//! The per-customer groups of a composition table (`--by segment`,
//! `age_band`, `tag`, or a customers' column such as 集团): every customer's
//! value of each, as a frame that `composition` joins to the transactions
//! by `customer_id`. A customer with several tags is a row per tag.

use crate::analytics::composition::{Key, UNKNOWN};
use crate::analytics::ledger;
use crate::archive::Archive;
use crate::archive::schema::TableKind;
use anyhow::{Result, anyhow, bail};
use polars::prelude::{DataFrame, NamedFrom, Series};
use rustc_hash::FxHashMap;

/// The column of a per-customer value in the joined table.
pub fn value_column(k: &Key) -> String {
    format!("v_{}", k.name())
}

/// Every customer's values of the per-customer groups (segment, age band,
/// tag, customer columns): `customer_id`, a `v_<key>` column per key, and
/// `v_first` (false for a customer's second and later tag rows).
pub fn customer_values(
    archive: &Archive,
    keys: &[&Key],
    graded: Option<&[crate::analytics::grading::Graded]>,
    on: chrono::NaiveDate,
) -> Result<DataFrame> {
    if keys.iter().filter(|k| ***k == Key::Tag).count() > 1 {
        bail!(crate::tr!("by_tag_once"));
    }
    let mut want: Vec<&str> = vec!["id"];
    for k in keys {
        match k {
            Key::AgeBand => want.extend(["birthday", "id_number"]),
            Key::Tag => want.push("tags"),
            Key::Column(c) => want.push(c),
            _ => {}
        }
    }
    want.sort_unstable();
    want.dedup();
    let c = ledger::scan(archive, TableKind::Customers, &want)?.ok_or_else(|| {
        anyhow!(crate::tr!(
            "archive_no_customers",
            dir = archive.dir.display()
        ))
    })?;
    let df = ledger::collect(c.lf, &[c.path.as_path()])?;
    let text = |n: &str| ledger::text_column(&df, n);
    let ids = text("id")?;
    let segments: FxHashMap<&str, &'static str> = graded
        .unwrap_or_default()
        .iter()
        .map(|g| (g.id.as_str(), g.segment.name()))
        .collect();
    let bands = &archive.settings.analyze;
    let mut per_key: Vec<Vec<String>> = Vec::with_capacity(keys.len());
    for k in keys {
        per_key.push(match k {
            Key::Segment => ids
                .iter()
                .map(|id| segments.get(id.as_str()).copied().unwrap_or("").to_string())
                .collect(),
            Key::AgeBand => {
                let (b, n) = (text("birthday")?, text("id_number")?);
                b.iter()
                    .zip(&n)
                    .map(|(b, n)| {
                        crate::analytics::schedule::birth_date(b, n, true)
                            .and_then(|d| crate::values::dates::age_on(d, on))
                            .map_or(UNKNOWN.to_string(), |a| bands.band(a).to_string())
                    })
                    .collect()
            }
            Key::Tag => text("tags")?,
            Key::Column(c) => text(c)?,
            _ => vec![String::new(); ids.len()],
        });
    }
    // one row per customer, or per tag of a customer
    let tag = keys.iter().position(|k| **k == Key::Tag);
    let mut out_ids: Vec<&str> = Vec::with_capacity(ids.len());
    let mut first: Vec<bool> = Vec::with_capacity(ids.len());
    let mut cols: Vec<Vec<&str>> = vec![Vec::with_capacity(ids.len()); keys.len()];
    for (r, id) in ids.iter().enumerate() {
        let tags: Vec<&str> = match tag {
            Some(t) => {
                let v: Vec<&str> = per_key[t][r].split(';').filter(|x| !x.is_empty()).collect();
                if v.is_empty() { vec![""] } else { v }
            }
            None => vec![""],
        };
        for (i, t) in tags.iter().enumerate() {
            out_ids.push(id);
            first.push(i == 0);
            for (j, c) in cols.iter_mut().enumerate() {
                c.push(if Some(j) == tag {
                    t
                } else {
                    per_key[j][r].as_str()
                });
            }
        }
    }
    let height = out_ids.len();
    let mut columns = vec![
        Series::new("customer_id".into(), out_ids).into(),
        Series::new("v_first".into(), first).into(),
    ];
    for (k, c) in keys.iter().zip(cols) {
        columns.push(Series::new(value_column(k).into(), c).into());
    }
    DataFrame::new(height, columns).map_err(|e| anyhow!("composition: {e}"))
}
