//! A Chinese company name taken apart for 查重: `深圳市鸿达贸易有限公司`,
//! `鸿达贸易(深圳)有限公司`, `深圳鸿达贸易有限责任公司` and `鸿达贸易有限公司`
//! all give the trade name (字号) `鸿达`, the industry `贸易` and so the key
//! `鸿达贸易`; `深圳市鸿达贸易有限公司广州分公司` gives the same key and the
//! branch `广州分公司`.
//!
//! The steps, in order:
//! 1. half-width, no spaces, lower case, one kind of bracket ([`name_key`]);
//! 2. a branch mark at the end (分公司, 分店, 营业部, 办事处 …, with the
//!    place before it) is cut off and kept: a branch is another customer;
//! 3. a bracket holding a place (`(深圳)`), the country (`(中国)`) or a
//!    legal form (`(集团)`, `(有限合伙)`) goes; other brackets open up;
//! 4. the legal form at the end goes, longest first (股份有限公司 before
//!    有限公司), repeatedly (`集团有限公司`);
//! 5. places go wherever they stand at the front or the end, with or
//!    without 省/市/区/县, from the GB/T 2260 list ([`super::places`]). A
//!    county's short form (`南山`) only after its province or city, since
//!    short county names are also trade names (龙井, 新华);
//! 6. industry words at the end (贸易, 科技, 电子 …) go into the industry;
//!    what stays is the trade name. Words of the same trade count as one
//!    (`贸易` = `商贸`); generic words (实业, 发展, 国际) carry no industry.
//!
//! Nothing is stripped that would leave the trade name empty: `北京公司`
//! keeps `北京`, `朝阳科技` keeps `朝阳`.

use super::places::{Level, Places, compatible, places};
use crate::values::text::name_key;

/// Legal forms and generic endings, longest first.
const FORMS: &[&str] = &[
    "集团股份有限公司",
    "集团有限责任公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "个人独资企业",
    "个体工商户",
    "股份合作公司",
    "有限公司",
    "合伙企业",
    "有限合伙",
    "普通合伙",
    "总公司",
    "集团",
    "公司",
];

/// Marks of a branch (分支机构), longest first.
const BRANCHES: &[&str] = &[
    "分公司",
    "分店",
    "营业部",
    "办事处",
    "分厂",
    "分部",
    "分行",
    "支行",
    "分理处",
    "门店",
    "分社",
    "分院",
    "分中心",
];

