// LL-HLS delivery load generator for bench/delivery (README.md there): K simulated players of one
// rendition, each on its own keep-alive HTTP/1.1 connection, and the tools around them.
//
//   --mode=blocking  a player as RFC 8216bis 6.2.5.2 and 6.3.4 describe it for a server that can
//                    block: reload the playlist asking for the next part (_HLS_msn/_HLS_part), the
//                    server holds the request until that part exists; then fetch the new part(s).
//   --mode=poll      the same player against a server that cannot hold a request (nginx serving
//                    files): reload the plain playlist every part target, fetch the new parts.
//   --mode=mirror    one blocking player that writes what it receives (playlist, init, parts,
//                    segments) into a directory for nginx to serve, each file written to a temp
//                    name and renamed into place, the playlist last and without what only a
//                    blocking server can honour (CAN-BLOCK-RELOAD, the preload hint). Runs until
//                    SIGTERM/SIGINT, then prints its own delay figures.
//   --mode=hold      what a held playlist request costs the server: K connections, then every
//                    one sends a blocking reload for a segment seconds away; the server's RSS
//                    (--pids) before the connections, with them idle, and with every request held.
//
// A part's delivery delay is the time from its completion to its last byte at the player: the
// wall clock at receipt minus the time its media ends, EXT-X-PROGRAM-DATE-TIME of its segment
// plus the durations of the parts before it and its own. The packager publishes a part when the
// first frame after it arrives, and a real-time publisher sends that frame when its time comes,
// so this is "completion" up to the publisher's pacing; both servers are judged on the same
// playlist dates (nginx gets Stagecast's playlist through the mirror).
//
// Build: g++ -O2 -std=c++20 loadgen.cpp -o loadgen -lpthread (Boost.Asio, header-only).
// Output: one JSON line.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../common/llhls_client.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using bench::HttpConnection;
using bench::MediaPlaylist;
using bench::PartPos;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string playlist;  // /hls/{id}/{rendition}/index.m3u8
  std::string query;     // e.g. "token=...&sid=..." (already encoded), or empty
  std::string mode = "blocking";
  int viewers = 100;
  int ramp_ms = 5000;
  int warmup_s = 5;
  int measure_s = 20;
  int threads = 1;
  double poll_ms = 0;  // 0: the playlist's part target
  double late_ms = 0;  // 0: the playlist's part target
  std::vector<int> pids;
  std::string mirror_root;
};

// --- the server's processes, read from /proc ---------------------------------------------------

double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / double(sysconf(_SC_CLK_TCK));
}

long status_field_kb(int pid, const char* name) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.starts_with(name)) return std::atol(line.c_str() + std::strlen(name));
  return 0;
}

struct ProcSample {
  double cpu = 0;
  long rss_kb = 0;
  long threads = 0;
  Clock::time_point at;
};
ProcSample sample(const std::vector<int>& pids) {
  ProcSample s;
  s.at = Clock::now();
  for (int pid : pids) {
    s.cpu += cpu_seconds(pid);
    s.rss_kb += status_field_kb(pid, "VmRSS:");
    s.threads += status_field_kb(pid, "Threads:");
  }
  return s;
}

// --- players -----------------------------------------------------------------------------------

struct Window {
  std::atomic<double> from_ms{0}, to_ms{0};  // unix ms; receipts inside are counted
  bool inside(double t) const { return t >= from_ms.load() && t < to_ms.load(); }
};

class Viewer {
 public:
  Viewer(asio::io_context& io, const Options& o, const Window& window, tcp::endpoint ep)
      : io_(io), conn_(io.get_executor(), ep, o.host), o_(o), window_(window) {
    dir_ = o.playlist.substr(0, o.playlist.rfind('/') + 1);
    plain_ = o.playlist + (o.query.empty() ? "" : "?" + o.query);
    delays_.reserve(size_t(o.measure_s) * 5);
  }

  asio::awaitable<void> run(Clock::time_point end) {
    try {
      co_await conn_.connect();
      connected_ = true;
      if (!co_await reload(plain_)) co_return;
      if (!pl_.parts.empty()) last_ = pl_.parts.back().pos;
      if (o_.mode == "blocking")
        co_await blocking(end);
      else
        co_await poll(end);
    } catch (const std::exception&) {
      count_error();
    }
  }

  // Counters of the measured window.
  std::vector<double> delays_;
  uint64_t parts_ = 0, late_ = 0, missing_ = 0, errors_ = 0, empty_reloads_ = 0;
  bool connected_ = false;
  double part_target_ms_ = 0;
  uint64_t reconnects() const { return conn_.reconnects(); }

