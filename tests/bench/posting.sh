#!/usr/bin/env bash
# Batch posting under a steady load: a devnet (anvil with 1 s blocks and
# a committee of N seqd, deploy/devnet.sh in a temporary state directory
# and its own ports) takes seqbench's open-loop load for a while (seqbench
# reports each tx's submit -> soft-confirmed -> posted -> final); then,
# once everything committed is on L1, the script reads every node's
# /metrics and prints the posting lag (a tx's block timestamp to the batch
# holding it seen on L1 at confirmation depth, per tx, p50/p99 from the
# histogram), the L1 data bytes per tx, the compression ratio and the gas
# per tx of all postBatch transactions. Everything it started is stopped
# by PID (devnet.sh down --clean).
#
#   tests/bench/posting.sh [-n N] [--rate TX_PER_S] [--seconds S] [--size BYTES]
#
# Needs the release build (cmake --preset release && cmake --build --preset
# release): devnet.sh runs seqd and seqctl from build/release, seqbench
# comes from there too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n=4 rate=200 seconds=60 size=256
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    *) echo "usage: $0 [-n N] [--rate TX_PER_S] [--seconds S] [--size BYTES]" >&2; exit 2 ;;
  esac
done
seqbench="$root/build/release/tests/bench/seqbench"
[ -x "$seqbench" ] || { echo "posting.sh: $seqbench is missing: build the release preset" >&2; exit 1; }

state="$(mktemp -d "${TMPDIR:-/tmp}/seqd-posting-XXXXXX")"
base=$((20000 + RANDOM % 9000))
export SEQ_DEVNET_STATE="$state" SEQ_DEVNET_NAME=posting SEQ_DEVNET_SELF="$0"
export SEQ_DEVNET_PEER_PORT_BASE="$base" SEQ_DEVNET_RPC_PORT_BASE=$((base + 100))
l1_port=$((base + 200))
cleanup() { "$root/deploy/devnet.sh" down --clean >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$root/deploy/devnet.sh" up -n "$n" --port "$l1_port" --no-demo >"$state.up.log" 2>&1 \
  || { cat "$state.up.log" >&2; exit 1; }
rm -f "$state.up.log"
rpcs=() urls=()
for ((i = 0; i < n; i++)); do
  rpcs+=(--rpc "http://127.0.0.1:$((base + 100 + i))")
  urls+=("http://127.0.0.1:$((base + 100 + i))")
done

echo "== load: $rate tx/s of $size-byte opaque payloads for $seconds s, $n nodes, anvil 1 s blocks"
# seqbench follows each block to posted and final on L1 (--l1-wait).
"$seqbench" "${rpcs[@]}" --rate "$rate" --seconds "$seconds" --size "$size" --kind opaque \
  --l1-wait 60 2>&1 | sed 's/^/  /'

# Wait until the last committed height is on L1 (bounded).
metric() { # url name -> value (first sample line of that name)
  curl -s --max-time 2 "$1/metrics" | awk -v m="$2" '$1 == m { print $2; exit }'
}
target="$(metric "${urls[0]}" seq_height_committed)"
for _ in $(seq 240); do
  posted="$(metric "${urls[0]}" seq_batch_posted_height)"
  [ -n "$posted" ] && [ -n "$target" ] && [ "${posted%.*}" -ge "${target%.*}" ] && break
  sleep 0.5
done
sleep 3 # the tx managers confirm the last posts (gas is counted then)

curl -s "${urls[0]}/metrics" >"$state/metrics0"
gas=0
for u in "${urls[@]}"; do
  g="$(metric "$u" seq_batch_post_gas_used_total)"
  gas=$((gas + ${g%.*}))
done
awk -v gas="$gas" '
  /^seq_batch_post_lag_seconds_bucket/ {
    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
    n++; bound[n] = (le == "+Inf") ? -1 : le + 0; cum[n] = $2 + 0
  }
  /^seq_batch_post_lag_seconds_count/ { count = $2 + 0 }
  /^seq_batch_post_lag_seconds_sum/ { sum = $2 + 0 }
  /^seq_batch_posted_txs_total/ { txs = $2 + 0 }
  /^seq_batch_seen_total/ { batches = $2 + 0 }
  /^seq_batch_posted_data_bytes_total/ { data = $2 + 0 }
  /^seq_batch_posted_payload_bytes_total/ { payload = $2 + 0 }
  function q(p,    i, want, lo, prev) {
    want = p * count; prev = 0; lo = 0
    for (i = 1; i <= n; i++) {
      if (cum[i] >= want) {
        if (bound[i] < 0) return "> " lo " s"
        return sprintf("%.2f s", lo + (bound[i] - lo) * (want - prev) / (cum[i] - prev))
      }
      prev = cum[i]; lo = bound[i]
    }
  }
  END {
    printf "== posting (node 0 /metrics; gas summed over all posters)\n"
    printf "  batches seen on L1   %d\n", batches
    printf "  txs posted           %d\n", txs
    printf "  posting lag p50      %s (interpolated in the histogram buckets)\n", q(0.50)
    printf "  posting lag p99      %s\n", q(0.99)
    printf "  posting lag mean     %.2f s over %d txs\n", (count ? sum / count : 0), count
    if (txs > 0) {
      printf "  L1 data bytes per tx %.1f\n", data / txs
      printf "  gas per tx           %.0f (%d gas in all)\n", gas / txs, gas
    }
    if (data > 0) printf "  compression ratio    %.2f (payload %d / data %d bytes)\n", payload / data, payload, data
  }' "$state/metrics0"
