#pragma once
// Where the Redis server is: `redis://[:password@]host[:port][/db]` (bus.url). The password is
// kept for AUTH and never printed; describe() names the endpoint without it.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::bus::redis {

struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  int db = 0;
  std::string password;

  std::string describe() const {
    return host + ":" + std::to_string(port) + "/" + std::to_string(db);
  }
};

// invalid_config with a message naming what is wrong (never the password).
Result<RedisEndpoint> parse_redis_url(std::string_view url);

}  // namespace stagecast::bus::redis