/// Industry words and the trade they stand for, longest first. Words of one
/// trade share its first word (`商贸` → `贸易`); `""` is a generic word that
/// names no trade.
const INDUSTRY: &[(&str, &str)] = &[
    ("信息技术", "科技"),
    ("网络科技", "科技"),
    ("信息科技", "科技"),
    ("电子商务", "电商"),
    ("供应链管理", "供应链"),
    ("文化传媒", "传媒"),
    ("文化传播", "传媒"),
    ("广告传媒", "传媒"),
    ("建筑工程", "工程"),
    ("装饰工程", "装饰"),
    ("企业管理", "管理"),
    ("物业管理", "物业"),
    ("房地产开发", "房地产"),
    ("餐饮管理", "餐饮"),
    ("酒店管理", "酒店"),
    ("生物科技", "生物"),
    ("医疗器械", "医疗"),
    ("汽车服务", "汽车"),
    ("进出口", "贸易"),
    ("供应链", "供应链"),
    ("房地产", "房地产"),
    ("新材料", "材料"),
    ("贸易", "贸易"),
    ("商贸", "贸易"),
    ("经贸", "贸易"),
    ("商务", "贸易"),
    ("科技", "科技"),
    ("技术", "科技"),
    ("网络", "科技"),
    ("信息", "科技"),
    ("软件", "软件"),
    ("电子", "电子"),
    ("电器", "电器"),
    ("电气", "电器"),
    ("机械", "机械"),
    ("机电", "机械"),
    ("设备", "机械"),
    ("五金", "五金"),
    ("建材", "建材"),
    ("材料", "材料"),
    ("化工", "化工"),
    ("塑胶", "塑料"),
    ("塑料", "塑料"),
    ("食品", "食品"),
    ("饮品", "食品"),
    ("农业", "农业"),
    ("农产品", "农业"),
    ("服装", "服装"),
    ("服饰", "服装"),
    ("纺织", "纺织"),
    ("家具", "家具"),
    ("家居", "家具"),
    ("物流", "物流"),
    ("运输", "物流"),
    ("快递", "物流"),
    ("传媒", "传媒"),
    ("广告", "传媒"),
    ("文化", "传媒"),
    ("印刷", "印刷"),
    ("包装", "包装"),
    ("医药", "医药"),
    ("药业", "医药"),
    ("药房", "医药"),
    ("医疗", "医疗"),
    ("生物", "生物"),
    ("环保", "环保"),
    ("能源", "能源"),
    ("汽车", "汽车"),
    ("汽配", "汽车"),
    ("工程", "工程"),
    ("建设", "工程"),
    ("建筑", "工程"),
    ("装饰", "装饰"),
    ("装修", "装饰"),
    ("物业", "物业"),
    ("置业", "房地产"),
    ("地产", "房地产"),
    ("餐饮", "餐饮"),
    ("酒店", "酒店"),
    ("宾馆", "酒店"),
    ("咨询", "咨询"),
    ("管理", "管理"),
    ("教育", "教育"),
    ("培训", "教育"),
    ("超市", "零售"),
    ("商行", "零售"),
    ("商店", "零售"),
    ("百货", "零售"),
    ("便利店", "零售"),
    ("经营部", "零售"),
    ("门市部", "零售"),
    ("批发部", "零售"),
    ("工作室", "工作室"),
    ("电商", "电商"),
    ("书店", "零售"),
    ("茶叶", "食品"),
    ("茶业", "食品"),
    ("实业", ""),
    ("发展", ""),
    ("国际", ""),
    ("控股", ""),
    ("投资", ""),
    ("产业", ""),
    ("企业", ""),
    ("服务", ""),
    ("工业", ""),
    ("制造", ""),
    ("贸易行", "贸易"),
    ("厂", ""),
    ("店", "零售"),
    ("行", ""),
];

/// A name taken apart; see the module doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameParts {
    /// 字号: `鸿达`
    pub trade: String,
    /// the trades of the industry words, `+`-joined in order: `贸易`, `科技+贸易`
    pub industry: String,
    /// the industry words as written, generic ones left out (`商贸` for
    /// 鸿达国际商贸): a company registers its 字号 with its words, so
    /// `鸿达科技` and `鸿达信息技术` in one city may be two companies
    pub words: String,
    /// the legal form that was stripped, `""` when none
    pub form: &'static str,
    /// the branch mark with its place (`广州分公司`), `""` for a head office
    pub branch: String,
    /// GB/T 2260 codes of the places the name carries
    pub places: Vec<u32>,
    /// no form, no industry, no branch: two to four hanzi, a person's name
    pub person: bool,
}

impl NameParts {
    /// The key two names are compared on: trade name and industry trades
    /// (`鸿达贸易` and `鸿达商贸` share it).
    pub fn key(&self) -> String {
        format!("{}{}", self.trade, self.industry.replace('+', ""))
    }
}

