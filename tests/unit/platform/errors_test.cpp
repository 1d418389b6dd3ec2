#include "platform/errors.h"

#include <gtest/gtest.h>

namespace stagecast::platform {
namespace {

TEST(Errors, EveryServiceCodeHasItsStatus) {
  const std::pair<const char*, int> expected[] = {
      {"validation_failed", 422}, {"unauthorized", 401},    {"invalid_credentials", 401},
      {"login_required", 401},    {"forbidden", 403},       {"artist_not_verified", 403},
      {"not_owner", 403},         {"not_moderator", 403},   {"subscription_required", 403},
      {"tier_required", 403},     {"ticket_required", 403}, {"banned", 403},
      {"timed_out", 403},         {"chat_disabled", 403},   {"cannot_tip_self", 403},
      {"not_found", 404},         {"conflict", 409},        {"stream_ended", 409},
      {"stream_not_live", 409},   {"db_unavailable", 503},  {"internal", 500},
      {"token_expired", 401},     {"token_malformed", 401}, {"something_new", 500}};
  for (const auto& [code, status] : expected)
    EXPECT_EQ(errc::http_status_for(code), status) << code;
}

TEST(Errors, StoreErrorsTranslate) {
  EXPECT_EQ(errc::from_store(make_error("not_found", "x")).code, "not_found");
  EXPECT_EQ(errc::from_store(make_error("conflict", "x")).code, "conflict");
  EXPECT_EQ(errc::from_store(make_error("db_unavailable", "x")).code, "db_unavailable");
  EXPECT_EQ(errc::from_store(make_error("invalid_transition", "x")).code, "conflict");
  EXPECT_EQ(errc::from_store(make_error("invalid_argument", "x")).code, "validation_failed");
  EXPECT_EQ(errc::from_store(make_error("schema_too_new", "x")).code, "internal");
}

}  // namespace
}  // namespace stagecast::platform
