#include "net/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "net/url.h"

namespace stagecast::net {

struct Http2Session::Stream {
  Request request;
  size_t header_bytes = 0;
  bool headers_too_large = false;
  bool handed_out = false;  // given to the application by take_requests()
  bool answered = false;    // a response is submitted; later request bytes are dropped
  std::shared_ptr<const Response> response;
  std::vector<std::span<const uint8_t>> pieces;
  size_t total = 0;
  size_t offset = 0;  // payload bytes already handed to the output
  // A streamed body (StreamedBody): pieces fed as they are read, dropped once handed out.
  bool streamed = false;
  bool deferred = false;  // nghttp2 waits for the next piece (NGHTTP2_ERR_DEFERRED)
  std::deque<std::shared_ptr<const std::vector<uint8_t>>> fed_pieces;
  size_t fed = 0;   // bytes fed so far
  size_t base = 0;  // body offset of fed_pieces.front()
};

namespace {

std::span<const uint8_t> view(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool connection_specific(const std::string& name) {
  // RFC 9113 8.2.2: these must not appear in an HTTP/2 message.
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade";
}

}  // namespace

// nghttp2 calls back into the session through these (user_data is the Http2Session).
struct Http2Session::Callbacks {
  static Http2Session& self(void* user_data) { return *static_cast<Http2Session*>(user_data); }

  static void append_owned(Http2Session& s, const uint8_t* data, size_t size) {
    if (s.out_.empty() || s.out_.back().owned.empty()) s.out_.emplace_back();
    s.out_.back().owned.append(reinterpret_cast<const char*>(data), size);
    s.out_bytes_ += size;
  }

  static ssize_t send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
    Http2Session& s = self(user);
    if (s.out_bytes_ >= s.options_.output_limit) return NGHTTP2_ERR_WOULDBLOCK;
    append_owned(s, data, length);
    return static_cast<ssize_t>(length);
  }

  // A DATA frame of `length` payload bytes: its header, then views of the payload (no copy).
  static int send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd,
                       size_t length, nghttp2_data_source*, void* user) {
    Http2Session& s = self(user);
    if (s.out_bytes_ >= s.options_.output_limit) return NGHTTP2_ERR_WOULDBLOCK;
    auto it = s.streams_.find(frame->hd.stream_id);
    if (it == s.streams_.end() || frame->data.padlen != 0) return NGHTTP2_ERR_CALLBACK_FAILURE;
    Stream& st = *it->second;
    if (length > st.total - st.offset) return NGHTTP2_ERR_CALLBACK_FAILURE;
    append_owned(s, framehd, 9);
    if (st.streamed) {
      send_fed(s, st, length);
      return 0;
    }
    size_t skip = st.offset;
    size_t left = length;
    for (const auto& piece : st.pieces) {
      if (left == 0) break;
      if (skip >= piece.size()) {
        skip -= piece.size();
        continue;
      }
      const size_t n = std::min(piece.size() - skip, left);
      Chunk c;
      c.data = piece.data() + skip;
      c.size = n;
      c.hold = st.response;
      s.out_.push_back(std::move(c));
      s.out_bytes_ += n;
      left -= n;
      skip = 0;
    }
    st.offset += length;
    return 0;
  }

  // Views of the fed pieces from st.offset on; a piece wholly handed out leaves the deque (the
  // chunks hold it until written).
  static void send_fed(Http2Session& s, Stream& st, size_t length) {
    size_t skip = st.offset - st.base;
    size_t left = length;
    for (const auto& piece : st.fed_pieces) {
      if (left == 0) break;
      if (skip >= piece->size()) {
        skip -= piece->size();
        continue;
      }
      const size_t n = std::min(piece->size() - skip, left);
      Chunk c;
      c.data = piece->data() + skip;
      c.size = n;
      c.hold = piece;
      s.out_.push_back(std::move(c));
      s.out_bytes_ += n;
      left -= n;
      skip = 0;
    }
    st.offset += length;
    while (!st.fed_pieces.empty() && st.base + st.fed_pieces.front()->size() <= st.offset) {
      st.base += st.fed_pieces.front()->size();
      st.fed_pieces.pop_front();
    }
  }

