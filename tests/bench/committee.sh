#!/usr/bin/env bash
# Runs seqbench against a fresh local committee: N seqd processes on
# loopback with new plaintext keys in a temporary directory, stopped (by
# PID) and removed afterwards.
#
#   tests/bench/committee.sh [-n N] [--build DIR] [--keep] -- SEQBENCH_ARGS...
#
# DIR is a build directory (default build/release); the script adds the
# --rpc flags of every node to SEQBENCH_ARGS. Example:
#   tests/bench/committee.sh -- --rate 1000 --seconds 10
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n=4 build="$root/build/release" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --keep) keep=1; shift ;;
    --) shift; break ;;
    *) echo "usage: $0 [-n N] [--build DIR] [--keep] -- SEQBENCH_ARGS..." >&2; exit 2 ;;
  esac
done
seqd="$build/node/seqd" seqctl="$build/node/seqctl" seqbench="$build/tests/bench/seqbench"
for b in "$seqd" "$seqctl" "$seqbench"; do
  [ -x "$b" ] || { echo "committee.sh: $b is missing: build $build first" >&2; exit 1; }
done
dir="$(mktemp -d "${TMPDIR:-/tmp}/seqd-bench-XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "committee.sh: kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# Ports: a random base below the ephemeral range, checked free.
base=$((20000 + RANDOM % 10000))
gen=() rpcs=()
for ((i = 0; i < n; i++)); do
  "$seqctl" keygen --out "$dir/k$i" --insecure-key >/dev/null
  gen+=(--key-dir "$dir/k$i" --endpoint "tcp://127.0.0.1:$((base + i))")
  rpcs+=(--rpc "http://127.0.0.1:$((base + 100 + i))")
done
# Ordering only (no L1 contracts named, so no batches): blocks may use the
# wire format's caps (2 MiB, 16384 txs) instead of the 100 KiB / 4096 a
# posting genesis needs to fit a block into one batch (node/README.md
# "Batches"). tests/bench/posting.sh measures a posting devnet.
"$seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 --out "$dir/genesis.json" \
  --block-tx-bytes-max 2097152 --block-txs-max 16384 "${gen[@]}" >/dev/null
for ((i = 0; i < n; i++)); do
  cat >"$dir/node$i.json" <<JSON
{"version": 1, "data_dir": "data$i", "genesis": "genesis.json", "key_dir": "k$i",
 "insecure_key": true, "rpc_listen": "http://127.0.0.1:$((base + 100 + i))", "log_level": "${SEQ_BENCH_LOG_LEVEL:-warn}"}
JSON
  "$seqd" --config "$dir/node$i.json" >>"$dir/node$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 100); do
  if "$seqctl" status "${rpcs[@]}" 2>/dev/null | awk 'NR > 1 && $4 + 0 < 1 { bad = 1 } END { exit bad }'; then
    break
  fi
  sleep 0.2
done
"$seqbench" "${rpcs[@]}" "$@"
