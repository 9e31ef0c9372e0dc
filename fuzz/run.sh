#!/usr/bin/env bash
# Fuzz the value normalisers, header mapping and the CSV/YAML readers with
# libFuzzer (cargo fuzz), each target for a fixed budget, and print the
# executions each ran. Not part of `cargo test` (it runs for minutes and needs
# cargo-fuzz); the crashing inputs it found are kept in testdata/fuzz/<target>/
# and replayed by tests/cli/fuzz_regressions.rs on every `cargo test`.
#
#   bash fuzz/run.sh                  # every target, 120 s each
#   FUZZ_SECONDS=600 bash fuzz/run.sh csv yaml
#
# Needs: cargo install cargo-fuzz. The toolchain here is stable; cargo fuzz
# passes nightly-only flags (-Zsanitizer), which RUSTC_BOOTSTRAP=1 allows.
set -euo pipefail
cd "$(dirname "$0")"
budget="${FUZZ_SECONDS:-120}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(normalise money dates ids headers csv yaml)
fi
export RUSTC_BOOTSTRAP=1
mkdir -p logs
# seeds: values as people type them, and the test fixtures for the readers
seed_values() {
  local dir=$1; shift
  mkdir -p "$dir"
  local i=0
  for v in "$@"; do printf '%s' "$v" > "$dir/seed-$i"; i=$((i + 1)); done
}
seed_values corpus/normalise "¥1,234.50" "1.2万" "（12.00）" "+86 138 0013 8000" "020-87654321-12" \
  "2024年3月5日" "2024/3/5" "20240305" "45000" "１２３" "广东" "企业" "退货" "a;b、c" "ZHANG@Example.COM" \
  "11010519900307123x" "91440101MA59ABCD1D" "'=SUM(A1)" "2.5" "-3"
seed_values corpus/money "¥1,234.50" "1.2万" "3亿" "(12.00)" "-0.005" "1,000元" "RMB 5" "０.１"
seed_values corpus/dates "2024-03-05" "2024/3/5" "2024.3.5" "2024年3月5日" "20240305" "2024-02-30" "2024-03-05 10:20"
seed_values corpus/ids "110105199003071239" "11010519900307123X" "110105900307123" "91440101MA59ABCD1D" "9144010"
seed_values corpus/headers "客户名称" "$(printf '客户全名=name\n客户全名\n手机\n金额（元）')" "$(printf 'id\nname\nmobile')"
mkdir -p corpus/csv corpus/yaml
cp ../testdata/*.csv ../testdata/bad/*.csv ../testdata/validate/*.csv corpus/csv/ 2>/dev/null || true
cp ../testdata/*.yaml ../testdata/yaml_archive/*.yaml corpus/yaml/ 2>/dev/null || true
summary=()
for t in "${targets[@]}"; do
  mkdir -p corpus/"$t" ../testdata/fuzz/"$t"
  echo "== $t: ${budget} s"
  # new inputs go to corpus/$t; testdata/fuzz/$t (the kept crashes) is read too
  cargo fuzz run --sanitizer address "$t" corpus/"$t" ../testdata/fuzz/"$t" -- \
    -max_total_time="$budget" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    2>&1 | tee logs/"$t".log | grep -E "^(#[0-9]+.*(pulse|DONE)|Done|==[0-9]+==ERROR|SUMMARY|stat::)" || true
  runs=$(grep -oE "^Done [0-9]+ runs" logs/"$t".log | grep -oE "[0-9]+" || echo "crashed")
  summary+=("$t: $runs executions in ${budget} s")
done
echo
printf '%s\n' "${summary[@]}"
