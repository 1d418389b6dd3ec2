#include "rtc/h264_packetizer.h"

#include <algorithm>

#include "rtc/h264_nal.h"

namespace stagecast::rtc {
namespace {

using namespace h264;

uint8_t nal_type(ByteSpan nal) {
  return nal[0] & 0x1F;
}

void append_nal(std::vector<Bytes>& out, ByteSpan nal, size_t max_payload) {
  if (nal.size() <= max_payload) {
    out.emplace_back(nal.begin(), nal.end());
    return;
  }
  const uint8_t indicator = static_cast<uint8_t>((nal[0] & 0xE0) | kFuA);
  const uint8_t type = nal_type(nal);
  ByteSpan rest = nal.subspan(1);  // the NAL header travels in the FU indicator and header
  const size_t chunk = max_payload - 2;
  bool first = true;
  while (!rest.empty()) {
    const size_t n = std::min(chunk, rest.size());
    const bool last = n == rest.size();
    Bytes p;
    p.reserve(2 + n);
    p.push_back(indicator);
    p.push_back(static_cast<uint8_t>((first ? 0x80 : 0) | (last ? 0x40 : 0) | type));
    p.insert(p.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
    out.push_back(std::move(p));
    rest = rest.subspan(n);
    first = false;
  }
}

// One STAP-A of the parameter sets, or each on its own when together they do not fit.
void append_parameter_sets(std::vector<Bytes>& out, const H264ParameterSets& sets,
                           size_t max_payload) {
  std::vector<ByteSpan> nals;
  for (const auto& s : sets.sps) nals.emplace_back(s);
  for (const auto& p : sets.pps) nals.emplace_back(p);
  size_t total = 1;
  uint8_t nri = 0;
  for (ByteSpan n : nals) {
    if (n.empty()) return;
    total += 2 + n.size();
    nri = std::max<uint8_t>(nri, n[0] & 0x60);
  }
  if (nals.empty()) return;
  if (total > max_payload || nals.size() == 1) {
    for (ByteSpan n : nals) append_nal(out, n, max_payload);
    return;
  }
  Bytes stap;
  stap.reserve(total);
  ByteWriter w(stap);
  w.u8(static_cast<uint8_t>(nri | kStapA));
  for (ByteSpan n : nals) {
    w.u16be(static_cast<uint16_t>(n.size()));
    w.bytes(n);
  }
  out.push_back(std::move(stap));
}

}  // namespace

std::vector<Bytes> packetize_parameter_sets(const H264ParameterSets& sets, size_t max_payload) {
  std::vector<Bytes> out;
  append_parameter_sets(out, sets, std::max<size_t>(max_payload, 16));
  return out;
}

Result<std::vector<Bytes>> packetize_h264(ByteSpan access_unit, const H264ParameterSets& sets,
                                          size_t max_payload) {
  max_payload = std::max<size_t>(max_payload, 16);
  std::vector<ByteSpan> nals;
  ByteReader r(access_unit);
  bool idr = false;
  bool has_sps = false;
  bool has_pps = false;
  while (!r.empty()) {
    const auto length = r.u32be();
    if (!length || *length > r.remaining()) {
      return make_error("h264_malformed", "a NAL unit length runs past the access unit");
    }
    const ByteSpan nal = r.rest().first(*length);
    r.skip(*length);
    if (nal.empty()) continue;
    const uint8_t type = nal_type(nal);
    // Types 0 and 24..31 are unspecified in H.264 and are RTP's own aggregation and fragment
    // types in RFC 6184: sent as they are they would be taken apart as such by the receiver.
    if (type == kNalAud || type == kNalFiller || type == 0 || type >= kStapA) continue;
    idr = idr || type == kNalIdr;
    has_sps = has_sps || type == kNalSps;
    has_pps = has_pps || type == kNalPps;
    nals.push_back(nal);
  }
  std::vector<Bytes> out;
  if (idr && !(has_sps && has_pps)) append_parameter_sets(out, sets, max_payload);
  for (ByteSpan nal : nals) append_nal(out, nal, max_payload);
  return out;
}

}  // namespace stagecast::rtc
