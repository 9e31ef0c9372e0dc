# DuckDB doing what `dangan classify --as-of 2026-10-31` does, for the
# benchmark (bench/classify.sh): period 2025-11-01..2026-10-31, previous
# 2024-11-01..2025-10-31, overdue before 2026-10-01 (30 days' grace).
# Usage: python classify.py ARCHIVE OUT.csv
import sys, duckdb

archive, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"""
COPY (
WITH tx AS (
  SELECT customer_id, date, kind, due_date,
         CAST(amount AS DECIMAL(18,2)) AS amount,
         COALESCE(CAST(NULLIF(paid, '') AS DECIMAL(18,2)), 0) AS paid,
         kind IN ('return', 'discount') AS back
  FROM read_csv('{archive}/transactions.csv', all_varchar = true)
), agg AS (
  SELECT customer_id,
    SUM(CASE WHEN date BETWEEN '2025-11-01' AND '2026-10-31' THEN CASE WHEN back AND amount > 0 THEN -amount ELSE amount END ELSE 0 END) AS net,
    SUM(CASE WHEN date BETWEEN '2024-11-01' AND '2025-10-31' THEN CASE WHEN back AND amount > 0 THEN -amount ELSE amount END ELSE 0 END) AS prev_net,
    COUNT(*) FILTER (WHERE date BETWEEN '2025-11-01' AND '2026-10-31') AS orders,
    COUNT(*) FILTER (WHERE date BETWEEN '2025-11-01' AND '2026-10-31' AND NOT back) AS frequency,
    MAX(date) FILTER (WHERE date <= '2026-10-31' AND NOT back) AS last_date,
    SUM(CASE WHEN date <= '2026-10-31' THEN CASE WHEN back THEN paid - amount ELSE amount - paid END ELSE 0 END) AS outstanding,
    SUM(CASE WHEN date <= '2026-10-31' AND NOT back AND due_date < '2026-10-01' AND amount > paid THEN amount - paid ELSE 0 END) AS overdue
  FROM tx GROUP BY customer_id
), c AS (
  SELECT c.id, c.name, c.region, c.owner, c.credit_rating, c.status, c.tags,
         CAST(NULLIF(c.credit_limit, '') AS DECIMAL(18,2)) AS credit_limit,
         COALESCE(net, 0) AS net, COALESCE(prev_net, 0) AS prev_net,
         COALESCE(orders, 0) AS orders, COALESCE(frequency, 0) AS frequency, last_date,
         COALESCE(outstanding, 0) AS outstanding, COALESCE(overdue, 0) AS overdue,
         DATE '2026-10-31' - CAST(last_date AS DATE) AS recency_days
  FROM read_csv('{archive}/customers.csv', all_varchar = true) c
  LEFT JOIN agg ON c.id = agg.customer_id
), ranked AS (
  SELECT *,
    SUM(GREATEST(net, 0)) OVER (ORDER BY net DESC, id ROWS UNBOUNDED PRECEDING) - GREATEST(net, 0) AS before,
    SUM(GREATEST(net, 0)) OVER () AS base,
    CASE WHEN last_date IS NOT NULL THEN ROW_NUMBER() OVER (PARTITION BY last_date IS NOT NULL ORDER BY recency_days, id) - 1 END AS r_pos,
    COUNT(last_date) OVER () AS r_n,
    CASE WHEN frequency > 0 THEN ROW_NUMBER() OVER (PARTITION BY frequency > 0 ORDER BY frequency DESC, id) - 1 END AS f_pos,
    SUM(CASE WHEN frequency > 0 THEN 1 ELSE 0 END) OVER () AS f_n,
    CASE WHEN net > 0 THEN ROW_NUMBER() OVER (PARTITION BY net > 0 ORDER BY net DESC, id) - 1 END AS m_pos,
    SUM(CASE WHEN net > 0 THEN 1 ELSE 0 END) OVER () AS m_n
  FROM c
), graded AS (
  SELECT *,
    CASE WHEN net <= 0 THEN 'C' WHEN before < 0.80 * base THEN 'A' WHEN before < 0.95 * base THEN 'B' ELSE 'C' END AS tier,
    concat_ws(';',
      CASE WHEN credit_limit > 0 AND outstanding > credit_limit THEN 'over_credit_limit' END,
      CASE WHEN overdue > 0 THEN 'overdue' END,
      CASE WHEN upper(trim(credit_rating)) IN ('C', 'D') THEN 'credit_rating' END,
      CASE WHEN status IN ('lost', 'dormant') AND prev_net > 0 THEN 'churned' END,
      CASE WHEN prev_net > 0 AND (prev_net - net) >= 0.5 * prev_net THEN 'decline' END) AS risks,
    COALESCE(5 - (5 * r_pos) // r_n, 1) AS r_score,
    COALESCE(5 - (5 * f_pos) // f_n, 1) AS f_score,
    COALESCE(5 - (5 * m_pos) // m_n, 1) AS m_score
  FROM ranked
)
SELECT id, name, region, owner, net AS net_sales,
  CASE WHEN net > 0 THEN round(100 * net / base, 2) END AS share,
  CASE WHEN net > 0 THEN round(100 * (before + net) / base, 2) END AS cumulative_share,
  tier,
  CASE WHEN risks <> '' THEN 'risk'
       WHEN tier = 'A' OR list_has_any(string_split(lower(COALESCE(tags, '')), ';'), ['key', '重点']) THEN 'key'
       ELSE 'general' END AS segment,
  risks AS reasons, orders, last_date, recency_days, frequency, net AS monetary,
  r_score, f_score, m_score, concat(r_score, f_score, m_score) AS rfm
FROM graded ORDER BY net DESC, id
) TO '{out}' (HEADER)
""")
