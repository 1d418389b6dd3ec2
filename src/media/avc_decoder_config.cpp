#include "media/avc_decoder_config.h"

namespace stagecast::media {
namespace {

Error bad(const char* what) { return make_error("invalid_avc_config", what); }

bool read_parameter_sets(ByteReader& r, size_t count, std::vector<Bytes>& out) {
  for (size_t i = 0; i < count; ++i) {
    auto len = r.u16be();
    if (!len || *len == 0) return false;
    auto body = r.bytes(*len);
    if (!body) return false;
    out.emplace_back(body->begin(), body->end());
  }
  return true;
}

}  // namespace

Result<AvcDecoderConfig> parse_avc_decoder_config(ByteSpan record) {
  ByteReader r(record);
  auto version = r.u8();
  auto profile = r.u8();
  auto compat = r.u8();
  auto level = r.u8();
  auto length_size = r.u8();
  auto num_sps = r.u8();
  if (!version || !profile || !compat || !level || !length_size || !num_sps) {
    return bad("truncated record");
  }
  if (*version != 1) return bad("configurationVersion is not 1");
  AvcDecoderConfig config;
  config.profile_idc = *profile;
  config.profile_compat = *compat;
  config.level_idc = *level;
  config.nal_length_size = static_cast<uint8_t>((*length_size & 0x03) + 1);
  if (config.nal_length_size == 3) return bad("3-byte NAL lengths are not allowed");
  if (!read_parameter_sets(r, *num_sps & 0x1f, config.sps)) return bad("truncated sps");
  auto num_pps = r.u8();
  if (!num_pps) return bad("truncated record");
  if (!read_parameter_sets(r, *num_pps, config.pps)) return bad("truncated pps");
  // The high-profile extension (chroma format, bit depths) may follow; the SPS says the same.
  if (config.sps.empty()) return bad("record without sps");
  auto sps = parse_h264_sps(config.sps.front());
  if (!sps) return sps.error();
  config.sps_info = *sps;
  return config;
}

Bytes build_avc_decoder_config(const AvcDecoderConfig& config) {
  ByteWriter w;
  w.u8(1);
  w.u8(config.profile_idc);
  w.u8(config.profile_compat);
  w.u8(config.level_idc);
  w.u8(0xff);  // reserved bits + lengthSizeMinusOne = 3
  w.u8(static_cast<uint8_t>(0xe0 | (config.sps.size() & 0x1f)));
  for (const auto& s : config.sps) {
    w.u16be(static_cast<uint16_t>(s.size()));
    w.bytes(s);
  }
  w.u8(static_cast<uint8_t>(config.pps.size()));
  for (const auto& p : config.pps) {
    w.u16be(static_cast<uint16_t>(p.size()));
    w.bytes(p);
  }
  return w.take();
}

Result<std::vector<ByteSpan>> split_avcc(ByteSpan access_unit, uint8_t nal_length_size) {
  if (nal_length_size != 1 && nal_length_size != 2 && nal_length_size != 4) {
    return make_error("invalid_avcc", "nal length size");
  }
  std::vector<ByteSpan> nals;
  ByteReader r(access_unit);
  while (!r.empty()) {
    std::optional<uint32_t> len;
    if (nal_length_size == 1) {
      auto v = r.u8();
      if (v) len = *v;
    } else if (nal_length_size == 2) {
      auto v = r.u16be();
      if (v) len = *v;
    } else {
      len = r.u32be();
    }
    if (!len) return make_error("invalid_avcc", "truncated length prefix");
    if (*len == 0) return make_error("invalid_avcc", "empty nal unit");
    auto nal = r.bytes(*len);
    if (!nal) return make_error("invalid_avcc", "nal length runs past the access unit");
    nals.push_back(*nal);
  }
  return nals;
}

Result<Bytes> avcc_to_4byte_lengths(ByteSpan access_unit, uint8_t nal_length_size) {
  auto nals = split_avcc(access_unit, nal_length_size);
  if (!nals) return nals.error();
  ByteWriter w;
  for (ByteSpan nal : *nals) {
    w.u32be(static_cast<uint32_t>(nal.size()));
    w.bytes(nal);
  }
  return w.take();
}

}  // namespace stagecast::media
