#!/usr/bin/env bash
# Before/after check of a change that should not change behaviour (issue 16):
# runs every command, in every format, with two binaries on copies of the
# demo archive and of each archive in testdata/, at the same path, and
# reports every command whose stdout, stderr or exit code differ.
#
#   bash bench/compare.sh OLD_BINARY NEW_BINARY
#
# Exit 0 when all agree, 1 otherwise (the differences are printed).
set -uo pipefail
cd "$(dirname "$0")/.."
OLD=$(realpath "$1"); NEW=$(realpath "$2")
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
export DANGAN_LANG=en DANGAN_TODAY=2026-11-01
runs() {
  local f v
  for f in csv json yaml table markdown; do
    echo "validate --format $f --as-of 2026-11-01"
    echo "classify --format $f --as-of 2026-11-01"
    for v in sales region product kind owner month credit; do
      echo "analyze $v --format $f --as-of 2026-11-01"
    done
  done
  for f in text markdown html json; do echo "report --format $f --as-of 2026-11-01 --lang zh"; done
  echo "report --format json --as-of 2026-11-01 --period quarter"
  echo "classify --as-of 2026-11-01 --method threshold --a-min 10万 --b-min 1万 --format csv"
  echo "import examples/new_customers.csv --dry-run --format csv"
}
archives=(examples/demo)
for d in testdata/*/; do
  [ -f "$d/customers.csv" ] || [ -f "$d/customers.yaml" ] || continue
  archives+=("${d%/}")
done
fail=0; n=0
for a in "${archives[@]}"; do
  while read -r cmd; do
    for side in old new; do
      rm -rf "$WORK/archive"; cp -r "$a" "$WORK/archive"; rm -rf "$WORK/archive/.cache"
      bin=$OLD; [ $side = new ] && bin=$NEW
      # shellcheck disable=SC2086
      (cd "$WORK" && "$bin" $cmd --archive archive > "$WORK/$side.out" 2> "$WORK/$side.err"; echo $? > "$WORK/$side.code")
      cp -r "$WORK/archive" "$WORK/$side.archive"
    done
    n=$((n + 1))
    for part in out err code; do
      if ! cmp -s "$WORK/old.$part" "$WORK/new.$part"; then
        echo "DIFFERS ($part): $a: dangan $cmd"
        diff "$WORK/old.$part" "$WORK/new.$part" | head -10
        fail=1
      fi
    done
    rm -rf "$WORK/old.archive" "$WORK/new.archive"
  done < <(runs)
done
echo "$n commands compared on ${#archives[@]} archives"
exit $fail
