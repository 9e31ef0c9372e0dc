//! Check characters of Chinese identity numbers: the resident ID number
//! (GB 11643, 公民身份号码) and the unified social credit code (GB 32100,
//! 统一社会信用代码).

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character of an 18-character ID number from its first 17 digits.
pub fn id_number_check(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// The 31 characters a credit code is written in (no I, O, S, V, Z).
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Per byte: its value in [`USCC_ALPHABET`], or 0xff for a byte outside it.
const USCC_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let a = USCC_ALPHABET.as_bytes();
    let mut i = 0;
    while i < a.len() {
        t[a[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The value of a credit-code character (its place in [`USCC_ALPHABET`]).
pub fn credit_code_value(c: u8) -> Option<u32> {
    match USCC_VALUE[c as usize] {
        0xff => None,
        v => Some(u32::from(v)),
    }
}

/// The check character of a credit code from its first 17 characters.
pub fn credit_code_check(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.bytes().zip(USCC_WEIGHTS) {
        sum += credit_code_value(c)? * w;
    }
    Some(USCC_ALPHABET.as_bytes()[((31 - sum % 31) % 31) as usize] as char)
}

#[cfg(test)]
mod tests {
    use super::*;

    // vectors computed with python-stdnum (cn.ric, cn.uscc)
    #[test]
    fn known_vectors() {
        assert_eq!(id_number_check("11010519900307123"), Some('9'));
        assert_eq!(id_number_check("33010619851120001"), Some('X'));
        assert_eq!(id_number_check("1101051990030712"), None);
        assert_eq!(credit_code_check("91440101MA59ABCD1"), Some('D'));
        assert_eq!(credit_code_check("91440300MA5FXY123"), Some('H'));
        assert_eq!(credit_code_check("91110000MA01AB2C3"), Some('2'));
        assert_eq!(credit_code_check("91440101MA59ABCDI"), None);
    }
}

/// The pattern of archive numbers such as dangan gives (`archive.id_prefix`
/// and `id_width`: `C000123`): a prefix, then a number zero-padded to a
/// width. Each number has one text, so a number read from a text stands
/// for that text alone: what lets ten million look-ups of a customer be an
/// array index instead of a hash of a text (`analytics::codes::IdRows`,
/// `analytics::facts_read`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPattern {
    pub prefix: Vec<u8>,
    pub width: usize,
}

impl NumberPattern {
    /// The pattern of `id`: its text before its last 1 to 7 digits, and their
    /// count.
    pub fn of(id: &str) -> Option<NumberPattern> {
        let b = id.as_bytes();
        let width = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
        (1..=7).contains(&width).then(|| NumberPattern {
            prefix: b[..b.len() - width].to_vec(),
            width,
        })
    }

    /// The number of `id` when `id` is this pattern's text of it: the
    /// prefix, then the digits, as many as the width, or more without a
    /// leading zero (`C1000000` after `C999999`; never `C0000001`); at most
    /// 18 digits.
    pub fn number(&self, id: &str) -> Option<u64> {
        let digits = id.as_bytes().strip_prefix(self.prefix.as_slice())?;
        if digits.len() < self.width
            || digits.len() > 18
            || (digits.len() > self.width && digits[0] == b'0')
        {
            return None;
        }
        digits.iter().try_fold(0u64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
        })
    }
}

#[cfg(test)]
mod number_tests {
    use super::NumberPattern;

    #[test]
    fn each_number_has_one_text() {
        let p = NumberPattern::of("C000123").unwrap();
        assert_eq!((p.prefix.as_slice(), p.width), (&b"C"[..], 6));
        for (id, n) in [
            ("C000000", Some(0)),
            ("C000123", Some(123)),
            ("C999999", Some(999_999)),
            ("C1000000", Some(1_000_000)),
            ("C0000001", None),
            ("C00001", None),
            ("C12345X", None),
            ("D000001", None),
            ("c000001", None),
            ("C", None),
            ("", None),
        ] {
            assert_eq!(p.number(id), n, "{id}");
        }
        let kh = NumberPattern::of("KH-2026-0042").unwrap();
        assert_eq!((kh.prefix.as_slice(), kh.width), (&b"KH-2026-"[..], 4));
        assert_eq!(NumberPattern::of("C12345678"), None);
        assert_eq!(NumberPattern::of("客户"), None);
    }
}
