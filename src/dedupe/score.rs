//! How alike two customer records are: a score from 0 to 100 and the
//! evidence for and against, under stable names ([`Evidence`]).
//!
//! The score adds points, as Fellegi–Sunter adds match weights (the points
//! are in `WEIGHTS`, the table in docs/dedupe.md):
//! - the name: the same key (字号 and the same industry words, `鸿达贸易`)
//!   counts most; the same 字号 with the trade missing on one side, or in
//!   other words of the same trade (`鸿达商贸`, `鸿达信息技术` for 鸿达科技: a
//!   company registers its 字号 with its words, so these may be two), less; a 字号 one character
//!   off counts little (宏达 is not 鸿达). A key or 字号 many records share
//!   weighs less (a term-frequency adjustment, as in Splink): above
//!   [`TF_FREE`] records, each doubling takes off [`TF_STEP`] points;
//! - two shops' names (no legal form on either: 兴和超市) count less than a
//!   company's, and two different mobiles count against them as against
//!   people: a 个体 shop's name is not unique in its city;
//! - a person's name (two 张伟) counts for little alone: a namesake needs a
//!   mobile, phone, ID number, e-mail or address as well;
//! - mobile, landline, e-mail, address, contact, credit code, ID number;
//! - against: a branch (`branch`), another industry (`industry_differs`),
//!   another province or city (`region_differs`), another kind of customer
//!   (`kind_differs`), two different mobiles of a person or a shop
//!   (`mobile_differs`).
//!   Two different valid credit codes or ID numbers are never a duplicate:
//!   such a pair scores 0 whatever else matches.

use super::name::NameParts;
use super::places::{Level, places};

/// One piece of evidence, for or against; its name is what `reasons` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    CreditCode,
    IdNumber,
    NameKey,
    TradeName,
    NameSimilar,
    Mobile,
    Phone,
    Email,
    Address,
    Contact,
    CreditCodeDiffers,
    IdNumberDiffers,
    Branch,
    IndustryDiffers,
    RegionDiffers,
    KindDiffers,
    MobileDiffers,
}

impl Evidence {
    /// The stable name in `reasons`.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::CreditCode => "credit_code",
            Evidence::IdNumber => "id_number",
            Evidence::NameKey => "name_key",
            Evidence::TradeName => "trade_name",
            Evidence::NameSimilar => "name_similar",
            Evidence::Mobile => "mobile",
            Evidence::Phone => "phone",
            Evidence::Email => "email",
            Evidence::Address => "address",
            Evidence::Contact => "contact",
            Evidence::CreditCodeDiffers => "credit_code_differs",
            Evidence::IdNumberDiffers => "id_number_differs",
            Evidence::Branch => "branch",
            Evidence::IndustryDiffers => "industry_differs",
            Evidence::RegionDiffers => "region_differs",
            Evidence::KindDiffers => "kind_differs",
            Evidence::MobileDiffers => "mobile_differs",
        }
    }

    /// Its name for people reading Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Evidence::CreditCode => "信用代码相同",
            Evidence::IdNumber => "身份证号相同",
            Evidence::NameKey => "名称相同",
            Evidence::TradeName => "字号相同",
            Evidence::NameSimilar => "字号差一字",
            Evidence::Mobile => "手机相同",
            Evidence::Phone => "电话相同",
            Evidence::Email => "邮箱相同",
            Evidence::Address => "地址相同",
            Evidence::Contact => "联系人相同",
            Evidence::CreditCodeDiffers => "信用代码不同",
            Evidence::IdNumberDiffers => "身份证号不同",
            Evidence::Branch => "分支机构",
            Evidence::IndustryDiffers => "行业不同",
            Evidence::RegionDiffers => "地区不同",
            Evidence::KindDiffers => "客户性质不同",
            Evidence::MobileDiffers => "手机不同",
        }
    }

    /// The points it adds (negative: against).
    pub fn points(self) -> i32 {
        match self {
            Evidence::CreditCode | Evidence::IdNumber => 60,
            Evidence::NameKey => 60,
            Evidence::TradeName => 45,
            Evidence::NameSimilar => 15,
            Evidence::Mobile => 35,
            Evidence::Phone => 25,
            Evidence::Email => 30,
            Evidence::Address => 15,
            Evidence::Contact => 10,
            Evidence::CreditCodeDiffers | Evidence::IdNumberDiffers => -100,
            Evidence::Branch => -60,
            Evidence::IndustryDiffers => -30,
            Evidence::RegionDiffers => -30,
            Evidence::KindDiffers => -20,
            Evidence::MobileDiffers => -20,
        }
    }
}

