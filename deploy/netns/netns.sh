#!/usr/bin/env bash
# A multi-host lab on one machine: N network namespaces joined by a bridge
# (layout in lib.sh). Root only.
#
#   deploy/netns/netns.sh up [-n N]        create seqd-hub and seqd-ns0..N-1 (default 4)
#   deploy/netns/netns.sh down [--kill]    delete them all; refuses while processes
#                                          still run inside, unless --kill (SIGTERM,
#                                          then SIGKILL, to exactly those PIDs)
#   deploy/netns/netns.sh status           namespaces, addresses, faults, processes
#   deploy/netns/netns.sh exec I CMD...    run CMD inside node I's namespace
#
# Node I is 10.77.0.(10+I)/24 on its eth0; the hub is 10.77.0.1. Faults:
# partition.sh, loss.sh (nftables) and bandwidth.sh (tc tbf). This kernel
# has no netem, so there is no delay here: the transport's own fault layer
# (node/README.md, "Fault layer") adds delay in tests.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd_up() {
  local n=4 i ns
  while [ $# -gt 0 ]; do
    case "$1" in
      -n) n="${2:-}"; shift 2 || die "-n needs a value" ;;
      *) die "unknown option $1" ;;
    esac
  done
  if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt "$NETNS_NODES_MAX" ]; then
    die "-n needs a node count in 1..$NETNS_NODES_MAX"
  fi
  local have
  have="$(netns_nodes | wc -l)"
  if netns_exists "$NETNS_HUB" || [ "$have" -gt 0 ]; then
    [ "$have" -eq "$n" ] && netns_exists "$NETNS_HUB" \
      && { log "lab of $n nodes already up"; return 0; }
    die "a lab of $have nodes exists; run '$0 down' first"
  fi
  # On any failure, remove what this call created.
  trap 'log "setup failed; removing the partial lab"; cmd_down --kill >/dev/null 2>&1 || true' ERR
  ip netns add "$NETNS_HUB"
  ip -n "$NETNS_HUB" link set lo up
  ip -n "$NETNS_HUB" link add "$NETNS_BRIDGE" type bridge
  ip -n "$NETNS_HUB" addr add "$NETNS_HUB_IP/24" dev "$NETNS_BRIDGE"
  ip -n "$NETNS_HUB" link set "$NETNS_BRIDGE" up
  for ((i = 0; i < n; i++)); do
    ns="$(netns_name "$i")"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are created directly in their namespaces: nothing passes
    # through (or is left in) the host's namespace.
    ip link add "seqd-v$i" netns "$NETNS_HUB" type veth peer name eth0 netns "$ns"
    ip -n "$NETNS_HUB" link set "seqd-v$i" master "$NETNS_BRIDGE" up
    ip -n "$ns" addr add "$(netns_ip "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  trap - ERR
  log "lab up: $n nodes, $(netns_name 0)..$(netns_name $((n - 1))) at $(netns_ip 0)..$(netns_ip $((n - 1))), hub $NETNS_HUB_IP"
}

# Ends the processes inside namespace $1 by PID: SIGTERM, up to 5 s, SIGKILL.
kill_inside() {
  local ns="$1" pids pid
  pids="$(ip netns pids "$ns" 2>/dev/null || true)"
  [ -n "$pids" ] || return 0
  log "$ns: stopping PIDs $(echo "$pids" | tr '\n' ' ')"
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    [ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ] && return 0
    sleep 0.1
  done
  for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
  sleep 0.2
}

cmd_down() {
  local force=false ns busy=()
  [ "${1:-}" = "--kill" ] && force=true
  local all=()
  for i in $(netns_nodes); do all+=("$(netns_name "$i")"); done
  netns_exists "$NETNS_HUB" && all+=("$NETNS_HUB")
  [ ${#all[@]} -gt 0 ] || { log "nothing to remove"; return 0; }
  for ns in "${all[@]}"; do
    if [ -n "$(ip netns pids "$ns" 2>/dev/null || true)" ]; then
      if $force; then kill_inside "$ns"; else busy+=("$ns"); fi
    fi
  done
  if [ ${#busy[@]} -gt 0 ]; then
    for ns in "${busy[@]}"; do
      log "$ns: still running PIDs $(ip netns pids "$ns" | tr '\n' ' ')"
    done
    die "processes still run in the lab; stop them, or run '$0 down --kill'"
  fi
  # Deleting a namespace deletes its veth ends, and with them their peers.
  for ns in "${all[@]}"; do ip netns delete "$ns"; done
  log "removed ${all[*]}"
}

cmd_status() {
  local i ns
  if ! netns_exists "$NETNS_HUB" && [ -z "$(netns_nodes)" ]; then
    log "no lab"
    return 0
  fi
  netns_exists "$NETNS_HUB" && log "$NETNS_HUB: bridge $NETNS_BRIDGE $NETNS_HUB_IP/24, ports: $(ip -n "$NETNS_HUB" -o link show master "$NETNS_BRIDGE" | awk -F': ' '{ sub(/@.*/, "", $2); printf "%s ", $2 }')"
  for i in $(netns_nodes); do
    ns="$(netns_name "$i")"
    local addr faults="" pids
    addr="$(ip -n "$ns" -o -4 addr show dev eth0 2>/dev/null | awk '{ print $4 }')"
    ip netns exec "$ns" nft list table inet "$NETNS_TABLE_PARTITION" >/dev/null 2>&1 && faults+=" partition"
    ip netns exec "$ns" nft list table inet "$NETNS_TABLE_LOSS" >/dev/null 2>&1 && faults+=" loss"
    tc -n "$ns" qdisc show dev eth0 2>/dev/null | grep -q ' tbf ' && faults+=" bandwidth"
    pids="$(ip netns pids "$ns" | tr '\n' ' ')"
    log "$ns: eth0 ${addr:-none}; faults:${faults:- none}; pids: ${pids:-none}"
  done
}

cmd_exec() {
  [ $# -ge 2 ] || die "usage: $0 exec I CMD..."
  need_node "$1"
  local ns
  ns="$(netns_name "$1")"
  shift
  exec ip netns exec "$ns" "$@"
}

need_root
need_tool ip iproute2
case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  exec) shift; cmd_exec "$@" ;;
  *) echo "usage: $0 up [-n N] | down [--kill] | status | exec I CMD..." >&2; exit 2 ;;
esac
