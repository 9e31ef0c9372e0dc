//! `dedupe --apply`: the pairs a person confirmed, merged.
//!
//! For each pair, in the file's order:
//! - it is refused, with its reason, when a record is no longer in the
//!   archive, or has changed since the pairs were listed (its `stamp`, or
//!   without that column its name, differs); the rest go ahead;
//! - the older archive number survives (the lower number, as numbers are
//!   given in order: `C0007` before `C0123`, `C99` before `C100`); the newer
//!   record's values, read to their one meaning (`+86 138 0013 8000` is
//!   `13800138000`), merge into it as import merges (`archive::keys::
//!   merge_record`: its non-empty values win), except `id` and `created`
//!   (the earlier date stays); `updated` becomes the day of the merge;
//! - the newer record goes; its transactions and follow-ups name the
//!   survivor. A pair whose records an earlier pair of the same file already
//!   joined is `already_one`; so is a pair an earlier apply joined (from
//!   `changes.csv`), so the same file applied twice changes nothing.
//!
//! Planning is pure: [`plan`] works on the tables in memory and returns what
//! changed; the command commits it.

use crate::archive::keys::merge_record;
use crate::archive::{Record, Table};
use rustc_hash::FxHashMap;

/// One confirmed pair, as read from PAIRS.csv.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// where it was read: `pairs.csv:3`
    pub source: String,
    pub left: String,
    pub right: String,
    pub left_name: Option<String>,
    pub right_name: Option<String>,
    pub stamp: Option<String>,
}

/// What became of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Merged { kept: String, gone: String },
    AlreadyOne { kept: String },
    Refused(String),
}

impl Outcome {
    /// The stable name in the `outcome` column.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Merged { .. } => "merged",
            Outcome::AlreadyOne { .. } => "already_one",
            Outcome::Refused(_) => "refused",
        }
    }
}

/// One changed field, for `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub id: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub source: String,
}

/// The merges planned: each request's outcome, the customers' field
/// changes (a gone record is field `*`, new `merged_into:ID`), and which
/// archive number now stands for each gone one.
#[derive(Debug, Default)]
pub struct Plan {
    pub outcomes: Vec<Outcome>,
    pub changes: Vec<FieldChange>,
    pub into: FxHashMap<String, String>,
    /// the rows of the customers table that go
    pub gone_rows: Vec<usize>,
}

/// Archive numbers in the order they were given: digit runs compared as
/// numbers (`C99` < `C100`), then as text.
pub fn older(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| -> (String, u128, usize) {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = s.split_at(s.len() - digits);
        (head.to_string(), tail.parse().unwrap_or(0), tail.len())
    };
    let (x, y) = (split(a), split(b));
    x.0.cmp(&y.0).then(x.1.cmp(&y.1)).then(a.cmp(b))
}

/// Plan the merges on `raw` (the customers as written, changed in place)
/// checked against `canonical` (the same rows read to their one meaning,
/// on which the stamps were made). `today` is the ISO date for `updated`.
///
/// `merged_before` is what `changes.csv` says was merged already (gone →
/// kept): a pair whose records were joined by an earlier apply is
/// `already_one`, so running the same file again (after a crash, or twice)
/// changes nothing and is no error.
pub fn plan(
    raw: &mut Table,
    canonical: &Table,
    requests: &[Request],
    merged_before: &FxHashMap<String, String>,
    today: &str,
) -> Plan {
    let id_col = canonical.col("id");
    let name_col = canonical.col("name");
    let get =
        |t: &Table, r: usize, c: Option<usize>| c.map_or("", |c| t.rows[r].get(c)).to_string();
    let mut row_of: FxHashMap<String, usize> = FxHashMap::default();
    for r in 0..canonical.rows.len() {
        row_of.entry(get(canonical, r, id_col)).or_insert(r);
    }
    let mut p = Plan::default();
    // what each archive number is now, after the merges so far
    let resolve = |into: &FxHashMap<String, String>, id: &str| -> String {
        let mut id = id.to_string();
        while let Some(next) = into.get(&id) {
            id = next.clone();
        }
        id
    };
    for q in requests {
        let (l, r) = (q.left.trim(), q.right.trim());
        let outcome = 'o: {
            if l.is_empty() || r.is_empty() || l == r {
                break 'o Outcome::Refused("needs two different archive numbers".into());
            }
            let earlier = |id: &str| {
                let mut id = id.to_string();
                while let Some(next) = merged_before.get(&id) {
                    id = next.clone();
                }
                id
            };
            if !row_of.contains_key(l) || !row_of.contains_key(r) {
                let (a, b) = (earlier(l), earlier(r));
                for (id, now) in [(l, &a), (r, &b)] {
                    if !row_of.contains_key(now.as_str()) {
                        break 'o Outcome::Refused(format!(
                            "{id} is not in the archive (removed since)"
                        ));
                    }
                }
                if resolve(&p.into, &a) == resolve(&p.into, &b) {
                    break 'o Outcome::AlreadyOne {
                        kept: resolve(&p.into, &a),
                    };
                }
                let (gone, now) = if row_of.contains_key(l) {
                    (r, &b)
                } else {
                    (l, &a)
                };
                break 'o Outcome::Refused(format!(
                    "{gone} was merged into {now} since the pairs were listed; run dedupe again"
                ));
            }
            let (rl, rr) = (row_of[l], row_of[r]);
            // changed since listed?
            match &q.stamp {
                Some(s) if !s.trim().is_empty() => {
                    let now = super::pair_stamp(
                        &canonical.columns,
                        &canonical.rows[rl],
                        &canonical.rows[rr],
                    );
                    if now != s.trim() {
                        break 'o Outcome::Refused(format!(
                            "{l} or {r} changed since the pairs were listed; run dedupe again"
                        ));
                    }
                }
                _ => {
                    for (id, row, given) in [(l, rl, &q.left_name), (r, rr, &q.right_name)] {
                        if let Some(n) = given
                            && n.trim() != get(canonical, row, name_col)
                        {
                            break 'o Outcome::Refused(format!(
                                "{id} is now named {:?}, not {:?}; run dedupe again",
                                get(canonical, row, name_col),
                                n.trim()
                            ));
                        }
                    }
                }
            }
            let (a, b) = (resolve(&p.into, l), resolve(&p.into, r));
            if a == b {
                break 'o Outcome::AlreadyOne { kept: a };
            }
            let (kept, gone) = if older(&a, &b).is_le() {
                (a, b)
            } else {
                (b, a)
            };
            let (rk, rg) = (row_of[&kept], row_of[&gone]);
            let incoming = canonical.rows[rg].clone();
            merge_rows(
                raw,
                rk,
                &incoming,
                today,
                &kept,
                &gone,
                &q.source,
                &mut p.changes,
            );
            p.into.insert(gone.clone(), kept.clone());
            p.gone_rows.push(rg);
            Outcome::Merged { kept, gone }
        };
        p.outcomes.push(outcome);
    }
    p
}

