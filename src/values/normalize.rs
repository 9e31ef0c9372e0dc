//! Value normalisation on import (SPEC.md "Values"). Each value is turned into
//! its canonical form; a value that cannot be normalised is kept exactly as it
//! was and reported, never dropped or guessed.

use crate::archive::schema::ValueKind;
use crate::values::text::{clean_spaces, to_halfwidth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub value: String,
    /// the canonical form differs from the input
    pub changed: bool,
    /// a money value had more than two decimals and was rounded
    pub rounded: bool,
    /// why the value could not be normalised (it is then kept as it was)
    pub problem: Option<String>,
}

impl Outcome {
    fn ok(raw: &str, value: String) -> Outcome {
        Outcome {
            changed: value != raw,
            value,
            rounded: false,
            problem: None,
        }
    }

    fn bad(raw: &str, why: impl Into<String>) -> Outcome {
        Outcome {
            value: raw.to_string(),
            changed: false,
            rounded: false,
            problem: Some(why.into()),
        }
    }
}

/// Normalise one value of a column of the given kind. `from_xlsx` allows Excel
/// serial numbers in date columns.
pub fn normalise(kind: ValueKind, raw: &str, from_xlsx: bool) -> Outcome {
    use crate::values::text::strip_neutraliser;
    // `'=SUM(A1)`: a cell an export of ours (or a person) protected from
    // spreadsheet formulas; its true value is without the `'`. Cleaning may
    // bring such a form to the front (`'\v=x` → `'=x`): it is unprotected too.
    let mut o = normalise_value(kind, strip_neutraliser(raw.trim_start()), from_xlsx);
    for _ in 0..4 {
        if let Some(why) = o.problem {
            return Outcome::bad(raw, why);
        }
        let bare = strip_neutraliser(&o.value);
        if bare.len() == o.value.len() {
            break;
        }
        o = normalise_value(kind, bare, from_xlsx);
    }
    o.changed = o.value != raw;
    o
}

/// What a spreadsheet did to a number-like code, said in those words: an ID
/// number, credit code, mobile or phone shown in scientific notation
/// (`1.10105E+17`: the digits after the sixth are gone), or a landline that
/// lost its leading 0 (`2012345678`, read as a number). `None` when the value
/// shows no such damage.
pub fn spreadsheet_damage(kind: ValueKind, trimmed: &str) -> Option<String> {
    let codes = matches!(
        kind,
        ValueKind::IdNumber | ValueKind::CreditCode | ValueKind::Mobile | ValueKind::Phone
    );
    if !codes {
        return None;
    }
    let b = trimmed.as_bytes();
    let e = b.iter().position(|&c| c == b'E' || c == b'e')?.min(b.len());
    let (mantissa, exp) = (&trimmed[..e], &trimmed[e + 1..]);
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let sci = !mantissa.is_empty()
        && mantissa.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && mantissa.bytes().filter(|&c| c == b'.').count() <= 1
        && !exp.is_empty()
        && exp.bytes().all(|c| c.is_ascii_digit());
    sci.then(|| {
        format!(
            "shown in scientific notation by a spreadsheet ({trimmed}): its last digits are lost; \
             take the value from the original export (and format the column as text before pasting)"
        )
    })
}

/// A landline that a spreadsheet read as a number and so lost its leading 0
/// (`2012345678` for 020-12345678): 9 to 11 digits that would be a number
/// with the 0 in front. `None` otherwise.
fn lost_leading_zero(trimmed: &str) -> Option<String> {
    let b = trimmed.as_bytes();
    let looks = (9..=11).contains(&b.len())
        && b.iter().all(u8::is_ascii_digit)
        && !matches!(b[0], b'0' | b'1');
    looks.then(|| {
        format!(
            "not a phone number: it looks like 0{trimmed} without its leading 0, as a spreadsheet \
             shows a number; take the value from the original export (or write the 0 back)"
        )
    })
}

/// An 18-digit ID number whose check digit is wrong and that ends in `000`:
/// what Excel leaves of one it took for a number.
fn cut_to_15_digits(v: &str) -> bool {
    v.len() == 18
        && v.ends_with("000")
        && crate::values::ids::id_number_check(&v[..17]).is_some_and(|c| c != '0')
}

