//! A company name as people search for it: its core without the region in
//! front (`深圳市`, `广东省`), brackets (`(深圳)`) and the legal form at the
//! end (`有限公司`, `股份有限公司`, `集团`), and the pinyin of a name, in full
//! (`hongda`) and as initials (`hd`), from the `pinyin` crate.

use crate::values::normalize::PROVINCES;
use crate::values::text::name_key;
use pinyin::ToPinyin;

/// Legal forms and generic endings, longest first.
const SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "集团",
    "公司",
    "商行",
    "经营部",
    "门市部",
    "工作室",
    "厂",
    "店",
];

/// The core of a name (its [`name_key`] form): `深圳市鸿达贸易有限公司` and
/// `鸿达贸易(深圳)有限公司` both give `鸿达贸易`.
pub fn core(name: &str) -> String {
    let mut s = name_key(name);
    // brackets and what they hold: (深圳), 【旗舰店】
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    s = out;
    // the region in front: a province (short or full), then a city or county
    loop {
        let before = s.len();
        for (short, full) in PROVINCES {
            for p in [*full, *short] {
                if let Some(rest) = s.strip_prefix(p)
                    && rest.chars().count() >= 2
                    && !SUFFIXES.contains(&rest)
                {
                    s = rest.to_string();
                    break;
                }
            }
            if s.len() != before {
                break;
            }
        }
        if s.len() == before {
            // 深圳市…, 顺德区…, 南海县…: two to four hanzi and 市/区/县
            let chars: Vec<char> = s.chars().collect();
            let cut = (2..=4).find(|&n| {
                chars
                    .get(n)
                    .is_some_and(|c| matches!(c, '市' | '区' | '县'))
                    && chars.len() > n + 2
            });
            if let Some(n) = cut {
                s = chars[n + 1..].iter().collect();
            }
        }
        if s.len() == before {
            break;
        }
    }
    for suf in SUFFIXES {
        if let Some(rest) = s.strip_suffix(suf)
            && rest.chars().count() >= 2
        {
            s = rest.to_string();
            break;
        }
    }
    s
}

/// The pinyin of a text without tones, in full and as initials: `鸿达贸易`
/// gives (`hongdamaoyi`, `hdmy`). Letters and digits are kept as they are
/// (lower case); other characters are left out.
pub fn pinyin(text: &str) -> (String, String) {
    let mut full = String::with_capacity(text.len() * 2);
    let mut initials = String::with_capacity(text.len());
    for (c, p) in text.chars().zip(text.to_pinyin()) {
        match p {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_ascii_alphanumeric() => {
                let c = c.to_ascii_lowercase();
                full.push(c);
                initials.push(c);
            }
            None => {}
        }
    }
    (full, initials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_of_the_same_company_written_two_ways() {
        assert_eq!(core("深圳市鸿达贸易有限公司"), "鸿达贸易");
        assert_eq!(core("鸿达贸易(深圳)有限公司"), "鸿达贸易");
        assert_eq!(core("鸿达贸易（深圳）有限公司"), "鸿达贸易");
        assert_eq!(core("广东省佛山市顺德区美的电器股份有限公司"), "美的电器");
        assert_eq!(core("上海华联超市"), "华联超市");
        // a name that is only a region and a form keeps enough to be found
        assert_eq!(core("北京公司"), "北京");
        assert_eq!(core("张三"), "张三");
    }

    #[test]
    fn pinyin_in_full_and_initials() {
        assert_eq!(
            pinyin("鸿达贸易"),
            ("hongdamaoyi".to_string(), "hdmy".to_string())
        );
        assert_eq!(
            pinyin("A1超市"),
            ("a1chaoshi".to_string(), "a1cs".to_string())
        );
    }
}