/// What a person's name alone is worth (two records of 张伟).
pub const PERSON_NAME_POINTS: i32 = 30;
/// The most a common person's name loses (张伟 and a mobile are still one person).
pub const PERSON_TF_MAX: i32 = 15;
/// What the same 字号 is worth when both name a trade and the trades differ.
pub const TRADE_OTHER_INDUSTRY_POINTS: i32 = 20;
/// What the same name of two shops (no legal form on either: 兴和超市) is
/// worth: a 个体 shop's name is not registered city-wide, as a company's is.
pub const SHOP_NAME_POINTS: i32 = 45;
/// Points taken off a name per doubling of the records that share it above two.
pub const TF_STEP: i32 = 8;

/// One record made ready for comparing: every value in the form it is
/// compared in.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub name: NameParts,
    pub key: String,
    pub individual: bool,
    pub kind: String,
    pub mobile: String,
    /// the landline without area code and extension: `12345678`
    pub phone: String,
    pub phone_area: String,
    pub email: String,
    pub address: String,
    pub contact: String,
    pub credit_code: String,
    pub id_number: String,
    pub industry: String,
    /// GB/T 2260 province and city, from the name, `region` and `city`
    pub province: Option<u32>,
    pub city: Option<u32>,
}

/// The fields of a customer record that 查重 reads, by canonical name.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub industry: &'a str,
    pub region: &'a str,
    pub city: &'a str,
    pub address: &'a str,
    pub contact: &'a str,
    pub mobile: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub id_number: &'a str,
    pub credit_code: &'a str,
}

/// The columns [`Fields`] is read from.
pub const COLUMNS: [&str; 12] = [
    "name",
    "kind",
    "industry",
    "region",
    "city",
    "address",
    "contact",
    "mobile",
    "phone",
    "email",
    "id_number",
    "credit_code",
];

