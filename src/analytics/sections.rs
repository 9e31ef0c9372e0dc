//! The sections of the periodic report (`dangan report`), each a
//! `render::document::Section` built from the graded customers and the
//! archive: overview, tiers and segments, compositions, top and risk
//! customers, follow-ups due, birthdays, archive health. Every number comes
//! from the same code as the other commands (grading, composition, the
//! validation engine).

use crate::analytics::composition::{self, Key};
use crate::analytics::grading::Graded;
use crate::analytics::period::{Period, PeriodArgs, PeriodSpec};
use crate::analytics::schedule::{birth_date, next_yearly};
use crate::analytics::tiers::{Segment, Tier};
use crate::archive::Archive;
use crate::check::engine as validate;
use crate::render::document::{Block, Chart, Section, TableBlock};
use crate::render::output::{Cell, Label};
use crate::values::dates::{iso, parse_iso};
use anyhow::Result;
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;

pub(crate) fn l(key: &str, zh: &str, en: &str) -> Label {
    Label::new(key, zh, en)
}

pub(crate) fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// Counts of the values of one customer column, largest first.
pub(crate) fn count_by(customers: &crate::archive::Table, column: &str) -> Vec<Vec<Cell>> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    if let Some(i) = customers.col(column) {
        for r in &customers.rows {
            *counts.entry(r.get(i).to_string()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, i64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter()
        .map(|(k, n)| vec![text(k), Cell::Int(n)])
        .collect()
}

pub(crate) fn table(
    key: &'static str,
    caption: Option<(&str, &str)>,
    columns: Vec<Label>,
    rows: Vec<Vec<Cell>>,
    chart: Option<Chart>,
) -> Block {
    Block::Table(TableBlock {
        key,
        caption: caption.map(|(z, e)| (z.to_string(), e.to_string())),
        columns,
        rows,
        footer: None,
        chart,
    })
}

pub(crate) fn overview(
    archive: &Archive,
    customers: &crate::archive::Table,
    p: &Period,
    as_of: NaiveDate,
    tiers: &[Graded],
) -> Result<Section> {
    let created = customers.col("created");
    let new_customers = customers
        .rows
        .iter()
        .filter(|r| {
            created
                .and_then(|i| parse_iso(r.get(i)))
                .is_some_and(|d| p.contains(d))
        })
        .count() as i64;
    let sales = composition::compose(archive, &[Key::Tier], p, None, Some(tiers), None)?;
    let t = &sales.total;
    let fields = vec![
        (
            l("customers", "客户总数", "customers"),
            Cell::Int(customers.rows.len() as i64),
        ),
        (
            l("new_customers", "本期新建档", "new in the period"),
            Cell::Int(new_customers),
        ),
        (
            l("active_customers", "本期有交易", "active in the period"),
            Cell::Int(t.customers),
        ),
        (l("orders", "交易笔数", "transactions"), Cell::Int(t.orders)),
        (l("net_sales", "净销售额", "net sales"), Cell::Fen(t.amount)),
        (
            l("prev_net_sales", "上期净销售额", "previous period"),
            Cell::Fen(t.prev_amount),
        ),
        (l("change", "变化%", "change %"), Cell::opt_pct(t.change)),
    ];
    let status_labels = vec![
        l("status", "状态", "status"),
        l("customers", "客户数", "customers"),
    ];
    let kind_labels = vec![
        l("kind", "客户性质", "kind"),
        l("customers", "客户数", "customers"),
    ];
    // the trend: the 12 months ending with the period
    let (_, year) = PeriodArgs {
        as_of: Some(p.to),
        period: Some(PeriodSpec::Months(12)),
        ..Default::default()
    }
    .resolve(as_of)?;
    let months = composition::compose(archive, &[Key::Month], &year, None, None, None)?;
    let trend: Vec<Vec<Cell>> = months
        .rows
        .iter()
        .map(|r| {
            vec![
                text(r.keys[0].clone()),
                Cell::Int(r.customers),
                Cell::Int(r.orders),
                Cell::Fen(r.amount),
                Cell::Fen(r.prev_amount),
                Cell::opt_pct(r.change),
            ]
        })
        .collect();
    Ok(Section {
        key: "overview",
        title: ("概览", "Overview"),
        blocks: vec![
            Block::Fields(fields),
            table(
                "by_status",
                Some(("按状态", "By status")),
                status_labels,
                count_by(customers, "status"),
                Some(Chart::Bars { label: 0, value: 1 }),
            ),
            table(
                "by_kind",
                Some(("按客户性质", "By kind")),
                kind_labels,
                count_by(customers, "kind"),
                Some(Chart::Bars { label: 0, value: 1 }),
            ),
            table(
                "monthly_trend",
                Some(("月度趋势（12 个月）", "Monthly trend (12 months)")),
                vec![
                    l("month", "月份", "month"),
                    l("customers", "客户数", "customers"),
                    l("orders", "交易笔数", "orders"),
                    l("amount", "金额", "amount"),
                    l("prev_amount", "上年同月", "a year before"),
                    l("change", "变化%", "change %"),
                ],
                trend,
                Some(Chart::Line { label: 0, value: 3 }),
            ),
        ],
    })
}

pub(crate) fn tiers_and_segments(graded: &[Graded], p: &Period) -> Section {
    let mut tier_rows = Vec::new();
    for t in [Tier::A, Tier::B, Tier::C] {
        let (n, s) = graded
            .iter()
            .filter(|g| g.tier == t)
            .fold((0, 0), |(n, s), g| (n + 1, s + g.net_sales));
        tier_rows.push((t.name().to_string(), n, s));
    }
    let amounts: Vec<i64> = tier_rows.iter().map(|r| r.2).collect();
    let shares = crate::analytics::shares::shares_bp(&amounts);
    let tiers: Vec<Vec<Cell>> = tier_rows
        .iter()
        .enumerate()
        .map(|(i, (t, n, s))| {
            vec![
                text(t.clone()),
                Cell::Int(*n),
                Cell::Fen(*s),
                Cell::opt_pct(shares.as_ref().map(|v| v[i])),
            ]
        })
        .collect();
    let segments: Vec<Vec<Cell>> = Segment::ALL
        .iter()
        .map(|seg| {
            let (n, s) = graded
                .iter()
                .filter(|g| g.segment == *seg)
                .fold((0, 0), |(n, s), g| (n + 1, s + g.net_sales));
            vec![text(seg.name()), Cell::Int(n), Cell::Fen(s)]
        })
        .collect();
    Section {
        key: "tiers",
        title: ("客户分类", "Tiers and segments"),
        blocks: vec![
            Block::Note(
                format!("按 {} 的净销售额分级（抓两头、放中间）。", p.label()),
                format!("Graded on net sales {}.", p.label()),
            ),
            table(
                "tiers",
                Some(("ABC 分级", "A/B/C tiers")),
                vec![
                    l("tier", "等级", "tier"),
                    l("customers", "客户数", "customers"),
                    l("net_sales", "净销售额", "net sales"),
                    l("share", "占比%", "share %"),
                ],
                tiers,
                Some(Chart::Donut { label: 0, value: 2 }),
            ),
            table(
                "segments",
                Some(("重点 / 一般 / 风险", "Key / general / risk")),
                vec![
                    l("segment", "类别", "segment"),
                    l("customers", "客户数", "customers"),
                    l("net_sales", "净销售额", "net sales"),
                ],
                segments,
                Some(Chart::Bars { label: 0, value: 1 }),
            ),
        ],
    }
}

pub(crate) fn compositions(
    archive: &Archive,
    p: &Period,
    top: usize,
    tiers: &[Graded],
) -> Result<Section> {
    let mut blocks = Vec::new();
    for (key, keys, zh, en) in [
        ("sales", Key::Tier, "销售构成（按等级）", "Sales by tier"),
        ("region", Key::Region, "地区构成", "By region"),
        ("product", Key::Category, "商品构成", "By product category"),
    ] {
        let c = composition::compose(
            archive,
            std::slice::from_ref(&keys),
            p,
            Some(top),
            Some(tiers),
            None,
        )?;
        let mut columns = vec![Label::new(keys.name(), keys.zh(), keys.name())];
        columns.extend(composition::figure_labels());
        let row = |r: &composition::Row| {
            let mut v = vec![text(r.keys[0].clone())];
            v.extend(r.figure_cells());
            v
        };
        blocks.push(Block::Table(TableBlock {
            key,
            caption: Some((zh.into(), en.into())),
            columns,
            rows: c.rows.iter().map(row).collect(),
            footer: (!c.rows.is_empty()).then(|| row(&c.total)),
            chart: Some(Chart::Bars { label: 0, value: 4 }),
        }));
    }
    Ok(Section {
        key: "composition",
        title: ("客户构成分析", "Composition"),
        blocks,
    })
}

pub(crate) fn top_customers(in_period: &[Graded], top: usize) -> Section {
    let rows: Vec<Vec<Cell>> = in_period
        .iter()
        .filter(|g| g.net_sales > 0)
        .take(top)
        .enumerate()
        .map(|(i, g)| {
            vec![
                Cell::Int(i as i64 + 1),
                text(g.id.clone()),
                text(g.name.clone()),
                text(g.region.clone()),
                text(g.owner.clone()),
                Cell::Fen(g.net_sales),
                Cell::opt_pct(g.share),
                Cell::Int(g.orders),
            ]
        })
        .collect();
    Section {
        key: "top_customers",
        title: ("销售额前列客户", "Top customers"),
        blocks: vec![table(
            "customers",
            None,
            vec![
                l("rank", "名次", "rank"),
                l("id", "档案编号", "id"),
                l("name", "客户名称", "name"),
                l("region", "地区", "region"),
                l("owner", "负责人", "owner"),
                l("net_sales", "净销售额", "net sales"),
                l("share", "占比%", "share %"),
                l("orders", "交易笔数", "orders"),
            ],
            rows,
            Some(Chart::Bars { label: 2, value: 5 }),
        )],
    }
}

pub(crate) fn risk_customers(graded: &[Graded], top: usize) -> Section {
    let mut risk: Vec<&Graded> = graded
        .iter()
        .filter(|g| g.segment == Segment::Risk)
        .collect();
    risk.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.outstanding.cmp(&a.outstanding))
            .then_with(|| a.id.cmp(&b.id))
    });
    let total = risk.len();
    let limit = (top * 2).max(10);
    let rows: Vec<Vec<Cell>> = risk
        .iter()
        .take(limit)
        .map(|g| {
            vec![
                text(g.id.clone()),
                text(g.name.clone()),
                text(g.owner.clone()),
                text(g.tier.name()),
                text(crate::analytics::tiers::Reason::join(&g.reasons)),
                Cell::Fen(g.outstanding.max(0)),
                Cell::Fen(g.overdue),
                Cell::Fen(g.net_sales),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Fields(vec![(
            l("risk_customers", "风险客户数", "risk customers"),
            Cell::Int(total as i64),
        )]),
        table(
            "customers",
            None,
            vec![
                l("id", "档案编号", "id"),
                l("name", "客户名称", "name"),
                l("owner", "负责人", "owner"),
                l("tier", "等级", "tier"),
                l("reasons", "原因", "reasons"),
                l("outstanding", "应收余额", "outstanding"),
                l("overdue", "逾期金额", "overdue"),
                l("net_sales", "净销售额", "net sales"),
            ],
            rows,
            None,
        ),
    ];
    if total > limit {
        blocks.push(Block::Note(
            format!(
                "另有 {} 位风险客户，`dangan classify` 列出全部。",
                total - limit
            ),
            format!(
                "{} more risk customers: `dangan classify` lists them all.",
                total - limit
            ),
        ));
    }
    Section {
        key: "risk",
        title: ("风险客户", "Risk customers"),
        blocks,
    }
}

/// The follow-ups due at the as-of date (`analytics::due`, the list of
/// `dangan due`): open to-dos per owner, and each owner's `top` most late.
pub(crate) fn followups_due(list: &[crate::analytics::due::Due], top: usize) -> Section {
    let per_owner = crate::analytics::due::open_per_owner(list);
    let by_owner: Vec<Vec<Cell>> = per_owner
        .iter()
        .map(|(o, n)| vec![text(*o), Cell::Int(*n)])
        .collect();
    // the most late of each owner (no date at all first)
    let mut late: Vec<&crate::analytics::due::Due> = list.iter().collect();
    late.sort_by(|a, b| {
        a.owner
            .cmp(&b.owner)
            .then(
                b.days_late
                    .unwrap_or(i64::MAX)
                    .cmp(&a.days_late.unwrap_or(i64::MAX)),
            )
            .then_with(|| a.id.cmp(&b.id))
            .then(a.reason.cmp(&b.reason))
    });
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let rows: Vec<Vec<Cell>> = late
        .into_iter()
        .filter(|d| {
            let n = shown.entry(d.owner.as_str()).or_default();
            *n += 1;
            *n <= top
        })
        .map(|d| {
            vec![
                text(d.owner.clone()),
                text(d.id.clone()),
                text(d.name.clone()),
                text(d.tier),
                text(d.reason.name()),
                d.due_date.map_or(Cell::Null, |x| text(iso(x))),
                d.days_late.map_or(Cell::Null, Cell::Int),
                d.last_contact.map_or(Cell::Null, |x| text(iso(x))),
            ]
        })
        .collect();
    Section {
        key: "followups_due",
        title: ("待回访客户", "Follow-ups due"),
        blocks: vec![
            Block::Note(
                "截至报告日应办的回访（与 dangan due 同一清单）：预约、建档回访、按等级的回访间隔、生日、纪念日、催收货款。".to_string(),
                "What is due at the as-of date (the list of `dangan due`): appointments, the new-record schedule, the tier's interval, birthdays, anniversaries, payments to chase.".to_string(),
            ),
            table(
                "by_owner",
                Some(("按负责人", "By owner")),
                vec![
                    l("owner", "负责人", "owner"),
                    l("due", "待办", "due"),
                ],
                by_owner,
                Some(Chart::Bars { label: 0, value: 1 }),
            ),
            table(
                "customers",
                Some(("各负责人最久未办的回访", "Most late, per owner")),
                vec![
                    l("owner", "负责人", "owner"),
                    l("id", "档案编号", "id"),
                    l("name", "客户名称", "name"),
                    l("tier", "等级", "tier"),
                    l("reason", "事由", "reason"),
                    l("due_date", "应办日期", "due"),
                    l("days_late", "逾期天数", "days late"),
                    l("last_contact", "最近联系", "last contact"),
                ],
                rows,
                None,
            ),
        ],
    }
}

pub(crate) fn birthdays(
    customers: &crate::archive::Table,
    as_of: NaiveDate,
    days: i64,
    no_mask: bool,
) -> Section {
    let col = |n: &str| customers.col(n);
    let (id, name, kind, contact, mobile, owner, birthday, id_number) = (
        col("id"),
        col("name"),
        col("kind"),
        col("contact"),
        col("mobile"),
        col("owner"),
        col("birthday"),
        col("id_number"),
    );
    fn get(r: &crate::archive::Record, c: Option<usize>) -> &str {
        c.map(|i| r.get(i)).unwrap_or("")
    }
    let mut list: Vec<(NaiveDate, i64, Vec<Cell>)> = Vec::new();
    for r in &customers.rows {
        let individual = get(r, kind) == "individual";
        // the birthday column; for a person, else the birth date in the ID number
        let birth = birth_date(get(r, birthday), get(r, id_number), individual);
        let Some(next) = birth.and_then(|b| next_yearly(b, as_of)) else {
            continue;
        };
        let until = (next - as_of).num_days();
        if until >= days {
            continue;
        }
        let who = if individual {
            get(r, name)
        } else {
            get(r, contact)
        };
        if who.is_empty() {
            continue;
        }
        let phone = get(r, mobile);
        list.push((
            next,
            until,
            vec![
                text(iso(next)),
                Cell::Int(until),
                text(get(r, id)),
                text(get(r, name)),
                text(who),
                text(if no_mask {
                    phone.to_string()
                } else {
                    crate::values::text::mask("mobile", phone)
                }),
                text(get(r, owner)),
            ],
        ));
    }
    list.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.2[2].render().cmp(&b.2[2].render()))
    });
    let end = as_of + Days::new(days.max(1) as u64 - 1);
    Section {
        key: "birthdays",
        title: ("近期生日", "Birthdays ahead"),
        blocks: vec![
            Block::Note(
                format!("{} 至 {} 过生日的个人客户与联系人。", as_of, end),
                format!("Customers and contacts with a birthday from {as_of} to {end}."),
            ),
            table(
                "birthdays",
                None,
                vec![
                    l("date", "日期", "date"),
                    l("days", "还有几天", "in days"),
                    l("id", "档案编号", "id"),
                    l("name", "客户名称", "customer"),
                    l("person", "寿星", "person"),
                    l("mobile", "手机", "mobile"),
                    l("owner", "负责人", "owner"),
                ],
                list.into_iter().map(|(_, _, r)| r).collect(),
                None,
            ),
        ],
    }
}

