#!/usr/bin/env python3
"""Runs transcode_bench (our ladder) and the equivalent ffmpeg command line on one input and
compares CPU seconds per media second. CPU time of ffmpeg is its rusage (user + sys) as a child
process; ours is the bench process's own rusage (demux included, as in ffmpeg)."""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def make_input(path, size, seconds):
    # An OBS-like source: x264 high profile with B-frames, a key frame every 2 s, AAC audio.
    subprocess.run(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y',
                    '-f', 'lavfi', '-i', f'testsrc2=size={size}:rate=30',
                    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', str(seconds),
                    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
                    '-g', '60', '-keyint_min', '60', '-b:v', '4000k',
                    '-c:a', 'aac', '-b:a', '160k', path], check=True)


def rungs(ladder, width, height):
    out = []
    for item in ladder.split(','):
        h, rate = item.split(':')
        h = int(h.rstrip('p'))
        if h >= height:
            continue
        w = max(2, round(width * h / height / 2) * 2)
        out.append((w, h, rate))
    return out


def ffmpeg_ladder(path, plan, preset):
    """One decode, split, scale and x264 per rung with the settings RungEncoder uses."""
    labels = ''.join(f'[s{i}]' for i in range(len(plan)))
    graph = f'[0:v]split={len(plan)}{labels}' + ''.join(
        f';[s{i}]scale={w}:{h}:flags=bicubic,format=yuv420p[o{i}]' for i, (w, h, _) in enumerate(plan))
    args = ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostats', '-threads', '1', '-i', path,
            '-filter_complex', graph, '-filter_complex_threads', '1']
    for i, (_, _, rate) in enumerate(plan):
        bits = rate.replace('k', '000').replace('M', '000000')
        args += ['-map', f'[o{i}]', '-an', '-c:v', 'libx264', '-preset', preset, '-tune', 'zerolatency',
                 '-x264-params', 'scenecut=0:open-gop=0', '-forced-idr', '1', '-force_key_frames', 'source',
                 '-g', '600', '-bf', '0', '-b:v', bits, '-maxrate', bits, '-bufsize', bits,
                 '-threads', '1', '-f', 'null', '-']
    return args


def run_child(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f'{args[0]} failed: {proc.stderr}')
    return proc.stdout, cpu, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bench', required=True)
    ap.add_argument('--size', default='1280x720')
    ap.add_argument('--seconds', type=float, default=10)
    ap.add_argument('--preset', default='veryfast')
    ap.add_argument('--ladder', default='1080p:6000k,720p:3000k,480p:1500k,360p:800k')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=2, help='runs of each, alternating; the least CPU counts')
    a = ap.parse_args()
    width, height = map(int, a.size.split('x'))
    plan = rungs(a.ladder, width, height)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'source.mp4')
        make_input(src, a.size, a.seconds)
        # A shared machine is noisy: alternate the two and keep each one's best run.
        ours, ff_cpu, ff_wall = None, None, None
        for _ in range(a.repeat):
            out, _, _ = run_child([a.bench, src, a.ladder, a.preset, str(a.threads)])
            run = json.loads(out.strip().splitlines()[-1])
            if ours is None or run['cpu_seconds'] < ours['cpu_seconds']:
                ours = run
            _, cpu, wall = run_child(ffmpeg_ladder(src, plan, a.preset))
            if ff_cpu is None or cpu < ff_cpu:
                ff_cpu, ff_wall = cpu, wall
    media = ours['media_seconds']
    # The bench's own measurement excludes process start-up; ffmpeg's includes it (small).
    ours_cpu_per_s = ours['cpu_seconds'] / media
    ff_cpu_per_s = ff_cpu / media
    print(f'input: {a.size}, {media:.1f} s, ladder {a.ladder} -> '
          + ', '.join(f'{w}x{h}@{r}' for w, h, r in plan) + f', x264 preset {a.preset}, {a.threads} worker threads')
    print(f'stagecast: {ours["cpu_seconds"]:.2f} CPU s, {ours_cpu_per_s:.3f} CPU s per media s, '
          f'real-time factor {media / ours["wall_seconds"]:.2f}x ({ours["frames_encoded"]} frames encoded)')
    print(f'ffmpeg CLI: {ff_cpu:.2f} CPU s, {ff_cpu_per_s:.3f} CPU s per media s, '
          f'real-time factor {media / ff_wall:.2f}x')
    print(f'ratio (stagecast / ffmpeg CPU): {ours_cpu_per_s / ff_cpu_per_s:.3f} (goal <= 1.0)')
    print(f'best of {a.repeat} runs each; load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')


if __name__ == '__main__':
    main()
