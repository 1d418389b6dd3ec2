#include "app/generated_secret.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/random.h"

namespace stagecast::app {

Result<std::string> secret_or_generated(const std::string& configured, const std::string& data_dir,
                                        const std::string& name, bool production) {
  if (!configured.empty()) return configured;
  if (production) {
    return make_error("config_invalid",
                      fmt::format("production mode needs auth.{} to be configured", name));
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(data_dir) / "secrets";
  const fs::path file = dir / name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error("io_error", fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string secret;
    std::getline(in, secret);
    if (secret.size() >= 32) return secret;
  }
  const std::string secret = random_token(48);
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << secret << "\n";
    if (!out) return make_error("io_error", fmt::format("cannot write {}", tmp.string()));
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, file, ec);
  if (ec) return make_error("io_error", fmt::format("cannot write {}: {}", file.string(), ec.message()));
  return secret;
}

}  // namespace stagecast::app
