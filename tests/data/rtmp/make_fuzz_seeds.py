#!/usr/bin/env python3
"""Cuts the ffmpeg captures of this folder into seed inputs for the RTMP and codec fuzz targets
(tests/fuzz/*_fuzz.cpp), written to tests/data/fuzz/<target>/.

    python3 tests/data/rtmp/make_fuzz_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.join(HERE, "..", "fuzz")
HANDSHAKE = 1537 + 1536


def write(target, name, data):
    d = os.path.join(FUZZ, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def flv_tags(path):
    data = open(path, "rb").read()
    pos = 13
    while pos + 11 <= len(data):
        tag_type = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        body = data[pos + 11:pos + 11 + size]
        yield tag_type, body
        pos += 11 + size + 4


def rtmp_messages(stream, limit):
    """Just enough of a chunk reader (RTMP 5.3) for the first messages of ffmpeg's session."""
    chunk_size = 128
    state = {}
    pos = 0
    out = []
    while pos < len(stream) and len(out) < limit:
        b = stream[pos]
        fmt, csid = b >> 6, b & 0x3F
        pos += 1
        st = state.setdefault(csid, {"len": 0, "type": 0, "buf": b""})
        if fmt == 0:
            st["len"] = int.from_bytes(stream[pos + 3:pos + 6], "big")
            st["type"] = stream[pos + 6]
            pos += 11
        elif fmt == 1:
            st["len"] = int.from_bytes(stream[pos + 3:pos + 6], "big")
            st["type"] = stream[pos + 6]
            pos += 7
        elif fmt == 2:
            pos += 3
        n = min(chunk_size, st["len"] - len(st["buf"]))
        st["buf"] += stream[pos:pos + n]
        pos += n
        if len(st["buf"]) == st["len"]:
            if st["type"] == 1:
                chunk_size = struct.unpack(">I", st["buf"])[0]
            out.append((st["type"], st["buf"]))
            st["buf"] = b""
    return out


def main():
    c2s = open(os.path.join(HERE, "ffmpeg_publish_c2s.bin"), "rb").read()[HANDSHAKE:]
    # rtmp_chunk: the first byte picks the slicing (0 = one byte at a time ... see the target).
    write("rtmp_chunk", "ffmpeg_commands", b"\x00" + c2s[:1200])
    write("rtmp_chunk", "ffmpeg_session_start", b"\x05" + c2s[:6000])
    write("rtmp_chunk", "ffmpeg_session_start_whole", b"\x3f" + c2s[:6000])

    for i, (msg_type, payload) in enumerate(rtmp_messages(c2s, 12)):
        if msg_type in (18, 20):
            write("amf0", "ffmpeg_message_%02d" % i, payload)

    video = [b for t, b in flv_tags(os.path.join(HERE, "ffmpeg_publish.flv")) if t == 9]
    audio = [b for t, b in flv_tags(os.path.join(HERE, "ffmpeg_publish.flv")) if t == 8]
    meta = [b for t, b in flv_tags(os.path.join(HERE, "ffmpeg_publish.flv")) if t == 18]
    write("amf0", "flv_onmetadata", meta[0])
    write("flv_tag", "avc_sequence_header", b"\x00" + video[0])
    write("flv_tag", "avc_keyframe_head", b"\x00" + video[1][:1500])
    write("flv_tag", "avc_inter_frame", b"\x00" + video[3][:1500])
    write("flv_tag", "aac_sequence_header", b"\x01" + audio[0])
    write("flv_tag", "aac_raw_frame", b"\x01" + audio[1])

    # The SPS and ASC inside the sequence headers, and the SPS fixtures.
    avcc = video[0][5:]
    sps_len = int.from_bytes(avcc[6:8], "big")
    write("h264_sps", "ffmpeg_320x240_high", avcc[8:8 + sps_len])
    for name in sorted(os.listdir(HERE)):
        if name.startswith("sps_") and name.endswith(".bin"):
            write("h264_sps", name[:-4], open(os.path.join(HERE, name), "rb").read())
    write("aac_config", "ffmpeg_aac_lc_48k_stereo", audio[0][2:])
    write("aac_config", "he_aac_explicit", bytes([0x2B, 0x11, 0x88]))
    write("aac_config", "explicit_rate", bytes([0x17, 0x80, 0x56, 0x22, 0x08]))


if __name__ == "__main__":
    main()
