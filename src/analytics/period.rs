//! Periods of time a classification or analysis covers, and the previous period
//! of equal length it is compared with.
//!
//! - `--period 12m` (also `6m`, `1y`, `2q`, `4w`, `90d`): the N units ending at
//!   `--as-of` (inclusive); the previous period is the N units before it.
//! - `--period 2024`, `2024-10`, `2024Q3` (or `2024-Q3`): that calendar year,
//!   month or quarter; the previous period is the calendar unit before.
//! - `--from DATE --to DATE` (inclusive): the previous period has the same number
//!   of days and ends the day before `from`.
//!
//! Without any of them the period is the 12 months ending at `--as-of`.

use anyhow::{Result, bail};
use chrono::{Datelike, Days, Months, NaiveDate};

/// Dates from `from` to `to`, both inclusive, and the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub prev_from: NaiveDate,
    pub prev_to: NaiveDate,
}

/// What `--period` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    /// N days / months ending at the as-of date
    Days(u32),
    Months(u32),
    /// a calendar unit: first day, number of months (12 year, 3 quarter, 1 month)
    Calendar(NaiveDate, u32),
}

impl PeriodSpec {
    pub fn parse(s: &str) -> Result<PeriodSpec, String> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || crate::tr!("flag_not_a_period", value = format!("{s:?}"));
        if let Some(num) = t.strip_suffix(['d', 'w', 'm', 'q', 'y'])
            && let Ok(n) = num.parse::<u32>()
        {
            if n == 0 || n > 1200 {
                return Err(format!(
                    "period {s:?}: the count must be between 1 and 1200"
                ));
            }
            return Ok(match t.as_bytes()[t.len() - 1] {
                b'd' => PeriodSpec::Days(n),
                b'w' => PeriodSpec::Days(n * 7),
                b'm' => PeriodSpec::Months(n),
                b'q' => PeriodSpec::Months(n * 3),
                _ => PeriodSpec::Months(n * 12),
            });
        }
        let year = |y: &str| -> Result<i32, String> {
            match y.parse::<i32>() {
                Ok(v) if y.len() == 4 && (1900..=9999).contains(&v) => Ok(v),
                _ => Err(bad()),
            }
        };
        if let Some((y, q)) = t.split_once('q') {
            let y = year(y.trim_end_matches('-'))?;
            let q: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            let first = NaiveDate::from_ymd_opt(y, (q - 1) * 3 + 1, 1).ok_or_else(bad)?;
            return Ok(PeriodSpec::Calendar(first, 3));
        }
        if let Some((y, m)) = t.split_once('-') {
            let y = year(y)?;
            let m: u32 = m.parse().map_err(|_| bad())?;
            let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
            return Ok(PeriodSpec::Calendar(first, 1));
        }
        let y = year(&t)?;
        Ok(PeriodSpec::Calendar(
            NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?,
            12,
        ))
    }
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeriodArgs {
    pub as_of: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub period: Option<PeriodSpec>,
}

impl PeriodArgs {
    /// These arguments, with `setting` (`classify.period` of dangan.yaml) as
    /// the period when the command line names none.
    pub fn or_setting(mut self, setting: Option<&str>) -> Result<PeriodArgs> {
        if self.period.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && let Some(p) = setting
        {
            self.period = Some(
                PeriodSpec::parse(p)
                    .map_err(|e| anyhow::anyhow!("dangan.yaml: classify.period: {e}"))?,
            );
        }
        Ok(self)
    }

    /// The as-of date and the period. The as-of date defaults to the end of an
    /// explicit period (`--to`, a calendar `--period`), else to today.
    pub fn resolve(&self, today: NaiveDate) -> Result<(NaiveDate, Period)> {
        if self.period.is_some() && (self.from.is_some() || self.to.is_some()) {
            bail!(crate::tr!("period_or_range"));
        }
        let p = match (self.from, self.to, self.period) {
            (Some(from), to, _) => {
                let to = to.or(self.as_of).unwrap_or(today);
                if from > to {
                    bail!(crate::tr!("from_after_to", from = from, to = to));
                }
                let days = (to - from).num_days() as u64 + 1;
                let prev_to = from - Days::new(1);
                Period {
                    from,
                    to,
                    prev_from: prev_to - Days::new(days - 1),
                    prev_to,
                }
            }
            (None, Some(to), _) => months_ending(to, 12),
            (None, None, Some(PeriodSpec::Calendar(first, months))) => {
                let next = first + Months::new(months);
                let prev_from = first - Months::new(months);
                Period {
                    from: first,
                    to: next - Days::new(1),
                    prev_from,
                    prev_to: first - Days::new(1),
                }
            }
            (None, None, spec) => {
                let end = self.as_of.unwrap_or(today);
                match spec {
                    Some(PeriodSpec::Days(n)) => {
                        let from = end - Days::new(n as u64 - 1);
                        let prev_to = from - Days::new(1);
                        Period {
                            from,
                            to: end,
                            prev_from: prev_to - Days::new(n as u64 - 1),
                            prev_to,
                        }
                    }
                    Some(PeriodSpec::Months(n)) => months_ending(end, n),
                    _ => months_ending(end, 12),
                }
            }
        };
        let explicit = self.to.is_some() || matches!(self.period, Some(PeriodSpec::Calendar(..)));
        let as_of = self.as_of.unwrap_or(if explicit { p.to } else { today });
        Ok((as_of, p))
    }
}

