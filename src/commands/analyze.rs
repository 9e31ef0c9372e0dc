//! `dangan analyze`: composition tables (客户构成分析) and receivables ageing.
//!
//! ```text
//! dangan analyze VIEW [--from DATE --to DATE | --period 12m|2024|2024-10|2024Q3] [--as-of DATE]
//!                     [--by COL[,COL]] [--top N] [--owner NAME] [--where COND]...
//! ```
//!
//! | view | groups by (default `--by`) | table |
//! |---|---|---|
//! | `sales` | `tier` (A/B/C as `classify` grades them for the same period) | 销售构成 |
//! | `region` | `region` (`--by region,city` drills down) | 地区构成 |
//! | `product` | `category` (`--by category,product`) | 商品构成 |
//! | `kind` | `kind` (the customer's kind) | 客户性质 |
//! | `owner` | `owner` | 负责人 |
//! | `month` | `month` (in time order; compared with the same month one period earlier) | 月度趋势 |
//! | `credit` | `owner` (also `customer_id`, `tier`, `region`, `city`, `kind`) | 应收账款账龄 |
//! | `team` | one row per owner | 销售队伍效率 |
//! | `complaints` | `severity` (also `category`, `owner`, `tier`, `segment`, `region`, `customer_id`, `month`) | 投诉分析 |
//! | `satisfaction` | `owner` (also `tier`, `segment`, `region`, `customer_id`, `month`) | 满意度 |
//!
//! Composition rows: the group column(s), `customers, orders, quantity,
//! amount, share, cumulative_share, prev_amount, change`, sorted by amount
//! descending (see `crate::analytics::composition` for the definitions). Credit rows:
//! `customers, outstanding, not_due, days_1_30, days_31_90, days_91_180,
//! days_over_180, overdue, credits, credit_limit, over_limit, share` (see
//! `crate::analytics::receivables`). Complaints and satisfaction rows: see
//! `crate::analytics::complaint_views`. `--top N` keeps N rows and folds the rest into one
//! `(other)` row; people-facing formats end with a `(total)` row.

use crate::analytics::composition::{self, Composition, Key};
use crate::analytics::grading;
use crate::analytics::period::{Period, PeriodArgs};
use crate::analytics::receivables::{self, Ageing};
use crate::archive::Archive;
use crate::render::output::{Cell, Format, Label, Lang, Out, write_rows};
use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum View {
    /// 销售构成: by tier A/B/C
    Sales,
    /// 地区构成: by region (--by region,city)
    Region,
    /// 商品构成: by category (--by category,product)
    Product,
    /// by customer kind
    Kind,
    /// by the customer's owner
    Owner,
    /// trend by month
    Month,
    /// receivables: outstanding and overdue in ageing buckets, credit limits
    Credit,
    /// 销售队伍效率: per owner, customers, follow-ups, to-dos, stale records, sales, receivables
    Team,
    /// 投诉分析: counts, open, late, response and resolution times, per 100 customers (--by severity)
    Complaints,
    /// 满意度: scores of complaints and follow-ups (--by owner|tier|month)
    Satisfaction,
}

impl View {
    fn default_keys(self) -> Vec<Key> {
        match self {
            View::Sales => vec![Key::Tier],
            View::Region => vec![Key::Region],
            View::Product => vec![Key::Category],
            View::Kind => vec![Key::Kind],
            View::Owner | View::Credit | View::Team | View::Satisfaction => vec![Key::Owner],
            View::Month => vec![Key::Month],
            View::Complaints => vec![Key::Column("severity".into())],
        }
    }

