// DtlsTransport (our DTLS server) against a plain OpenSSL client, both on memory BIOs:
// handshake, SRTP profile and keys (RFC 5764), the fingerprint check (RFC 5763 5), bad input,
// retransmission and the handshake deadline.

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "dtls_test_client.h"
#include "rtc/dtls_certificate.h"
#include "rtc/dtls_transport.h"
#include "rtc/packet_demux.h"

namespace stagecast::rtc {
namespace {

using namespace std::chrono_literals;
using test::DtlsTestClient;
using Clock = std::chrono::steady_clock;

const DtlsCertificate& server_certificate() {
  static const DtlsCertificate cert = DtlsCertificate::generate().value();
  return cert;
}

std::unique_ptr<DtlsTransport> make_server(std::vector<SdpFingerprint> fingerprints,
                                           Clock::time_point now, DtlsTransportOptions o = {}) {
  auto t = DtlsTransport::create(server_certificate(), std::move(fingerprints), now, o);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? std::move(t).value() : nullptr;
}

TEST(DtlsCertificate, FingerprintInSdpForm) {
  const auto& cert = server_certificate();
  EXPECT_TRUE(std::regex_match(cert.fingerprint_sha256(),
                               std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")));
  EXPECT_EQ(cert.sdp_fingerprint(), "sha-256 " + cert.fingerprint_sha256());
  // A second certificate is another identity.
  auto other = DtlsCertificate::generate();
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->fingerprint_sha256(), cert.fingerprint_sha256());
}

TEST(DtlsCertificate, FingerprintMatching) {
  const auto& cert = server_certificate();
  std::string lower = cert.fingerprint_sha256();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<SdpFingerprint> ok = {{"sha-256", cert.fingerprint_sha256()}};
  EXPECT_TRUE(fingerprint_matches(cert.certificate(), ok));
  std::vector<SdpFingerprint> ok_lower = {{"SHA-256", lower}};
  EXPECT_TRUE(fingerprint_matches(cert.certificate(), ok_lower));
  // One of several (RFC 8122 5), in another hash.
  auto sha512 = certificate_fingerprint(cert.certificate(), "sha-512");
  ASSERT_TRUE(sha512.ok());
  std::vector<SdpFingerprint> several = {{"md5", "AB"}, {"sha-512", *sha512}};
  EXPECT_TRUE(fingerprint_matches(cert.certificate(), several));

  std::string flipped = cert.fingerprint_sha256();
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
  std::vector<SdpFingerprint> wrong = {{"sha-256", flipped}};
  EXPECT_FALSE(fingerprint_matches(cert.certificate(), wrong));
  std::vector<SdpFingerprint> short_value = {{"sha-256", cert.fingerprint_sha256().substr(3)}};
  EXPECT_FALSE(fingerprint_matches(cert.certificate(), short_value));
  std::vector<SdpFingerprint> unknown_hash = {{"md5", cert.fingerprint_sha256()}};
  EXPECT_FALSE(fingerprint_matches(cert.certificate(), unknown_hash));
  EXPECT_FALSE(fingerprint_matches(nullptr, ok));
  EXPECT_FALSE(certificate_fingerprint(cert.certificate(), "md5").ok());
}

struct ProfileCase {
  std::string client_offer;
  SrtpProfile expected;
};

class DtlsHandshake : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(DtlsHandshake, AgreesOnProfileAndMirroredKeys) {
  const auto now = Clock::now();
  DtlsTestClient client(GetParam().client_offer);
  auto server = make_server({client.fingerprint()}, now);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->state(), DtlsState::Connecting);

  test::pump(client, *server, now);
  ASSERT_TRUE(client.connected());
  ASSERT_EQ(server->state(), DtlsState::Connected)
      << (server->failure() ? server->failure()->message : "still connecting");
  ASSERT_TRUE(server->srtp_keys());
  const SrtpKeys& keys = *server->srtp_keys();
  EXPECT_EQ(keys.profile, GetParam().expected);
  EXPECT_EQ(SSL_get_version(client.ssl()), std::string("DTLSv1.2"));

  // The client's view of the same exporter, split as RFC 5764 4.2 lays it out.
  const size_t k = srtp_master_key_length(keys.profile);
  const size_t s = srtp_master_salt_length(keys.profile);
  Bytes m = client.exported(2 * (k + s));
  Bytes client_write(m.begin(), m.begin() + k);
  client_write.insert(client_write.end(), m.begin() + 2 * k, m.begin() + 2 * k + s);
  Bytes server_write(m.begin() + k, m.begin() + 2 * k);
  server_write.insert(server_write.end(), m.begin() + 2 * k + s, m.end());
  EXPECT_EQ(keys.inbound, client_write);
  EXPECT_EQ(keys.outbound, server_write);
  EXPECT_NE(keys.inbound, keys.outbound);

  // The client checks our certificate as a browser would, against our answer's fingerprint.
  X509* ours = SSL_get0_peer_certificate(client.ssl());
  std::vector<SdpFingerprint> answer = {{"sha-256", server_certificate().fingerprint_sha256()}};
  EXPECT_TRUE(fingerprint_matches(ours, answer));

  // Nothing is pending once connected; close sends close_notify (an alert record).
  EXPECT_FALSE(server->next_timeout(now).has_value());
  auto bye = server->close();
  ASSERT_FALSE(bye.empty());
  EXPECT_EQ(bye[0][0], 21);
  EXPECT_EQ(server->state(), DtlsState::Closed);
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, DtlsHandshake,
    ::testing::Values(
        // Both offered, in the browser's order: we prefer GCM.
        ProfileCase{"SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", SrtpProfile::AeadAes128Gcm},
        ProfileCase{"SRTP_AEAD_AES_128_GCM", SrtpProfile::AeadAes128Gcm},
        ProfileCase{"SRTP_AES128_CM_SHA1_80", SrtpProfile::Aes128CmHmacSha1_80}));

// The client role (the fan-out benchmark's viewers) against our server: each checks the other's
// fingerprint, and the keys come out mirrored (the client's inbound is the server's outbound).
TEST(DtlsTransport, ClientRoleAgainstOurServer) {
  const auto now = Clock::now();
  static const DtlsCertificate client_cert = DtlsCertificate::generate().value();
  auto server = make_server({{"sha-256", client_cert.fingerprint_sha256()}}, now);
  ASSERT_TRUE(server);
  DtlsTransportOptions o;
  o.role = DtlsRole::Client;
  auto made = DtlsTransport::create(
      client_cert, {{"sha-256", server_certificate().fingerprint_sha256()}}, now, o);
  ASSERT_TRUE(made.ok());
  auto client = std::move(made).value();
  EXPECT_TRUE(server->start(now).empty());  // a server sends nothing first
  std::vector<Bytes> to_server = client->start(now);
  ASSERT_FALSE(to_server.empty());
  EXPECT_EQ(to_server[0][0], 22);           // a handshake record: the ClientHello
  EXPECT_TRUE(client->start(now).empty());  // once
  for (int round = 0; round < 10 && !to_server.empty(); ++round) {
    std::vector<Bytes> to_client;
    for (const auto& d : to_server) {
      for (auto& out : server->receive(d, now)) to_client.push_back(std::move(out));
    }
    to_server.clear();
    for (const auto& d : to_client) {
      for (auto& out : client->receive(d, now)) to_server.push_back(std::move(out));
    }
  }
  ASSERT_EQ(client->state(), DtlsState::Connected)
      << (client->failure() ? client->failure()->message : "still connecting");
  ASSERT_EQ(server->state(), DtlsState::Connected);
  EXPECT_EQ(client->srtp_keys()->profile, SrtpProfile::AeadAes128Gcm);
  EXPECT_EQ(client->srtp_keys()->inbound, server->srtp_keys()->outbound);
  EXPECT_EQ(client->srtp_keys()->outbound, server->srtp_keys()->inbound);

  // A client expecting another server certificate fails.
  auto wrong =
      DtlsTransport::create(client_cert, {{"sha-256", client_cert.fingerprint_sha256()}}, now, o);
  ASSERT_TRUE(wrong.ok());
  auto server2 = make_server({{"sha-256", client_cert.fingerprint_sha256()}}, now);
  auto hello = (*wrong)->start(now);
  for (int round = 0; round < 10 && !hello.empty(); ++round) {
    std::vector<Bytes> back;
    for (const auto& d : hello) {
      for (auto& out : server2->receive(d, now)) back.push_back(std::move(out));
    }
    hello.clear();
    for (const auto& d : back) {
      for (auto& out : (*wrong)->receive(d, now)) hello.push_back(std::move(out));
    }
  }
  EXPECT_EQ((*wrong)->state(), DtlsState::Failed);
  EXPECT_EQ((*wrong)->failure()->code, "dtls_fingerprint_mismatch");
}

TEST(DtlsTransport, WrongFingerprintFailsTheHandshake) {
  const auto now = Clock::now();
  DtlsTestClient client("SRTP_AEAD_AES_128_GCM");
  DtlsTestClient impostor("SRTP_AEAD_AES_128_GCM");
  auto server = make_server({impostor.fingerprint()}, now);
  test::pump(client, *server, now);
  EXPECT_EQ(server->state(), DtlsState::Failed);
  ASSERT_TRUE(server->failure());
  EXPECT_EQ(server->failure()->code, "dtls_fingerprint_mismatch");
  EXPECT_FALSE(server->srtp_keys());
  EXPECT_FALSE(client.connected());
  EXPECT_TRUE(client.failed());  // it got our alert
}

TEST(DtlsTransport, PeerWithoutOurProfilesFails) {
  const auto now = Clock::now();
  DtlsTestClient client("SRTP_AES128_CM_SHA1_32");
  auto server = make_server({client.fingerprint()}, now);
  test::pump(client, *server, now);
  EXPECT_EQ(server->state(), DtlsState::Failed);
  EXPECT_EQ(server->failure()->code, "dtls_no_srtp_profile");
  EXPECT_FALSE(server->srtp_keys());
}

TEST(DtlsTransport, NoRemoteFingerprintIsRefused) {
  auto t = DtlsTransport::create(server_certificate(), {}, Clock::now());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, "dtls_no_fingerprint");
}

TEST(DtlsTransport, GarbageFailsCleanly) {
  const auto now = Clock::now();
  DtlsTestClient client("SRTP_AEAD_AES_128_GCM");
  // A handshake-range first byte over random bytes: not a sequence of records.
  {
    auto server = make_server({client.fingerprint()}, now);
    Bytes junk(300);
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 131 + 7);
    junk[0] = 22;
    ASSERT_EQ(classify_packet(junk), PacketKind::Dtls);
    EXPECT_TRUE(server->receive(junk, now).empty());
    EXPECT_EQ(server->state(), DtlsState::Failed);
    EXPECT_EQ(server->failure()->code, "dtls_malformed_record");
    // Failed is for good: a real ClientHello now gets nothing.
    auto hello = client.step();
    ASSERT_FALSE(hello.empty());
    EXPECT_TRUE(server->receive(hello[0], now).empty());
    EXPECT_FALSE(server->next_timeout(now).has_value());
  }
  // Oversized datagram.
  {
    auto server = make_server({client.fingerprint()}, now);
    Bytes big(9000, 0);
    big[0] = 22;
    (void)server->receive(big, now);
    EXPECT_EQ(server->failure()->code, "dtls_datagram_too_large");
  }
  // A record claiming more than RFC 6347 allows, and one claiming more than was sent.
  for (uint16_t claimed : {uint16_t{16384 + 2048 + 1}, uint16_t{100}}) {
    auto server = make_server({client.fingerprint()}, now);
    Bytes rec = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0,
                 static_cast<uint8_t>(claimed >> 8), static_cast<uint8_t>(claimed)};
    rec.resize(13 + 50, 0xab);
    (void)server->receive(rec, now);
    EXPECT_EQ(server->state(), DtlsState::Failed);
    EXPECT_EQ(server->failure()->code, "dtls_malformed_record");
  }
  // Well-framed records with a nonsense handshake body: OpenSSL alerts or drops them; either
  // way no keys and no crash.
  {
    auto server = make_server({client.fingerprint()}, now);
    Bytes rec = {22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40};
    for (int i = 0; i < 40; ++i) rec.push_back(static_cast<uint8_t>(i * 37));
    rec[13] = 1;  // ClientHello type, garbage after it
    (void)server->receive(rec, now);
    EXPECT_NE(server->state(), DtlsState::Connected);
    EXPECT_FALSE(server->srtp_keys());
  }
}

