//! The numbers of the archive (polars), for `classify`, `analyze`, `report`:
//! - `ledger`: archive tables as lazy frames, and the expressions they share
//! - `cache`: binary copies of big archive CSVs in `.cache/`
//! - `column`: a column of numbers, owned or read in place from a mapped kept file
//! - `codes`: the transactions as day numbers, fen and customer rows (what grading sums)
//! - `facts`: the transactions as day numbers, signed fen and codes of their groups (what composition sums)
//! - `facts_read`: the facts read straight from a file whose facts are not kept (the CSV path)
//! - `period`: `--period`, `--from/--to`, `--as-of` and the previous period
//! - `grading`: every customer graded (the query behind classify, analyze, report)
//! - `grade_one`: one customer graded among all by counting, not sorting (`show` where no standing is kept)
//! - `tiers`: A/B/C tiers (the pareto cut), segments and risk rules, RFM
//! - `shares`: shares that add up to exactly 100.00 %
//! - `composition`: composition tables (sales by tier, region, product, ...)
//! - `customer_groups`: the per-customer groups a composition joins (segment, age band, tag, a column)
//! - `sections`: the sections of the periodic report
//! - `receivables`: outstanding and overdue amounts in ageing buckets
//! - `schedule`: the follow-up rules (回访 reasons, `due:` settings, yearly dates)
//! - `due`: the follow-up to-do list (`dangan due`, the report's section)
//! - `handover`: a book of customers spread over receivers (`dangan reassign`)
//! - `team`: the sales force per owner (`dangan analyze team`, 销售队伍效率)
//! - `complaints`: when a complaint is late, open or risky (the shared rules)
//! - `complaint_views`: the tables of `analyze complaints` and `analyze satisfaction`
//! - `standing`: one customer's grade and ageing (`show`), kept per as-of date in `.cache/`
//! - `by_customer`: a table kept sorted by customer, one customer's block by a binary search (`show`)
//! - `tx_by_customer`: one customer's transactions (`show`), from `by_customer`
//! - `prepared`: what `show` and `find` keep, made again by the command that wrote the archive
//!
//! `complaints` (its rules), `handover`, `period`, `schedule`, `shares` and `tiers` need no polars and are there without the
//! `analytics` feature.

#[cfg(feature = "analytics")]
pub mod by_customer;
#[cfg(feature = "analytics")]
pub mod cache;
#[cfg(feature = "analytics")]
pub mod codes;
#[cfg(feature = "analytics")]
pub mod column;
#[cfg(feature = "analytics")]
pub mod complaint_views;
pub mod complaints;
#[cfg(feature = "analytics")]
pub mod composition;
#[cfg(feature = "analytics")]
pub mod customer_groups;
#[cfg(feature = "analytics")]
pub mod due;
#[cfg(feature = "analytics")]
pub mod facts;
#[cfg(feature = "analytics")]
pub mod facts_read;
#[cfg(feature = "analytics")]
pub mod grade_one;
#[cfg(feature = "analytics")]
pub mod grading;
pub mod handover;
#[cfg(feature = "analytics")]
pub mod ledger;
pub mod period;
#[cfg(feature = "analytics")]
pub mod prepared;
#[cfg(feature = "analytics")]
pub mod receivables;
pub mod schedule;
#[cfg(feature = "analytics")]
pub mod sections;
pub mod shares;
#[cfg(feature = "analytics")]
pub mod standing;
#[cfg(feature = "analytics")]
pub mod team;
pub mod tiers;
#[cfg(feature = "analytics")]
pub mod tx_by_customer;
