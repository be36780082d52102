#!/usr/bin/env bash
# Partitions in the netns lab (netns.sh), with nftables inside a node's
# namespace. Root only.
#
#   deploy/netns/partition.sh isolate I [PEER...] [--dir both|in|out]
#       node I drops what it receives from (in) and/or sends to (out) each
#       PEER; both ways by default. PEER is a node index or an IPv4 address
#       (10.77.0.1 is the hub); no PEER: every other node of the lab.
#   deploy/netns/partition.sh heal I [PEER...] [--dir both|in|out]
#       removes exactly those peers again (no PEER: all of node I's).
#   deploy/netns/partition.sh show [I]
#
# Node I's rules live in one table, inet seqd_partition, of its own
# namespace: a set of addresses per direction and one drop rule matching
# each set. heal deletes the addresses; once both sets are empty the table
# goes too, so a healed node has no rule left. Nothing outside the lab's
# namespaces is touched. Established TCP connections are not reset: their
# packets are dropped, and TCP retransmits once the partition heals.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

table="$NETNS_TABLE_PARTITION"

nft_in() { ip netns exec "$(netns_name "$1")" nft "${@:2}"; }

ensure_table() {
  nft_in "$1" -f - <<NFT
table inet $table {
  set from_peers { type ipv4_addr; }
  set to_peers { type ipv4_addr; }
  chain input { type filter hook input priority filter; policy accept; ip saddr @from_peers drop; }
  chain output { type filter hook output priority filter; policy accept; ip daddr @to_peers drop; }
}
NFT
}

has_table() { nft_in "$1" list table inet "$table" >/dev/null 2>&1; }

has_element() { # node set ip
  nft_in "$1" get element inet "$table" "$2" "{ $3 }" >/dev/null 2>&1
}

set_elements() { # node set -> the addresses, one per line
  nft_in "$1" -j list set inet "$table" "$2" 2>/dev/null \
    | grep -o '"elem": *\[[^]]*\]' | grep -oE '[0-9]+(\.[0-9]+){3}' || true
}

# PEER (index or IPv4) -> IPv4 address.
peer_ip() {
  if [[ "$1" =~ ^[0-9]+$ ]]; then
    need_node "$1"
    netns_ip "$1"
  elif [[ "$1" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
    echo "$1"
  else
    die "'$1' is neither a node index nor an IPv4 address"
  fi
}

# Parses "I [PEER...] [--dir D]" into node, dir, peers (global).
parse() {
  node="" dir=both peers=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 || die "--dir needs a value" ;;
      -*) die "unknown option $1" ;;
      *) if [ -z "$node" ]; then node="$1"; else peers+=("$(peer_ip "$1")"); fi; shift ;;
    esac
  done
  [ -n "$node" ] || die "which node? (an index)"
  need_node "$node"
  case "$dir" in both | in | out) ;; *) die "--dir must be both, in or out" ;; esac
}

sets_for_dir() {
  case "$dir" in
    both) echo from_peers to_peers ;;
    in) echo from_peers ;;
    out) echo to_peers ;;
  esac
}

cmd_isolate() {
  parse "$@"
  local j self s ip
  self="$(netns_ip "$node")"
  if [ ${#peers[@]} -eq 0 ]; then
    for j in $(netns_nodes); do [ "$j" = "$node" ] || peers+=("$(netns_ip "$j")"); done
  fi
  [ ${#peers[@]} -gt 0 ] || die "no peers to isolate node $node from"
  has_table "$node" || ensure_table "$node"
  for s in $(sets_for_dir); do
    for ip in "${peers[@]}"; do
      [ "$ip" != "$self" ] || die "node $node cannot be partitioned from itself"
      has_element "$node" "$s" "$ip" || nft_in "$node" add element inet "$table" "$s" "{ $ip }"
    done
  done
  log "node $node ($self): dropping $dir traffic with ${peers[*]}"
}

cmd_heal() {
  parse "$@"
  local s ip
  has_table "$node" || { log "node $node: no partition"; return 0; }
  for s in $(sets_for_dir); do
    if [ ${#peers[@]} -eq 0 ]; then
      nft_in "$node" flush set inet "$table" "$s"
    else
      for ip in "${peers[@]}"; do
        if has_element "$node" "$s" "$ip"; then
          nft_in "$node" delete element inet "$table" "$s" "{ $ip }"
        fi
      done
    fi
  done
  if [ -z "$(set_elements "$node" from_peers)" ] && [ -z "$(set_elements "$node" to_peers)" ]; then
    nft_in "$node" delete table inet "$table"
    log "node $node: healed (no partition rule left)"
  else
    log "node $node: healed ${peers[*]:-all} ($dir); still dropping from [$(set_elements "$node" from_peers | tr '\n' ' ')] to [$(set_elements "$node" to_peers | tr '\n' ' ')]"
  fi
}

cmd_show() {
  local i list
  if [ $# -gt 0 ]; then need_node "$1"; list="$1"; else list="$(netns_nodes)"; fi
  for i in $list; do
    if has_table "$i"; then
      log "node $i: drops from [$(set_elements "$i" from_peers | tr '\n' ' ')] to [$(set_elements "$i" to_peers | tr '\n' ' ')]"
    else
      log "node $i: no partition"
    fi
  done
}

need_root
need_tool ip iproute2
need_tool nft nftables
case "${1:-}" in
  isolate) shift; cmd_isolate "$@" ;;
  heal) shift; cmd_heal "$@" ;;
  show) shift; cmd_show "$@" ;;
  *) echo "usage: $0 isolate I [PEER...] [--dir both|in|out] | heal I [PEER...] [--dir D] | show [I]" >&2; exit 2 ;;
esac
