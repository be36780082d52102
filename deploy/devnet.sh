#!/usr/bin/env bash
# The local devnet: an anvil L1 on 127.0.0.1 with the seqd contracts
# deployed, plus a committee of N seqd nodes on loopback ordering
# transactions, following the contracts and posting batches to the Inbox
# (plaintext devnet keys). Each validator posts from the Ethereum address
# of its validator key, which `up` funds with 100 ETH from anvil's first
# account and bonds in the Committee with minBond (1 ETH) from that key.
#
#   deploy/devnet.sh up [-n N] [--port PORT] [--no-demo]
#                                               install, build, start; then
#                                               20 demo payloads unless --no-demo
#   deploy/devnet.sh status                     what is running, batches on L1
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
# contracts, owns the Committee and funds the validators' posting accounts.
deployer_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
# Each validator's L1 account gets fund_eth from the deployer unless it
# holds fund_min_eth already (so `up` after `down` sends nothing).
fund_eth=100
fund_min_eth=10
demo_payloads=20

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

# A member of the genesis file, or of each committee entry, one per line:
# genesis_get l1.inbox_address, genesis_get committee.address. Node.js
# parses the JSON (setup.sh installs it; jq is not a dependency).
genesis_get() {
  node -e '
    const g = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const [a, b] = process.argv[2].split(".");
    if (a === "committee") for (const v of g.committee) console.log(v[b]);
    else console.log(g[a][b]);
  ' "$state/genesis.json" "$1"
}

# Funds every validator's L1 account (the address of its validator key),
# from which it posts batches, with fund_eth unless it holds fund_min_eth.
committee_fund() {
  local rpc addr balance funded=0 kept=0
  rpc="$(cat "$state/rpc")"
  while read -r addr; do
    balance="$("$cast" balance --ether "$addr" --rpc-url "$rpc")" \
      || die "cast balance $addr failed"
    if awk -v b="$balance" -v min="$fund_min_eth" 'BEGIN { exit !(b + 0 >= min + 0) }'; then
      kept=$((kept + 1))
      continue
    fi
    "$cast" send --private-key "$deployer_key" --rpc-url "$rpc" --value "${fund_eth}ether" \
      "$addr" >/dev/null || die "funding validator $addr on L1 failed"
    funded=$((funded + 1))
  done < <(genesis_get committee.address)
  [ $((funded + kept)) -eq "$(devnet_size)" ] \
    || die "could not read the $(devnet_size) validator addresses from $state/genesis.json"
  log "validator L1 accounts: funded $funded with $fund_eth ETH, $kept already held >= $fund_min_eth ETH"
}

# The L1 address of node i's validator key (the "public" of its validator.key).
validator_address() {
  node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).public)' \
    "$state/node$1/keys/validator.key"
}

# One line per validator from `seqctl l1 validator --json` on stdin:
# "STATUS BOND_WEI" (wei as a decimal string).
validator_line() {
  node -e '
    const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(`${v.status} ${v.bond_wei}`);
  '
}

# Bonds every validator with the deployment's minBond (1 ether unless
# deployed otherwise) through `seqctl l1 bond`, from its own validator key,
# so that a validator caught double-signing has a bond to lose. A validator
# whose bond already reaches minBond is left alone (so `up` after `down`
# sends nothing), and so is one that is not Active (slashed or unbonding:
# bond() would revert).
committee_bond() {
  local rpc record min n i addr line status bond bonded=0 kept=0 skipped=0
  rpc="$(cat "$state/rpc")"
  record="$state/l1-deployment.json"
  min="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).params.min_bond_wei)' "$record")" \
    || die "cannot read params.min_bond_wei from $record"
  n="$(devnet_size)"
  for ((i = 0; i < n; i++)); do
    addr="$(validator_address "$i")" || die "cannot read node $i's validator address"
    line="$("$seqctl" l1 validator --rpc "$rpc" --deployment "$record" "$addr" --json | validator_line)" \
      || die "seqctl l1 validator $addr failed"
    read -r status bond <<<"$line"
    if [ "$status" != Active ]; then
      log "validator $i ($addr) is $status: not bonded"
      skipped=$((skipped + 1))
      continue
    fi
    if node -e 'process.exit(BigInt(process.argv[1]) >= BigInt(process.argv[2]) ? 0 : 1)' "$bond" "$min"; then
      kept=$((kept + 1))
      continue
    fi
    "$seqctl" l1 bond --rpc "$rpc" --deployment "$record" --key "$state/node$i/keys" --insecure-key \
      --value-wei "$min" >>"$state/bond.log" 2>&1 \
      || die "bonding validator $i ($addr) failed; see $state/bond.log"
    bonded=$((bonded + 1))
  done
  log "validator bonds: bonded $bonded with $min wei (minBond), $kept already held it, $skipped not active"
}

