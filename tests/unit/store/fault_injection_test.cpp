// The database can be made to fail on purpose: every call answers db_unavailable, and the store
// works again once the fault is lifted (chat must keep flowing meanwhile: tested elsewhere).

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(FaultInjectionTest);

TEST_P(FaultInjectionTest, EveryKindOfCallFailsWithDbUnavailableThenRecovers) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-fault");

  store().faults().set_unavailable(true);
  ChatMessage m;
  m.stream_id = s.id;
  m.display_name = "fan";
  m.body = "while down";
  EXPECT_EQ(store().chat().append(m).error().code, "db_unavailable");     // write
  EXPECT_EQ(store().chat().recent(s.id, 50).error().code, "db_unavailable");  // read
  EXPECT_EQ(store().streams().mark_live(s.id, 1).error().code, "db_unavailable");  // txn
  EXPECT_EQ(store().users().find_by_id(artist.id).error().code, "db_unavailable");
  EXPECT_EQ(store().tips().totals_for_stream(s.id).error().code, "db_unavailable");
  EXPECT_EQ(store().payment_events().insert_if_new({"stripe", "e", "t", "{}", 1, false, {}})
                .error()
                .code,
            "db_unavailable");
  EXPECT_EQ(store().ping().error().code, "db_unavailable");

  store().faults().set_unavailable(false);
  EXPECT_TRUE(store().ping().ok());
  auto appended = store().chat().append(m);
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->seq, 1);  // nothing was half-written while down
  EXPECT_EQ(store().streams().find(s.id)->status, StreamStatus::kCreated);
}

}  // namespace
}  // namespace stagecast::store::testing
