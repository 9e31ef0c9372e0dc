#!/usr/bin/env bash
# Benchmark of issue 22: `dangan analyze complaints` (by severity: counts,
# open, late, median and 90th-percentile hours to respond and days to
# resolve, mean satisfaction, rates per 100 customers and per ¥1M of net
# sales) on COMPLAINTS generated complaints of an archive of CUSTOMERS
# customers and TRANSACTIONS transactions, beside DuckDB running the same
# query on the same CSV files (bench/complaints.py). Runs alternate; the
# rows of both are printed so that they can be compared.
#
#   bash bench/complaints.sh [CUSTOMERS] [TRANSACTIONS] [COMPLAINTS] [ROUNDS]
source "$(dirname "$0")/common.sh"
build
C=${1:-100000}
T=${2:-1000000}
K=${3:-1000000}
ROUNDS=${4:-2}
AS_OF=2026-10-31
ARCHIVE=bench-data/complaints-$C-$T-$K
if [ ! -f "$ARCHIVE/complaints.csv" ]; then
  "$TARGET/release/examples/gen_demo" --customers "$C" --transactions "$T" --complaints "$K" --out "$ARCHIVE"
fi
echo "archive: $C customers, $T transactions ($(( $(stat -c %s "$ARCHIVE/transactions.csv") / 1048576 )) MiB), $K complaints ($(( $(stat -c %s "$ARCHIVE/complaints.csv") / 1048576 )) MiB)"
venv
echo -e "step\tseconds\tpeak_MiB"
for setting in false true; do
  copies "$setting"
  for r in $(seq "$ROUNDS"); do
    measure "dangan analyze complaints (cache: $setting), round $r" "$BIN" analyze complaints --archive "$ARCHIVE" --as-of "$AS_OF" --format csv
    measure "DuckDB, round $r" "$PY" bench/complaints.py duckdb "$ARCHIVE" "$AS_OF"
  done
done
echo "dangan:"
"$BIN" analyze complaints --archive "$ARCHIVE" --as-of "$AS_OF" --format csv
echo "DuckDB:"
"$PY" bench/complaints.py duckdb "$ARCHIVE" "$AS_OF"
