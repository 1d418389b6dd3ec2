#!/usr/bin/env bash
# Builds Stagecast and runs it on its embedded defaults: SQLite and local storage in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DSTAGECAST_TESTS=OFF >/dev/null
ninja -C build stagecast
exec build/src/app/stagecast --server.data_dir=./data "$@"
