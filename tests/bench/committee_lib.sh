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
#   committee_l1_up BUILD N [seqctl genesis args...]
#       the same with an L1 (and the genesis default block caps, which
#       a batch can hold): anvil on 127.0.0.1 (1 s blocks, `finalized`
#       one epoch of 1 block behind), the contracts deployed by `seqctl l1
#       deploy` at the addresses `seqctl l1 predict` gave the genesis,
#       every validator's L1 account (which posts the batches) given 1000
#       ETH, every node following L1 (l1_poll_ms 100). Also sets
#       committee_l1_rpc, committee_deployment (the deployment record)
#       and committee_dev_key (a file with anvil's first funded key, which
#       deployed the contracts: it pays for `seqctl force-include`).
#       Needs anvil (deploy/setup.sh; SEQ_ANVIL names another).
#   committee_config I [JSON_MEMBERS]   (re)writes node I's config, with
#       extra top-level members, e.g. '"test": {"censor_senders": [...]}'
#       (default: committee_extra[I], which committee_up and
#       committee_l1_up also use); a running node reads it at its next
#       start
#   committee_start I / committee_kill I [SIGNAL]   one node (by PID)
#   committee_status I    seq_status of node I (JSON on stdout, "" if down)
#   committee_height I    node I's committed height ("" if down)
#   committee_wait_height H [SECONDS]   until every running node has
#       committed height H (default 30 s; fails after)
#   committee_down        stops every node and the anvil it started (by
#                         PID) and removes the directory unless
#                         COMMITTEE_KEEP=1.
# Node logs: $committee_dir/nodeI.log, level $SEQ_BENCH_LOG_LEVEL (warn);
# anvil's: $committee_dir/anvil.log.

committee_pids=()
committee_rpcs=()
committee_dir=""
committee_n=0
committee_seqd="" committee_seqctl="" committee_base=0
committee_l1_rpc="" committee_anvil_pid="" committee_deployment="" committee_dev_key=""
committee_gen=()
committee_extra=() # extra config members per node index (committee_config)
committee_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# anvil's first account, from its default mnemonic (a well-known devnet
# key, as in deploy/devnet.sh).
committee_anvil_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

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

# The top-level "height" of seq_status comes first in its JSON.
committee_height() {
  committee_status "$1" | grep -o '"height": *[0-9]*' | head -1 | grep -o '[0-9]*$' || true
}

committee_wait_height() {
  local want="$1" seconds="${2:-30}" tries i h low
  for ((tries = 0; tries < seconds * 5; tries++)); do
    low=""
    for ((i = 0; i < committee_n; i++)); do
      [ -n "${committee_pids[i]:-}" ] || continue
      h="$(committee_height "$i")"
      if [ -z "$h" ] || [ "$h" -lt "$want" ]; then low="$i"; break; fi
    done
    [ -z "$low" ] && return 0
    sleep 0.2
  done
  echo "committee: node $low did not commit height $want within $seconds s (logs in $committee_dir)" >&2
  return 1
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
  if [ -n "$committee_anvil_pid" ]; then
    kill "$committee_anvil_pid" 2>/dev/null || true
    wait "$committee_anvil_pid" 2>/dev/null || true
  fi
  committee_anvil_pid="" committee_l1_rpc="" committee_deployment="" committee_dev_key=""
  if [ -n "$committee_dir" ]; then
    if [ "${COMMITTEE_KEEP:-0}" = 1 ]; then
      echo "committee: kept $committee_dir" >&2
    else
      rm -rf "$committee_dir"
    fi
  fi
  committee_dir=""
}

committee_config() {
  local i="$1" extra="${2:-${committee_extra[$1]:-}}" l1=""
  [ -z "$committee_l1_rpc" ] || l1="
 \"l1_rpc\": \"$committee_l1_rpc\", \"l1_poll_ms\": 100,"
  [ -z "$extra" ] || extra=",
 $extra"
  cat >"$committee_dir/node$i.json" <<JSON
{"version": 1, "data_dir": "data$i", "genesis": "genesis.json", "key_dir": "k$i",
 "insecure_key": true, "rpc_listen": "${committee_rpcs[$i]}",$l1
 "log_level": "${SEQ_BENCH_LOG_LEVEL:-warn}"$extra}
JSON
}

