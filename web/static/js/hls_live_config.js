// The Viewer's hls.js live settings, in one place: player.js starts hls.js with them, and
// bench/latency imports this file to measure exactly what fans get (docs/hls.md, "Latency").
// No DOM and no imports: Node can load it too.
//
// - lowLatencyMode: parts, preload hints, blocking reloads and delta updates (_HLS_skip, asked
//   for when the playlist has CAN-SKIP-UNTIL).
// - The target behind the live edge is the stream's PART-HOLD-BACK: the server's
//   `hls.part_hold_back_percent` decides it for every player alike, Safari included; only where
//   hls.js cannot hold it (followLiveEdge, below) is it raised to what it can.
// - maxLiveSyncPlaybackRate 1.5: catch up to that target after a slow start or a stall, instead of
//   staying where playback began (4.4 s behind in bench/latency without it).
export const HLS_LIVE_CONFIG = Object.freeze({
  lowLatencyMode: true,
  maxLiveSyncPlaybackRate: 1.5,
  backBufferLength: 30,
});

// hls.js 1.5 plays faster than real time toward its target only while more than a second is
// buffered ahead of the playhead. With parts of 0.27 s and a PART-HOLD-BACK of 0.81 s that target
// is below what it can reach: it settles about a second plus a part behind the edge, and every
// part that lifts the buffer past a second starts a burst at 1.15x, which Chromium plays by
// dropping frames (bench/latency: 4% of frames never shown). A target at that floor (1 s plus a
// part target) is where it ends up anyway, without the bursts. A PART-HOLD-BACK above the floor
// is kept as it is.
export const LIVE_SYNC_FLOOR_S = 1.0;

export function liveSyncTarget(partHoldBack, partTarget) {
  if (!(partTarget > 0)) return null;
  const floor = LIVE_SYNC_FLOOR_S + partTarget;
  return partHoldBack >= floor ? null : Math.round(floor * 1000) / 1000;
}

// Applies liveSyncTarget to a running hls.js once it knows the stream's parts (each media
// playlist update; the figures are fixed for a stream). `Hls` is the hls.js class.
export function followLiveEdge(hls, Hls) {
  hls.on(Hls.Events.LEVEL_UPDATED, (_event, { details }) => {
    if (!details?.live) return;
    const target = liveSyncTarget(details.partHoldBack, details.partTarget);
    if (target === null || hls.config.liveSyncDuration === target) return;
    // hls.js reads both at each use: the user's setting wins over PART-HOLD-BACK.
    hls.userConfig.liveSyncDuration = target;
    hls.config.liveSyncDuration = target;
  });
}
