//! The archive's tables and their canonical columns (SPEC.md "The archive"):
//! names, the kind of value each holds, the headers accepted on import, and
//! the labels people see.

use crate::values::text::header_key;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    Customers,
    Transactions,
    Followups,
    Complaints,
}

impl TableKind {
    pub const ALL: [TableKind; 4] = [
        TableKind::Customers,
        TableKind::Transactions,
        TableKind::Followups,
        TableKind::Complaints,
    ];

    /// File stem in the archive directory, also the `--table` value.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Customers => "customers",
            TableKind::Transactions => "transactions",
            TableKind::Followups => "followups",
            TableKind::Complaints => "complaints",
        }
    }

    pub fn parse(s: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|t| t.name() == s)
    }

    /// The table's name for people in Chinese (a workbook's sheet).
    pub fn zh(self) -> &'static str {
        match self {
            TableKind::Customers => "客户",
            TableKind::Transactions => "交易",
            TableKind::Followups => "回访",
            TableKind::Complaints => "投诉",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            TableKind::Customers => CUSTOMERS,
            TableKind::Transactions => TRANSACTIONS,
            TableKind::Followups => FOLLOWUPS,
            TableKind::Complaints => COMPLAINTS,
        }
    }

    pub fn column_names(self) -> Vec<String> {
        self.columns().iter().map(|c| c.name.to_string()).collect()
    }

    pub fn column(self, name: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.name == name)
    }
}

/// What kind of value a column holds; decides how import normalises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// free text (notes): only trimmed, line breaks and spacing kept
    LongText,
    /// archive numbers, order numbers: half-width, trimmed, upper case
    Code,
    Money,
    Quantity,
    Date,
    /// a date with an optional time of day (`values::dates::Moment`)
    Moment,
    /// a score 1–5 (满意度); 非常满意 … 非常不满意 are read as 5 … 1
    Score,
    Mobile,
    Phone,
    Email,
    IdNumber,
    CreditCode,
    Region,
    Tags,
    Rating,
    Enum(&'static [(&'static str, &'static [&'static str])]),
}

pub struct Column {
    pub name: &'static str,
    pub kind: ValueKind,
    /// headers accepted on import besides the canonical name
    pub aliases: &'static [&'static str],
    pub zh: &'static str,
}

pub const CUSTOMER_KINDS: &[(&str, &[&str])] = &[
    (
        "individual",
        &["个人", "个人客户", "自然人", "散客", "person"],
    ),
    (
        "enterprise",
        &["企业", "企业客户", "公司", "单位", "company", "corporate"],
    ),
    (
        "government",
        &["政府机构", "政府", "机关", "事业单位", "政府客户"],
    ),
    (
        "distributor",
        &["经销商", "代理商", "分销商", "批发商", "dealer"],
    ),
    ("partner", &["交易伙伴", "合作伙伴", "伙伴"]),
    ("other", &["其他", "其它"]),
];

pub const STATUSES: &[(&str, &[&str])] = &[
    ("potential", &["潜在", "潜在客户", "意向", "prospect"]),
    ("active", &["交易中", "活跃", "正常", "合作中", "在用"]),
    ("dormant", &["休眠", "沉睡", "睡眠", "inactive"]),
    ("lost", &["流失", "已流失", "丢失", "churned"]),
];

/// What a transaction is. Returns and discounts are stored as the positive
/// amount taken back, and are taken off the sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxKind {
    Sale,
    Return,
    Discount,
}

impl TxKind {
    pub const ALL: [TxKind; 3] = [TxKind::Sale, TxKind::Return, TxKind::Discount];

    /// The canonical value in the archive (`TRANSACTION_KINDS`).
    pub fn name(self) -> &'static str {
        match self {
            TxKind::Sale => "sale",
            TxKind::Return => "return",
            TxKind::Discount => "discount",
        }
    }
}

/// The canonical transaction kinds ([`TxKind`]) and the words accepted for them.
pub const TRANSACTION_KINDS: &[(&str, &[&str])] = &[
    ("sale", &["销售", "销售单", "出库", "正常", "sales"]),
    ("return", &["退货", "退赔", "退款", "退货单", "refund"]),
    ("discount", &["折价", "折扣", "折让", "优惠", "rebate"]),
];

