# shellcheck shell=bash
# committee_lib.sh — a fresh local committee of N seqd processes on
# loopback, for the benchmark scripts (sourced by committee.sh and
# experiment.sh; bash).
#
#   committee_up BUILD N [seqctl genesis args...]
#       new plaintext keys, an ordering-only genesis (no L1 contracts, so
#       no batches; the wire format's block caps: 2 MiB, 16384 txs) and one
#       config per node in a temporary directory ($committee_dir), then
#       starts every node and waits until all have committed a block.
#       Sets committee_rpcs[i] (http://127.0.0.1:PORT) and committee_pids[i].
#   committee_start I / committee_kill I [SIGNAL]   one node (by PID)
#   committee_status I    seq_status of node I (JSON on stdout, "" if down)
#   committee_down        stops every node it started (by PID) and removes
#                         the directory unless COMMITTEE_KEEP=1.
# Node logs: $committee_dir/nodeI.log, level $SEQ_BENCH_LOG_LEVEL (warn).

committee_pids=()
committee_rpcs=()
committee_dir=""
committee_n=0
committee_seqd="" committee_seqctl=""

committee_start() {
  local i="$1"
  "$committee_seqd" --config "$committee_dir/node$i.json" >>"$committee_dir/node$i.log" 2>&1 &
  committee_pids[i]=$!
}

committee_kill() {
  local i="$1" sig="${2:-KILL}" pid="${committee_pids[$1]:-}"
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  committee_pids[i]=""
}

committee_status() {
  curl -s -m 2 -d '{"jsonrpc":"2.0","id":1,"method":"seq_status"}' "${committee_rpcs[$1]}" \
    2>/dev/null || true
}

committee_down() {
  local i
  for ((i = 0; i < committee_n; i++)); do
    if [ -n "${committee_pids[i]:-}" ]; then kill "${committee_pids[i]}" 2>/dev/null || true; fi
  done
  for ((i = 0; i < committee_n; i++)); do
    if [ -n "${committee_pids[i]:-}" ]; then wait "${committee_pids[i]}" 2>/dev/null || true; fi
  done
  committee_pids=()
  if [ -n "$committee_dir" ]; then
    if [ "${COMMITTEE_KEEP:-0}" = 1 ]; then
      echo "committee: kept $committee_dir" >&2
    else
      rm -rf "$committee_dir"
    fi
  fi
  committee_dir=""
}

committee_up() {
  local build="$1" n="$2"
  shift 2
  committee_seqd="$build/node/seqd" committee_seqctl="$build/node/seqctl"
  local b
  for b in "$committee_seqd" "$committee_seqctl"; do
    [ -x "$b" ] || { echo "committee: $b is missing: build $build first" >&2; return 1; }
  done
  committee_n="$n"
  committee_dir="$(mktemp -d "${TMPDIR:-/tmp}/seqd-committee-XXXXXX")"
  # Ports: a random base below the ephemeral range.
  local base=$((20000 + RANDOM % 10000)) i gen=()
  committee_rpcs=()
  for ((i = 0; i < n; i++)); do
    "$committee_seqctl" keygen --out "$committee_dir/k$i" --insecure-key >/dev/null
    gen+=(--key-dir "$committee_dir/k$i" --endpoint "tcp://127.0.0.1:$((base + i))")
    committee_rpcs+=("http://127.0.0.1:$((base + 100 + i))")
  done
  "$committee_seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 \
    --out "$committee_dir/genesis.json" --block-tx-bytes-max 2097152 --block-txs-max 16384 \
    "${gen[@]}" "$@" >/dev/null
  for ((i = 0; i < n; i++)); do
    cat >"$committee_dir/node$i.json" <<JSON
{"version": 1, "data_dir": "data$i", "genesis": "genesis.json", "key_dir": "k$i",
 "insecure_key": true, "rpc_listen": "${committee_rpcs[$i]}", "log_level": "${SEQ_BENCH_LOG_LEVEL:-warn}"}
JSON
    committee_start "$i"
  done
  local args=() tries
  for ((i = 0; i < n; i++)); do args+=(--rpc "${committee_rpcs[$i]}"); done
  for ((tries = 0; tries < 150; tries++)); do
    if "$committee_seqctl" status "${args[@]}" 2>/dev/null |
      awk 'NR > 1 && $4 + 0 < 1 { bad = 1 } NR == 1 { rows = 0 } NR > 1 { rows++ } END { exit bad || rows == 0 }'; then
      return 0
    fi
    sleep 0.2
  done
  echo "committee: $n nodes did not all commit within 30 s (logs in $committee_dir)" >&2
  return 1
}
