// SrtpSession keyed by a real DTLS handshake: the test client protects with libsrtp2 directly
// (its own policy, the keys it exported itself), our session unprotects; and the other way for
// our RTCP. Both profiles; tampering, replay and runts.

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include "dtls_test_client.h"
#include "rtc/dtls_transport.h"
#include "rtc/rtcp_feedback.h"
#include "rtc/srtp_session.h"
#include "rtp_builder.h"

namespace stagecast::rtc {
namespace {

using Clock = std::chrono::steady_clock;
using test::DtlsTestClient;

// The publisher's side, written against libsrtp2 rather than SrtpSession.
class ClientSrtp {
 public:
  ClientSrtp(SrtpProfile profile, Bytes key, srtp_ssrc_type_t direction) : key_(std::move(key)) {
    srtp_policy_t p{};
    if (profile == SrtpProfile::AeadAes128Gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    } else {
      srtp_crypto_policy_set_rtp_default(&p.rtp);
      srtp_crypto_policy_set_rtcp_default(&p.rtcp);
    }
    p.ssrc.type = direction;
    p.key = key_.data();
    p.window_size = 128;
    EXPECT_EQ(srtp_create(&ctx_, &p), srtp_err_status_ok);
  }
  ~ClientSrtp() { srtp_dealloc(ctx_); }
  Bytes protect(Bytes packet, bool rtcp) {
    int len = static_cast<int>(packet.size());
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
    EXPECT_EQ(rtcp ? srtp_protect_rtcp(ctx_, packet.data(), &len)
                   : srtp_protect(ctx_, packet.data(), &len),
              srtp_err_status_ok);
    packet.resize(static_cast<size_t>(len));
    return packet;
  }
  srtp_err_status_t unprotect_rtcp(Bytes& packet) {
    int len = static_cast<int>(packet.size());
    auto s = srtp_unprotect_rtcp(ctx_, packet.data(), &len);
    if (s == srtp_err_status_ok) packet.resize(static_cast<size_t>(len));
    return s;
  }

