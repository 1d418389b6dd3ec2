#!/usr/bin/env bash
# bench/notify: 10,000 subscribers notified by email and Web Push while a stream is watched and
# chatted (run.mjs says what is measured). Uses the integration tests' node_modules.
#   bench/notify/run.sh [--subscribers 10000] [--rounds 3] [--seconds 40]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[[ -x "$ROOT/build/src/app/stagecast" ]] || ninja -C "$ROOT/build" -j2 stagecast
(cd "$ROOT/tests/integration" && [[ -d node_modules/http_ece ]] || npm ci --no-audit --no-fund)
exec node "$HERE/run.mjs" "$@"
