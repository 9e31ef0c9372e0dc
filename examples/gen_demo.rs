//! Deterministic generator of customer archives: the shipped demo archive
//! (`examples/demo/`) and large inputs for benchmarks.
//!
//! ```text
//! cargo run --example gen_demo -- --out examples/demo                      # the demo archive
//! cargo run --release --example gen_demo -- --style export \
//!     --customers 1000000 --transactions 10000000 --out bench-data/big     # messy exports
//! ```
//!
//! `--style archive` writes an archive (customers.csv, transactions.csv,
//! followups.csv, dangan.yaml) in canonical form, with a few stale and a few
//! faulty records for `validate` to find. `--style export` writes what a CRM or
//! ERP export looks like (Chinese headers, ¥ and 万, Chinese dates, +86 phones)
//! as `customers_export.csv` and `transactions_export.csv`, for `import`.
//! The same seed always gives the same bytes.

use chrono::{Datelike, NaiveDate};
use clap::Parser;
use dangan::values::ids::{USCC_ALPHABET, credit_code_check, id_number_check};
use dangan::values::money::format_yuan;
use std::io::BufWriter;
use std::path::PathBuf;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "examples/demo")]
    out: PathBuf,
    #[arg(long, default_value_t = 300)]
    customers: usize,
    #[arg(long, default_value_t = 5000)]
    transactions: usize,
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// last day of the two years of transactions
    #[arg(long, default_value = "2026-10-31")]
    end: NaiveDate,
    #[arg(long, default_value = "archive")]
    style: String,
    /// complaints in the last year [default: one for every eight customers]
    #[arg(long)]
    complaints: Option<usize>,
}

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const REGIONS: &[(&str, &str, &[&str], &str)] = &[
    ("广东省", "44", &["广州", "深圳", "佛山", "东莞"], "020"),
    ("浙江省", "33", &["杭州", "宁波", "温州"], "0571"),
    ("江苏省", "32", &["南京", "苏州", "无锡"], "025"),
    ("上海市", "31", &["上海"], "021"),
    ("北京市", "11", &["北京"], "010"),
    ("山东省", "37", &["济南", "青岛", "烟台"], "0531"),
    ("四川省", "51", &["成都", "绵阳"], "028"),
    ("福建省", "35", &["福州", "厦门", "泉州"], "0591"),
    ("湖北省", "42", &["武汉", "宜昌"], "027"),
    ("河南省", "41", &["郑州", "洛阳"], "0371"),
    ("湖南省", "43", &["长沙", "株洲"], "0731"),
    ("陕西省", "61", &["西安"], "029"),
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞",
];
const WORDS: &[&str] = &[
    "恒通", "华信", "宏远", "金桥", "瑞丰", "博雅", "鑫源", "天成", "正大", "星辰", "海川", "盛世",
    "中联", "新锐", "永安", "润泽",
];
const TRADES: &[(&str, &str)] = &[
    ("贸易", "批发零售"),
    ("科技", "信息技术"),
    ("机械", "制造业"),
    ("建材", "建筑"),
    ("餐饮管理", "餐饮"),
    ("物业服务", "物业"),
    ("医疗器械", "医疗健康"),
    ("美容", "美容美发"),
];
const OWNERS: &[&str] = &["李娜", "王强", "张敏", "陈杰", "刘洋", "赵磊"];
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("工业润滑油", "化工", 123450),
    ("液压油", "化工", 98000),
    ("防锈剂", "化工", 4500),
    ("打印纸", "办公用品", 2550),
    ("墨盒", "办公用品", 19900),
    ("文件柜", "办公用品", 89000),
    ("笔记本电脑", "电子产品", 569900),
    ("显示器", "电子产品", 129900),
    ("路由器", "电子产品", 39900),
    ("螺纹钢", "建材", 420000),
    ("水泥", "建材", 45000),
    ("瓷砖", "建材", 8800),
    ("面膜", "美容护理", 12800),
    ("精华液", "美容护理", 38800),
    ("保健茶", "食品", 6800),
    ("大米", "食品", 15000),
    ("食用油", "食品", 9900),
    ("客房", "住宿", 58800),
    ("会议室", "住宿", 300000),
    ("维修服务", "服务", 50000),
];

