#!/usr/bin/env bash
# Benchmark of `dangan import` at the sizes of issue 2: 1,000,000 customer rows
# and 10,000,000 transactions, generated as messy exports (Chinese headers,
# ¥ and 万, Chinese dates, +86 phones) by examples/gen_demo.rs, imported into an
# empty archive. Beside it, in the same run, pandas doing the least a user
# would do by hand: read the same CSV and write it back (no normalisation).
#
#   bash bench/import.sh [CUSTOMERS] [TRANSACTIONS]
#
# Needs: cargo, python3 (pandas is installed into bench-data/venv with pip),
# GNU time (/usr/bin/time) for peak memory. Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${1:-1000000}
TRANSACTIONS=${2:-10000000}
DATA=bench-data/import-$CUSTOMERS-$TRANSACTIONS
mkdir -p bench-data

TARGET=${CARGO_TARGET_DIR:-target}
[ -n "${DANGAN_BENCH_NO_BUILD:-}" ] || cargo build --release --quiet --bin dangan --example gen_demo
BIN=$TARGET/release/dangan
if [ ! -f "$DATA/transactions_export.csv" ]; then
  "$TARGET/release/examples/gen_demo" --style export --customers "$CUSTOMERS" --transactions "$TRANSACTIONS" --out "$DATA"
fi
if [ ! -x bench-data/venv/bin/python ]; then
  python3 -m venv bench-data/venv
  bench-data/venv/bin/pip install --quiet pandas duckdb
fi

measure() { # label, command...: prints seconds, peak RSS (MiB) and what the command printed
  local label=$1; shift
  local log; log=$(mktemp)
  local rc=0
  /usr/bin/time -f "%e %M" -o "$log" "$@" >"$log.out" 2>"$log.err" || rc=$?
  # dangan exits 1 when rows were rejected; anything else is a failure
  if [ "$rc" -gt 1 ]; then cat "$log.err"; exit 1; fi
  read -r secs kb < <(tail -n 1 "$log")
  local summary; summary=$(tr -d ' \n' < "$log.out")
  case "$summary" in "{"*) ;; *) summary="" ;; esac
  printf '%s\t%s\t%d\t%s\n' "$label" "$secs" $((kb / 1024)) "$summary"
  rm -f "$log" "$log.out" "$log.err"
}

cust_bytes=$(stat -c %s "$DATA/customers_export.csv")
tx_bytes=$(stat -c %s "$DATA/transactions_export.csv")
echo "input: customers $CUSTOMERS rows, $((cust_bytes / 1048576)) MiB; transactions $TRANSACTIONS rows, $((tx_bytes / 1048576)) MiB"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version)"

ARCH=$(mktemp -d bench-data/archive.XXXX)
trap 'rm -rf "$ARCH"' EXIT
echo -e "step\tseconds\tpeak_MiB\tsummary"
measure "dangan import customers" $BIN import "$DATA/customers_export.csv" --archive "$ARCH" --quiet --format json
measure "dangan import transactions" $BIN import "$DATA/transactions_export.csv" --archive "$ARCH" --quiet --format json
measure "dangan re-import transactions (all unchanged)" $BIN import "$DATA/transactions_export.csv" --archive "$ARCH" --quiet --format json
measure "pandas read+write customers" bench-data/venv/bin/python -c "import pandas as pd; pd.read_csv('$DATA/customers_export.csv', dtype=str).to_csv('$ARCH/p.csv', index=False)"
measure "pandas read+write transactions" bench-data/venv/bin/python -c "import pandas as pd; pd.read_csv('$DATA/transactions_export.csv', dtype=str).to_csv('$ARCH/p.csv', index=False)"
measure "duckdb read+write transactions" bench-data/venv/bin/python -c "import duckdb; duckdb.sql('SET enable_progress_bar=false'); duckdb.sql(\"COPY (SELECT * FROM read_csv('$DATA/transactions_export.csv', all_varchar=true)) TO '$ARCH/d.csv' (HEADER)\")"
wc -l "$ARCH/customers.csv" "$ARCH/transactions.csv"