# Each validator's status and bond in the Committee, one line each.
committee_bonds_status() {
  local rpc record n i addr line
  rpc="$(cat "$state/rpc")"
  record="$state/l1-deployment.json"
  [ -f "$record" ] || return 0
  n="$(devnet_size)"
  for ((i = 0; i < ${n:-0}; i++)); do
    addr="$(validator_address "$i" 2>/dev/null)" || continue
    if line="$("$seqctl" l1 validator --rpc "$rpc" --deployment "$record" "$addr" --json 2>/dev/null | validator_line)"; then
      log "validator $i $addr: ${line% *}, bond ${line#* } wei"
    else
      log "validator $i $addr: seqctl l1 validator failed"
    fi
  done
}

# The "result" of a JSON-RPC answer when it is a string (a tx hash), else nothing.
rpc_result() { sed -n 's/.*"result":"\([^"]*\)".*/\1/p'; }

# demo_payloads opaque payloads (namespace 1) to node 0; records the hash
# of the last one in $state/demo-tx.
demo_load() {
  local url="http://127.0.0.1:$rpc_port_base/" i hex hash sent=0
  for ((i = 0; i < demo_payloads; i++)); do
    # "seqd devnet demo I at NANOSECONDS": unique, so a second `up` sends new txs.
    hex="$(printf 'seqd devnet demo %d at %s' "$i" "$(date +%s%N)" | od -An -tx1 | tr -d ' \n')"
    hash="$(curl -s --max-time 5 -d "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"seq_sendPayload\",\"params\":[1,\"0x$hex\"]}" "$url" | rpc_result)" || hash=""
    if [ -n "$hash" ]; then
      sent=$((sent + 1))
      echo "$hash" >"$state/demo-tx"
    fi
  done
  [ "$sent" -eq "$demo_payloads" ] || log "warning: node 0 accepted only $sent of $demo_payloads demo payloads"
  log "demo load: $sent payloads sent to node 0 (last: $(cat "$state/demo-tx" 2>/dev/null || echo none))"
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
  local n=4 port=8545 demo=true
  while [ $# -gt 0 ]; do
    case "$1" in
      -n) n="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      --no-demo) demo=false; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "-n needs a committee size >= 1"
  "$here/setup.sh"
  log "building seqd and seqctl (release preset)"
  (cd "$root" && cmake --preset release >/dev/null \
    && cmake --build --preset release --target seqd seqctl >/dev/null) \
    || die "the release build failed; run: cmake --build --preset release --target seqd seqctl"
  mkdir -p "$state"
  if [ "$with_l1" = 0 ]; then
    : # no L1
  elif alive "$state/anvil.pid"; then
    log "anvil already running (pid $(cat "$state/anvil.pid"))"
  else
    # --state keeps the chain (and the contracts) across down and up.
    # --slots-in-an-epoch 4: L1's `finalized` block trails the head by two
    # epochs, 8 blocks (8 s), instead of 64, so the L1-final clock moves.
    "$anvil" --host 127.0.0.1 --port "$port" --chain-id 31337 --block-time 1 \
      --slots-in-an-epoch 4 --state "$state/anvil-state.json" >"$state/anvil.log" 2>&1 &
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
  [ "$with_l1" = 0 ] || committee_fund
  [ "$with_l1" = 0 ] || committee_bond
  committee_start
  [ "$with_l1" = 0 ] || ! $demo || demo_load
  cmd_status
  log "next:"
  log "  $seqctl status $(rpc_args | tr '\n' ' ')"
  log "  curl -s -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getBlockByHeight\",\"params\":[1]}' http://127.0.0.1:$rpc_port_base/"
  log "  curl -s -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_sendPayload\",\"params\":[1,\"0x68656c6c6f\"]}' http://127.0.0.1:$rpc_port_base/"
  log "  curl -s -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getTransactionStatus\",\"params\":[\"0x<hash>\"]}' http://127.0.0.1:$((rpc_port_base + 1))/"
  log "  tail -f $state/node0/seqd.log"
  if [ "$with_l1" = 1 ]; then
    log "watch batches (BATCHES: N @h H = N batches on L1, up to L2 height H):"
    log "  watch -n 2 $seqctl status $(rpc_args | tr '\n' ' ')"
    log "  $seqctl tx --rpc http://127.0.0.1:$rpc_port_base $(cat "$state/demo-tx" 2>/dev/null || echo '0x<hash>')   # posted: once its batch is on L1"
    log "  $seqctl batch decode --rpc $(cat "$state/rpc") --tx $(last_batch_tx || echo '0x<l1.lastBatch.l1TxHash of seqctl status --json>')"
    log "  $self status                                    # Inbox batch count, bonds"
    log "  $seqctl l1 validator --rpc $(cat "$state/rpc") --deployment $state/l1-deployment.json $(validator_address 0)"
  fi
  log "  $self down [--clean]"
}