fn normalise_value(kind: ValueKind, raw: &str, from_xlsx: bool) -> Outcome {
    // fast path for the common already-clean ASCII value
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Outcome::ok(raw, String::new());
    }
    if let Some(why) = spreadsheet_damage(kind, trimmed) {
        return Outcome::bad(raw, why);
    }
    match kind {
        ValueKind::Text => Outcome::ok(raw, clean_spaces(&to_halfwidth_text(trimmed))),
        ValueKind::LongText => Outcome::ok(raw, trimmed.to_string()),
        ValueKind::Code => Outcome::ok(raw, clean_spaces(&to_halfwidth(trimmed)).to_uppercase()),
        ValueKind::Money => match crate::values::money::parse_yuan(trimmed) {
            Ok(p) => {
                let mut o = Outcome::ok(raw, crate::values::money::format_yuan(p.fen));
                o.rounded = p.rounded;
                o
            }
            Err(_) => Outcome::bad(raw, "not an amount"),
        },
        ValueKind::Quantity => quantity(raw, trimmed),
        ValueKind::Date => {
            if let Some(d) = crate::values::dates::parse_date(trimmed) {
                return Outcome::ok(raw, crate::values::dates::iso(d));
            }
            if from_xlsx
                && let Ok(serial) = trimmed.parse::<f64>()
                && let Some(d) = crate::values::dates::from_excel_serial(serial)
            {
                return Outcome::ok(raw, crate::values::dates::iso(d));
            }
            Outcome::bad(raw, "not a date")
        }
        ValueKind::Moment => {
            if let Some(m) = crate::values::dates::parse_moment(trimmed) {
                return Outcome::ok(raw, m.text());
            }
            if from_xlsx
                && let Ok(serial) = trimmed.parse::<f64>()
                && let Some(m) = crate::values::dates::moment_from_excel_serial(serial)
            {
                return Outcome::ok(raw, m.text());
            }
            Outcome::bad(raw, "not a date and time")
        }
        ValueKind::Score => match score(trimmed) {
            Some(n) => Outcome::ok(raw, n.to_string()),
            None => Outcome::bad(raw, "not a satisfaction score from 1 to 5"),
        },
        ValueKind::Mobile => mobile(raw, trimmed),
        ValueKind::Phone => phone(raw, trimmed),
        ValueKind::Email => {
            let v: String = to_halfwidth(trimmed)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let v = v.replace('＠', "@");
            match v.split_once('@') {
                Some((user, domain)) if !user.is_empty() && domain.contains('.') => {
                    Outcome::ok(raw, format!("{user}@{}", domain.to_lowercase()))
                }
                _ => Outcome::bad(raw, "not an e-mail address"),
            }
        }
        ValueKind::IdNumber => {
            let v: String = to_halfwidth(trimmed)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase();
            let body_ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
            // ASCII first: 18 bytes may end inside a Chinese character
            let ok = (v.len() == 18
                && v.is_ascii()
                && body_ok(&v[..17], 17)
                && matches!(v.as_bytes()[17], b'0'..=b'9' | b'X'))
                || body_ok(&v, 15);
            if ok && cut_to_15_digits(&v) {
                Outcome::bad(
                    raw,
                    "its check digit is wrong and it ends in 000, as when a spreadsheet keeps \
                     only 15 significant digits (110105199003071234 → 110105199003071000); take \
                     the value from the original export",
                )
            } else if ok {
                Outcome::ok(raw, v)
            } else {
                Outcome::bad(raw, "not an ID number (18 characters, or 15 digits)")
            }
        }
        ValueKind::CreditCode => {
            let v: String = to_halfwidth(trimmed)
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect::<String>()
                .to_uppercase();
            if v.len() == 18 && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Outcome::ok(raw, v)
            } else {
                Outcome::bad(raw, "not a credit code (18 letters and digits)")
            }
        }
        ValueKind::Region => match PROVINCES.iter().find(|(short, _)| *short == trimmed) {
            Some((_, full)) => Outcome::ok(raw, full.to_string()),
            None => Outcome::ok(raw, region(&clean_spaces(&to_halfwidth(trimmed)))),
        },
        ValueKind::Tags => {
            let v = to_halfwidth(trimmed);
            let tags: Vec<String> = v
                .split([';', ',', '、', '，', '；', '|', '/'])
                .map(clean_spaces)
                .filter(|t| !t.is_empty())
                .collect();
            Outcome::ok(raw, tags.join(";"))
        }
        ValueKind::Rating => Outcome::ok(
            raw,
            to_halfwidth(trimmed)
                .replace(char::is_whitespace, "")
                .to_uppercase(),
        ),
        ValueKind::Enum(set) => {
            if let Some((canon, _)) = set.iter().find(|(_, aliases)| aliases.contains(&trimmed)) {
                return Outcome::ok(raw, canon.to_string());
            }
            let key = clean_spaces(&to_halfwidth(trimmed)).to_lowercase();
            for (canon, aliases) in set {
                if key == *canon || aliases.iter().any(|a| a.eq_ignore_ascii_case(&key)) {
                    return Outcome::ok(raw, canon.to_string());
                }
            }
            let names: Vec<&str> = set.iter().map(|(c, _)| *c).collect();
            Outcome::bad(raw, format!("not one of {}", names.join(", ")))
        }
    }
}