  static ssize_t read(nghttp2_session*, int32_t stream_id, uint8_t*, size_t length, uint32_t* flags,
                      nghttp2_data_source*, void* user) {
    Http2Session& s = self(user);
    auto it = s.streams_.find(stream_id);
    if (it == s.streams_.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    Stream& st = *it->second;
    const size_t ready = st.streamed ? st.fed : st.total;
    if (st.streamed && ready == st.offset) {
      st.deferred = true;  // resumed by feed()
      return NGHTTP2_ERR_DEFERRED;
    }
    const size_t n = std::min(length, ready - st.offset);
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (st.offset + n == st.total) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    Http2Session& s = self(user);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    // Handler work still running counts against the stream limit even when the peer has reset
    // its stream: resets never buy more concurrent work (CVE-2023-44487).
    if (s.awaiting_.size() >= s.options_.max_concurrent_streams) {
      ++s.stats_.refused_streams;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                NGHTTP2_REFUSED_STREAM);
      return 0;
    }
    auto st = std::make_unique<Stream>();
    st->request.remote_address = s.remote_;
    s.streams_[frame->hd.stream_id] = std::move(st);
    return 0;
  }

  static int header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                    size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    Http2Session& s = self(user);
    auto it = s.streams_.find(frame->hd.stream_id);
    if (it == s.streams_.end()) return 0;
    Stream& st = *it->second;
    if (st.answered || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;  // trailers
    // The size RFC 9113 6.5.2 counts for SETTINGS_MAX_HEADER_LIST_SIZE.
    st.header_bytes += namelen + valuelen + 32;
    if (st.header_bytes > s.options_.header_list_limit) {
      st.headers_too_large = true;
      st.request.headers.clear();
      return 0;
    }
    if (st.headers_too_large) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    Request& r = st.request;
    if (n == ":method") {
      r.method = std::move(v);
    } else if (n == ":path") {
      r.target = std::move(v);
    } else if (n == ":authority") {
      r.headers.emplace("host", std::move(v));
    } else if (!n.starts_with(':')) {
      // nghttp2 has checked the name (lowercase, no connection-specific fields).
      auto [field, inserted] = r.headers.emplace(std::string(n), v);
      if (!inserted) field->second += (n == "cookie" ? "; " : ", ") + v;
    }
    return 0;
  }

  static int data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                        size_t len, void* user) {
    Http2Session& s = self(user);
    auto it = s.streams_.find(stream_id);
    if (it == s.streams_.end()) return 0;
    Stream& st = *it->second;
    if (st.answered || st.headers_too_large) return 0;
    if (st.request.body.size() + len > s.options_.body_limit) {
      s.release_body(st);
      s.reject(stream_id, st, Response::error(413, "payload_too_large", "request body too large"));
      return 0;
    }
    if (s.buffered_body_ + len > s.options_.connection_body_limit) {
      s.release_body(st);
      st.answered = true;
      ++s.stats_.refused_streams;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_REFUSED_STREAM);
      return 0;
    }
    st.request.body.append(reinterpret_cast<const char*>(data), len);
    s.buffered_body_ += len;
    return 0;
  }

  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Session& s = self(user);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      s.note_peer_reset();
      return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    auto it = s.streams_.find(frame->hd.stream_id);
    if (it == s.streams_.end()) return 0;
    Stream& st = *it->second;
    if (st.answered) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      if (st.headers_too_large) {
        s.reject(frame->hd.stream_id, st,
                 Response::error(431, "headers_too_large", "request headers too large"));
        return 0;
      }
      // A declared length over the limit is refused before any of the body arrives.
      const std::string_view cl = st.request.header("content-length");
      uint64_t declared = 0;
      if (!cl.empty() &&
          std::from_chars(cl.data(), cl.data() + cl.size(), declared).ec == std::errc() &&
          declared > s.options_.body_limit) {
        s.reject(frame->hd.stream_id, st,
                 Response::error(413, "payload_too_large", "request body too large"));
        return 0;
      }
    }
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
    // The request is complete.
    Request& r = st.request;
    const std::string_view target = r.target;
    const size_t q = target.find('?');
    r.path = percent_decode(target.substr(0, q), false);
    if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
    s.buffered_body_ -= r.body.size();
    st.handed_out = true;
    s.awaiting_.insert(frame->hd.stream_id);
    ++s.stats_.requests;
    s.ready_.push_back(Incoming{frame->hd.stream_id, std::move(r)});
    return 0;
  }

  // A GOAWAY with an error code that nghttp2 sends on its own (a malformed frame, a bad first
  // frame, an HPACK error) names why the session ends.
  static int frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Session& s = self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR &&
        s.failure_.empty()) {
      s.failure_ = nghttp2_http2_strerror(frame->goaway.error_code);
    }
    return 0;
  }

  static int stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    Http2Session& s = self(user);
    auto it = s.streams_.find(stream_id);
    if (it == s.streams_.end()) return 0;
    s.release_body(*it->second);
    s.streams_.erase(it);
    return 0;
  }
};

