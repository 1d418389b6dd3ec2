#!/usr/bin/env bash
# Transcoding benchmark: our in-process ladder against the ffmpeg command line doing the same
# ladder (one decode, split, scale with the same bicubic scaler, libx264 with the same settings)
# on the same input, in one run. Prints CPU seconds per second of media for both, their ratio
# (goal: <= 1.0) and each one's real-time factor (media seconds per wall second).
#
# usage: bench/transcode/run.sh [--size 1280x720] [--seconds 10] [--preset veryfast]
#                               [--ladder 1080p:6000k,720p:3000k,480p:1500k,360p:800k] [--threads 2] [--repeat 2]
#        SC_BUILD=<build dir> (default build-abr, else build)
set -euo pipefail
cd "$(dirname "$0")/../.."
size=1280x720 seconds=10 preset=veryfast threads=2 repeat=2
ladder=1080p:6000k,720p:3000k,480p:1500k,360p:800k
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --ladder) ladder=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build=${SC_BUILD:-$([[ -d build-abr ]] && echo build-abr || echo build)}
bench=$build/tests/unit/transcode/transcode_bench
[[ -x $bench ]] || ninja -C "$build" -j2 transcode_bench
exec python3 bench/transcode/compare.py --bench "$bench" --size "$size" --seconds "$seconds" \
  --preset "$preset" --ladder "$ladder" --threads "$threads" --repeat "$repeat"
