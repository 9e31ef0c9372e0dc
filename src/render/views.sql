-- dangan views.sql: net sales, tiers and composition tables over the export
-- of `dangan export` (typed Parquet: money DECIMAL(18,2), quantities
-- DECIMAL(18,4), dates DATE). The same text runs on DuckDB and on Spark SQL:
-- only ANSI joins, CASE, window sums, DATE literals and functions both have.
--
-- Written by dangan for the archive's period and classify settings:
--   as-of {as_of}, period {from} .. {to}, previous period {prev_from} .. {prev_to}
--
-- First register the two tables under these names, then run this file:
--   DuckDB:    CREATE VIEW customers AS SELECT * FROM 'customers.parquet';
--              CREATE VIEW transactions AS SELECT * FROM 'transactions.parquet';
--   Spark SQL: CREATE TEMPORARY VIEW customers USING parquet OPTIONS (path 'customers.parquet');
--              CREATE TEMPORARY VIEW transactions USING parquet OPTIONS (path 'transactions.parquet');
--
-- The definitions are dangan's (SPEC "Values", "Classification",
-- "Composition"); DuckDB over the export gives dangan's own numbers to the
-- fen (bench/export.sh checks it).

-- The period and the cut-offs: the only lines that change between exports.
CREATE OR REPLACE TEMPORARY VIEW dangan_period AS
SELECT DATE '{from}' AS period_from, DATE '{to}' AS period_to,
       DATE '{prev_from}' AS prev_from, DATE '{prev_to}' AS prev_to,
       '{method}' AS method,
       CAST({a_bp} AS DECIMAL(5, 0)) AS a_bp, CAST({b_bp} AS DECIMAL(5, 0)) AS b_bp,
       CAST({a_min} AS DECIMAL(18, 2)) AS a_min, CAST({b_min} AS DECIMAL(18, 2)) AS b_min;

-- Every transaction of either period, signed: a sale adds, a return or a
-- discount (stored as the positive amount taken back) takes its amount off;
-- a return takes its quantity back, a discount moves no goods. The region is
-- the transaction's own when it has one, else its customer's.
CREATE OR REPLACE TEMPORARY VIEW dangan_lines AS
SELECT t.id, t.customer_id, t.date, t.product, t.category,
       COALESCE(t.region, c.region) AS region,
       CASE WHEN t.kind IN ('return', 'discount') AND t.amount > 0 THEN -t.amount
            ELSE COALESCE(t.amount, CAST(0 AS DECIMAL(18, 2))) END AS net_amount,
       CASE WHEN t.kind = 'discount' THEN CAST(0 AS DECIMAL(18, 4))
            WHEN t.kind = 'return' THEN -COALESCE(t.quantity, CAST(0 AS DECIMAL(18, 4)))
            ELSE COALESCE(t.quantity, CAST(0 AS DECIMAL(18, 4))) END AS net_quantity,
       t.date BETWEEN p.period_from AND p.period_to AS in_period,
       t.date BETWEEN p.prev_from AND p.prev_to AS in_prev
FROM transactions t
CROSS JOIN dangan_period p
LEFT JOIN customers c ON c.id = t.customer_id
WHERE t.date BETWEEN p.prev_from AND p.period_to;

-- Net sales of every customer in the period and in the previous one
-- (a customer with no transaction has 0.00).
CREATE OR REPLACE TEMPORARY VIEW net_sales AS
SELECT c.id AS customer_id,
       COALESCE(SUM(CASE WHEN l.in_period THEN l.net_amount END), 0) AS net_sales,
       COALESCE(SUM(CASE WHEN l.in_prev THEN l.net_amount END), 0) AS prev_net_sales,
       COUNT(CASE WHEN l.in_period THEN 1 END) AS orders
FROM customers c
LEFT JOIN dangan_lines l ON l.customer_id = c.id
GROUP BY c.id;

-- Tiers. pareto: customers by net sales descending, ties by id ascending; A
-- while the customers ranked before hold < a_bp / 100 % of the positive net
-- sales, B while < b_bp / 100 %, else C; net sales <= 0 is always C.
-- threshold: A from a_min, B from b_min.
CREATE OR REPLACE TEMPORARY VIEW tiers AS
SELECT customer_id, net_sales,
       CASE WHEN method = 'threshold' THEN
                CASE WHEN net_sales >= a_min THEN 'A' WHEN net_sales >= b_min THEN 'B' ELSE 'C' END
            WHEN net_sales <= 0 THEN 'C'
            WHEN ranked_before * 10000 < a_bp * positive_total THEN 'A'
            WHEN ranked_before * 10000 < b_bp * positive_total THEN 'B'
            ELSE 'C' END AS tier
