#pragma once
// The whole server wired together: configuration in, every layer constructed in dependency
// order, listeners started. Owns everything; destroyed in reverse order.

#include <memory>
#include <string>

#include "app/config.h"

namespace stagecast::app {

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners (throws on failure), prints where to go, writes the ports file if asked.
  void start(const std::string& ports_file);
  void stop();

  uint16_t http_port() const;
  uint16_t rtmp_port() const;
  // SIGHUP: re-reads tls.cert_file and tls.key_file; new TLS connections use the new certificate,
  // established ones keep theirs; a failure keeps the current one (logged). Blocking (file reads):
  // from the signal-waiting thread, never an I/O thread.
  void reload_tls();

  struct Parts;

 private:
  std::unique_ptr<Parts> parts_;
};

}  // namespace stagecast::app