struct Customer {
    id: String,
    kind: &'static str,
    weight: f64,
    status: &'static str,
    owner: String,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    std::fs::create_dir_all(&a.out)?;
    let mut rng = Rng(a.seed);
    let export = match a.style.as_str() {
        "archive" => false,
        "export" => true,
        s => anyhow::bail!("--style archive|export, not {s}"),
    };
    let start = a.end - chrono::Days::new(730);
    let date_between = |rng: &mut Rng, from: NaiveDate, to: NaiveDate| {
        let span = (to - from).num_days().max(0) as u64;
        from + chrono::Days::new(rng.below(span + 1))
    };
    let customers_path = a.out.join(if export {
        "customers_export.csv"
    } else {
        "customers.csv"
    });
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&customers_path)?,
    ));
    if export {
        w.write_record([
            "客户编号",
            "客户名称",
            "客户性质",
            "所属行业",
            "省份",
            "城市",
            "联系地址",
            "联系人",
            "手机号码",
            "办公电话",
            "电子邮件",
            "身份证号码",
            "统一社会信用代码",
            "生日",
            "客户经理",
            "授信额度",
            "信用等级",
            "状态",
            "标签",
            "建档日期",
            "最新修订时间",
            "备注",
        ])?;
    } else {
        w.write_record(dangan::archive::schema::TableKind::Customers.column_names())?;
    }
    let mut customers = Vec::with_capacity(a.customers);
    for i in 1..=a.customers {
        let kind = match rng.below(100) {
            0..=39 => "enterprise",
            40..=64 => "individual",
            65..=79 => "distributor",
            80..=84 => "government",
            85..=94 => "partner",
            _ => "other",
        };
        let r = rng.below(REGIONS.len() as u64) as usize;
        let (region, code, cities, area) = REGIONS[r];
        let city = *rng.pick(cities);
        let person = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
        let (trade, industry) = *rng.pick(TRADES);
        let name = match kind {
            "individual" => person.clone(),
            "government" => format!(
                "{city}市{}局",
                rng.pick(&["教育", "卫生健康", "交通运输", "市场监督管理"])
            ),
            _ => format!("{city}{}{trade}有限公司", rng.pick(WORDS)),
        };
        // unique names for companies: add the number when it would repeat
        let name = if kind == "individual" {
            name
        } else {
            format!(
                "{name}{}",
                if i % 7 == 0 {
                    format!("{}分公司", i % 97)
                } else {
                    String::new()
                }
            )
        };
        let mobile = format!(
            "1{}{:09}",
            rng.pick(&["38", "39", "50", "86", "77", "58"]),
            rng.below(1_000_000_000)
        )
        .chars()
        .take(11)
        .collect::<String>();
        let phone = if kind != "individual" {
            format!("{area}-{}", 80000000 + rng.below(19999999))
        } else {
            String::new()
        };
        let email = if rng.chance(0.4) {
            format!("c{i}@example.com")
        } else {
            String::new()
        };
        let birth = NaiveDate::from_ymd_opt(
            1960 + rng.below(40) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .unwrap_or(start);
        let (id_number, birthday) = if kind == "individual" {
            // county and sequence digits from the row number: unique numbers
            let first = format!(
                "{code}{:04}{}{:03}",
                (i / 1000) % 10000,
                birth.format("%Y%m%d"),
                i % 1000
            );
            let check = id_number_check(&first).unwrap_or('0');
            (
                format!("{first}{check}"),
                birth.format("%Y-%m-%d").to_string(),
            )
        } else {
            (String::new(), String::new())
        };
        let credit_code = if kind != "individual" && kind != "other" {
            let mut s = format!("91{code}0100MA");
            for _ in 0..7 {
                s.push(USCC_ALPHABET.as_bytes()[rng.below(31) as usize] as char);
            }
            let check = credit_code_check(&s).unwrap_or('0');
            format!("{s}{check}")
        } else {
            String::new()
        };
        let credit_limit = if kind == "individual" {
            0
        } else {
            (5 + rng.below(196) as i64) * 1_000_000
        };
        let rating = *rng.pick(&["AAA", "AA", "AA", "A", "A", "A", "B", "B", "C", "D"]);
        let status = match rng.below(100) {
            0..=69 => "active",
            70..=79 => "potential",
            80..=91 => "dormant",
            _ => "lost",
        };
        let tags = if rng.chance(0.08) {
            "重点"
        } else if rng.chance(0.1) {
            "老客户"
        } else {
            ""
        };
        let created = date_between(
            &mut rng,
            start - chrono::Days::new(365),
            a.end - chrono::Days::new(30),
        );
        // most records were revised in the last two months; some are stale
        let updated = if rng.chance(0.85) {
            date_between(&mut rng, a.end - chrono::Days::new(55), a.end)
        } else {
            date_between(&mut rng, created, a.end)
        };
        let updated = updated.max(created);
        let mut rec = vec![
            format!("C{i:06}"),
            name.clone(),
            kind.to_string(),
            if kind == "individual" {
                String::new()
            } else {
                industry.to_string()
            },
            region.to_string(),
            city.to_string(),
            format!("{city}市{}路{}号", rng.pick(WORDS), 1 + rng.below(300)),
            if kind == "individual" {
                String::new()
            } else {
                person
            },
            mobile,
            phone,
            email,
            id_number,
            credit_code,
            birthday,
            rng.pick(OWNERS).to_string(),
            if credit_limit > 0 {
                format_yuan(credit_limit)
            } else {
                String::new()
            },
            rating.to_string(),
            status.to_string(),
            tags.to_string(),
            created.format("%Y-%m-%d").to_string(),
            updated.format("%Y-%m-%d").to_string(),
            String::new(),
        ];
        if !export && i % 50 == 17 {
            // a few faulty records: the kinds of defect `validate` must find
            match (i / 50) % 5 {
                0 => rec[8] = rec[8][..10].to_string(), // mobile one digit short
                1 => rec[10] = "not-an-email".into(),   // e-mail
                2 if !rec[11].is_empty() => rec[11].replace_range(17.., "0"), // ID check digit
                2 => rec[12] = format!("{}0", &rec[12][..17.min(rec[12].len())]),
                3 => {
                    rec[19] = (a.end + chrono::Days::new(10))
                        .format("%Y-%m-%d")
                        .to_string()
                } // created after updated
                _ => rec[2] = "vip".into(), // kind outside the set
            }
            rec[21] = "待核实".into();
        }
        if export {
            // what exports look like
            rec[2] = match kind {
                "individual" => "个人",
                "enterprise" => "企业",
                "government" => "政府机构",
                "distributor" => "经销商",
                "partner" => "交易伙伴",
                _ => "其他",
            }
            .into();
            rec[4] = rec[4].trim_end_matches(['省', '市']).to_string();
            if rng.chance(0.3) {
                rec[8] = format!("+86 {}-{}-{}", &rec[8][..3], &rec[8][3..7], &rec[8][7..]);
            }
            if credit_limit > 0 && rng.chance(0.5) {
                rec[15] = format!("{}万", credit_limit / 1_000_000);
            }
            rec[17] = match status {
                "active" => "交易中",
                "potential" => "潜在",
                "dormant" => "休眠",
                _ => "流失",
            }
            .into();
            if rng.chance(0.3) {
                rec[19] = format!(
                    "{}年{}月{}日",
                    created.year(),
                    created.month(),
                    created.day()
                );
            }
        }
        w.write_record(&rec)?;
        // sales concentrate on few customers (pareto); potential customers buy nothing
        let weight = if status == "potential" {
            0.0
        } else {
            (1.0 / (1.0 + rng.unit() * 12.0)).powf(1.6)
                * if kind == "individual" { 0.2 } else { 1.0 }
        };
        customers.push(Customer {
            id: format!("C{i:06}"),
            kind,
            weight,
            status,
            owner: rec[14].clone(),
        });
    }
    w.flush()?;
    drop(w);

    // cumulative weights for picking buyers
    let mut cum = Vec::with_capacity(customers.len());
    let mut total = 0.0;
    for c in &customers {
        total += c.weight;
        cum.push(total);
    }
    let tx_path = a.out.join(if export {
        "transactions_export.csv"
    } else {
        "transactions.csv"
    });
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&tx_path)?,
    ));
    if export {
        w.write_record([
            "订单号",
            "客户编号",
            "下单日期",
            "商品名称",
            "商品类别",
            "数量",
            "单价",
            "金额",
            "已付金额",
            "到期日",
            "类型",
            "地区",
        ])?;
    } else {
        w.write_record(dangan::archive::schema::TableKind::Transactions.column_names())?;
    }
    let mut last_sale: Vec<Option<(usize, NaiveDate, i64, i64)>> = vec![None; customers.len()];
    for t in 1..=a.transactions {
        let x = rng.unit() * total;
        let ci = cum.partition_point(|&c| c < x).min(customers.len() - 1);
        let c = &customers[ci];
        // lost customers stopped buying a year ago
        let to = if c.status == "lost" {
            a.end - chrono::Days::new(365)
        } else {
            a.end
        };
        let date = date_between(&mut rng, start, to);
        let (kind, pi, qty, price) = match (rng.below(100), last_sale[ci]) {
            (0..=5, Some((pi, _, qty, price))) => {
                ("return", pi, 1 + rng.below(qty as u64) as i64, price)
            }
            (6..=9, Some((pi, _, _, price))) => ("discount", pi, 1, price / 10),
            _ => {
                let pi = rng.below(PRODUCTS.len() as u64) as usize;
                (
                    "sale",
                    pi,
                    1 + rng.below(if c.kind == "individual" { 3 } else { 40 }) as i64,
                    PRODUCTS[pi].2,
                )
            }
        };
        let amount = qty * price;
        let paid = if kind != "sale" || rng.chance(0.8) {
            amount
        } else if rng.chance(0.5) {
            amount / 2
        } else {
            0
        };
        let due = date + chrono::Days::new(*rng.pick(&[30u64, 30, 60, 90]));
        // most old invoices have been paid by now: one in 32 stays open
        // (decided without drawing, so every later value stays the same)
        let paid = if paid < amount && due + chrono::Days::new(120) < a.end && t % 32 != 0 {
            amount
        } else {
            paid
        };
        let region = if rng.chance(0.05) {
            REGIONS[rng.below(REGIONS.len() as u64) as usize].0
        } else {
            ""
        };
        if kind == "sale" {
            last_sale[ci] = Some((pi, date, qty, price));
        }
        let (product, category, _) = PRODUCTS[pi];
        let mut rec = vec![
            format!("T{t:08}"),
            c.id.clone(),
            date.format("%Y-%m-%d").to_string(),
            product.to_string(),
            category.to_string(),
            qty.to_string(),
            format_yuan(price),
            format_yuan(amount),
            format_yuan(paid),
            if kind == "sale" {
                due.format("%Y-%m-%d").to_string()
            } else {
                String::new()
            },
            kind.to_string(),
            region.to_string(),
        ];
        if export {
            if rng.chance(0.3) {
                rec[2] = format!("{}年{}月{}日", date.year(), date.month(), date.day());
            }
            if rng.chance(0.3) {
                rec[7] = format!("¥{}", group_thousands(&rec[7]));
            }
            rec[10] = match kind {
                "sale" => "销售",
                "return" => "退货",
                _ => "折价",
            }
            .into();
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
    drop(w);

    if !export {
        let mut w = csv::Writer::from_path(a.out.join("followups.csv"))?;
        w.write_record(dangan::archive::schema::TableKind::Followups.column_names())?;
        let n = customers.len() * 2;
        // scores come from a second stream, so the other columns keep their bytes
        let mut scores = Rng(a.seed ^ 0x5a71_5fac);
        for _ in 0..n {
            let c = &customers[rng.below(customers.len() as u64) as usize];
            let date = date_between(&mut rng, a.end - chrono::Days::new(300), a.end);
            let channel = *rng.pick(&["电话", "上门", "微信", "短信"]);
            let note = *rng.pick(&[
                "了解使用情况",
                "催收货款",
                "介绍新品",
                "节日问候",
                "处理投诉",
                "续签合同",
            ]);
            let next = if rng.chance(0.5) {
                (date + chrono::Days::new(60))
                    .format("%Y-%m-%d")
                    .to_string()
            } else {
                String::new()
            };
            let owner = *rng.pick(OWNERS);
            w.write_record([
                c.id.as_str(),
                &date.format("%Y-%m-%d").to_string(),
                channel,
                owner,
                note,
                &next,
                &satisfaction(&mut scores),
            ])?;
        }
        w.flush()?;
        drop(w);
        write_complaints(&a, &customers)?;
        std::fs::write(
            a.out.join("dangan.yaml"),
            "# Settings of the demo archive; every key has a built-in default.\narchive:\n  id_prefix: C\n  id_width: 6\n",
        )?;
    }
    eprintln!(
        "wrote {} customers, {} transactions and their follow-ups and complaints to {}",
        a.customers,
        a.transactions,
        a.out.display()
    );
    Ok(())
}

/// A 回访满意度 score on about half the follow-ups: mostly 4 and 5.
fn satisfaction(rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        return String::new();
    }
    let r = rng.unit();
    let score = if r < 0.04 {
        2
    } else if r < 0.2 {
        3
    } else if r < 0.6 {
        4
    } else {
        5
    };
    score.to_string()
}

