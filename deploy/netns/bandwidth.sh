#!/usr/bin/env bash
# Bandwidth limits in the netns lab (netns.sh): a tbf qdisc on node I's
# veth. Root only.
#
#   deploy/netns/bandwidth.sh set I RATE [--dir both|out|in] [--burst B] [--latency L]
#       RATE in tc's units (e.g. 10mbit, 512kbit). out: node I's eth0 (what
#       it sends); in: the hub's end seqd-vI (what it receives); both by
#       default. --burst (default 64kb) is the bucket size, --latency
#       (default 50ms) how long a packet may wait before it is dropped.
#   deploy/netns/bandwidth.sh clear I    removes node I's tbf qdiscs
#   deploy/netns/bandwidth.sh show [I]
#
# This kernel has no netem, so tbf gives rate limits only: no delay, no
# jitter. Delay comes from the transport's fault layer in tests.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Each direction as "namespace device".
dev_out() { echo "$(netns_name "$1") eth0"; }
dev_in() { echo "$NETNS_HUB seqd-v$1"; }

has_tbf() { tc -n "$1" qdisc show dev "$2" root 2>/dev/null | grep -q '^qdisc tbf '; }

cmd_set() {
  local node="" rate="" dir=both burst=64kb latency=50ms
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 || die "--dir needs a value" ;;
      --burst) burst="${2:-}"; shift 2 || die "--burst needs a value" ;;
      --latency) latency="${2:-}"; shift 2 || die "--latency needs a value" ;;
      -*) die "unknown option $1" ;;
      *) if [ -z "$node" ]; then node="$1"; elif [ -z "$rate" ]; then rate="$1"; else die "unexpected $1"; fi; shift ;;
    esac
  done
  [ -n "$node" ] || die "which node? (an index)"
  need_node "$node"
  [ -n "$rate" ] || die "RATE missing (e.g. 10mbit)"
  local ends=()
  case "$dir" in
    both) ends=("$(dev_out "$node")" "$(dev_in "$node")") ;;
    out) ends=("$(dev_out "$node")") ;;
    in) ends=("$(dev_in "$node")") ;;
    *) die "--dir must be both, out or in" ;;
  esac
  local e ns dev
  for e in "${ends[@]}"; do
    read -r ns dev <<<"$e"
    # replace: adds the qdisc, or changes the one there.
    tc -n "$ns" qdisc replace dev "$dev" root tbf rate "$rate" burst "$burst" latency "$latency"
  done
  log "node $node: $rate ($dir), burst $burst, latency $latency"
}

cmd_clear() {
  [ $# -eq 1 ] || die "usage: $0 clear I"
  need_node "$1"
  local e ns dev cleared=0
  for e in "$(dev_out "$1")" "$(dev_in "$1")"; do
    read -r ns dev <<<"$e"
    if has_tbf "$ns" "$dev"; then
      tc -n "$ns" qdisc del dev "$dev" root
      cleared=$((cleared + 1))
    fi
  done
  log "node $1: removed $cleared tbf qdisc(s)"
}

cmd_show() {
  local i list e ns dev
  if [ $# -gt 0 ]; then need_node "$1"; list="$1"; else list="$(netns_nodes)"; fi
  for i in $list; do
    for e in "$(dev_out "$i")" "$(dev_in "$i")"; do
      read -r ns dev <<<"$e"
      if has_tbf "$ns" "$dev"; then
        log "node $i $ns/$dev: $(tc -n "$ns" qdisc show dev "$dev" root)"
      else
        log "node $i $ns/$dev: no limit"
      fi
    done
  done
}

need_root
need_tool ip iproute2
need_tool tc iproute2
case "${1:-}" in
  set) shift; cmd_set "$@" ;;
  clear) shift; cmd_clear "$@" ;;
  show) shift; cmd_show "$@" ;;
  *) echo "usage: $0 set I RATE [--dir both|out|in] [--burst B] [--latency L] | clear I | show [I]" >&2; exit 2 ;;
esac
