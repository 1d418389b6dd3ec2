#include "app/server.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "net/http_server.h"
#include "net/io_pool.h"
#include "net/router.h"

namespace stagecast::app {

struct Server::Parts {
  explicit Parts(Config c) : config(std::move(c)) {}
  Config config;
  MetricsRegistry metrics;
  std::unique_ptr<net::IoPool> io;
  std::unique_ptr<WorkerPool> workers;
  net::Router router;
  std::unique_ptr<net::HttpServer> http;
  std::atomic<bool> ready{false};
};

namespace {

size_t io_threads(const Config& c) {
  if (c.threads_io > 0) return static_cast<size_t>(c.threads_io);
  return std::max(1u, std::thread::hardware_concurrency());
}

void add_operator_routes(Server::Parts& p) {
  p.router.add(
      "GET", "/healthz",
      [](const net::Request&) { return net::Response::json(200, R"({"status":"ok"})"); },
      net::Dispatch::Inline);
  p.router.add(
      "GET", "/readyz",
      [&p](const net::Request&) {
        return p.ready ? net::Response::json(200, R"({"status":"ready"})")
                       : net::Response::error(503, "not_ready", "starting or stopping");
      },
      net::Dispatch::Inline);
  p.router.add(
      "GET", "/metrics",
      [&p](const net::Request&) {
        return net::Response::text(200, p.metrics.render(), "text/plain; version=0.0.4");
      },
      net::Dispatch::Inline);
}

}  // namespace

Server::Server(Config config) : parts_(std::make_unique<Parts>(std::move(config))) {
  Parts& p = *parts_;
  std::filesystem::create_directories(p.config.data_dir);
  p.io = std::make_unique<net::IoPool>(io_threads(p.config));
  p.workers = std::make_unique<WorkerPool>("workers", static_cast<size_t>(p.config.threads_workers));
  add_operator_routes(p);

  net::HttpServerOptions http;
  http.host = p.config.http_host;
  http.port = static_cast<uint16_t>(p.config.http_port);
  http.body_limit = static_cast<size_t>(p.config.http_body_limit_bytes);
  http.header_timeout = std::chrono::milliseconds(p.config.http_header_timeout_ms);
  http.idle_timeout = std::chrono::milliseconds(p.config.http_idle_timeout_ms);
  http.access_log = p.config.http_access_log;
  p.http = std::make_unique<net::HttpServer>(*p.io, *p.workers, p.router, p.metrics, http);
}

Server::~Server() { stop(); }

void Server::start(const std::string& ports_file) {
  Parts& p = *parts_;
  p.http->start();
  p.io->start();
  p.ready = true;
  spdlog::info("stagecast ready: http://{}:{}/", p.config.http_host, http_port());
  if (!ports_file.empty()) {
    const std::string tmp = ports_file + ".tmp";
    std::ofstream(tmp) << "{\"http\":" << http_port() << ",\"rtmp\":" << rtmp_port() << "}\n";
    std::filesystem::rename(tmp, ports_file);
  }
}

void Server::stop() {
  Parts& p = *parts_;
  if (!p.io) return;
  p.ready = false;
  p.http->stop();
  p.io->stop();
  p.workers->stop();
}

uint16_t Server::http_port() const { return parts_->http->port(); }
uint16_t Server::rtmp_port() const { return 0; }

}  // namespace stagecast::app
