#include "bus/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace stagecast::bus::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(void* r) const {
    if (r) freeReplyObject(r);
  }
};
using OwnedReply = std::unique_ptr<void, ReplyDeleter>;

}  // namespace

Result<std::unique_ptr<RedisConnection>> RedisConnection::open(const RedisEndpoint& endpoint,
                                                               std::chrono::milliseconds timeout) {
  redisContext* c =
      redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(timeout));
  if (!c) return make_error("unavailable", "redis: out of memory");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    return make_error("unavailable", "redis " + endpoint.describe() + ": " + why);
  }
  redisSetTimeout(c, to_timeval(timeout));
  redisEnableKeepAlive(c);
  std::unique_ptr<RedisConnection> conn(new RedisConnection(c));
  if (!endpoint.password.empty()) {
    auto r = conn->command({"AUTH", endpoint.password});
    if (!r) return r.error();
    if (r->is_error()) return make_error("unavailable", "redis: AUTH refused");
  }
  if (endpoint.db != 0) {
    auto r = conn->command({"SELECT", std::to_string(endpoint.db)});
    if (!r) return r.error();
    if (r->is_error()) return make_error("unavailable", "redis: SELECT refused: " + r->str);
  }
  return conn;
}

RedisConnection::~RedisConnection() {
  redisFree(c_);
}

Error RedisConnection::failure(std::string_view what) {
  broken_ = true;
  return make_error("unavailable", "redis " + std::string(what) + ": " +
                                       (c_->err ? std::string(c_->errstr) : "connection lost"));
}

Result<void> RedisConnection::append(const Command& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), args.data(), lens.data()) !=
      REDIS_OK)
    return failure("append");
  return {};
}

Result<Reply> RedisConnection::command(const Command& argv) {
  auto r = pipeline({argv});
  if (!r) return r.error();
  return std::move(r->front());
}

Result<std::vector<Reply>> RedisConnection::pipeline(const std::vector<Command>& commands) {
  if (broken_) return make_error("unavailable", "redis: connection broken");
  for (const auto& c : commands) {
    if (auto a = append(c); !a) return a.error();
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK || !raw) return failure("reply");
    OwnedReply owned(raw);
    replies.push_back(convert(static_cast<redisReply*>(raw)));
  }
  return replies;
}

int RedisConnection::fd() const {
  return c_->fd;
}

Result<void> RedisConnection::write(const std::vector<Command>& commands) {
  if (broken_) return make_error("unavailable", "redis: connection broken");
  for (const auto& c : commands) {
    if (auto a = append(c); !a) return a.error();
  }
  int done = 0;
  while (!done) {
    if (redisBufferWrite(c_, &done) != REDIS_OK) return failure("write");
  }
  return {};
}

Result<void> RedisConnection::read() {
  if (broken_) return make_error("unavailable", "redis: connection broken");
  if (redisBufferRead(c_) != REDIS_OK) return failure("read");
  return {};
}

Result<std::optional<Reply>> RedisConnection::next_reply() {
  void* raw = nullptr;
  if (redisReaderGetReply(c_->reader, &raw) != REDIS_OK) {
    broken_ = true;
    return make_error("unavailable", "redis: protocol error");
  }
  if (!raw) return std::optional<Reply>();
  OwnedReply owned(raw);
  return std::optional<Reply>(convert(static_cast<redisReply*>(raw)));
}

}  // namespace stagecast::bus::redis
