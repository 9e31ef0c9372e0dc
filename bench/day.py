"""What a user would run instead of `dangan due --reason interval` (bench/day.sh).

    python bench/day.py duckdb-interval ARCHIVE AS_OF

Prints the number of customers past their tier's interval (A 30, B 60, C 90
days since the last follow-up, else sale, else the record's creation), the
tier being the pareto cut (80 / 95 % of 12-month net sales).
"""
import sys

cmd, archive, as_of = sys.argv[1], sys.argv[2], sys.argv[3]
if cmd == "duckdb-interval":
    import duckdb
    q = f"""
    WITH tx AS (
      SELECT customer_id, date::DATE AS date,
             CASE WHEN kind IN ('return', 'discount') THEN -amount ELSE amount END AS signed,
             kind NOT IN ('return', 'discount') AS sale
      FROM read_csv('{archive}/transactions.csv', types={{'amount': 'DECIMAL(18,2)', 'date': 'VARCHAR'}})
      WHERE date::DATE <= DATE '{as_of}'
    ), per AS (
      SELECT customer_id,
             sum(signed) FILTER (WHERE date > DATE '{as_of}' - INTERVAL 12 MONTH) AS net,
             max(date) FILTER (WHERE sale) AS last_sale
      FROM tx GROUP BY customer_id
    ), ranked AS (
      SELECT customer_id, last_sale,
             sum(greatest(net, 0)) OVER (ORDER BY net DESC, customer_id ROWS UNBOUNDED PRECEDING)
               / sum(greatest(net, 0)) OVER () AS cum,
             net
      FROM per
    ), fu AS (
      SELECT customer_id, max(date::DATE) AS last_fu
      FROM read_csv('{archive}/followups.csv', types={{'date': 'VARCHAR', 'next_date': 'VARCHAR'}})
      WHERE date::DATE <= DATE '{as_of}' GROUP BY customer_id
    ), c AS (
      SELECT id, owner, name, mobile, try_cast(created AS DATE) AS created
      FROM read_csv('{archive}/customers.csv', all_varchar=true)
    )
    SELECT c.owner, c.id, c.name,
           CASE WHEN r.net > 0 AND r.cum <= 0.80 THEN 'A' WHEN r.net > 0 AND r.cum <= 0.95 THEN 'B' ELSE 'C' END AS tier,
           coalesce(fu.last_fu, r.last_sale, c.created) AS last_contact
    FROM c LEFT JOIN ranked r ON r.customer_id = c.id LEFT JOIN fu ON fu.customer_id = c.id
    """
    due = f"""
    SELECT owner, id, name, tier, last_contact FROM ({q})
    WHERE last_contact IS NULL
       OR last_contact + CASE tier WHEN 'A' THEN 31 WHEN 'B' THEN 61 ELSE 91 END <= DATE '{as_of}'
    ORDER BY owner, last_contact NULLS FIRST, id
    """
    # written out as a CSV, as `dangan due --format csv` writes its list
    import os, tempfile
    out = os.path.join(tempfile.mkdtemp(), "due.csv")
    duckdb.sql(f"COPY ({due}) TO '{out}' (HEADER)")
    with open(out, encoding="utf-8") as f:
        print(sum(1 for _ in f))
    os.remove(out)
