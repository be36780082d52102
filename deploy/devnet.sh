#!/usr/bin/env bash
# The local devnet: an anvil L1 on 127.0.0.1 with the seqd contracts
# deployed, plus a committee of N seqd nodes on loopback ordering
# transactions and following the contracts (plaintext devnet keys; the
# nodes do not post batches to L1 yet).
#
#   deploy/devnet.sh up [-n N] [--port PORT]   install, build, start
#   deploy/devnet.sh status                     what is running
#   deploy/devnet.sh down [--clean]             stop exactly what `up` started;
#                                               --clean also deletes keys and data
#
# State (keys, genesis, L1 deployment record, anvil's chain, configs, data,
# pid files, logs) lives in deploy/.devnet/. Node i listens for peers on 127.0.0.1:(27000 + i) and
# serves its API on http://127.0.0.1:(27100 + i).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# deploy/local-committee.sh runs this script without an L1, in its own
# state directory and ports (SEQ_DEVNET_L1=0 and the variables below).
with_l1="${SEQ_DEVNET_L1:-1}"
name="${SEQ_DEVNET_NAME:-devnet}"
self="${SEQ_DEVNET_SELF:-deploy/devnet.sh}"
state="${SEQ_DEVNET_STATE:-$here/.devnet}"
anvil="$here/node_modules/.bin/anvil"
cast="$here/node_modules/.bin/cast"

log() { printf '%s: %s\n' "$name" "$*"; }
die() { printf '%s: error: %s\n' "$name" "$*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

seqd="$root/build/release/node/seqd"
seqctl="$root/build/release/node/seqctl"
peer_port_base="${SEQ_DEVNET_PEER_PORT_BASE:-27000}"
rpc_port_base="${SEQ_DEVNET_RPC_PORT_BASE:-27100}"
# anvil's first funded account (a well-known devnet key): deploys the
# contracts and owns the Committee.
deployer_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

# The committee size of the existing devnet state, or empty.
devnet_size() { [ -f "$state/nodes" ] && cat "$state/nodes"; }

rpc_args() {
  local n i args=()
  n="$(devnet_size)"
  for ((i = 0; i < n; i++)); do args+=(--rpc "http://127.0.0.1:$((rpc_port_base + i))"); done
  printf '%s\n' "${args[@]}"
}

# Keys, genesis, the L1 deployment and configs for n nodes, once; a devnet
# of another size must be removed first (down --clean). The genesis names
# the contract addresses (predicted from the deployer's nonce), so that
# every signature the committee makes is bound to this deployment.
committee_init() {
  local n="$1" i gen=() rpc="" predicted committee inbox l1_line=""
  [ "$with_l1" = 0 ] || rpc="$(cat "$state/rpc")"
  if [ -f "$state/genesis.json" ]; then
    [ "$(devnet_size)" = "$n" ] \
      || die "$state holds a $(devnet_size)-node committee; run '$self down --clean' first"
    [ "$with_l1" = 0 ] && return
    # Checks that the recorded contracts are still on this L1.
    "$seqctl" l1 deploy --rpc "$rpc" --genesis "$state/genesis.json" --key "$state/deployer.key" \
      --insecure-key >/dev/null || die "the L1 does not hold this devnet's contracts; run 'deploy/devnet.sh down --clean' first"
    return
  fi
  for ((i = 0; i < n; i++)); do
    mkdir -p "$state/node$i"
    "$seqctl" keygen --out "$state/node$i/keys" --insecure-key >/dev/null 2>&1 \
      || die "seqctl keygen failed for node $i"
    gen+=(--key-dir "$state/node$i/keys" --endpoint "tcp://127.0.0.1:$((peer_port_base + i))")
  done
  if [ "$with_l1" = 0 ]; then
    "$seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 --out "$state/genesis.json" \
      "${gen[@]}" >/dev/null || die "seqctl genesis failed"
  else
    (umask 077 && echo "$deployer_key" >"$state/deployer.key")
    predicted="$("$seqctl" l1 predict --rpc "$rpc" --key "$state/deployer.key" --insecure-key)" \
      || die "seqctl l1 predict failed"
    committee="$(awk '$1 == "committee" { print $2 }' <<<"$predicted")"
    inbox="$(awk '$1 == "inbox" { print $2 }' <<<"$predicted")"
    "$seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 --committee-address "$committee" \
      --inbox-address "$inbox" --out "$state/genesis.json" "${gen[@]}" >/dev/null \
      || die "seqctl genesis failed"
    "$seqctl" l1 deploy --rpc "$rpc" --genesis "$state/genesis.json" --key "$state/deployer.key" \
      --insecure-key >"$state/deploy.log" 2>&1 || die "seqctl l1 deploy failed; see $state/deploy.log"
    l1_line="
  \"l1_rpc\": \"$rpc\","
  fi
  for ((i = 0; i < n; i++)); do
    cat >"$state/node$i/seqd.json" <<JSON
{
  "version": 1,
  "data_dir": "data",
  "genesis": "../genesis.json",
  "key_dir": "keys",
  "insecure_key": true,
  "rpc_listen": "http://127.0.0.1:$((rpc_port_base + i))",$l1_line
  "log_level": "info"
}
JSON
  done
  echo "$n" >"$state/nodes"
  log "created $n devnet keys (PLAINTEXT, devnet only) and $state/genesis.json"
  [ "$with_l1" = 0 ] \
    || log "deployed Committee $committee and Inbox $inbox (record: $state/l1-deployment.json)"
}

committee_start() {
  local n i
  n="$(devnet_size)"
  for ((i = 0; i < n; i++)); do
    local pidf="$state/node$i/seqd.pid"
    if alive "$pidf"; then
      log "node $i already running (pid $(cat "$pidf"))"
      continue
    fi
    "$seqd" --config "$state/node$i/seqd.json" >>"$state/node$i/seqd.log" 2>&1 &
    echo $! >"$pidf"
  done
  # Wait until every node has committed a block.
  for _ in $(seq 100); do
    if "$seqctl" status $(rpc_args) 2>/dev/null | awk 'NR > 1 && $4 + 0 < 1 { bad = 1 } END { exit bad }'; then
      log "committee of $n committing"
      return
    fi
    sleep 0.2
  done
  die "the committee did not commit within 20 s; see $state/node*/seqd.log"
}

cmd_up() {
  local n=4 port=8545
  while [ $# -gt 0 ]; do
    case "$1" in
      -n) n="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "-n needs a committee size >= 1"
  "$here/setup.sh"
  log "building (release preset)"
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release >/dev/null)
  mkdir -p "$state"
  if [ "$with_l1" = 0 ]; then
    : # no L1
  elif alive "$state/anvil.pid"; then
    log "anvil already running (pid $(cat "$state/anvil.pid"))"
  else
    # --state keeps the chain (and the contracts) across down and up.
    "$anvil" --host 127.0.0.1 --port "$port" --chain-id 31337 --block-time 1 \
      --state "$state/anvil-state.json" >"$state/anvil.log" 2>&1 &
    echo $! >"$state/anvil.pid"
    echo "http://127.0.0.1:$port" >"$state/rpc"
    for _ in $(seq 50); do
      "$cast" chain-id --rpc-url "$(cat "$state/rpc")" >/dev/null 2>&1 && break
      sleep 0.1
    done
    "$cast" chain-id --rpc-url "$(cat "$state/rpc")" >/dev/null 2>&1 \
      || die "anvil did not come up; see $state/anvil.log"
    log "anvil started (pid $(cat "$state/anvil.pid"))"
  fi
  committee_init "$n"
  committee_start
  cmd_status
  log "next:"
  log "  $seqctl status $(rpc_args | tr '\n' ' ')"
  log "  curl -s -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getBlockByHeight\",\"params\":[1]}' http://127.0.0.1:$rpc_port_base/"
  log "  curl -s -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_sendPayload\",\"params\":[1,\"0x68656c6c6f\"]}' http://127.0.0.1:$rpc_port_base/"
  log "  curl -s -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getTransactionStatus\",\"params\":[\"0x<hash>\"]}' http://127.0.0.1:$((rpc_port_base + 1))/"
  log "  tail -f $state/node0/seqd.log"
  log "  $self down [--clean]"
}

