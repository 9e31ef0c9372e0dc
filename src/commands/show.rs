//! `dangan show KEY [--as-of DATE | --period P | --from D --to D] [--last N] [--no-mask]`
//!
//! One customer's whole file (一户一档). KEY is an archive number, a mobile,
//! a credit code, an ID number or an exact name (`lookup::resolve`). Several
//! customers under one KEY: a short list and exit 1; none: exit 2.
//!
//! The file: every field (canonical and extra, labelled in `--lang`, masked),
//! the grade `classify` gives at the as-of date (the same engine, so the two
//! never disagree), net sales of the period and the previous one, orders and
//! the last sale, outstanding, overdue and its ageing against the credit
//! limit, the last N transactions, follow-ups and when the next is due, and
//! its complaints with their state (open, late, resolved), and the last N
//! revisions from `changes.csv`.
//!
//! JSON keys: `customer`, `grade`, `sales`, `credit`, `transactions`,
//! `followups`, `complaints`, `changes`; money as yuan strings with two decimals.

use crate::analytics::grading::{Graded, Overrides, rules};
use crate::analytics::receivables::{BUCKETS, CreditRow};
use crate::archive::changes::{Change, read_log_of};
use crate::archive::schema::TableKind;
use crate::archive::{Archive, Table};
use crate::render::output::{Cell, Format, Label, Lang, Out, write_rows};
use crate::render::records::{change_cells, change_labels, customer_labels, customer_row, shown};
use crate::values::dates::{iso, parse_iso};
use crate::values::money::{format_quantity, format_yuan};
use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::io::Write;

