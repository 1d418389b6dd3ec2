// LL-HLS viewer load generator for bench/analytics: N simulated players, each on its own
// keep-alive HTTP/1.1 connection, following a live rendition the way an LL-HLS player does
// (RFC 8216bis 6.2.5, 6.2.6): read the playlist, then in a loop fetch the part named by
// EXT-X-PRELOAD-HINT (held by the server until it exists) and reload the playlist blocking on
// that part (_HLS_msn/_HLS_part). Every URL carries the playback token, and with --sid each
// viewer its own session id, as the server's playback URLs do. The HTTP client and the playlist
// reader are bench/common's, shared with bench/delivery/loadgen.cpp.
//
// Build: g++ -O2 -std=c++20 loadgen.cpp -o loadgen -lpthread (Boost.Asio, header-only).
// Output: one JSON line: requests and bytes per second over the measured window, errors.

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../common/llhls_client.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string playlist;  // /hls/{id}/{rendition}/index.m3u8
  std::string token;     // already percent-encoded
  bool sid = false;
  int viewers = 5000;
  int ramp_ms = 5000;
  int warmup_s = 5;
  int measure_s = 20;
  int threads = 1;
};

struct Stats {
  std::atomic<uint64_t> ok{0}, errors{0}, bytes{0}, playlists{0}, parts{0};
};

std::string random_sid(std::mt19937_64& rng) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string s(22, 'A');
  for (char& c : s) c = kAlphabet[rng() % 64];
  return s;
}

class Viewer {
 public:
  Viewer(asio::io_context& io, const Options& o, Stats& stats, std::string query)
      : conn_(io.get_executor(), tcp::endpoint(asio::ip::make_address(o.host), o.port), o.host),
        o_(o),
        stats_(stats),
        query_(std::move(query)) {
    const size_t slash = o.playlist.rfind('/');
    dir_ = o.playlist.substr(0, slash + 1);
  }

  asio::awaitable<void> run(Clock::time_point end) {
    try {
      co_await conn_.connect();
      std::string body;
      if (!co_await get(o_.playlist + "?" + query_, &body)) co_return;
      bench::MediaPlaylist pl;
      while (Clock::now() < end) {
        if (!bench::parse_media_playlist(body, pl) || !pl.hint) {
          stats_.errors++;
          co_return;
        }
        const bench::PartPos hint = *pl.hint;
        if (!co_await get(dir_ + std::string(pl.hint_uri), nullptr))
          co_return;  // the hint carries the query
        stats_.parts++;
        const std::string reload = o_.playlist + "?" + query_ +
                                   "&_HLS_msn=" + std::to_string(hint.msn) +
                                   "&_HLS_part=" + std::to_string(hint.index);
        if (!co_await get(reload, &body)) co_return;
        stats_.playlists++;
      }
    } catch (const std::exception&) {
      stats_.errors++;
    }
  }

 private:
  // One GET on the keep-alive connection (bench/common); the body into `out` unless null.
  asio::awaitable<bool> get(const std::string& target, std::string* out) {
    const uint64_t before = conn_.bytes();
    const int status = co_await conn_.get(target, out);
    stats_.bytes += conn_.bytes() - before;
    if (status != 200) {
      stats_.errors++;
      co_return false;
    }
    stats_.ok++;
    co_return true;
  }

  bench::HttpConnection conn_;
  const Options& o_;
  Stats& stats_;
  std::string query_;
  std::string dir_;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto val = [&](std::string_view name) -> std::string {
      return a.starts_with(name) ? std::string(a.substr(name.size())) : std::string();
    };
    if (a.starts_with("--host="))
      o.host = val("--host=");
    else if (a.starts_with("--port="))
      o.port = static_cast<uint16_t>(std::stoi(val("--port=")));
    else if (a.starts_with("--playlist="))
      o.playlist = val("--playlist=");
    else if (a.starts_with("--token="))
      o.token = val("--token=");
    else if (a == "--sid")
      o.sid = true;
    else if (a.starts_with("--viewers="))
      o.viewers = std::stoi(val("--viewers="));
    else if (a.starts_with("--ramp-ms="))
      o.ramp_ms = std::stoi(val("--ramp-ms="));
    else if (a.starts_with("--warmup="))
      o.warmup_s = std::stoi(val("--warmup="));
    else if (a.starts_with("--seconds="))
      o.measure_s = std::stoi(val("--seconds="));
    else if (a.starts_with("--threads="))
      o.threads = std::stoi(val("--threads="));
    else {
      std::cerr << "unknown argument " << a << "\n";
      std::exit(2);
    }
  }
  if (o.port == 0 || o.playlist.empty()) {
    std::cerr << "usage: loadgen --port=N --playlist=/hls/ID/R/index.m3u8 --token=T [--sid]\n";
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  Stats stats;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  for (int t = 0; t < o.threads; ++t) ios.push_back(std::make_unique<asio::io_context>());
  std::vector<std::unique_ptr<Viewer>> viewers;
  std::mt19937_64 rng(42);
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::milliseconds(o.ramp_ms) + std::chrono::seconds(o.warmup_s + o.measure_s);
  for (int i = 0; i < o.viewers; ++i) {
    std::string query = "token=" + o.token;
    if (o.sid) query += "&sid=" + random_sid(rng);
    auto& io = *ios[static_cast<size_t>(i) % ios.size()];
    viewers.push_back(std::make_unique<Viewer>(io, o, stats, std::move(query)));
    Viewer* v = viewers.back().get();
    // Players arrive spread over the ramp, as an audience does.
    auto timer = std::make_shared<asio::steady_timer>(
        io, start + std::chrono::milliseconds(int64_t(o.ramp_ms) * i / o.viewers));
    timer->async_wait([&io, v, end, timer](boost::system::error_code) {
      asio::co_spawn(io, v->run(end), asio::detached);
    });
  }
  std::vector<std::thread> threads;
  for (auto& io : ios) threads.emplace_back([&io] { io->run(); });
  // Measure after the ramp and the warm-up.
  std::this_thread::sleep_until(start + std::chrono::milliseconds(o.ramp_ms) +
                                std::chrono::seconds(o.warmup_s));
  const uint64_t ok0 = stats.ok, bytes0 = stats.bytes, err0 = stats.errors;
  const uint64_t pl0 = stats.playlists, parts0 = stats.parts;
  std::this_thread::sleep_for(std::chrono::seconds(o.measure_s));
  const uint64_t ok1 = stats.ok, bytes1 = stats.bytes, err1 = stats.errors;
  const uint64_t pl1 = stats.playlists, parts1 = stats.parts;
  const double s = o.measure_s;
  std::printf(
      "{\"viewers\":%d,\"sid\":%s,\"requestsPerSecond\":%.1f,\"playlistsPerSecond\":%.1f,"
      "\"partsPerSecond\":%.1f,\"mbitPerSecond\":%.1f,\"errors\":%llu}\n",
      o.viewers, o.sid ? "true" : "false", double(ok1 - ok0) / s, double(pl1 - pl0) / s,
      double(parts1 - parts0) / s, double(bytes1 - bytes0) * 8 / s / 1e6,
      static_cast<unsigned long long>(err1 - err0));
  std::fflush(stdout);
  std::_Exit(0);  // the players are mid-request: no orderly teardown needed
}
