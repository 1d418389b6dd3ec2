#include "hls/cmaf_init_segment.h"

#include <array>

#include "hls/mp4_box_writer.h"

namespace stagecast::hls {
namespace {

constexpr std::array<uint32_t, 9> kUnityMatrix = {0x00010000, 0, 0, 0,         0x00010000,
                                                  0,          0, 0, 0x40000000};
// ISO 639-2/T "und", packed as three 5-bit letters (ISO/IEC 14496-12 8.4.2.3).
constexpr uint16_t kLanguageUndetermined = 0x55C4;

bool usable_video(const media::VideoConfig& v) {
  // configurationVersion 1 and at least the fixed header of the record (ISO/IEC 14496-15 5.3.3.1).
  return v.codec == media::Codec::H264 && v.avcc.size() >= 7 && v.avcc[0] == 1;
}

bool usable_audio(const media::AudioConfig& a) {
  return a.codec == media::Codec::Aac && a.asc.size() >= 2 && a.sample_rate > 0 && a.channels > 0;
}

void write_matrix(ByteWriter& w) {
  for (uint32_t v : kUnityMatrix) w.u32be(v);
}

void write_mvhd(Mp4BoxWriter& b, uint32_t next_track_id) {
  b.begin_full("mvhd", 0, 0);
  auto& w = b.out();
  w.u32be(0);           // creation_time
  w.u32be(0);           // modification_time
  w.u32be(1000);        // timescale: the movie header carries no duration in a fragmented file
  w.u32be(0);           // duration
  w.u32be(0x00010000);  // rate 1.0
  w.u16be(0x0100);      // volume 1.0
  w.zeros(2 + 8);       // reserved
  write_matrix(w);
  w.zeros(24);  // pre_defined
  w.u32be(next_track_id);
  b.end();
}

void write_tkhd(Mp4BoxWriter& b, uint32_t track_id, bool audio, int width, int height) {
  // flags: track_enabled | track_in_movie (CMAF requires an enabled track).
  b.begin_full("tkhd", 0, 0x000003);
  auto& w = b.out();
  w.u32be(0);  // creation_time
  w.u32be(0);  // modification_time
  w.u32be(track_id);
  w.u32be(0);  // reserved
  w.u32be(0);  // duration: unknown, the fragments carry the media
  w.zeros(8);  // reserved
  w.u16be(0);  // layer
  w.u16be(0);  // alternate_group
  w.u16be(audio ? 0x0100 : 0);
  w.u16be(0);  // reserved
  write_matrix(w);
  w.u32be(static_cast<uint32_t>(width) << 16);
  w.u32be(static_cast<uint32_t>(height) << 16);
  b.end();
}

void write_mdhd(Mp4BoxWriter& b, uint32_t timescale) {
  b.begin_full("mdhd", 0, 0);
  auto& w = b.out();
  w.u32be(0);
  w.u32be(0);
  w.u32be(timescale);
  w.u32be(0);
  w.u16be(kLanguageUndetermined);
  w.u16be(0);
  b.end();
}

void write_hdlr(Mp4BoxWriter& b, std::string_view handler, std::string_view name) {
  b.begin_full("hdlr", 0, 0);
  auto& w = b.out();
  w.u32be(0);  // pre_defined
  w.str(handler);
  w.zeros(12);  // reserved
  w.str(name);
  w.u8(0);
  b.end();
}

void write_dinf(Mp4BoxWriter& b) {
  b.begin("dinf");
  b.begin_full("dref", 0, 0);
  b.out().u32be(1);
  b.begin_full("url ", 0, 0x000001);  // media in the same file
  b.end();
  b.end();
  b.end();
}

void write_empty_sample_tables(Mp4BoxWriter& b) {
  for (const char* type : {"stts", "stsc", "stco"}) {
    b.begin_full(type, 0, 0);
    b.out().u32be(0);  // entry_count
    b.end();
  }
  b.begin_full("stsz", 0, 0);
  b.out().u32be(0);  // sample_size
  b.out().u32be(0);  // sample_count
  b.end();
}

void write_avc1(Mp4BoxWriter& b, const media::VideoConfig& v) {
  b.begin("avc1");
  auto& w = b.out();
  w.zeros(6);           // reserved
  w.u16be(1);           // data_reference_index
  w.zeros(2 + 2 + 12);  // pre_defined, reserved, pre_defined
  w.u16be(static_cast<uint16_t>(v.width));
  w.u16be(static_cast<uint16_t>(v.height));
  w.u32be(0x00480000);  // 72 dpi
  w.u32be(0x00480000);
  w.u32be(0);       // reserved
  w.u16be(1);       // frame_count
  w.zeros(32);      // compressorname
  w.u16be(0x0018);  // depth
  w.u16be(0xFFFF);  // pre_defined = -1
  b.begin("avcC");
  w.bytes(v.avcc);
  b.end();
  b.end();
}

// An MPEG-4 descriptor header (ISO/IEC 14496-1 8.3.3): a tag and a size in 7-bit groups.
void write_descriptor_header(ByteWriter& w, uint8_t tag, size_t size) {
  w.u8(tag);
  uint8_t groups[4];
  int n = 0;
  do {
    groups[n++] = static_cast<uint8_t>(size & 0x7F);
    size >>= 7;
  } while (size != 0 && n < 4);
  for (int i = n - 1; i >= 0; --i) w.u8(static_cast<uint8_t>(groups[i] | (i > 0 ? 0x80 : 0)));
}

size_t descriptor_header_size(size_t size) {
  size_t n = 1;
  while (size >= 0x80 && n < 4) {
    size >>= 7;
    ++n;
  }
  return 1 + n;
}

// esds (ISO/IEC 14496-14 5.6) holding the AudioSpecificConfig as DecoderSpecificInfo.
void write_esds(Mp4BoxWriter& b, const media::AudioConfig& a, uint32_t track_id) {
  const size_t dsi = a.asc.size();
  const size_t dcd = 13 + descriptor_header_size(dsi) + dsi;
  const size_t sl = 1;
  const size_t es = 3 + descriptor_header_size(dcd) + dcd + descriptor_header_size(sl) + sl;
  b.begin_full("esds", 0, 0);
  auto& w = b.out();
  write_descriptor_header(w, 0x03, es);  // ES_Descriptor
  w.u16be(static_cast<uint16_t>(track_id));
  w.u8(0);                                // no stream dependence, URL or OCR stream
  write_descriptor_header(w, 0x04, dcd);  // DecoderConfigDescriptor
  w.u8(0x40);                             // objectTypeIndication: MPEG-4 Audio
  w.u8(0x15);                             // streamType audio (0x05) << 2 | upStream 0 | reserved 1
  w.u24be(0);                             // bufferSizeDB
  w.u32be(0);                             // maxBitrate: unknown
  w.u32be(0);                             // avgBitrate: unknown (variable)
  write_descriptor_header(w, 0x05, dsi);  // DecoderSpecificInfo
  w.bytes(a.asc);
  write_descriptor_header(w, 0x06, sl);  // SLConfigDescriptor
  w.u8(0x02);                            // predefined: reserved for MP4 files
  b.end();
}

void write_mp4a(Mp4BoxWriter& b, const media::AudioConfig& a, uint32_t track_id) {
  b.begin("mp4a");
  auto& w = b.out();
  w.zeros(6);
  w.u16be(1);  // data_reference_index
  w.zeros(8);  // reserved
  w.u16be(static_cast<uint16_t>(a.channels));
  w.u16be(16);  // samplesize
  w.u16be(0);   // pre_defined
  w.u16be(0);   // reserved
  // 16.16 fixed point; rates above 65535 Hz do not fit and decoders take the rate from the ASC.
  w.u32be(a.sample_rate <= 0xFFFF ? static_cast<uint32_t>(a.sample_rate) << 16 : 0);
  write_esds(b, a, track_id);
  b.end();
}

void write_video_trak(Mp4BoxWriter& b, const media::VideoConfig& v, uint32_t track_id) {
  b.begin("trak");
  write_tkhd(b, track_id, false, v.width, v.height);
  b.begin("mdia");
  write_mdhd(b, static_cast<uint32_t>(media::kTimescale));
  write_hdlr(b, "vide", "VideoHandler");
  b.begin("minf");
  b.begin_full("vmhd", 0, 0x000001);
  b.out().zeros(8);  // graphicsmode, opcolor
  b.end();
  write_dinf(b);
  b.begin("stbl");
  b.begin_full("stsd", 0, 0);
  b.out().u32be(1);
  write_avc1(b, v);
  b.end();
  write_empty_sample_tables(b);
  b.end();  // stbl
  b.end();  // minf
  b.end();  // mdia
  b.end();  // trak
}

void write_audio_trak(Mp4BoxWriter& b, const media::AudioConfig& a, uint32_t track_id) {
  b.begin("trak");
  write_tkhd(b, track_id, true, 0, 0);
  b.begin("mdia");
  write_mdhd(b, static_cast<uint32_t>(a.sample_rate));
  write_hdlr(b, "soun", "SoundHandler");
  b.begin("minf");
  b.begin_full("smhd", 0, 0);
  b.out().zeros(4);  // balance, reserved
  b.end();
  write_dinf(b);
  b.begin("stbl");
  b.begin_full("stsd", 0, 0);
  b.out().u32be(1);
  write_mp4a(b, a, track_id);
  b.end();
  write_empty_sample_tables(b);
  b.end();
  b.end();
  b.end();
  b.end();
}

void write_trex(Mp4BoxWriter& b, uint32_t track_id) {
  b.begin_full("trex", 0, 0);
  auto& w = b.out();
  w.u32be(track_id);
  w.u32be(1);  // default_sample_description_index
  w.u32be(0);  // default_sample_duration
  w.u32be(0);  // default_sample_size
  w.u32be(0);  // default_sample_flags
  b.end();
}

}  // namespace

CmafTrackLayout cmaf_track_layout(const media::StreamConfig& config) {
  CmafTrackLayout layout;
  uint32_t next = 1;
  if (config.video && usable_video(*config.video)) layout.video_track_id = next++;
  if (config.audio && usable_audio(*config.audio)) {
    layout.audio_track_id = next++;
    layout.audio_timescale = static_cast<uint32_t>(config.audio->sample_rate);
  }
  return layout;
}

Result<Bytes> build_cmaf_init_segment(const media::StreamConfig& config) {
  const CmafTrackLayout layout = cmaf_track_layout(config);
  if (!layout.has_video() && !layout.has_audio()) {
    return make_error("unsupported_config", "no H.264 or AAC track with a usable configuration");
  }
  Mp4BoxWriter b;
  b.begin("ftyp");
  b.out().str("iso6");  // major brand
  b.out().u32be(0);     // minor version
  for (const char* brand : {"iso6", "cmfc", "mp41"}) b.out().str(brand);
  b.end();

  b.begin("moov");
  write_mvhd(b, (layout.has_audio() ? layout.audio_track_id : layout.video_track_id) + 1);
  if (layout.has_video()) write_video_trak(b, *config.video, layout.video_track_id);
  if (layout.has_audio()) write_audio_trak(b, *config.audio, layout.audio_track_id);
  b.begin("mvex");
  if (layout.has_video()) write_trex(b, layout.video_track_id);
  if (layout.has_audio()) write_trex(b, layout.audio_track_id);
  b.end();
  b.end();  // moov
  return b.take();
}

}  // namespace stagecast::hls
