#include "bus/redis/redis_url.h"

#include <charconv>

namespace stagecast::bus::redis {
namespace {

Error bad(std::string_view why) {
  return make_error("invalid_config",
                    "bus.url must look like redis://host:port[/db] (" + std::string(why) + ")");
}

bool parse_int(std::string_view s, int64_t lo, int64_t hi, int64_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}

}  // namespace

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("the scheme is not redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint e;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return bad("the user part needs :password");
    e.password = std::string(userinfo.substr(colon + 1));
  }
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    int64_t n = 0;
    if (!db.empty()) {
      if (!parse_int(db, 0, 15, n)) return bad("the database is not a number 0-15");
      e.db = static_cast<int>(n);
    }
  }
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    e.host = std::string(authority);
  } else {
    int64_t port = 0;
    if (!parse_int(authority.substr(colon + 1), 1, 65535, port))
      return bad("the port is not 1-65535");
    e.host = std::string(authority.substr(0, colon));
    e.port = static_cast<uint16_t>(port);
  }
  if (e.host.empty()) return bad("no host");
  return e;
}

}  // namespace stagecast::bus::redis