Http2Session::Http2Session(Http2Options options, std::string remote_address, Clock clock)
    : options_(std::move(options)),
      remote_(std::move(remote_address)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      reset_tokens_(options_.reset_burst),
      reset_refilled_(clock_()) {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) throw std::bad_alloc();
  nghttp2_session_callbacks_set_send_callback(cbs, &Callbacks::send);
  nghttp2_session_callbacks_set_send_data_callback(cbs, &Callbacks::send_data);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Callbacks::begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Callbacks::data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Callbacks::frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Callbacks::stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Callbacks::frame_send);
  nghttp2_option* opt = nullptr;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cbs);
    throw std::bad_alloc();
  }
  // Our HPACK encoder's table stays at 4 KiB whatever table size the peer's decoder offers.
  nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
  const int rv = nghttp2_session_server_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) throw std::bad_alloc();
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(options_.header_list_limit)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

Http2Session::~Http2Session() {
  nghttp2_session_del(session_);
}

bool Http2Session::receive(std::span<const uint8_t> bytes) {
  if (fatal_) return false;
  const ssize_t rv = nghttp2_session_mem_recv(session_, bytes.data(), bytes.size());
  if (rv >= 0) return true;
  fatal_ = true;
  if (rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC) {
    failure_ = "bad_preface";
  } else if (rv == NGHTTP2_ERR_FLOODED) {
    failure_ = "flood";
  } else {
    failure_ = nghttp2_strerror(static_cast<int>(rv));
  }
  return false;
}

std::vector<Http2Session::Incoming> Http2Session::take_requests() {
  std::vector<Incoming> out;
  out.swap(ready_);
  return out;
}

void Http2Session::release_body(Stream& st) {
  if (!st.handed_out) buffered_body_ -= st.request.body.size();
  st.request.body.clear();
  st.request.body.shrink_to_fit();
}

void Http2Session::reject(int32_t stream_id, Stream& st, Response response) {
  release_body(st);
  st.request.headers.clear();
  submit(stream_id, st, std::move(response), false);
}

void Http2Session::note_peer_reset() {
  ++stats_.peer_resets;
  const auto now = clock_();
  const double elapsed = std::chrono::duration<double>(now - reset_refilled_).count();
  reset_refilled_ = now;
  reset_tokens_ = std::min<double>(options_.reset_burst,
                                   reset_tokens_ + elapsed * options_.reset_rate_per_second);
  reset_tokens_ -= 1;
  if (reset_tokens_ < 0 && failure_.empty()) {
    failure_ = "rapid_reset";
    nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
  }
}

