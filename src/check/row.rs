//! The checks of one row that need no other row (formats, sets, required
//! values, per-field settings, check digits, dates, amounts), run on the
//! worker threads; and the row's keys for the in-order pass of `engine`.

use super::engine::*;
use crate::archive::schema::{TableKind, ValueKind};
use crate::check::rules::{Rule, Severity, check_credit_code, check_id_number};
use crate::read::source::RawRow;
use crate::values::normalize::normalise_cow;
use crate::values::text::{is_confidential, mask};
use chrono::NaiveDate;
use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;

/// Findings of one row, and what they need to know about it.
pub(crate) struct RowCheck<'r> {
    pub(crate) table: TableKind,
    pub(crate) line: u64,
    pub(crate) id: &'r str,
    /// the customer of the row (`Finding::customer`)
    pub(crate) customer: &'r str,
    pub(crate) out: &'r mut Vec<Finding>,
}

impl RowCheck<'_> {
    pub(crate) fn add(
        &mut self,
        ctx: &Ctx,
        field: &str,
        rule: Rule,
        value: &str,
        message: impl Into<String>,
    ) {
        self.add_as(ctx, ctx.vs.severity(rule), field, rule, value, message);
    }

    pub(crate) fn add_as(
        &mut self,
        ctx: &Ctx,
        severity: Severity,
        field: &str,
        rule: Rule,
        value: &str,
        message: impl Into<String>,
    ) {
        if !ctx.vs.is_on(rule) {
            return;
        }
        // a rule's severity setting wins over the severity a check suggests
        let severity = ctx
            .vs
            .severity
            .get(rule.name())
            .copied()
            .unwrap_or(severity);
        let value = if is_confidential(field) && !ctx.no_mask {
            mask(field, value)
        } else {
            value.to_string()
        };
        self.out.push(Finding {
            table: self.table.name(),
            row: self.line,
            id: self.id.to_string(),
            customer: self.customer.to_string(),
            field: field.to_string(),
            rule,
            severity,
            value,
            message: message.into(),
        });
    }
}

/// Canonical columns a table may have: at most 32 (the fixed arrays of a
/// row check and of a part's counts).
pub(crate) const MAX_COLS: usize = 32;

/// The rules of one complaint: `response_late`, `open_complaint`,
/// `resolved_before_date`, and `date_order` for a response before the
/// complaint or a complaint after the as-of date (the definitions are in
/// `analytics::complaints`).
fn check_complaint<'v>(
    ctx: &Ctx,
    rc: &mut RowCheck,
    named: &Named,
    val: &dyn Fn(Option<usize>) -> &'v str,
    at: &dyn Fn(Option<usize>) -> &'v str,
) {
    use crate::analytics::complaints::Complaint;
    use crate::values::dates::{iso, parse_moment};
    let Some(date) = parse_moment(val(named.date)) else {
        return;
    };
    let c = Complaint {
        id: String::new(),
        customer_id: String::new(),
        date,
        severity: crate::archive::schema::ComplaintSeverity::parse(val(named.severity)),
        category: String::new(),
        owner: String::new(),
        responded: parse_moment(val(named.responded)),
        resolved: parse_moment(val(named.resolved)),
        satisfaction: None,
    };
    let s = &ctx.complaints;
    if date.date > ctx.as_of {
        rc.add(
            ctx,
            "date",
            Rule::FutureDate,
            at(named.date),
            format!("after the as-of date {}", iso(ctx.as_of)),
        );
        return;
    }
    // a moment before the complaint: compared to the minute when both have a
    // time of day, else by day
    let before = |m: crate::values::dates::Moment| date.minutes_to(m) < 0;
    if let Some(r) = c.resolved
        && before(r)
    {
        rc.add(
            ctx,
            "resolved",
            Rule::ResolvedBeforeDate,
            at(named.resolved),
            format!("resolved before the complaint came in ({})", date.text()),
        );
    }
    if let Some(r) = c.responded
        && before(r)
    {
        rc.add(
            ctx,
            "responded",
            Rule::DateOrder,
            at(named.responded),
            format!("responded before the complaint came in ({})", date.text()),
        );
    }
    let limit_h = s.limit_minutes(c.severity) / 60;
    let severity = c.severity.map_or("minor", |k| k.name());
    if let Some(late) = c.late_by(s, ctx.as_of) {
        let (field, value, what) = match c.response(ctx.as_of) {
            Some(_) if c.responded.is_some() => ("responded", at(named.responded), "responded"),
            Some(_) => ("resolved", at(named.resolved), "resolved"),
            None => ("responded", "", "not responded:"),
        };
        let after = if what.ends_with(':') { "past" } else { "after" };
        rc.add(
            ctx,
            field,
            Rule::ResponseLate,
            value,
            format!(
                "{what} {} {after} the {limit_h} h limit for a {severity} complaint",
                hours_minutes(late)
            ),
        );
    }
    let open_days = (ctx.as_of - date.date).num_days();
    if c.is_open(ctx.as_of) && open_days > s.open_days {
        rc.add(
            ctx,
            "resolved",
            Rule::OpenComplaint,
            "",
            format!(
                "not resolved {open_days} days after it came in (limit {} days)",
                s.open_days
            ),
        );
    }
}

