#!/usr/bin/env bash
# A committee of N seqd nodes on loopback with fresh keys and genesis, and
# no L1: what testnet operators and researchers start when they only care
# about ordering. It is deploy/devnet.sh without anvil, in its own state
# directory (deploy/.committee) and ports, so both can run side by side.
#
#   deploy/local-committee.sh up [-n N]     install, build, start
#   deploy/local-committee.sh status        what is running
#   deploy/local-committee.sh down [--clean] stop exactly what `up` started
#
# Node i listens for peers on 127.0.0.1:(28000 + i) and serves its API on
# http://127.0.0.1:(28100 + i).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SEQ_DEVNET_L1=0
export SEQ_DEVNET_NAME=local-committee
export SEQ_DEVNET_SELF=deploy/local-committee.sh
export SEQ_DEVNET_STATE="$here/.committee"
export SEQ_DEVNET_PEER_PORT_BASE=28000
export SEQ_DEVNET_RPC_PORT_BASE=28100
exec "$here/devnet.sh" "$@"
