//! Text helpers shared by header mapping and value normalisation:
//! full-width to half-width, whitespace clean-up, header keys.

/// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space become
/// their half-width forms; every other character is kept.
pub fn to_halfwidth(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    s.chars().map(halfwidth_char).collect()
}

pub fn halfwidth_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Trim and collapse runs of whitespace (including non-breaking spaces) into one space.
pub fn clean_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// The key a header is matched on: half-width, lower case, no spaces, no
/// `_ - * : ：` and no trailing unit in brackets (`金额（元）` → `金额`).
pub fn header_key(h: &str) -> String {
    let h = to_halfwidth(h.trim_start_matches('\u{feff}'));
    let mut h = h.trim().to_string();
    // strip a trailing bracketed unit or remark: 金额(元), 电话[办公]
    for (open, close) in [('(', ')'), ('[', ']'), ('【', '】')] {
        if h.ends_with(close)
            && let Some(pos) = h.rfind(open)
            && pos > 0
        {
            h.truncate(pos);
        }
    }
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*' | ':' | '：' | '.'))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// The key two customer names are compared on: half-width, no spaces, lower case,
/// Chinese brackets unified.
pub fn name_key(s: &str) -> String {
    name_key_chars(s).collect()
}

/// The characters of [`name_key`], without building the string (for hashing
/// it): half-width, no white space, ASCII lower case.
pub fn name_key_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .map(halfwidth_char)
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
}

/// Mask a confidential value for people-facing output: keep the first three and
/// the last four characters of long values (`110***********1234`, `138****8000`),
/// fewer for short ones; e-mail keeps the first letter and the domain.
pub fn mask(field: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = value.chars().collect();
    if field == "email"
        && let Some(at) = value.find('@')
    {
        let (user, domain) = value.split_at(at);
        let first: String = user.chars().take(1).collect();
        return format!("{first}***{domain}");
    }
    let n = chars.len();
    let (head, tail) = if n >= 11 {
        (3, 4)
    } else if n >= 7 {
        (2, 2)
    } else {
        (0, 1.min(n.saturating_sub(1)))
    };
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(chars[n - tail..].iter());
    out
}

/// Mask text that looks like a confidential value even where no column says
/// so: a "header" that is really the first data row of a file without
/// headers, quoted in an error message. Mobiles, ID numbers, e-mails and
/// phone numbers are masked as their columns would be; other text is kept.
pub fn mask_lookalike(s: &str) -> String {
    let t = s.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let compact: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let b = compact.as_bytes();
    let all_digits = !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    if all_digits && b.len() == 11 && b[0] == b'1' {
        return mask("mobile", t);
    }
    if (b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && matches!(b[17], b'0'..=b'9' | b'X' | b'x'))
        || (all_digits && b.len() == 15)
    {
        return mask("id_number", t);
    }
    if t.contains('@') && !t.contains(' ') {
        return mask("email", t);
    }
    // a landline starts with its area code (0…) or a country code
    if digits.len() >= 7
        && t.starts_with(['0', '+', '('])
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+' | '(' | ')'))
    {
        return mask("phone", t);
    }
    s.to_string()
}

/// Columns an archive's `dangan.yaml` adds to the confidential set
/// (`confidential: [健康状况, 配偶情况]`), set once when the archive is opened.
static EXTRA_CONFIDENTIAL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Add columns to the confidential set for this run (the first call wins:
/// one run reads one archive).
pub fn add_confidential(columns: &[String]) {
    if !columns.is_empty() {
        let _ = EXTRA_CONFIDENTIAL.set(columns.to_vec());
    }
}

/// Is this one of the confidential columns that are masked in human output:
/// the four built-in ones, or one that `confidential:` in `dangan.yaml` names?
pub fn is_confidential(column: &str) -> bool {
    matches!(column, "id_number" | "mobile" | "phone" | "email")
        || EXTRA_CONFIDENTIAL
            .get()
            .is_some_and(|cols| cols.iter().any(|c| c == column))
}

/// A stable 64-bit FNV-1a hash (used for derived transaction ids; unlike std's
/// hasher it never changes between Rust releases).
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0x1f)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// Cells of files made for people (rejects, exports) that start with `= + - @`,
/// tab or carriage return are prefixed with `'` so Excel/WPS never evaluate them.
/// Plain numbers such as `-12.50` are left alone.
pub fn neutralise_formula(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && s.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The true value of a cell that [`neutralise_formula`] (or a person in
/// Excel) protected with a leading `'`: `'=SUM(A1)` → `=SUM(A1)`. Import reads
/// values through this, so an export dangan wrote re-imports unchanged.
pub fn strip_neutraliser(s: &str) -> &str {
    let rest = s.trim_start_matches('\'');
    if rest.len() < s.len()
        && matches!(
            rest.chars().next(),
            Some('=' | '+' | '-' | '@' | '\t' | '\r')
        )
    {
        rest
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfwidth() {
        assert_eq!(to_halfwidth("１２３ＡＢｃ　，"), "123ABc ,");
        assert_eq!(to_halfwidth("广东省"), "广东省");
    }

    #[test]
    fn header_keys() {
        assert_eq!(header_key("E-MAIL"), "email");
        assert_eq!(header_key(" 金额（元） "), "金额");
        assert_eq!(header_key("*客户名称"), "客户名称");
        assert_eq!(header_key("Credit_Limit"), "creditlimit");
        assert_eq!(header_key("\u{feff}id"), "id");
    }

    #[test]
    fn masking() {
        assert_eq!(
            mask("id_number", "110105199003071234"),
            "110***********1234"
        );
        assert_eq!(mask("mobile", "13800138000"), "138****8000");
        assert_eq!(mask("email", "zhang@example.com"), "z***@example.com");
        assert_eq!(mask("phone", "0755-1234"), "07*****34");
    }

    #[test]
    fn lookalikes() {
        assert_eq!(mask_lookalike("13800138000"), "138****8000");
        assert_eq!(mask_lookalike("110105199003071234"), "110***********1234");
        assert_eq!(mask_lookalike("zhang@example.com"), "z***@example.com");
        assert_eq!(mask_lookalike("020-87654321"), "020*****4321");
        assert_eq!(mask_lookalike("客户名称"), "客户名称");
        assert_eq!(mask_lookalike("2024-03-05"), "2024-03-05");
        assert_eq!(mask_lookalike("C000001"), "C000001");
    }

    #[test]
    fn formulas() {
        assert_eq!(neutralise_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralise_formula("-12.50"), "-12.50");
        assert_eq!(neutralise_formula("+86 138"), "'+86 138");
        assert_eq!(neutralise_formula("张三"), "张三");
        assert_eq!(neutralise_formula("\tcmd"), "'\tcmd");
        for v in [
            "=SUM(A1)", "+86 138", "@x", "-x", "\tcmd", "\rx", "张三", "-12.50", "'",
        ] {
            assert_eq!(strip_neutraliser(&neutralise_formula(v)), v);
        }
        assert_eq!(strip_neutraliser("'abc"), "'abc");
    }
}