/// `1 h 05 m`, `26 h`: minutes as people read a delay.
fn hours_minutes(m: i64) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} m"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02} m"),
    }
}

/// What a worker makes of a chunk of rows: their findings, and what the
/// in-order pass needs of each row (keys for `unique` and `duplicate`).
pub(crate) struct Part {
    /// per canonical column: rows with a value
    pub(crate) filled: [u64; MAX_COLS],
    /// in row order
    pub(crate) findings: Vec<Finding>,
    /// per row: its line,
    pub(crate) lines: Vec<u64>,
    /// hashes of its id, credit_code, id_number, name + mobile (0: none),
    pub(crate) keys: Vec<[u64; 4]>,
    /// and where its id and the values behind `keys[1..]` (credit_code,
    /// id_number, mobile; for messages) end in `text`
    pub(crate) ends: Vec<[u32; 4]>,
    pub(crate) text: String,
    /// `not_canonical` cells past the first few of the part (counted only)
    pub(crate) not_canonical_more: u64,
}

impl Part {
    /// Sized for the rows of a chunk of [`crate::read::pipeline::CHUNK_BYTES`]
    /// (rows of 128 bytes; archive rows are about 200): vectors that double
    /// as they fill copy themselves into new memory each time.
    pub(crate) fn new() -> Part {
        const ROWS: usize = crate::read::pipeline::CHUNK_BYTES / 128;
        Part {
            filled: [0; MAX_COLS],
            findings: Vec::with_capacity(ROWS / 4),
            lines: Vec::with_capacity(ROWS),
            keys: Vec::with_capacity(ROWS),
            ends: Vec::with_capacity(ROWS),
            text: String::with_capacity(ROWS * 48),
            not_canonical_more: 0,
        }
    }

    /// Empty it for the next chunk, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.filled = [0; MAX_COLS];
        self.findings.clear();
        self.lines.clear();
        self.keys.clear();
        self.ends.clear();
        self.text.clear();
        self.not_canonical_more = 0;
    }

    /// Row `r`'s id (k = 0) or the value behind `keys[k]`.
    pub(crate) fn value(&self, r: usize, k: usize) -> &str {
        let start = match (r, k) {
            (0, 0) => 0,
            (r, 0) => self.ends[r - 1][3],
            (r, k) => self.ends[r][k - 1],
        };
        &self.text[start as usize..self.ends[r][k] as usize]
    }
}

pub(crate) use crate::archive::keys::{hash64 as key_hash, name_mobile_hash};

/// A key's 64-bit hash in 8 bytes aligned to 4, so that a table entry (key,
/// row) takes 12 bytes, not 16: the tables of a million-row file are most of
/// the memory of a run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key(pub(crate) [u32; 2]);

impl Key {
    pub(crate) fn new(h: u64) -> Key {
        Key([h as u32, (h >> 32) as u32])
    }
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0[0]) | u64::from(self.0[1]) << 32)
    }
}

/// Where each canonical column is in the file.
pub(crate) struct Layout {
    pub(crate) table: TableKind,
    /// canonical column position → file column
    pub(crate) cols: Vec<Option<usize>>,
    /// canonical positions of the columns the checks read by name
    pub(crate) at: Named,
    /// extra required fields and per-field rules, with their file columns
    pub(crate) extra_required: Vec<(String, Option<usize>)>,
    /// field, file column, rule, its compiled regex
    pub(crate) field_rules: Vec<(
        String,
        Option<usize>,
        crate::check::rules::FieldRule,
        Option<regex::Regex>,
    )>,
    /// per canonical column: the allowed values a setting gives it
    pub(crate) enums: Vec<Option<Vec<String>>>,
}

