#!/usr/bin/env bash
# Benchmark of `dangan analyze` (issue 5): the region, product and month views
# over 10,000,000 generated transactions (CSV; 1,000,000 customers for the
# region join), 12 months to 2026-10-31 against the 12 before. Beside each,
# in the same run, DuckDB running the same query on the same CSV files
# (bench/analyze.py) and writing the same rows. dangan runs first parsing the
# CSV every time (archive.cache: false), then from its binary copies
# (src/analytics/cache.rs). Then the share of the time that is reading the CSV: both
# tools only reading the columns.
#
#   bash bench/analyze.sh [CUSTOMERS] [TRANSACTIONS]
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
venv
OUT=$(mktemp -d)
echo -e "step\tseconds\tpeak_MiB"
for view in region product month; do
  # every run parsing the CSV, then one making the binary copies
  # (src/analytics/cache.rs) and three reading them
  copies false
  for i in 1 2 3; do
    measure "dangan analyze $view (CSV), run $i" "$BIN" analyze "$view" --archive "$ARCHIVE" --as-of 2026-10-31 --format csv
    D=$SECS
    measure "duckdb $view, run $i" "$PY" bench/analyze.py "$view" "$ARCHIVE" "$OUT/$view.csv"
    echo -e "ratio dangan/duckdb $view (CSV), run $i\t$(ratio "$D" "$SECS")"
  done
  copies true
  measure "dangan analyze $view, making the copies" "$BIN" analyze "$view" --archive "$ARCHIVE" --as-of 2026-10-31 --format csv
  for i in 1 2 3; do
    measure "dangan analyze $view (copies), run $i" "$BIN" analyze "$view" --archive "$ARCHIVE" --as-of 2026-10-31 --format csv
    D=$SECS
    measure "duckdb $view, run $i" "$PY" bench/analyze.py "$view" "$ARCHIVE" "$OUT/$view.csv"
    echo -e "ratio dangan/duckdb $view (copies), run $i\t$(ratio "$D" "$SECS")"
  done
  "$BIN" analyze "$view" --archive "$ARCHIVE" --as-of 2026-10-31 --format csv > "$OUT/$view.dangan.csv"
  "$PY" - "$OUT/$view.dangan.csv" "$OUT/$view.csv" <<'PY'
import sys, pandas as pd
a = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
b = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
key = a.columns[0]
a, b = a.set_index(key), b.set_index(b.columns[0])
same = sum(1 for k in a.index if k in b.index and float(a.loc[k, "amount"]) == float(b.loc[k, "amount"]) and a.loc[k, "customers"] == b.loc[k, "customers"])
print(f"{key}: {len(a)} rows; amount and customers agree with duckdb on {same}")
PY
done
# reading alone: a one-day period still reads the whole file
copies false
measure "dangan analyze month, one-day period (read + filter)" "$BIN" analyze month --archive "$ARCHIVE" --from 2026-10-31 --to 2026-10-31 --format csv
measure "duckdb read amount + customer_id (count, sum, distinct)" "$PY" bench/analyze.py scan "$ARCHIVE" "$OUT/scan.csv"
rm -rf "$OUT"
copies true