/// The words of a satisfaction survey (满意度调查) and the scores they are.
pub const SCORE_WORDS: &[(&str, u8)] = &[
    ("非常满意", 5),
    ("很满意", 5),
    ("十分满意", 5),
    ("比较满意", 4),
    ("满意", 4),
    ("基本满意", 3),
    ("一般", 3),
    ("不太满意", 2),
    ("不满意", 2),
    ("很不满意", 1),
    ("非常不满意", 1),
    ("极不满意", 1),
];

/// A satisfaction score 1–5: `4`, `４`, `4分`, `4星`, `★★★★`, or a word of
/// [`SCORE_WORDS`]; `None` for anything else (0, 7, 4.5).
pub fn score(v: &str) -> Option<u8> {
    let v = to_halfwidth(v);
    let v = v.trim();
    if let Some((_, n)) = SCORE_WORDS.iter().find(|(w, _)| *w == v) {
        return Some(*n);
    }
    if !v.is_empty() && v.chars().all(|c| c == '★') {
        let n = v.chars().count();
        return (n <= 5).then_some(n as u8);
    }
    let digits = v
        .strip_suffix('分')
        .or_else(|| v.strip_suffix('星'))
        .unwrap_or(v)
        .trim();
    match digits.as_bytes() {
        [d @ b'1'..=b'5'] => Some(d - b'0'),
        _ => None,
    }
}

/// What normalising a value did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flags {
    pub changed: bool,
    pub rounded: bool,
    pub problem: Option<String>,
}

/// Normalise a borrowed value: the same value borrowed back when it is
/// already canonical (or cannot be normalised), a new one when it changed.
pub fn normalise_cow(
    kind: ValueKind,
    raw: &str,
    from_xlsx: bool,
) -> (std::borrow::Cow<'_, str>, Flags) {
    use std::borrow::Cow;
    if already_clean(kind, raw) && !raw.starts_with('\'') {
        return (Cow::Borrowed(raw), Flags::default());
    }
    let o = normalise(kind, raw, from_xlsx);
    let flags = Flags {
        changed: o.changed,
        rounded: o.rounded,
        problem: o.problem,
    };
    if o.changed {
        (Cow::Owned(o.value), flags)
    } else {
        (Cow::Borrowed(raw), flags)
    }
}

fn plain_text(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first().is_some_and(|&c| is_space(c)) || b.last().is_some_and(|&c| is_space(c)) {
        return false;
    }
    if s.is_ascii() {
        // any white space but the plain space (tab, line breaks, \v, \f) is cleaned
        return !b.windows(2).any(|w| w[0] == b' ' && w[1] == b' ')
            && !b
                .iter()
                .any(|&c| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r'));
    }
    let mut prev_space = false;
    for c in s.chars() {
        if matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '\u{a0}')
            || (c.is_whitespace() && c != ' ')
        {
            return false;
        }
        if c == ' ' && prev_space {
            return false;
        }
        prev_space = c == ' ';
    }
    !s.starts_with(char::is_whitespace) && !s.ends_with(char::is_whitespace)
}

