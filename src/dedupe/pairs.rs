//! Which records are compared at all (blocking), and the candidate pairs.
//!
//! Nothing compares all pairs. Each record goes into the blocks of its
//! name key (`鸿达贸易`), its 字号 (`鸿达`), or a person's name, and of its
//! mobile, landline, e-mail, credit code and ID number. Only records that
//! share a block are compared: the company spelled four ways shares its key,
//! a record with a one-character typo in its 字号 shares its phone. The
//! blocks are found by sorting (hash, record) pairs, so memory is a few
//! words a record. A block of more than `max_block` records (a chain's
//! 500 stores, a switchboard number) is not compared and is named in
//! [`Found::skipped`]; its pairs still meet in their other blocks.

use super::score::{Prepared, Verdict, compare};
use std::hash::{Hash, Hasher};

/// Blocks larger than this are not compared (see the module doc).
pub const MAX_BLOCK: usize = 200;

/// What a block is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockKind {
    Key,
    Trade,
    Person,
    Mobile,
    Phone,
    Email,
    CreditCode,
    IdNumber,
}

impl BlockKind {
    pub fn name(self) -> &'static str {
        match self {
            BlockKind::Key => "name_key",
            BlockKind::Trade => "trade_name",
            BlockKind::Person => "name",
            BlockKind::Mobile => "mobile",
            BlockKind::Phone => "phone",
            BlockKind::Email => "email",
            BlockKind::CreditCode => "credit_code",
            BlockKind::IdNumber => "id_number",
        }
    }
}

/// The blocks a record goes into: each kind with the hash of the value it
/// is keyed on. A company goes into the block of its 字号 with each of its
/// trades (`鸿达科技` and `鸿达贸易` for 鸿达科技贸易), and into its 字号's
/// block, where it is only compared with records that name no trade
/// (`鸿达有限公司`): two different trades of one 字号 are other companies,
/// and a pair that is one after all shares a phone or mobile block.
fn blocks_of(p: &Prepared, mut push: impl FnMut(BlockKind, u64)) {
    let trade = p.name.trade.as_str();
    if !p.individual && trade.chars().count() >= 2 {
        if p.name.industry.is_empty() {
            push(BlockKind::Key, hash_of(BlockKind::Key, trade));
        } else {
            for t in p.name.industry.split('+') {
                let mut h = rustc_hash::FxHasher::default();
                BlockKind::Key.hash(&mut h);
                // the same hash as the key `trade + t` as one string
                format!("{trade}{t}").hash(&mut h);
                push(BlockKind::Key, h.finish());
            }
        }
        push(BlockKind::Trade, hash_of(BlockKind::Trade, trade));
    }
    if p.individual && !p.key.is_empty() {
        push(BlockKind::Person, hash_of(BlockKind::Person, &p.key));
    }
    for (kind, on, v) in [
        (BlockKind::Mobile, true, p.mobile.as_str()),
        (BlockKind::Phone, p.phone.len() >= 7, p.phone.as_str()),
        (BlockKind::Email, true, p.email.as_str()),
        (BlockKind::CreditCode, true, p.credit_code.as_str()),
        (BlockKind::IdNumber, true, p.id_number.as_str()),
    ] {
        if on && !v.is_empty() {
            push(kind, hash_of(kind, v));
        }
    }
}

fn hash_of(kind: BlockKind, v: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    kind.hash(&mut h);
    v.hash(&mut h);
    h.finish()
}

/// A candidate pair: indexes into the records, `left < right`, and its verdict.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub left: u32,
    pub right: u32,
    pub verdict: Verdict,
}

/// The pairs at or above the threshold, and the blocks too big to compare.
#[derive(Debug, Default)]
pub struct Found {
    pub pairs: Vec<Candidate>,
    /// (kind, a member's value, records): blocks of more than `max_block`
    pub skipped: Vec<(BlockKind, String, usize)>,
    /// pairs compared
    pub compared: u64,
}

