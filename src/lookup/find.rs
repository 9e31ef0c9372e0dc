//! `dangan find TEXT`: customers ranked by how well TEXT names them.
//!
//! What is compared (the best match of a customer counts, and `matched` says
//! which field it was):
//!
//! | score | match |
//! |---:|---|
//! | 100 | the archive number, credit code, ID number or mobile exactly; the name exactly |
//! | 90 | the name's core exactly (`鸿达贸易` for 深圳市鸿达贸易有限公司) |
//! | 80 | the name's core starts with TEXT |
//! | 75 | an archive number, credit code or ID number starts with TEXT |
//! | 70 | the name holds TEXT; a mobile or landline ends with the digits |
//! | 65 | the pinyin of the core starts with TEXT (`hongda`) |
//! | 60 | a mobile or landline holds the digits (4 or more); a number holds TEXT |
//! | 55 | the pinyin initials of the core start with TEXT (`hd`) |
//! | 50 | the full pinyin of the name holds TEXT |
//! | 45 | the contact holds TEXT |
//! | 40 | the initials of the name hold TEXT |
//! | 35 | the address holds TEXT |
//!
//! Ties are broken by the pinyin of the name (the order of a Chinese list),
//! then the name, then the archive number. Text is compared in its
//! [`name_key`] form (half-width, no spaces, lower case); pinyin only for a
//! TEXT of ASCII letters, digits only for a TEXT of at least four digits (and
//! spaces, dashes, `+`).

use crate::archive::Table;
use crate::lookup::filter::Filter;
use crate::lookup::names;
use crate::values::text::name_key;

/// One customer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// its row in the customers table
    pub row: usize,
    /// the field that matched best (`name`, `pinyin`, `mobile`, …)
    pub matched: &'static str,
    pub score: u32,
}

/// The customers of `table` that `text` names, best first, at most `limit`.
pub fn find(table: &Table, text: &str, filter: &Filter, limit: usize) -> Vec<Hit> {
    let q = name_key(text);
    if q.is_empty() {
        return Vec::new();
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let digit_query = digits.len() >= 4
        && text
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+'));
    let pinyin_query = q.chars().all(|c| c.is_ascii_lowercase());
    let col = |n: &str| table.col(n);
    let (c_name, c_contact, c_address) = (col("name"), col("contact"), col("address"));
    let codes: Vec<(usize, &'static str)> = [
        ("id", "id"),
        ("credit_code", "credit_code"),
        ("id_number", "id_number"),
    ]
    .iter()
    .filter_map(|(c, label)| col(c).map(|i| (i, *label)))
    .collect();
    let phones: Vec<(usize, &'static str)> = [("mobile", "mobile"), ("phone", "phone")]
        .iter()
        .filter_map(|(c, label)| col(c).map(|i| (i, *label)))
        .collect();
    let score_row = |i: usize| -> Option<(u32, &'static str)> {
        let r = &table.rows[i];
        let mut best: Option<(u32, &'static str)> = None;
        for &(c, label) in &codes {
            let v = r.get(c).to_ascii_lowercase();
            if v.is_empty() {
                continue;
            }
            if v == q {
                offer(&mut best, 100, label);
            } else if v.starts_with(&q) {
                offer(&mut best, 75, label);
            } else if q.len() >= 4 && v.contains(&q) {
                offer(&mut best, 60, label);
            }
        }
        if digit_query {
            for &(c, label) in &phones {
                let v: String = r.get(c).chars().filter(char::is_ascii_digit).collect();
                if v.is_empty() {
                    continue;
                }
                if v == digits {
                    offer(&mut best, 100, label);
                } else if v.ends_with(&digits) {
                    offer(&mut best, 70, label);
                } else if v.contains(&digits) {
                    offer(&mut best, 60, label);
                }
            }
        }
        if let Some(c) = c_name {
            let name = r.get(c);
            let key = name_key(name);
            if !key.is_empty() {
                let core = names::core(name);
                if key == q {
                    offer(&mut best, 100, "name");
                } else if core == q {
                    offer(&mut best, 90, "name");
                } else if core.starts_with(&q) {
                    offer(&mut best, 80, "name");
                } else if key.contains(&q) {
                    offer(&mut best, 70, "name");
                }
                if pinyin_query && best.is_none_or(|(b, _)| b < 65) {
                    let (core_full, core_initials) = names::pinyin(&core);
                    let (full, initials) = names::pinyin(&key);
                    if core_full.starts_with(&q) {
                        offer(&mut best, 65, "pinyin");
                    } else if core_initials.starts_with(&q) {
                        offer(&mut best, 55, "pinyin");
                    } else if full.contains(&q) {
                        offer(&mut best, 50, "pinyin");
                    } else if initials.contains(&q) {
                        offer(&mut best, 40, "pinyin");
                    }
                }
            }
        }
        for (c, label, s) in [(c_contact, "contact", 45), (c_address, "address", 35)] {
            if let Some(c) = c
                && best.is_none_or(|(b, _)| b < s)
                && name_key(r.get(c)).contains(&q)
            {
                offer(&mut best, s, label);
            }
        }
        best
    };
    let hits: Vec<Hit> = (0..table.rows.len())
        .filter(|&i| filter.keeps(table, i))
        .filter_map(|i| {
            score_row(i).map(|(score, matched)| Hit {
                row: i,
                matched,
                score,
            })
        })
        .collect();
    let name_of = |h: &Hit| c_name.map(|c| table.rows[h.row].get(c)).unwrap_or_default();
    let id_of = |h: &Hit| {
        col("id")
            .map(|c| table.rows[h.row].get(c))
            .unwrap_or_default()
    };
    // ties in the order of a Chinese list: by the pinyin of the name
    let mut keyed: Vec<(Hit, String)> = hits
        .into_iter()
        .map(|h| {
            let p = names::pinyin(name_of(&h)).0;
            (h, p)
        })
        .collect();
    keyed.sort_by(|(a, pa), (b, pb)| {
        b.score
            .cmp(&a.score)
            .then_with(|| pa.cmp(pb))
            .then_with(|| name_of(a).cmp(name_of(b)))
            .then_with(|| id_of(a).cmp(id_of(b)))
    });
    keyed.truncate(limit);
    keyed.into_iter().map(|(h, _)| h).collect()
}

/// Keep the better of the best match so far and a new one.
fn offer(best: &mut Option<(u32, &'static str)>, score: u32, what: &'static str) {
    if best.is_none_or(|(b, _)| score > b) {
        *best = Some((score, what));
    }
}
