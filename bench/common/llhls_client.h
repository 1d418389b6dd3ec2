#pragma once
// Shared by the LL-HLS load generators (bench/analytics/loadgen.cpp, bench/delivery/loadgen.cpp):
// a keep-alive HTTP/1.1 GET client on Asio coroutines, and a reader of media playlists that
// gives every part its media sequence number, index and the wall-clock time its media ends
// (EXT-X-PROGRAM-DATE-TIME plus the durations before it), RFC 8216bis 4.4.4.2, 4.4.4.9.
//
// Header-only (Boost.Asio is header-only too), so each generator still builds with one g++ line:
// g++ -O2 -std=c++20 loadgen.cpp -o loadgen -lpthread

#include <algorithm>
#include <boost/asio.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

inline int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline double unix_ms_now_precise() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- HTTP/1.1 keep-alive GET -------------------------------------------------------------------

class HttpConnection {
 public:
  HttpConnection(asio::any_io_executor ex, tcp::endpoint endpoint, std::string host)
      : socket_(ex), endpoint_(endpoint), host_(std::move(host)) {}

  asio::awaitable<void> connect() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    socket_ = tcp::socket(socket_.get_executor());
    co_await socket_.async_connect(endpoint_, asio::use_awaitable);
    socket_.set_option(tcp::no_delay(true));
    begin_ = end_ = 0;
    connected_ = true;
  }
  bool connected() const { return connected_; }

  // Sends a GET without reading its answer (a request the server will hold).
  asio::awaitable<void> send_get(std::string_view target) {
    if (!connected_) co_await connect();
    build_request(target);
    co_await asio::async_write(socket_, asio::buffer(request_), asio::use_awaitable);
  }

  // Reads one response; its body into *out unless out is null. Returns the status code.
  asio::awaitable<int> read_response(std::string* out) {
    const uint64_t read_before = consumed_;
    size_t header_end;
    while ((header_end = find_header_end()) == std::string_view::npos) co_await read_more();
    const std::string_view head(buf_.data() + begin_, header_end - begin_);
    int status = 0;
    if (head.size() > 12) std::from_chars(head.data() + 9, head.data() + 12, status);
    size_t length = 0;
    bool close = false;
    for (size_t line = head.find("\r\n"); line != std::string_view::npos;) {
      const size_t next = head.find("\r\n", line + 2);
      const std::string_view field =
          head.substr(line + 2, (next == std::string_view::npos ? head.size() : next) - line - 2);
      if (starts_with_nocase(field, "content-length:")) {
        size_t p = 15;
        while (p < field.size() && field[p] == ' ') ++p;
        std::from_chars(field.data() + p, field.data() + field.size(), length);
      } else if (starts_with_nocase(field, "connection:") &&
                 field.find("close") != std::string_view::npos) {
        close = true;
      }
      line = next;
    }
    const size_t body_at = header_end + 4;
    while (end_ < body_at + length) co_await read_more();
    if (out) out->assign(buf_.data() + body_at, length);
    consumed_ += body_at + length - begin_;
    bytes_ += consumed_ - read_before;
    begin_ = body_at + length;
    if (begin_ == end_) begin_ = end_ = 0;
    if (close) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      connected_ = false;
    }
    co_return status;
  }

  // GET with the body into *out (or discarded); reconnects once when the server had closed the
  // keep-alive connection (nginx's keepalive_requests, an idle timeout).
  asio::awaitable<int> get(std::string_view target, std::string* out) {
    for (int attempt = 0;; ++attempt) {
      try {
        co_await send_get(target);
        co_return co_await read_response(out);
      } catch (const boost::system::system_error& e) {
        connected_ = false;
        if (attempt > 0 || begin_ != end_) throw;
        reconnects_++;
      }
    }
  }

  uint64_t bytes() const { return bytes_; }
  uint64_t reconnects() const { return reconnects_; }

 private:
  static bool starts_with_nocase(std::string_view s, std::string_view prefix_lower) {
    if (s.size() < prefix_lower.size()) return false;
    for (size_t i = 0; i < prefix_lower.size(); ++i) {
      char c = s[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix_lower[i]) return false;
    }
    return true;
  }
  void build_request(std::string_view target) {
    request_.clear();
    request_ += "GET ";
    request_ += target;
    request_ += " HTTP/1.1\r\nHost: ";
    request_ += host_;
    request_ += "\r\nUser-Agent: stagecast-bench-llhls/2\r\n\r\n";
  }
  size_t find_header_end() const {
    const std::string_view v(buf_.data() + begin_, end_ - begin_);
    const size_t at = v.find("\r\n\r\n");
    return at == std::string_view::npos ? at : begin_ + at;
  }
  asio::awaitable<void> read_more() {
    if (begin_ > 0 && begin_ == end_) begin_ = end_ = 0;
    if (buf_.size() - end_ < 16384) {
      if (begin_ > 0) {  // slide what is unread to the front
        std::copy(buf_.begin() + static_cast<ptrdiff_t>(begin_),
                  buf_.begin() + static_cast<ptrdiff_t>(end_), buf_.begin());
        end_ -= begin_;
        begin_ = 0;
      }
      if (buf_.size() - end_ < 16384) buf_.resize(std::max<size_t>(buf_.size() * 2, 32768));
    }
    const size_t n = co_await socket_.async_read_some(
        asio::buffer(buf_.data() + end_, buf_.size() - end_), asio::use_awaitable);
    end_ += n;
  }

  tcp::socket socket_;
  tcp::endpoint endpoint_;
  std::string host_;
  std::string request_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool connected_ = false;
  uint64_t bytes_ = 0;
  uint64_t consumed_ = 0;
  uint64_t reconnects_ = 0;
};