/// The flags of `dangan show`.
#[derive(clap::Args)]
pub struct Args {
    /// Archive number, mobile, credit code, ID number or exact name
    #[arg(value_name = "KEY")]
    pub key: String,
    #[command(flatten)]
    pub period: crate::flags::PeriodFlags,
    /// How many transactions, follow-ups and revisions to list
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub last: usize,
    /// Show confidential values in full (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
    /// --owner/--where narrow the customers a KEY names (a name two customers share)
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// One customer's whole file.
pub struct File {
    pub as_of: NaiveDate,
    pub period: crate::analytics::period::Period,
    /// column → value as read (not yet masked)
    pub fields: Vec<(String, String)>,
    pub grade: Graded,
    pub credit: CreditRow,
    pub credit_limit: Option<i64>,
    pub transactions: Vec<crate::analytics::standing::Tx>,
    /// date, channel, owner, note, next_date; newest first
    pub followups: Vec<[String; 5]>,
    pub next_followup: Option<NaiveDate>,
    /// id, date, severity, category, owner, responded, resolved,
    /// satisfaction, state (`open`, `late`, `open;late` or `resolved`); newest first
    pub complaints: Vec<[String; 9]>,
    pub changes: Vec<Change>,
}

/// What a KEY gave: one customer's file, or the customers it names.
pub enum Shown {
    One(Box<File>),
    Several(Table, Vec<usize>),
}

/// Build the file of the customer `key` names.
pub fn run(
    archive: &Archive,
    key: &str,
    period: &crate::flags::PeriodFlags,
    last: usize,
    filter: &crate::flags::FilterFlags,
) -> Result<Shown> {
    let (customers, rows) = if filter.is_empty() {
        crate::lookup::resolve_in(archive, key)?
    } else {
        // every column a condition may name: the whole file
        let customers = archive.read_canonical(TableKind::Customers)?;
        let f = filter.filter(&customers.columns)?;
        let (rows, _) = crate::lookup::resolve(&customers, key);
        let grades = crate::analytics::grading::grades_for(
            archive,
            &f,
            period.as_of.unwrap_or_else(crate::values::dates::today),
        )?;
        let rows = rows
            .into_iter()
            .filter(|&r| f.keeps_graded(&customers, r, &|id| grades.get(id).copied()))
            .collect();
        (customers, rows)
    };
    match rows.len() {
        0 => {
            let shown = crate::values::text::mask_lookalike(key);
            // a masked value is no search text: the hint then names none
            let hint = if shown == key.trim() {
                format!("`dangan find {shown}`")
            } else {
                crate::render::messages::phrase("`dangan find` with a part of it")
            };
            return Err(anyhow!(crate::tr!(
                "no_such_customer",
                key = format!("{shown:?}"),
                hint = hint
            )));
        }
        1 => {}
        _ => return Ok(Shown::Several(customers, rows)),
    }
    let row = &customers.rows[rows[0]];
    let fields: Vec<(String, String)> = customers
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), row.get(i).to_string()))
        .collect();
    let field = |n: &str| customers.col(n).map(|i| row.get(i)).unwrap_or_default();
    let id = field("id").to_string();

    let rules = rules(archive, &Overrides::default())?;
    let pargs = period
        .args()
        .or_setting(archive.settings.classify.period.as_deref())?;
    let (as_of, period) = pargs.resolve(crate::values::dates::today())?;
    let (grade, credit) =
        crate::analytics::standing::of_customer(archive, &rules, as_of, &period, &id, &|c| {
            field(c).to_string()
        })?;
    let credit_limit = crate::values::money::cell_fen(field("credit_limit"))
        .ok()
        .flatten();
    let transactions = crate::analytics::standing::transactions_of(archive, &id, last)?;

    let mut followups = crate::analytics::by_customer::followups_of(archive, &id)?;
    followups.sort_by(|a, b| b[0].cmp(&a[0]));
    // the next follow-up: the date the last one set, else the day the last
    // contact (follow-up, else sale, else the record's creation) becomes
    // older than the tier's interval, as `dangan due` counts
    let interval = archive
        .settings
        .due
        .interval_days(grade.tier, &archive.settings.report.followup_days);
    let next_followup = followups
        .first()
        .and_then(|f| parse_iso(&f[4]))
        .or_else(|| {
            let last_contact = followups
                .first()
                .and_then(|f| parse_iso(&f[0]))
                .or_else(|| grade.last_date.as_deref().and_then(parse_iso))
                .or_else(|| parse_iso(field("created")))?;
            crate::analytics::schedule::interval_due(last_contact, interval)
        });
    followups.truncate(last);
    let complaints = customer_complaints(archive, &id, as_of, last)?;

    let transactions_table = TableKind::Transactions.name();
    let mut changes: Vec<Change> = read_log_of(&archive.dir, &id, |r| r[2] != *transactions_table)?;
    let skip = changes.len().saturating_sub(last);
    changes.drain(..skip);
    changes.reverse();
    Ok(Shown::One(Box::new(File {
        as_of,
        period,
        fields,
        grade,
        credit,
        credit_limit,
        transactions,
        followups,
        next_followup,
        complaints,
        changes,
    })))
}

/// The customer's complaints, newest first, with their state at the as-of
/// date (`analytics::complaints`).
fn customer_complaints(
    archive: &Archive,
    id: &str,
    as_of: NaiveDate,
    last: usize,
) -> Result<Vec<[String; 9]>> {
    if archive.table_file(TableKind::Complaints)?.is_none() {
        return Ok(Vec::new());
    }
    let s = &archive.settings.complaints;
    let mut all = crate::analytics::by_customer::complaints_of(archive, id)?;
    all.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.id.cmp(&a.id)));
    all.truncate(last);
    let text = |m: Option<crate::values::dates::Moment>| m.map(|m| m.text()).unwrap_or_default();
    Ok(all
        .into_iter()
        .map(|c| {
            let mut state: Vec<&str> = Vec::new();
            if c.is_open(as_of) {
                state.push("open");
            } else {
                state.push("resolved");
            }
            if c.late_by(s, as_of).is_some() {
                state.push("late");
            }
            [
                c.id.clone(),
                c.date.text(),
                c.severity.map(|k| k.name()).unwrap_or_default().to_string(),
                c.category.clone(),
                c.owner.clone(),
                text(c.responded),
                text(c.resolved),
                c.satisfaction.map(|x| x.to_string()).unwrap_or_default(),
                state.join(";"),
            ]
        })
        .collect())
}

fn label_of(column: &str) -> Label {
    let zh = TableKind::Customers.column(column).map_or(column, |c| c.zh);
    Label::new(column, zh, column)
}

