# DuckDB over `dangan export`'s Parquet and views.sql (bench/export.sh):
#   python export.py time VIEW EXPORT_DIR OUT.csv   run one view of views.sql, write its rows
#   python export.py check EXPORT_DIR DANGAN_DIR    compare the views with dangan's own
#       outputs (region.csv, product.csv, month.csv, classify.csv in DANGAN_DIR), to the fen
import sys, duckdb
from decimal import Decimal

def connect(export):
    con = duckdb.connect()
    con.execute(f"CREATE VIEW customers AS SELECT * FROM '{export}/customers.parquet'")
    con.execute(f"CREATE VIEW transactions AS SELECT * FROM '{export}/transactions.parquet'")
    con.execute(open(f"{export}/views.sql", encoding="utf-8").read())
    return con

if sys.argv[1] == "time":
    view, export, out = sys.argv[2:5]
    con = connect(export)
    con.execute(f"COPY (SELECT * FROM {view} ORDER BY ALL) TO '{out}' (HEADER)")
    sys.exit()

import pandas as pd
export, dangan = sys.argv[2:4]
con = connect(export)

def dec(v):
    return Decimal("0") if v in ("", None) else Decimal(str(v))

def agree(name, sql, csv, keys, cols):
    duck = con.execute(sql).df()
    ours = pd.read_csv(f"{dangan}/{csv}", dtype=str, keep_default_na=False)
    ours = ours[~ours[keys[0]].str.startswith("(")]  # (total), (other)
    key = lambda r: tuple("" if r[k] is None or (isinstance(r[k], float) and r[k] != r[k]) else str(r[k]) for k in keys)
    d = {key(r): r for _, r in duck.iterrows()}
    same = differ = missing = 0
    for _, r in ours.iterrows():
        k = key(r)
        if k not in d:
            missing += 1
            continue
        if all(dec(r[c]) == dec(d[k][c]) for c in cols):
            same += 1
        else:
            differ += 1
            if differ <= 3:
                print(f"  {name} {k}: dangan {[r[c] for c in cols]} duckdb {[d[k][c] for c in cols]}")
    ok = differ == 0 and missing == 0 and len(d) == len(ours)
    print(f"{name}: {len(ours)} rows from dangan, {len(d)} from duckdb over the export; "
          f"{same} agree on {', '.join(cols)}; {differ} differ; {missing} missing -> {'SAME' if ok else 'DIFFERENT'}")
    return ok

ok = True
ok &= agree("region", "SELECT region, customers, orders, quantity, amount, prev_amount FROM composition_region",
            "region.csv", ["region"], ["customers", "orders", "quantity", "amount", "prev_amount"])
ok &= agree("product", "SELECT category, product, customers, orders, quantity, amount, prev_amount FROM composition_product",
            "product.csv", ["category", "product"], ["customers", "orders", "quantity", "amount", "prev_amount"])
ok &= agree("month", "SELECT month, customers, orders, quantity, amount FROM composition_month",
            "month.csv", ["month"], ["customers", "orders", "quantity", "amount"])
ok &= agree("tier", "SELECT tier, customers, orders, quantity, amount, prev_amount FROM composition_tier",
            "sales.csv", ["tier"], ["customers", "orders", "quantity", "amount", "prev_amount"])
# every customer's net sales and tier
duck = con.execute("SELECT customer_id, net_sales, tier FROM tiers").df()
ours = pd.read_csv(f"{dangan}/classify.csv", dtype=str, keep_default_na=False)
d = dict(zip(duck.customer_id, zip(duck.net_sales, duck.tier)))
same = sum(1 for i, n, t in zip(ours.id, ours.net_sales, ours.tier) if i in d and dec(d[i][0]) == dec(n) and d[i][1] == t)
print(f"customers: {len(ours)} graded by dangan, {len(d)} by views.sql; net sales and tier agree on {same}"
      f" -> {'SAME' if same == len(ours) == len(d) else 'DIFFERENT'}")
ok &= same == len(ours) == len(d)
sys.exit(0 if ok else 1)