/// Canonical positions of the columns the checks read by name (`None`: not
/// a column of the table).
pub(crate) struct Named {
    pub(crate) id: Option<usize>,
    pub(crate) name: Option<usize>,
    pub(crate) customer_id: Option<usize>,
    pub(crate) mobile: Option<usize>,
    pub(crate) id_number: Option<usize>,
    pub(crate) credit_code: Option<usize>,
    pub(crate) credit_limit: Option<usize>,
    pub(crate) created: Option<usize>,
    pub(crate) updated: Option<usize>,
    pub(crate) birthday: Option<usize>,
    pub(crate) date: Option<usize>,
    pub(crate) due_date: Option<usize>,
    pub(crate) amount: Option<usize>,
    pub(crate) paid: Option<usize>,
    pub(crate) unit_price: Option<usize>,
    pub(crate) quantity: Option<usize>,
    pub(crate) severity: Option<usize>,
    pub(crate) responded: Option<usize>,
    pub(crate) resolved: Option<usize>,
}

impl Named {
    pub(crate) fn new(table: TableKind) -> Named {
        let pos = |name: &str| table.columns().iter().position(|c| c.name == name);
        Named {
            id: pos("id"),
            name: pos("name"),
            customer_id: pos("customer_id"),
            mobile: pos("mobile"),
            id_number: pos("id_number"),
            credit_code: pos("credit_code"),
            credit_limit: pos("credit_limit"),
            created: pos("created"),
            updated: pos("updated"),
            birthday: pos("birthday"),
            date: pos("date"),
            due_date: pos("due_date"),
            amount: pos("amount"),
            paid: pos("paid"),
            unit_price: pos("unit_price"),
            quantity: pos("quantity"),
            severity: pos("severity"),
            responded: pos("responded"),
            resolved: pos("resolved"),
        }
    }
}

pub(crate) fn format_rule(kind: ValueKind) -> Option<Rule> {
    Some(match kind {
        ValueKind::Date | ValueKind::Moment => Rule::Date,
        ValueKind::Score => Rule::Satisfaction,
        ValueKind::Mobile => Rule::Mobile,
        ValueKind::Phone => Rule::Phone,
        ValueKind::Email => Rule::Email,
        ValueKind::IdNumber => Rule::IdNumber,
        ValueKind::CreditCode => Rule::CreditCode,
        ValueKind::Enum(_) => Rule::Enum,
        ValueKind::Money | ValueKind::Quantity => Rule::Range,
        _ => return None,
    })
}

/// The credit ratings a row may have without a setting.
pub(crate) const DEFAULT_RATINGS: &[&str] =
    &["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"];

/// `str::trim`, with a quick way out for the usual value that starts and
/// ends with a printable ASCII character (every white space `trim` removes is
/// either ASCII or starts with a byte of 0x80 or more).
pub(crate) fn trim(v: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    if printable(v.as_bytes().first()) && printable(v.as_bytes().last()) {
        v
    } else {
        v.trim()
    }
}

/// `not_canonical`: cells of an archive file that are not in their canonical
/// form (`read::cells`: what `dangan fmt` would write). Cells that cannot be
/// read are left to the format rules. A part lists its first few; the rest
/// are counted in `more`.
pub(crate) fn not_canonical(
    ctx: &Ctx,
    layout: &Layout,
    row: &RawRow,
    rc: &mut RowCheck,
    more: &mut u64,
) {
    for (p, c) in layout.table.columns().iter().enumerate() {
        let Some(i) = layout.cols[p] else { continue };
        let raw = row.field(i);
        if raw.is_empty() {
            continue;
        }
        let (v, flags) = normalise_cow(c.kind, raw, false);
        if flags.problem.is_some() || !matches!(v, Cow::Owned(_)) {
            continue;
        }
        let listed = rc
            .out
            .iter()
            .filter(|f| f.rule == Rule::NotCanonical)
            .count() as u64;
        if listed >= NOT_CANONICAL_SHOWN {
            *more += 1;
            continue;
        }
        let shown = if is_confidential(c.name) && !ctx.no_mask {
            mask(c.name, &v)
        } else {
            v.to_string()
        };
        rc.add(
            ctx,
            c.name,
            Rule::NotCanonical,
            raw,
            format!("stored as {shown:?} in canonical form (`dangan fmt` rewrites it)"),
        );
    }
}