cmd_status() {
  if [ "$with_l1" = 0 ]; then
    log "L1: none (a committee alone)"
  elif alive "$state/anvil.pid"; then
    local rpc
    rpc="$(cat "$state/rpc")"
    log "L1 anvil: pid $(cat "$state/anvil.pid"), rpc $rpc, chain id $("$cast" chain-id --rpc-url "$rpc"), block $("$cast" block-number --rpc-url "$rpc")"
  else
    log "L1 anvil: not running"
  fi
  local n i running=0
  n="$(devnet_size)"
  [ -n "$n" ] || { log "committee: none"; return 0; }
  for ((i = 0; i < n; i++)); do
    if alive "$state/node$i/seqd.pid"; then
      log "node $i: pid $(cat "$state/node$i/seqd.pid"), api http://127.0.0.1:$((rpc_port_base + i))"
      running=$((running + 1))
    else
      log "node $i: not running"
    fi
  done
  [ "$running" -eq 0 ] || "$seqctl" status $(rpc_args) || true
}

stop_pid() { # pidfile name
  local pid
  if alive "$1"; then
    pid="$(cat "$1")"
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "$2 stopped (pid $pid)"
  fi
  rm -f "$1"
}

cmd_down() {
  local clean=false n i
  [ "${1:-}" = "--clean" ] && clean=true
  n="$(devnet_size)"
  for ((i = 0; i < ${n:-0}; i++)); do stop_pid "$state/node$i/seqd.pid" "node $i"; done
  stop_pid "$state/anvil.pid" anvil
  rm -f "$state/rpc"
  if $clean; then
    rm -rf "$state"
    log "removed $state (keys, genesis, data, logs)"
  else
    log "kept keys, genesis, data and logs in $state ('down --clean' removes them)"
  fi
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  status) cmd_status ;;
  down) shift; cmd_down "$@" ;;
  *) echo "usage: $self up [-n N] [--port PORT] | status | down [--clean]" >&2; exit 2 ;;
esac