impl<'a> Fields<'a> {
    /// From values in the order of [`COLUMNS`].
    pub fn of(v: &[&'a str; 12]) -> Fields<'a> {
        Fields {
            name: v[0],
            kind: v[1],
            industry: v[2],
            region: v[3],
            city: v[4],
            address: v[5],
            contact: v[6],
            mobile: v[7],
            phone: v[8],
            email: v[9],
            id_number: v[10],
            credit_code: v[11],
        }
    }
}

/// Make a record ready for comparing.
pub fn prepare(f: &Fields) -> Prepared {
    let name = super::name::analyse(f.name);
    let kind = f.kind.trim().to_string();
    let individual = kind == "individual" || (kind.is_empty() && name.person);
    let key = if individual {
        name.trade.clone()
    } else {
        name.key()
    };
    let (phone_area, phone) = landline(f.phone);
    let mobile = digits(f.mobile);
    // a mobile written in the phone column counts as a mobile
    let (mobile, phone, phone_area) = if mobile.is_empty() && is_mobile(&phone) {
        (phone, String::new(), String::new())
    } else {
        (mobile, phone, phone_area)
    };
    let (mut province, mut city) = (None, None);
    let mut codes: Vec<u32> = name.places.clone();
    let p = places();
    // the city column may hold a municipality (北京市), which is a province
    for (v, levels) in [
        (f.region, &[Level::Province][..]),
        (f.city, &[Level::City, Level::Province][..]),
    ] {
        let v = v.trim();
        let found: Vec<u32> = levels
            .iter()
            .map(|&l| -> Vec<u32> {
                p.get(v)
                    .iter()
                    .filter(|x| x.level == l)
                    .map(|x| x.code)
                    .collect()
            })
            .find(|c| !c.is_empty())
            .unwrap_or_default();
        if found.len() == 1 {
            codes.push(found[0]);
        }
    }
    // each level's code, when the record names only one
    let one = |of: fn(u32) -> Option<u32>| {
        let mut v: Vec<u32> = codes.iter().filter_map(|&c| of(c)).collect();
        v.sort_unstable();
        v.dedup();
        (v.len() == 1).then(|| v[0])
    };
    if !codes.is_empty() {
        province = one(province_of);
        city = one(city_of);
    }
    Prepared {
        key,
        individual,
        kind,
        mobile,
        phone,
        phone_area,
        email: f.email.trim().to_lowercase(),
        address: address_key(f.address),
        contact: crate::values::text::name_key(f.contact),
        credit_code: f.credit_code.trim().to_uppercase(),
        id_number: f.id_number.trim().to_uppercase(),
        industry: f.industry.trim().to_string(),
        province,
        city,
        name,
    }
}

fn province_of(code: u32) -> Option<u32> {
    match code {
        10..=99 => Some(code),
        1000..=9999 => Some(code / 100),
        100_000..=999_999 => Some(code / 10_000),
        _ => None,
    }
}

fn city_of(code: u32) -> Option<u32> {
    match code {
        1000..=9999 => Some(code),
        100_000..=999_999 => Some(code / 100),
        _ => None,
    }
}

/// The contact values of a record as compared (mobile, landline without
/// area code, e-mail, credit code, ID number), without taking its name
/// apart: what import's look-alike check matches cheaply first.
pub fn contacts(f: &Fields) -> [String; 5] {
    let mobile = digits(f.mobile);
    let (_, phone) = landline(f.phone);
    let (mobile, phone) = if mobile.is_empty() && is_mobile(&phone) {
        (phone, String::new())
    } else {
        (mobile, phone)
    };
    [
        mobile,
        if phone.len() >= 7 {
            phone
        } else {
            String::new()
        },
        f.email.trim().to_lowercase(),
        f.credit_code.trim().to_uppercase(),
        f.id_number.trim().to_uppercase(),
    ]
}

fn digits(s: &str) -> String {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    match d.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_string(),
        _ => d,
    }
}

fn is_mobile(d: &str) -> bool {
    d.len() == 11 && d.starts_with('1')
}

/// A landline as (area code, local number), extension dropped:
/// `0755-12345678-801` gives (`0755`, `12345678`).
fn landline(s: &str) -> (String, String) {
    // the canonical form is AREA-NUMBER[-EXT]; spaces are only grouping
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    // an extension said in words goes first: 0755-26661234转801
    let s = s.split(['转', '#']).next().unwrap_or_default();
    let parts: Vec<&str> = s.split('-').filter(|p| !p.is_empty()).collect();
    let d = |p: &str| -> String { p.chars().filter(char::is_ascii_digit).collect() };
    match parts.as_slice() {
        [] => (String::new(), String::new()),
        [one] => {
            let one = digits(one);
            if is_mobile(&one) {
                return (String::new(), one);
            }
            let area = if one.starts_with("01") || one.starts_with("02") {
                3
            } else if one.starts_with('0') {
                4
            } else {
                0
            };
            if area > 0 && one.len() >= area + 7 {
                (one[..area].to_string(), one[area..].to_string())
            } else {
                (String::new(), one)
            }
        }
        [area, number, ..] if area.starts_with('0') || area.starts_with("+86") => {
            (d(area).trim_start_matches("86").to_string(), d(number))
        }
        [number, ..] => (String::new(), d(number)),
    }
}

/// An address as compared: half-width, no spaces, places at the front gone.
fn address_key(s: &str) -> String {
    let mut a = crate::values::text::name_key(s);
    let p = places();
    while let Some((end, ())) = p.leading(&a, |_, found, _| {
        found.iter().any(|x| !x.short).then_some(())
    }) {
        a = a[end..].to_string();
    }
    a
}

/// Whether two 字号 are one character apart (same length, one differs; or
/// one character more): 宏达 and 鸿达, 鸿达 and 鸿达兴.
fn one_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() < 2 || b.len() < 2 {
        return false;
    }
    if a.len() == b.len() {
        return a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1;
    }
    let (short, long) = if a.len() < b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    long.len() == short.len() + 1
        && (0..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .eq(short.iter())
        })
}

/// The records a name may have without weighing less: one company written
/// up to this many ways is still one company.
pub const TF_FREE: u32 = 5;

/// The points a name shared by `n` records loses (term frequency): none up
/// to [`TF_FREE`], then [`TF_STEP`] for each doubling (6–10 records: one
/// step, 11–20: two, …), at most 30.
pub fn tf_penalty(n: u32) -> i32 {
    if n <= TF_FREE {
        return 0;
    }
    let steps = 32 - ((n - 1) / TF_FREE).leading_zeros() as i32;
    (TF_STEP * steps).min(30)
}

/// A pair's score and its evidence, in [`Evidence`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub score: u8,
    pub evidence: Vec<Evidence>,
}

impl Verdict {
    /// `name_key;phone;branch`
    pub fn reasons(&self) -> String {
        let names: Vec<&str> = self.evidence.iter().map(|e| e.name()).collect();
        names.join(";")
    }

