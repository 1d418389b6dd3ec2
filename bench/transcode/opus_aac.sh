#!/usr/bin/env bash
# Opus to AAC benchmark: OpusToAac (what a WHIP publisher's audio costs) against the ffmpeg
# command line doing the same conversion (native opus decoder, native aac encoder, 128 kb/s
# stereo, one thread) on the same file. Prints CPU seconds per second of media for both.
#
# usage: bench/transcode/opus_aac.sh [--seconds 60] [--streams 1]
#        SC_BUILD=<build dir> (default build)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=60 streams=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build=${SC_BUILD:-build}
bench=$build/tests/unit/transcode/opus_aac_bench
[[ -x $bench ]] || ninja -C "$build" -j2 opus_aac_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A browser's audio: 20 ms stereo Opus packets of speech-like content (two tones and noise).
ffmpeg -v error -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
  -f lavfi -i "anoisesrc=color=pink:amplitude=0.1:sample_rate=48000:duration=$seconds" \
  -filter_complex "[0][1]amerge=inputs=2[a]" -map "[a]" -c:a libopus -b:a 96k \
  -frame_duration 20 "$work/in.ogg"
echo "ours:   $("$bench" "$work/in.ogg" "$streams" 1)"
/usr/bin/time -f "ffmpeg: {\"cpu_seconds\":%U+%S,\"wall_seconds\":%e}" \
  ffmpeg -v error -threads 1 -c:a opus -i "$work/in.ogg" -c:a aac -b:a 128k -ac 2 -threads 1 \
  -f null - 2>&1 | tail -1
echo "media seconds: $seconds (ours is for $streams stream(s) at once)"
