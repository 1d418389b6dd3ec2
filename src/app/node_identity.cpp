#include "app/node_identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "core/random.h"

namespace stagecast::app {
namespace {

// The same alphabet and length as node.id (config.cpp).
bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

Result<std::string> stored_node_id(const std::string& data_dir) {
  namespace fs = std::filesystem;
  const fs::path file = fs::path(data_dir) / "node_id";
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string id;
    std::getline(in, id);
    if (valid_id(id)) return id;
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  const std::string id = random_id().substr(0, 12);
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << id << "\n";
    if (!out) return make_error("io_error", fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    return make_error("io_error", fmt::format("cannot write {}: {}", file.string(), ec.message()));
  }
  return id;
}

}  // namespace stagecast::app
