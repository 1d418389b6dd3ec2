#include "core/metrics.h"

#include <stdexcept>

namespace stagecast {

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const std::string& labels) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = "counter";
    f.help = help;
  } else if (f.type != "counter") {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const std::string& labels) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = "gauge";
    f.help = help;
  } else if (f.type != "gauge") {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  auto& slot = f.gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda below.
  for (const auto& family : families_) {
    const std::string& name = family.first;
    const auto& f = family.second;
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    auto line = [&](const std::string& labels, const std::string& value) {
      out += name;
      if (!labels.empty()) out += "{" + labels + "}";
      out += " " + value + "\n";
    };
    for (const auto& [labels, c] : f.counters) line(labels, std::to_string(c->value()));
    for (const auto& [labels, g] : f.gauges) line(labels, std::to_string(g->value()));
  }
  return out;
}

}  // namespace stagecast