/// Take a name apart; see the module doc.
pub fn analyse(name: &str) -> NameParts {
    let p = places();
    let mut s = unify_brackets(&name_key(name));
    let mut parts = NameParts::default();
    let mut codes: Vec<u32> = Vec::new();
    // 2. the branch at the end, maybe in brackets: 鸿达贸易有限公司(广州分公司)
    if let Some((base, branch)) = cut_branch(&s, p) {
        parts.branch = branch;
        s = base;
    }
    // 3. brackets: a place, the country or a form goes; others open up
    s = open_brackets(&s, p, &mut codes, &mut parts.form);
    // 4. the legal form
    strip_forms(&mut s, &mut parts.form);
    // 5. places at the front and the end, unless only industry words stay
    // (朝阳科技: 朝阳 is the trade name)
    strip_places(&mut s, p, &mut codes);
    strip_forms(&mut s, &mut parts.form);
    // 6. industry words at the end
    let mut trades: Vec<&'static str> = Vec::new();
    let mut words: Vec<&'static str> = Vec::new();
    let mut any_words = false;
    while let Some((w, t)) = industry_at_end(&s) {
        s.truncate(s.len() - w.len());
        any_words = true;
        if !t.is_empty() {
            words.insert(0, w);
            if !trades.contains(&t) {
                trades.insert(0, t);
            }
        }
        // a place between the trade name and the industry: 鸿达深圳贸易
        strip_places_at_end(&mut s, p, &mut codes);
    }
    parts.industry = trades.join("+");
    parts.words = words.concat();
    parts.person = parts.form.is_empty()
        && parts.branch.is_empty()
        && !any_words
        && (2..=4).contains(&s.chars().count())
        && s.chars().all(is_hanzi);
    parts.trade = s;
    codes.sort_unstable();
    codes.dedup();
    parts.places = codes;
    parts
}

/// The industry words by their last character, longest first (every name's
/// end is looked up, so it is indexed).
type ByLast = rustc_hash::FxHashMap<char, Vec<(&'static str, &'static str)>>;

fn industry_by_last() -> &'static ByLast {
    static BY_LAST: std::sync::OnceLock<ByLast> = std::sync::OnceLock::new();
    BY_LAST.get_or_init(|| {
        let mut m = ByLast::default();
        for &(w, t) in INDUSTRY {
            if let Some(c) = w.chars().last() {
                m.entry(c).or_default().push((w, t));
            }
        }
        for v in m.values_mut() {
            v.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        }
        m
    })
}

/// The longest industry word `s` ends with, when a name of two characters
/// stays before it.
fn industry_at_end(s: &str) -> Option<(&'static str, &'static str)> {
    let last = s.chars().last()?;
    let n = s.chars().count();
    industry_by_last()
        .get(&last)?
        .iter()
        .find(|(w, _)| s.ends_with(w) && n > w.chars().count() + 1)
        .copied()
}

/// Whether `s` is nothing but industry words (`科技`, `国际贸易`).
fn only_industry(s: &str) -> bool {
    let mut s = s;
    while let Some(last) = s.chars().last() {
        let word = industry_by_last()
            .get(&last)
            .and_then(|v| v.iter().find(|(w, _)| s.ends_with(w)));
        match word {
            Some((w, _)) => s = &s[..s.len() - w.len()],
            None => return false,
        }
    }
    true
}

fn is_hanzi(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Every kind of bracket as `(`/`)`.
fn unify_brackets(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '[' | '【' | '〔' | '〖' | '「' => '(',
            ']' | '】' | '〕' | '〗' | '」' => ')',
            c => c,
        })
        .collect()
}

/// The place codes `s` names, when it is a place (full or short; a county's
/// short form too, since in brackets nothing else is meant).
fn place_codes(s: &str, p: &Places) -> Option<Vec<u32>> {
    let found = p.get(s);
    (!found.is_empty()).then(|| found.iter().map(|x| x.code).collect())
}

