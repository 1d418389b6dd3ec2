#pragma once
// HTTP/2 server session without I/O (RFC 9113), over nghttp2: bytes read from the peer go in,
// complete requests (net::Request) come out; responses go in, frames to write come out. The
// connection driver (http2_connection.h) owns the socket; this class owns no socket, no timer
// and no thread, so a unit test or a fuzzer drives it with bytes alone.
//
// Payloads are never copied: a response's body, shared_body or shared_pieces are served by
// nghttp2's data provider with NGHTTP2_DATA_FLAG_NO_COPY; each DATA frame leaves as its 9-byte
// header followed by views of the payload, so every viewer of an HLS part gets the same bytes.
// The views hold the response alive until the driver has written them.
//
// Limits (each one keeps one peer from taking what others need):
// - SETTINGS_MAX_CONCURRENT_STREAMS is advertised; nghttp2 refuses streams beyond it. Requests
//   handed out but not yet answered (also those whose stream the peer reset meanwhile) count
//   against the same limit: a new stream over it is refused (REFUSED_STREAM), so resetting
//   streams never buys more handler work (CVE-2023-44487, "rapid reset").
// - Stream resets by the peer are counted in a token bucket; a peer that resets faster than the
//   bucket refills gets GOAWAY(ENHANCE_YOUR_CALM).
// - A header list over header_list_limit (SETTINGS_MAX_HEADER_LIST_SIZE is advertised) gets 431;
//   a body over body_limit (by content-length or by the bytes received) gets 413, as HTTP/1.1.
//   Bodies buffered across the streams of one connection are bounded too (REFUSED_STREAM).
// - HPACK: the peer's decoder table size setting does not grow our encoder's table beyond
//   nghttp2's 4 KiB default; an encoder table larger than our advertised 4 KiB is a
//   COMPRESSION_ERROR.
// - Output: produce() stops filling once output_limit bytes wait for the socket; a slow reader
//   stops getting frames and memory stays bounded.
// - Malformed frames: nghttp2 answers with GOAWAY(PROTOCOL_ERROR) (or the fitting error) and
//   the session stops wanting to read.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "net/http_message.h"

struct nghttp2_session;

namespace stagecast::net {

struct Http2Options {
  uint32_t max_concurrent_streams = 128;
  size_t header_list_limit = 16 * 1024;
  size_t body_limit = 1024 * 1024;
  // Request bodies buffered at once across the streams of one connection.
  size_t connection_body_limit = 4 * 1024 * 1024;
  // Bytes produced for the socket before produce() stops (plus at most one frame).
  size_t output_limit = 256 * 1024;
  // Peer stream resets: a bucket of reset_burst, refilled at reset_rate_per_second.
  uint32_t reset_burst = 200;
  uint32_t reset_rate_per_second = 50;
  std::string server_name = "stagecast";
};

// The HTTP/2 connection preface a client sends first (RFC 9113 3.4).
inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class Http2Session {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  Http2Session(Http2Options options, std::string remote_address, Clock clock = {});
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Feeds bytes read from the peer (starting with the client preface). False when the
  // connection cannot go on (bad preface, flood, internal failure): write what produce() still
  // gives (a GOAWAY where one was possible), then close.
  bool receive(std::span<const uint8_t> bytes);

  struct Incoming {
    int32_t stream_id;
    Request request;
  };
  // Requests complete since the last call (headers, and the body up to END_STREAM), in order.
  // Each must be answered once with respond().
  std::vector<Incoming> take_requests();

  // Answers a stream handed out by take_requests(). False when the stream is gone (the peer
  // reset it, or the connection ended); the answer is then dropped. head: no body is sent.
  bool respond(int32_t stream_id, Response response, bool head);

  // A streamed response (Response::streamed) is answered by respond() with its header; its body
  // is then fed piece by piece, in order, as the pieces are read. False when the stream is gone
  // (the peer reset it) or the piece would run past the announced size.
  bool feed(int32_t stream_id, std::shared_ptr<const std::vector<uint8_t>> piece);
  // Bytes fed and not yet handed to the output (flow control may hold them); nullopt when the
  // stream is gone. The feeder reads the next piece once this is under a piece.
  std::optional<size_t> unsent(int32_t stream_id) const;
  // Resets a stream whose body cannot be finished (RST_STREAM INTERNAL_ERROR).
  void cancel(int32_t stream_id);

  // Ends the connection gracefully: GOAWAY with the error code (NO_ERROR for an idle timeout).
  void terminate(uint32_t error_code);

  // One piece of output: bytes owned here (frame headers, HEADERS, SETTINGS) or a view of a
  // response payload, held alive by `hold`.
  struct Chunk {
    std::string owned;
    const uint8_t* data = nullptr;
    size_t size = 0;
    std::shared_ptr<const void> hold;
    std::span<const uint8_t> bytes() const {
      return owned.empty() ? std::span<const uint8_t>(data, size)
                           : std::span<const uint8_t>(
                                 reinterpret_cast<const uint8_t*>(owned.data()), owned.size());
    }
  };
  // Produces frames while fewer than output_limit bytes wait, and hands them out; the caller
  // writes them in order (one gather write) and keeps the chunks until it has.
  std::vector<Chunk> take_output();

  // Neither reading nor writing wanted: the connection is over (after a GOAWAY, or a fatal error).
  bool finished() const;
  bool wants_read() const;
  // Requests handed out and not yet answered.
  size_t awaiting() const { return awaiting_.size(); }
  // Streams open in nghttp2 (including ones still receiving their request).
  size_t open_streams() const { return streams_.size(); }
  // Why the session ended early, for logs, metrics and tests: "" (it did not), "bad_preface",
  // "flood", "rapid_reset", or the error code of a GOAWAY nghttp2 sent ("PROTOCOL_ERROR", ...).
  const std::string& failure() const { return failure_; }

  struct Stats {
    uint64_t requests = 0;
    uint64_t peer_resets = 0;
    uint64_t refused_streams = 0;
  };
  const Stats& stats() const { return stats_; }

  struct Stream;  // per-stream state (http2_session.cpp)
  struct Callbacks;

 private:
  void reject(int32_t stream_id, Stream& stream, Response response);
  void release_body(Stream& stream);
  void note_peer_reset();
  bool submit(int32_t stream_id, Stream& stream, Response response, bool head);

  Http2Options options_;
  std::string remote_;
  Clock clock_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::unordered_set<int32_t> awaiting_;
  std::vector<Incoming> ready_;
  std::vector<Chunk> out_;
  size_t out_bytes_ = 0;
  size_t buffered_body_ = 0;
  double reset_tokens_;
  std::chrono::steady_clock::time_point reset_refilled_;
  bool fatal_ = false;
  std::string failure_;
  Stats stats_;
};

}  // namespace stagecast::net
