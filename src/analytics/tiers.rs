//! Classification (SPEC "Classification"): the A/B/C tier (pareto cut or
//! thresholds), the segment (risk > key > general) with the risk rules that
//! fired, and the RFM quintile scores. Pure functions over per-customer
//! figures; `commands::classify` gathers the figures and prints the result.
//!
//! ```yaml
//! classify:                 # in dangan.yaml; every key has this default
//!   method: pareto          # pareto | threshold
//!   a: 80                   # pareto: A while the customers ranked before hold < 80 % of net sales
//!   b: 95                   #         B while they hold < 95 %
//!   a_min: 100000           # threshold: A from this net sales (yuan; "10万" works too)
//!   b_min: 10000            #            B from this
//!   period: 12m             # default period (see src/analytics/period.rs)
//!   grace_days: 30          # overdue: unpaid more than this many days after the due date
//!   risk_ratings: [C, D]    # credit_rating: these ratings are a risk
//!   decline: 50             # decline: net sales down by this % or more on the previous period
//!   key_tags: [key, 重点]   # tags that make a customer key whatever its tier
//!   off: []                 # risk rules switched off
//! # the `complaints` risk rule's count is `complaints.risk_major` (src/analytics/complaints.rs)
//! ```

use anyhow::{Result, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, clap::ValueEnum)]
pub enum Tier {
    A,
    B,
    C,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    Risk,
    Key,
    General,
}

impl Segment {
    pub const ALL: [Segment; 3] = [Segment::Risk, Segment::Key, Segment::General];

