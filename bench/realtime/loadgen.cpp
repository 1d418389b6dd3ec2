// Chat fan-out load generator: N WebSocket receivers in one room, K senders posting at a steady
// rate, delivery latency measured in this one process (send and receive stamps from the same
// steady clock). Speaks two protocols so both servers face the same generator:
//   --target=stagecast  Stagecast's /ws (docs/realtime.md): join, chat, `batch` frames
//   --target=socketio   Socket.IO v4 over its WebSocket transport (Engine.IO v4 packets:
//                       "0" open, "40" connect, "42[...]" events, "2"/"3" ping/pong)
// Build: g++ -O2 -std=c++20 loadgen.cpp -o loadgen -lpthread (Boost.Asio, header-only).
//
// Output: one JSON line per rate step and a summary line, for compare.mjs.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string target = "stagecast";
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string room;          // stream id (stagecast) or room name (socketio)
  std::string sender_token;  // stagecast: a token allowed to chat
  int clients = 1000;
  int senders = 1;
  std::vector<double> rates{10};
  double step_seconds = 10;
  double warmup_seconds = 1;
  double pause_seconds = 2;
  double idle_seconds = 3;
  int connect_concurrency = 200;
  std::string ready_file;  // written once everyone joined; the run then idles idle_seconds
  int server_pid = 0;      // when set, the server's CPU time per step is reported
  // Two nodes (run_cluster.sh): receivers alternate between port and port2 (senders stay on
  // port); the CPU reported is both servers'.
  uint16_t port2 = 0;
  int server_pid2 = 0;
};

