#pragma once
// One connection to Redis over hiredis's synchronous API, used only from the thread that owns it
// (RedisClient's and RedisSubscriber's; never an I/O thread). A command waits at most the timeout
// given at open (SO_RCVTIMEO/SO_SNDTIMEO); any I/O or protocol error leaves the connection broken
// (broken() is true) and its owner opens a new one.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/redis/redis_url.h"
#include "core/result.h"

struct redisContext;

namespace stagecast::bus::redis {

// A reply, copied out of hiredis's tree.
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::kError; }
};

using Command = std::vector<std::string>;

class RedisConnection {
 public:
  // Connects, authenticates and selects the database; unavailable with hiredis's reason.
  static Result<std::unique_ptr<RedisConnection>> open(const RedisEndpoint& endpoint,
                                                       std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Blocking round trip (within the timeout). A Redis error reply is a Reply of kError, not an
  // Error: only a transport failure is.
  Result<Reply> command(const Command& argv);
  // Several commands in one write, their replies in order.
  Result<std::vector<Reply>> pipeline(const std::vector<Command>& commands);

  // For a subscriber driving the socket itself (poll on fd()): queue and write commands, then
  // after poll says readable, read() once and take the replies that are complete.
  int fd() const;
  Result<void> write(const std::vector<Command>& commands);
  Result<void> read();
  Result<std::optional<Reply>> next_reply();

  bool broken() const { return broken_; }

 private:
  explicit RedisConnection(redisContext* c) : c_(c) {}
  Error failure(std::string_view what);
  Result<void> append(const Command& argv);

  redisContext* c_;
  bool broken_ = false;
};

}  // namespace stagecast::bus::redis
