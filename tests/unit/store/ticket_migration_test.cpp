// Migration 0003 rebuilds stream_tickets: a database of version 2 with 0001-era rows (written by
// tests and the platform's sync only) keeps them, as grants.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "old_schema.h"
#include "store/store.h"

namespace stagecast::store::testing {
namespace {

TEST(TicketMigration, RowsOfVersionTwoBecomeGrants) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("stagecast-ticket-migration-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "old.db").string();
  write_database_at_version(
      file, 2,
      "INSERT INTO users (id, email, email_normalized, display_name, role, created_at, "
      "updated_at) VALUES ('artist', 'a@x', 'a@x', 'A', 'ARTIST', 1, 1);"
      "INSERT INTO live_streams (id, artist_id, title, visibility, price_cents, currency, "
      "status, stream_key_hash, stream_key_rotated_at, created_at, updated_at) VALUES "
      "('s1', 'artist', 'Paid', 'PAID', 999, 'eur', 'CREATED', 'h1', 1, 1, 1);"
      "INSERT INTO stream_tickets (stream_id, fan_id, paid, created_at, updated_at) VALUES "
      "('s1', 'fan-paid', TRUE, 5, 6), ('s1', 'fan-unpaid', FALSE, 7, 8);");
  if (HasFailure()) return;
  ManualClock clock{1000};
  StoreOptions options;
  options.clock = &clock;
  auto store = open_store("sqlite://" + file, options);
  ASSERT_TRUE(store) << store.error().message;
  auto paid = (*store)->tickets().find("s1", "fan-paid");
  ASSERT_TRUE(paid) << paid.error().message;
  EXPECT_EQ(paid->status, TicketStatus::kPaid);
  EXPECT_EQ(paid->source, TicketSource::kGrant);
  EXPECT_EQ(paid->currency, "eur");
  EXPECT_EQ(paid->amount_cents, 0);
  EXPECT_EQ(paid->created_at, 5);
  EXPECT_EQ(paid->updated_at, 6);
  EXPECT_TRUE(*(*store)->tickets().has_paid_ticket("s1", "fan-paid"));
  auto unpaid = (*store)->tickets().find("s1", "fan-unpaid");
  ASSERT_TRUE(unpaid);
  EXPECT_EQ(unpaid->status, TicketStatus::kRevoked);
  EXPECT_FALSE(*(*store)->tickets().has_paid_ticket("s1", "fan-unpaid"));
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stagecast::store::testing