// utime + stime of a process in seconds (proc(5)), 0 when unknown.
double cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<std::string> fields;
  size_t i = paren + 2;
  while (i < line.size()) {
    size_t j = line.find(' ', i);
    if (j == std::string::npos) j = line.size();
    fields.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  if (fields.size() < 13) return 0;
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const double ticks = std::stod(fields[11]) + std::stod(fields[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Log-linear latency histogram in microseconds: 64 sub-buckets per power of two (~1.6% error).
class Histogram {
 public:
  void add(int64_t us) {
    if (us < 0) us = 0;
    counts_[index(static_cast<uint64_t>(us))]++;
    ++n_;
    max_ = std::max(max_, us);
  }
  uint64_t count() const { return n_; }
  int64_t max() const { return max_; }
  double percentile(double p) const {
    if (n_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(p / 100.0 * static_cast<double>(n_ - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return static_cast<double>(value(i));
    }
    return static_cast<double>(max_);
  }
  void reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    n_ = 0;
    max_ = 0;
  }

 private:
  static constexpr int kSub = 64;
  static size_t index(uint64_t v) {
    if (v < kSub) return v;
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - 6;
    return static_cast<size_t>((shift + 1) * kSub + ((v >> shift) & (kSub - 1)));
  }
  static uint64_t value(size_t i) {
    if (i < kSub) return i;
    const size_t shift = i / kSub - 1;
    return ((kSub + i % kSub) << shift) + (1ull << shift) / 2;
  }
  std::vector<uint64_t> counts_ = std::vector<uint64_t>(64 * kSub, 0);
  uint64_t n_ = 0;
  int64_t max_ = 0;
};

struct Stats {
  // Latency of the messages sent in the window, whenever they arrive before the step's pause
  // ends (a message later than that counts as lost).
  Histogram latency;
  int64_t window_from_ns = 0;
  int64_t window_to_ns = INT64_MAX;
  bool collecting = false;
  // Throughput: chat messages received by receivers while the window is open.
  uint64_t deliveries = 0;
  uint64_t frames = 0;
  uint64_t bytes = 0;
  bool measuring = false;
};

class Client;

struct Run {
  Options o;
  asio::io_context ioc{1};
  Stats stats;
  std::vector<std::shared_ptr<Client>> clients;
  int joined = 0;
  int failed = 0;
  int closed_after_join = 0;
  int connecting = 0;
  int next_to_connect = 0;
  uint64_t sent = 0;
  uint64_t sent_in_window = 0;
};

// A minimal RFC 6455 client on a raw socket: the generator must not be the bottleneck, so it
// reads whatever is available with one syscall into a buffer shared by all clients of the
// thread (reactor style: wait for readability, then read), parses every complete frame in it,
// and keeps only an incomplete frame's bytes per client. Frames it sends are masked (5.3).
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(Run& run, int index, bool sender)
      : run_(run), index_(index), sender_(sender), socket_(run.ioc) {}

  void start() {
    auto self = shared_from_this();
    const uint16_t port =
        !sender_ && run_.o.port2 != 0 && index_ % 2 == 1 ? run_.o.port2 : run_.o.port;
    tcp::endpoint ep(asio::ip::make_address(run_.o.host), port);
    socket_.async_connect(ep, [self](boost::system::error_code ec) {
      if (ec) return self->fail("connect", ec);
      self->socket_.set_option(tcp::no_delay(true));
      self->socket_.non_blocking(true);
      const std::string path = self->run_.o.target == "socketio"
                                   ? "/socket.io/?EIO=4&transport=websocket"
                                   : "/ws";
      self->write_raw("GET " + path + " HTTP/1.1\r\nHost: " + self->run_.o.host +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n");
      self->wait_readable();
    });
  }

  bool is_sender() const { return sender_; }

  void send(const std::string& text, uint8_t opcode = 0x1) {
    // 5.2: FIN + opcode, MASK + length, masking key, masked payload.
    std::string f;
    f.reserve(text.size() + 14);
    f.push_back(static_cast<char>(0x80 | opcode));
    const size_t n = text.size();
    if (n < 126) {
      f.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>(n >> 8));
      f.push_back(static_cast<char>(n & 0xFF));
    } else {
      f.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    static constexpr unsigned char kMask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(reinterpret_cast<const char*>(kMask), 4);
    for (size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(text[i] ^ kMask[i % 4]));
    write_raw(std::move(f));
  }

  void send_chat(uint64_t seq) {
    const std::string payload = std::to_string(seq) + " " + std::to_string(now_ns());
    if (run_.o.target == "socketio") {
      send("42[\"chat\",\"" + payload + "\"]");
    } else {
      send("{\"type\":\"chat\",\"text\":\"" + payload + "\"}");
    }
  }

 private:
  void fail(const char* what, boost::system::error_code ec) {
    if (closed_) return;
    closed_ = true;
    if (joined_) {
      ++run_.closed_after_join;
      return;
    }
    ++run_.failed;
    --run_.connecting;
    if (run_.failed <= 5) std::cerr << "client " << index_ << ": " << what << ": " << ec.message() << "\n";
  }

  void write_raw(std::string bytes) {
    out_.push_back(std::move(bytes));
    if (!writing_) write_next();
  }

  void write_next() {
    if (out_.empty() || closed_) return;
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_.front()),
                      [self](boost::system::error_code ec, size_t) {
                        self->writing_ = false;
                        self->out_.pop_front();
                        if (ec) return self->fail("write", ec);
                        self->write_next();
                      });
  }

  void wait_readable() {
    auto self = shared_from_this();
    socket_.async_wait(tcp::socket::wait_read, [self](boost::system::error_code ec) {
      if (ec) return self->fail("wait", ec);
      self->on_readable();
    });
  }

  void on_readable() {
    static thread_local std::vector<char> scratch(256 * 1024);
    for (;;) {
      boost::system::error_code ec;
      const size_t n = socket_.read_some(asio::buffer(scratch), ec);
      if (ec == asio::error::would_block) break;
      if (ec || n == 0) return fail("read", ec ? ec : asio::error::eof);
      consume(std::string_view(scratch.data(), n));
      if (closed_) return;
      if (n < scratch.size()) break;
    }
    wait_readable();
  }

  // Appends to what was left over and handles every complete frame (or the HTTP response).
  void consume(std::string_view data) {
    std::string_view in = data;
    if (!partial_.empty()) {
      partial_.append(data);
      in = partial_;
    }
    size_t used = 0;
    if (!upgraded_) {
      const size_t end = in.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (partial_.empty()) partial_.assign(data);
        return;
      }
      if (!in.starts_with("HTTP/1.1 101")) {
        return fail("upgrade", asio::error::connection_refused);
      }
      upgraded_ = true;
      used = end + 4;
      on_open();
    }
    while (in.size() - used >= 2) {
      const auto b0 = static_cast<uint8_t>(in[used]);
      const auto b1 = static_cast<uint8_t>(in[used + 1]);
      size_t header = 2;
      uint64_t len = b1 & 0x7F;
      if (len == 126) {
        if (in.size() - used < 4) break;
        len = (static_cast<uint8_t>(in[used + 2]) << 8) | static_cast<uint8_t>(in[used + 3]);
        header = 4;
      } else if (len == 127) {
        if (in.size() - used < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(in[used + 2 + i]);
        header = 10;
      }
      if (b1 & 0x80) header += 4;  // servers never mask (5.1); skip a key all the same
      if (in.size() - used < header + len) break;
      const std::string_view payload = in.substr(used + header, len);
      used += header + len;
      const uint8_t opcode = b0 & 0x0F;
      if (opcode == 0x9) {
        send(std::string(payload), 0xA);  // pong
      } else if (opcode == 0x8) {
        return fail("closed by server", asio::error::eof);
      } else if (opcode == 0x1 || opcode == 0x0) {
        message_.append(payload);
        if (b0 & 0x80) {
          on_message(message_);
          message_.clear();
        }
      }
    }
    // Keep the incomplete tail (copied out before partial_ is overwritten).
    std::string rest(in.substr(used));
    partial_ = std::move(rest);
  }

  void on_open() {
    if (run_.o.target == "stagecast") {
      if (sender_ && !run_.o.sender_token.empty()) {
        send("{\"type\":\"auth\",\"token\":\"" + run_.o.sender_token + "\"}");
      }
      send("{\"type\":\"join\",\"streamId\":\"" + run_.o.room + "\"}");
    }
  }

  void on_joined() {
    if (joined_) return;
    joined_ = true;
    ++run_.joined;
    --run_.connecting;
  }

  void on_message(std::string_view f) {
    if (run_.o.target == "socketio") {
      if (f == "2") return send("3");  // Engine.IO ping -> pong
      if (f.starts_with("0{")) return send("40");
      if (f.starts_with("40")) return send("42[\"join\",\"" + run_.o.room + "\"]");
      if (f.starts_with("42[\"joined\"")) return on_joined();
      if (!f.starts_with("42[\"chat\"")) return;
    } else if (!joined_) {
      if (f.find("\"type\":\"joined\"") != std::string_view::npos) on_joined();
      return;
    }
    Stats& st = run_.stats;
    if (sender_ || !st.collecting) return;
    if (st.measuring) {
      ++st.frames;
      st.bytes += f.size();
    }
    const int64_t now = now_ns();
    static constexpr std::string_view kText = "\"text\":\"";
    size_t pos = 0;
    while ((pos = f.find(kText, pos)) != std::string_view::npos) {
      pos += kText.size();
      const size_t space = f.find(' ', pos);
      if (space == std::string_view::npos) break;
      int64_t sent_ns = 0;
      const auto end = f.data() + f.size();
      auto [p, ec] = std::from_chars(f.data() + space + 1, end, sent_ns);
      if (ec != std::errc()) continue;
      if (sent_ns >= st.window_from_ns && sent_ns < st.window_to_ns) {
        st.latency.add((now - sent_ns) / 1000);
      }
      if (st.measuring) ++st.deliveries;
      pos = static_cast<size_t>(p - f.data());
    }
  }

  Run& run_;
  int index_;
  bool sender_;
  tcp::socket socket_;
  std::string partial_;
  std::string message_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool upgraded_ = false;
  bool joined_ = false;
  bool closed_ = false;
};

void connect_more(Run& run) {
  const int total = static_cast<int>(run.clients.size());
  while (run.connecting < run.o.connect_concurrency && run.next_to_connect < total) {
    ++run.connecting;
    run.clients[run.next_to_connect++]->start();
  }
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    const size_t eq = a.find('=');
    if (!a.starts_with("--") || eq == std::string_view::npos) return false;
    const std::string k(a.substr(2, eq - 2));
    const std::string v(a.substr(eq + 1));
    if (k == "target")
      o.target = v;
    else if (k == "host")
      o.host = v;
    else if (k == "port")
      o.port = static_cast<uint16_t>(std::stoi(v));
    else if (k == "room")
      o.room = v;
    else if (k == "sender-token")
      o.sender_token = v;
    else if (k == "clients")
      o.clients = std::stoi(v);
    else if (k == "senders")
      o.senders = std::stoi(v);
    else if (k == "step-seconds")
      o.step_seconds = std::stod(v);
    else if (k == "warmup-seconds")
      o.warmup_seconds = std::stod(v);
    else if (k == "pause-seconds")
      o.pause_seconds = std::stod(v);
    else if (k == "idle-seconds")
      o.idle_seconds = std::stod(v);
    else if (k == "connect-concurrency")
      o.connect_concurrency = std::stoi(v);
    else if (k == "ready-file")
      o.ready_file = v;
    else if (k == "server-pid")
      o.server_pid = std::stoi(v);
    else if (k == "port2")
      o.port2 = static_cast<uint16_t>(std::stoi(v));
    else if (k == "server-pid2")
      o.server_pid2 = std::stoi(v);
    else if (k == "rates") {
      o.rates.clear();
      size_t s = 0;
      while (s < v.size()) {
        size_t c = v.find(',', s);
        if (c == std::string::npos) c = v.size();
        o.rates.push_back(std::stod(v.substr(s, c - s)));
        s = c + 1;
      }
    } else {
      return false;
    }
  }
  return o.port != 0 && !o.room.empty() && (o.target == "stagecast" || o.target == "socketio");
}

// Runs the io_context until `done` or the deadline.
template <typename F>
bool run_until(Run& run, F done, std::chrono::duration<double> timeout) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    run.ioc.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

void run_for(Run& run, std::chrono::duration<double> d) {
  run_until(
      run, [] { return false; }, d);
}

}  // namespace