/// The grade, sales and credit lines, in order (key, 中文, English, value).
fn summary(f: &File) -> Vec<(Label, Cell)> {
    let g = &f.grade;
    let rfm = format!("{}{}{}", g.r, g.f, g.m);
    let mut v = vec![
        (
            Label::new("tier", "等级", "tier"),
            Cell::Text(g.tier.name().into()),
        ),
        (
            Label::new("segment", "类别", "segment"),
            Cell::Text(g.segment.name().into()),
        ),
        (
            Label::new("reasons", "原因", "reasons"),
            Cell::Text(crate::analytics::tiers::Reason::join(&g.reasons)),
        ),
        (Label::new("rfm", "RFM", "RFM"), Cell::Text(rfm)),
        (
            Label::new("period", "统计期间", "period"),
            Cell::Text(f.period.label()),
        ),
        (
            Label::new("net_sales", "本期净销售额", "net sales"),
            Cell::Fen(g.net_sales),
        ),
        (
            Label::new("prev_net_sales", "上期净销售额", "previous period"),
            Cell::Fen(g.prev_net_sales),
        ),
        (
            Label::new("orders", "订单数", "orders"),
            Cell::Int(g.orders),
        ),
        (
            Label::new("last_date", "最近交易", "last sale"),
            Cell::Text(g.last_date.clone().unwrap_or_default()),
        ),
        (
            Label::new("credit_limit", "信用额度", "credit limit"),
            f.credit_limit.map_or(Cell::Null, Cell::Fen),
        ),
        (
            Label::new("outstanding", "应收余额", "outstanding"),
            Cell::Fen(f.credit.outstanding),
        ),
        (
            Label::new("overdue", "逾期", "overdue"),
            Cell::Fen(f.credit.overdue),
        ),
    ];
    let zh = [
        "未到期",
        "逾期1-30天",
        "逾期31-90天",
        "逾期91-180天",
        "逾期180天以上",
    ];
    let en = [
        "not due",
        "1-30 days overdue",
        "31-90 days",
        "91-180 days",
        "over 180 days",
    ];
    for (i, b) in BUCKETS.iter().enumerate() {
        v.push((Label::new(b, zh[i], en[i]), Cell::Fen(f.credit.buckets[i])));
    }
    v.push((
        Label::new("next_followup", "下次回访", "next follow-up"),
        Cell::Text(f.next_followup.map(iso).unwrap_or_default()),
    ));
    v
}

/// The JSON of a file.
pub fn to_json(f: &File, no_mask: bool) -> Value {
    let g = &f.grade;
    let customer: serde_json::Map<String, Value> = f
        .fields
        .iter()
        .map(|(c, v)| (c.clone(), Value::String(shown(c, v, no_mask))))
        .collect();
    let mut buckets = serde_json::Map::new();
    for (i, b) in BUCKETS.iter().enumerate() {
        buckets.insert(
            b.to_string(),
            Value::String(format_yuan(f.credit.buckets[i])),
        );
    }
    let change_json = |c: &Change| {
        json!({
            "time": c.time, "command": c.command, "table": c.table, "id": c.id,
            "field": c.field, "old": shown(&c.field, &c.old, no_mask),
            "new": shown(&c.field, &c.new, no_mask), "source": c.source,
        })
    };
    json!({
        "customer": customer,
        "grade": {
            "as_of": iso(f.as_of),
            "tier": g.tier.name(),
            "segment": g.segment.name(),
            "reasons": g.reasons.iter().map(|r| r.name()).collect::<Vec<_>>(),
            "r": g.r, "f": g.f, "m": g.m,
            "rfm": format!("{}{}{}", g.r, g.f, g.m),
        },
        "sales": {
            "from": iso(f.period.from),
            "to": iso(f.period.to),
            "net_sales": format_yuan(g.net_sales),
            "prev_net_sales": format_yuan(g.prev_net_sales),
            "orders": g.orders,
            "last_date": g.last_date,
        },
        "credit": {
            "credit_limit": f.credit_limit.map(format_yuan),
            "outstanding": format_yuan(f.credit.outstanding),
            "overdue": format_yuan(f.credit.overdue),
            "ageing": buckets,
        },
        "transactions": f.transactions.iter().map(|t| json!({
            "id": t.id, "date": t.date, "kind": t.kind, "product": t.product,
            "quantity": t.quantity.map(format_quantity),
            "amount": format_yuan(t.amount),
            "paid": t.paid.map(format_yuan),
        })).collect::<Vec<_>>(),
        "followups": {
            "next_due": f.next_followup.map(iso),
            "last": f.followups.iter().map(|r| json!({
                "date": r[0], "channel": r[1], "owner": r[2], "note": r[3], "next_date": r[4],
            })).collect::<Vec<_>>(),
        },
        "complaints": f.complaints.iter().map(|r| json!({
            "id": r[0], "date": r[1], "severity": r[2], "category": r[3], "owner": r[4],
            "responded": r[5], "resolved": r[6], "satisfaction": r[7], "state": r[8],
        })).collect::<Vec<_>>(),
        "changes": f.changes.iter().map(change_json).collect::<Vec<_>>(),
    })
}

