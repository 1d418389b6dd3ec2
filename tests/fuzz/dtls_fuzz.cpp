// libFuzzer target: datagrams into a fresh DTLS server endpoint (the record framing check, then
// OpenSSL's handshake on memory BIOs). The input is split into datagrams by a 2-byte length
// prefix, so one run can carry a ClientHello and what follows it (seeds: a ClientHello and a
// whole client flight captured from the unit tests' OpenSSL client).

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "rtc/dtls_certificate.h"
#include "rtc/dtls_transport.h"

using namespace stagecast;
using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One certificate for the whole run: generating a key per input would be all the fuzzer did.
  static const DtlsCertificate cert = DtlsCertificate::generate("fuzz").value();
  const auto now = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  auto t = DtlsTransport::create(cert, {{"sha-256", cert.fingerprint_sha256()}}, now);
  if (!t.ok()) __builtin_trap();
  DtlsTransport& dtls = **t;

  ByteReader r(ByteSpan(data, size));
  int datagrams = 0;
  while (!r.empty() && datagrams++ < 16) {
    auto len = r.u16be();
    if (!len) break;
    auto body = r.bytes(std::min<size_t>(*len, r.remaining()));
    for (const auto& out : dtls.receive(*body, now)) {
      if (out.empty() || out.size() > DtlsTransportOptions{}.mtu) __builtin_trap();
    }
    (void)dtls.next_timeout(now);
  }
  (void)dtls.handle_timeout(now + std::chrono::seconds(31));
  if (dtls.state() != DtlsState::Failed && dtls.state() != DtlsState::Closed) __builtin_trap();
  (void)dtls.close();
  return 0;
}
