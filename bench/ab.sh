#!/usr/bin/env bash
# Compare commands in turns: each runs N times, alternating with the others,
# so that a machine whose speed drifts (host steal on a VM) slows all of them
# alike. Prints each command's wall and CPU (user + system) seconds, sorted.
#
#   bash bench/ab.sh N "label=command" "label=command" ...
#   bash bench/ab.sh 5 "old=/tmp/dangan-old validate F --format csv" "new=target/release/dangan validate F --format csv"
set -euo pipefail
N=$1; shift
declare -A W C
log=$(mktemp)
for _ in $(seq "$N"); do
  for spec in "$@"; do
    label=${spec%%=*}; cmd=${spec#*=}
    /usr/bin/time -f "%e %U %S" -o "$log" bash -c "$cmd > /dev/null 2>&1" || true
    read -r e u s < "$log"
    W[$label]+="$e "; C[$label]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') "
  done
done
rm -f "$log"
for spec in "$@"; do
  label=${spec%%=*}
  w=$(tr ' ' '\n' <<< "${W[$label]}" | sed '/^$/d' | sort -n | tr '\n' ' ')
  c=$(tr ' ' '\n' <<< "${C[$label]}" | sed '/^$/d' | sort -n | tr '\n' ' ')
  echo "$label: wall [ $w] cpu [ $c]"
done
