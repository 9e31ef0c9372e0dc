#!/usr/bin/env bash
# Benchmark of issue 19: `dangan dedupe` (查重) on 1,000,000 generated
# customers of which 2 % are a second spelling of another
# (testdata/make_dedupe.py --n: region in brackets, without 市, left out,
# province and city, full-width brackets and spaces, another legal form, a
# synonym of the trade, a landline instead of the mobile; people with +86,
# the ID number, the address and landline). Beside it, in the same run, the
# simple baseline: pairs of exactly equal names (half-width, no spaces,
# lower case: bench/dedupe.py exact-key). Precision and recall of both
# against the generator's labels. Runs alternate.
#
#   bash bench/dedupe.sh [CUSTOMERS] [ROUNDS]
source "$(dirname "$0")/common.sh"
build
N=${1:-1000000}
ROUNDS=${2:-2}
D=bench-data/dedupe-$N
if [ ! -f "$D/labels.csv" ]; then
  python3 testdata/make_dedupe.py --n "$N" --out "$D"
fi
echo "archive: $N customers ($(( $(stat -c %s "$D/customers.csv") / 1048576 )) MiB), $(( $(wc -l < "$D/labels.csv") - 1 )) labelled duplicate pairs"
OUT=$(mktemp -d)
echo -e "step\tseconds\tpeak_MiB"
for r in $(seq "$ROUNDS"); do
  measure "dangan dedupe --min-score 40, round $r" sh -c "'$BIN' dedupe --archive '$D' --min-score 40 --format csv > '$OUT/dangan.csv'"
  measure "baseline: exact name key (python), round $r" python3 bench/dedupe.py exact-key "$D" "$OUT/exact.csv"
done
echo "dangan dedupe (the default --min-score is 50):"
python3 bench/dedupe.py score "$D" "$OUT/dangan.csv" 40,45,50,55,60
echo "baseline, exact name key:"
python3 bench/dedupe.py score "$D" "$OUT/exact.csv" 0
rm -rf "$OUT"
