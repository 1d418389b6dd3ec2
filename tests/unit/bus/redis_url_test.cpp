#include "bus/redis/redis_url.h"

#include <gtest/gtest.h>

namespace stagecast::bus::redis {
namespace {

TEST(RedisUrl, HostPortDatabasePassword) {
  auto e = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 0);
  e = parse_redis_url("redis://:s3cret@redis.internal/3");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "redis.internal");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->db, 3);
  EXPECT_EQ(e->password, "s3cret");
  EXPECT_EQ(e->describe().find("s3cret"), std::string::npos);
}

TEST(RedisUrl, RefusesWhatIsNotARedisUrl) {
  for (const char* bad :
       {"", "http://x:1", "redis://", "redis://:1", "redis://h:0", "redis://h:70000",
        "redis://h:12x", "redis://h/16", "redis://h/x", "redis://user@h"}) {
    auto e = parse_redis_url(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, "invalid_config");
  }
  auto e = parse_redis_url("redis://:hunter2@h:99999");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace stagecast::bus::redis
