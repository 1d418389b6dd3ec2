// The CMAF muxer against a real decoder: headers and fragments built from the fixture's frames
// must read back in ffprobe with the same codecs, geometry and frame count.
#include <gtest/gtest.h>

#include "core/bytes.h"
#include "fixture_media.h"
#include "hls/cmaf_fragment.h"
#include "hls/cmaf_init_segment.h"

namespace stagecast::hls {
namespace {

using test::FixtureMedia;

// Finds the first box of `type` in [data) at the top level; returns its payload.
std::optional<ByteSpan> find_box(ByteSpan data, std::string_view type) {
  ByteReader r(data);
  while (!r.empty()) {
    auto size = r.u32be();
    auto t = r.bytes(4);
    if (!size || !t || *size < 8) return std::nullopt;
    auto payload = r.bytes(*size - 8);
    if (!payload) return std::nullopt;
    if (as_string_view(*t) == type) return payload;
  }
  return std::nullopt;
}

std::optional<ByteSpan> find_path(ByteSpan data, std::initializer_list<std::string_view> path) {
  std::optional<ByteSpan> cur = data;
  for (auto type : path) {
    cur = find_box(*cur, type);
    if (!cur) return std::nullopt;
  }
  return cur;
}

class CmafTest : public ::testing::Test {
 protected:
  const FixtureMedia* media_ = &test::shared_fixture();
};

TEST_F(CmafTest, InitSegmentHasCmafBrandsAndBothSampleEntries) {
  auto init = build_cmaf_init_segment(media_->config);
  ASSERT_TRUE(init.ok()) << init.error().message;
  auto ftyp = find_box(*init, "ftyp");
  ASSERT_TRUE(ftyp);
  EXPECT_EQ(as_string_view(ftyp->subspan(0, 4)), "iso6");
  EXPECT_NE(as_string_view(*ftyp).find("cmfc"), std::string_view::npos);
  EXPECT_TRUE(find_path(*init, {"moov", "mvhd"}));
  EXPECT_TRUE(find_path(*init, {"moov", "mvex", "trex"}));
  auto moov = as_string_view(*find_box(*init, "moov"));
  EXPECT_NE(moov.find("avcC"), std::string_view::npos);
  EXPECT_NE(moov.find("esds"), std::string_view::npos);
  // The avcC box carries the record unchanged.
  const auto& avcc = media_->config.video->avcc;
  EXPECT_NE(moov.find(std::string_view(reinterpret_cast<const char*>(avcc.data()), avcc.size())),
            std::string_view::npos);

  auto layout = cmaf_track_layout(media_->config);
  EXPECT_EQ(layout.video_track_id, 1u);
  EXPECT_EQ(layout.audio_track_id, 2u);
  EXPECT_EQ(layout.audio_timescale, 48000u);
}

TEST_F(CmafTest, RejectsConfigurationWithoutUsableTrack) {
  media::StreamConfig empty;
  EXPECT_FALSE(build_cmaf_init_segment(empty).ok());
  media::StreamConfig broken;
  broken.video = media::VideoConfig{};
  broken.video->avcc = {1, 2};  // truncated record
  EXPECT_FALSE(build_cmaf_init_segment(broken).ok());
}

TEST_F(CmafTest, FragmentDataOffsetsPointAtTheSamples) {
  const auto& f = media_->frames;
  CmafTrackRun video{1, true, 0, {}};
  CmafTrackRun audio{2, false, 0, {}};
  for (const auto& frame : f) {
    if (frame->kind == media::TrackKind::Video && video.samples.size() < 3)
      video.samples.push_back(
          {frame, 3000, static_cast<int32_t>(frame->pts - frame->dts), frame->keyframe});
    if (frame->kind == media::TrackKind::Audio && audio.samples.size() < 2)
      audio.samples.push_back({frame, 1024, 0, true});
  }
  const std::vector<CmafTrackRun> runs{video, audio};
  const Bytes frag = build_cmaf_fragment(7, runs);

  auto mfhd = find_path(frag, {"moof", "mfhd"});
  ASSERT_TRUE(mfhd);
  EXPECT_EQ((*mfhd)[7], 7);  // sequence_number after version/flags

  // Walk each traf's trun and check the first sample of each track sits at data_offset.
  auto moof = find_box(frag, "moof");
  ASSERT_TRUE(moof);
  ByteReader r(*moof);
  int tracks = 0;
  while (!r.empty()) {
    auto size = r.u32be();
    auto type = r.bytes(4);
    auto payload = r.bytes(*size - 8);
    if (as_string_view(*type) != "traf") continue;
    auto trun = find_box(*payload, "trun");
    ASSERT_TRUE(trun);
    EXPECT_EQ((*trun)[0], 1) << "trun version 1 (signed composition offsets)";
    ByteReader t(*trun);
    t.skip(4);
    const uint32_t count = *t.u32be();
    const uint32_t data_offset = *t.u32be();
    const auto& run = runs[static_cast<size_t>(tracks)];
    ASSERT_EQ(count, run.samples.size());
    const auto& first = run.samples.front().frame->data;
    ASSERT_LE(data_offset + first.size(), frag.size());
    EXPECT_TRUE(std::equal(first.begin(), first.end(), frag.begin() + data_offset));
    ++tracks;
  }
  EXPECT_EQ(tracks, 2);
}

TEST_F(CmafTest, InitPlusOneGopDecodesInFfprobe) {
  auto init = build_cmaf_init_segment(media_->config);
  ASSERT_TRUE(init.ok());
  CmafTrackRun video{1, true, 0, {}};
  CmafTrackRun audio{2, false, 0, {}};
  const media::MediaFrame* prev = nullptr;
  media::MediaFramePtr prev_ptr;
  int keyframes = 0;
  for (const auto& frame : media_->frames) {
    if (frame->kind != media::TrackKind::Video) continue;
    if (frame->keyframe && ++keyframes == 2) break;
    if (prev)
      video.samples.push_back({prev_ptr, static_cast<uint32_t>(frame->dts - prev->dts),
                               static_cast<int32_t>(prev->pts - prev->dts), prev->keyframe});
    prev = frame.get();
    prev_ptr = frame;
  }
  video.samples.push_back({prev_ptr, 3000, static_cast<int32_t>(prev->pts - prev->dts), false});
  for (const auto& frame : media_->frames)
    if (frame->kind == media::TrackKind::Audio && frame->dts < 2 * 90000)
      audio.samples.push_back({frame, 1024, 0, true});
  video.base_decode_time = static_cast<uint64_t>(video.samples.front().frame->dts);
  const std::vector<CmafTrackRun> runs{video, audio};
  Bytes file = *init;
  const Bytes frag = build_cmaf_fragment(1, runs);
  file.insert(file.end(), frag.begin(), frag.end());

  test::TempDir dir;
  test::write_file(dir.path() / "gop.mp4", file);
  auto probe = test::run_command(
      "ffprobe -v error -count_frames -show_entries "
      "stream=codec_name,width,height,sample_rate,channels,nb_read_frames -of compact=p=0 " +
      (dir.path() / "gop.mp4").string());
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_NE(probe.output.find("codec_name=h264|width=640|height=360"), std::string::npos)
      << probe.output;
  EXPECT_NE(probe.output.find("nb_read_frames=" + std::to_string(video.samples.size())),
            std::string::npos)
      << probe.output;
  EXPECT_NE(probe.output.find("codec_name=aac"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("sample_rate=48000|channels=2"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("nb_read_frames=" + std::to_string(audio.samples.size())),
            std::string::npos)
      << probe.output;
}

}  // namespace
}  // namespace stagecast::hls
