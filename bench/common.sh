# Shared by the benchmark scripts: the release build, the generated archive,
# the Python venv (pandas, duckdb) and a timer that reports peak memory.
# Sourced, not run. Not used in CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/dangan
mkdir -p bench-data

# DANGAN_BENCH_NO_BUILD=1: use the release binary as it is (while another
# build holds the target directory)
build() {
  [ -n "${DANGAN_BENCH_NO_BUILD:-}" ] || cargo build --release --quiet --locked --bins --examples "$@"
}

# archive CUSTOMERS TRANSACTIONS: a generated archive (archive style) in $ARCHIVE
archive() {
  ARCHIVE=bench-data/archive-$1-$2
  if [ ! -f "$ARCHIVE/transactions.csv" ]; then
    "$TARGET/release/examples/gen_demo" --customers "$1" --transactions "$2" --out "$ARCHIVE"
  fi
  echo "archive: $1 customers ($(( $(stat -c %s "$ARCHIVE/customers.csv") / 1048576 )) MiB), $2 transactions ($(( $(stat -c %s "$ARCHIVE/transactions.csv") / 1048576 )) MiB)"
}

# copies SETTING: `archive.cache` of the generated archive (true: the binary
# copies of src/analytics/cache.rs; false: every run parses the CSV). Turning them on
# also removes the copies made earlier, so the next run makes them again.
copies() {
  printf 'archive:\n  id_prefix: C\n  id_width: 6\n  cache: %s\n' "$1" > "$ARCHIVE/dangan.yaml"
  rm -rf "$ARCHIVE/.cache"
}

venv() {
  if [ ! -x bench-data/venv/bin/python ]; then
    python3 -m venv bench-data/venv
    bench-data/venv/bin/pip install --quiet pandas duckdb
  fi
  PY=bench-data/venv/bin/python
}

# measure LABEL COMMAND...: one line "label<TAB>seconds<TAB>peak MiB"; the
# seconds also go to $SECS for ratios
measure() {
  local label=$1; shift
  local log; log=$(mktemp)
  if ! /usr/bin/time -f "%e %M" -o "$log" "$@" > /dev/null 2> "$log.err"; then
    echo "$label: FAILED"; cat "$log.err"; exit 1
  fi
  read -r SECS kb < <(tail -n 1 "$log")
  printf '%s\t%s\t%d\n' "$label" "$SECS" $((kb / 1024))
  rm -f "$log" "$log.err"
}

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
