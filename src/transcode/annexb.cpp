#include "transcode/annexb.h"

#include "media/avc_decoder_config.h"

namespace stagecast::transcode {
namespace {

constexpr uint8_t kNalSps = 7;
constexpr uint8_t kNalPps = 8;
constexpr uint8_t kNalAud = 9;

// Index of the first byte after the next start code at or after `from`, or data.size().
size_t next_start(ByteSpan data, size_t from, size_t* code_begin) {
  for (size_t i = from; i + 3 <= data.size(); ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      size_t begin = i;
      while (begin > from && data[begin - 1] == 0) --begin;
      *code_begin = begin;
      return i + 3;
    }
  }
  *code_begin = data.size();
  return data.size();
}

}  // namespace

std::vector<ByteSpan> split_annexb(ByteSpan data) {
  std::vector<ByteSpan> nals;
  size_t code_begin = 0;
  size_t pos = next_start(data, 0, &code_begin);
  while (pos < data.size()) {
    size_t next_code = 0;
    const size_t next = next_start(data, pos, &next_code);
    // A NAL unit ends with its rbsp_stop_one_bit (7.4.2), never a zero byte: zeros before the
    // next start code or at the end are trailing_zero_8bits (B.2).
    size_t end = next_code;
    while (end > pos && data[end - 1] == 0) --end;
    if (end > pos) nals.push_back(data.subspan(pos, end - pos));
    pos = next;
  }
  return nals;
}

Bytes annexb_to_avcc(ByteSpan data) {
  ByteWriter w;
  for (ByteSpan nal : split_annexb(data)) {
    const uint8_t type = nal[0] & 0x1f;
    if (type == kNalSps || type == kNalPps || type == kNalAud) continue;
    w.u32be(static_cast<uint32_t>(nal.size()));
    w.bytes(nal);
  }
  return w.take();
}

Result<Bytes> avcc_record_from_annexb(ByteSpan headers) {
  media::AvcDecoderConfig config;
  for (ByteSpan nal : split_annexb(headers)) {
    const uint8_t type = nal[0] & 0x1f;
    if (type == kNalSps && nal.size() >= 4) {
      if (config.sps.empty()) {
        config.profile_idc = nal[1];
        config.profile_compat = nal[2];
        config.level_idc = nal[3];
      }
      config.sps.emplace_back(nal.begin(), nal.end());
    } else if (type == kNalPps) {
      config.pps.emplace_back(nal.begin(), nal.end());
    }
  }
  if (config.sps.empty() || config.pps.empty())
    return make_error("no_parameter_sets", "the encoder header has no SPS or PPS");
  return media::build_avc_decoder_config(config);
}

}  // namespace stagecast::transcode
