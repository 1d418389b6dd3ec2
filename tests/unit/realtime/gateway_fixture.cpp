#include "gateway_fixture.h"

namespace stagecast::realtime::testing {

GatewayOptions GatewayTest::options() {
  GatewayOptions o;
  o.room.viewer_count_interval = std::chrono::milliseconds(100);
  o.room.max_viewers = 50;
  o.chat.max_chars = 100;
  o.chat.rate = platform::RateLimit{50, 10'000};
  o.chat.blocked_words = {"globalbadword"};
  o.auth_timeout = std::chrono::milliseconds(2000);
  o.events_per_second = 200;
  o.events_burst = 400;
  o.writes.initial_backoff = std::chrono::milliseconds(50);
  o.writes.max_backoff = std::chrono::milliseconds(200);
  return o;
}

net::WebSocketOptions GatewayTest::websocket_options() {
  net::WebSocketOptions ws;
  ws.max_message_bytes = options().max_frame_bytes;
  return ws;
}

void GatewayTest::SetUp() {
  store::StoreOptions so;
  so.clock = &clock_;
  auto store = store::open_store("sqlite::memory:", so);
  ASSERT_TRUE(store.ok()) << store.error().message;
  store_ = std::move(store).value();
  platform::PlatformConfig pc;
  pc.jwt_secret = "jwt-secret-jwt-secret-jwt-secret-0123456789";
  pc.playback_secret = "playback-secret-playback-secret-012345";
  pc.argon2 = platform::Argon2Limits::minimum();
  pc.allow_anonymous_viewers = true;
  auto services = platform::PlatformServices::create(pc, *store_, clock_);
  ASSERT_TRUE(services.ok()) << services.error().message;
  platform_ = std::move(services).value();
  chat_ = std::make_unique<platform::ChatService>(*store_, platform_->policy(), clock_);
  moderation_ = std::make_unique<platform::ModerationService>(*store_, platform_->policy(), clock_);

  io_ = std::make_unique<net::IoPool>(2);
  workers_ = std::make_unique<WorkerPool>("test-workers", 2);
  gateway_ = std::make_unique<Gateway>(*io_, *workers_, platform_->accounts(), *chat_, *moderation_,
                                       platform_->policy(), bus_, metrics_, clock_, options());
  moderation_->set_pending_messages(&gateway_->pending_messages());
  moderation_->add_listener(*gateway_);
  platform_->streams().add_listener(*gateway_);

  net::HttpServerOptions ho;
  ho.port = 0;
  ho.access_log = false;
  http_ = std::make_unique<net::HttpServer>(*io_, *workers_, router_, metrics_, ho);
  http_->set_websocket("/ws", gateway_->acceptor(), websocket_options());
  http_->start();
  port_ = http_->port();
  io_->start();
}

void GatewayTest::TearDown() {
  if (gateway_) gateway_->stop(std::chrono::milliseconds(2000));
  if (http_) http_->stop();
  if (io_) io_->stop();
  if (workers_) workers_->stop();
  http_.reset();
  gateway_.reset();
}

User GatewayTest::fan(const std::string& name) {
  const std::string email = name + "-" + std::to_string(++users_) + "@example.com";
  auto s = platform_->accounts().register_account({email, "correct horse battery", name, "FAN"});
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? User{s->user, s->token.token} : User{};
}

User GatewayTest::artist(const std::string& name) {
  const std::string email = name + "-" + std::to_string(++users_) + "@example.com";
  auto s = platform_->accounts().register_account({email, "correct horse battery", name, "ARTIST"});
  EXPECT_TRUE(s.ok());
  platform::AdminUserUpsert up;
  up.id = s->user.user_id;
  up.role = "ARTIST";
  up.stripe_account_id = std::optional<std::string>("acct_1Test");
  auto synced = platform_->accounts().admin_upsert_user(up);
  EXPECT_TRUE(synced.ok());
  return User{*synced, s->token.token};
}

std::string GatewayTest::stream(const User& owner, platform::StreamInput input) {
  if (!input.title) input.title = "Live tonight";
  auto created = platform_->streams().create(owner.identity, input);
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  return created.ok() ? created->stream.id : std::string();
}

std::unique_ptr<WsTestClient> GatewayTest::connect() {
  auto c = std::make_unique<WsTestClient>();
  EXPECT_TRUE(c->connect(port_));
  auto hello = c->next();
  EXPECT_TRUE(hello && (*hello)["type"] == "hello") << (hello ? hello->dump() : "nothing");
  return c;
}

std::unique_ptr<WsTestClient> GatewayTest::member(const User* user, const std::string& stream_id,
                                                  nlohmann::json* joined) {
  auto c = connect();
  if (user) {
    c->send_json({{"type", "auth"}, {"token", user->token}});
    auto a = c->next();
    EXPECT_TRUE(a && (*a)["type"] == "authenticated") << (a ? a->dump() : "nothing");
  }
  c->send_json({{"type", "join"}, {"streamId", stream_id}});
  auto j = c->next_of("joined");
  EXPECT_TRUE(j.has_value()) << "no joined event";
  if (j && joined) *joined = *j;
  return c;
}

std::string GatewayTest::say(WsTestClient& who, const std::string& text) {
  who.send_json({{"type", "chat"}, {"text", text}, {"requestId", "say"}});
  auto ack = who.next_of("ack");
  EXPECT_TRUE(ack.has_value()) << "no ack for '" << text << "'";
  return ack ? (*ack)["messageId"].get<std::string>() : std::string();
}

uint64_t GatewayTest::metric(const std::string& name, const std::string& labels) {
  return metrics_.counter(name, "", labels).value();
}

}  // namespace stagecast::realtime::testing