/// The `n` months ending at `end` (inclusive), and the `n` months before them.
fn months_ending(end: NaiveDate, n: u32) -> Period {
    let from = end - Months::new(n) + Days::new(1);
    let prev_to = from - Days::new(1);
    Period {
        from,
        to: end,
        prev_from: end - Months::new(2 * n) + Days::new(1),
        prev_to,
    }
}

impl Period {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// `2023-07-01..2024-06-30`
    pub fn label(&self) -> String {
        format!("{}..{}", self.from, self.to)
    }

    pub fn prev_label(&self) -> String {
        format!("{}..{}", self.prev_from, self.prev_to)
    }

    /// The months the period touches, as `YYYY-MM`.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.from.with_day(1).unwrap_or(self.from);
        while d <= self.to {
            out.push(d.format("%Y-%m").to_string());
            d = d + Months::new(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn resolve(args: PeriodArgs) -> (NaiveDate, Period) {
        args.resolve(d("2024-06-30")).unwrap()
    }

    #[test]
    fn default_is_twelve_months_to_today() {
        let (as_of, p) = resolve(PeriodArgs::default());
        assert_eq!(as_of, d("2024-06-30"));
        assert_eq!((p.from, p.to), (d("2023-07-01"), d("2024-06-30")));
        assert_eq!((p.prev_from, p.prev_to), (d("2022-07-01"), d("2023-06-30")));
    }

    #[test]
    fn relative_periods() {
        let p = |s| {
            resolve(PeriodArgs {
                as_of: Some(d("2024-03-31")),
                period: Some(PeriodSpec::parse(s).unwrap()),
                ..Default::default()
            })
            .1
        };
        let six = p("6m");
        assert_eq!((six.from, six.to), (d("2023-10-01"), d("2024-03-31")));
        assert_eq!(
            (six.prev_from, six.prev_to),
            (d("2023-04-01"), d("2023-09-30"))
        );
        let q = p("1q");
        assert_eq!((q.from, q.prev_from), (d("2024-01-01"), d("2023-10-01")));
        let days = p("30d");
        assert_eq!((days.from, days.to), (d("2024-03-02"), d("2024-03-31")));
        assert_eq!(
            (days.prev_from, days.prev_to),
            (d("2024-02-01"), d("2024-03-01"))
        );
        assert_eq!(p("1y"), p("12m"));
        assert_eq!(p("2w").days(), 14);
    }

    #[test]
    fn calendar_periods_and_as_of() {
        let (as_of, m) = resolve(PeriodArgs {
            period: Some(PeriodSpec::parse("2024-03").unwrap()),
            ..Default::default()
        });
        assert_eq!(as_of, d("2024-03-31"));
        assert_eq!((m.from, m.to), (d("2024-03-01"), d("2024-03-31")));
        assert_eq!((m.prev_from, m.prev_to), (d("2024-02-01"), d("2024-02-29")));
        let (_, q) = resolve(PeriodArgs {
            period: Some(PeriodSpec::parse("2024Q1").unwrap()),
            ..Default::default()
        });
        assert_eq!(
            (q.from, q.to, q.prev_from),
            (d("2024-01-01"), d("2024-03-31"), d("2023-10-01"))
        );
        assert_eq!(PeriodSpec::parse("2024-q1"), PeriodSpec::parse("2024Q1"));
        let (_, y) = resolve(PeriodArgs {
            period: Some(PeriodSpec::parse("2023").unwrap()),
            ..Default::default()
        });
        assert_eq!(
            (y.from, y.to, y.prev_from, y.prev_to),
            (
                d("2023-01-01"),
                d("2023-12-31"),
                d("2022-01-01"),
                d("2022-12-31")
            )
        );
        assert_eq!(y.months().len(), 12);
    }

    #[test]
    fn explicit_range_and_errors() {
        let (as_of, p) = resolve(PeriodArgs {
            from: Some(d("2024-01-01")),
            to: Some(d("2024-01-10")),
            ..Default::default()
        });
        assert_eq!(as_of, d("2024-01-10"));
        assert_eq!((p.prev_from, p.prev_to), (d("2023-12-22"), d("2023-12-31")));
        for bad in ["", "0m", "12", "m", "2024-13", "2024Q5", "abc", "12x"] {
            assert!(PeriodSpec::parse(bad).is_err(), "{bad}");
        }
        let backwards = PeriodArgs {
            from: Some(d("2024-02-01")),
            to: Some(d("2024-01-01")),
            ..Default::default()
        };
        assert!(backwards.resolve(d("2024-06-30")).is_err());
    }
}
