//! `dangan find TEXT`: customers ranked by how well TEXT names them.
//!
//! What is compared (the best match of a customer counts, and `matched` says
//! which field it was):
//!
//! | score | match |
//! |---:|---|
//! | 100 | the archive number, credit code, ID number, mobile or landline exactly; the name exactly |
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
//!
//! The search runs over [`Fields`]: per searchable field, every customer's
//! value in one buffer, so a substring is found by one SIMD scan of the
//! buffer (`memchr::memmem`) rather than a comparison per customer. The
//! fields are made from the customers table, or read from the search index
//! that `lookup::index` keeps in `.cache/` for a big customers file.

use crate::archive::Table;
use crate::lookup::names;
use crate::values::text::name_key;

/// A searchable field: what the index holds for every customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    CreditCode,
    IdNumber,
    /// the digits of the mobile
    Mobile,
    /// the digits of the landline
    Phone,
    /// the name, `name_key`
    Name,
    /// the name's core (`names::core`)
    Core,
    NamePinyin,
    NameInitials,
    CorePinyin,
    CoreInitials,
    Contact,
    Address,
    /// the output columns (`OUT_COLUMNS`), separated by U+001F
    Out,
    /// every column of the record, separated by U+001F, line breaks kept
    /// as U+001E / U+001D (`show` reads its customer from it)
    Record,
}

impl Field {
    pub const ALL: [Field; 15] = [
        Field::Id,
        Field::CreditCode,
        Field::IdNumber,
        Field::Mobile,
        Field::Phone,
        Field::Name,
        Field::Core,
        Field::NamePinyin,
        Field::NameInitials,
        Field::CorePinyin,
        Field::CoreInitials,
        Field::Contact,
        Field::Address,
        Field::Out,
        Field::Record,
    ];

    /// What `matched` says when this field matched.
    pub fn matched(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::CreditCode => "credit_code",
            Field::IdNumber => "id_number",
            Field::Mobile => "mobile",
            Field::Phone => "phone",
            Field::Name | Field::Core => "name",
            Field::NamePinyin | Field::NameInitials | Field::CorePinyin | Field::CoreInitials => {
                "pinyin"
            }
            Field::Contact => "contact",
            Field::Address => "address",
            Field::Out | Field::Record => "",
        }
    }
}

/// The columns a found customer is listed with.
pub const OUT_COLUMNS: [&str; 7] = ["id", "name", "kind", "region", "city", "owner", "mobile"];

/// The separator of the output columns in [`Field::Out`].
pub const OUT_SEP: char = '\u{1f}';

/// One field of every customer: the values one after another, each ended by
/// `\n` (no value holds one), and where each starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    pub data: Vec<u8>,
    /// `starts[i]` is where customer i's value begins; one more at the end
    pub starts: Vec<u32>,
}

impl Column {
    pub fn get(&self, row: usize) -> &str {
        std::str::from_utf8(self.bytes(row)).unwrap_or_default()
    }

    /// The value's bytes (what the search compares: a byte-wise order is
    /// the order of the text, and needs no UTF-8 check per value).
    pub fn bytes(&self, row: usize) -> &[u8] {
        let (a, b) = (self.starts[row] as usize, self.starts[row + 1] as usize - 1);
        &self.data[a..b]
    }

    fn push(&mut self, v: &str) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        for b in v.bytes() {
            self.data
                .push(if b == b'\n' || b == b'\r' { b' ' } else { b });
        }
        self.data.push(b'\n');
        self.starts.push(self.data.len() as u32);
    }

    /// `other`'s values after this column's.
    fn append(&mut self, other: Column) {
        let Some((_, rest)) = other.starts.split_first() else {
            return;
        };
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let base = self.data.len() as u32;
        self.starts.extend(rest.iter().map(|s| s + base));
        self.data.extend_from_slice(&other.data);
    }
}

/// The searchable fields of every customer (in the customers file's order).
#[derive(Debug, Default)]
pub struct Fields {
    pub rows: usize,
    pub columns: Vec<Option<Column>>,
    /// fields read from the index row by row when asked for (the listed
    /// columns, the record: a few rows are listed, and reading every
    /// customer's would cost more than the search)
    pub on_disk: Vec<(Field, OnDisk)>,
}