/// The Chinese word of a canonical value (its first alias): `active` → 交易中.
fn zh_of(set: &[(&str, &[&'static str])], v: &str) -> Option<&'static str> {
    set.iter()
        .find(|(k, _)| *k == v)
        .and_then(|(_, aliases)| aliases.first().copied())
}

pub fn kind_zh(v: &str) -> Option<&'static str> {
    zh_of(CUSTOMER_KINDS, v)
}

pub fn status_zh(v: &str) -> Option<&'static str> {
    zh_of(STATUSES, v)
}

pub const FOLLOWUP_CHANNELS: &[(&str, &[&str])] = &[];

/// How grave a complaint is (投诉等级), gravest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComplaintSeverity {
    Major,
    Serious,
    Minor,
}

impl ComplaintSeverity {
    pub const ALL: [ComplaintSeverity; 3] = [
        ComplaintSeverity::Major,
        ComplaintSeverity::Serious,
        ComplaintSeverity::Minor,
    ];

    /// The canonical value in the archive (`SEVERITIES`).
    pub fn name(self) -> &'static str {
        match self {
            ComplaintSeverity::Major => "major",
            ComplaintSeverity::Serious => "serious",
            ComplaintSeverity::Minor => "minor",
        }
    }

    pub fn parse(s: &str) -> Option<ComplaintSeverity> {
        ComplaintSeverity::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            ComplaintSeverity::Major => "重大",
            ComplaintSeverity::Serious => "严重",
            ComplaintSeverity::Minor => "一般",
        }
    }
}

/// The canonical complaint severities ([`ComplaintSeverity`]) and the words
/// accepted for them (the manuals grade 重大/严重/一般; forms also write
/// A/B/C 类 and 特急/紧急/普通).
pub const SEVERITIES: &[(&str, &[&str])] = &[
    (
        "major",
        &[
            "重大",
            "重大投诉",
            "特急",
            "特别重大",
            "a类",
            "一级",
            "critical",
        ],
    ),
    (
        "serious",
        &[
            "严重",
            "严重投诉",
            "紧急",
            "较大",
            "重要",
            "b类",
            "二级",
            "high",
        ],
    ),
    (
        "minor",
        &[
            "一般",
            "一般投诉",
            "普通",
            "轻微",
            "c类",
            "三级",
            "low",
            "normal",
        ],
    ),
];

macro_rules! col {
    ($name:literal, $kind:expr, $zh:literal, [$($alias:literal),*]) => {
        Column { name: $name, kind: $kind, zh: $zh, aliases: &[$($alias),*] }
    };
}

use ValueKind::*;