/// Find the candidate pairs among `recs`. With `split = Some(n)`, only pairs
/// of one record before `n` (the archive) and one from `n` on (a file).
pub fn find(recs: &[Prepared], split: Option<usize>, min_score: u8, max_block: usize) -> Found {
    let mut entries: Vec<(u64, u32, BlockKind)> = Vec::with_capacity(recs.len() * 4);
    for (i, p) in recs.iter().enumerate() {
        blocks_of(p, |kind, h| entries.push((h, i as u32, kind)));
    }
    entries.sort_unstable_by_key(|e| (e.0, e.1));
    let mut key_count = vec![1u32; recs.len()];
    let mut trade_count = vec![1u32; recs.len()];
    let mut found = Found::default();
    let mut pairs: Vec<u64> = Vec::new();
    let crosses = |a: u32, b: u32| match split {
        Some(n) => ((a as usize) < n) != ((b as usize) < n),
        None => true,
    };
    let mut push = |a: u32, b: u32| {
        if a != b && crosses(a, b) {
            pairs.push((u64::from(a.min(b)) << 32) | u64::from(a.max(b)));
        }
    };
    let mut start = 0;
    while start < entries.len() {
        let h = entries[start].0;
        let end = start + entries[start..].iter().take_while(|e| e.0 == h).count();
        let run = &entries[start..end];
        start = end;
        let kind = run[0].2;
        let n = run.len() as u32;
        for e in run {
            match kind {
                BlockKind::Key | BlockKind::Person => {
                    let c = &mut key_count[e.1 as usize];
                    *c = (*c).max(n);
                }
                BlockKind::Trade => trade_count[e.1 as usize] = n,
                _ => {}
            }
        }
        // a 字号's block: only its records that name no trade meet the rest
        let open: Vec<u32> = match kind {
            BlockKind::Trade => run
                .iter()
                .filter(|e| recs[e.1 as usize].name.industry.is_empty())
                .map(|e| e.1)
                .collect(),
            _ => Vec::new(),
        };
        let compared = if kind == BlockKind::Trade {
            open.len()
        } else {
            run.len()
        };
        if compared > max_block {
            let p = &recs[run[0].1 as usize];
            let value = match kind {
                BlockKind::Key | BlockKind::Person => p.key.clone(),
                BlockKind::Trade => p.name.trade.clone(),
                BlockKind::Mobile => crate::values::text::mask("mobile", &p.mobile),
                BlockKind::Phone => crate::values::text::mask("phone", &p.phone),
                BlockKind::Email => crate::values::text::mask("email", &p.email),
                BlockKind::CreditCode => p.credit_code.clone(),
                BlockKind::IdNumber => crate::values::text::mask("id_number", &p.id_number),
            };
            found.skipped.push((kind, value, run.len()));
            continue;
        }
        if kind == BlockKind::Trade {
            for &a in &open {
                for b in run {
                    push(a, b.1);
                }
            }
        } else {
            for (x, a) in run.iter().enumerate() {
                for b in &run[x + 1..] {
                    push(a.1, b.1);
                }
            }
        }
    }
    drop(entries);
    pairs.sort_unstable();
    pairs.dedup();
    found.compared = pairs.len() as u64;
    let score = |chunk: &[u64]| -> Vec<Candidate> {
        chunk
            .iter()
            .filter_map(|&pk| {
                let (l, r) = ((pk >> 32) as u32, pk as u32);
                let (a, b) = (&recs[l as usize], &recs[r as usize]);
                let kc = key_count[l as usize].max(key_count[r as usize]);
                let tc = trade_count[l as usize].max(trade_count[r as usize]);
                let verdict = compare(a, b, kc, tc);
                (verdict.score >= min_score).then_some(Candidate {
                    left: l,
                    right: r,
                    verdict,
                })
            })
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if pairs.len() < 10_000 || threads == 1 {
        found.pairs = score(&pairs);
    } else {
        let size = pairs.len().div_ceil(threads);
        found.pairs = std::thread::scope(|s| {
            let parts: Vec<_> = pairs.chunks(size).map(|c| s.spawn(|| score(c))).collect();
            parts
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
    }
    found
}

/// Clusters of records linked by the pairs (union–find): each a list of
/// record indexes, ascending; clusters in the order of their best pair.
pub fn clusters(pairs: &[Candidate], n: usize) -> Vec<Vec<u32>> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for p in pairs {
        let (a, b) = (root(&mut parent, p.left), root(&mut parent, p.right));
        if a != b {
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    let mut by_root: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
    let mut order: Vec<u32> = Vec::new();
    // pairs come best first: a cluster takes the place of its best pair
    for p in pairs {
        for x in [p.left, p.right] {
            let r = root(&mut parent, x);
            let members = by_root.entry(r).or_insert_with(|| {
                order.push(r);
                Vec::new()
            });
            if !members.contains(&x) {
                members.push(x);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|r| by_root.remove(&r))
        .map(|mut m| {
            m.sort_unstable();
            m
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::score::{Fields, prepare};
    use super::*;

    fn recs(names: &[(&str, &str)]) -> Vec<Prepared> {
        names
            .iter()
            .map(|(name, mobile)| {
                prepare(&Fields {
                    name,
                    mobile,
                    ..Fields::default()
                })
            })
            .collect()
    }

    #[test]
    fn only_records_sharing_a_block_are_compared() {
        let r = recs(&[
            ("深圳市鸿达贸易有限公司", ""),
            ("鸿达贸易(深圳)有限公司", ""),
            ("上海华联超市", "13800138000"),
            ("华联超市有限公司", ""),
            ("宏达五金", "13800138000"),
            ("张伟", ""),
        ]);
        let f = find(&r, None, 0, MAX_BLOCK);
        let got: Vec<(u32, u32)> = f.pairs.iter().map(|c| (c.left, c.right)).collect();
        assert_eq!(got, vec![(0, 1), (2, 3), (2, 4)]);
        assert_eq!(f.compared, 3);
        // 鸿达实业 (no trade) meets 鸿达服装 in the 字号's block
        let generic = recs(&[
            ("武汉市鸿达实业有限公司", ""),
            ("武汉市鸿达服装有限公司", ""),
        ]);
        assert_eq!(find(&generic, None, 0, MAX_BLOCK).compared, 1);
        // only archive-to-file pairs with a split
        let f = find(&r, Some(3), 0, MAX_BLOCK);
        let got: Vec<(u32, u32)> = f.pairs.iter().map(|c| (c.left, c.right)).collect();
        assert_eq!(got, vec![(2, 3), (2, 4)]);
    }

    #[test]
    fn a_block_too_big_is_skipped_and_named() {
        let names: Vec<(String, &str)> = (0..5)
            .map(|i| (format!("华联超市{i}号店"), "13800138000"))
            .collect();
        let r: Vec<Prepared> = names
            .iter()
            .map(|(n, m)| {
                prepare(&Fields {
                    name: n,
                    mobile: m,
                    ..Fields::default()
                })
            })
            .collect();
        let f = find(&r, None, 0, 4);
        assert_eq!(
            f.skipped,
            vec![(BlockKind::Mobile, "138****8000".to_string(), 5)]
        );
    }

    #[test]
    fn clusters_join_chains() {
        let v = |score| Verdict {
            score,
            evidence: vec![],
        };
        let c = |left, right, s| Candidate {
            left,
            right,
            verdict: v(s),
        };
        let got = clusters(&[c(4, 5, 90), c(0, 2, 80), c(2, 3, 70)], 6);
        assert_eq!(got, vec![vec![4, 5], vec![0, 2, 3]]);
    }
}
