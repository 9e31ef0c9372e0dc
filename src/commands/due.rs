//! `dangan due [--as-of DATE] [--days N] [--owner NAME] [--where COND]... [--reason R,...] [--no-mask]`
//!
//! The follow-up to-do list (回访): one row per customer and reason, with
//! columns `owner, id, name, tier, segment, reason, due_date, days_late,
//! last_contact, last_channel, mobile`, sorted by owner, then due date. The
//! reasons (`appointment`, `new_record`, `interval`, `birthday`,
//! `anniversary`, `payment`) and their settings are `analytics::schedule`'s;
//! the list is `analytics::due`'s, the same engine as the report's section.
//! Tiers and segments are graded as `classify` grades them at the as-of date.
//! Mobiles are masked unless `--no-mask` (then the run is registered in
//! `access.csv`): `--format csv --no-mask` makes a mail-merge or SMS list.
//! Exit 0, also when nothing is due.

use crate::analytics::due::{self, Due, Inputs};
use crate::analytics::grading;
use crate::analytics::schedule::Reason;
use crate::archive::Archive;
use crate::render::output::{Cell, Label, Lang, write_rows};
use crate::render::records::shown;
use crate::values::dates::iso;
use anyhow::Result;
use chrono::NaiveDate;

/// The flags of `dangan due`.
#[derive(clap::Args)]
pub struct Args {
    /// The day of the list [default: today]
    #[arg(long, value_parser = crate::flags::parse_date, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Also what falls due in the next N days (days_late is then negative) [default: due.days, 0]
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    /// Only these reasons: appointment, new_record, interval, birthday, anniversary, payment
    #[arg(long, value_name = "R[,R]", value_delimiter = ',', value_parser = parse_reason)]
    pub reason: Vec<Reason>,
    /// Show mobiles in full (the run is registered in access.csv)
    #[arg(long)]
    pub no_mask: bool,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

fn parse_reason(s: &str) -> Result<Reason, String> {
    Reason::ALL
        .into_iter()
        .find(|r| r.name() == s.trim())
        .ok_or_else(|| {
            format!(
                "unknown reason {s:?} (one of {})",
                Reason::ALL.map(Reason::name).join(", ")
            )
        })
}

/// The to-do list of an archive: graded at `as_of`, filtered, with the
/// archive's `due:` settings (`reasons`, when given, replace theirs).
pub fn run(
    archive: &Archive,
    as_of: NaiveDate,
    days: Option<i64>,
    filter: &crate::flags::FilterFlags,
    reasons: &[Reason],
) -> Result<Vec<Due>> {
    let t = std::time::Instant::now();
    let customers = due::customers_for(archive, filter)?;
    crate::timing("due: customers", t);
    let filter = filter.filter(&customers.columns)?;
    let (rules, graded) = crate::analytics::standing::graded_at(archive, as_of)?;
    let grades = grading::grade_of(&graded);
    let grade = |id: &str| grades.get(id).copied();
    let keep = |r: usize| filter.keeps_graded(&customers, r, &grade);
    let mut settings = archive.settings.due.clone();
    if !reasons.is_empty() {
        settings.reasons = reasons.to_vec();
    }
    due::list(
        &Inputs {
            archive,
            customers: &customers,
            keep: &keep,
            graded: &graded,
            as_of,
            days: days.unwrap_or(settings.days),
            grace_days: rules.grace_days,
        },
        &settings,
        &archive.settings.report.followup_days,
    )
}

/// The columns of the list.
pub fn labels() -> Vec<Label> {
    [
        ("owner", "负责人", "owner"),
        ("id", "档案编号", "id"),
        ("name", "客户名称", "name"),
        ("tier", "等级", "tier"),
        ("segment", "类别", "segment"),
        ("reason", "事由", "reason"),
        ("due_date", "应办日期", "due"),
        ("days_late", "逾期天数", "days late"),
        ("last_contact", "最近联系", "last contact"),
        ("last_channel", "联系方式", "channel"),
        ("mobile", "手机", "mobile"),
    ]
    .iter()
    .map(|(k, zh, en)| Label::new(k, zh, en))
    .collect()
}

/// One row of the list; the reason in words for people.
pub fn cells(d: &Due, human: bool, lang: Lang, no_mask: bool) -> Vec<Cell> {
    let reason = if human {
        lang.pick(d.reason.zh(), &d.reason.name().replace('_', " "))
            .to_string()
    } else {
        d.reason.name().to_string()
    };
    let date = |x: Option<NaiveDate>| x.map_or(Cell::Null, |x| Cell::Text(iso(x)));
    vec![
        Cell::Text(d.owner.clone()),
        Cell::Text(d.id.clone()),
        Cell::Text(d.name.clone()),
        Cell::Text(d.tier.to_string()),
        Cell::Text(d.segment.to_string()),
        Cell::Text(reason),
        date(d.due_date),
        d.days_late.map_or(Cell::Null, Cell::Int),
        date(d.last_contact),
        Cell::Text(d.last_channel.clone()),
        Cell::Text(shown("mobile", &d.mobile, no_mask)),
    ]
}

/// The list as CSV, written straight from the rows (a million of them: no
/// cell is built per value); the same text `write_rows` gives.
fn write_csv(w: &mut dyn std::io::Write, list: &[Due], no_mask: bool) -> Result<()> {
    use crate::values::text::neutralise_formula as safe;
    let mut out = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(w);
    out.write_record(labels().iter().map(|l| l.key.as_str()))?;
    let date = |d: Option<NaiveDate>| d.map(iso).unwrap_or_default();
    for d in list {
        out.write_field(safe(&d.owner).as_bytes())?;
        out.write_field(safe(&d.id).as_bytes())?;
        out.write_field(safe(&d.name).as_bytes())?;
        out.write_field(d.tier)?;
        out.write_field(d.segment)?;
        out.write_field(d.reason.name())?;
        out.write_field(date(d.due_date))?;
        out.write_field(d.days_late.map(|n| n.to_string()).unwrap_or_default())?;
        out.write_field(date(d.last_contact))?;
        out.write_field(safe(&d.last_channel).as_bytes())?;
        out.write_field(safe(&shown("mobile", &d.mobile, no_mask)).as_bytes())?;
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()?;
    Ok(())
}

/// `dangan due` from the command line.
pub fn main(a: Args, cx: &crate::flags::Context) -> Result<std::process::ExitCode> {
    let archive = Archive::open(&cx.archive)?;
    crate::flags::register_no_mask(cx, a.no_mask)?;
    let as_of = a.as_of.unwrap_or_else(crate::values::dates::today);
    let list = run(&archive, as_of, a.days.map(i64::from), &a.filter, &a.reason)?;
    let t = std::time::Instant::now();
    let human = !cx.out.format.is_machine();
    if cx.out.format == crate::render::output::Format::Csv {
        write_csv(&mut crate::render::output::stdout(), &list, a.no_mask)?;
    } else {
        let rows: Vec<Vec<Cell>> = list
            .iter()
            .map(|d| cells(d, human, cx.out.lang, a.no_mask))
            .collect();
        write_rows(
            &mut crate::render::output::stdout(),
            cx.out,
            &labels(),
            &rows,
        )?;
    }
    crate::timing("due: output", t);
    if cx.chatty && list.is_empty() {
        eprintln!(
            "{}",
            cx.out.lang.pick("今天没有待办的回访", "nothing is due")
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}