int main(int argc, char** argv) {
  Run run;
  if (!parse_args(argc, argv, run.o)) {
    std::cerr
        << "usage: loadgen --target=stagecast|socketio --port=P --room=ID [--sender-token=T]\n"
           "  [--clients=N] [--senders=K] [--rates=10,100] [--step-seconds=10]\n"
           "  [--warmup-seconds=1] [--pause-seconds=2] [--idle-seconds=3]\n"
           "  [--connect-concurrency=200] [--ready-file=PATH] [--server-pid=PID]\n"
           "  [--port2=P --server-pid2=PID: receivers spread over two nodes]\n";
    return 2;
  }
  const Options& o = run.o;
  auto work = asio::make_work_guard(run.ioc);
  for (int i = 0; i < o.senders; ++i) run.clients.push_back(std::make_shared<Client>(run, i, true));
  for (int i = 0; i < o.clients; ++i) {
    run.clients.push_back(std::make_shared<Client>(run, o.senders + i, false));
  }
  const int total = static_cast<int>(run.clients.size());
  const auto t0 = Clock::now();
  bool all = run_until(
      run,
      [&] {
        connect_more(run);
        return run.joined + run.failed >= total;
      },
      std::chrono::seconds(300));
  const double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cerr << "joined " << run.joined << "/" << total << " in " << connect_s << " s (failed "
            << run.failed << ")\n";
  if (!all || run.joined < total) {
    std::cout << "{\"error\":\"not every client joined\",\"joined\":" << run.joined
              << ",\"failed\":" << run.failed << "}\n";
    return 1;
  }
  if (!o.ready_file.empty()) std::ofstream(o.ready_file) << run.joined << "\n";
  run_for(run, std::chrono::duration<double>(o.idle_seconds));

  std::vector<Client*> senders;
  for (auto& c : run.clients) {
    if (c->is_sender()) senders.push_back(c.get());
  }
  uint64_t seq = 0;
  for (const double rate : o.rates) {
    run.stats = Stats{};
    run.stats.window_from_ns = INT64_MAX;  // set when the window opens
    run.stats.collecting = true;
    run.sent_in_window = 0;
    const int receivers_before = run.joined - run.closed_after_join - o.senders;
    double cpu_at_window = 0;
    double gen_cpu_at_window = 0;
    const auto step_start = Clock::now();
    const auto measure_from = step_start + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(o.warmup_seconds));
    const auto step_end = step_start + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.step_seconds));
    // Messages go out on a fixed schedule (not "as fast as acknowledged"), so a server that
    // falls behind shows it as latency and loss rather than a slower sender.
    const auto interval = std::chrono::duration<double>(1.0 / rate);
    auto next_send = step_start;
    size_t rr = 0;
    bool measuring = false;
    while (Clock::now() < step_end) {
      const auto now = Clock::now();
      if (!measuring && now >= measure_from) {
        measuring = true;
        run.stats.measuring = true;
        run.stats.window_from_ns = now_ns();
        cpu_at_window = cpu_seconds(o.server_pid) + cpu_seconds(o.server_pid2);
        gen_cpu_at_window = cpu_seconds(getpid());
      }
      while (next_send <= now) {
        senders[rr++ % senders.size()]->send_chat(++seq);
        ++run.sent;
        if (measuring) ++run.sent_in_window;
        next_send += std::chrono::duration_cast<Clock::duration>(interval);
      }
      run.ioc.run_for(
          std::min<Clock::duration>(next_send - Clock::now(), std::chrono::milliseconds(5)));
    }
    const double window = std::chrono::duration<double>(Clock::now() - measure_from).count();
    run.stats.measuring = false;
    run.stats.window_to_ns = now_ns();
    const double cpu_s = cpu_seconds(o.server_pid) + cpu_seconds(o.server_pid2) - cpu_at_window;
    // The generator's own CPU: near window_s means it is the bottleneck, not the server.
    const double gen_cpu_s = cpu_seconds(getpid()) - gen_cpu_at_window;
    run_for(run, std::chrono::duration<double>(o.pause_seconds));  // late arrivals still count
    run.stats.collecting = false;
    const Stats& s = run.stats;
    const int receivers = run.joined - run.closed_after_join - o.senders;
    const double expected = static_cast<double>(run.sent_in_window) * receivers;
    std::printf(
        "{\"step\":true,\"target\":\"%s\",\"clients\":%d,\"receivers\":%d,\"rate\":%.1f,"
        "\"sent\":%llu,\"window_s\":%.2f,\"deliveries\":%llu,\"deliveries_per_s\":%.0f,"
        "\"offered_deliveries_per_s\":%.0f,\"delivered_ratio\":%.4f,\"frames\":%llu,"
        "\"bytes\":%llu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
        "\"disconnected\":%d,\"cpu_s\":%.2f,\"gen_cpu_s\":%.2f}\n",
        o.target.c_str(), o.clients, receivers, rate, (unsigned long long)run.sent_in_window,
        window, (unsigned long long)s.deliveries, s.deliveries / window,
        static_cast<double>(run.sent_in_window) * receivers_before / window,
        expected > 0 ? static_cast<double>(s.latency.count()) / expected : 0.0,
        (unsigned long long)s.frames, (unsigned long long)s.bytes,
        s.latency.percentile(50) / 1000.0, s.latency.percentile(99) / 1000.0,
        s.latency.percentile(99.9) / 1000.0, s.latency.max() / 1000.0, receivers_before - receivers,
        cpu_s, gen_cpu_s);
    std::fflush(stdout);
  }
  std::printf(
      "{\"summary\":true,\"target\":\"%s\",\"joined\":%d,\"connect_s\":%.2f,"
      "\"disconnected\":%d}\n",
      o.target.c_str(), run.joined, connect_s, run.closed_after_join);
  std::fflush(stdout);
  return 0;
}
