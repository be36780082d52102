#!/usr/bin/env bash
# One-shot init of the compose testnet (compose.yaml, service `init`): keys,
# genesis, the L1 contracts on anvil and one config per node, in the shared
# volume. Runs once: a volume that holds a finished init is left alone.
#
# TESTNET ONLY: the validator keys are plaintext (--insecure-key) and the
# contracts are deployed from anvil's first dev account, whose key is public.
#
# Environment (defaults are the compose testnet's):
#   SEQD_TESTNET_DIR    /var/lib/seqd          where everything is written
#   SEQD_NODES          4                      committee size
#   SEQD_L1_RPC         http://anvil:8545      the L1 (anvil)
#   SEQD_ENDPOINT_FMT   tcp://node%d:7000      printf format of node I's genesis endpoint
#   SEQD_LISTEN         tcp://0.0.0.0:7000     config "listen" (empty: the genesis endpoint)
#   SEQD_RPC_LISTEN_FMT http://0.0.0.0:8000    printf format of node I's "rpc_listen"
#   SEQCTL, SEQD        seqctl, seqd
set -euo pipefail

dir="${SEQD_TESTNET_DIR:-/var/lib/seqd}"
n="${SEQD_NODES:-4}"
rpc="${SEQD_L1_RPC:-http://anvil:8545}"
endpoint_fmt="${SEQD_ENDPOINT_FMT:-tcp://node%d:7000}"
listen="${SEQD_LISTEN-tcp://0.0.0.0:7000}"
rpc_listen_fmt="${SEQD_RPC_LISTEN_FMT:-http://0.0.0.0:8000}"
seqctl="${SEQCTL:-seqctl}"
seqd="${SEQD:-seqd}"
# anvil's first funded dev account: deploys the contracts, owns the Committee.
deployer_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

log() { printf 'testnet-init: %s\n' "$*"; }
die() { printf 'testnet-init: error: %s\n' "$*" >&2; exit 1; }

if [ -f "$dir/initialized" ]; then
  log "$dir already holds a testnet ($(cat "$dir/initialized") nodes); nothing to do"
  exit 0
fi
[ ! -e "$dir/genesis.json" ] \
  || die "$dir holds a half-finished init (genesis.json without 'initialized'); remove the volume and start again"
umask 077

echo "$deployer_key" >"$dir/deployer.key"
# Wait for the L1 (predict reads the deployer's nonce from it).
for _ in $(seq 60); do
  "$seqctl" l1 predict --rpc "$rpc" --key "$dir/deployer.key" --insecure-key >/dev/null 2>&1 && break
  log "waiting for the L1 at $rpc"
  sleep 1
done
predicted="$("$seqctl" l1 predict --rpc "$rpc" --key "$dir/deployer.key" --insecure-key)" \
  || die "the L1 at $rpc does not answer"
committee="$(awk '$1 == "committee" { print $2 }' <<<"$predicted")"
inbox="$(awk '$1 == "inbox" { print $2 }' <<<"$predicted")"

gen=()
for ((i = 0; i < n; i++)); do
  mkdir -p "$dir/node$i"
  "$seqctl" keygen --out "$dir/node$i/keys" --insecure-key 2>/dev/null | sed "s/^/node$i: /"
  # shellcheck disable=SC2059 # the format is the point
  gen+=(--key-dir "$dir/node$i/keys" --endpoint "$(printf "$endpoint_fmt" "$i")")
done
"$seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 \
  --committee-address "$committee" --inbox-address "$inbox" \
  --out "$dir/genesis.json" "${gen[@]}"
"$seqctl" l1 deploy --rpc "$rpc" --genesis "$dir/genesis.json" --key "$dir/deployer.key" --insecure-key

for ((i = 0; i < n; i++)); do
  listen_line=""
  [ -z "$listen" ] || listen_line="\"listen\": \"$listen\","
  # shellcheck disable=SC2059
  cat >"$dir/node$i/seqd.json" <<JSON
{
  "version": 1,
  "data_dir": "data",
  "genesis": "../genesis.json",
  "key_dir": "keys",
  "insecure_key": true,
  $listen_line
  "rpc_listen": "$(printf "$rpc_listen_fmt" "$i")",
  "l1_rpc": "$rpc",
  "log_level": "info"
}
JSON
  # Validates the config against the genesis, keys and deployment record.
  "$seqd" --config "$dir/node$i/seqd.json" --check >/dev/null \
    || die "node $i: seqd --check refused $dir/node$i/seqd.json"
done
echo "$n" >"$dir/initialized"
log "testnet of $n nodes ready in $dir (Committee $committee, Inbox $inbox)"
