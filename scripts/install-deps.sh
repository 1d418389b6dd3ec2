#!/usr/bin/env bash
# Installs what building and testing Stagecast needs on Debian 12 (run as root). Idempotent.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-all-dev libssl-dev libsqlite3-dev libpq-dev libsodium-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libgtest-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libx264-dev
  libcurl4-openssl-dev libsrtp2-dev libhiredis-dev libnghttp2-dev libjemalloc-dev
)
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  # Real peers the tests talk to, and clang for the sanitizer-free fuzz build.
  packages+=(ffmpeg chromium sqlite3 postgresql redis-server clang libclang-rt-14-dev
             gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
             gstreamer1.0-plugins-ugly gstreamer1.0-libav)
fi
if [[ "${1:-}" == "--bench" ]]; then
  # Peers the benchmarks run beside ours (bench/*/README.md): Janus's streaming plugin for
  # bench/webrtc's fan-out (fanout.mjs).
  packages+=(janus)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v npm >/dev/null; then
  # The build embeds the web pages' pinned hls.js (web/package.json), installed with npm.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm
fi
(cd "$(dirname "$0")/../web" && npm ci --no-audit --no-fund --loglevel=error)