/// Print a file for people (table, markdown) or as JSON/YAML.
pub fn print(w: &mut dyn Write, out: Out, f: &File, no_mask: bool) -> Result<()> {
    let lang = out.lang;
    match out.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &to_json(f, no_mask))?;
            writeln!(w)?;
            return Ok(());
        }
        Format::Yaml => {
            serde_yaml::to_writer(&mut *w, &to_json(f, no_mask))?;
            return Ok(());
        }
        _ => {}
    }
    // csv: the customer's record alone, one row (a file is several tables)
    if out.format == Format::Csv {
        let labels: Vec<Label> = f.fields.iter().map(|(c, _)| label_of(c)).collect();
        let row: Vec<Cell> = f
            .fields
            .iter()
            .map(|(c, v)| Cell::Text(shown(c, v, no_mask)))
            .collect();
        return write_rows(w, out, &labels, &[row]);
    }
    let heading = |w: &mut dyn Write, zh: &str, en: &str| -> Result<()> {
        // a workbook: the next table is a sheet of this name
        crate::render::xlsx::name_next(zh, en, lang);
        if out.format == Format::Markdown {
            writeln!(w, "\n## {}\n", lang.pick(zh, en))?;
        } else {
            writeln!(w, "\n{}", lang.pick(zh, en))?;
        }
        Ok(())
    };
    let two = [
        Label::new("field", "项目", "field"),
        Label::new("value", "内容", "value"),
    ];
    let name = f
        .fields
        .iter()
        .find(|(c, _)| c == "name")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let id = f
        .fields
        .iter()
        .find(|(c, _)| c == "id")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if out.format == Format::Markdown {
        writeln!(
            w,
            "# {} {id} {name}",
            lang.pick("客户档案", "Customer file")
        )?;
    } else {
        writeln!(w, "{} {id} {name}", lang.pick("客户档案", "Customer file"))?;
    }
    heading(w, "基本资料", "Record")?;
    let rows: Vec<Vec<Cell>> = f
        .fields
        .iter()
        .map(|(c, v)| {
            let money = crate::archive::schema::TableKind::Customers
                .column(c)
                .is_some_and(|col| col.kind == crate::archive::schema::ValueKind::Money);
            let v = shown(c, v, no_mask);
            vec![
                Cell::Text(label_of(c).text(lang).to_string()),
                Cell::Text(if money {
                    crate::values::money::group_thousands(&v)
                } else {
                    v
                }),
            ]
        })
        .collect();
    write_rows(w, out, &two, &rows)?;
    heading(
        w,
        &format!("分级与销售(截至 {})", iso(f.as_of)),
        &format!("Grade and sales (as of {})", iso(f.as_of)),
    )?;
    let rows: Vec<Vec<Cell>> = summary(f)
        .into_iter()
        .map(|(l, c)| vec![Cell::Text(l.text(lang).to_string()), c])
        .collect();
    write_rows(w, out, &two, &rows)?;
    heading(w, "最近交易", "Last transactions")?;
    let tl = [
        Label::new("id", "单号", "id"),
        Label::new("date", "日期", "date"),
        Label::new("kind", "类型", "kind"),
        Label::new("product", "商品", "product"),
        Label::new("quantity", "数量", "quantity"),
        Label::new("amount", "金额", "amount"),
        Label::new("paid", "已付", "paid"),
    ];
    let rows: Vec<Vec<Cell>> = f
        .transactions
        .iter()
        .map(|t| {
            vec![
                Cell::Text(t.id.clone()),
                Cell::Text(t.date.clone()),
                Cell::Text(t.kind.clone()),
                Cell::Text(t.product.clone()),
                t.quantity.map_or(Cell::Null, Cell::Qty),
                Cell::Fen(t.amount),
                t.paid.map_or(Cell::Null, Cell::Fen),
            ]
        })
        .collect();
    write_rows(w, out, &tl, &rows)?;
    heading(w, "回访记录", "Follow-ups")?;
    let fl = [
        Label::new("date", "日期", "date"),
        Label::new("channel", "方式", "channel"),
        Label::new("owner", "负责人", "owner"),
        Label::new("note", "内容", "note"),
        Label::new("next_date", "下次回访", "next"),
    ];
    let rows: Vec<Vec<Cell>> = f
        .followups
        .iter()
        .map(|r| r.iter().map(|v| Cell::Text(v.clone())).collect())
        .collect();
    write_rows(w, out, &fl, &rows)?;
    heading(w, "投诉记录", "Complaints")?;
    let kl = [
        Label::new("id", "投诉编号", "id"),
        Label::new("date", "投诉时间", "date"),
        Label::new("severity", "等级", "severity"),
        Label::new("category", "类别", "category"),
        Label::new("owner", "处理人", "owner"),
        Label::new("responded", "响应时间", "responded"),
        Label::new("resolved", "结案日期", "resolved"),
        Label::new("satisfaction", "满意度", "satisfaction"),
        Label::new("state", "状态", "state"),
    ];
    let rows: Vec<Vec<Cell>> = f
        .complaints
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if lang == Lang::Zh {
                if let Some(k) = crate::archive::schema::ComplaintSeverity::parse(&r[2]) {
                    r[2] = k.zh().to_string();
                }
                r[8] = r[8]
                    .replace("resolved", "已结案")
                    .replace("open", "未结案")
                    .replace("late", "响应超时")
                    .replace(';', "、");
            }
            r.into_iter().map(Cell::Text).collect()
        })
        .collect();
    write_rows(w, out, &kl, &rows)?;
    heading(w, "修订记录", "Revisions")?;
    let rows: Vec<Vec<Cell>> = f.changes.iter().map(|c| change_cells(c, no_mask)).collect();
    write_rows(w, out, &change_labels(), &rows)?;
    Ok(())
}

