#pragma once
// nghttp2's own client session, in memory, for the HTTP/2 server tests: requests in, frames out
// (drain), frames in (feed), replies collected per stream.

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "net/http2_session.h"

namespace stagecast::net {

inline std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline std::string concat(const std::vector<Http2Session::Chunk>& chunks) {
  std::string out;
  for (const auto& c : chunks) {
    const auto b = c.bytes();
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return out;
}

// nghttp2's client, in memory.
class H2Client {
 public:
  struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
    bool closed = false;
    uint32_t error = 0;
  };

  explicit H2Client(std::vector<nghttp2_settings_entry> settings = {}) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                const uint8_t* v, size_t vl, uint8_t, void* u) {
          auto& r = static_cast<H2Client*>(u)->replies[f->hd.stream_id];
          std::string name(reinterpret_cast<const char*>(n), nl);
          std::string value(reinterpret_cast<const char*>(v), vl);
          if (name == ":status") r.status = std::stoi(value);
          r.headers[name] = value;
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cbs, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t len, void* u) {
          static_cast<H2Client*>(u)->replies[id].body.append(reinterpret_cast<const char*>(d), len);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cbs, [](nghttp2_session*, int32_t id, uint32_t error, void* u) {
          auto& r = static_cast<H2Client*>(u)->replies[id];
          r.closed = true;
          r.error = error;
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          auto* c = static_cast<H2Client*>(u);
          if (f->hd.type == NGHTTP2_GOAWAY) c->goaway = f->goaway.error_code;
          if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
            for (size_t i = 0; i < f->settings.niv; ++i)
              c->server_settings[f->settings.iv[i].settings_id] = f->settings.iv[i].value;
          }
          return 0;
        });
    nghttp2_session_client_new(&session_, cbs, this);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  }
  ~H2Client() { nghttp2_session_del(session_); }

  int32_t request(std::string method, std::string path,
                  std::vector<std::pair<std::string, std::string>> extra = {},
                  const std::string* body = nullptr) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", method}, {":scheme", "http"}, {":authority", "example.test"}, {":path", path}};
    for (auto& f : extra) fields.push_back(f);
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : fields) {
      nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                     n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    provider.source.ptr = const_cast<std::string*>(body);
    provider.read_callback = [](nghttp2_session* s, int32_t id, uint8_t* buf, size_t len,
                                uint32_t* flags, nghttp2_data_source* src, void*) -> ssize_t {
      auto* c = static_cast<H2Client*>(nghttp2_session_get_stream_user_data(s, id));
      auto* b = static_cast<const std::string*>(src->ptr);
      size_t& off = c->sent[id];
      const size_t n = std::min(len, b->size() - off);
      std::memcpy(buf, b->data() + off, n);
      off += n;
      if (off == b->size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    return nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                  body ? &provider : nullptr, this);
  }
  void reset(int32_t id) { nghttp2_submit_rst_stream(session_, 0, id, NGHTTP2_CANCEL); }

  std::string drain() {
    std::string out;
    for (;;) {
      const uint8_t* d = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session_, &d);
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(d), static_cast<size_t>(n));
    }
    return out;
  }
  void feed(const std::string& in) {
    ASSERT_EQ(nghttp2_session_mem_recv(session_, bytes_of(in).data(), in.size()),
              static_cast<ssize_t>(in.size()));
  }

  std::map<int32_t, Reply> replies;
  std::map<int32_t, size_t> sent;
  std::map<int32_t, uint32_t> server_settings;
  int64_t goaway = -1;

 private:
  nghttp2_session* session_ = nullptr;
};

}  // namespace stagecast::net