/// A branch mark at the end: the name without it, and the mark with the
/// place or text before it back to the last legal form (`广州分公司`).
fn cut_branch(s: &str, p: &Places) -> Option<(String, String)> {
    let inner = s.strip_suffix(')');
    let (body, bracketed) = match inner.and_then(|i| i.rfind('(').map(|o| (i, o))) {
        Some((i, o)) => (&i[o + 1..], Some(o)),
        None => (s, None),
    };
    let mark = BRANCHES.iter().find(|m| body.ends_with(*m))?;
    let before = &body[..body.len() - mark.len()];
    let (base, place) = match bracketed {
        // 鸿达贸易有限公司(广州分公司)
        Some(o) => (s[..o].to_string(), before.to_string()),
        None => match FORMS
            .iter()
            .filter_map(|f| before.rfind(f).map(|i| i + f.len()))
            .max()
        {
            // 鸿达贸易有限公司广州分公司
            Some(end) => (before[..end].to_string(), before[end..].to_string()),
            // 鸿达贸易广州分公司: the place right before the mark, if any
            None => {
                let chars: Vec<char> = before.chars().collect();
                let cut = (2..=p.longest.min(chars.len().saturating_sub(2)))
                    .rev()
                    .find(|&n| {
                        !p.get(&chars[chars.len() - n..].iter().collect::<String>())
                            .is_empty()
                    });
                match cut {
                    Some(n) => (
                        chars[..chars.len() - n].iter().collect(),
                        chars[chars.len() - n..].iter().collect(),
                    ),
                    None => (before.to_string(), String::new()),
                }
            }
        },
    };
    if base.chars().count() < 2 {
        return None;
    }
    // 广州市分公司 and 广州分公司 are one branch
    let place = match p.get(&place).first() {
        Some(x) if !x.short => place.trim_end_matches(['省', '市', '区', '县']).to_string(),
        _ => place,
    };
    Some((base, format!("{place}{mark}")))
}

/// Brackets: a place (its codes kept), the country or a legal form goes;
/// any other bracket's text stays, without the brackets.
fn open_brackets(s: &str, p: &Places, codes: &mut Vec<u32>, form: &mut &'static str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(o) = rest.find('(') {
        out.push_str(&rest[..o]);
        let after = &rest[o + 1..];
        let Some(c) = after.find(')') else {
            out.push_str(after);
            return out;
        };
        let inner = &after[..c];
        if let Some(found) = place_codes(inner, p) {
            codes.extend(found);
        } else if let Some(f) = FORMS.iter().find(|f| **f == inner) {
            if form.is_empty() {
                *form = f;
            }
        } else if !Places::is_country(inner) {
            out.push_str(inner);
        }
        rest = &after[c + 1..];
    }
    out.push_str(rest);
    out.replace(')', "")
}

/// The legal forms at the end, longest first, while a name stays.
fn strip_forms(s: &mut String, form: &mut &'static str) {
    loop {
        let Some(f) = FORMS
            .iter()
            .find(|f| s.ends_with(*f) && s.chars().count() >= f.chars().count() + 2)
        else {
            return;
        };
        s.truncate(s.len() - f.len());
        if form.is_empty() {
            *form = f;
        }
    }
}

/// Places at the front, then at the end: the longest spelling first, a
/// county's short form only after a province or city was stripped.
fn strip_places(s: &mut String, p: &Places, codes: &mut Vec<u32>) {
    let mut after_higher = false;
    loop {
        let hit = p.leading(s, |head, found, rest| {
            let country = Places::is_country(head);
            if found.is_empty() && !country {
                return None;
            }
            let mut ok: Vec<u32> = found
                .iter()
                .filter(|x| !x.short || x.level != Level::County || after_higher)
                .map(|x| x.code)
                .collect();
            // 深圳市南山区: the 南山区 of Shenzhen, not of Hegang
            if ok.len() > 1 && ok.iter().any(|&c| codes.iter().any(|&k| compatible(c, k))) {
                ok.retain(|&c| codes.iter().any(|&k| compatible(c, k)));
            }
            // 东莞市海西装饰: after 东莞市, 海西 is the trade name
            ((!ok.is_empty() || country) && !only_industry(rest)).then_some(ok)
        });
        match hit {
            Some((end, found)) => {
                after_higher |= !found.is_empty();
                codes.extend(found);
                *s = s[end..].to_string();
            }
            None => break,
        }
    }
    strip_places_at_end(s, p, codes);
}

