#!/usr/bin/env bash
# Runs seqbench against a fresh local committee: N seqd processes on
# loopback with new plaintext keys in a temporary directory, stopped (by
# PID) and removed afterwards (committee_lib.sh).
#
#   tests/bench/committee.sh [-n N] [--build DIR] [--keep] -- SEQBENCH_ARGS...
#
# DIR is a build directory (default build/release); the script adds the
# --rpc flags of every node to SEQBENCH_ARGS. Example:
#   tests/bench/committee.sh -- --rate 1000 --seconds 10
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tests/bench/committee_lib.sh
. "$root/tests/bench/committee_lib.sh"
n=4 build="$root/build/release"
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --keep) export COMMITTEE_KEEP=1; shift ;;
    --) shift; break ;;
    *) echo "usage: $0 [-n N] [--build DIR] [--keep] -- SEQBENCH_ARGS..." >&2; exit 2 ;;
  esac
done
seqbench="$build/tests/bench/seqbench"
[ -x "$seqbench" ] || { echo "committee.sh: $seqbench is missing: build $build first" >&2; exit 1; }
trap committee_down EXIT
committee_up "$build" "$n"
rpcs=()
for url in "${committee_rpcs[@]}"; do rpcs+=(--rpc "$url"); done
"$seqbench" "${rpcs[@]}" "$@"