pub(crate) fn health(archive_dir: &std::path::Path, as_of: NaiveDate) -> Result<Section> {
    // the counts are all the report shows: the findings are not kept
    let report = validate::run_with(
        archive_dir,
        &validate::ValidateOptions {
            file: None,
            table: None,
            read: Default::default(),
            rules: None,
            as_of,
            no_mask: false,
            only: None,
        },
        &mut |_| Ok(()),
    )?;
    // `not_canonical` is how the files are written, not what they hold: an
    // archive saved by Excel reports the same health as one written by dangan
    let layout_only = report.of_rule(crate::check::rules::Rule::NotCanonical) as i64;
    let findings: Vec<Vec<Cell>> = report
        .summary()
        .into_iter()
        .filter(|(rule, _, _)| *rule != crate::check::rules::Rule::NotCanonical)
        .map(|(rule, sev, n)| vec![text(rule.name()), text(sev.name()), Cell::Int(n as i64)])
        .collect();
    let stale = report.of_rule(crate::check::rules::Rule::Stale) as i64;
    let errors = report.at_least(crate::check::rules::Severity::Error) as i64;
    let completeness: Vec<Vec<Cell>> = report
        .completeness
        .iter()
        .filter(|c| c.table == "customers")
        .map(|c| {
            let pct = if c.rows == 0 {
                None
            } else {
                Some(((c.filled as i128 * 10_000 + c.rows as i128 / 2) / c.rows as i128) as i64)
            };
            vec![
                text(c.field.clone()),
                Cell::Int(c.filled as i64),
                Cell::opt_pct(pct),
            ]
        })
        .collect();
    Ok(Section {
        key: "health",
        title: ("档案质量", "Archive health"),
        blocks: vec![
            Block::Fields(vec![
                (
                    l("findings", "问题总数", "findings"),
                    Cell::Int(report.total() as i64 - layout_only),
                ),
                (l("errors", "错误", "errors"), Cell::Int(errors)),
                (
                    l("stale", "待修订（超过两月未更新）", "due for revision"),
                    Cell::Int(stale),
                ),
            ]),
            table(
                "by_rule",
                Some(("按规则", "By rule")),
                vec![
                    l("rule", "规则", "rule"),
                    l("severity", "级别", "severity"),
                    l("count", "条数", "count"),
                ],
                findings,
                None,
            ),
            table(
                "completeness",
                Some(("客户资料完整度", "Customer field completeness")),
                vec![
                    l("field", "字段", "field"),
                    l("filled", "已填", "filled"),
                    l("percent", "完整度%", "percent"),
                ],
                completeness,
                None,
            ),
        ],
    })
}

