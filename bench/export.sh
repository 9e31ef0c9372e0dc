#!/usr/bin/env bash
# Benchmark of `dangan export DIR --format parquet` (issue 21, "Past one
# machine"): the export of 1,000,000 customers and 10,000,000 transactions,
# the size of the Parquet against the CSV, DuckDB running views.sql over the
# export against DuckDB on the CSV (bench/analyze.py), and the check that
# DuckDB over the export gives dangan's own numbers to the fen: the region,
# product, month and tier compositions and every customer's net sales and
# tier (bench/export.py check).
#
#   bash bench/export.sh [CUSTOMERS] [TRANSACTIONS]
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
venv
OUT=$(mktemp -d)
EXP=$OUT/export
copies false
echo -e "step\tseconds\tpeak_MiB"
measure "dangan export (typed Parquet + views.sql)" "$BIN" export "$EXP" --archive "$ARCHIVE" --as-of 2026-10-31 --quiet
csv=$(( $(stat -c %s "$ARCHIVE/customers.csv") + $(stat -c %s "$ARCHIVE/transactions.csv") ))
pq=$(( $(stat -c %s "$EXP/customers.parquet") + $(stat -c %s "$EXP/transactions.parquet") ))
echo -e "size: CSV $((csv / 1048576)) MiB, Parquet $((pq / 1048576)) MiB ($(ratio "$pq" "$csv") of the CSV)"
for i in 1 2 3; do
  measure "duckdb composition_region over the export, run $i" "$PY" bench/export.py time composition_region "$EXP" "$OUT/r.csv"
  P=$SECS
  measure "duckdb region on the CSV (bench/analyze.py), run $i" "$PY" bench/analyze.py region "$ARCHIVE" "$OUT/rc.csv"
  echo -e "ratio parquet/csv duckdb region, run $i\t$(ratio "$P" "$SECS")"
  measure "duckdb tiers over the export, run $i" "$PY" bench/export.py time tiers "$EXP" "$OUT/t.csv"
done
for v in region month; do
  "$BIN" analyze "$v" --archive "$ARCHIVE" --as-of 2026-10-31 --format csv > "$OUT/$v.csv"
done
"$BIN" analyze product --by category,product --archive "$ARCHIVE" --as-of 2026-10-31 --format csv > "$OUT/product.csv"
"$BIN" analyze sales --archive "$ARCHIVE" --as-of 2026-10-31 --format csv > "$OUT/sales.csv"
"$BIN" classify --archive "$ARCHIVE" --as-of 2026-10-31 --format csv > "$OUT/classify.csv"
"$PY" bench/export.py check "$EXP" "$OUT"
rm -rf "$OUT"
copies true
