#!/usr/bin/env bash
# The one command that checks everything, on a fresh Debian 12 machine:
# installs dependencies, checks formatting, builds the dev preset (Debug,
# ASan+UBSan) and runs every test with ctest, builds the release preset, and
# gives each fuzz target a short run under the fuzz preset.
#
#   ./tests/run.sh            everything
#   SEQ_FUZZ_SECONDS=0 ...    skip the libFuzzer runs
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
deploy/setup.sh

step "format"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
clang-format --dry-run -Werror $files

step "dev build (Debug, ASan+UBSan)"
cmake --preset dev >/dev/null
cmake --build --preset dev

step "tests"
ctest --preset dev

step "release build"
cmake --preset release >/dev/null
cmake --build --preset release

fuzz_seconds="${SEQ_FUZZ_SECONDS:-10}"
if [ "$fuzz_seconds" != 0 ]; then
  step "fuzz (${fuzz_seconds}s per target)"
  fuzz/run.sh "$fuzz_seconds"
fi

step "all green"
