#!/usr/bin/env python3
"""Records the bytes a real ffmpeg RTMP publisher sends, for the parser fixtures and fuzz seeds.

ffmpeg only streams after a server answers it, so this script puts a TCP tee between ffmpeg and a
reference server (nginx with libnginx-mod-rtmp, independent of our implementation), started on
127.0.0.1 only, and writes what the client sent (client_to_server) and what the server answered.

    python3 tests/data/rtmp/capture.py tests/data/rtmp

Writes ffmpeg_publish_c2s.bin, ffmpeg_publish_s2c.bin and ffmpeg_publish.flv (the same encode as
a plain FLV file, for the FLV/AVC/AAC parser tests).
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

# x264 defaults as OBS uses them (B-frames on), so composition times are exercised.
FFMPEG_INPUT = [
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-c:v", "libx264", "-preset", "veryfast", "-g", "30",
    "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-t", "1",
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pump(src, dst, sink):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            sink.append(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    work = tempfile.mkdtemp(prefix="rtmp-capture-")
    nginx_port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{nginx_port}; chunk_size 4096;
  application live {{ live on; }} }} }}
""")
    nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work])
    time.sleep(0.5)

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    tee_port = listener.getsockname()[1]
    c2s, s2c = [], []

    def accept_one():
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", nginx_port))
        a = threading.Thread(target=pump, args=(client, upstream, c2s))
        b = threading.Thread(target=pump, args=(upstream, client, s2c))
        a.start(); b.start(); a.join(); b.join()

    t = threading.Thread(target=accept_one)
    t.start()
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *FFMPEG_INPUT,
                    "-f", "flv", f"rtmp://127.0.0.1:{tee_port}/live/capturekey"], check=True)
    t.join(timeout=10)
    nginx.terminate()
    nginx.wait()
    with open(os.path.join(out_dir, "ffmpeg_publish_c2s.bin"), "wb") as f:
        f.write(b"".join(c2s))
    with open(os.path.join(out_dir, "ffmpeg_publish_s2c.bin"), "wb") as f:
        f.write(b"".join(s2c))
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *FFMPEG_INPUT,
                    "-f", "flv", os.path.join(out_dir, "ffmpeg_publish.flv")], check=True)


if __name__ == "__main__":
    main()
