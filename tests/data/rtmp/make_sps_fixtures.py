#!/usr/bin/env python3
"""Writes real x264 sequence parameter sets (one NAL unit each, no start code) for the SPS tests:
cropping (1080p is coded as 1088 lines), field coding (frame_mbs_only_flag = 0) and 4:4:4 with odd
sizes (crop unit 1).

    python3 tests/data/rtmp/make_sps_fixtures.py tests/data/rtmp
"""
import os
import subprocess
import sys

CASES = {
    "sps_1920x1080_high.bin": ["-s", "1920x1080", "-pix_fmt", "yuv420p"],
    "sps_1920x1080_interlaced.bin": ["-s", "1920x1080", "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme",
                                     "-x264-params", "interlaced=1"],
    "sps_321x241_444.bin": ["-s", "321x241", "-pix_fmt", "yuv444p"],
    "sps_640x360_baseline.bin": ["-s", "640x360", "-pix_fmt", "yuv420p", "-profile:v", "baseline"],
}


def first_sps(annexb: bytes) -> bytes:
    parts = annexb.split(b"\x00\x00\x01")
    for p in parts:
        p = p.rstrip(b"\x00")
        if p and (p[0] & 0x1F) == 7:
            return p
    raise SystemExit("no SPS found")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, args in CASES.items():
        h264 = subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=rate=30",
             *args, "-frames:v", "1", "-c:v", "libx264", "-f", "h264", "-"],
            check=True, capture_output=True).stdout
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(first_sps(h264))


if __name__ == "__main__":
    main()
