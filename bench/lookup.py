"""What a user would run instead of `dangan find` / `dangan show` (bench/lookup.sh).

    python bench/lookup.py duckdb-find ARCHIVE TEXT
    python bench/lookup.py pandas-find ARCHIVE TEXT
    python bench/lookup.py duckdb-show ARCHIVE ID
    python bench/lookup.py make-log PATH ROWS
"""
import sys

cmd, arg = sys.argv[1], sys.argv[2]
if cmd == "duckdb-find":
    import duckdb
    text = sys.argv[3]
    q = f"""SELECT id, name, kind, region, city, owner, mobile FROM read_csv('{arg}/customers.csv', all_varchar=true)
            WHERE name LIKE '%{text}%' OR contact LIKE '%{text}%' OR address LIKE '%{text}%' ORDER BY name"""
    rows = duckdb.sql(q).fetchall()
    print(len(rows))
elif cmd == "pandas-find":
    import pandas as pd
    text = sys.argv[3]
    df = pd.read_csv(f"{arg}/customers.csv", dtype=str, keep_default_na=False)
    hit = df[df.name.str.contains(text) | df.contact.str.contains(text) | df.address.str.contains(text)]
    print(len(hit))
elif cmd == "duckdb-show":
    import duckdb
    cid = sys.argv[3]
    q = f"""SELECT sum(CASE WHEN kind IN ('return','discount') THEN -amount ELSE amount END), count(*), max(date)
            FROM read_csv('{arg}/transactions.csv', types={{'amount': 'DECIMAL(18,2)'}})
            WHERE customer_id = '{cid}' AND date BETWEEN '2025-11-01' AND '2026-10-31'"""
    print(duckdb.sql(q).fetchall())
    print(duckdb.sql(f"SELECT * FROM read_csv('{arg}/customers.csv', all_varchar=true) WHERE id = '{cid}'").fetchall())
elif cmd == "make-log":
    rows = int(sys.argv[3])
    with open(arg, "w", encoding="utf-8") as f:
        f.write("time,command,table,id,field,old,new,source\n")
        line = "2026-11-30T09:00:00+08:00,import,customers,C{:06d},mobile,13800138000,13900139000,客户资料.csv:{}\n"
        f.writelines(line.format(i % 1000000 + 1, i + 2) for i in range(rows))