pub static CUSTOMERS: &[Column] = &[
    col!(
        "id",
        Code,
        "档案编号",
        [
            "档案编号",
            "客户编号",
            "编号",
            "客户代码",
            "客户编码",
            "档案号",
            "客户id",
            "customer_id",
            "customerid",
            "no"
        ]
    ),
    col!(
        "name",
        Text,
        "客户名称",
        [
            "客户名称",
            "姓名",
            "单位名称",
            "客户姓名",
            "客户",
            "公司名称",
            "企业名称",
            "名称",
            "客户全称"
        ]
    ),
    col!(
        "kind",
        Enum(CUSTOMER_KINDS),
        "客户性质",
        ["客户性质", "客户类型", "客户类别", "性质", "类型", "type"]
    ),
    col!(
        "industry",
        Text,
        "所属行业",
        ["所属行业", "行业", "行业类别"]
    ),
    col!(
        "region",
        Region,
        "地区",
        [
            "地区",
            "省份",
            "所在地区",
            "省",
            "所在省份",
            "区域",
            "province"
        ]
    ),
    col!("city", Text, "城市", ["城市", "所在城市", "市"]),
    col!(
        "address",
        Text,
        "地址",
        [
            "地址",
            "联系地址",
            "通讯地址",
            "详细地址",
            "单位地址",
            "公司地址"
        ]
    ),
    col!(
        "contact",
        Text,
        "联系人",
        ["联系人", "联系人姓名", "对接人"]
    ),
    col!(
        "mobile",
        Mobile,
        "手机",
        [
            "手机",
            "手机号码",
            "移动电话",
            "手机号",
            "联系手机",
            "cell",
            "mobilephone"
        ]
    ),
    col!(
        "phone",
        Phone,
        "电话",
        [
            "电话",
            "固定电话",
            "办公电话",
            "座机",
            "联系电话",
            "电话号码",
            "tel",
            "telephone"
        ]
    ),
    col!(
        "email",
        Email,
        "邮箱",
        ["邮箱", "电子邮件", "e-mail", "电子邮箱", "邮件", "mail"]
    ),
    col!(
        "id_number",
        IdNumber,
        "身份证号",
        [
            "身份证号",
            "身份证号码",
            "身份证",
            "证件号码",
            "idcard",
            "idno"
        ]
    ),
    col!(
        "credit_code",
        CreditCode,
        "统一社会信用代码",
        [
            "统一社会信用代码",
            "信用代码",
            "社会信用代码",
            "税号",
            "纳税人识别号",
            "uscc"
        ]
    ),
    col!("birthday", Date, "生日", ["生日", "出生日期", "出生年月日"]),
    col!(
        "owner",
        Text,
        "负责人",
        [
            "负责人",
            "业务员",
            "客户经理",
            "销售员",
            "销售代表",
            "跟进人",
            "归属人"
        ]
    ),
    col!(
        "credit_limit",
        Money,
        "信用额度",
        ["信用额度", "授信额度", "信用限额", "额度"]
    ),
    col!(
        "credit_rating",
        Rating,
        "信用等级",
        ["信用等级", "信用评级", "资信等级", "rating"]
    ),
    col!("status", Enum(STATUSES), "状态", ["状态", "客户状态"]),
    col!("tags", Tags, "标签", ["标签", "客户标签"]),
    col!(
        "created",
        Date,
        "建档日期",
        ["建档日期", "建档时间", "创建日期", "创建时间", "登记日期"]
    ),
    col!(
        "updated",
        Date,
        "更新日期",
        [
            "最新修订时间",
            "更新日期",
            "修订日期",
            "更新时间",
            "最后修改时间",
            "修改日期"
        ]
    ),
    col!(
        "notes",
        LongText,
        "备注",
        ["备注", "说明", "备注信息", "remark", "remarks", "note"]
    ),
];

pub static TRANSACTIONS: &[Column] = &[
    col!(
        "id",
        Code,
        "单号",
        [
            "单号",
            "订单号",
            "订单编号",
            "单据编号",
            "单据号",
            "流水号",
            "交易编号",
            "order_id",
            "orderid",
            "order_no"
        ]
    ),
    col!(
        "customer_id",
        Code,
        "客户编号",
        ["客户编号", "档案编号", "客户代码", "客户编码", "customer"]
    ),
    col!(
        "date",
        Date,
        "日期",
        [
            "日期",
            "交易日期",
            "下单日期",
            "单据日期",
            "订单日期",
            "销售日期"
        ]
    ),
    col!(
        "product",
        Text,
        "商品",
        ["商品", "产品", "品名", "商品名称", "产品名称", "货品名称"]
    ),
    col!(
        "category",
        Text,
        "品类",
        ["品类", "类别", "商品类别", "产品类别", "分类", "商品分类"]
    ),
    col!("quantity", Quantity, "数量", ["数量", "件数", "qty"]),
    col!("unit_price", Money, "单价", ["单价", "价格", "price"]),
    col!(
        "amount",
        Money,
        "金额",
        [
            "金额",
            "总金额",
            "订单金额",
            "销售金额",
            "合计金额",
            "交易金额",
            "total"
        ]
    ),
    col!(
        "paid",
        Money,
        "已付金额",
        [
            "已付金额",
            "回款金额",
            "已收金额",
            "实收金额",
            "已付",
            "回款"
        ]
    ),
    col!(
        "due_date",
        Date,
        "到期日",
        ["到期日", "应收日期", "付款到期日", "账期到期日", "due"]
    ),
    col!(
        "kind",
        Enum(TRANSACTION_KINDS),
        "类型",
        ["类型", "交易类型", "单据类型", "业务类型"]
    ),
    col!(
        "region",
        Region,
        "地区",
        ["地区", "销售地区", "区域", "省份"]
    ),
];