# Keys, the directory and the ports of n nodes: sets committee_gen (the
# genesis arguments naming every key and endpoint) and committee_rpcs.
committee_prepare() {
  local build="$1" n="$2" b
  committee_seqd="$build/node/seqd" committee_seqctl="$build/node/seqctl"
  for b in "$committee_seqd" "$committee_seqctl"; do
    [ -x "$b" ] || { echo "committee: $b is missing: build $build first" >&2; return 1; }
  done
  committee_n="$n"
  committee_dir="$(mktemp -d "${TMPDIR:-/tmp}/seqd-committee-XXXXXX")"
  # Ports: a random base below the ephemeral range; anvil at base + 200.
  committee_base=$((20000 + RANDOM % 10000))
  local i
  committee_gen=() committee_rpcs=()
  for ((i = 0; i < n; i++)); do
    "$committee_seqctl" keygen --out "$committee_dir/k$i" --insecure-key >/dev/null
    committee_gen+=(--key-dir "$committee_dir/k$i" --endpoint "tcp://127.0.0.1:$((committee_base + i))")
    committee_rpcs+=("http://127.0.0.1:$((committee_base + 100 + i))")
  done
}

# Writes every config, starts every node, waits until all committed a block.
committee_launch() {
  local i args=() tries
  for ((i = 0; i < committee_n; i++)); do
    committee_config "$i"
    committee_start "$i"
  done
  for ((i = 0; i < committee_n; i++)); do args+=(--rpc "${committee_rpcs[$i]}"); done
  for ((tries = 0; tries < 150; tries++)); do
    if "$committee_seqctl" status "${args[@]}" 2>/dev/null |
      awk 'NR > 1 && $4 + 0 < 1 { bad = 1 } NR == 1 { rows = 0 } NR > 1 { rows++ } END { exit bad || rows == 0 }'; then
      return 0
    fi
    sleep 0.2
  done
  echo "committee: $committee_n nodes did not all commit within 30 s (logs in $committee_dir)" >&2
  return 1
}

committee_up() {
  local build="$1" n="$2"
  shift 2
  committee_prepare "$build" "$n"
  "$committee_seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 \
    --out "$committee_dir/genesis.json" --block-tx-bytes-max 2097152 --block-txs-max 16384 \
    "${committee_gen[@]}" "$@" >/dev/null
  committee_launch
}

# A JSON-RPC call to anvil; prints the answer.
committee_l1_call() { # method params_json
  curl -s -m 5 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$committee_l1_rpc"
}

committee_anvil_start() {
  local anvil="${SEQ_ANVIL:-$committee_root/deploy/node_modules/.bin/anvil}" tries
  [ -x "$anvil" ] || { echo "committee: $anvil is missing (deploy/setup.sh installs it)" >&2; return 1; }
  committee_l1_rpc="http://127.0.0.1:$((committee_base + 200))"
  # --slots-in-an-epoch 1: L1's `finalized` trails the head by two
  # blocks, so the final clock moves within a short run.
  "$anvil" --host 127.0.0.1 --port "$((committee_base + 200))" --chain-id 31337 --block-time 1 \
    --slots-in-an-epoch 1 --accounts 1 >"$committee_dir/anvil.log" 2>&1 &
  committee_anvil_pid=$!
  for ((tries = 0; tries < 100; tries++)); do
    committee_l1_call eth_chainId '[]' 2>/dev/null | grep -q '"result"' && return 0
    sleep 0.1
  done
  echo "committee: anvil did not answer on $committee_l1_rpc (log in $committee_dir/anvil.log)" >&2
  return 1
}

committee_l1_up() {
  local build="$1" n="$2"
  shift 2
  committee_prepare "$build" "$n"
  committee_anvil_start
  committee_dev_key="$committee_dir/dev.key" committee_deployment="$committee_dir/l1-deployment.json"
  (umask 077 && echo "$committee_anvil_key" >"$committee_dev_key")
  local predicted committee_address inbox_address addr
  predicted="$("$committee_seqctl" l1 predict --rpc "$committee_l1_rpc" --key "$committee_dev_key" --insecure-key)"
  committee_address="$(awk '$1 == "committee" { print $2 }' <<<"$predicted")"
  inbox_address="$(awk '$1 == "inbox" { print $2 }' <<<"$predicted")"
  "$committee_seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 \
    --out "$committee_dir/genesis.json" --committee-address "$committee_address" --inbox-address "$inbox_address" \
    "${committee_gen[@]}" "$@" >/dev/null
  "$committee_seqctl" l1 deploy --rpc "$committee_l1_rpc" --genesis "$committee_dir/genesis.json" \
    --key "$committee_dev_key" --insecure-key --out "$committee_deployment" \
    >"$committee_dir/deploy.log" 2>&1 ||
    { echo "committee: seqctl l1 deploy failed (see $committee_dir/deploy.log)" >&2; return 1; }
  # Each validator posts batches from the address of its validator key.
  while read -r addr; do
    committee_l1_call anvil_setBalance "[\"$addr\", \"0x3635c9adc5dea00000\"]" | grep -q '"result"' ||
      { echo "committee: anvil_setBalance $addr failed" >&2; return 1; }
  done < <(sed -n 's/.*"address": *"\(0x[0-9a-fA-F]*\)".*/\1/p' "$committee_dir/genesis.json")
  committee_launch
}
