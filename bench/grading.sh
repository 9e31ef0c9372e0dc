#!/usr/bin/env bash
# Benchmark of grading from the transactions' codes (src/analytics/codes.rs,
# issues 17 and 21) on 1,000,000 customers and 10,000,000 transactions:
# - `classify` from the copies and codes, in turns with DuckDB's same query
#   on the CSV (bench/classify.py), and with OLD (a binary before the codes)
#   when OLD=path is set, each with its own .cache/ over hard links of the
#   same CSV files;
# - `show` of one customer at a date it was never shown at (the standing of
#   the date is made: every customer graded and aged), then again at that
#   date (the standing read), after one run that made the copies, the codes,
#   the search index and the transactions by customer.
#
#   bash bench/grading.sh [CUSTOMERS] [TRANSACTIONS] [ROUNDS]
#   OLD=/tmp/dangan-old bash bench/grading.sh 1000000 10000000 3
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
ROUNDS=${3:-3}
venv
copies true
A=$ARCHIVE
B=""
if [ -n "${OLD:-}" ]; then
  B=bench-data/grading-old
  rm -rf "$B"; mkdir -p "$B"
  for f in "$A"/*.csv "$A"/dangan.yaml; do ln -f "$f" "$B/"; done
fi
echo -e "step\tseconds\tpeak_MiB"
measure "classify, the run that makes copies and codes" "$BIN" classify --archive "$A" --as-of 2026-10-31 --format csv
[ -n "$B" ] && measure "old classify, the run that makes its copies" "$OLD" classify --archive "$B" --as-of 2026-10-31 --format csv
echo -e "copies and codes: $(du -sm "$A/.cache" | cut -f1) MiB"
for r in $(seq "$ROUNDS"); do
  measure "classify (copies, codes), round $r" "$BIN" classify --archive "$A" --as-of 2026-10-31 --format csv
  D=$SECS
  if [ -n "$B" ]; then
    measure "old classify (copies), round $r" "$OLD" classify --archive "$B" --as-of 2026-10-31 --format csv
  fi
  measure "duckdb (same query, CSV), round $r" "$PY" - "$A" "$(mktemp)" < bench/classify.py
  echo -e "ratio dangan/duckdb, round $r\t$(ratio "$D" "$SECS")"
done
if [ -n "$B" ]; then
  "$BIN" classify --archive "$A" --as-of 2026-10-31 --format csv > bench-data/new.csv
  "$OLD" classify --archive "$B" --as-of 2026-10-31 --format csv > bench-data/old.csv
  cmp bench-data/new.csv bench-data/old.csv && echo "classify: old and new give the same bytes"
fi
# show: the run that makes the index and the transactions by customer
measure "show C000777, first after a change (index, tx-by-customer)" "$BIN" show C000777 --archive "$A" --as-of 2026-10-01 --format json
[ -n "$B" ] && measure "old show C000777, first after a change" "$OLD" show C000777 --archive "$B" --as-of 2026-10-01 --format json
for r in $(seq "$ROUNDS"); do
  day=2026-09-$(printf %02d $((10 + r)))
  measure "show C000777 at $day, the first show of that date" "$BIN" show C000777 --archive "$A" --as-of "$day" --format json
  measure "show C123456 at $day, the standing kept" "$BIN" show C123456 --archive "$A" --as-of "$day" --format json
  if [ -n "$B" ]; then
    measure "old show C000777 at $day, the first show of that date" "$OLD" show C000777 --archive "$B" --as-of "$day" --format json
  fi
done
if [ -n "$B" ]; then
  for id in C000002 C123456 C999999; do
    "$BIN" show "$id" --archive "$A" --as-of 2026-09-11 --format json > bench-data/new.json
    "$OLD" show "$id" --archive "$B" --as-of 2026-09-11 --format json > bench-data/old.json
    cmp bench-data/new.json bench-data/old.json && echo "show $id: old and new give the same bytes"
  done
  rm -rf "$B"
fi