/// Merge the gone record (`gone_row`, its values read to their one meaning,
/// as import merges normalised values) into row `rk` of the raw table and
/// log the fields.
#[allow(clippy::too_many_arguments)]
fn merge_rows(
    raw: &mut Table,
    rk: usize,
    gone_row: &Record,
    today: &str,
    kept: &str,
    gone: &str,
    source: &str,
    changes: &mut Vec<FieldChange>,
) {
    let keep_cols: Vec<Option<usize>> = ["id", "created"].iter().map(|c| raw.col(c)).collect();
    let updated = raw.col("updated");
    let before = raw.rows[rk].clone();
    let incoming = {
        let mut v = gone_row.to_vec();
        for c in keep_cols.iter().flatten() {
            if let Some(x) = v.get_mut(*c) {
                x.clear();
            }
        }
        // the earlier creation date stays
        if let Some(c) = keep_cols[1] {
            let (ck, cg) = (before.get(c), gone_row.get(c));
            if (ck.is_empty() || (!cg.is_empty() && cg < ck))
                && let Some(x) = v.get_mut(c)
            {
                *x = cg.to_string();
            }
        }
        if let Some(c) = updated
            && let Some(x) = v.get_mut(c)
        {
            x.clear();
        }
        Record::new(&v)
    };
    if let Some(mut merged) = merge_record(&before, &incoming) {
        if let Some(c) = updated {
            merged = merged.with(c, today);
        }
        for (i, col) in raw.columns.iter().enumerate() {
            if Some(i) == updated {
                continue;
            }
            if before.get(i) != merged.get(i) {
                changes.push(FieldChange {
                    id: kept.to_string(),
                    field: col.clone(),
                    old: before.get(i).to_string(),
                    new: merged.get(i).to_string(),
                    source: source.to_string(),
                });
            }
        }
        raw.rows[rk] = merged;
    }
    changes.push(FieldChange {
        id: gone.to_string(),
        field: crate::archive::changes::WHOLE_RECORD.to_string(),
        old: String::new(),
        new: format!("{}{kept}", crate::archive::changes::MERGED_INTO),
        source: source.to_string(),
    });
}

