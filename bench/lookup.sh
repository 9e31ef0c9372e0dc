#!/usr/bin/env bash
# Benchmark of issue 17: `dangan find` and `dangan show` on 1,000,000
# customers and 10,000,000 transactions, and appends to a revision log of
# 10,000,000 rows. Beside them, in the same run, what a user would otherwise
# run: DuckDB and pandas filtering the same CSV (bench/lookup.py), and
# DuckDB summing one customer's sales. Runs alternate (bench/ab.sh style):
# every tool once, then again, so a host that drifts slows all alike.
#
#   bash bench/lookup.sh [CUSTOMERS] [TRANSACTIONS] [ROUNDS]
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
ROUNDS=${3:-3}
venv
A=$ARCHIVE
echo -e "step\tseconds\tpeak_MiB"

# --- find: without the index (cache: false: the file read every time), the
# run that builds the index, then from the index
copies false
measure "find 恒通, no index (cache: false)" "$BIN" find 恒通 --archive "$A" --format csv
copies true
measure "find 恒通, building the index" "$BIN" find 恒通 --archive "$A" --format csv
for r in $(seq "$ROUNDS"); do
  measure "find 恒通 (name), round $r" "$BIN" find 恒通 --archive "$A" --format csv
  measure "find hengtong (pinyin), round $r" "$BIN" find hengtong --archive "$A" --format csv
  measure "find 5766 (phone digits), round $r" "$BIN" find 5766 --archive "$A" --format csv
  measure "find 有限公司 (most customers), round $r" "$BIN" find 有限公司 --archive "$A" --format csv
  measure "duckdb name LIKE %恒通%, round $r" "$PY" bench/lookup.py duckdb-find "$A" 恒通
  measure "pandas name.str.contains(恒通), round $r" "$PY" bench/lookup.py pandas-find "$A" 恒通
done

# --- show: the grade needs the whole archive (the pareto cut ranks everyone)
copies false
for r in $(seq "$ROUNDS"); do
  measure "show C000002 (CSV), round $r" "$BIN" show C000002 --archive "$A" --as-of 2026-10-31 --format json
  measure "duckdb one customer's net sales, round $r" "$PY" bench/lookup.py duckdb-show "$A" C000002
done
copies true
measure "show C000002 (making the copies)" "$BIN" show C000002 --archive "$A" --as-of 2026-10-31 --format json
for r in $(seq "$ROUNDS"); do
  measure "show C000002 (copies), round $r" "$BIN" show C000002 --archive "$A" --as-of 2026-10-31 --format json
done
# a write makes again what show kept (src/analytics/prepared.rs): one
# customer row imported, then show, which makes nothing
PREP=$(mktemp --suffix .csv)
printf '客户编号,备注\nC000002,prepared\n' > "$PREP"
cp "$A/customers.csv" "$A/customers.before-prepare"
measure "import one customer row (show's files made again)" "$BIN" import "$PREP" --table customers --archive "$A" --quiet
for r in $(seq "$ROUNDS"); do
  measure "show C000002 after that import, round $r" "$BIN" show C000002 --archive "$A" --as-of 2026-10-31 --format json
done
mv "$A/customers.before-prepare" "$A/customers.csv"
rm -f "$PREP" "$A/changes.csv"
copies false

# --- appends to changes.csv: a one-customer import with no log, then with a
# log of 10,000,000 rows (the difference is what the log costs); the log's
# old bytes must be untouched (an append, not a rewrite)
ONE=$(mktemp --suffix .csv)
printf '客户编号,备注\nC000002,%s\n' "bench" > "$ONE"
rm -f "$A/changes.csv"
cp "$A/customers.csv" "$A/customers.orig"
for r in $(seq "$ROUNDS"); do
  printf '客户编号,备注\nC000002,bench-%s\n' "$r" > "$ONE"
  rm -f "$A/changes.csv"
  measure "import one row, no log, round $r" "$BIN" import "$ONE" --table customers --archive "$A" --quiet
done
"$PY" bench/lookup.py make-log "$A/changes.csv" 10000000
for r in $(seq "$ROUNDS"); do
  printf '客户编号,备注\nC000002,big-%s\n' "$r" > "$ONE"
  before=$(stat -c %s "$A/changes.csv")
  head -c "$before" "$A/changes.csv" | md5sum > /tmp/log-before.md5
  measure "import one row, log of $(( $(wc -l < "$A/changes.csv") - 1 )) rows, round $r" "$BIN" import "$ONE" --table customers --archive "$A" --quiet
  after=$(stat -c %s "$A/changes.csv")
  head -c "$before" "$A/changes.csv" | md5sum | cmp -s - /tmp/log-before.md5 && same=yes || same=NO
  echo -e "  log: $before -> $after bytes (+$((after - before))), old bytes unchanged: $same"
done
mv "$A/customers.orig" "$A/customers.csv"
rm -f "$A/changes.csv" "$ONE"