/// White space as `char::is_whitespace` sees it (which the normalisers
/// strip): `u8::is_ascii_whitespace` leaves out the vertical tab.
fn is_space(c: u8) -> bool {
    (c as char).is_whitespace()
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Is the value already exactly what [`normalise`] would make of it? A cheap
/// check, allowed to say no when unsure.
fn already_clean(kind: ValueKind, v: &str) -> bool {
    if v.is_empty() {
        return true;
    }
    let b = v.as_bytes();
    match kind {
        ValueKind::Text => plain_text(v),
        ValueKind::LongText => v.trim() == v,
        ValueKind::Code => b.iter().all(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.' | b'/')
        }),
        ValueKind::Money => {
            let digits = b.strip_prefix(b"-").unwrap_or(b);
            digits.len() >= 4
                && digits.len() <= 18
                && digits[digits.len() - 3] == b'.'
                && all_digits(&digits[..digits.len() - 3])
                && all_digits(&digits[digits.len() - 2..])
                && (digits.len() == 4 || digits[0] != b'0')
        }
        ValueKind::Quantity => {
            let digits = b.strip_prefix(b"-").unwrap_or(b);
            all_digits(digits)
        }
        ValueKind::Date => crate::values::dates::parse_iso(v).is_some(),
        ValueKind::Moment => crate::values::dates::parse_moment(v).is_some_and(|m| m.text() == v),
        ValueKind::Score => matches!(b, [b'1'..=b'5']),
        ValueKind::Mobile => b.len() == 11 && b[0] == b'1' && all_digits(b),
        ValueKind::IdNumber => {
            b.len() == 18
                && all_digits(&b[..17])
                && (b[17].is_ascii_digit() || b[17] == b'X')
                && !(b.ends_with(b"000") && cut_to_15_digits(v))
        }
        ValueKind::CreditCode => {
            b.len() == 18
                && b.iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
        ValueKind::Region => PROVINCES.iter().any(|(_, full)| *full == v),
        ValueKind::Enum(set) => set.iter().any(|(canon, _)| *canon == v),
        ValueKind::Rating => b
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'+' || *c == b'-'),
        ValueKind::Phone => {
            // 0AA-NNNNNNNN or 0AAA-NNNNNNN[N], an optional -EXT
            // bytes, not chars: '-' is ASCII, so the pieces are the same
            let mut parts = b.split(|&c| c == b'-');
            let (Some(area), Some(num)) = (parts.next(), parts.next()) else {
                return false;
            };
            let ext_ok = parts.next().is_none_or(all_digits) && parts.next().is_none();
            let area_len = if area.starts_with(b"010") || area.starts_with(b"02") {
                3
            } else {
                4
            };
            area.len() == area_len
                && area.starts_with(b"0")
                && all_digits(area)
                && all_digits(num)
                && (area.len() + num.len() == 11
                    || area.len() + num.len() == 12
                    || area.len() + num.len() == 10)
                && ext_ok
        }
        ValueKind::Email => {
            // ASCII: bytes are chars
            v.is_ascii()
                && !b.iter().any(|&c| is_space(c))
                && b.iter().filter(|&&c| c == b'@').count() == 1
                && b.iter().position(|&c| c == b'@').is_some_and(|at| {
                    let (u, d) = (&b[..at], &b[at + 1..]);
                    !u.is_empty() && d.contains(&b'.') && !d.iter().any(u8::is_ascii_uppercase)
                })
        }
        ValueKind::Tags => {
            // tags turn every full-width form half-width, brackets too
            plain_text(v)
                && !v.contains([',', '、', '，', '；', '|', '/'])
                && !v.contains(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c))
                && v.split(';').all(|t| !t.is_empty() && t.trim() == t)
        }
    }
}

/// Text keeps full-width punctuation that Chinese prose uses (，。（）) and only
/// turns full-width letters and digits half-width.
fn to_halfwidth_text(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '\u{3000}' => {
                crate::values::text::halfwidth_char(c)
            }
            _ => c,
        })
        .collect()
}

fn quantity(raw: &str, trimmed: &str) -> Outcome {
    let v: String = to_halfwidth(trimmed)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    // a unit after the number: 12件, 3箱, 5 pcs
    let end = v
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-')))
        .map(|(i, _)| i)
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(end);
    let unit_ok = unit.is_empty() || unit.chars().all(|c| !c.is_ascii_digit() && c != '.');
    match crate::values::money::parse_quantity(num) {
        Some((q, rounded)) if unit_ok => {
            let mut o = Outcome::ok(raw, crate::values::money::format_quantity(q));
            o.rounded = rounded;
            if !unit.is_empty() {
                o.changed = true;
            }
            o
        }
        _ => Outcome::bad(raw, "not a quantity"),
    }
}

fn digits_only(s: &str) -> String {
    to_halfwidth(s)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）' | '.' | '\u{a0}'))
        .collect()
}

