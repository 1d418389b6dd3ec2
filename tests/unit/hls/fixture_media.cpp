#include "fixture_media.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

#include "hls/hls_names.h"

namespace stagecast::hls::test {

std::string fixture_path() {
  return std::string(STAGECAST_TEST_DATA) + "/hls/source.mp4";
}

const FixtureMedia& shared_fixture() {
  static const FixtureMedia media = load_fixture(fixture_path());
  return media;
}

FixtureMedia load_fixture(const std::string& path, bool round_to_ms) {
  AVFormatContext* ctx = nullptr;
  if (avformat_open_input(&ctx, path.c_str(), nullptr, nullptr) < 0)
    throw std::runtime_error("cannot open " + path);
  if (avformat_find_stream_info(ctx, nullptr) < 0) {
    avformat_close_input(&ctx);
    throw std::runtime_error("no stream info in " + path);
  }
  FixtureMedia out;
  int video_index = -1;
  int audio_index = -1;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVCodecParameters* par = ctx->streams[i]->codecpar;
    const Bytes extra(par->extradata, par->extradata + par->extradata_size);
    if (par->codec_id == AV_CODEC_ID_H264 && video_index < 0) {
      video_index = static_cast<int>(i);
      media::VideoConfig v;
      v.avcc = extra;
      v.width = par->width;
      v.height = par->height;
      if (extra.size() > 3) {
        v.profile_idc = extra[1];
        v.profile_compat = extra[2];
        v.level_idc = extra[3];
      }
      v.frame_rate = av_q2d(ctx->streams[i]->avg_frame_rate);
      out.config.video = v;
    } else if (par->codec_id == AV_CODEC_ID_AAC && audio_index < 0) {
      audio_index = static_cast<int>(i);
      media::AudioConfig a;
      a.asc = extra;
      a.sample_rate = par->sample_rate;
      a.channels = par->ch_layout.nb_channels;
      a.object_type = extra.empty() ? 2 : static_cast<uint8_t>(extra[0] >> 3);
      out.config.audio = a;
    }
  }

  std::vector<media::MediaFrame> frames;
  AVPacket* pkt = av_packet_alloc();
  while (av_read_frame(ctx, pkt) >= 0) {
    const int si = pkt->stream_index;
    if (si == video_index || si == audio_index) {
      const AVRational tb = ctx->streams[si]->time_base;
      const AVRational k90 = {1, 90000};
      media::MediaFrame f;
      f.kind = si == video_index ? media::TrackKind::Video : media::TrackKind::Audio;
      f.codec = si == video_index ? media::Codec::H264 : media::Codec::Aac;
      const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
      const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
      f.dts = av_rescale_q(dts, tb, k90);
      f.pts = av_rescale_q(pts, tb, k90);
      f.keyframe = si == video_index ? (pkt->flags & AV_PKT_FLAG_KEY) != 0 : true;
      f.data.assign(pkt->data, pkt->data + pkt->size);
      frames.push_back(std::move(f));
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ctx);

  std::stable_sort(frames.begin(), frames.end(),
                   [](const auto& a, const auto& b) { return a.dts < b.dts; });
  const int64_t base = frames.empty() ? 0 : frames.front().dts;
  for (auto& f : frames) {
    f.dts -= base;
    f.pts -= base;
    if (round_to_ms) {
      // FLV carries dts and the composition offset in whole milliseconds.
      const int64_t cto_ms = (f.pts - f.dts) / 90;
      f.dts = f.dts / 90 * 90;
      f.pts = f.dts + cto_ms * 90;
    }
    if (f.kind == media::TrackKind::Video)
      ++out.video_frames;
    else
      ++out.audio_frames;
    out.frames.push_back(std::make_shared<const media::MediaFrame>(std::move(f)));
  }
  if (!out.frames.empty()) {
    const double fps = out.config.video ? out.config.video->frame_rate : 30.0;
    out.duration = out.frames.back()->dts + static_cast<int64_t>(90000 / fps);
  }
  return out;
}

media::MediaFramePtr shifted(const media::MediaFramePtr& frame, int64_t offset) {
  auto copy = std::make_shared<media::MediaFrame>(*frame);
  copy->dts += offset;
  copy->pts += offset;
  return copy;
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("stagecast-hls-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string to_string(const SharedBytes& bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

size_t write_rendition(const RenditionStore& store, const std::string& stream,
                       const std::string& rendition, const std::filesystem::path& dir) {
  const std::string playlist = to_string(store.media_playlist(stream, rendition));
  if (playlist.empty()) return 0;
  std::filesystem::create_directories(dir);
  write_file(dir / "index.m3u8", Bytes(playlist.begin(), playlist.end()));
  size_t written = 1;
  std::set<std::string> uris;
  static const std::regex quoted(R"re(URI="([^"]+)")re");
  std::istringstream lines(playlist);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] != '#') {
      uris.insert(line);
      continue;
    }
    if (line.starts_with("#EXT-X-PRELOAD-HINT") || line.starts_with("#EXT-X-RENDITION-REPORT"))
      continue;
    for (std::sregex_iterator it(line.begin(), line.end(), quoted), end; it != end; ++it)
      uris.insert((*it)[1]);
  }
  for (const auto& uri : uris) {
    auto name = parse_resource_name(uri);
    if (!name) continue;
    SharedBytes bytes;
    switch (name->kind) {
      case ResourceName::Kind::Init:
        bytes = store.init_segment(stream, rendition, name->init_version);
        break;
      case ResourceName::Kind::Segment:
        bytes = store.segment(stream, rendition, name->msn);
        break;
      case ResourceName::Kind::Part:
        bytes = store.part(stream, rendition, PartRef{name->msn, name->part});
        break;
      case ResourceName::Kind::MediaPlaylist:
        break;
    }
    if (!bytes) continue;
    write_file(dir / uri, *bytes);
    ++written;
  }
  return written;
}

}  // namespace stagecast::hls::test
