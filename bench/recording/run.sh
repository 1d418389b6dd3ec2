#!/usr/bin/env bash
# Recording benchmark: Stagecast with recording off and on, nginx-rtmp with record off and
# `record all`, the same load on each, in one run (see run.mjs). Run it under the CPU lock on a
# shared machine: flock /tmp/stagecast-cpu.lock bench/recording/run.sh --streams 4 --seconds 40
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v nginx >/dev/null && [[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]] || apt-get install -y -qq nginx libnginx-mod-rtmp
[[ -x build/src/app/stagecast ]] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build stagecast; }
(cd tests/integration && [[ -d node_modules ]] || npm ci --no-audit --no-fund)
exec node bench/recording/run.mjs "$@"