fn strip_country(d: &str) -> &str {
    if let Some(rest) = d.strip_prefix("+86") {
        rest
    } else if let Some(rest) = d.strip_prefix("0086") {
        rest
    } else if d.len() == 13
        && let Some(rest) = d.strip_prefix("86")
    {
        rest
    } else {
        d
    }
}

fn mobile(raw: &str, trimmed: &str) -> Outcome {
    let d = digits_only(trimmed);
    let d = strip_country(&d);
    let b = d.as_bytes();
    if b.len() == 11 && b[0] == b'1' && b.iter().all(|c| c.is_ascii_digit()) {
        Outcome::ok(raw, d.to_string())
    } else {
        Outcome::bad(raw, "not an 11-digit mobile number")
    }
}

/// Landlines as `area-number[-extension]`: `(010)12345678` → `010-12345678`,
/// `0755 8888 6666 转 123` → `0755-88886666-123`. Area codes 010 and 02x have
/// three digits, all others four.
fn phone(raw: &str, trimmed: &str) -> Outcome {
    let half = to_halfwidth(trimmed);
    let (main, ext) = match half
        .split_once('转')
        .or_else(|| half.split_once("ext"))
        .or_else(|| half.split_once('#'))
    {
        Some((m, e)) => (m.to_string(), Some(digits_only(e))),
        None => (half.clone(), None),
    };
    // keep the caller's extension written as a third dash group
    let groups: Vec<String> = main
        .split(['-', ' '])
        .map(digits_only)
        .filter(|g| !g.is_empty())
        .collect();
    let (main_digits, ext) = match (ext, groups.len()) {
        (Some(e), _) => (groups.concat(), Some(e)),
        (None, 3) if groups[0].starts_with('0') && groups[2].len() <= 5 => (
            format!("{}{}", groups[0], groups[1]),
            Some(groups[2].clone()),
        ),
        // a local number and its extension, as this function writes them
        (None, 2)
            if !groups[0].starts_with('0')
                && (7..=8).contains(&groups[0].len())
                && groups[1].len() <= 5 =>
        {
            (groups[0].clone(), Some(groups[1].clone()))
        }
        _ => (groups.concat(), None),
    };
    let d = strip_country(&main_digits).to_string();
    let had_country = d.len() != main_digits.len();
    let is_mobile = d.len() == 11 && d.starts_with('1');
    let d = if had_country && !d.starts_with('0') && !is_mobile && d.len() >= 9 {
        format!("0{d}") // +86 10 1234 5678 dropped the trunk 0
    } else {
        d
    };
    if !d.bytes().all(|c| c.is_ascii_digit())
        || ext
            .as_ref()
            .is_some_and(|e| !e.bytes().all(|c| c.is_ascii_digit()) || e.is_empty())
    {
        return Outcome::bad(raw, "not a phone number");
    }
    let formatted = if d.len() == 11 && d.starts_with('1') {
        d.clone() // a mobile written in the phone column
    } else if d.starts_with('0') && (10..=12).contains(&d.len()) {
        let area = if d.starts_with("010") || d.starts_with("02") {
            3
        } else {
            4
        };
        format!("{}-{}", &d[..area], &d[area..])
    } else if (7..=8).contains(&d.len()) && !d.starts_with('0') {
        // a local number without area code (one starting 0 is an area code
        // with too few digits after it)
        d.clone()
    } else if let Some(why) = lost_leading_zero(&d) {
        return Outcome::bad(raw, why);
    } else {
        return Outcome::bad(raw, "not a phone number");
    };
    let formatted = match ext {
        Some(e) => format!("{formatted}-{e}"),
        None => formatted,
    };
    Outcome::ok(raw, formatted)
}

/// Province-level region names in full: 广东 → 广东省, 北京 → 北京市, 广西 → 广西壮族自治区.
pub fn region(s: &str) -> String {
    for (short, full) in PROVINCES {
        if s == *short || s == *full {
            return full.to_string();
        }
    }
    s.to_string()
}

