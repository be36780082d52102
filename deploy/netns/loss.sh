#!/usr/bin/env bash
# Random packet loss in the netns lab (netns.sh), with nftables inside a
# node's namespace. Root only.
#
#   deploy/netns/loss.sh set I PERCENT [--dir both|in|out] [--peer PEER]...
#       node I drops PERCENT % (0..100, integer) of the packets it receives
#       on (in) and/or sends from (out) its eth0; both by default, so a
#       round trip through node I loses about twice as much. --peer (a node
#       index or an IPv4 address; repeatable) limits the loss to those
#       peers. Replaces node I's previous loss rules.
#   deploy/netns/loss.sh clear I      removes them (no-op when there are none)
#   deploy/netns/loss.sh show [I]
#
# The rules live in one table, inet seqd_loss, of node I's namespace:
# `numgen random mod 100 < PERCENT drop` per direction. Loopback traffic
# inside the namespace is never dropped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

table="$NETNS_TABLE_LOSS"

nft_in() { ip netns exec "$(netns_name "$1")" nft "${@:2}"; }
has_table() { nft_in "$1" list table inet "$table" >/dev/null 2>&1; }

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

cmd_set() {
  local node="" pct="" dir=both peers=() in_match="" out_match=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 || die "--dir needs a value" ;;
      --peer) peers+=("$(peer_ip "${2:-}")"); shift 2 || die "--peer needs a value" ;;
      -*) die "unknown option $1" ;;
      *) if [ -z "$node" ]; then node="$1"; elif [ -z "$pct" ]; then pct="$1"; else die "unexpected $1"; fi; shift ;;
    esac
  done
  [ -n "$node" ] || die "which node? (an index)"
  need_node "$node"
  if ! [[ "$pct" =~ ^[0-9]+$ ]] || [ "$pct" -gt 100 ]; then
    die "PERCENT must be an integer in 0..100"
  fi
  case "$dir" in both | in | out) ;; *) die "--dir must be both, in or out" ;; esac
  if [ ${#peers[@]} -gt 0 ]; then
    local list
    list="$(IFS=,; echo "${peers[*]}")"
    in_match="ip saddr { $list }"
    out_match="ip daddr { $list }"
  fi
  local in_rule="" out_rule=""
  [ "$dir" = out ] || in_rule="iifname \"eth0\" $in_match numgen random mod 100 < $pct drop;"
  [ "$dir" = in ] || out_rule="oifname \"eth0\" $out_match numgen random mod 100 < $pct drop;"
  # Delete and re-create in one nft transaction: no moment without rules.
  {
    has_table "$node" && echo "delete table inet $table"
    cat <<NFT
table inet $table {
  chain input { type filter hook input priority filter; policy accept; $in_rule }
  chain output { type filter hook output priority filter; policy accept; $out_rule }
}
NFT
  } | nft_in "$node" -f -
  log "node $node: dropping $pct % ($dir)${peers[*]:+ with ${peers[*]}}"
}

cmd_clear() {
  [ $# -eq 1 ] || die "usage: $0 clear I"
  need_node "$1"
  if has_table "$1"; then
    nft_in "$1" delete table inet "$table"
    log "node $1: loss cleared"
  else
    log "node $1: no loss rules"
  fi
}

cmd_show() {
  local i list
  if [ $# -gt 0 ]; then need_node "$1"; list="$1"; else list="$(netns_nodes)"; fi
  for i in $list; do
    if has_table "$i"; then
      log "node $i:"
      nft_in "$i" list table inet "$table" | grep -E 'numgen' | sed 's/^[[:space:]]*/    /'
    else
      log "node $i: no loss"
    fi
  done
}

need_root
need_tool ip iproute2
need_tool nft nftables
case "${1:-}" in
  set) shift; cmd_set "$@" ;;
  clear) shift; cmd_clear "$@" ;;
  show) shift; cmd_show "$@" ;;
  *) echo "usage: $0 set I PERCENT [--dir both|in|out] [--peer PEER]... | clear I | show [I]" >&2; exit 2 ;;
esac
