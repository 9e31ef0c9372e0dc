#!/usr/bin/env bash
# Benchmark of `dangan classify` (issue 4): 1,000,000 customers and 10,000,000
# transactions (generated archive), classified over the 12 months to
# 2026-10-31, the whole table written as CSV. Beside it, in the same run,
# DuckDB doing the same job in SQL (bench/classify.sql: the same sums per
# customer, the pareto cut over a window, the risk rules, RFM quintiles) and
# writing the same rows to a CSV file. dangan runs first parsing the CSV every
# time (archive.cache: false), then from its binary copies (src/analytics/cache.rs).
#
#   bash bench/classify.sh [CUSTOMERS] [TRANSACTIONS]
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
venv
echo -e "step\tseconds\tpeak_MiB"
OUT=$(mktemp -d)
# first every run parsing the CSV, then with the binary copies (src/analytics/cache.rs):
# one run that makes them, three that read them
copies false
for i in 1 2 3; do
  measure "dangan classify (CSV), run $i" "$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv
  D=$SECS
  measure "duckdb (same query), run $i" "$PY" - "$ARCHIVE" "$OUT/duckdb.csv" < bench/classify.py
  echo -e "ratio dangan/duckdb (CSV), run $i\t$(ratio "$D" "$SECS")"
done
copies true
measure "dangan classify, making the copies" "$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv
echo -e "copies: $(du -sm "$ARCHIVE/.cache" | cut -f1) MiB"
for i in 1 2 3; do
  measure "dangan classify (copies), run $i" "$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv
  D=$SECS
  measure "duckdb (same query), run $i" "$PY" - "$ARCHIVE" "$OUT/duckdb.csv" < bench/classify.py
  echo -e "ratio dangan/duckdb (copies), run $i\t$(ratio "$D" "$SECS")"
done
"$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv > "$OUT/dangan.csv"
"$PY" - "$OUT/dangan.csv" "$OUT/duckdb.csv" <<'PY'
import sys, pandas as pd
a = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).set_index("id")
b = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False).set_index("id").loc[a.index]
for c in ["net_sales", "share", "tier", "segment", "rfm", "recency_days", "orders"]:
    same = (a[c] == b[c]).sum()
    print(f"rows where dangan and duckdb agree on {c}: {same} of {len(a)}")
risk = a.segment == "risk"
same = (a[risk].reasons == b[risk].reasons).sum()
print(f"risk customers whose reasons agree: {same} of {risk.sum()}")
PY
cp "$ARCHIVE/customers.csv" "$OUT/customers.backup.csv"
measure "dangan classify --write (1st: writes)" "$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv --write
measure "dangan classify --write (2nd: nothing to write)" "$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv --write
# leave the generated archive as it was
cp "$OUT/customers.backup.csv" "$ARCHIVE/customers.csv"
rm -rf "$OUT" "$ARCHIVE/.backup"
copies true
