// Benchmark driver: our ladder on a file, as fast as the machine goes. Demuxes the file with
// libavformat into MediaFrames (as RTMP ingest would hand them over), feeds one Transcoder whose
// rung sinks only count, and prints CPU seconds (user+sys of this process), wall seconds and the
// media duration as one JSON line for run.sh to compare with the ffmpeg command line.
//
// usage: transcode_bench <file> <ladder> <preset> <threads>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

extern "C" {
#include <libavformat/avformat.h>
}

#include "transcode/transcoder.h"

using namespace stagecast;

namespace {

class CountingSink final : public media::MediaSink {
 public:
  void on_config(const media::StreamConfig&) override {}
  void on_frame(const media::MediaFramePtr& f) override {
    if (f->kind == media::TrackKind::Video) bytes += f->data.size();
  }
  void on_discontinuity() override {}
  void on_end() override {}
  std::atomic<uint64_t> bytes{0};
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

int64_t to90k(int64_t t, AVRational tb) { return av_rescale_q(t, tb, AVRational{1, 90'000}); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s <file> <ladder> <preset> <threads>\n", argv[0]);
    return 2;
  }
  auto ladder = transcode::parse_ladder(argv[2]);
  if (!ladder) {
    std::fprintf(stderr, "ladder: %s\n", ladder.error().message.c_str());
    return 2;
  }
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, argv[1], nullptr, nullptr) < 0 ||
      avformat_find_stream_info(fmt, nullptr) < 0) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  const int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (vi < 0) return 1;
  AVStream* vs = fmt->streams[vi];
  media::StreamConfig config;
  media::VideoConfig video;
  video.avcc.assign(vs->codecpar->extradata, vs->codecpar->extradata + vs->codecpar->extradata_size);
  video.width = vs->codecpar->width;
  video.height = vs->codecpar->height;
  video.frame_rate = av_q2d(vs->avg_frame_rate);
  config.video = video;

  WorkerPool pool("bench", static_cast<size_t>(std::stoi(argv[4])), 1'000'000);
  std::vector<std::shared_ptr<CountingSink>> sinks;
  std::mutex mu;
  transcode::TranscoderOptions options;
  options.stream_id = "bench";
  options.ladder = *ladder;
  options.x264_preset = argv[3];
  // The whole file arrives at once: the queues hold it rather than drop rungs.
  options.max_decode_queue = 1'000'000;
  options.rung_queue_soft = 1'000'000;
  options.rung_queue_hard = 1'000'000;
  transcode::Transcoder transcoder(options, pool, [&](const transcode::Rung&) {
    auto s = std::make_shared<CountingSink>();
    std::lock_guard lock(mu);
    sinks.push_back(s);
    return s;
  });

  const double cpu0 = cpu_seconds();
  const auto wall0 = std::chrono::steady_clock::now();
  transcoder.on_config(config);
  AVPacket* pkt = av_packet_alloc();
  int64_t first = AV_NOPTS_VALUE, last = 0;
  uint64_t fed = 0;
  constexpr uint64_t kInFlight = 8;
  while (av_read_frame(fmt, pkt) >= 0) {
    if (pkt->stream_index == vi) {
      auto f = std::make_shared<media::MediaFrame>();
      f->dts = to90k(pkt->dts, vs->time_base);
      f->pts = to90k(pkt->pts, vs->time_base);
      f->keyframe = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
      f->data.assign(pkt->data, pkt->data + pkt->size);
      if (first == AV_NOPTS_VALUE) first = f->dts;
      last = std::max(last, f->pts + to90k(pkt->duration, vs->time_base));
      transcoder.on_frame(std::move(f));
      ++fed;
      // A live source arrives in real time, so the queues stay short; keep a few pictures in
      // flight rather than decoding the whole file ahead into memory.
      while (true) {
        const auto st = transcoder.stats();
        const size_t rungs = std::max<size_t>(1, st.active.size());
        if (st.active.empty() || fed <= st.frames_encoded / rungs + kInFlight) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling costs CPU too
      }
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  transcoder.on_end();
  while (!transcoder.stats().ended) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = cpu_seconds() - cpu0;
  const double media_seconds = static_cast<double>(last - first) / 90'000.0;
  uint64_t bytes = 0;
  for (const auto& s : sinks) bytes += s->bytes;
  const auto stats = transcoder.stats();
  std::printf(
      "{\"cpu_seconds\":%.3f,\"wall_seconds\":%.3f,\"media_seconds\":%.3f,\"rungs\":%zu,"
      "\"frames_encoded\":%llu,\"video_bytes\":%llu,\"dropped\":%zu}\n",
      cpu, wall, media_seconds, sinks.size(), static_cast<unsigned long long>(stats.frames_encoded),
      static_cast<unsigned long long>(bytes), stats.dropped.size());
  avformat_close_input(&fmt);
  return stats.dropped.empty() && stats.failed.empty() ? 0 : 1;
}