FROM (
    SELECT n.customer_id, n.net_sales, p.method, p.a_bp, p.b_bp, p.a_min, p.b_min,
           COALESCE(SUM(n.net_sales) OVER (ORDER BY n.net_sales DESC, n.customer_id ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ranked_before,
           SUM(CASE WHEN n.net_sales > 0 THEN n.net_sales ELSE 0 END) OVER () AS positive_total
    FROM net_sales n
    CROSS JOIN dangan_period p
) ranked;

-- Composition (客户构成分析): per group, the distinct customers and the
-- transactions of the period, net quantity, net amount, and the net amount of
-- the previous period. A group with no transaction in the period has no row.
CREATE OR REPLACE TEMPORARY VIEW composition_region AS
SELECT region,
       COUNT(DISTINCT CASE WHEN in_period THEN customer_id END) AS customers,
       COUNT(CASE WHEN in_period THEN 1 END) AS orders,
       COALESCE(SUM(CASE WHEN in_period THEN net_quantity END), 0) AS quantity,
       COALESCE(SUM(CASE WHEN in_period THEN net_amount END), 0) AS amount,
       COALESCE(SUM(CASE WHEN in_prev THEN net_amount END), 0) AS prev_amount
FROM dangan_lines
GROUP BY region
HAVING COUNT(CASE WHEN in_period THEN 1 END) > 0;

CREATE OR REPLACE TEMPORARY VIEW composition_product AS
SELECT category, product,
       COUNT(DISTINCT CASE WHEN in_period THEN customer_id END) AS customers,
       COUNT(CASE WHEN in_period THEN 1 END) AS orders,
       COALESCE(SUM(CASE WHEN in_period THEN net_quantity END), 0) AS quantity,
       COALESCE(SUM(CASE WHEN in_period THEN net_amount END), 0) AS amount,
       COALESCE(SUM(CASE WHEN in_prev THEN net_amount END), 0) AS prev_amount
FROM dangan_lines
GROUP BY category, product
HAVING COUNT(CASE WHEN in_period THEN 1 END) > 0;

-- 销售构成: the composition by tier (a transaction of a customer the
-- archive does not have is in the row of no tier, a null).
CREATE OR REPLACE TEMPORARY VIEW composition_tier AS
SELECT t.tier,
       COUNT(DISTINCT CASE WHEN l.in_period THEN l.customer_id END) AS customers,
       COUNT(CASE WHEN l.in_period THEN 1 END) AS orders,
       COALESCE(SUM(CASE WHEN l.in_period THEN l.net_quantity END), 0) AS quantity,
       COALESCE(SUM(CASE WHEN l.in_period THEN l.net_amount END), 0) AS amount,
       COALESCE(SUM(CASE WHEN l.in_prev THEN l.net_amount END), 0) AS prev_amount
FROM dangan_lines l
LEFT JOIN tiers t ON t.customer_id = l.customer_id
GROUP BY t.tier
HAVING COUNT(CASE WHEN l.in_period THEN 1 END) > 0;

-- Every month of the period (YYYY-MM), also one without a transaction.
CREATE OR REPLACE TEMPORARY VIEW dangan_months AS
{months};

CREATE OR REPLACE TEMPORARY VIEW composition_month AS
SELECT m.month,
       COALESCE(s.customers, 0) AS customers,
       COALESCE(s.orders, 0) AS orders,
       COALESCE(s.quantity, CAST(0 AS DECIMAL(18, 4))) AS quantity,
       COALESCE(s.amount, CAST(0 AS DECIMAL(18, 2))) AS amount
FROM dangan_months m
LEFT JOIN (
    SELECT CONCAT(CAST(YEAR(date) AS STRING), '-', LPAD(CAST(MONTH(date) AS STRING), 2, '0')) AS month,
           COUNT(DISTINCT customer_id) AS customers,
           COUNT(*) AS orders,
           SUM(net_quantity) AS quantity,
           SUM(net_amount) AS amount
    FROM dangan_lines
    WHERE in_period
    GROUP BY CONCAT(CAST(YEAR(date) AS STRING), '-', LPAD(CAST(MONTH(date) AS STRING), 2, '0'))
) s ON s.month = m.month;
