# DuckDB doing what `dangan analyze VIEW --as-of 2026-10-31` does (12 months
# 2025-11-01..2026-10-31 against 2024-11-01..2025-10-31), for the benchmark
# (bench/analyze.sh): the same filter, netting, distinct customers, previous
# period and shares, written to a CSV file.
# Usage: python analyze.py region|product|month|scan ARCHIVE OUT.csv
import sys, duckdb

view, archive, out = sys.argv[1], sys.argv[2], sys.argv[3]
tx = f"read_csv('{archive}/transactions.csv', all_varchar = true)"
if view == "scan":
    # reading the columns alone, for the share of the time the CSV parse takes
    duckdb.sql(f"COPY (SELECT count(*), sum(CAST(amount AS DECIMAL(18,2))), count(DISTINCT customer_id) FROM {tx}) TO '{out}' (HEADER)")
    sys.exit()
netted = """
  CASE WHEN kind IN ('return', 'discount') AND amt > 0 THEN -amt ELSE amt END AS amount,
  CASE WHEN kind = 'discount' THEN 0 WHEN kind = 'return' THEN -qty ELSE qty END AS quantity,
  date >= '2025-11-01' AS cur"""
base = f"""SELECT customer_id, date, kind, region, category,
  CAST(amount AS DECIMAL(18,2)) AS amt, CAST(quantity AS DECIMAL(18,4)) AS qty
  FROM {tx} WHERE date BETWEEN '2024-11-01' AND '2026-10-31'"""
if view == "region":
    rows = f"""SELECT g, customer_id, {netted} FROM (
      SELECT COALESCE(t.region, c.region, '') AS g, t.customer_id, t.date, t.kind, t.amt, t.qty
      FROM ({base}) t LEFT JOIN read_csv('{archive}/customers.csv', all_varchar = true) c ON t.customer_id = c.id)"""
    prev_key = "g"
elif view == "product":
    rows = f"SELECT COALESCE(category, '') AS g, customer_id, {netted} FROM ({base})"
    prev_key = "g"
else:
    rows = f"SELECT substr(date, 1, 7) AS g, customer_id, {netted} FROM ({base})"
    # a month compares with the same month a year (one period) earlier
    prev_key = "printf('%04d-%s', CAST(substr(g, 1, 4) AS INT) + 1, substr(g, 6, 2))"
order = "g" if view == "month" else "amount DESC, g"
duckdb.sql(f"""
COPY (
WITH r AS ({rows}),
cur AS (SELECT g, COUNT(DISTINCT customer_id) AS customers, COUNT(*) AS orders,
               SUM(quantity) AS quantity, SUM(amount) AS amount FROM r WHERE cur GROUP BY g),
prev AS (SELECT {prev_key} AS g, SUM(amount) AS prev_amount FROM r WHERE NOT cur GROUP BY 1)
SELECT cur.g AS {view}, customers, orders, quantity, amount,
  round(100 * amount / SUM(amount) OVER (), 2) AS share,
  round(100 * SUM(amount) OVER (ORDER BY {order} ROWS UNBOUNDED PRECEDING) / SUM(amount) OVER (), 2) AS cumulative_share,
  COALESCE(prev_amount, 0) AS prev_amount,
  round(100 * (amount - prev_amount) / abs(NULLIF(prev_amount, 0)), 2) AS change
FROM cur LEFT JOIN prev USING (g) ORDER BY {order}
) TO '{out}' (HEADER)
""")