 private:
  Bytes key_;
  srtp_t ctx_ = nullptr;
};

// Master key || salt for one side, from the client's own export (RFC 5764 4.2).
Bytes client_side_key(DtlsTestClient& client, SrtpProfile profile, bool client_write) {
  const size_t k = srtp_master_key_length(profile);
  const size_t s = srtp_master_salt_length(profile);
  Bytes m = client.exported(2 * (k + s));
  size_t key_at = client_write ? 0 : k;
  size_t salt_at = client_write ? 2 * k : 2 * k + s;
  Bytes out(m.begin() + key_at, m.begin() + key_at + k);
  out.insert(out.end(), m.begin() + salt_at, m.begin() + salt_at + s);
  return out;
}

class SrtpAfterDtls : public ::testing::TestWithParam<std::string> {};

TEST_P(SrtpAfterDtls, PublisherPacketsUnprotectAndOurRtcpIsReadable) {
  const auto now = Clock::now();
  auto cert = DtlsCertificate::generate();
  ASSERT_TRUE(cert.ok());
  DtlsTestClient client(GetParam());
  auto server = DtlsTransport::create(*cert, {client.fingerprint()}, now);
  ASSERT_TRUE(server.ok());
  test::pump(client, **server, now);
  ASSERT_EQ((*server)->state(), DtlsState::Connected);
  const SrtpKeys& keys = *(*server)->srtp_keys();

  auto ours = SrtpSession::create(keys);
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  SrtpSession& session = **ours;
  EXPECT_EQ(session.profile(), keys.profile);
  ClientSrtp publisher(keys.profile, client_side_key(client, keys.profile, true),
                       ssrc_any_outbound);
  ClientSrtp publisher_in(keys.profile, client_side_key(client, keys.profile, false),
                          ssrc_any_inbound);

  // RTP: protected by the publisher, back to the same bytes here.
  const Bytes rtp = test::make_rtp(96, 1000, 90000, true, Bytes(700, 0x5a));
  Bytes srtp = publisher.protect(rtp, false);
  EXPECT_GT(srtp.size(), rtp.size());
  Bytes received = srtp;
  ASSERT_EQ(session.unprotect_rtp(received), SrtpStatus::Ok);
  EXPECT_EQ(received, rtp);

  // The same packet again is a replay; a flipped payload bit fails authentication.
  Bytes replay = srtp;
  EXPECT_EQ(session.unprotect_rtp(replay), SrtpStatus::Replayed);
  EXPECT_EQ(replay, srtp);  // left as it was
  Bytes tampered = publisher.protect(test::make_rtp(96, 1001, 90000, false, Bytes(50, 1)), false);
  tampered[20] ^= 0x01;
  EXPECT_EQ(session.unprotect_rtp(tampered), SrtpStatus::AuthFailed);
  // Packets may arrive out of order within the window.
  Bytes later = publisher.protect(test::make_rtp(96, 1003, 93000, false, Bytes(60, 2)), false);
  Bytes earlier = publisher.protect(test::make_rtp(96, 1002, 93000, false, Bytes(60, 3)), false);
  EXPECT_EQ(session.unprotect_rtp(later), SrtpStatus::Ok);
  EXPECT_EQ(session.unprotect_rtp(earlier), SrtpStatus::Ok);

  // Runts never reach libsrtp2.
  Bytes runt(11, 0x80);
  EXPECT_EQ(session.unprotect_rtp(runt), SrtpStatus::BadLength);
  Bytes rtcp_runt(10, 0x80);
  EXPECT_EQ(session.unprotect_rtcp(rtcp_runt), SrtpStatus::BadLength);

  // SRTCP from the publisher (a PLI stands in for its SR), with replay protection too.
  const Bytes rtcp = build_pli(0x11223344, 0x55667788);
  Bytes srtcp = publisher.protect(rtcp, true);
  Bytes srtcp_in = srtcp;
  ASSERT_EQ(session.unprotect_rtcp(srtcp_in), SrtpStatus::Ok);
  EXPECT_EQ(srtcp_in, rtcp);
  Bytes srtcp_again = srtcp;
  EXPECT_EQ(session.unprotect_rtcp(srtcp_again), SrtpStatus::Replayed);
  Bytes srtcp_bad = publisher.protect(rtcp, true);
  srtcp_bad[9] ^= 0x80;
  EXPECT_EQ(session.unprotect_rtcp(srtcp_bad), SrtpStatus::AuthFailed);

  // Our RTCP (a NACK) is readable by the publisher with the server's keys.
  const uint16_t lost[] = {1004, 1005};
  const Bytes nack = build_nack(0x01020304, 0x11223344, lost);
  Bytes out = nack;
  ASSERT_EQ(session.protect_rtcp(out), SrtpStatus::Ok);
  EXPECT_GT(out.size(), nack.size());
  ASSERT_EQ(publisher_in.unprotect_rtcp(out), srtp_err_status_ok);
  EXPECT_EQ(out, nack);
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpAfterDtls,
                         ::testing::Values("SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80"));

TEST(SrtpSession, WrongKeyFailsAuthentication) {
  SrtpKeys keys{SrtpProfile::Aes128CmHmacSha1_80, Bytes(30, 1), Bytes(30, 2)};
  auto session = SrtpSession::create(keys);
  ASSERT_TRUE(session.ok());
  ClientSrtp stranger(SrtpProfile::Aes128CmHmacSha1_80, Bytes(30, 9), ssrc_any_outbound);
  Bytes p = stranger.protect(test::make_rtp(111, 7, 960, false, Bytes(80, 4)), false);
  EXPECT_EQ((*session)->unprotect_rtp(p), SrtpStatus::AuthFailed);
  EXPECT_EQ(srtp_status_name(SrtpStatus::AuthFailed), "auth_failed");
}

// A NACK is answered with the packet already sent: the same sequence number protected again,
// which libsrtp2 refuses as a replay unless the session was made for retransmissions.
TEST(SrtpSession, ProtectsTheSamePacketAgainOnlyForRetransmissions) {
  SrtpKeys keys{SrtpProfile::Aes128CmHmacSha1_80, Bytes(30, 1), Bytes(30, 2)};
  auto plain = SrtpSession::create(keys);
  auto resending = SrtpSession::create(keys, {.retransmits = true});
  ASSERT_TRUE(plain.ok() && resending.ok());
  const Bytes packet = test::make_rtp(96, 42, 9000, true, Bytes(200, 5));
  Bytes sent = packet;
  ASSERT_EQ((*plain)->protect_rtp(sent), SrtpStatus::Ok);
  Bytes again = packet;
  EXPECT_NE((*plain)->protect_rtp(again), SrtpStatus::Ok);

  Bytes first = packet;
  ASSERT_EQ((*resending)->protect_rtp(first), SrtpStatus::Ok);
  Bytes resent = packet;
  ASSERT_EQ((*resending)->protect_rtp(resent), SrtpStatus::Ok);
  // Byte for byte the packet the viewer missed: the same key stream over the same bytes.
  EXPECT_EQ(resent, first);
  EXPECT_EQ(resent, sent);
}

TEST(SrtpSession, RefusesKeysOfTheWrongLength) {
  SrtpKeys keys{SrtpProfile::AeadAes128Gcm, Bytes(30, 1), Bytes(30, 2)};  // GCM wants 28
  auto session = SrtpSession::create(keys);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code, "srtp_bad_keys");
}

}  // namespace
}  // namespace stagecast::rtc