    pub fn name(self) -> &'static str {
        match self {
            Segment::Risk => "risk",
            Segment::Key => "key",
            Segment::General => "general",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Segment::Risk => "风险客户",
            Segment::Key => "重点客户",
            Segment::General => "一般客户",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    #[default]
    Pareto,
    Threshold,
}

/// Why a customer is in its segment: a risk rule that fired, or why it is
/// key. The names are stable (scripts and the `off:` setting use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    OverCreditLimit,
    Overdue,
    CreditRating,
    Churned,
    Decline,
    Complaints,
    TierA,
    KeyTag,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::OverCreditLimit => "over_credit_limit",
            Reason::Overdue => "overdue",
            Reason::CreditRating => "credit_rating",
            Reason::Churned => "churned",
            Reason::Decline => "decline",
            Reason::Complaints => "complaints",
            Reason::TierA => "tier_a",
            Reason::KeyTag => "key_tag",
        }
    }

    /// `a;b` as the `reasons` column writes them.
    pub fn join(reasons: &[Reason]) -> String {
        let names: Vec<&str> = reasons.iter().map(|r| r.name()).collect();
        names.join(";")
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// The risk rules, in the order they are listed in `reasons`.
pub const RISK_RULES: [Reason; 6] = [
    Reason::OverCreditLimit,
    Reason::Overdue,
    Reason::CreditRating,
    Reason::Churned,
    Reason::Decline,
    Reason::Complaints,
];

/// Why a customer is key rather than general.
pub const KEY_REASONS: [Reason; 2] = [Reason::TierA, Reason::KeyTag];

/// A yuan amount in the settings: a number or a text such as "10万".
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Yuan {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Yuan {
    pub fn fen(&self) -> Result<i64, String> {
        let text = match self {
            Yuan::Int(i) => i.to_string(),
            Yuan::Float(f) => f.to_string(),
            Yuan::Text(s) => s.clone(),
        };
        crate::values::money::parse_yuan(&text).map(|p| p.fen)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifySettings {
    pub method: Method,
    pub a: f64,
    pub b: f64,
    pub a_min: Yuan,
    pub b_min: Yuan,
    pub period: Option<String>,
    pub grace_days: i64,
    pub risk_ratings: Vec<String>,
    pub decline: f64,
    pub key_tags: Vec<String>,
    pub off: Vec<String>,
}

impl Default for ClassifySettings {
    fn default() -> Self {
        ClassifySettings {
            method: Method::Pareto,
            a: 80.0,
            b: 95.0,
            a_min: Yuan::Int(100_000),
            b_min: Yuan::Int(10_000),
            period: None,
            grace_days: 30,
            risk_ratings: vec!["C".into(), "D".into()],
            decline: 50.0,
            key_tags: vec!["key".into(), "重点".into()],
            off: Vec::new(),
        }
    }
}

/// The settings checked and in the units the rules use.
#[derive(Debug, Clone)]
pub struct Rules {
    pub method: Method,
    /// pareto cut-offs in hundredths of a percent
    pub a_bp: i64,
    pub b_bp: i64,
    /// thresholds in fen
    pub a_min: i64,
    pub b_min: i64,
    pub grace_days: i64,
    pub risk_ratings: Vec<String>,
    pub decline_bp: i64,
    pub key_tags: Vec<String>,
    pub off: Vec<String>,
}

fn pct_bp(name: &str, v: f64) -> Result<i64> {
    if !(v > 0.0 && v <= 100.0) {
        bail!(crate::tr!("pct_range", name = name, value = v));
    }
    Ok((v * 100.0).round() as i64)
}

impl ClassifySettings {
    pub fn resolve(&self) -> Result<Rules> {
        let a_bp = pct_bp("a", self.a)?;
        let b_bp = pct_bp("b", self.b)?;
        if a_bp > b_bp {
            bail!(crate::tr!("a_above_b", a = self.a, b = self.b));
        }
        let a_min = self
            .a_min
            .fen()
            .map_err(|e| anyhow::anyhow!("a_min: {e}"))?;
        let b_min = self
            .b_min
            .fen()
            .map_err(|e| anyhow::anyhow!("b_min: {e}"))?;
        if b_min <= 0 || a_min < b_min {
            bail!(crate::tr!("thresholds"));
        }
        if self.grace_days < 0 {
            bail!(crate::tr!("grace_days"));
        }
        for r in &self.off {
            if !RISK_RULES.iter().any(|k| k.name() == r) {
                let names: Vec<&str> = RISK_RULES.iter().map(|k| k.name()).collect();
                bail!(crate::tr!(
                    "unknown_risk_rule",
                    rule = format!("{r:?}"),
                    rules = names.join(", ")
                ));
            }
        }
        if let Some(p) = &self.period {
            crate::analytics::period::PeriodSpec::parse(p)
                .map_err(|e| anyhow::anyhow!("period: {e}"))?;
        }
        Ok(Rules {
            method: self.method,
            a_bp,
            b_bp,
            a_min,
            b_min,
            grace_days: self.grace_days,
            risk_ratings: self
                .risk_ratings
                .iter()
                .map(|r| r.trim().to_uppercase())
                .collect(),
            decline_bp: pct_bp("decline", self.decline)?,
            key_tags: self
                .key_tags
                .iter()
                .map(|t| t.trim().to_lowercase())
                .collect(),
            off: self.off.clone(),
        })
    }
}

/// Each customer's place in id order (ties between equal figures are broken
/// by id; comparing these numbers is cheaper than comparing the ids).
pub fn id_ranks(ids: &[&str]) -> Vec<u32> {
    // a file in id order (the usual one) is its own ranking
    if ids.windows(2).all(|w| w[0] < w[1]) {
        return (0..ids.len() as u32).collect();
    }
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_unstable_by(|&x, &y| ids[x as usize].cmp(ids[y as usize]));
    let mut rank = vec![0u32; ids.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

/// Customers in ranking order: net sales descending, ties by id ascending
/// (`id_rank` from [`id_ranks`]).
pub fn ranking(nets: &[i64], id_rank: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..nets.len()).collect();
    order.sort_unstable_by_key(|&i| (std::cmp::Reverse(nets[i]), id_rank[i]));
    order
}

/// The pareto cut over customers in ranking order. The base is the sum of the
/// positive net sales (the sales the ranking is over). A customer is A while
/// the customers ranked before it hold < `a_bp` of it, B while < `b_bp`, else
/// C; net sales ≤ 0 is always C.
pub fn pareto(nets: &[i64], order: &[usize], a_bp: i64, b_bp: i64) -> Vec<Tier> {
    let base: i128 = nets.iter().filter(|&&n| n > 0).map(|&n| n as i128).sum();
    let mut tiers = vec![Tier::C; nets.len()];
    let mut before: i128 = 0;
    for &i in order {
        let n = nets[i];
        if n <= 0 {
            break;
        }
        tiers[i] = if before * 10_000 < a_bp as i128 * base {
            Tier::A
        } else if before * 10_000 < b_bp as i128 * base {
            Tier::B
        } else {
            Tier::C
        };
        before += n as i128;
    }
    tiers
}

pub fn threshold(net: i64, a_min: i64, b_min: i64) -> Tier {
    if net >= a_min {
        Tier::A
    } else if net >= b_min {
        Tier::B
    } else {
        Tier::C
    }
}

/// What the risk rules look at, for one customer.
#[derive(Debug, Clone, Default)]
pub struct Standing<'a> {
    pub net: i64,
    pub prev_net: i64,
    /// amount − paid of everything up to the as-of date (returns and
    /// discounts count against it)
    pub outstanding: i64,
    /// amount − paid of sales due more than the grace days before the as-of date
    pub overdue: i64,
    pub credit_limit: Option<i64>,
    pub credit_rating: &'a str,
    pub status: &'a str,
    pub tags: &'a str,
    /// the `complaints` rule (`analytics::complaints::risky`): enough major
    /// complaints in the period, or an open major one
    pub complaints: bool,
}

impl Rules {
    /// The risk rules that fire, in `RISK_RULES` order.
    pub fn risks(&self, s: &Standing) -> Vec<Reason> {
        let on = |r: Reason| !self.off.iter().any(|o| o == r.name());
        let mut out = Vec::new();
        if on(Reason::OverCreditLimit) && s.credit_limit.is_some_and(|l| l > 0 && s.outstanding > l)
        {
            out.push(Reason::OverCreditLimit);
        }
        if on(Reason::Overdue) && s.overdue > 0 {
            out.push(Reason::Overdue);
        }
        let rating = s.credit_rating.trim();
        if on(Reason::CreditRating)
            && !rating.is_empty()
            && self
                .risk_ratings
                .iter()
                .any(|r| r.eq_ignore_ascii_case(rating))
        {
            out.push(Reason::CreditRating);
        }
        let status = s.status.trim();
        if on(Reason::Churned) && matches!(status, "lost" | "dormant") && s.prev_net > 0 {
            out.push(Reason::Churned);
        }
        if on(Reason::Decline)
            && s.prev_net > 0
            && (s.prev_net as i128 - s.net as i128) * 10_000
                >= self.decline_bp as i128 * s.prev_net as i128
        {
            out.push(Reason::Decline);
        }
        if on(Reason::Complaints) && s.complaints {
            out.push(Reason::Complaints);
        }
        out
    }

    /// Is the customer tagged as key (`key`, `重点`, or the configured tags)?
    pub fn key_tagged(&self, tags: &str) -> bool {
        !tags.is_empty()
            && tags
                .split([';', ',', '；', '，'])
                .map(str::trim)
                .any(|t| !t.is_empty() && self.key_tags.iter().any(|k| k.eq_ignore_ascii_case(t)))
    }

    /// The segment and the reasons for it: the risk rules that fired, or why
    /// the customer is key.
    pub fn segment(&self, tier: Tier, s: &Standing) -> (Segment, Vec<Reason>) {
        let risks = self.risks(s);
        if !risks.is_empty() {
            return (Segment::Risk, risks);
        }
        let mut why = Vec::new();
        if tier == Tier::A {
            why.push(KEY_REASONS[0]);
        }
        if self.key_tagged(s.tags) {
            why.push(KEY_REASONS[1]);
        }
        if why.is_empty() {
            (Segment::General, why)
        } else {
            (Segment::Key, why)
        }
    }
}

/// Quintile scores 1–5 (5 best). `better(x, y)` orders two customers best
/// first; ties are broken by id ascending (`id_rank`), so scores are
/// deterministic.
/// Customers outside the scored population (`scored[i]` false: no sale to
/// score) get 1. Among `n` scored customers, the one at position `p` (0 =
/// best) scores `5 - floor(5p / n)`.
pub fn quintiles(
    scored: &[bool],
    id_rank: &[u32],
    better: impl Fn(usize, usize) -> std::cmp::Ordering,
) -> Vec<u8> {
    let mut pop: Vec<usize> = (0..scored.len()).filter(|&i| scored[i]).collect();
    pop.sort_unstable_by(|&x, &y| better(x, y).then_with(|| id_rank[x].cmp(&id_rank[y])));
    let n = pop.len();
    let mut out = vec![1u8; scored.len()];
    for (p, &i) in pop.iter().enumerate() {
        out[i] = 5 - (5 * p / n) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_tie_at_the_boundary() {
        // base 1000: C1 500, C4 200, C2 150, C3 150 (tie broken by id)
        let ids = ["C1", "C2", "C3", "C4", "C5"];
        let nets = [500, 150, 150, 200, -30];
        let order = ranking(&nets, &id_ranks(&ids));
        assert_eq!(order, [0, 3, 1, 2, 4]);
        let t = pareto(&nets, &order, 8000, 9500);
        // before C2: 700 (70 %) → A; before C3: 850 (85 %) → B; negative → C
        assert_eq!(t, [Tier::A, Tier::A, Tier::B, Tier::A, Tier::C]);
        // exactly at the cut: before = 80 % is not below it
        let nets = [80, 10, 10];
        let t = pareto(
            &nets,
            &ranking(&nets, &id_ranks(&["a", "b", "c"])),
            8000,
            9000,
        );
        assert_eq!(t, [Tier::A, Tier::B, Tier::C]);
    }

    #[test]
    fn quintile_scores() {
        let ids = ["a", "b", "c", "d", "e", "f"];
        let vals = [10, 50, 50, 0, 30, 20];
        let scored = [true, true, true, false, true, true];
        let s = quintiles(&scored, &id_ranks(&ids), |x, y| vals[y].cmp(&vals[x]));
        // scored best first: b, c (tie by id), e, f, a → positions 0..4 of 5
        assert_eq!(s, [1, 5, 4, 1, 3, 2]);
    }

    #[test]
    fn risk_rules_alone() {
        let r = ClassifySettings::default().resolve().unwrap();
        let base = Standing {
            net: 100,
            prev_net: 100,
            ..Default::default()
        };
        assert!(r.risks(&base).is_empty());
        let fire = |s: Standing| r.risks(&s);
        assert_eq!(
            fire(Standing {
                outstanding: 101,
                credit_limit: Some(100),
                ..base.clone()
            }),
            ["over_credit_limit"]
        );
        assert!(
            fire(Standing {
                outstanding: 101,
                credit_limit: Some(0),
                ..base.clone()
            })
            .is_empty()
        );
        assert_eq!(
            fire(Standing {
                overdue: 1,
                ..base.clone()
            }),
            ["overdue"]
        );
        assert_eq!(
            fire(Standing {
                credit_rating: " d ",
                ..base.clone()
            }),
            ["credit_rating"]
        );
        assert_eq!(
            fire(Standing {
                status: "dormant",
                ..base.clone()
            }),
            ["churned"]
        );
        assert_eq!(
            fire(Standing {
                net: 50,
                ..base.clone()
            }),
            ["decline"]
        );
        assert!(
            fire(Standing {
                net: 51,
                ..base.clone()
            })
            .is_empty()
        );
        // no sales before: neither decline nor churn
        assert!(
            fire(Standing {
                net: 0,
                prev_net: 0,
                status: "lost",
                ..base.clone()
            })
            .is_empty()
        );
    }

    #[test]
    fn settings_are_checked() {
        let bad = |y: &str| {
            let s: ClassifySettings = serde_yaml::from_str(y).unwrap();
            s.resolve().is_err()
        };
        assert!(bad("a: 96"));
        assert!(bad("a: 0"));
        assert!(bad("off: [nonsense]"));
        assert!(bad("a_min: 5\nb_min: 10"));
        assert!(bad("period: soon"));
        let s: ClassifySettings = serde_yaml::from_str("a_min: 10万\nb_min: 5000.5").unwrap();
        let r = s.resolve().unwrap();
        assert_eq!((r.a_min, r.b_min), (10_000_000, 500_050));
    }
}