// --- media playlist ----------------------------------------------------------------------------

struct PartPos {
  int64_t msn = -1;
  int index = -1;
  friend bool operator<(const PartPos& a, const PartPos& b) {
    return a.msn != b.msn ? a.msn < b.msn : a.index < b.index;
  }
  friend bool operator==(const PartPos&, const PartPos&) = default;
};

struct PlaylistPart {
  PartPos pos;
  double duration = 0;  // seconds
  double end_ms = 0;    // unix ms at which its media ends (PROGRAM-DATE-TIME based); 0 unknown
  std::string_view uri;
  bool independent = false;
};

struct PlaylistSegment {
  int64_t msn = 0;
  double duration = 0;
  double start_ms = 0;
  std::string_view uri;
  int parts = 0;  // EXT-X-PART lines listed for it (0 when they left the playlist)
};

struct RenditionReport {
  std::string_view uri;
  int64_t last_msn = -1;
  int last_part = -1;
};

struct MediaPlaylist {
  int64_t media_sequence = 0;
  double target_duration = 0;
  double part_target = 0;
  bool can_block_reload = false;
  bool ended = false;
  std::string_view map_uri;
  std::vector<PlaylistSegment> segments;
  std::vector<PlaylistPart> parts;
  std::optional<PartPos> hint;
  std::string_view hint_uri;
  std::vector<RenditionReport> reports;

  // The part that follows `p`: the next index, or part 0 of the next segment when segment
  // p.msn is complete here with p.index as its last part.
  PartPos after(PartPos p) const {
    for (const auto& s : segments)
      if (s.msn == p.msn && s.parts == p.index + 1) return {p.msn + 1, 0};
    return {p.msn, p.index + 1};
  }
};

// "2026-12-06T06:00:00.123Z" (or +00:00) to unix milliseconds; 0 when unreadable.
inline double parse_date_time_ms(std::string_view s) {
  int y, mo, d, h, mi;
  double sec;
  auto num = [&](size_t at, size_t len, int& v) {
    return at + len <= s.size() &&
           std::from_chars(s.data() + at, s.data() + at + len, v).ec == std::errc();
  };
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi))
    return 0;
  size_t e = 17;
  while (e < s.size() && (std::isdigit(static_cast<unsigned char>(s[e])) || s[e] == '.')) ++e;
  if (std::from_chars(s.data() + 17, s.data() + e, sec).ec != std::errc()) return 0;
  // days from civil (proleptic Gregorian)
  y -= mo <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t(era) * 146097 + int64_t(doe) - 719468;
  return (double(days) * 86400 + h * 3600 + mi * 60) * 1000 + sec * 1000;
}

