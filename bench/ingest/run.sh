#!/usr/bin/env bash
# Ingest benchmark: Stagecast against nginx-rtmp on the same load in one run (see run.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v nginx >/dev/null && [[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]] || apt-get install -y -qq nginx libnginx-mod-rtmp
[[ -x build/src/app/stagecast ]] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build stagecast; }
(cd tests/integration && [[ -d node_modules ]] || npm ci --no-audit --no-fund)
exec node bench/ingest/run.mjs "$@"
