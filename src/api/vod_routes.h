#pragma once
// Replay over HTTP (docs/recording.md): a finished recording's VOD playlists, CMAF headers,
// segments and MP4, read from the object store and passed through, under the same access rules
// as the live stream (a playback token where the stream needs one, percent-encoded into every
// URI of the playlists it gets, as live HLS does).
//
//   GET /vod/{recording}/master.m3u8                multivariant playlist (the ladder)
//   GET /vod/{recording}/{rendition}/index.m3u8     VOD media playlist
//   GET /vod/{recording}/{rendition}/init.mp4       CMAF header (init-V.mp4 after a codec change)
//   GET /vod/{recording}/{rendition}/seg{N}.m4s     segment
//   GET /vod/{recording}/recording.mp4              the MP4 download (Range requests served;
//                                                   large ones streamed or presigned)
//
// The handlers run on their own bounded pool (a database read and an object store read each):
// past it 503, never an I/O thread blocked.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/bytes.h"
#include "core/result.h"
#include "core/worker_pool.h"
#include "net/http_message.h"
#include "net/router.h"

namespace stagecast::api {

struct ReplayRecording {
  std::string stream_id;
  std::string prefix;  // object keys start with prefix + "/"
  bool playable = false;
  std::string mp4_key;  // empty: no MP4
};

struct ReplayBytes {
  Bytes data;
  uint64_t total_size = 0;
};

// What the routes need; app/ implements it over the platform and the object store. Blocking.
class ReplaySource {
 public:
  virtual ~ReplaySource() = default;
  // not_found when there is no such recording (or clip).
  virtual Result<ReplayRecording> recording(const std::string& recording_id) = 0;
  // A token valid for the stream (and not revoked), or a PUBLIC stream open to anonymous viewers.
  virtual bool may_play(const std::string& stream_id, const net::Request& request) = 0;
  // The object or [first, first + length) of it. object_not_found for none.
  virtual Result<ReplayBytes> read(const std::string& key,
                                   std::optional<std::pair<uint64_t, uint64_t>> range) = 0;
  // The object's size; object_not_found for none.
  virtual Result<uint64_t> size(const std::string& key) = 0;
  // A short-lived direct URL for a large download, where configured (S3 presigned).
  virtual std::optional<std::string> presigned_url(const std::string& key) = 0;
};

struct VodOptions {
  // A whole MP4 download up to this size is read at once; a larger one is streamed through in
  // pieces of piece_bytes (or redirected to a presigned URL where configured).
  uint64_t whole_max_bytes = 16ull * 1024 * 1024;
  size_t piece_bytes = 1024 * 1024;
  WorkerPool* pool = nullptr;  // where the pieces are read (add_vod_routes sets its own pool)
};

void add_vod_routes(net::Router& router, ReplaySource& source, WorkerPool& pool,
                    VodOptions options = {});

// "bytes=a-b", "bytes=a-", "bytes=-n" against an object of `size` bytes: [first, length).
// nullopt for anything else (one range only; a malformed header is ignored per RFC 9110 14.2).
std::optional<std::pair<uint64_t, uint64_t>> parse_byte_range(std::string_view header,
                                                              uint64_t size);

}  // namespace stagecast::api