/// A field of an index left on disk: where its values are in the file.
#[derive(Debug)]
pub struct OnDisk {
    pub file: std::sync::Mutex<std::fs::File>,
    /// where the field's values begin in the file
    pub offset: u64,
    pub starts: Vec<u32>,
}

impl Fields {
    /// Every field of every customer of `table`. A name's core and pinyin
    /// are most of the work (a million names: seconds), so the rows are
    /// split among the machine's threads and the parts joined in order.
    pub fn of_table(table: &Table) -> Fields {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let chunk = table.rows.len().div_ceil(threads).max(1);
        let parts: Vec<Vec<Column>> = std::thread::scope(|s| {
            let handles: Vec<_> = table
                .rows
                .chunks(chunk)
                .map(|rows| s.spawn(move || Self::columns_of(table, rows)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut columns: Vec<Column> = vec![Column::default(); Field::ALL.len()];
        for part in parts {
            for (c, p) in columns.iter_mut().zip(part) {
                c.append(p);
            }
        }
        Fields {
            rows: table.rows.len(),
            columns: columns.into_iter().map(Some).collect(),
            on_disk: Vec::new(),
        }
    }

    /// Every field of `rows`, rows of `table`.
    fn columns_of(table: &Table, rows: &[crate::archive::Record]) -> Vec<Column> {
        let mut columns: Vec<Column> = vec![Column::default(); Field::ALL.len()];
        let mut record = String::new();
        let col = |n: &str| table.col(n);
        fn get(r: &crate::archive::Record, n: Option<usize>) -> &str {
            n.map(|i| r.get(i)).unwrap_or_default()
        }
        let (c_id, c_credit, c_idno, c_mobile, c_phone, c_name, c_contact, c_address) = (
            col("id"),
            col("credit_code"),
            col("id_number"),
            col("mobile"),
            col("phone"),
            col("name"),
            col("contact"),
            col("address"),
        );
        let out_cols: Vec<Option<usize>> = OUT_COLUMNS.iter().map(|c| col(c)).collect();
        let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
        let mut out = String::new();
        for r in rows {
            let name = get(r, c_name);
            let core = names::core(name);
            let key = name_key(name);
            let (np, ni) = names::pinyin(&key);
            let (cp, ci) = names::pinyin(&core);
            out.clear();
            for (k, c) in out_cols.iter().enumerate() {
                if k > 0 {
                    out.push(OUT_SEP);
                }
                out.push_str(get(r, *c));
            }
            record.clear();
            for (k, v) in r.iter().enumerate() {
                if k > 0 {
                    record.push(OUT_SEP);
                }
                record.extend(v.chars().map(|c| match c {
                    '\n' => '\u{1e}',
                    '\r' => '\u{1d}',
                    c => c,
                }));
            }
            let values: [&str; 15] = [
                &get(r, c_id).to_ascii_lowercase(),
                &get(r, c_credit).to_ascii_lowercase(),
                &get(r, c_idno).to_ascii_lowercase(),
                &digits(get(r, c_mobile)),
                &digits(get(r, c_phone)),
                &key,
                &core,
                &np,
                &ni,
                &cp,
                &ci,
                &name_key(get(r, c_contact)),
                &name_key(get(r, c_address)),
                &out,
                &record,
            ];
            for (c, v) in columns.iter_mut().zip(values) {
                c.push(v);
            }
        }
        columns
    }

    pub fn column(&self, f: Field) -> Option<&Column> {
        self.columns.get(f as usize).and_then(Option::as_ref)
    }

    /// The output columns of customer `row`.
    /// The value of field `f` of customer `row`, in memory or from the index.
    pub fn value(&self, f: Field, row: usize) -> Option<String> {
        if let Some(c) = self.column(f) {
            return Some(c.get(row).to_string());
        }
        let (_, d) = self.on_disk.iter().find(|(g, _)| *g == f)?;
        use std::io::{Read, Seek, SeekFrom};
        let (a, b) = (
            *d.starts.get(row)? as u64,
            *d.starts.get(row + 1)? as u64 - 1,
        );
        let mut buf = vec![0u8; (b - a) as usize];
        let mut file = d.file.lock().ok()?;
        file.seek(SeekFrom::Start(d.offset + a)).ok()?;
        file.read_exact(&mut buf).ok()?;
        String::from_utf8(buf).ok()
    }

    /// The output columns of customer `row`.
    pub fn out(&self, row: usize) -> Vec<String> {
        match self.value(Field::Out, row) {
            Some(s) => s.split(OUT_SEP).map(str::to_string).collect(),
            None => vec![String::new(); OUT_COLUMNS.len()],
        }
    }

    /// Every column of customer `row`'s record ([`Field::Record`]).
    pub fn record(&self, row: usize) -> Option<Vec<String>> {
        let s = self.value(Field::Record, row)?;
        Some(
            s.split(OUT_SEP)
                .map(|v| v.replace('\u{1e}', "\n").replace('\u{1d}', "\r"))
                .collect(),
        )
    }

    /// The customers whose field `f` is exactly `value`.
    pub fn rows_equal(&self, f: Field, value: &str) -> Vec<usize> {
        let Some(col) = self.column(f) else {
            return Vec::new();
        };
        if value.is_empty() {
            return Vec::new();
        }
        let mut rows = Vec::new();
        for pos in memchr::memmem::find_iter(&col.data, value.as_bytes()) {
            let row = col.starts.partition_point(|&s| s as usize <= pos) - 1;
            if col.starts[row] as usize == pos && col.get(row) == value && rows.last() != Some(&row)
            {
                rows.push(row);
            }
        }
        rows
    }
}

/// One customer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// its row in the customers table
    pub row: usize,
    /// the field that matched best (`name`, `pinyin`, `mobile`, …)
    pub matched: &'static str,
    pub score: u32,
}

/// What TEXT is, and so which fields it is compared with.
pub struct Query {
    text: String,
    digits: Option<String>,
    pinyin: bool,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let key = name_key(text);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let digit_query = digits.len() >= 4
            && text
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+'));
        let pinyin = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase());
        Query {
            text: key,
            digits: digit_query.then_some(digits),
            pinyin,
        }
    }

    /// The fields this query reads (what `lookup::index` loads).
    pub fn fields(&self) -> Vec<Field> {
        let mut f = TEXT_FIELDS.to_vec();
        f.extend([
            Field::Out,
            // the order of ties
            Field::NamePinyin,
        ]);
        if self.digits.is_some() {
            f.extend([Field::Mobile, Field::Phone]);
        }
        if self.pinyin {
            f.extend([Field::NameInitials, Field::CorePinyin, Field::CoreInitials]);
        }
        f
    }
}

/// The fields every TEXT is compared with.
const TEXT_FIELDS: [Field; 7] = [
    Field::Id,
    Field::CreditCode,
    Field::IdNumber,
    Field::Name,
    Field::Core,
    Field::Contact,
    Field::Address,
];

/// How a value holds the query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Exact,
    Prefix,
    Suffix,
    Inside,
}