/// A province or city at the end (`鸿达贸易深圳` before its form went).
fn strip_places_at_end(s: &mut String, p: &Places, codes: &mut Vec<u32>) {
    let starts: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    let len = starts.len();
    let max = p.longest.min(len.saturating_sub(2));
    let hit = (2..=max).rev().find_map(|n| {
        let (rest, tail) = s.split_at(starts[len - n]);
        let ok: Vec<u32> = p
            .get(tail)
            .iter()
            .filter(|x| x.level != Level::County)
            .map(|x| x.code)
            .collect();
        // what stays must be a name, not another place (东莞市海西)
        (!ok.is_empty() && p.get(rest).is_empty()).then_some((n, ok))
    });
    if let Some((n, found)) = hit {
        codes.extend(found);
        s.truncate(starts[len - n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kt(name: &str) -> (String, String, String) {
        let p = analyse(name);
        (p.key(), p.trade.clone(), p.branch.clone())
    }

    #[test]
    fn the_four_spellings_of_one_company_share_a_key() {
        for n in [
            "深圳市鸿达贸易有限公司",
            "鸿达贸易(深圳)有限公司",
            "鸿达贸易（深圳）有限公司",
            "深圳鸿达贸易有限责任公司",
            "鸿达贸易有限公司",
            "深圳 鸿达贸易 有限公司",
            "广东省深圳市鸿达贸易有限公司",
            "鸿达商贸(深圳)有限公司",
        ] {
            assert_eq!(kt(n), ("鸿达贸易".into(), "鸿达".into(), "".into()), "{n}");
        }
        assert_eq!(analyse("深圳市鸿达贸易有限公司").places, vec![4403]);
        assert_eq!(
            analyse("广东省深圳市鸿达贸易有限公司").places,
            vec![44, 4403]
        );
        assert_eq!(
            analyse("深圳市南山区鸿达贸易有限公司").places,
            vec![4403, 440305]
        );
    }

    #[test]
    fn branches_are_kept_apart() {
        assert_eq!(
            kt("深圳市鸿达贸易有限公司广州分公司"),
            ("鸿达贸易".into(), "鸿达".into(), "广州分公司".into())
        );
        assert_eq!(analyse("鸿达贸易有限公司(广州分公司)").branch, "广州分公司");
        assert_eq!(analyse("鸿达贸易有限公司广州市分公司").branch, "广州分公司");
        assert_eq!(analyse("鸿达贸易广州营业部").branch, "广州营业部");
        assert_eq!(analyse("华联超市南山分店").branch, "南山分店");
    }

    #[test]
    fn trade_names_survive_when_they_look_like_places() {
        // 龙井 and 新华 are counties too; 朝阳 a district and a city
        assert_eq!(analyse("龙井茶叶有限公司").trade, "龙井");
        assert_eq!(analyse("新华书店").trade, "新华");
        assert_eq!(analyse("朝阳科技有限公司").trade, "朝阳");
        assert_eq!(analyse("北京公司").trade, "北京");
        assert_eq!(analyse("中山科技有限公司").trade, "中山");
        // 海西, 嘉兴 and 安顺 are places too; after the city, they are 字号
        assert_eq!(analyse("东莞市海西装饰工程有限公司").key(), "海西装饰");
        assert_eq!(analyse("东莞市广西装饰工程股份有限公司").key(), "广西装饰");
        assert_eq!(analyse("宁波市嘉兴酒店管理有限公司").key(), "嘉兴酒店");
        assert_eq!(analyse("宁波市安顺酒店管理有限公司").places, vec![3302]);
    }

    #[test]
    fn industries_groups_and_people() {
        let a = analyse("鸿达国际贸易有限公司");
        assert_eq!((a.trade.as_str(), a.industry.as_str()), ("鸿达", "贸易"));
        let b = analyse("鸿达科技有限公司");
        assert_eq!((b.trade.as_str(), b.industry.as_str()), ("鸿达", "科技"));
        let c = analyse("鸿达实业有限公司");
        assert_eq!((c.trade.as_str(), c.industry.as_str()), ("鸿达", ""));
        assert_eq!(analyse("鸿达(集团)有限公司").form, "集团");
        assert_eq!(analyse("华为技术有限公司").key(), "华为科技");
        assert!(analyse("张伟").person);
        assert!(analyse("欧阳娜娜").person);
        assert!(!analyse("鸿达贸易").person);
        assert!(!analyse("ABC Ltd").person);
    }
}
