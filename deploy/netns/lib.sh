# Shared by the deploy/netns/ scripts (sourced, not run).
#
# The lab: one network namespace per node, seqd-ns0 .. seqd-ns<N-1>, and a
# hub namespace, seqd-hub (names below), holding the bridge seqd-br that connects them.
# Node I has a veth pair: eth0 inside seqd-nsI with 10.77.0.(10+I)/24, and
# seqd-vI inside seqd-hub, enslaved to the bridge. The bridge itself has
# 10.77.0.1/24, so a process started in seqd-hub (an anvil, a Prometheus)
# is reachable from every node. Nothing is added to the host's own
# network namespace: the lab disappears completely with `netns.sh down`.
# shellcheck shell=bash disable=SC2034

# SEQ_NETNS_PREFIX / SEQ_NETNS_HUB rename the namespaces, so that a test
# (tests/e2e/netns_partition.sh) runs its own lab beside an operator's.
NETNS_PREFIX="${SEQ_NETNS_PREFIX:-seqd-ns}"
NETNS_HUB="${SEQ_NETNS_HUB:-seqd-hub}"
NETNS_BRIDGE=seqd-br
NETNS_SUBNET=10.77.0
NETNS_HUB_IP="$NETNS_SUBNET.1"
NETNS_NODES_MAX=64
# nftables tables the fault scripts own inside a node's namespace.
NETNS_TABLE_PARTITION=seqd_partition
NETNS_TABLE_LOSS=seqd_loss

netns_name() { printf '%s%s' "$NETNS_PREFIX" "$1"; }
netns_ip() { printf '%s.%s' "$NETNS_SUBNET" "$((10 + $1))"; }

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, nftables and tc need CAP_NET_ADMIN)"
}

need_tool() { # tool package
  command -v "$1" >/dev/null || die "$1 not found (Debian package: $2)"
}

# The node namespaces that exist, as indices, ascending.
netns_nodes() {
  ip netns list | awk '{ print $1 }' | sed -n "s/^$NETNS_PREFIX\([0-9][0-9]*\)\$/\1/p" | sort -n
}

netns_exists() { ip netns list | awk '{ print $1 }' | grep -qx "$1"; }

# Checks that I is a node index of the running lab.
need_node() {
  [[ "$1" =~ ^[0-9]+$ ]] || die "'$1' is not a node index"
  netns_exists "$(netns_name "$1")" || die "namespace $(netns_name "$1") does not exist (netns.sh up first)"
}