pub static FOLLOWUPS: &[Column] = &[
    col!(
        "customer_id",
        Code,
        "客户编号",
        ["客户编号", "档案编号", "客户代码", "id"]
    ),
    col!(
        "date",
        Date,
        "日期",
        ["日期", "回访日期", "联系日期", "拜访日期"]
    ),
    col!(
        "channel",
        Text,
        "方式",
        ["方式", "回访方式", "联系方式", "渠道"]
    ),
    col!(
        "owner",
        Text,
        "负责人",
        ["负责人", "回访人", "业务员", "客户经理"]
    ),
    col!(
        "note",
        LongText,
        "内容",
        ["内容", "回访内容", "记录", "备注", "notes"]
    ),
    col!(
        "next_date",
        Date,
        "下次回访",
        ["下次回访", "下次回访日期", "下次联系日期", "下次日期"]
    ),
    col!(
        "satisfaction",
        Score,
        "满意度",
        ["满意度", "回访满意度", "客户满意度", "评价", "满意程度"]
    ),
];

pub static COMPLAINTS: &[Column] = &[
    col!(
        "id",
        Code,
        "投诉编号",
        [
            "投诉编号",
            "投诉单号",
            "编号",
            "单号",
            "记录编号",
            "抱怨编号",
            "complaint_id"
        ]
    ),
    col!(
        "customer_id",
        Code,
        "客户编号",
        ["客户编号", "档案编号", "客户代码", "客户编码", "customer"]
    ),
    col!(
        "date",
        Moment,
        "投诉日期",
        [
            "投诉日期",
            "投诉时间",
            "受理时间",
            "受理日期",
            "接报时间",
            "日期",
            "登记时间"
        ]
    ),
    col!(
        "severity",
        Enum(SEVERITIES),
        "投诉等级",
        ["投诉等级", "等级", "严重程度", "级别", "投诉级别"]
    ),
    col!(
        "category",
        Text,
        "类别",
        ["类别", "投诉类别", "投诉类型", "问题类型", "类型"]
    ),
    col!(
        "description",
        LongText,
        "投诉内容",
        ["投诉内容", "内容", "抱怨内容", "问题描述", "事由"]
    ),
    col!(
        "owner",
        Text,
        "处理人",
        ["处理人", "负责人", "受理人", "经办人"]
    ),
    col!(
        "responded",
        Moment,
        "响应时间",
        [
            "响应时间",
            "处理时间",
            "到场时间",
            "首次响应时间",
            "回复时间"
        ]
    ),
    col!(
        "resolved",
        Moment,
        "结案日期",
        ["结案日期", "解决日期", "结案时间", "解决时间", "完成日期"]
    ),
    col!(
        "resolution",
        LongText,
        "处理结果",
        ["处理结果", "处理意见", "处理情况", "解决方案"]
    ),
    col!(
        "satisfaction",
        Score,
        "满意度",
        ["满意度", "客户满意度", "顾客满意度", "评价", "回访满意度"]
    ),
];

/// Columns of an incoming transactions or follow-ups file that identify the
/// customer by another key than its archive number; used to resolve
/// `customer_id` and then kept as extra columns.
pub const CUSTOMER_LOOKUP_COLUMNS: &[&str] = &["credit_code", "id_number"];

/// Header key → canonical column of one table, from the built-in aliases and
/// the user's own (`dangan.yaml` `import.aliases`, `--map`), which win.
pub struct HeaderMap {
    keys: HashMap<String, String>,
}

