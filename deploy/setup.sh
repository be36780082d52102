#!/usr/bin/env bash
# Installs everything seqd needs to build, test and run a devnet, on Debian 12
# (x86_64). Idempotent: installs only what is missing, so re-running is cheap.
#   - Debian packages (compiler toolchain and libraries), via apt;
#   - anvil, cast and solc, pinned in deploy/package-lock.json, via `npm ci`
#     into deploy/node_modules (never global).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libsodium-dev libnng-dev liblmdb-dev lmdb-utils libsecp256k1-dev
  libprotobuf-c-dev protobuf-c-compiler
  libcurl4-openssl-dev libjansson-dev libzstd-dev libcmocka-dev
  nodejs npm ca-certificates curl
  iproute2 nftables
  gnuplot-nox jq
)

check_platform() {
  command -v apt-get >/dev/null || die "apt-get not found: seqd's setup targets Debian 12"
  [ "$(uname -m)" = x86_64 ] || die "the pinned anvil/cast binaries are linux-x64 only (this is $(uname -m))"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

install_debian_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    # Node.js may come from elsewhere; accept any working node/npm.
    if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
    if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all present"
    return
  fi
  log "Debian packages: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

# npm ci wipes and reinstalls node_modules; skip it when the installed tree
# was made from this exact lock file.
install_node_tools() {
  local stamp="$here/node_modules/.seqd-lock.sha256"
  local want
  want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
     && [ -x "$here/node_modules/.bin/anvil" ] && [ -x "$here/node_modules/.bin/cast" ]; then
    log "node tools: up to date"
  else
    log "node tools: npm ci (anvil, cast, solc)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
  "$here/node_modules/.bin/anvil" --version | head -n 1 | sed 's/^/setup: /'
  "$here/node_modules/.bin/cast" --version | head -n 1 | sed 's/^/setup: /'
  printf 'setup: solc %s\n' "$("$here/node_modules/.bin/solcjs" --version)"
}

check_platform
install_debian_packages
install_node_tools
log "done"
