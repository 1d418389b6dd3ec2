#include "media/h264_sps.h"

#include "media/bit_reader.h"

namespace stagecast::media {
namespace {

// Larger pictures than 16384 x 16384 luma samples are not a stream anyone can publish to us;
// the bound also keeps the size arithmetic far from overflow.
constexpr uint32_t kMaxMacroblocksPerSide = 1024;

Error bad(const char* what) { return make_error("invalid_sps", what); }

bool has_chroma_info(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83:
    case 86: case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}

// scaling_list() of 7.3.2.1.1.1: only walked to stay aligned with the fields after it.
bool skip_scaling_list(BitReader& br, int size) {
  int last = 8;
  int next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      auto delta = br.se();
      if (!delta || *delta < -128 || *delta > 127) return false;
      next = (last + *delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

}  // namespace

Bytes h264_unescape_rbsp(ByteSpan nal_payload) {
  Bytes out;
  out.reserve(nal_payload.size());
  int zeros = 0;
  for (uint8_t b : nal_payload) {
    if (zeros >= 2 && b == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = (b == 0) ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

Result<H264SpsInfo> parse_h264_sps(ByteSpan nal) {
  if (nal.size() < 4) return bad("sps too short");
  if (h264_nal_type(nal) != static_cast<uint8_t>(H264NalType::Sps)) return bad("not an sps");
  const Bytes rbsp = h264_unescape_rbsp(nal.subspan(1));
  BitReader br(rbsp);
  H264SpsInfo sps;
  auto profile = br.bits(8);
  auto constraints = br.bits(8);
  auto level = br.bits(8);
  auto sps_id = br.ue();
  if (!profile || !constraints || !level || !sps_id) return bad("truncated sps header");
  if (*sps_id > 31) return bad("sps id out of range");
  sps.profile_idc = static_cast<uint8_t>(*profile);
  sps.constraint_flags = static_cast<uint8_t>(*constraints);
  sps.level_idc = static_cast<uint8_t>(*level);
  sps.sps_id = *sps_id;

  bool separate_colour_plane = false;
  if (has_chroma_info(sps.profile_idc)) {
    auto chroma = br.ue();
    if (!chroma || *chroma > 3) return bad("chroma_format_idc");
    sps.chroma_format_idc = *chroma;
    if (*chroma == 3) {
      auto sep = br.flag();
      if (!sep) return bad("truncated");
      separate_colour_plane = *sep;
    }
    auto depth_luma = br.ue();
    auto depth_chroma = br.ue();
    auto bypass = br.flag();
    auto scaling_present = br.flag();
    if (!depth_luma || !depth_chroma || !bypass || !scaling_present) return bad("truncated");
    if (*depth_luma > 6 || *depth_chroma > 6) return bad("bit depth");
    if (*scaling_present) {
      const int lists = (sps.chroma_format_idc != 3) ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        auto present = br.flag();
        if (!present) return bad("truncated scaling lists");
        if (*present && !skip_scaling_list(br, i < 6 ? 16 : 64)) return bad("scaling list");
      }
    }
  }

  auto log2_max_frame_num = br.ue();
  auto poc_type = br.ue();
  if (!log2_max_frame_num || !poc_type) return bad("truncated");
  if (*log2_max_frame_num > 12 || *poc_type > 2) return bad("frame num / poc type");
  if (*poc_type == 0) {
    auto lsb = br.ue();
    if (!lsb || *lsb > 12) return bad("poc lsb");
  } else if (*poc_type == 1) {
    auto always_zero = br.flag();
    auto non_ref = br.se();
    auto top_bottom = br.se();
    auto cycle = br.ue();
    if (!always_zero || !non_ref || !top_bottom || !cycle) return bad("truncated");
    if (*cycle > 255) return bad("poc cycle");
    for (uint32_t i = 0; i < *cycle; ++i) {
      if (!br.se()) return bad("truncated");
    }
  }
  auto max_refs = br.ue();
  auto gaps = br.flag();
  auto width_mbs = br.ue();
  auto height_units = br.ue();
  auto frame_mbs_only = br.flag();
  if (!max_refs || !gaps || !width_mbs || !height_units || !frame_mbs_only) return bad("truncated");
  if (*width_mbs >= kMaxMacroblocksPerSide || *height_units >= kMaxMacroblocksPerSide) {
    return bad("picture too large");
  }
  sps.frame_mbs_only = *frame_mbs_only;
  if (!sps.frame_mbs_only && !br.skip(1)) return bad("truncated");  // mb_adaptive_frame_field
  if (!br.skip(1)) return bad("truncated");                          // direct_8x8_inference
  auto cropping = br.flag();
  if (!cropping) return bad("truncated");
  uint32_t crop[4] = {0, 0, 0, 0};  // left, right, top, bottom
  if (*cropping) {
    for (auto& c : crop) {
      auto v = br.ue();
      if (!v) return bad("truncated crop");
      c = *v;
    }
  }

  // 7.4.2.1.1: crop units depend on the chroma subsampling and on field coding.
  const int frame_factor = sps.frame_mbs_only ? 1 : 2;
  const uint32_t chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
  int crop_unit_x = 1;
  int crop_unit_y = frame_factor;
  if (chroma_array_type != 0) {
    const int sub_width = chroma_array_type == 3 ? 1 : 2;
    const int sub_height = chroma_array_type == 1 ? 2 : 1;
    crop_unit_x = sub_width;
    crop_unit_y = sub_height * frame_factor;
  }
  const int64_t coded_w = (int64_t{*width_mbs} + 1) * 16;
  const int64_t coded_h = (int64_t{*height_units} + 1) * 16 * frame_factor;
  const int64_t w = coded_w - int64_t{crop_unit_x} * (int64_t{crop[0]} + crop[1]);
  const int64_t h = coded_h - int64_t{crop_unit_y} * (int64_t{crop[2]} + crop[3]);
  if (w <= 0 || h <= 0) return bad("cropping window larger than the picture");
  sps.width = static_cast<int>(w);
  sps.height = static_cast<int>(h);
  return sps;
}

}  // namespace stagecast::media