pub const PROVINCES: &[(&str, &str)] = &[
    ("北京", "北京市"),
    ("天津", "天津市"),
    ("上海", "上海市"),
    ("重庆", "重庆市"),
    ("河北", "河北省"),
    ("山西", "山西省"),
    ("辽宁", "辽宁省"),
    ("吉林", "吉林省"),
    ("黑龙江", "黑龙江省"),
    ("江苏", "江苏省"),
    ("浙江", "浙江省"),
    ("安徽", "安徽省"),
    ("福建", "福建省"),
    ("江西", "江西省"),
    ("山东", "山东省"),
    ("河南", "河南省"),
    ("湖北", "湖北省"),
    ("湖南", "湖南省"),
    ("广东", "广东省"),
    ("海南", "海南省"),
    ("四川", "四川省"),
    ("贵州", "贵州省"),
    ("云南", "云南省"),
    ("陕西", "陕西省"),
    ("甘肃", "甘肃省"),
    ("青海", "青海省"),
    ("台湾", "台湾省"),
    ("内蒙古", "内蒙古自治区"),
    ("广西", "广西壮族自治区"),
    ("西藏", "西藏自治区"),
    ("宁夏", "宁夏回族自治区"),
    ("新疆", "新疆维吾尔自治区"),
    ("香港", "香港特别行政区"),
    ("澳门", "澳门特别行政区"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::schema::{CUSTOMER_KINDS, ValueKind::*};

    /// The quick "already clean" answer never skips a change or a problem
    /// `normalise` would find: phones and e-mails, valid and not.
    #[test]
    fn already_clean_phones_and_emails_are_what_normalise_makes() {
        let phones = [
            "010-12345678",
            "021-96537543",
            "0755-1234567",
            "0755-12345678",
            "0755-1234567-89",
            "02-12345678",
            "0755-123456",
            "755-1234567",
            "010-1234567a",
            "010--123",
            "010-",
            "-12345678",
            "0755-1234567-",
            "0755-1234567-8-9",
            "021 96537543",
            "０２１-96537543",
        ];
        let emails = [
            "c1@example.com",
            "a.b@c.d",
            "a@b@c.com",
            "A@example.com",
            "a@EXAMPLE.com",
            "a@bcom",
            "@b.com",
            "a@.",
            "中@b.com",
            "a b@c.com",
            "a@b.c ",
            "a@b.c\t",
        ];
        for (kind, values) in [(Phone, &phones[..]), (Email, &emails[..])] {
            for &raw in values {
                if already_clean(kind, raw) {
                    let o = normalise(kind, raw, false);
                    assert_eq!((o.value.as_str(), o.problem), (raw, None), "{raw:?}");
                }
            }
        }
        assert!(already_clean(Phone, "0755-1234567-89"));
        assert!(!already_clean(Phone, "0755-1234567-"));
        assert!(already_clean(Email, "c1@example.com"));
        assert!(!already_clean(Email, "a@b@c.com"));
        assert!(!already_clean(Email, "a@EXAMPLE.com"));
    }

    fn v(kind: ValueKind, s: &str) -> String {
        let o = normalise(kind, s, false);
        assert!(o.problem.is_none(), "{s}: {:?}", o.problem);
        o.value
    }

    #[test]
    fn phones() {
        assert_eq!(v(Mobile, "+86 138-0013-8000"), "13800138000");
        assert_eq!(v(Mobile, "１３８ ００１３ ８０００"), "13800138000");
        assert_eq!(v(Mobile, "8613800138000"), "13800138000");
        assert!(normalise(Mobile, "1380013800", false).problem.is_some());
        assert_eq!(v(Phone, "(010)12345678"), "010-12345678");
        assert_eq!(v(Phone, "0755 8888 6666 转 123"), "0755-88886666-123");
        assert_eq!(v(Phone, "020-87654321-8"), "020-87654321-8");
        assert_eq!(v(Phone, "+86 10 1234 5678"), "010-12345678");
        assert_eq!(v(Phone, "07558888666"), "0755-8888666");
        // a local number keeps its extension when normalised again
        assert_eq!(v(Phone, "8765 4321 转 12"), "87654321-12");
        assert_eq!(v(Phone, "87654321-12"), "87654321-12");
        // 0211-1111-11: an area code with too few digits, not a local number
        assert!(normalise(Phone, "0211-1111-11.", false).problem.is_some());
    }

    #[test]
    fn spreadsheet_damage_is_named() {
        let why = |k, s| normalise(k, s, false).problem.unwrap();
        assert_eq!(
            why(IdNumber, "1.10105E+17"),
            "shown in scientific notation by a spreadsheet (1.10105E+17): its last digits are \
             lost; take the value from the original export (and format the column as text before \
             pasting)"
        );
        assert!(why(Mobile, "1.38001E+10").starts_with("shown in scientific notation"));
        assert!(why(CreditCode, "9.13101E+17").starts_with("shown in scientific notation"));
        assert_eq!(
            why(Phone, "2012345678"),
            "not a phone number: it looks like 02012345678 without its leading 0, as a \
             spreadsheet shows a number; take the value from the original export (or write the 0 \
             back)"
        );
        assert_eq!(why(Phone, "123"), "not a phone number");
        assert!(why(IdNumber, "110105199003071000").contains("keeps only 15 significant digits"));
        // the same digits with their true ending are a valid number
        assert_eq!(v(IdNumber, "11010519491231002X"), "11010519491231002X");
        // a credit code that happens to hold an E is not notation
        assert_eq!(v(CreditCode, "91440101MA59ABCE1D"), "91440101MA59ABCE1D");
    }

    #[test]
    fn codes() {
        assert_eq!(v(IdNumber, "11010519491231002x"), "11010519491231002X");
        assert_eq!(
            v(IdNumber, "１１０１０５１９４９１２３１００２Ｘ"),
            "11010519491231002X"
        );
        assert!(normalise(IdNumber, "1101051949", false).problem.is_some());
        assert_eq!(v(CreditCode, "91350100m000100y43"), "91350100M000100Y43");
    }

    #[test]
    fn enums_and_regions() {
        assert_eq!(v(Enum(CUSTOMER_KINDS), "企业"), "enterprise");
        assert_eq!(v(Enum(CUSTOMER_KINDS), "Enterprise"), "enterprise");
        let bad = normalise(Enum(CUSTOMER_KINDS), "外星人", false);
        assert_eq!(bad.value, "外星人");
        assert!(bad.problem.unwrap().contains("individual"));
        assert_eq!(v(Region, "广东"), "广东省");
        assert_eq!(v(Region, "新疆"), "新疆维吾尔自治区");
        assert_eq!(v(Tags, "重点，VIP、 老客户"), "重点;VIP;老客户");
    }

    #[test]
    fn quantities_and_text() {
        assert_eq!(v(Quantity, "１２件"), "12");
        assert_eq!(v(Quantity, "3.50"), "3.5");
        assert_eq!(v(Quantity, "1,200"), "1200");
        assert_eq!(v(Text, "  广州  某某 公司，ＡＢ "), "广州 某某 公司，AB");
        assert_eq!(normalise(Date, "45356", true).value, "2024-03-05");
        assert!(normalise(Date, "45356", false).problem.is_some());
    }

    #[test]
    fn fast_path_agrees_with_the_slow_one() {
        for (k, s) in [
            (Text, "广州 某某 公司"),
            (Text, "a  b"),
            (Text, " x"),
            (Code, "SO-2024-001"),
            (Code, "so-1"),
            (Money, "1234.50"),
            (Money, "0.05"),
            (Money, "01.00"),
            (Money, "-12.00"),
            (Money, "12.5"),
            (Quantity, "12"),
            (Date, "2024-03-05"),
            (Date, "2024-02-30"),
            (Mobile, "13800138000"),
            (IdNumber, "11010519491231002X"),
            (CreditCode, "91350100M000100Y43"),
            (Region, "广东省"),
            (Region, "广东"),
            (Enum(CUSTOMER_KINDS), "enterprise"),
            (Rating, "AA"),
            (Phone, "020-87654321"),
            (Phone, "0755-8888666-12"),
            (Phone, "0755-12345678"),
            (Phone, "075-512345678"),
            (Email, "a@b.com"),
            (Email, "a@B.com"),
            (Tags, "重点;VIP"),
            (Tags, "重点,VIP"),
        ] {
            let (v, flags) = normalise_cow(k, s, false);
            let slow = normalise(k, s, false);
            assert_eq!(v, slow.value, "{s}");
            assert_eq!(flags.changed, slow.changed, "{s}");
        }
    }

    #[test]
    fn idempotent() {
        for (k, s) in [
            (Money, "¥1,234.555"),
            (Phone, "(010)1234-5678"),
            (Mobile, "+86 138 0013 8000"),
            (Date, "2024年3月5日"),
            (Tags, "a,b"),
        ] {
            let once = normalise(k, s, false).value;
            let twice = normalise(k, &once, false);
            assert_eq!(twice.value, once);
            assert!(!twice.changed);
        }
    }
}
