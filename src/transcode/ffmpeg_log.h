#pragma once
// FFmpeg's own log (libavcodec, libx264 through it) into ours: warnings and errors only, as one
// line each through spdlog, so they follow the server's log format (text or JSON, escaped) instead
// of raw lines on stderr. libx264's banner and the AAC encoder's closing statistics are info
// level and stay out. Process-wide and idempotent: every codec user calls it first.

namespace stagecast::transcode {

void route_ffmpeg_log();

}  // namespace stagecast::transcode