 private:
  asio::awaitable<void> blocking(Clock::time_point end) {
    std::string target;
    while (Clock::now() < end) {
      const PartPos want =
          last_.msn < 0 ? pl_.hint.value_or(PartPos{pl_.media_sequence, 0}) : pl_.after(last_);
      target = o_.playlist + "?" + o_.query + (o_.query.empty() ? "" : "&") +
               "_HLS_msn=" + std::to_string(want.msn) + "&_HLS_part=" + std::to_string(want.index);
      if (!co_await reload(target)) {
        co_await pause(200);
        if (!co_await reload(plain_)) co_return;
      }
      if (!co_await fetch_new_parts()) co_return;
    }
  }

  asio::awaitable<void> poll(Clock::time_point end) {
    const double interval = o_.poll_ms > 0 ? o_.poll_ms : pl_.part_target * 1000;
    asio::steady_timer timer(io_);
    auto next = Clock::now();
    while (Clock::now() < end) {
      next += std::chrono::microseconds(int64_t(interval * 1000));
      if (next < Clock::now()) next = Clock::now();  // fell behind: no catch-up burst
      if (!co_await reload(plain_)) {
        co_await pause(200);
        continue;
      }
      if (!co_await fetch_new_parts()) co_return;
      timer.expires_at(next);
      co_await timer.async_wait(asio::use_awaitable);
    }
  }

  // Fetches every part of pl_ after last_, in order. False when the player gives up.
  asio::awaitable<bool> fetch_new_parts() {
    const auto& pl = pl_;
    part_target_ms_ = pl.part_target * 1000;
    const double late_ms = o_.late_ms > 0 ? o_.late_ms : part_target_ms_;
    bool any = false;
    // The playlist's parts are copied out: a fetch reuses nothing of body_, but keep it simple.
    parts_todo_.clear();
    for (const auto& p : pl.parts)
      if (last_ < p.pos) parts_todo_.push_back({p.pos, p.end_ms, std::string(p.uri)});
    for (const auto& p : parts_todo_) {
      const bool contiguous = last_.msn < 0 || p.pos == pl.after(last_);
      const int status = co_await conn_.get(dir_ + p.uri, nullptr);
      const double now = bench::unix_ms_now_precise();
      if (status != 200) {
        count_error();
        co_return true;  // reload and try again
      }
      any = true;
      last_ = p.pos;
      if (!window_.inside(now)) continue;
      if (!contiguous) ++missing_;
      ++parts_;
      if (p.end_ms > 0) {
        const double delay = now - p.end_ms;
        delays_.push_back(delay);
        if (delay > late_ms) ++late_;
      }
    }
    if (!any && window_.inside(bench::unix_ms_now_precise())) ++empty_reloads_;
    co_return true;
  }

  asio::awaitable<bool> reload(const std::string& target) {
    const int status = co_await conn_.get(target, &body_);
    if (status != 200 || !bench::parse_media_playlist(body_, pl_)) {
      count_error();
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<void> pause(int ms) {
    asio::steady_timer t(io_, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
  }

  void count_error() {
    if (window_.inside(bench::unix_ms_now_precise())) ++errors_;
  }

  struct Todo {
    PartPos pos;
    double end_ms;
    std::string uri;
  };
  asio::io_context& io_;
  HttpConnection conn_;
  const Options& o_;
  const Window& window_;
  std::string dir_, plain_, body_;
  MediaPlaylist pl_;
  PartPos last_;
  std::vector<Todo> parts_todo_;
};

// --- mirror ------------------------------------------------------------------------------------

void write_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::filesystem::rename(tmp, path);
}

// Stagecast's playlist as a file server can honour it: no blocking reloads, no preload hint
// (a hinted file does not exist yet: a poll for it would 404), no rendition reports (they are
// for blocking reloads of other renditions).
std::string for_file_server(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("#EXT-X-PRELOAD-HINT") || line.starts_with("#EXT-X-RENDITION-REPORT"))
      continue;
    std::string l(line);
    if (const size_t at = l.find("CAN-BLOCK-RELOAD=YES,"); at != std::string::npos) l.erase(at, 21);
    out += l;
    out += '\n';
  }
  return out;
}

