"""What a user would run instead of `dangan analyze complaints` (bench/complaints.sh).

    python bench/complaints.py duckdb ARCHIVE AS_OF

Prints, per severity, over the complaints of known customers dated in the 12
months to AS_OF: count, open, late, the median and 90th percentile of hours to
the response (the response, else the resolution), of days to resolve, the mean
satisfaction, and complaints per 100 customers and per ¥1M of net sales: the
definitions of docs/complaints.md, as CSV like `dangan analyze complaints
--format csv`.
"""
import sys

cmd, archive, as_of = sys.argv[1], sys.argv[2], sys.argv[3]
if cmd == "duckdb":
    import duckdb
    period = f"date::DATE > DATE '{as_of}' - INTERVAL 12 MONTH AND date::DATE <= DATE '{as_of}'"
    q = f"""
    WITH c AS (
      SELECT id FROM read_csv('{archive}/customers.csv', all_varchar=true)
    ), tx AS (
      SELECT sum(CASE WHEN kind IN ('return', 'discount') THEN -amount ELSE amount END) AS net
      FROM read_csv('{archive}/transactions.csv', types={{'amount': 'DECIMAL(18,2)', 'date': 'VARCHAR'}})
      WHERE {period}
    ), k AS (
      SELECT severity, date::TIMESTAMP AS t0,
             try_cast(responded AS TIMESTAMP) AS resp, try_cast(resolved AS TIMESTAMP) AS res,
             try_cast(satisfaction AS INTEGER) AS score,
             CASE severity WHEN 'major' THEN 1440 WHEN 'serious' THEN 2880 ELSE 4320 END AS lim
      FROM read_csv('{archive}/complaints.csv', all_varchar=true)
      WHERE customer_id IN (SELECT id FROM c) AND {period}
    ), k2 AS (
      SELECT *,
             date_diff('minute', t0, coalesce(
               CASE WHEN resp::DATE <= DATE '{as_of}' THEN resp END,
               CASE WHEN res::DATE <= DATE '{as_of}' THEN res END)) AS took,
             CASE WHEN res::DATE <= DATE '{as_of}' THEN date_diff('day', t0::DATE, res::DATE) END AS days
      FROM k
    )
    SELECT severity, count(*) AS complaints,
           count(*) FILTER (WHERE res IS NULL OR res::DATE > DATE '{as_of}') AS open,
           count(*) FILTER (WHERE coalesce(took, date_diff('minute', t0, DATE '{as_of}' + INTERVAL 1 DAY)) > lim) AS late,
           round(median(took) / 60, 2) AS median_response_hours,
           round(quantile_cont(took, 0.9) / 60, 2) AS p90_response_hours,
           round(median(days), 2) AS median_resolve_days,
           round(quantile_cont(days, 0.9), 2) AS p90_resolve_days,
           round(avg(score), 2) AS satisfaction,
           round(count(*) * 100.0 / (SELECT count(*) FROM c), 2) AS per_100_customers,
           round(count(*) * 1000000.0 / (SELECT net FROM tx), 2) AS per_million_sales
    FROM k2 GROUP BY severity ORDER BY CASE severity WHEN 'major' THEN 0 WHEN 'serious' THEN 1 ELSE 2 END
    """
    for row in duckdb.sql(q).fetchall():
        print(",".join("" if v is None else str(v) for v in row))
else:
    sys.exit(f"unknown command {cmd}")
