#!/usr/bin/env bash
# Glass-to-glass latency benchmark: Stagecast (LL-HLS) against nginx-rtmp (HLS) on the same
# stream, played by hls.js in headless Chromium (see README.md and run.mjs).
#
#   bench/latency/run.sh                       # both profiles, 20 s warm-up + 180 s each
#   bench/latency/run.sh --seconds 20 --profiles obs
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v nginx >/dev/null && [[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]] || apt-get install -y -qq nginx libnginx-mod-rtmp
command -v ffmpeg >/dev/null || apt-get install -y -qq ffmpeg
[[ -x /usr/bin/chromium || -n "${CHROMIUM:-}" ]] || apt-get install -y -qq chromium
[[ -x build/src/app/stagecast ]] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build stagecast; }
(cd tests/integration && [[ -d node_modules/hls.js && -d node_modules/playwright-core ]] || npm ci --no-audit --no-fund)
exec node bench/latency/run.mjs "$@"