    fn title(self, lang: Lang) -> &'static str {
        match self {
            View::Sales => lang.pick("销售构成（按客户等级）", "Sales by tier"),
            View::Region => lang.pick("地区构成", "Sales by region"),
            View::Product => lang.pick("商品构成", "Sales by product"),
            View::Kind => lang.pick("客户性质构成", "Sales by customer kind"),
            View::Owner => lang.pick("负责人业绩", "Sales by owner"),
            View::Month => lang.pick("月度趋势", "Sales by month"),
            View::Credit => lang.pick("应收账款账龄", "Receivables ageing"),
            View::Team => lang.pick("销售队伍效率", "Sales force"),
            View::Complaints => lang.pick("投诉分析", "Complaints"),
            View::Satisfaction => lang.pick("满意度", "Satisfaction"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub view: View,
    pub period: PeriodArgs,
    pub by: Option<Vec<Key>>,
    pub top: Option<usize>,
    pub filter: crate::flags::FilterFlags,
    pub today: Option<NaiveDate>,
}

pub enum Table {
    Composition(Composition),
    Credit(Ageing),
    Team(crate::analytics::team::Team),
    Complaints(crate::analytics::complaint_views::ComplaintTable),
    Satisfaction(crate::analytics::complaint_views::SatisfactionTable),
}

pub struct Analysis {
    pub view: View,
    pub as_of: NaiveDate,
    pub period: Period,
    pub table: Table,
}

pub fn run(archive_dir: &std::path::Path, opts: &AnalyzeOptions) -> Result<Analysis> {
    let archive = Archive::open(archive_dir)?;
    let pargs = opts
        .period
        .or_setting(archive.settings.classify.period.as_deref())?;
    let (as_of, period) = pargs.resolve(opts.today.unwrap_or_else(crate::values::dates::today))?;
    if opts.view == View::Team {
        return team(&archive, opts, as_of, period);
    }
    let keys = opts.by.clone().unwrap_or_else(|| opts.view.default_keys());
    if keys.is_empty() {
        return Err(anyhow!(crate::tr!("by_needs_a_column")));
    }
    if matches!(opts.view, View::Complaints | View::Satisfaction) {
        return complaints(&archive, opts, &keys, as_of, period);
    }
    // the customers of `--owner`/`--where`, read once the flags are checked
    let customers = if opts.filter.is_empty() {
        None
    } else {
        let c = crate::analytics::ledger::customers(&archive, &opts.filter, &[])?;
        let f = opts.filter.filter(&c.columns)?;
        Some((c, f))
    };
    // the tier of every customer, graded as `classify` does for this period
    let needs_grades = keys.contains(&Key::Tier)
        || keys.contains(&Key::Segment)
        || customers.as_ref().is_some_and(|(_, f)| f.needs_grades());
    let graded = if needs_grades {
        let rules = grading::rules(&archive, &grading::Overrides::default())?;
        grading::grade_archive(&archive, &rules, as_of, &period)?
    } else {
        Vec::new()
    };
    let only = customers.map(|(c, f)| {
        let grades = grading::grade_of(&graded);
        f.kept_ids(&c, &|id| grades.get(id).copied())
    });
    let tiers =
        (keys.contains(&Key::Tier) || keys.contains(&Key::Segment)).then_some(graded.as_slice());
    let table = if opts.view == View::Credit {
        Table::Credit(receivables::ageing(
            &archive,
            &keys,
            as_of,
            opts.top,
            tiers,
            only.as_ref(),
        )?)
    } else {
        Table::Composition(composition::compose(
            &archive,
            &keys,
            &period,
            opts.top,
            tiers,
            only.as_ref(),
        )?)
    };
    Ok(Analysis {
        view: opts.view,
        as_of,
        period,
        table,
    })
}

/// `analyze team`: graded for the period, the to-do list at the as-of date.
fn team(
    archive: &Archive,
    opts: &AnalyzeOptions,
    as_of: NaiveDate,
    period: Period,
) -> Result<Analysis> {
    if opts.by.is_some() || opts.top.is_some() {
        return Err(anyhow!(crate::tr!("team_no_by")));
    }
    let customers = crate::analytics::due::customers_for(archive, &opts.filter)?;
    let filter = opts.filter.filter(&customers.columns)?;
    let rules = grading::rules(archive, &grading::Overrides::default())?;
    let graded = crate::analytics::standing::graded_all(archive, &rules, as_of, &period)?;
    let grades = grading::grade_of(&graded);
    let keep = |r: usize| filter.keeps_graded(&customers, r, &|id| grades.get(id).copied());
    let due = crate::analytics::due::list(
        &crate::analytics::due::Inputs {
            archive,
            customers: &customers,
            keep: &keep,
            graded: &graded,
            as_of,
            days: 0,
            grace_days: rules.grace_days,
        },
        &archive.settings.due,
        &archive.settings.report.followup_days,
    )?;
    let t = crate::analytics::team::team(&crate::analytics::team::Inputs {
        archive,
        customers: &customers,
        keep: &keep,
        graded: &graded,
        due: &due,
        period: &period,
        as_of,
    })?;
    Ok(Analysis {
        view: View::Team,
        as_of,
        period,
        table: Table::Team(t),
    })
}

/// `analyze complaints|satisfaction`: every customer graded for the period
/// (tier, owner, net sales), the complaints and scores dated in it.
fn complaints(
    archive: &Archive,
    opts: &AnalyzeOptions,
    keys: &[Key],
    as_of: NaiveDate,
    period: Period,
) -> Result<Analysis> {
    use crate::analytics::complaint_views as views;
    if opts.top.is_some() {
        return Err(anyhow!(crate::tr!("complaints_no_top")));
    }
    let group = views::Group::of(keys, opts.view == View::Satisfaction)?;
    let rules = grading::rules(archive, &grading::Overrides::default())?;
    let graded = grading::grade_archive(archive, &rules, as_of, &period)?;
    let only = if opts.filter.is_empty() {
        None
    } else {
        let c = crate::analytics::ledger::customers(archive, &opts.filter, &[])?;
        let f = opts.filter.filter(&c.columns)?;
        let grades = grading::grade_of(&graded);
        Some(f.kept_ids(&c, &|id| grades.get(id).copied()))
    };
    let inp = views::Inputs {
        graded: &graded,
        only: only.as_ref(),
        period: &period,
        as_of,
        settings: &archive.settings.complaints,
    };
    let all = views::load(archive)?;
    let table = if opts.view == View::Complaints {
        Table::Complaints(views::complaints(&inp, &all, group))
    } else {
        let scores = views::followup_scores(archive)?;
        Table::Satisfaction(views::satisfaction(&inp, &all, &scores, group))
    };
    Ok(Analysis {
        view: opts.view,
        as_of,
        period,
        table,
    })
}

fn key_labels(keys: &[Key]) -> Vec<Label> {
    keys.iter()
        .map(|k| Label::new(k.name(), k.zh(), &k.name().replace('_', " ")))
        .collect()
}

/// A group value of the column `column`: masked when the column is
/// confidential (`--by mobile`, an extra column named under `confidential:`,
/// in every format: analyze has no --no-mask); for people a blank group is
/// named and the fold rows translated.
fn group_cell(column: &str, v: &str, human: bool, lang: Lang) -> Cell {
    let folded = [composition::OTHER, composition::TOTAL, ""].contains(&v);
    if crate::values::text::is_confidential(column) && !folded {
        return Cell::Text(crate::values::text::mask(column, v));
    }
    key_cell(v, human, lang)
}

/// A group value for people: a blank group is named, the fold rows translated.
fn key_cell(v: &str, human: bool, lang: Lang) -> Cell {
    if !human {
        return Cell::Text(v.to_string());
    }
    Cell::Text(
        match v {
            "" => lang.pick("(未填写)", "(blank)"),
            composition::OTHER => lang.pick("(其他)", "(other)"),
            composition::TOTAL => lang.pick("(合计)", "(total)"),
            other => other,
        }
        .to_string(),
    )
}

pub fn print(w: &mut dyn Write, out: Out, a: &Analysis) -> Result<()> {
    let human = !out.format.is_machine();
    if human {
        let head = if a.view == View::Credit {
            format!(
                "{} — {} {}",
                a.view.title(out.lang),
                out.lang.pick("截至", "as of"),
                a.as_of
            )
        } else {
            format!(
                "{} — {} {}，{} {}",
                a.view.title(out.lang),
                out.lang.pick("期间", "period"),
                a.period.label(),
                out.lang.pick("上期", "previous"),
                a.period.prev_label()
            )
        };
        let head = if out.lang == Lang::En {
            head.replace('，', ", ")
        } else {
            head
        };
        match out.format {
            Format::Markdown => writeln!(w, "### {head}\n")?,
            _ => writeln!(w, "{head}")?,
        }
    }
    match &a.table {
        Table::Composition(c) => {
            let mut labels = key_labels(&c.keys);
            labels.extend(composition::figure_labels());
            let row = |r: &composition::Row| {
                let mut v: Vec<Cell> = r
                    .keys
                    .iter()
                    .zip(&c.keys)
                    .map(|(v, k)| group_cell(k.name(), v, human, out.lang))
                    .collect();
                v.extend(r.figure_cells());
                v
            };
            let mut rows: Vec<Vec<Cell>> = c.rows.iter().map(row).collect();
            if human && !c.rows.is_empty() {
                rows.push(row(&c.total));
            }
            write_rows(w, out, &labels, &rows)?;
            if human && c.keys.contains(&Key::Tag) && !c.rows.is_empty() {
                writeln!(
                    w,
                    "{}",
                    out.lang.pick(
                        "有多个标签的客户在每个标签中各计一次；合计中每位客户、每笔交易只计一次。",
                        "A customer with several tags counts in each tag's row; the total counts each customer and each order once."
                    )
                )?;
            }
            if human && c.rows.is_empty() {
                writeln!(
                    w,
                    "{}",
                    out.lang
                        .pick("本期没有交易。", "No transactions in the period.")
                )?;
            }
        }
        Table::Team(t) => {
            let mut rows: Vec<Vec<Cell>> = t
                .rows
                .iter()
                .map(|r| {
                    let mut c = r.cells();
                    c[0] = key_cell(&r.owner, human, out.lang);
                    c
                })
                .collect();
            if human && !t.rows.is_empty() {
                let mut c = t.total.cells();
                c[0] = key_cell(composition::TOTAL, human, out.lang);
                rows.push(c);
            }
            write_rows(w, out, &crate::analytics::team::labels(), &rows)?;
        }
        Table::Complaints(t) => {
            use crate::analytics::complaint_views::ComplaintRow;
            let row = |r: &ComplaintRow| {
                let severity = crate::archive::schema::ComplaintSeverity::parse(&r.group)
                    .filter(|_| human && out.lang == Lang::Zh);
                let mut v = vec![match severity {
                    Some(s) => Cell::Text(s.zh().to_string()),
                    None => group_cell(t.group.name(), &r.group, human, out.lang),
                }];
                v.extend(r.cells());
                v
            };
            let mut rows: Vec<Vec<Cell>> = t.rows.iter().map(row).collect();
            if human && !t.rows.is_empty() {
                rows.push(row(&t.total));
            }
            write_rows(w, out, &ComplaintRow::labels(t.group), &rows)?;
            if human && t.rows.is_empty() {
                writeln!(
                    w,
                    "{}",
                    out.lang
                        .pick("本期没有投诉。", "No complaints in the period.")
                )?;
            }
        }
        Table::Satisfaction(t) => {
            use crate::analytics::complaint_views::SatisfactionRow;
            let row = |r: &SatisfactionRow| {
                let mut v = vec![group_cell(t.group.name(), &r.group, human, out.lang)];
                v.extend(r.cells());
                v
            };
            let mut rows: Vec<Vec<Cell>> = t.rows.iter().map(row).collect();
            if human && !t.rows.is_empty() {
                rows.push(row(&t.total));
            }
            write_rows(w, out, &SatisfactionRow::labels(t.group), &rows)?;
            if human && t.rows.is_empty() {
                writeln!(
                    w,
                    "{}",
                    out.lang.pick(
                        "本期没有满意度评价。",
                        "No satisfaction scores in the period."
                    )
                )?;
            }
        }
        Table::Credit(g) => {
            let mut labels = key_labels(&g.keys);
            labels.push(Label::new("customers", "客户数", "customers"));
            labels.push(Label::new("outstanding", "应收余额", "outstanding"));
            for (b, zh, en) in receivables::BUCKETS
                .iter()
                .zip([
                    "未到期",
                    "逾期1-30天",
                    "逾期31-90天",
                    "逾期91-180天",
                    "逾期180天以上",
                ])
                .zip([
                    "not due",
                    "1-30 days",
                    "31-90 days",
                    "91-180 days",
                    "over 180 days",
                ])
                .map(|((b, zh), en)| (b, zh, en))
            {
                labels.push(Label::new(b, zh, en));
            }
            labels.extend(
                [
                    ("overdue", "逾期合计", "overdue"),
                    ("credits", "待退/多收", "credits"),
                    ("credit_limit", "信用额度", "credit limit"),
                    ("over_limit", "超额度客户", "over limit"),
                    ("share", "占比%", "share %"),
                ]
                .iter()
                .map(|(k, zh, en)| Label::new(k, zh, en)),
            );
            let row = |r: &receivables::CreditRow| {
                let mut v: Vec<Cell> = r
                    .keys
                    .iter()
                    .map(|k| key_cell(k, human, out.lang))
                    .collect();
                v.push(Cell::Int(r.customers));
                v.push(Cell::Fen(r.outstanding));
                v.extend(r.buckets.iter().map(|&b| Cell::Fen(b)));
                v.extend([
                    Cell::Fen(r.overdue),
                    Cell::Fen(r.credits),
                    Cell::Fen(r.credit_limit),
                    Cell::Int(r.over_limit),
                    Cell::opt_pct(r.share),
                ]);
                v
            };
            let mut rows: Vec<Vec<Cell>> = g.rows.iter().map(row).collect();
            if human && !g.rows.is_empty() {
                rows.push(row(&g.total));
            }
            write_rows(w, out, &labels, &rows)?;
        }
    }
    Ok(())
}

/// The flags of `dangan analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// What to break down
    #[arg(value_enum)]
    pub view: View,
    #[command(flatten)]
    pub period: crate::flags::PeriodFlags,
    /// Group by these columns, comma-separated [default: the view's own]
    #[arg(long, value_name = "COL[,COL]", value_delimiter = ',', value_parser = crate::analytics::composition::Key::parse)]
    pub by: Option<Vec<crate::analytics::composition::Key>>,
    /// Keep the N largest rows and fold the rest into one (other) row
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,
    #[command(flatten)]
    pub filter: crate::flags::FilterFlags,
    #[command(flatten)]
    pub output: crate::flags::OutputFlag,
}

/// `dangan analyze` from the command line: the options, the run and its table
pub fn main(a: Args, cx: &crate::flags::Context) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    let (archive, out) = (&cx.archive, cx.out);
    let opts = AnalyzeOptions {
        view: a.view,
        period: a.period.args(),
        by: a.by,
        top: a.top.map(|n| n as usize),
        filter: a.filter,
        today: None,
    };
    let r = run(archive, &opts)?;
    print(&mut crate::render::output::stdout(), out, &r)?;
    Ok(ExitCode::SUCCESS)
}