/// `dangan show` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let t = std::time::Instant::now();
    let shown = run(&archive, &a.key, &a.period, a.last, &a.filter)?;
    crate::timing("show: the file", t);
    let mut w = crate::render::output::stdout();
    // a file is for reading: a table even into a pipe (`| less`), unless
    // --format says otherwise
    let out = Out {
        format: cx.format.unwrap_or(Format::Table),
        lang: cx.out.lang,
    };
    match shown {
        Shown::One(f) => {
            print(&mut w, out, &f, a.no_mask)?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Shown::Several(table, rows) => {
            let cells: Vec<Vec<Cell>> = rows
                .iter()
                .map(|&row| {
                    let r = &table.rows[row];
                    let out: Vec<&str> = crate::lookup::find::OUT_COLUMNS
                        .iter()
                        .map(|c| table.col(c).map(|i| r.get(i)).unwrap_or_default())
                        .collect();
                    let hit = crate::lookup::find::Hit {
                        row,
                        matched: "key",
                        score: 100,
                    };
                    customer_row(&out, &hit, a.no_mask)
                })
                .collect();
            write_rows(&mut w, cx.out, &customer_labels(), &cells)?;
            Err(crate::Findings(format!(
                "{} customers match {:?}: show one of them by its archive number",
                rows.len(),
                crate::values::text::mask_lookalike(&a.key)
            ))
            .into())
        }
    }
}
