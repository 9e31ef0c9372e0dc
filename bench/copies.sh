#!/usr/bin/env bash
# The binary copies in `.cache/` (issue 21): an older dangan (OLD, e.g. a
# build of the commit before the copy changed) against this one, each with
# its own `.cache/` over the same CSV files (hard links: same stamp), and
# DuckDB on the CSV in the same run. Prints the run that makes each copy,
# the copies' sizes against the CSV's, and ROUNDS turns of `analyze VIEW`
# and `classify` from the copies.
#
#   OLD=/tmp/dangan-old bash bench/copies.sh [CUSTOMERS] [TRANSACTIONS] [ROUNDS]
source "$(dirname "$0")/common.sh"
build
archive "${1:-1000000}" "${2:-10000000}"
venv
ROUNDS=${3:-2}
OLD=${OLD:?give OLD=path of the older dangan}
setup() {
  rm -rf "$1"; mkdir -p "$1"
  for f in "$ARCHIVE"/*.csv; do ln "$f" "$1/"; done
  printf 'archive:\n  id_prefix: C\n  id_width: 6\n  cache: true\n' > "$1/dangan.yaml"
}
A_OLD=bench-data/copies-old; A_NEW=bench-data/copies-new
setup "$A_OLD"; setup "$A_NEW"
OUT=$(mktemp -d)
args=(--as-of 2026-10-31 --format csv)
echo -e "step\tseconds\tpeak_MiB"
measure "old: analyze region, making the copies" "$OLD" analyze region --archive "$A_OLD" "${args[@]}"
measure "new: analyze region, making the copies" "$BIN" analyze region --archive "$A_NEW" "${args[@]}"
csv=$(stat -c %s "$ARCHIVE/transactions.csv")
for side in old new; do
  dir=bench-data/copies-$side
  copy=$(ls "$dir"/.cache/transactions.*.arrow)
  echo -e "$side: copy of transactions.csv\t$(( $(stat -c %s "$copy") / 1048576 )) MiB\t$(ratio "$(stat -c %s "$copy")" "$csv")× the CSV"
done
for i in $(seq "$ROUNDS"); do
  for view in region product month; do
    measure "old: analyze $view (copies), run $i" "$OLD" analyze "$view" --archive "$A_OLD" "${args[@]}"
    O=$SECS
    measure "new: analyze $view (copies), run $i" "$BIN" analyze "$view" --archive "$A_NEW" "${args[@]}"
    N=$SECS
    measure "duckdb $view on the CSV, run $i" "$PY" bench/analyze.py "$view" "$ARCHIVE" "$OUT/$view.csv"
    echo -e "ratio new/old $view, run $i\t$(ratio "$N" "$O")\tnew/duckdb $(ratio "$N" "$SECS")"
  done
  measure "old: classify (copies), run $i" "$OLD" classify --archive "$A_OLD" "${args[@]}"
  O=$SECS
  measure "new: classify (copies), run $i" "$BIN" classify --archive "$A_NEW" "${args[@]}"
  echo -e "ratio new/old classify, run $i\t$(ratio "$SECS" "$O")"
done
for view in region product month; do
  "$OLD" analyze "$view" --archive "$A_OLD" "${args[@]}" > "$OUT/old.csv"
  "$BIN" analyze "$view" --archive "$A_NEW" "${args[@]}" > "$OUT/new.csv"
  if cmp -s "$OUT/old.csv" "$OUT/new.csv"; then echo "$view: old and new copies give the same bytes"; else echo "$view: DIFFERENT"; fi
done
rm -rf "$OUT"