TEST(DtlsTransport, LostFlightIsRetransmittedAfterTheTimeout) {
  const auto start = Clock::now();
  DtlsTransportOptions o;
  o.initial_retransmit = 20ms;
  DtlsTestClient client("SRTP_AEAD_AES_128_GCM");
  auto server = make_server({client.fingerprint()}, start, o);
  auto hello = client.step();
  ASSERT_EQ(hello.size(), 1u);
  auto lost = server->receive(hello[0], start);  // ServerHello ... ServerHelloDone, dropped
  ASSERT_FALSE(lost.empty());
  for (const auto& d : lost) EXPECT_LE(d.size(), o.mtu);

  auto due = server->next_timeout(start);
  ASSERT_TRUE(due);
  EXPECT_LE(*due - start, 20ms);
  // Too early: nothing to send yet.
  EXPECT_TRUE(server->handle_timeout(start).empty());
  // OpenSSL's DTLS timer reads the system clock (no hook in OpenSSL 3), so real time passes.
  std::this_thread::sleep_for(40ms);
  auto again = server->handle_timeout(Clock::now());
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(server->state(), DtlsState::Connecting);
  // The retransmitted flight completes the handshake.
  client.deliver(again);
  test::pump(client, *server, Clock::now());
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(server->state(), DtlsState::Connected);
}

