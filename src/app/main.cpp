#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/config.h"
#include "app/delivery_agent.h"
#include "app/server.h"
#include "app/stop_signals.h"
#include "core/log.h"

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  // The delivery agent is this binary started by the server with two internal flags.
  if (auto agent = stagecast::app::run_delivery_agent_if_asked(argc, argv, env)) return *agent;
  stagecast::app::remember_command_line(argc, argv);
  auto loaded = stagecast::app::load_config(argc, argv, env);
  if (!loaded) {
    std::cerr << "stagecast: " << loaded.error().message << "\n"
              << "run 'stagecast --help' for the list of keys\n";
    return 2;
  }
  if (loaded->show_help) {
    std::cout << stagecast::app::config_help();
    return 0;
  }
  if (loaded->print_config) {
    std::cout << stagecast::app::render_config(loaded->config);
    return 0;
  }
  stagecast::setup_logging(loaded->config.log_level, loaded->config.log_format == "json"
                                                         ? stagecast::LogFormat::Json
                                                         : stagecast::LogFormat::Text);

  // Block the stop signals (and SIGHUP, the certificate reload) in every thread; the main thread
  // waits for them below.
  const sigset_t signals = stagecast::app::block_stop_signals();

  try {
    stagecast::app::Server server(loaded->config);
    server.start(loaded->ports_file);
    int sig = 0;
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
      spdlog::info("signal {}: reloading the TLS certificate", sig);
      server.reload_tls();
    }
    spdlog::info("signal {}: shutting down", sig);
    server.stop();
  } catch (const std::exception& e) {
    spdlog::critical("start-up failed: {}", e.what());
    return 1;
  }
  return 0;
}