/// All checks of one row that need no other row; its findings and keys go to
/// `part`.
///
/// Long (about 370 lines) on purpose: it is the hot loop of validate (a
/// million rows a second), and the checks share the row's values, read once
/// into the fixed arrays at the top; split into functions they would pass
/// those arrays around for every check of every row. The sections follow the
/// rule list of `check::rules`: formats, required, per-field settings, then
/// the checks of meaning per table.
pub(crate) fn check_row(
    ctx: &Ctx,
    layout: &Layout,
    row: &RawRow,
    customers: Option<&HashSet<String>>,
    part: &mut Part,
) {
    let table = layout.table;
    let columns = table.columns();
    let named = &layout.at;
    let mut raws: [&str; MAX_COLS] = [""; MAX_COLS];
    for (p, c) in layout.cols.iter().enumerate() {
        if let Some(i) = c {
            let v = trim(row.field(*i));
            if !v.is_empty() {
                raws[p] = v;
                part.filled[p] += 1;
            }
        }
    }
    let at = |p: Option<usize>| p.map_or("", |p| raws[p]);
    let id = if table == TableKind::Followups {
        ""
    } else {
        at(named.id)
    };
    let customer = if table == TableKind::Customers {
        id
    } else {
        at(named.customer_id)
    };
    let mut rc = RowCheck {
        table,
        line: row.line(),
        id,
        customer,
        out: &mut part.findings,
    };
    if ctx.canonical.is_some() {
        not_canonical(ctx, layout, row, &mut rc, &mut part.not_canonical_more);
    }
    // formats: a value import could not read, and values outside their set
    let mut values: [Cow<str>; MAX_COLS] = std::array::from_fn(|_| Cow::Borrowed(""));
    let mut dates: [Option<NaiveDate>; MAX_COLS] = [None; MAX_COLS];
    for (p, c) in columns.iter().enumerate() {
        let raw = raws[p];
        if raw.is_empty() {
            continue;
        }
        // free text and codes have no format rule: nothing to normalise
        if matches!(
            c.kind,
            ValueKind::Text
                | ValueKind::LongText
                | ValueKind::Code
                | ValueKind::Region
                | ValueKind::Tags
        ) {
            values[p] = Cow::Borrowed(raw);
            continue;
        }
        // an ISO date (the usual) is read once, here
        let iso = (c.kind == ValueKind::Date)
            .then(|| crate::values::dates::parse_iso(raw))
            .flatten();
        let (v, flags) = match iso {
            Some(d) => {
                dates[p] = Some(d);
                (Cow::Borrowed(raw), Default::default())
            }
            None => normalise_cow(c.kind, raw, false),
        };
        if let Some(problem) = flags.problem
            && let Some(rule) = format_rule(c.kind)
        {
            rc.add(ctx, c.name, rule, raw, problem);
            continue;
        }
        if let Some(set) = &layout.enums[p] {
            if !set.iter().any(|s| *s == *v) {
                rc.add(
                    ctx,
                    c.name,
                    Rule::Enum,
                    raw,
                    format!("not one of {}", set.join(", ")),
                );
            }
        } else if c.kind == ValueKind::Rating && !DEFAULT_RATINGS.contains(&v.as_ref()) {
            rc.add(
                ctx,
                c.name,
                Rule::Enum,
                raw,
                format!("not one of {}", DEFAULT_RATINGS.join(", ")),
            );
        }
        values[p] = v;
    }
    let val = |p: Option<usize>| p.map_or("", |p| values[p].as_ref());
    let date = |p: Option<usize>| {
        p.and_then(|p| dates[p])
            .or_else(|| crate::values::dates::parse_date(val(p)))
    };
    let fen = |p: Option<usize>| crate::values::money::cell_fen(val(p)).ok().flatten();

    let required: &[(&str, Option<usize>)] = match table {
        TableKind::Customers => &[("id", named.id), ("name", named.name)],
        TableKind::Transactions => &[
            ("id", named.id),
            ("customer_id", named.customer_id),
            ("date", named.date),
            ("amount", named.amount),
        ],
        TableKind::Followups => &[("customer_id", named.customer_id), ("date", named.date)],
        TableKind::Complaints => &[
            ("id", named.id),
            ("customer_id", named.customer_id),
            ("date", named.date),
        ],
    };
    for (f, p) in required {
        if *f == "id" && table == TableKind::Customers && !ctx.ids_required {
            continue;
        }
        if at(*p).is_empty() {
            rc.add(ctx, f, Rule::Required, "", "required value missing");
        }
    }
    for (f, i) in &layout.extra_required {
        if i.is_none_or(|i| row.field(i).trim().is_empty()) {
            rc.add(ctx, f, Rule::Required, "", "required value missing");
        }
    }
    for (f, i, r, re) in &layout.field_rules {
        let v = i.map_or("", |i| row.field(i).trim());
        if v.is_empty() {
            continue;
        }
        if let Some(re) = re
            && !re.is_match(v)
        {
            rc.add(
                ctx,
                f,
                Rule::Pattern,
                v,
                format!("does not match {}", re.as_str()),
            );
        }
        if r.min.is_some() || r.max.is_some() {
            // a money or quantity column is read by its one parser (`¥1,200`,
            // `1.2万`) and compared as an integer of its units (fen, 0.0001)
            // with the bounds in those units; any other column as a number
            let number: Option<(i64, f64)> = match table.column(f).map(|c| c.kind) {
                Some(ValueKind::Money) => crate::values::money::parse_yuan(v)
                    .ok()
                    .map(|p| (p.fen, 100.0)),
                Some(ValueKind::Quantity) => crate::values::money::parse_quantity(v)
                    .map(|(q, _)| (q, crate::values::money::QTY_SCALE as f64)),
                // ten-thousandths of the number, like a quantity
                _ => v
                    .replace(',', "")
                    .parse::<f64>()
                    .ok()
                    .map(|x| ((x * 10_000.0).round() as i64, 10_000.0)),
            };
            let below = |x: i64, scale: f64| r.min.is_some_and(|m| x < (m * scale).round() as i64);
            let above = |x: i64, scale: f64| r.max.is_some_and(|m| x > (m * scale).round() as i64);
            match number {
                Some((x, scale)) if below(x, scale) => rc.add(
                    ctx,
                    f,
                    Rule::Range,
                    v,
                    format!("below the minimum {}", r.min.unwrap_or_default()),
                ),
                Some((x, scale)) if above(x, scale) => rc.add(
                    ctx,
                    f,
                    Rule::Range,
                    v,
                    format!("above the maximum {}", r.max.unwrap_or_default()),
                ),
                Some(_) => {}
                None => rc.add(ctx, f, Rule::Range, v, "not a number"),
            }
        }
    }
    let mut keys = [0u64; 4];
    let mut key_values: [&str; 3] = [""; 3];
    if !id.is_empty() {
        keys[0] = key_hash(id);
    }
    match table {
        TableKind::Customers => {
            let birth = match val(named.id_number) {
                "" => None,
                v => match check_id_number(v, ctx.as_of) {
                    Ok(b) => Some(b),
                    Err((sev, msg)) => {
                        rc.add_as(
                            ctx,
                            sev,
                            "id_number",
                            Rule::IdNumber,
                            at(named.id_number),
                            msg,
                        );
                        None
                    }
                },
            };
            if !val(named.credit_code).is_empty()
                && let Err(msg) = check_credit_code(val(named.credit_code))
            {
                rc.add(
                    ctx,
                    "credit_code",
                    Rule::CreditCode,
                    at(named.credit_code),
                    msg,
                );
            }
            if let Some(limit) = fen(named.credit_limit)
                && limit < 0
            {
                rc.add(
                    ctx,
                    "credit_limit",
                    Rule::Range,
                    at(named.credit_limit),
                    "credit limit below 0",
                );
            }
            let (created, updated) = (date(named.created), date(named.updated));
            if let (Some(c), Some(u)) = (created, updated)
                && c > u
            {
                rc.add(
                    ctx,
                    "updated",
                    Rule::DateOrder,
                    at(named.updated),
                    format!("updated before created ({})", crate::values::dates::iso(c)),
                );
            }
            for (f, p, d) in [
                ("created", named.created, created),
                ("updated", named.updated, updated),
            ] {
                if let Some(d) = d
                    && d > ctx.as_of
                {
                    rc.add(
                        ctx,
                        f,
                        Rule::DateOrder,
                        at(p),
                        format!(
                            "after the as-of date {}",
                            crate::values::dates::iso(ctx.as_of)
                        ),
                    );
                }
            }
            if let (Some(b), Some(bd)) = (birth, date(named.birthday))
                && b != bd
            {
                rc.add(
                    ctx,
                    "birthday",
                    Rule::BirthdayMismatch,
                    at(named.birthday),
                    // the birth date is the part of an ID number masking hides
                    if ctx.no_mask {
                        format!("the ID number says {}", crate::values::dates::iso(b))
                    } else {
                        "differs from the birth date in the ID number".to_string()
                    },
                );
            }
            if let (Some(age), Some(last)) = (
                ctx.vs.stale_age(updated, created, ctx.as_of),
                updated.or(created),
            ) {
                let field = if updated.is_some() {
                    "updated"
                } else {
                    "created"
                };
                rc.add(
                    ctx,
                    field,
                    Rule::Stale,
                    &crate::values::dates::iso(last),
                    format!(
                        "not revised for {age} days (due every {} days)",
                        ctx.vs.stale_days
                    ),
                );
            }
            for (k, p) in [named.credit_code, named.id_number].into_iter().enumerate() {
                if !val(p).is_empty() {
                    keys[k + 1] = key_hash(val(p));
                    key_values[k] = at(p);
                }
            }
            if !val(named.name).is_empty() && !val(named.mobile).is_empty() {
                keys[3] = name_mobile_hash(val(named.name), val(named.mobile));
                key_values[2] = at(named.mobile);
            }
        }
        TableKind::Transactions | TableKind::Followups | TableKind::Complaints => {
            let cust = at(named.customer_id);
            if let Some(ids) = customers
                && !cust.is_empty()
                && !ids.contains(cust)
            {
                rc.add(
                    ctx,
                    "customer_id",
                    Rule::UnknownCustomer,
                    cust,
                    "no customer with this archive number",
                );
            }
            if table == TableKind::Complaints {
                check_complaint(ctx, &mut rc, named, &val, &at);
            }
            if table == TableKind::Transactions {
                let d = date(named.date);
                if let Some(d) = d
                    && d > ctx.as_of
                {
                    rc.add(
                        ctx,
                        "date",
                        Rule::FutureDate,
                        at(named.date),
                        format!(
                            "after the as-of date {}",
                            crate::values::dates::iso(ctx.as_of)
                        ),
                    );
                }
                if let (Some(d), Some(due)) = (d, date(named.due_date))
                    && due < d
                {
                    rc.add(
                        ctx,
                        "due_date",
                        Rule::DueBeforeDate,
                        at(named.due_date),
                        format!(
                            "due before the transaction date {}",
                            crate::values::dates::iso(d)
                        ),
                    );
                }
                let amount = fen(named.amount);
                if let (Some(a), Some(p)) = (amount, fen(named.paid))
                    && p > a
                {
                    rc.add(
                        ctx,
                        "paid",
                        Rule::PaidExceedsAmount,
                        at(named.paid),
                        format!(
                            "paid more than the amount {}",
                            crate::values::money::format_yuan(a)
                        ),
                    );
                }
                if let (Some(a), Some(price), Ok(q)) = (
                    amount,
                    fen(named.unit_price),
                    val(named.quantity).parse::<f64>(),
                ) {
                    let expected = (q * price as f64).round() as i64;
                    if (expected - a).abs() > 1 {
                        rc.add(
                            ctx,
                            "amount",
                            Rule::AmountMismatch,
                            at(named.amount),
                            format!(
                                "quantity × unit price is {}",
                                crate::values::money::format_yuan(expected)
                            ),
                        );
                    }
                }
            }
        }
    }
    part.lines.push(row.line());
    part.keys.push(keys);
    let mut ends = [0u32; 4];
    part.text.push_str(id);
    ends[0] = part.text.len() as u32;
    for (k, v) in key_values.iter().enumerate() {
        part.text.push_str(v);
        ends[k + 1] = part.text.len() as u32;
    }
    part.ends.push(ends);
}
