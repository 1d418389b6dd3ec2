#include "rtc/ice_binding.h"

#include <gtest/gtest.h>

#include "stun_vectors.h"

namespace stagecast::rtc {
namespace {

const IceCredentials kLocal{"lite", "0123456789abcdefghijkl"};
const StunAddress kSource = StunAddress::v4(203, 0, 113, 7, 50000);
const StunTransactionId kId{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};

Bytes request(std::string_view username, std::string_view key, bool controlling = true,
              bool priority = true, bool fingerprint = true) {
  StunMessageBuilder b(kStunBindingMethod, StunClass::Request, kId);
  if (!username.empty()) b.add_string(stun_attr::kUsername, username);
  if (priority) b.add_u32(stun_attr::kPriority, 1845501695);
  if (controlling) {
    b.add_u64(stun_attr::kIceControlling, 42);
  } else {
    b.add_u64(stun_attr::kIceControlled, 42);
  }
  b.add(stun_attr::kUseCandidate, {});
  return b.finish(key, fingerprint);
}

BindingResult answer(const Bytes& bytes) {
  auto m = StunMessage::parse(bytes);
  EXPECT_TRUE(m.ok());
  return answer_binding_request(*m, kLocal, kSource);
}

TEST(IceBinding, AcceptsAValidRequest) {
  auto r = answer(request("lite:peer", kLocal.password));
  ASSERT_EQ(r.outcome, BindingOutcome::Accepted) << r.reason;
  EXPECT_EQ(r.remote_ufrag, "peer");
  EXPECT_TRUE(r.use_candidate);
  EXPECT_EQ(r.priority, 1845501695u);
  auto response = StunMessage::parse(r.response);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->message_class(), StunClass::SuccessResponse);
  EXPECT_EQ(response->transaction_id(), kId);
  EXPECT_EQ(response->xor_mapped_address(), kSource);
  EXPECT_TRUE(response->message_integrity_valid(kLocal.password));
  EXPECT_TRUE(response->fingerprint_valid());
}

TEST(IceBinding, LocalUfragForDemultiplexing) {
  const auto bytes = request("lite:peer", kLocal.password);
  auto m = StunMessage::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(local_ufrag_of(*m), "lite");
  auto vector = StunMessage::parse(test::kRfc5769Request);
  ASSERT_TRUE(vector.ok());
  EXPECT_EQ(local_ufrag_of(*vector), "evtj");
}

TEST(IceBinding, BadIntegrityIs401WithoutIntegrity) {
  auto r = answer(request("lite:peer", "not-the-password-at-all"));
  EXPECT_EQ(r.outcome, BindingOutcome::Rejected);
  EXPECT_EQ(r.error_code, 401);
  auto response = StunMessage::parse(r.response);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->message_class(), StunClass::ErrorResponse);
  EXPECT_EQ(response->error_code()->code, 401);
  EXPECT_FALSE(response->has_message_integrity());
  EXPECT_TRUE(response->fingerprint_valid());
}

TEST(IceBinding, WrongUfragIs401) {
  EXPECT_EQ(answer(request("other:peer", kLocal.password)).error_code, 401);
  EXPECT_EQ(answer(request("lite:", kLocal.password)).error_code, 401);
  EXPECT_EQ(answer(request("lite", kLocal.password)).error_code, 401);
}

TEST(IceBinding, MissingPiecesAre400) {
  EXPECT_EQ(answer(request("", kLocal.password)).error_code, 400);
  EXPECT_EQ(answer(request("lite:peer", "")).error_code, 400);
  EXPECT_EQ(answer(request("lite:peer", kLocal.password, true, false)).error_code, 400);
}

TEST(IceBinding, ControlledPeerIsARoleConflict) {
  EXPECT_EQ(answer(request("lite:peer", kLocal.password, false)).error_code, 487);
}

TEST(IceBinding, NoOrBadFingerprintIsDropped) {
  EXPECT_EQ(answer(request("lite:peer", kLocal.password, true, true, false)).outcome,
            BindingOutcome::Dropped);
  Bytes bad = request("lite:peer", kLocal.password);
  bad.back() ^= 1;
  auto r = answer(bad);
  EXPECT_EQ(r.outcome, BindingOutcome::Dropped);
  EXPECT_TRUE(r.response.empty());
}

TEST(IceBinding, ResponsesAreDropped) {
  auto m = StunMessage::parse(test::kRfc5769Ipv4Response);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(answer_binding_request(*m, kLocal, kSource).outcome, BindingOutcome::Dropped);
}

TEST(IceBinding, Rfc5769RequestAgainstItsCredentials) {
  // The RFC's request is sent by a controlled agent: authenticated, then refused with 487.
  auto m = StunMessage::parse(test::kRfc5769Request);
  ASSERT_TRUE(m.ok());
  auto r = answer_binding_request(*m, {"evtj", test::kRfc5769Password}, kSource);
  EXPECT_EQ(r.error_code, 487);
  auto wrong = answer_binding_request(*m, {"evtj", "wrong-password-wrong-pw"}, kSource);
  EXPECT_EQ(wrong.error_code, 401);
}

}  // namespace
}  // namespace stagecast::rtc
