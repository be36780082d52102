#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and runs every fuzz
# target for the given number of seconds (default 60). Fails on any crash,
# leak, timeout or oracle failure; the failing input is left in
# build/fuzz/artifacts/. New inputs go to build/fuzz/corpus/<target>, not to
# the committed seed corpus in fuzz/corpus/<target>.
#
#   fuzz/run.sh [seconds] [target...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
shift || true

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"

mkdir -p build/fuzz/artifacts
for t in "${targets[@]}"; do
  bin="build/fuzz/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: no target $t" >&2; exit 1; }
  work="build/fuzz/corpus/$t"
  log="build/fuzz/$t.log"
  mkdir -p "$work"
  echo "fuzz: $t for ${seconds}s"
  rc=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/artifacts/$t-" "$work" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" \
    | sed "s/^/fuzz: $t /" || true
  grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1 | sed "s/^/fuzz: $t /" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz: $t FAILED (exit $rc); input saved under build/fuzz/artifacts/" >&2
    exit 1
  fi
done
echo "fuzz: all targets clean"