/// complaints.csv: about one complaint a year for every eight customers,
/// graded 重大/严重/一般, most answered in time and resolved, a few late and a
/// few still open. It draws from its own stream, so the other files keep their
/// bytes.
fn write_complaints(a: &Args, customers: &[Customer]) -> anyhow::Result<()> {
    const CATEGORIES: &[(&str, &[&str])] = &[
        (
            "质量",
            &["产品有划痕", "批次质量不稳定", "包装破损漏液", "性能不达标"],
        ),
        ("交付", &["到货晚了三天", "少发两箱", "送错型号"]),
        ("服务", &["客服电话打不通", "上门安装迟到", "售后态度差"]),
        ("账务", &["发票开错抬头", "重复扣款", "对账单金额不符"]),
        ("价格", &["报价前后不一致", "未享受协议折扣"]),
    ];
    const RESOLUTIONS: &[&str] = &["换货", "补发", "退款", "上门处理", "道歉并补偿", "重开发票"];
    let mut rng = Rng(a.seed ^ 0xc0_91a1);
    let buyers: Vec<&Customer> = customers.iter().filter(|c| c.weight > 0.0).collect();
    let mut w = csv::Writer::from_path(a.out.join("complaints.csv"))?;
    w.write_record(dangan::archive::schema::TableKind::Complaints.column_names())?;
    let n = a.complaints.unwrap_or(customers.len() / 8);
    let start = a.end - chrono::Days::new(364);
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let c = buyers[rng.below(buyers.len() as u64) as usize];
        let date = start + chrono::Days::new(rng.below(365));
        let at = date
            .and_hms_opt(8 + rng.below(10) as u32, rng.below(60) as u32, 0)
            .unwrap_or_default();
        let (severity, limit) = match rng.below(10) {
            0 => ("major", 24),
            1..=3 => ("serious", 48),
            _ => ("minor", 72),
        };
        let (category, texts) = *rng.pick(CATEGORIES);
        let description = *rng.pick(texts);
        // one in eight answered late; the rest within the limit
        let hours = if rng.chance(0.125) {
            limit as u64 + 1 + rng.below(48)
        } else {
            1 + rng.below(limit as u64 - 1)
        };
        let responded = at + chrono::Duration::minutes((hours * 60 - rng.below(60)) as i64);
        // the last weeks' complaints are often still open, older ones rarely
        let age = (a.end - date).num_days();
        let open = rng.chance(if age < 30 { 0.5 } else { 0.04 });
        let unanswered = open && age < 10;
        let resolved = responded + chrono::Duration::days(1 + rng.below(14) as i64);
        let (resolved, resolution, score) = if open || resolved.date() > a.end {
            (String::new(), String::new(), String::new())
        } else {
            let score = 1 + rng.below(5).min(rng.below(5)).max(rng.below(5));
            (
                resolved.format("%Y-%m-%d %H:%M").to_string(),
                rng.pick(RESOLUTIONS).to_string(),
                score.to_string(),
            )
        };
        rows.push((
            at,
            [
                c.id.clone(),
                at.format("%Y-%m-%d %H:%M").to_string(),
                severity.to_string(),
                category.to_string(),
                description.to_string(),
                c.owner.clone(),
                if unanswered || responded.date() > a.end {
                    String::new()
                } else {
                    responded.format("%Y-%m-%d %H:%M").to_string()
                },
                resolved,
                resolution,
                score,
            ],
        ));
    }
    rows.sort_by_key(|r| r.0);
    let width = n.to_string().len().max(5);
    for (i, (_, rest)) in rows.iter().enumerate() {
        let id = format!("K{:0width$}", i + 1);
        let mut rec = vec![id.as_str()];
        rec.extend(rest.iter().map(String::as_str));
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

fn group_thousands(yuan: &str) -> String {
    let (int, frac) = yuan.split_once('.').unwrap_or((yuan, "00"));
    let neg = int.starts_with('-');
    let digits = int.trim_start_matches('-');
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}{out}.{frac}", if neg { "-" } else { "" })
}
