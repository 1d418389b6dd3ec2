#pragma once
// Test support: the real frames of a small file, demuxed by libavformat into the server's frame
// model (AVCC H.264 access units, raw AAC frames, 90 kHz timestamps), as RTMP ingest would hand
// them to a sink. Plus small helpers to run ffprobe/ffmpeg and to lay a rendition out on disk.

#include <filesystem>
#include <string>
#include <vector>

#include "hls/ll_hls_packager.h"
#include "hls/rendition_store.h"
#include "media/media_frame.h"

namespace stagecast::hls::test {

struct FixtureMedia {
  media::StreamConfig config;
  std::vector<media::MediaFramePtr> frames;  // in dts order, the first at dts 0
  size_t video_frames = 0;
  size_t audio_frames = 0;
  int64_t duration = 0;  // 90 kHz, last dts - first dts + one video frame
};

// round_to_ms: timestamps truncated to whole milliseconds first, as FLV/RTMP carries them.
FixtureMedia load_fixture(const std::string& path, bool round_to_ms = false);

std::string fixture_path();  // tests/data/hls/source.mp4
// load_fixture(fixture_path()), loaded once per test binary.
const FixtureMedia& shared_fixture();

// The same frames shifted by `offset` (90 kHz), for looping a fixture.
media::MediaFramePtr shifted(const media::MediaFramePtr& frame, int64_t offset);

// A packager configuration for stream "live" (the tests' stream) and the given rendition.
inline LlHlsConfig live_config(std::string rendition = "source") {
  LlHlsConfig c;
  c.stream_id = "live";
  c.rendition = std::move(rendition);
  return c;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
CommandResult run_command(const std::string& command);

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const Bytes& bytes);
std::string to_string(const SharedBytes& bytes);

// Writes the rendition's playlist and every URI it names (init, segments, parts) into dir.
// Returns the number of files written.
size_t write_rendition(const RenditionStore& store, const std::string& stream,
                       const std::string& rendition, const std::filesystem::path& dir);

}  // namespace stagecast::hls::test
