#!/usr/bin/env bash
# WHIP ingest against RTMP ingest in one run (CPU per publisher, arrival to fetchable LL-HLS part)
# and glass to glass from a browser over WHIP into LL-HLS. See run.mjs.
#
#   bench/webrtc/run.sh [--seconds 30] [--g2g-seconds 60]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v ffmpeg >/dev/null || apt-get install -y -qq ffmpeg
[[ -x /usr/bin/chromium || -n "${CHROMIUM:-}" ]] || apt-get install -y -qq chromium
[[ -x build/src/app/stagecast ]] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build stagecast; }
(cd tests/integration && [[ -d node_modules/werift && -d node_modules/playwright-core ]] || npm ci --no-audit --no-fund)
exec node bench/webrtc/run.mjs "$@"
