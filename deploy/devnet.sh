#!/usr/bin/env bash
# The local devnet: an anvil L1 on 127.0.0.1 plus (once the node runtime
# exists) a committee of seqd nodes.
#
#   deploy/devnet.sh up [-n N] [--port PORT]   install, build, start
#   deploy/devnet.sh status                     what is running
#   deploy/devnet.sh down                       stop exactly what `up` started
#
# State (pid files, logs) lives in deploy/.devnet/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
state="$here/.devnet"
anvil="$here/node_modules/.bin/anvil"
cast="$here/node_modules/.bin/cast"

log() { printf 'devnet: %s\n' "$*"; }
die() { printf 'devnet: error: %s\n' "$*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

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
  if alive "$state/anvil.pid"; then
    log "anvil already running (pid $(cat "$state/anvil.pid"))"
  else
    "$anvil" --host 127.0.0.1 --port "$port" --chain-id 31337 --block-time 1 \
      >"$state/anvil.log" 2>&1 &
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
  cmd_status
  log "seqd $("$root/build/release/node/seqd" --version | cut -d' ' -f2) built; the committee"
  log "node runtime (a $n-node committee on this L1) is not part of this version yet."
  log "next: deploy/devnet.sh status | deploy/devnet.sh down"
}

cmd_status() {
  if alive "$state/anvil.pid"; then
    local rpc
    rpc="$(cat "$state/rpc")"
    log "L1 anvil: pid $(cat "$state/anvil.pid"), rpc $rpc, chain id $("$cast" chain-id --rpc-url "$rpc"), block $("$cast" block-number --rpc-url "$rpc")"
  else
    log "L1 anvil: not running"
  fi
}

cmd_down() {
  if alive "$state/anvil.pid"; then
    local pid
    pid="$(cat "$state/anvil.pid")"
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "anvil stopped (pid $pid)"
  else
    log "nothing running"
  fi
  rm -f "$state/anvil.pid" "$state/rpc"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  *) echo "usage: deploy/devnet.sh up [-n N] [--port PORT] | status | down" >&2; exit 2 ;;
esac