asio::awaitable<void> mirror(const Options& o, tcp::endpoint ep, std::vector<double>& delays,
                             std::atomic<bool>& stop) {
  namespace fs = std::filesystem;
  HttpConnection conn(co_await asio::this_coro::executor, ep, o.host);
  const std::string dir = o.playlist.substr(0, o.playlist.rfind('/') + 1);
  const fs::path root = fs::path(o.mirror_root) / dir.substr(1);
  fs::create_directories(root);
  const std::string name = o.playlist.substr(o.playlist.rfind('/') + 1);
  std::string body, media;
  MediaPlaylist pl;
  PartPos last;
  int64_t last_segment = -1;
  std::set<std::string> init_written;
  std::vector<std::pair<int64_t, fs::path>> written;  // msn, file
  co_await conn.connect();
  std::string target = o.playlist;
  while (!stop) {
    const int status = co_await conn.get(target, &body);
    if (status != 200 || !bench::parse_media_playlist(body, pl)) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(200));
      co_await t.async_wait(asio::use_awaitable);
      target = o.playlist;
      continue;
    }
    if (!pl.map_uri.empty() && !init_written.contains(std::string(pl.map_uri))) {
      if (co_await conn.get(dir + std::string(pl.map_uri), &media) == 200) {
        write_atomically(root / std::string(pl.map_uri), media);
        init_written.insert(std::string(pl.map_uri));
      }
    }
    for (const auto& p : pl.parts) {
      if (!(last < p.pos)) continue;
      if (co_await conn.get(dir + std::string(p.uri), &media) != 200) break;
      write_atomically(root / std::string(p.uri), media);
      written.emplace_back(p.pos.msn, root / std::string(p.uri));
      if (last.msn >= 0 && p.end_ms > 0) delays.push_back(bench::unix_ms_now_precise() - p.end_ms);
      last = p.pos;
    }
    for (const auto& s : pl.segments) {
      if (s.msn <= last_segment) continue;
      if (co_await conn.get(dir + std::string(s.uri), &media) != 200) break;
      write_atomically(root / std::string(s.uri), media);
      written.emplace_back(s.msn, root / std::string(s.uri));
      last_segment = s.msn;
    }
    write_atomically(root / name, for_file_server(body));
    // Files of segments well out of the window go (the server keeps 4 more than it lists).
    std::erase_if(written, [&](const auto& w) {
      if (w.first >= pl.media_sequence - 4) return false;
      std::error_code ec;
      fs::remove(w.second, ec);
      return true;
    });
    const PartPos want =
        last.msn < 0 ? pl.hint.value_or(PartPos{pl.media_sequence, 0}) : pl.after(last);
    target = o.playlist + "?_HLS_msn=" + std::to_string(want.msn) +
             "&_HLS_part=" + std::to_string(want.index);
  }
}

// --- hold --------------------------------------------------------------------------------------

