#!/usr/bin/env bash
# Benchmark of issue 18: `dangan due` and `dangan report --owner` on
# 1,000,000 customers, 10,000,000 transactions and 2,000,000 follow-ups.
# Beside them, in the same run, DuckDB answering the `interval` rule alone
# (bench/day.py: 12-month net sales, the pareto tier, the last contact of
# each customer from follow-ups, sales and `created`, and who is past the
# tier's interval). Runs alternate: every tool once, then again.
#
#   bash bench/day.sh [CUSTOMERS] [TRANSACTIONS] [ROUNDS]
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
ROUNDS=${3:-3}
venv
A=$ARCHIVE
AS_OF=2026-10-31
echo "follow-ups: $(( $(wc -l < "$A/followups.csv") - 1 ))"
echo -e "step\tseconds\tpeak_MiB"
OUT=$(mktemp -d)

copies false
measure "due, CSV (cache: false)" "$BIN" due --archive "$A" --as-of $AS_OF --format csv
copies true
measure "due, making the binary copies" "$BIN" due --archive "$A" --as-of $AS_OF --format csv
for r in $(seq "$ROUNDS"); do
  measure "due (copies), round $r" "$BIN" due --archive "$A" --as-of $AS_OF --format csv
  measure "due --owner 李娜 (copies), round $r" "$BIN" due --archive "$A" --as-of $AS_OF --owner 李娜 --format csv
  measure "due --reason interval (copies), round $r" "$BIN" due --archive "$A" --as-of $AS_OF --reason interval --format csv
  measure "duckdb: the interval rule, round $r" "$PY" bench/day.py duckdb-interval "$A" $AS_OF
  measure "report --owner 李娜 html (copies), round $r" "$BIN" report --archive "$A" --as-of 2026-11-01 --owner 李娜 --output "$OUT/李娜.html"
  measure "analyze team (copies), round $r" "$BIN" analyze team --archive "$A" --as-of $AS_OF --format csv
done
echo "rows: due $("$BIN" due --archive "$A" --as-of $AS_OF --format csv | wc -l), due --reason interval $("$BIN" due --archive "$A" --as-of $AS_OF --reason interval --format csv | wc -l), duckdb interval $("$PY" bench/day.py duckdb-interval "$A" $AS_OF)"
rm -rf "$OUT"