/// Scores per field and place (0: that place does not count).
fn score(f: Field, p: Place, qlen: usize) -> u8 {
    use Field::*;
    use Place::*;
    match (f, p) {
        (Id | CreditCode | IdNumber, Exact) => 100,
        (Id | CreditCode | IdNumber, Prefix) => 75,
        (Id | CreditCode | IdNumber, _) if qlen >= 4 => 60,
        (Mobile | Phone, Exact) => 100,
        (Mobile | Phone, Suffix) => 70,
        (Mobile | Phone, _) => 60,
        (Name, Exact) => 100,
        (Name, _) => 70,
        (Core, Exact) => 90,
        (Core, Prefix) => 80,
        (CorePinyin, Exact | Prefix) => 65,
        (CoreInitials, Exact | Prefix) => 55,
        (NamePinyin, _) => 50,
        (NameInitials, _) => 40,
        (Contact, _) => 45,
        (Address, _) => 35,
        _ => 0,
    }
}

/// The customers that `text` names, best first, at most `limit`, among those
/// `keep` accepts (given a customer's row).
pub fn find(fields: &Fields, text: &str, keep: &dyn Fn(usize) -> bool, limit: usize) -> Vec<Hit> {
    let q = Query::new(text);
    if q.text.is_empty() {
        return Vec::new();
    }
    let mut best = vec![(0u8, Field::Out); fields.rows];
    let mut scan = |f: Field, needle: &str| {
        let Some(col) = fields.column(f) else {
            return;
        };
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let needle = needle.as_bytes();
        let mut last_row = usize::MAX;
        // the matches come in file order: each row is looked for from the
        // last one on (a common word matches half the rows)
        let mut from = 0usize;
        for pos in finder.find_iter(&col.data) {
            let row = from + col.starts[from..].partition_point(|&s| s as usize <= pos) - 1;
            from = row;
            if row == last_row {
                continue;
            }
            last_row = row;
            let v = col.bytes(row);
            let place = if v == needle {
                Place::Exact
            } else if v.starts_with(needle) {
                Place::Prefix
            } else if v.ends_with(needle) {
                Place::Suffix
            } else {
                Place::Inside
            };
            let s = score(f, place, needle.len());
            if s > best[row].0 {
                best[row] = (s, f);
            }
        }
    };
    for f in TEXT_FIELDS {
        scan(f, &q.text);
    }
    if let Some(d) = &q.digits {
        scan(Field::Mobile, d);
        scan(Field::Phone, d);
    }
    if q.pinyin {
        for f in [
            Field::NamePinyin,
            Field::NameInitials,
            Field::CorePinyin,
            Field::CoreInitials,
        ] {
            scan(f, &q.text);
        }
    }
    // the best scores first; only the rows that can still make the list
    // (a score at least the limit-th best) are ordered further
    let mut scored: Vec<(u8, usize, Field)> = best
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| *s > 0)
        .map(|(row, &(s, f))| (s, row, f))
        .collect();
    scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let name = fields.column(Field::Name);
    let pinyin = fields.column(Field::NamePinyin);
    let mut out: Vec<Hit> = Vec::with_capacity(limit.min(scored.len()));
    let mut i = 0;
    while i < scored.len() && out.len() < limit {
        // one score at a time: its rows kept, in the order of a Chinese
        // list (the pinyin of the name), then the name, then the number
        let s = scored[i].0;
        let j = i + scored[i..].iter().take_while(|x| x.0 == s).count();
        let key = |row: usize| {
            let p = pinyin.map(|c| c.bytes(row)).unwrap_or_default();
            let n = name.map(|c| c.bytes(row)).unwrap_or_default();
            let id = fields.column(Field::Id).map(|c| c.bytes(row));
            (p, n, id.unwrap_or_default())
        };
        let mut group: Vec<(usize, Field)> = scored[i..j]
            .iter()
            .filter(|&&(_, row, _)| keep(row))
            .map(|&(_, row, f)| (row, f))
            .collect();
        let room = limit - out.len();
        if group.len() > room {
            // only the first `room` of the group are listed: those, sorted
            group.select_nth_unstable_by(room - 1, |a, b| key(a.0).cmp(&key(b.0)));
            group.truncate(room);
        }
        group.sort_by(|a, b| key(a.0).cmp(&key(b.0)));
        for (row, f) in group {
            out.push(Hit {
                row,
                matched: f.matched(),
                score: s as u32,
            });
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Record;
    use crate::archive::schema::TableKind;

    /// The fields made on several threads are the fields of one pass over
    /// every row, value by value and offset by offset.
    #[test]
    fn fields_made_in_parts_are_those_of_one_pass() {
        let mut table = Table::empty(TableKind::Customers);
        table.columns = ["id", "name", "mobile", "address"]
            .map(String::from)
            .to_vec();
        let rows = [
            [
                "C001",
                "深圳市鸿达贸易有限公司",
                "138 0013 8001",
                "深圳市福田区",
            ],
            ["C002", "鸿达贸易(深圳)有限公司", "", "多行\n地址"],
            ["C003", "", "13800138003", ""],
            ["C004", "刘小红", "13800138004", "长沙市"],
            ["C005", "Acme Ltd.", "", ""],
        ];
        table.rows = rows.iter().map(|r| Record::new(r)).collect();
        let whole = Fields::columns_of(&table, &table.rows);
        let fields = Fields::of_table(&table);
        assert_eq!(fields.rows, 5);
        for (f, one) in Field::ALL.iter().zip(&whole) {
            assert_eq!(fields.column(*f), Some(one), "{f:?}");
        }
        let core = fields.column(Field::Core).unwrap();
        assert!(core.get(0).starts_with("鸿达"), "{}", core.get(0));
        assert_eq!(core.get(0), core.get(1));
        assert_eq!(fields.column(Field::Mobile).unwrap().get(0), "13800138001");
        // no rows: no values, no starts
        table.rows.clear();
        let empty = Fields::of_table(&table);
        assert!(empty.column(Field::Id).unwrap().starts.is_empty());
    }
}