int run_hold(const Options& o, tcp::endpoint ep) {
  asio::io_context io;
  std::vector<std::unique_ptr<HttpConnection>> conns;
  for (int i = 0; i < o.viewers; ++i)
    conns.push_back(std::make_unique<HttpConnection>(io.get_executor(), ep, o.host));
  const ProcSample s0 = sample(o.pids);
  std::atomic<int> connected{0}, answered{0}, ok{0};
  for (auto& c : conns) {
    asio::co_spawn(
        io,
        [&c = *c, &connected]() -> asio::awaitable<void> {
          co_await c.connect();
          ++connected;
        },
        asio::detached);
  }
  io.run();
  io.restart();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const ProcSample s_idle = sample(o.pids);
  // Just after a segment completes, ask every connection for the segment after the next one:
  // held for about two segment durations.
  std::string body;
  MediaPlaylist pl;
  int64_t last_complete = -1;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        HttpConnection probe(io.get_executor(), ep, o.host);
        co_await probe.get(o.playlist, &body);
        bench::parse_media_playlist(body, pl);
        const int64_t open = pl.segments.empty() ? pl.media_sequence : pl.segments.back().msn + 1;
        co_await probe.get(o.playlist + "?_HLS_msn=" + std::to_string(open), &body);
        bench::parse_media_playlist(body, pl);
        last_complete = pl.segments.back().msn;
      },
      asio::detached);
  io.run();
  io.restart();
  const std::string target = o.playlist + "?_HLS_msn=" + std::to_string(last_complete + 2);
  const auto sent_at = Clock::now();
  std::atomic<int> sent{0};
  for (auto& c : conns) {
    asio::co_spawn(
        io,
        [&c = *c, &target, &sent, &answered, &ok]() -> asio::awaitable<void> {
          try {
            co_await c.send_get(target);
            ++sent;
            const int status = co_await c.read_response(nullptr);
            ++answered;
            if (status == 200) ++ok;
          } catch (const std::exception&) {
          }
        },
        asio::detached);
  }
  std::thread t([&io] { io.run(); });
  while (sent < o.viewers && Clock::now() - sent_at < std::chrono::seconds(2))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const int answered_at_sample = answered;
  const ProcSample s_held = sample(o.pids);
  t.join();
  const double held_s = std::chrono::duration<double>(Clock::now() - sent_at).count();
  const double k = o.viewers;
  std::printf(
      "{\"mode\":\"hold\",\"connections\":%d,\"sent\":%d,\"answeredWhenSampled\":%d,"
      "\"answered\":%d,\"ok\":%d,\"heldSeconds\":%.2f,\"rssKb\":{\"none\":%ld,\"idle\":%ld,"
      "\"held\":%ld},\"threads\":{\"none\":%ld,\"idle\":%ld,\"held\":%ld},"
      "\"bytesPerConnection\":%.0f,\"bytesPerHeldRequest\":%.0f}\n",
      connected.load(), sent.load(), answered_at_sample, answered.load(), ok.load(), held_s,
      s0.rss_kb, s_idle.rss_kb, s_held.rss_kb, s0.threads, s_idle.threads, s_held.threads,
      double(s_idle.rss_kb - s0.rss_kb) * 1024 / k,
      double(s_held.rss_kb - s_idle.rss_kb) * 1024 / k);
  std::fflush(stdout);
  std::_Exit(0);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const size_t eq = a.find('=');
    const std::string_view key = a.substr(0, eq);
    const std::string val = eq == std::string_view::npos ? "" : std::string(a.substr(eq + 1));
    if (key == "--host")
      o.host = val;
    else if (key == "--port")
      o.port = static_cast<uint16_t>(std::stoi(val));
    else if (key == "--playlist")
      o.playlist = val;
    else if (key == "--query")
      o.query = val;
    else if (key == "--mode")
      o.mode = val;
    else if (key == "--viewers")
      o.viewers = std::stoi(val);
    else if (key == "--ramp-ms")
      o.ramp_ms = std::stoi(val);
    else if (key == "--warmup")
      o.warmup_s = std::stoi(val);
    else if (key == "--seconds")
      o.measure_s = std::stoi(val);
    else if (key == "--threads")
      o.threads = std::stoi(val);
    else if (key == "--poll-ms")
      o.poll_ms = std::stod(val);
    else if (key == "--late-ms")
      o.late_ms = std::stod(val);
    else if (key == "--mirror-root")
      o.mirror_root = val;
    else if (key == "--pids") {
      for (size_t p = 0; p < val.size();) {
        const size_t c = val.find(',', p);
        o.pids.push_back(std::stoi(val.substr(p, c - p)));
        p = c == std::string::npos ? val.size() : c + 1;
      }
    } else {
      std::cerr << "unknown argument " << a << "\n";
      std::exit(2);
    }
  }
  const bool known =
      o.mode == "blocking" || o.mode == "poll" || o.mode == "mirror" || o.mode == "hold";
  if (o.port == 0 || o.playlist.empty() || !known ||
      (o.mode == "mirror" && o.mirror_root.empty())) {
    std::cerr << "usage: loadgen --port=N --playlist=/hls/ID/R/index.m3u8 "
                 "[--mode=blocking|poll|mirror|hold] [--viewers=K] [--query=token=..] "
                 "[--pids=PID,..] [--mirror-root=DIR]\n";
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const tcp::endpoint ep(asio::ip::make_address(o.host), o.port);
  if (o.mode == "hold") return run_hold(o, ep);

  if (o.mode == "mirror") {
    asio::io_context io;
    std::vector<double> delays;
    std::atomic<bool> stop{false};
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code, int) {
      stop = true;
      io.stop();
    });
    asio::co_spawn(io, mirror(o, ep, delays, stop), [&](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          std::cerr << "mirror: " << x.what() << "\n";
        }
      }
      io.stop();
    });
    io.run();
    const size_t n = delays.size();
    std::printf("{\"mode\":\"mirror\",\"parts\":%zu,\"delayMs\":{\"p50\":%.1f,\"p99\":%.1f}}\n", n,
                bench::percentile(delays, 0.5), bench::percentile(delays, 0.99));
    std::fflush(stdout);
    return 0;
  }

  Window window;
  window.from_ms = 1e300;  // nothing counted before the window opens
  std::vector<std::unique_ptr<asio::io_context>> ios;
  for (int t = 0; t < o.threads; ++t) ios.push_back(std::make_unique<asio::io_context>());
  std::vector<std::unique_ptr<Viewer>> viewers;
  const auto start = Clock::now();
  const auto window_start =
      start + std::chrono::milliseconds(o.ramp_ms) + std::chrono::seconds(o.warmup_s);
  const auto end = window_start + std::chrono::seconds(o.measure_s) + std::chrono::seconds(2);
  const ProcSample before = sample(o.pids);
  for (int i = 0; i < o.viewers; ++i) {
    auto& io = *ios[static_cast<size_t>(i) % ios.size()];
    viewers.push_back(std::make_unique<Viewer>(io, o, window, ep));
    Viewer* v = viewers.back().get();
    // Players arrive spread over the ramp, as an audience does.
    auto timer = std::make_shared<asio::steady_timer>(
        io, start + std::chrono::milliseconds(int64_t(o.ramp_ms) * i / std::max(1, o.viewers)));
    timer->async_wait([&io, v, end, timer](boost::system::error_code) {
      asio::co_spawn(io, v->run(end), asio::detached);
    });
  }
  std::vector<std::thread> threads;
  for (auto& io : ios) threads.emplace_back([&io] { io->run(); });
  std::this_thread::sleep_until(window_start);
  const double w0 = bench::unix_ms_now_precise();
  window.to_ms = w0 + o.measure_s * 1000.0;
  window.from_ms = w0;
  const ProcSample s0 = sample(o.pids), self0 = sample({getpid()});
  std::this_thread::sleep_until(window_start + std::chrono::seconds(o.measure_s));
  const ProcSample s1 = sample(o.pids), self1 = sample({getpid()});
  // Parts received inside the window but completed near its end are still in flight: let them
  // land, then stop the players where they are.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (auto& io : ios) io->stop();
  for (auto& t : threads) t.join();

  std::vector<double> delays;
  uint64_t parts = 0, late = 0, missing = 0, errors = 0, empty = 0, reconnects = 0;
  int connected = 0, held = 0;
  double part_target_ms = 0;
  for (const auto& v : viewers) part_target_ms = std::max(part_target_ms, v->part_target_ms_);
  // A viewer that got stuck receives no late part: it must also have received about every part.
  const double expected = part_target_ms > 0 ? o.measure_s * 1000.0 / part_target_ms : 0;
  for (const auto& v : viewers) {
    delays.insert(delays.end(), v->delays_.begin(), v->delays_.end());
    parts += v->parts_;
    late += v->late_;
    missing += v->missing_;
    errors += v->errors_;
    empty += v->empty_reloads_;
    reconnects += v->reconnects();
    connected += v->connected_;
    // Parts last 85-100% of the part target (RFC 8216bis 4.4.4.9): at least that many arrive.
    if (v->late_ == 0 && v->missing_ == 0 && v->errors_ == 0 && double(v->parts_) >= expected - 2)
      ++held;
  }
  const double wall = std::chrono::duration<double>(s1.at - s0.at).count();
  const double cores = o.pids.empty() ? 0 : (s1.cpu - s0.cpu) / wall;
  const double late_ms = o.late_ms > 0 ? o.late_ms : part_target_ms;
  const size_t n = delays.size();
  const double p50 = bench::percentile(delays, 0.5), p90 = bench::percentile(delays, 0.9),
               p99 = bench::percentile(delays, 0.99), max = n ? delays.back() : 0;
  std::printf(
      "{\"mode\":\"%s\",\"viewers\":%d,\"connected\":%d,\"held\":%d,\"lateMs\":%.0f,"
      "\"partTargetMs\":%.0f,\"parts\":%llu,\"partsPerSecond\":%.1f,\"late\":%llu,"
      "\"missing\":%llu,\"errors\":%llu,\"emptyReloads\":%llu,\"reconnects\":%llu,"
      "\"delayMs\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
      "\"serverCores\":%.3f,\"cpuPerViewerUs\":%.2f,\"rssKb\":{\"before\":%ld,\"start\":%ld,"
      "\"end\":%ld},\"rssPerViewerKb\":%.2f,\"serverThreads\":%ld,\"loadgenCores\":%.3f}\n",
      o.mode.c_str(), o.viewers, connected, held, late_ms, part_target_ms,
      static_cast<unsigned long long>(parts), double(parts) / o.measure_s,
      static_cast<unsigned long long>(late), static_cast<unsigned long long>(missing),
      static_cast<unsigned long long>(errors), static_cast<unsigned long long>(empty),
      static_cast<unsigned long long>(reconnects), p50, p90, p99, max, cores,
      cores * 1e6 / std::max(1, o.viewers), before.rss_kb, s0.rss_kb, s1.rss_kb,
      double(s1.rss_kb - before.rss_kb) / std::max(1, o.viewers), s1.threads,
      (self1.cpu - self0.cpu) / wall);
  std::fflush(stdout);
  std::_Exit(0);  // the players' coroutines are mid-request: no orderly teardown needed
}