# The newest batch on L1 that node 0 has stored (seq_status l1.lastBatch):
# with "tx" its L1 tx hash, else one line describing it; fails if none.
last_batch() {
  local out
  out="$("$seqctl" status --rpc "http://127.0.0.1:$rpc_port_base" --json 2>/dev/null | node -e '
    const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const b = s.l1 && s.l1.lastBatch;
    if (!b || !b.l1TxHash) process.exit(0);
    if (process.argv[1] === "tx") console.log(b.l1TxHash);
    else console.log(`batch ${b.index}, L2 heights ${b.firstHeight}..${b.lastHeight}, ` +
                     `L1 block ${b.l1Block}, tx ${b.l1TxHash}`);
  ' "${1:-}" 2>/dev/null)" || return 1
  [ -n "$out" ] && echo "$out"
}
last_batch_tx() { last_batch tx; }

# The Inbox's own view at L1 head: status() is (nextIndex, lastBatchHash,
# forcedConsumed, forcedCount, nextHeight).
inbox_status() {
  local rpc inbox out
  rpc="$(cat "$state/rpc")"
  inbox="$(genesis_get l1.inbox_address 2>/dev/null)" || return 0
  [ -n "$inbox" ] && [ "$inbox" != null ] || return 0
  if out="$("$cast" call --rpc-url "$rpc" "$inbox" "status()(uint64,bytes32,uint64,uint64,uint64)" 2>&1)"; then
    awk -v inbox="$inbox" -v name="$name" '{ v[NR] = $1 } END {
      printf "%s: L1 Inbox %s: %d batches on L1, next L2 height %d, forced txs consumed %d of %d\n",
        name, inbox, v[1], v[5], v[3], v[4] }' <<<"$out"
  else
    log "L1 Inbox $inbox: status() failed: $out"
  fi
}

cmd_status() {
  if [ "$with_l1" = 0 ]; then
    log "L1: none (a committee alone)"
  elif alive "$state/anvil.pid"; then
    local rpc
    rpc="$(cat "$state/rpc")"
    log "L1 anvil: pid $(cat "$state/anvil.pid"), rpc $rpc, chain id $("$cast" chain-id --rpc-url "$rpc"), block $("$cast" block-number --rpc-url "$rpc"), finalized $("$cast" block finalized --field number --rpc-url "$rpc" 2>/dev/null || echo '?')"
    if [ -f "$state/genesis.json" ]; then
      inbox_status
      committee_bonds_status
    fi
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
  if [ "$with_l1" = 1 ] && [ "$running" -gt 0 ] && alive "$state/node0/seqd.pid"; then
    local last
    if last="$(last_batch)"; then
      log "newest batch node 0 stored: $last"
      log "  decode it: $seqctl batch decode --rpc $(cat "$state/rpc" 2>/dev/null) --tx $(last_batch_tx)"
    else
      log "newest batch node 0 stored: none yet"
    fi
  fi
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
  *) echo "usage: $self up [-n N] [--port PORT] [--no-demo] | status | down [--clean]" >&2; exit 2 ;;
esac
