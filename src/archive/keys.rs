//! The identity keys of a customer, one definition for every path: import's
//! merge (`commands::import`), validate's `unique` and `duplicate`
//! (`check::engine`); and how two records of one customer merge
//! ([`merge_record`], for import and `dedupe --apply`). The likeness of
//! records that no key joins is `dedupe`'s.
//!
//! A customer is the same customer as another when one of these keys is
//! equal: the archive number, the credit code, the ID number, or the name
//! (as [`name_key`] compares it: half-width, no spaces, lower case) together
//! with the mobile. Values are compared as normalised (`values::normalize`).

use crate::archive::{Cells, Record};
use crate::values::text::{name_key, name_key_chars};

/// One identity key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Id,
    CreditCode,
    IdNumber,
    NameMobile,
}

impl Key {
    pub const ALL: [Key; 4] = [Key::Id, Key::CreditCode, Key::IdNumber, Key::NameMobile];

    /// The key's name in messages (`same name+mobile as …`).
    pub fn name(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::CreditCode => "credit_code",
            Key::IdNumber => "id_number",
            Key::NameMobile => "name+mobile",
        }
    }

    /// The column a finding about the key names.
    pub fn column(self) -> &'static str {
        match self {
            Key::NameMobile => "mobile",
            k => k.name(),
        }
    }
}

/// The text of the name + mobile key (`None` when either is empty).
pub fn name_mobile(name: &str, mobile: &str) -> Option<String> {
    (!name.is_empty() && !mobile.is_empty()).then(|| format!("{}\u{1f}{mobile}", name_key(name)))
}

/// A 64-bit hash of a key's text, never 0 (0 means "no key").
pub fn hash64(k: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(k) | 1
}

/// A 32-bit hash of a key's text, for import's index: 32 bits are enough
/// there, since a hit is always checked against the row and the few keys
/// whose hash is taken go to an exact overflow map. Half the memory of 64-bit
/// hashes (a million customers: four maps of 2M slots of 8 bytes).
pub fn hash32(k: &str) -> u32 {
    let h = hash64(k);
    (h >> 32) as u32 ^ h as u32
}

/// The 64-bit hash of the name + mobile key without building its text (the
/// hot path of validate). Two rows have equal hashes exactly when
/// [`name_mobile`] gives them equal texts (up to hash collisions): the same
/// characters go in, in the same order.
pub fn name_mobile_hash(name: &str, mobile: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    for c in name_key_chars(name) {
        h.write_u32(c as u32);
    }
    h.write_u8(0x1f);
    h.write(mobile.as_bytes());
    h.finish() | 1
}

/// How two records of one customer merge, for import (an incoming row into
/// the archive's) and for `dedupe --apply` (the newer record into the
/// surviving one): every non-empty value of `incoming` replaces the record's,
/// empty ones keep it. The new record when anything changed.
pub fn merge_record(rec: &Record, incoming: &Record) -> Option<Record> {
    let width = rec.len().max(incoming.len());
    let differs = (0..width).any(|i| {
        let v = incoming.cell(i);
        !v.is_empty() && rec.get(i) != v
    });
    if !differs {
        return None;
    }
    let merged: Vec<&str> = (0..width)
        .map(|i| {
            let v = incoming.cell(i);
            if v.is_empty() { rec.get(i) } else { v }
        })
        .collect();
    Some(Record::new(&merged))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two ways of keying a name agree: the texts are equal exactly when
    /// the streamed hashes are.
    #[test]
    fn name_mobile_text_and_hash_agree() {
        let names = [
            "上海恒通贸易有限公司",
            "上海恒通贸易有限公司 ",
            " 上海 恒通贸易有限公司",
            "（上海）恒通",
            "(上海)恒通",
            "（上海)恒通",
            "ＡＢＣ科技",
            "abc科技",
            "ABC 科技",
            "张伟",
            "张 伟",
            "张伟伟",
        ];
        for a in names {
            for b in names {
                for (ma, mb) in [
                    ("13800000001", "13800000001"),
                    ("13800000001", "13800000002"),
                ] {
                    let texts = name_mobile(a, ma) == name_mobile(b, mb);
                    let hashes = name_mobile_hash(a, ma) == name_mobile_hash(b, mb);
                    assert_eq!(texts, hashes, "{a:?}/{ma} vs {b:?}/{mb}");
                }
            }
        }
        assert_eq!(name_mobile("上海恒通", ""), None);
        assert_eq!(
            name_mobile("（上海）恒通", "13800000002"),
            name_mobile("(上海) 恒通", "13800000002")
        );
    }
}
