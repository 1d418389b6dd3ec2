#!/usr/bin/env bash
# Thumbnail benchmark: Stagecast with thumbnails off and on, and ffmpeg thumbnailing each stream
# as the peer, the same load, in one run (see run.mjs). Run it under the CPU lock on a shared
# machine: flock /tmp/stagecast-cpu.lock bench/thumbnails/run.sh --streams 8 --seconds 60
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ -x build/src/app/stagecast ]] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build stagecast; }
(cd tests/integration && [[ -d node_modules ]] || npm ci --no-audit --no-fund)
exec node bench/thumbnails/run.mjs "$@"