/// Point the rows of a transactions or follow-ups table at the survivors:
/// (row, old, new) of every row changed.
pub fn repoint(
    table: &mut Table,
    into: &FxHashMap<String, String>,
) -> Vec<(usize, String, String)> {
    let Some(c) = table.col("customer_id") else {
        return Vec::new();
    };
    let mut changed = Vec::new();
    for (r, row) in table.rows.iter_mut().enumerate() {
        let old = row.get(c);
        let mut new = old;
        while let Some(n) = into.get(new) {
            new = n;
        }
        if new != old {
            let (old, new) = (old.to_string(), new.to_string());
            *row = row.with(c, &new);
            changed.push((r, old, new));
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::schema::TableKind;

    fn table(rows: &[[&str; 5]]) -> Table {
        Table {
            kind: TableKind::Customers,
            columns: ["id", "name", "mobile", "created", "updated"]
                .map(String::from)
                .to_vec(),
            rows: rows.iter().map(|r| Record::new(r)).collect(),
        }
    }

    #[test]
    fn the_older_number_survives_and_takes_the_newer_values() {
        assert!(older("C99", "C100").is_lt());
        assert!(older("C0007", "C0123").is_lt());
        let rows = [
            [
                "C100",
                "深圳鸿达贸易有限责任公司",
                "13800138000",
                "2023-01-05",
                "2023-01-05",
            ],
            [
                "C99",
                "深圳市鸿达贸易有限公司",
                "",
                "2023-02-01",
                "2023-02-01",
            ],
            ["C101", "鸿达贸易有限公司", "", "2024-01-01", ""],
        ];
        let mut raw = table(&rows);
        let canon = table(&rows);
        let req = |l: &str, r: &str| Request {
            source: "pairs.csv:2".into(),
            left: l.into(),
            right: r.into(),
            ..Request::default()
        };
        let p = plan(
            &mut raw,
            &canon,
            &[
                req("C100", "C99"),
                req("C101", "C99"),
                req("C100", "C101"),
                req("C5", "C99"),
            ],
            &FxHashMap::default(),
            "2024-06-30",
        );
        assert_eq!(
            p.outcomes,
            vec![
                Outcome::Merged {
                    kept: "C99".into(),
                    gone: "C100".into()
                },
                Outcome::Merged {
                    kept: "C99".into(),
                    gone: "C101".into()
                },
                Outcome::AlreadyOne { kept: "C99".into() },
                Outcome::Refused("C5 is not in the archive (removed since)".into()),
            ]
        );
        // the newer name and mobile, the earlier created, today's updated
        assert_eq!(
            raw.rows[1].to_vec(),
            [
                "C99",
                "鸿达贸易有限公司",
                "13800138000",
                "2023-01-05",
                "2024-06-30"
            ]
        );
        let fields: Vec<(&str, &str, &str)> = p
            .changes
            .iter()
            .map(|c| (c.id.as_str(), c.field.as_str(), c.new.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("C99", "name", "深圳鸿达贸易有限责任公司"),
                ("C99", "mobile", "13800138000"),
                ("C99", "created", "2023-01-05"),
                ("C100", "*", "merged_into:C99"),
                ("C99", "name", "鸿达贸易有限公司"),
                ("C101", "*", "merged_into:C99"),
            ]
        );
        assert_eq!(p.gone_rows, vec![0, 2]);
        let mut tx = Table {
            kind: TableKind::Transactions,
            columns: vec!["id".into(), "customer_id".into()],
            rows: vec![Record::new(&["T1", "C100"]), Record::new(&["T2", "C7"])],
        };
        assert_eq!(
            repoint(&mut tx, &p.into),
            vec![(0, "C100".into(), "C99".into())]
        );
    }

    #[test]
    fn a_changed_record_is_refused() {
        let mut raw = table(&[
            ["C1", "鸿达贸易", "", "", ""],
            ["C2", "鸿达商贸", "", "", ""],
        ]);
        let canon = table(&[
            ["C1", "鸿达贸易", "", "", ""],
            ["C2", "鸿达商贸", "", "", ""],
        ]);
        let p = plan(
            &mut raw,
            &canon,
            &[
                Request {
                    left: "C1".into(),
                    right: "C2".into(),
                    stamp: Some("0000000000000000".into()),
                    ..Request::default()
                },
                Request {
                    left: "C1".into(),
                    right: "C2".into(),
                    right_name: Some("鸿达贸易有限公司".into()),
                    ..Request::default()
                },
            ],
            &FxHashMap::default(),
            "2024-06-30",
        );
        assert_eq!(
            p.outcomes,
            vec![
                Outcome::Refused(
                    "C1 or C2 changed since the pairs were listed; run dedupe again".into()
                ),
                Outcome::Refused(
                    "C2 is now named \"鸿达商贸\", not \"鸿达贸易有限公司\"; run dedupe again"
                        .into()
                ),
            ]
        );
        assert!(p.changes.is_empty());
    }

    #[test]
    fn a_pair_an_earlier_apply_joined_is_already_one() {
        let mut raw = table(&[["C1", "鸿达贸易", "", "", ""], ["C3", "鸿达", "", "", ""]]);
        let canon = table(&[["C1", "鸿达贸易", "", "", ""], ["C3", "鸿达", "", "", ""]]);
        let before: FxHashMap<String, String> =
            [("C2".to_string(), "C1".to_string())].into_iter().collect();
        let req = |l: &str, r: &str| Request {
            left: l.into(),
            right: r.into(),
            stamp: Some("0".into()),
            ..Request::default()
        };
        let p = plan(
            &mut raw,
            &canon,
            &[req("C1", "C2"), req("C2", "C3"), req("C2", "C9")],
            &before,
            "2024-06-30",
        );
        assert_eq!(
            p.outcomes,
            vec![
                Outcome::AlreadyOne { kept: "C1".into() },
                Outcome::Refused(
                    "C2 was merged into C1 since the pairs were listed; run dedupe again".into()
                ),
                Outcome::Refused("C9 is not in the archive (removed since)".into()),
            ]
        );
        assert!(p.changes.is_empty());
    }
}
