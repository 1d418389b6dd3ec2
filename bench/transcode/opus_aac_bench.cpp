// Benchmark driver: OpusToAac on an Ogg/WebM Opus file, as fast as the machine goes. Each Opus
// packet becomes a MediaFrame (pts on the 90 kHz clock, as the WHIP ingest hands them over) and
// goes through `streams` converters at once on a pool of `threads`; prints CPU seconds
// (user+sys of this process), wall seconds and the media duration as one JSON line, so
// opus_aac.sh can compare it with the ffmpeg command line doing the same conversion.
//
// usage: opus_aac_bench <file> <streams> <threads>

#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "transcode/opus_to_aac.h"

using namespace stagecast;

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <file> <streams> <threads>\n", argv[0]);
    return 2;
  }
  const int streams = std::stoi(argv[2]);
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, argv[1], nullptr, nullptr) < 0 ||
      avformat_find_stream_info(fmt, nullptr) < 0) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  const int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (ai < 0 || fmt->streams[ai]->codecpar->codec_id != AV_CODEC_ID_OPUS) return 1;
  const AVRational tb = fmt->streams[ai]->time_base;
  std::vector<media::MediaFramePtr> packets;
  AVPacket* pkt = av_packet_alloc();
  while (av_read_frame(fmt, pkt) >= 0) {
    if (pkt->stream_index == ai && pkt->pts != AV_NOPTS_VALUE) {
      auto f = std::make_shared<media::MediaFrame>();
      f->kind = media::TrackKind::Audio;
      f->codec = media::Codec::Opus;
      f->pts = f->dts = av_rescale_q(pkt->pts, tb, AVRational{1, 90'000});
      f->data.assign(pkt->data, pkt->data + pkt->size);
      packets.push_back(std::move(f));
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
  if (packets.empty()) return 1;

  WorkerPool pool("bench", static_cast<size_t>(std::stoi(argv[3])), 1'000'000);
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
  uint64_t frames = 0, bytes = 0;
  std::vector<std::unique_ptr<transcode::OpusToAac>> convs;
  for (int i = 0; i < streams; ++i) {
    transcode::AacOutput out;
    out.on_frame = [&](const media::MediaFramePtr& f) {
      std::lock_guard lock(mu);
      ++frames;
      bytes += f->data.size();
    };
    out.on_finished = [&] {
      std::lock_guard lock(mu);
      ++finished;
      cv.notify_all();
    };
    transcode::OpusToAacOptions options;
    options.stream_id = "bench" + std::to_string(i);
    options.max_queue = packets.size();  // the whole file arrives at once: queue, don't drop
    convs.push_back(std::make_unique<transcode::OpusToAac>(options, pool, out));
  }
  const double cpu0 = cpu_seconds();
  const auto wall0 = std::chrono::steady_clock::now();
  for (const auto& p : packets)
    for (auto& c : convs) c->push(p);
  for (auto& c : convs) c->finish();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return finished == streams; });
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = cpu_seconds() - cpu0;
  const double media_seconds =
      static_cast<double>(packets.back()->pts - packets.front()->pts) / 90'000.0;
  std::printf(
      "{\"cpu_seconds\":%.3f,\"wall_seconds\":%.3f,\"media_seconds\":%.3f,\"streams\":%d,"
      "\"aac_frames\":%llu,\"aac_kbps\":%.1f}\n",
      cpu, wall, media_seconds, streams, static_cast<unsigned long long>(frames),
      static_cast<double>(bytes) * 8 / 1000 / media_seconds / streams);
  return 0;
}
