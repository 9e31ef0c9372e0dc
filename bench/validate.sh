#!/usr/bin/env bash
# Benchmark of `dangan validate` (issue 3): 1,000,000 generated customer rows
# (archive style, with the generator's planted faults), checked as one file;
# beside it, in the same run, the `csv` crate alone reading the same file
# (examples/csv_count.rs) and pandas reading it.
#
#   bash bench/validate.sh [CUSTOMERS]
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${1:-1000000}
DATA=bench-data/validate-$CUSTOMERS
cargo build --release --quiet --bin dangan --example gen_demo --example csv_count
if [ ! -f "$DATA/customers.csv" ]; then
  target/release/examples/gen_demo --customers "$CUSTOMERS" --transactions 1 --out "$DATA"
fi
if [ ! -x bench-data/venv/bin/python ]; then
  python3 -m venv bench-data/venv
  bench-data/venv/bin/pip install --quiet pandas duckdb
fi
# both readers get the file from the page cache: read it once before timing
cat "$DATA/customers.csv" > /dev/null
echo "input: $CUSTOMERS customer rows, $(( $(stat -c %s "$DATA/customers.csv") / 1048576 )) MiB"
echo -e "step\tseconds\tpeak_MiB"
run() {
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" "$@" > /dev/null 2>&1 || true
  read -r secs kb < <(tail -n 1 "$log")
  printf '%s\t%s\t%d\n' "$label" "$secs" $((kb / 1024))
  rm -f "$log"
}
for i in 1 2 3 4 5; do
  run "csv crate alone (read + count), run $i" target/release/examples/csv_count "$DATA/customers.csv"
  run "dangan validate, run $i" target/release/dangan validate "$DATA/customers.csv" --as-of 2026-11-01 --format csv --fail-on never
done
run "pandas read_csv(dtype=str)" bench-data/venv/bin/python -c "import pandas as pd; pd.read_csv('$DATA/customers.csv', dtype=str)"
target/release/dangan validate "$DATA/customers.csv" --as-of 2026-11-01 --format json --fail-on never | bench-data/venv/bin/python -c "import json,sys; d=json.load(sys.stdin); print('findings:', {s['rule']+'/'+s['severity']: s['count'] for s in d['summary']})"