/// 投诉与满意度: per owner, the complaints of the period and those open and
/// late at the as-of date (whenever they came in); the satisfaction of
/// complaints and follow-ups month by month over `trend` (classify's
/// period, 12 months by default). Nothing when the archive keeps no
/// complaints and no scores.
pub(crate) fn complaints(
    archive: &Archive,
    graded: &[Graded],
    only: Option<&rustc_hash::FxHashSet<String>>,
    period: &Period,
    trend: &Period,
    as_of: NaiveDate,
) -> Result<Option<Section>> {
    use crate::analytics::complaint_views as views;
    let all = views::load(archive)?;
    let scores = views::followup_scores(archive)?;
    if all.is_empty() && scores.is_empty() {
        return Ok(None);
    }
    let s = &archive.settings.complaints;
    let owner_of: rustc_hash::FxHashMap<&str, &str> = graded
        .iter()
        .filter(|g| only.is_none_or(|o| o.contains(&g.id)))
        .map(|g| (g.id.as_str(), g.owner.as_str()))
        .collect();
    // owner → (in the period, open, open and late)
    let mut per: BTreeMap<&str, (i64, i64, i64)> = BTreeMap::new();
    for c in all.iter().filter(|c| c.date.date <= as_of) {
        let Some(owner) = owner_of.get(c.customer_id.as_str()) else {
            continue;
        };
        let who = if c.owner.is_empty() {
            owner
        } else {
            c.owner.as_str()
        };
        let open = c.is_open(as_of);
        let in_period = period.contains(c.date.date);
        if !open && !in_period {
            continue;
        }
        let e = per.entry(who).or_default();
        e.0 += i64::from(in_period);
        e.1 += i64::from(open);
        e.2 += i64::from(open && c.late_by(s, as_of).is_some());
    }
    let mut by_owner: Vec<(&str, (i64, i64, i64))> = per.into_iter().collect();
    by_owner.sort_by(|a, b| (b.1.2, b.1.1).cmp(&(a.1.2, a.1.1)).then(a.0.cmp(b.0)));
    let total = by_owner
        .iter()
        .fold((0, 0, 0), |t, (_, x)| (t.0 + x.0, t.1 + x.1, t.2 + x.2));
    let rows: Vec<Vec<Cell>> = by_owner
        .iter()
        .map(|(o, (n, open, late))| {
            vec![text(*o), Cell::Int(*n), Cell::Int(*open), Cell::Int(*late)]
        })
        .collect();
    let inp = views::Inputs {
        graded,
        only,
        period: trend,
        as_of,
        settings: s,
    };
    let t = views::satisfaction(&inp, &all, &scores, views::Group::Month);
    let trend_rows: Vec<Vec<Cell>> = t
        .rows
        .iter()
        .map(|r| {
            let mut v = vec![text(r.group.clone())];
            v.extend(r.cells());
            v
        })
        .collect();
    let mut trend_labels = views::SatisfactionRow::labels(views::Group::Month);
    trend_labels[0] = l("month", "月份", "month");
    Ok(Some(Section {
        key: "complaints",
        title: ("投诉与满意度", "Complaints and satisfaction"),
        blocks: vec![
            Block::Note(
                format!(
                    "本期投诉，以及截至报告日未结案、已超过响应时限（重大{}小时、严重{}小时、一般{}小时）的投诉，按处理人（未填写时为客户负责人）。",
                    s.response_hours.major, s.response_hours.serious, s.response_hours.minor
                ),
                format!(
                    "Complaints of the period, and those open and past their response limit (major {} h, serious {} h, minor {} h) at the as-of date, per handler (else the customer's owner).",
                    s.response_hours.major, s.response_hours.serious, s.response_hours.minor
                ),
            ),
            Block::Table(TableBlock {
                key: "by_owner",
                caption: Some(("按处理人".into(), "By owner".into())),
                columns: vec![
                    l("owner", "处理人", "owner"),
                    l("complaints", "本期投诉", "complaints"),
                    l("open", "未结案", "open"),
                    l("late", "未结案且超时", "open and late"),
                ],
                footer: (!rows.is_empty()).then(|| {
                    vec![
                        text(composition::TOTAL),
                        Cell::Int(total.0),
                        Cell::Int(total.1),
                        Cell::Int(total.2),
                    ]
                }),
                rows,
                chart: Some(Chart::Bars { label: 0, value: 2 }),
            }),
            table(
                "satisfaction",
                Some(("满意度月度趋势", "Satisfaction by month")),
                trend_labels,
                trend_rows,
                None,
            ),
        ],
    }))
}