bool Http2Session::respond(int32_t stream_id, Response response, bool head) {
  awaiting_.erase(stream_id);
  if (fatal_) return false;
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || it->second->answered) return false;
  return submit(stream_id, *it->second, std::move(response), head);
}

bool Http2Session::submit(int32_t stream_id, Stream& st, Response response, bool head) {
  st.answered = true;
  const bool no_body = response.status == 204 || response.status == 304 ||
                       (response.status >= 100 && response.status < 200);
  const size_t size = response.body_size();
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(response.headers.size() + 3 +
                 (response.preset != nullptr ? response.preset->fields().size() : 0));
  fields.emplace_back(":status", std::to_string(response.status));
  fields.emplace_back("server", options_.server_name);
  for (const auto& [name, value] : response.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (connection_specific(lower) || lower == "content-length" || lower == "server") continue;
    fields.emplace_back(std::move(lower), value);
  }
  if (response.preset != nullptr) {
    for (const auto& [name, value] : response.preset->fields()) {
      if (response.headers.contains(name) || connection_specific(name) || name == "server")
        continue;
      fields.emplace_back(name, value);
    }
  }
  if (!no_body) fields.emplace_back("content-length", std::to_string(size));
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (auto& [name, value] : fields) {
    nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(name.data()),
                             reinterpret_cast<uint8_t*>(value.data()), name.size(), value.size(),
                             NGHTTP2_NV_FLAG_NONE});
  }
  auto shared = std::make_shared<const Response>(std::move(response));
  st.pieces.clear();
  st.streamed = shared->streamed != nullptr;
  if (st.streamed) {
    // Fed by feed() as the pieces are read.
  } else if (shared->shared_body) {
    st.pieces.emplace_back(shared->shared_body->data(), shared->shared_body->size());
  } else if (!shared->shared_pieces.empty()) {
    for (const auto& piece : shared->shared_pieces)
      st.pieces.emplace_back(piece->data(), piece->size());
  } else {
    st.pieces.push_back(view(shared->body));
  }
  st.total = size;
  st.offset = 0;
  st.response = std::move(shared);
  nghttp2_data_provider provider{};
  provider.read_callback = &Callbacks::read;
  const bool with_data = !head && !no_body && size > 0;
  const int rv = nghttp2_submit_response(session_, stream_id, nva.data(), nva.size(),
                                         with_data ? &provider : nullptr);
  return rv == 0;
}

bool Http2Session::feed(int32_t stream_id, std::shared_ptr<const std::vector<uint8_t>> piece) {
  if (fatal_ || !piece) return false;
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || !it->second->streamed) return false;
  Stream& st = *it->second;
  if (piece->size() > st.total - st.fed) return false;
  st.fed += piece->size();
  st.fed_pieces.push_back(std::move(piece));
  if (st.deferred) {
    st.deferred = false;
    if (nghttp2_session_resume_data(session_, stream_id) != 0) return false;
  }
  return true;
}

std::optional<size_t> Http2Session::unsent(int32_t stream_id) const {
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || !it->second->streamed) return std::nullopt;
  return it->second->fed - it->second->offset;
}

void Http2Session::cancel(int32_t stream_id) {
  if (!fatal_ && streams_.contains(stream_id))
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_INTERNAL_ERROR);
}

void Http2Session::terminate(uint32_t error_code) {
  if (!fatal_) nghttp2_session_terminate_session(session_, error_code);
}

std::vector<Http2Session::Chunk> Http2Session::take_output() {
  // After a fatal error nothing more is sent: the connection is closed as it is.
  if (!fatal_ && nghttp2_session_send(session_) < 0) fatal_ = true;
  std::vector<Chunk> out;
  out.swap(out_);
  out_bytes_ = 0;
  return out;
}

bool Http2Session::wants_read() const {
  return !fatal_ && nghttp2_session_want_read(session_);
}

bool Http2Session::finished() const {
  if (fatal_) return out_.empty();
  return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

}  // namespace stagecast::net