TEST(DtlsTransport, HandshakeDeadlineFollowsTheCallersClock) {
  const auto start = Clock::now();
  DtlsTestClient client("SRTP_AEAD_AES_128_GCM");
  auto server = make_server({client.fingerprint()}, start);
  auto hello = client.step();
  (void)server->receive(hello[0], start);
  auto due = server->next_timeout(start);
  ASSERT_TRUE(due);
  EXPECT_LE(*due - start, 1s);  // the first retransmission comes before the deadline
  (void)server->handle_timeout(start + 29s);
  EXPECT_EQ(server->state(), DtlsState::Connecting);
  (void)server->handle_timeout(start + 30s);
  EXPECT_EQ(server->state(), DtlsState::Failed);
  EXPECT_EQ(server->failure()->code, "dtls_handshake_timeout");
  EXPECT_FALSE(server->next_timeout(start + 30s).has_value());
}

TEST(DtlsTransport, RetransmittedClientFinishedGetsOurLastFlightAgain) {
  const auto now = Clock::now();
  DtlsTestClient client("SRTP_AEAD_AES_128_GCM", 20'000);
  auto server = make_server({client.fingerprint()}, now);
  auto hello = client.step();
  client.deliver(server->receive(hello[0], now));
  auto flight5 = client.step();  // Certificate ... Finished
  ASSERT_EQ(flight5.size(), 1u);
  auto flight6 = server->receive(flight5[0], now);  // ChangeCipherSpec, Finished: lost
  ASSERT_FALSE(flight6.empty());
  ASSERT_EQ(server->state(), DtlsState::Connected);
  // A byte-identical copy is a replay (RFC 6347 4.1.2.6) and dropped; the client's own
  // retransmission of flight 5 makes the server resend flight 6.
  EXPECT_TRUE(server->receive(flight5[0], now).empty());
  std::this_thread::sleep_for(40ms);
  auto flight5_again = client.retransmit();
  ASSERT_EQ(flight5_again.size(), 1u);
  auto resent = server->receive(flight5_again[0], now);
  ASSERT_FALSE(resent.empty());
  client.deliver(resent);
  (void)client.step();
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(server->state(), DtlsState::Connected);
}

}  // namespace
}  // namespace stagecast::rtc
