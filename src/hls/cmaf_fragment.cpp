#include "hls/cmaf_fragment.h"

#include "hls/mp4_box_writer.h"

namespace stagecast::hls {
namespace {

constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;
constexpr uint32_t kTfhdDefaultSampleFlags = 0x000020;
constexpr uint32_t kTrunDataOffset = 0x000001;
constexpr uint32_t kTrunSampleDuration = 0x000100;
constexpr uint32_t kTrunSampleSize = 0x000200;
constexpr uint32_t kTrunSampleFlags = 0x000400;
constexpr uint32_t kTrunCompositionOffsets = 0x000800;

}  // namespace

Bytes build_cmaf_fragment(uint32_t sequence_number, std::span<const CmafTrackRun> tracks) {
  size_t payload = 0;
  for (const auto& t : tracks)
    for (const auto& s : t.samples) payload += s.frame->data.size();

  Bytes out;
  out.reserve(payload + 256);
  Mp4BoxWriter b(out);
  b.begin("moof");
  b.begin_full("mfhd", 0, 0);
  b.out().u32be(sequence_number);
  b.end();

  // Each trun's data_offset is relative to the start of the moof; patched once its size is known.
  std::vector<size_t> offset_fields;
  for (const auto& t : tracks) {
    if (t.samples.empty()) continue;
    b.begin("traf");
    // Audio samples are all sync samples: one default instead of a flags field per sample.
    b.begin_full("tfhd", 0, kTfhdDefaultBaseIsMoof | (t.video ? 0 : kTfhdDefaultSampleFlags));
    b.out().u32be(t.track_id);
    if (!t.video) b.out().u32be(kSyncSampleFlags);
    b.end();
    b.begin_full("tfdt", 1, 0);
    b.out().u64be(t.base_decode_time);
    b.end();
    uint32_t flags = kTrunDataOffset | kTrunSampleDuration | kTrunSampleSize;
    if (t.video) flags |= kTrunSampleFlags | kTrunCompositionOffsets;
    b.begin_full("trun", 1, flags);
    b.out().u32be(static_cast<uint32_t>(t.samples.size()));
    offset_fields.push_back(b.size());
    b.out().u32be(0);
    for (const auto& s : t.samples) {
      b.out().u32be(s.duration);
      b.out().u32be(static_cast<uint32_t>(s.frame->data.size()));
      if (t.video) {
        b.out().u32be(s.sync ? kSyncSampleFlags : kNonSyncSampleFlags);
        b.out().u32be(static_cast<uint32_t>(s.composition_offset));
      }
    }
    b.end();  // trun
    b.end();  // traf
  }
  b.end();  // moof
  const size_t moof_size = out.size();

  size_t data_at = moof_size + 8;
  size_t field = 0;
  for (const auto& t : tracks) {
    if (t.samples.empty()) continue;
    b.out().patch_u32be(offset_fields[field++], static_cast<uint32_t>(data_at));
    for (const auto& s : t.samples) data_at += s.frame->data.size();
  }

  b.begin("mdat");
  for (const auto& t : tracks)
    for (const auto& s : t.samples) b.out().bytes(s.frame->data);
  b.end();
  return out;
}

}  // namespace stagecast::hls