inline std::string_view attribute(std::string_view line, std::string_view name) {
  size_t at = 0;
  for (;;) {
    at = line.find(name, at);
    if (at == std::string_view::npos) return {};
    const bool starts = at > 0 && (line[at - 1] == ':' || line[at - 1] == ',');
    if (starts && at + name.size() < line.size() && line[at + name.size()] == '=') break;
    at += name.size();
  }
  size_t v = at + name.size() + 1;
  if (v < line.size() && line[v] == '"') {
    const size_t close = line.find('"', v + 1);
    return line.substr(v + 1,
                       close == std::string_view::npos ? std::string_view::npos : close - v - 1);
  }
  const size_t comma = line.find(',', v);
  return line.substr(v, comma == std::string_view::npos ? std::string_view::npos : comma - v);
}

inline double to_double(std::string_view s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
inline int64_t to_int(std::string_view s) {
  int64_t v = -1;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Fills `out` (string views into `text`, which must outlive it). False when it is no media
// playlist.
inline bool parse_media_playlist(std::string_view text, MediaPlaylist& out) {
  out.segments.clear();
  out.parts.clear();
  out.reports.clear();
  out.hint.reset();
  out.hint_uri = {};
  out.map_uri = {};
  out.ended = false;
  out.can_block_reload = false;
  if (!text.starts_with("#EXTM3U")) return false;
  int64_t msn = -1;
  int part_index = 0;
  double seg_start = 0, part_cursor = 0, extinf = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line[0] != '#') {
      if (msn < 0) msn = out.media_sequence;
      out.segments.push_back({msn, extinf, seg_start, line, part_index});
      ++msn;
      part_index = 0;
      seg_start = seg_start ? seg_start + extinf * 1000 : 0;
      part_cursor = seg_start;
      continue;
    }
    if (msn < 0 && !line.starts_with("#EXT-X-MEDIA-SEQUENCE") && !line.starts_with("#EXTM3U") &&
        (line.starts_with("#EXT-X-PART:") || line.starts_with("#EXTINF") ||
         line.starts_with("#EXT-X-PROGRAM-DATE-TIME") || line.starts_with("#EXT-X-PRELOAD-HINT")))
      msn = out.media_sequence;
    if (line.starts_with("#EXT-X-PART:")) {
      PlaylistPart p;
      p.pos = {msn, part_index++};
      p.duration = to_double(attribute(line, "DURATION"));
      p.uri = attribute(line, "URI");
      p.independent = line.find("INDEPENDENT=YES") != std::string_view::npos;
      if (part_cursor) {
        part_cursor += p.duration * 1000;
        p.end_ms = part_cursor;
      }
      out.parts.push_back(p);
    } else if (line.starts_with("#EXTINF:")) {
      extinf = to_double(line.substr(8));
    } else if (line.starts_with("#EXT-X-PROGRAM-DATE-TIME:")) {
      seg_start = parse_date_time_ms(line.substr(25));
      part_cursor = seg_start;
    } else if (line.starts_with("#EXT-X-PRELOAD-HINT:")) {
      if (attribute(line, "TYPE") == "PART") {
        out.hint = PartPos{msn, part_index};
        out.hint_uri = attribute(line, "URI");
      }
    } else if (line.starts_with("#EXT-X-RENDITION-REPORT:")) {
      RenditionReport r;
      r.uri = attribute(line, "URI");
      r.last_msn = to_int(attribute(line, "LAST-MSN"));
      const auto lp = attribute(line, "LAST-PART");
      r.last_part = lp.empty() ? -1 : static_cast<int>(to_int(lp));
      out.reports.push_back(r);
    } else if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) {
      out.media_sequence = to_int(line.substr(22));
    } else if (line.starts_with("#EXT-X-TARGETDURATION:")) {
      out.target_duration = to_double(line.substr(22));
    } else if (line.starts_with("#EXT-X-PART-INF:")) {
      out.part_target = to_double(attribute(line, "PART-TARGET"));
    } else if (line.starts_with("#EXT-X-SERVER-CONTROL:")) {
      out.can_block_reload = attribute(line, "CAN-BLOCK-RELOAD") == "YES";
    } else if (line.starts_with("#EXT-X-MAP:")) {
      if (out.map_uri.empty()) out.map_uri = attribute(line, "URI");
    } else if (line.starts_with("#EXT-X-ENDLIST")) {
      out.ended = true;
    }
  }
  return true;
}

// Percentiles of a sample (sorted in place); 0 when empty.
inline double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * double(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace bench