    /// `名称相同、电话相同、分支机构`
    pub fn reasons_zh(&self) -> String {
        let names: Vec<&str> = self.evidence.iter().map(|e| e.zh()).collect();
        names.join("、")
    }
}

/// Compare two prepared records; `key_count` and `trade_count` are how many
/// records share each one's key and 字号 (for the term-frequency weight).
pub fn compare(a: &Prepared, b: &Prepared, key_count: u32, trade_count: u32) -> Verdict {
    use Evidence::*;
    let mut ev: Vec<Evidence> = Vec::new();
    let mut points = 0i32;
    let both = |x: &str, y: &str| !x.is_empty() && !y.is_empty();
    // identity numbers settle it either way
    if both(&a.credit_code, &b.credit_code) {
        ev.push(if a.credit_code == b.credit_code {
            CreditCode
        } else {
            CreditCodeDiffers
        });
    }
    if both(&a.id_number, &b.id_number) {
        ev.push(if a.id_number == b.id_number {
            IdNumber
        } else {
            IdNumberDiffers
        });
    }
    // the name
    let person = a.individual || b.individual;
    let shops = a.name.form.is_empty() && b.name.form.is_empty();
    if person {
        if both(&a.key, &b.key) && a.key == b.key {
            ev.push(NameKey);
            // a common name weighs less, but a person's mobile or ID number
            // still carries it
            points +=
                PERSON_NAME_POINTS - NameKey.points() - tf_penalty(key_count).min(PERSON_TF_MAX);
        }
    } else if a.name.trade.chars().count() >= 2 && a.name.trade == b.name.trade {
        if a.key == b.key && (a.name.words == b.name.words || shops) {
            ev.push(NameKey);
            points -= tf_penalty(key_count);
            if shops {
                points += SHOP_NAME_POINTS - NameKey.points();
            }
        } else if a.key == b.key {
            // one trade in other words (商贸 for 贸易, 信息技术 for 科技):
            // as like as a 字号 alone
            ev.push(TradeName);
            points -= tf_penalty(trade_count);
        } else if a.name.industry.is_empty() || b.name.industry.is_empty() {
            ev.push(TradeName);
            points -= tf_penalty(trade_count);
        } else {
            let (x, y) = (&a.name.industry, &b.name.industry);
            if x.split('+').any(|t| y.split('+').any(|u| u == t)) {
                ev.push(TradeName);
                points -= tf_penalty(trade_count);
            } else {
                ev.push(TradeName);
                points += TRADE_OTHER_INDUSTRY_POINTS - TradeName.points();
                ev.push(IndustryDiffers);
            }
        }
    } else if one_apart(&a.name.trade, &b.name.trade) && a.name.industry == b.name.industry {
        ev.push(NameSimilar);
    }
    if a.name.branch != b.name.branch {
        ev.push(Branch);
    }
    // industry columns, when the names do not say it
    if !ev.contains(&IndustryDiffers)
        && (a.name.industry.is_empty() || b.name.industry.is_empty())
        && both(&a.industry, &b.industry)
        && a.industry != b.industry
    {
        ev.push(IndustryDiffers);
    }
    // contact details
    if both(&a.mobile, &b.mobile) {
        if a.mobile == b.mobile {
            ev.push(Mobile);
        } else if (a.individual && b.individual) || shops {
            ev.push(MobileDiffers);
        }
    }
    if both(&a.phone, &b.phone)
        && a.phone.len() >= 7
        && a.phone == b.phone
        && (a.phone_area.is_empty() || b.phone_area.is_empty() || a.phone_area == b.phone_area)
    {
        ev.push(Phone);
    }
    if both(&a.email, &b.email) && a.email == b.email {
        ev.push(Email);
    }
    if both(&a.address, &b.address) && a.address.chars().count() >= 4 {
        let (s, l) = if a.address.len() <= b.address.len() {
            (&a.address, &b.address)
        } else {
            (&b.address, &a.address)
        };
        if s == l || (s.chars().count() >= 6 && l.contains(s.as_str())) {
            ev.push(Address);
        }
    }
    if !person && both(&a.contact, &b.contact) && a.contact == b.contact {
        ev.push(Contact);
    }
    // where and what
    let differs = |x: Option<u32>, y: Option<u32>| matches!((x, y), (Some(x), Some(y)) if x != y);
    if differs(a.province, b.province) || differs(a.city, b.city) {
        ev.push(RegionDiffers);
    }
    if both(&a.kind, &b.kind) && (a.kind == "individual") != (b.kind == "individual") {
        ev.push(KindDiffers);
    }
    ev.sort_unstable();
    ev.dedup();
    let score = if ev.contains(&CreditCodeDiffers) || ev.contains(&IdNumberDiffers) {
        0
    } else {
        (points + ev.iter().map(|e| e.points()).sum::<i32>()).clamp(0, 100)
    };
    Verdict {
        score: score as u8,
        evidence: ev,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, mobile: &str, phone: &str) -> Prepared {
        prepare(&Fields {
            name,
            mobile,
            phone,
            ..Fields::default()
        })
    }

    #[test]
    fn the_same_company_spelled_four_ways() {
        let a = rec("深圳市鸿达贸易有限公司", "13800138000", "");
        let b = rec("鸿达贸易（深圳）有限公司", "", "0755-26661234");
        let v = compare(&a, &b, 2, 2);
        assert_eq!((v.score, v.reasons().as_str()), (60, "name_key"));
        let c = rec("深圳鸿达贸易有限责任公司", "13800138000", "");
        assert_eq!(compare(&a, &c, 2, 2).reasons(), "name_key;mobile");
        assert_eq!(compare(&a, &c, 2, 2).score, 95);
    }

    #[test]
    fn evidence_against_and_never_a_duplicate() {
        let a = rec("深圳市鸿达贸易有限公司", "13800138000", "");
        let branch = rec("深圳市鸿达贸易有限公司广州分公司", "", "");
        let v = compare(&a, &branch, 2, 2);
        assert_eq!((v.score, v.reasons().as_str()), (0, "name_key;branch"));
        let other = rec("广州市鸿达贸易有限公司", "", "");
        assert_eq!(
            compare(&a, &other, 2, 2).reasons(),
            "name_key;region_differs"
        );
        assert_eq!(compare(&a, &other, 2, 2).score, 30);
        let tech = rec("深圳市鸿达科技有限公司", "", "");
        let v = compare(&a, &tech, 2, 2);
        assert_eq!(
            (v.score, v.reasons().as_str()),
            (0, "trade_name;industry_differs")
        );
        let mut x = a.clone();
        let mut y = a.clone();
        x.credit_code = "91440300MA5D8L9X1Q".into();
        y.credit_code = "91440300MA5EXXXX1Q".into();
        let v = compare(&x, &y, 2, 2);
        assert_eq!(v.score, 0);
        assert!(v.evidence.contains(&Evidence::CreditCodeDiffers));
    }

    #[test]
    fn namesakes_need_more_than_a_name() {
        let a = rec("张伟", "13800138000", "");
        let b = rec("张伟", "13900139000", "");
        let v = compare(&a, &b, 2, 2);
        assert_eq!(
            (v.score, v.reasons().as_str()),
            (10, "name_key;mobile_differs")
        );
        let c = rec("张伟", "+86 138 0013 8000", "");
        assert_eq!(compare(&a, &c, 2, 2).score, 65);
        // a common name weighs less
        assert_eq!(compare(&a, &c, 5, 5).score, 65);
        assert_eq!(compare(&a, &c, 6, 6).score, 65 - TF_STEP as u8);
        assert_eq!(compare(&a, &c, 21, 21).score, 65 - PERSON_TF_MAX as u8);
    }

    #[test]
    fn landlines_compare_without_area_code_and_extension() {
        assert_eq!(
            landline("0755-26661234-801"),
            ("0755".into(), "26661234".into())
        );
        assert_eq!(landline("075526661234"), ("0755".into(), "26661234".into()));
        assert_eq!(landline("010-62561234"), ("010".into(), "62561234".into()));
        assert_eq!(landline("26661234"), ("".into(), "26661234".into()));
        assert_eq!(
            landline("0755-2666 1234"),
            ("0755".into(), "26661234".into())
        );
        assert_eq!(
            landline("0755 2666 1234 转 801"),
            ("0755".into(), "26661234".into())
        );
        let a = rec("宏达五金店", "", "0755-26661234");
        let b = rec("鸿达五金店", "", "26661234");
        let v = compare(&a, &b, 1, 1);
        assert_eq!((v.score, v.reasons().as_str()), (40, "name_similar;phone"));
        assert_eq!(tf_penalty(5), 0);
        assert_eq!(tf_penalty(6), 8);
        assert_eq!(tf_penalty(10), 8);
        assert_eq!(tf_penalty(11), 16);
        assert_eq!(tf_penalty(21), 24);
        assert_eq!(tf_penalty(100), 30);
    }
}