impl HeaderMap {
    pub fn new(table: TableKind, user: &[(String, String)]) -> HeaderMap {
        let mut keys = HashMap::new();
        let add_cols = |cols: &[Column], keys: &mut HashMap<String, String>| {
            for c in cols {
                keys.entry(header_key(c.name))
                    .or_insert_with(|| c.name.to_string());
                keys.entry(header_key(c.zh))
                    .or_insert_with(|| c.name.to_string());
                for a in c.aliases {
                    keys.entry(header_key(a))
                        .or_insert_with(|| c.name.to_string());
                }
            }
        };
        add_cols(table.columns(), &mut keys);
        if table != TableKind::Customers {
            // lookup keys for the customer: credit code and ID number headers
            for c in CUSTOMERS
                .iter()
                .filter(|c| CUSTOMER_LOOKUP_COLUMNS.contains(&c.name))
            {
                add_cols(std::slice::from_ref(c), &mut keys);
            }
        }
        for (from, to) in user {
            keys.insert(header_key(from), to.clone());
        }
        HeaderMap { keys }
    }

    pub fn lookup(&self, header: &str) -> Option<&str> {
        self.keys.get(&header_key(header)).map(|s| s.as_str())
    }
}

/// Which table a file holds, judged from its headers: each header that maps to a
/// column of only one table counts for it. `None` when no table wins.
/// `user` gives the user's own aliases per table.
pub fn detect_table(
    headers: &[String],
    user: &dyn Fn(TableKind) -> Vec<(String, String)>,
) -> Option<TableKind> {
    let maps: Vec<(TableKind, HeaderMap)> = TableKind::ALL
        .into_iter()
        .map(|t| (t, HeaderMap::new(t, &user(t))))
        .collect();
    let mut scores = [0usize; TableKind::ALL.len()];
    for h in headers {
        let hits: Vec<usize> = maps
            .iter()
            .enumerate()
            .filter(|(_, (t, m))| m.lookup(h).is_some_and(|c| t.column(c).is_some()))
            .map(|(i, _)| i)
            .collect();
        if hits.len() == 1 {
            scores[hits[0]] += 2;
        } else {
            for i in hits {
                scores[i] += 1;
            }
        }
    }
    let best = *scores.iter().max()?;
    let winners: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] == best).collect();
    if best == 0 || winners.len() != 1 {
        return None;
    }
    Some(TableKind::ALL[winners[0]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_kinds_are_the_enum() {
        let names: Vec<&str> = TRANSACTION_KINDS.iter().map(|(c, _)| *c).collect();
        let kinds: Vec<&str> = TxKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, kinds);
    }

    #[test]
    fn aliases_per_table() {
        let c = HeaderMap::new(TableKind::Customers, &[]);
        assert_eq!(c.lookup("客户编号"), Some("id"));
        assert_eq!(c.lookup("手机号码"), Some("mobile"));
        assert_eq!(c.lookup("E-MAIL"), Some("email"));
        assert_eq!(c.lookup("信用额度（元）"), Some("credit_limit"));
        assert_eq!(c.lookup("爱好"), None);
        let t = HeaderMap::new(TableKind::Transactions, &[]);
        assert_eq!(t.lookup("客户编号"), Some("customer_id"));
        assert_eq!(t.lookup("统一社会信用代码"), Some("credit_code"));
        let user = vec![("客户全名".to_string(), "name".to_string())];
        assert_eq!(
            HeaderMap::new(TableKind::Customers, &user).lookup("客户全名"),
            Some("name")
        );
    }

    #[test]
    fn detection() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let detect_table = |h: &[String]| detect_table(h, &|_| Vec::new());
        assert_eq!(
            detect_table(&h(&["客户名称", "手机", "地区"])),
            Some(TableKind::Customers)
        );
        assert_eq!(
            detect_table(&h(&["单号", "客户编号", "日期", "金额"])),
            Some(TableKind::Transactions)
        );
        assert_eq!(
            detect_table(&h(&["客户编号", "回访日期", "回访方式", "内容"])),
            Some(TableKind::Followups)
        );
        assert_eq!(
            detect_table(&h(&[
                "投诉编号",
                "客户编号",
                "投诉日期",
                "投诉等级",
                "处理结果"
            ])),
            Some(TableKind::Complaints)
        );
        assert_eq!(detect_table(&h(&["foo", "bar"])), None);
    }
}
