#!/usr/bin/env bash
# Four seqd processes, each in its own network namespace (deploy/netns/),
# talking over real veth links: the leader of the moment is cut off from
# the other three with nftables, the three keep committing while it stands
# still, the partition heals and all four agree again on every block hash.
#
#   SEQ_SEQD=build/release/node/seqd SEQ_SEQCTL=build/release/node/seqctl \
#     tests/e2e/netns_partition.sh
#
# Root only. Exit 0 pass, 1 fail, 77 skip (no root, no `ip`/`nft`, or the
# kernel refuses network namespaces). Builds nothing. The lab has names of
# its own (seqd-t<PID>-ns0..3, seqd-t<PID>-hub), so it never touches an
# operator's lab; everything it started is stopped by PID and the
# namespaces are deleted on every exit path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
netns_dir="$(cd "$here/../../deploy/netns" && pwd)"
n=4
peer_port=7000
rpc_port=8000
# How long the leader stays cut off, and the bounds of the checks.
partition_s=5
committed_min=5     # heights the three must add while it is cut off
isolated_slack=2    # heights the cut-off node may still add (in flight)

export SEQ_NETNS_PREFIX="seqd-t$$-ns"
export SEQ_NETNS_HUB="seqd-t$$-hub"

t0=$SECONDS
say() { printf 'netns_partition [%3ss]: %s\n' "$((SECONDS - t0))" "$*"; }
skip() { printf 'netns_partition: SKIP: %s\n' "$*"; exit 77; }
fail() {
  printf 'netns_partition: FAIL: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "ip not found (Debian package iproute2)"
command -v nft >/dev/null || skip "nft not found (Debian package nftables)"
command -v curl >/dev/null || skip "curl not found (Debian package curl)"
seqd="${SEQ_SEQD:?set SEQ_SEQD to the seqd binary}"
seqctl="${SEQ_SEQCTL:?set SEQ_SEQCTL to the seqctl binary}"
[ -x "$seqd" ] || fail "SEQ_SEQD=$seqd is not executable"
[ -x "$seqctl" ] || fail "SEQ_SEQCTL=$seqctl is not executable"

work="$(mktemp -d "${TMPDIR:-/tmp}/seqd-netns.XXXXXX")"
pids=()
lab_up=false

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${pids[@]}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if $lab_up; then "$netns_dir/netns.sh" down >/dev/null || rc=1; fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    local i
    for ((i = 0; i < n; i++)); do
      [ -f "$work/node$i/seqd.log" ] || continue
      printf -- '--- node %s log (last 15 lines) ---\n' "$i" >&2
      tail -n 15 "$work/node$i/seqd.log" >&2
    done
    printf 'netns_partition: logs kept in %s\n' "$work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip_of() { printf '10.77.0.%s' "$((10 + $1))"; }
ns_of() { printf '%s%s' "$SEQ_NETNS_PREFIX" "$1"; }

# One JSON-RPC call to node $1, from inside its namespace.
rpc() { # node method params
  ip netns exec "$(ns_of "$1")" curl -s -m 2 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" \
    "http://$(ip_of "$1"):$rpc_port/" || true
}
# A top-level integer field of a compact JSON reply (first occurrence).
field() { grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2; }
height() { rpc "$1" seq_status '[]' | field height; }

# Waits until node $1 is at height >= $2, at most $3 seconds.
wait_height() {
  local h
  for _ in $(seq $(($3 * 10))); do
    h="$(height "$1")"
    [ -n "$h" ] && [ "$h" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# --- the lab -------------------------------------------------------------
probe="seqd-t$$-probe"
ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace here ('ip netns add' failed)"
ip netns delete "$probe"
lab_up=true
"$netns_dir/netns.sh" up -n "$n" >/dev/null || fail "netns.sh up failed"
say "lab up: $n namespaces $(ns_of 0)..$(ns_of $((n - 1))) at $(ip_of 0)..$(ip_of $((n - 1)))"

# --- keys, genesis, configs ----------------------------------------------
gen=()
for ((i = 0; i < n; i++)); do
  mkdir -p "$work/node$i"
  "$seqctl" keygen --out "$work/node$i/keys" --insecure-key >/dev/null 2>>"$work/keygen.log" \
    || fail "seqctl keygen failed"
  gen+=(--key-dir "$work/node$i/keys" --endpoint "tcp://$(ip_of "$i"):$peer_port")
done
"$seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 --timeout-ms-base 300 \
  --timeout-ms-max 2000 --out "$work/genesis.json" "${gen[@]}" >/dev/null \
  || fail "seqctl genesis failed"
for ((i = 0; i < n; i++)); do
  cat >"$work/node$i/seqd.json" <<JSON
{
  "version": 1,
  "data_dir": "data",
  "genesis": "../genesis.json",
  "key_dir": "keys",
  "insecure_key": true,
  "rpc_listen": "http://$(ip_of "$i"):$rpc_port",
  "log_level": "info"
}
JSON
done

# --- start ---------------------------------------------------------------
for ((i = 0; i < n; i++)); do
  # `ip netns exec` execs seqd in place, so $! is seqd's own PID.
  ip netns exec "$(ns_of "$i")" "$seqd" --config "$work/node$i/seqd.json" \
    >"$work/node$i/seqd.log" 2>&1 &
  pids[i]=$!
done
for ((i = 0; i < n; i++)); do
  wait_height "$i" 3 20 || fail "node $i did not reach height 3 within 20 s"
done
say "all $n nodes committing (heights $(for ((i = 0; i < n; i++)); do printf '%s ' "$(height "$i")"; done))"

# --- partition the leader --------------------------------------------------
leader="$(rpc 0 seq_status '[]' | field leaderIndex)"
if ! [[ "$leader" =~ ^[0-9]+$ ]] || [ "$leader" -ge "$n" ]; then
  fail "no leaderIndex in node 0's seq_status"
fi
"$netns_dir/partition.sh" isolate "$leader" >/dev/null || fail "partition.sh isolate $leader failed"
others=()
for ((i = 0; i < n; i++)); do [ "$i" -eq "$leader" ] || others+=("$i"); done
say "node $leader (leader of the moment) cut off from ${others[*]}"
sleep 1 # let what was in flight land
iso_start="$(height "$leader")"
ref="${others[0]}"
start="$(height "$ref")"
if [ -z "$iso_start" ] || [ -z "$start" ]; then fail "a node stopped answering seq_status"; fi
sleep "$partition_s"
iso_end="$(height "$leader")"
end="$(height "$ref")"
if [ -z "$iso_end" ] || [ -z "$end" ]; then fail "a node stopped answering seq_status"; fi
say "in ${partition_s} s: the three went $start -> $end, node $leader went $iso_start -> $iso_end"
[ "$end" -ge $((start + committed_min)) ] \
  || fail "the three committed $((end - start)) blocks in ${partition_s} s while node $leader was cut off (want >= $committed_min)"
[ "$iso_end" -le $((iso_start + isolated_slack)) ] \
  || fail "the cut-off node $leader advanced $((iso_end - iso_start)) heights (want <= $isolated_slack)"
for i in "${others[@]}"; do
  h="$(height "$i")"
  if [ -z "$h" ] || [ "$h" -lt $((start + committed_min)) ]; then
    fail "node $i is at height ${h:-?}, not past $((start + committed_min))"
  fi
done

# --- heal --------------------------------------------------------------------
"$netns_dir/partition.sh" heal "$leader" >/dev/null || fail "partition.sh heal $leader failed"
if ip netns exec "$(ns_of "$leader")" nft list ruleset | grep -q .; then
  fail "rules left in $(ns_of "$leader") after heal"
fi
heal_s=$SECONDS
target=$(($(height "$ref") + 3))
for i in "${others[@]}" "$leader"; do
  wait_height "$i" "$target" 20 || fail "node $i did not reach height $target within 20 s of the heal"
done
say "healed: every node at height >= $target, node $leader caught up in $((SECONDS - heal_s)) s"

# --- agreement -------------------------------------------------------------
top="$(height "$leader")"
for i in "${others[@]}"; do h="$(height "$i")"; [ "$h" -lt "$top" ] && top="$h"; done
[ "$top" -le 1024 ] || top=1024 # one JSON-RPC batch holds at most 1024 requests
# Every block hash of heights 1..top, one per line, in one batch request.
hashes() {
  local body="[" hgt
  for ((hgt = 1; hgt <= top; hgt++)); do
    body+="{\"jsonrpc\":\"2.0\",\"id\":$hgt,\"method\":\"seq_getBlockByHeight\",\"params\":[$hgt]},"
  done
  body="${body%,}]"
  ip netns exec "$(ns_of "$1")" curl -s -m 5 -H 'Content-Type: application/json' -d "$body" \
    "http://$(ip_of "$1"):$rpc_port/" | grep -o '"hash":"0x[0-9a-f]*"' | cut -d'"' -f4 || true
}
hashes 0 >"$work/hashes0"
[ "$(wc -l <"$work/hashes0")" -eq "$top" ] || fail "node 0 returned $(wc -l <"$work/hashes0") block hashes for heights 1..$top"
for ((i = 1; i < n; i++)); do
  hashes "$i" >"$work/hashes$i"
  if ! cmp -s "$work/hashes0" "$work/hashes$i"; then
    fail "node $i and node 0 differ on the blocks of heights 1..$top: $(diff "$work/hashes0" "$work/hashes$i" | head -n 3 | tr '\n' ' ')"
  fi
done
say "all $n nodes agree on every block hash of heights 1..$top (the partition's $iso_start..$end included)"

# --- stop --------------------------------------------------------------------
for ((i = 0; i < n; i++)); do kill -TERM "${pids[i]}"; done
for ((i = 0; i < n; i++)); do
  rc=0
  wait "${pids[i]}" || rc=$?
  pids[i]=""
  [ "$rc" -eq 0 ] || fail "node $i exited $rc on SIGTERM"
done
say "every node exited 0 on SIGTERM"
"$netns_dir/netns.sh" down >/dev/null || fail "netns.sh down failed"
lab_up=false
if ip netns list | grep -q "^seqd-t$$-"; then fail "namespaces left after down"; fi
say "PASS"
