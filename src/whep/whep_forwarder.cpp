#include "whep/whep_forwarder.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "media/avc_decoder_config.h"
#include "rtc/h264_payload_info.h"

namespace stagecast::whep {

namespace asio = boost::asio;

WhepForwarder::WhepForwarder(std::string stream_id, asio::io_context& port_io,
                             OpusEncoderFactory opus)
    : stream_id_(std::move(stream_id)), io_(port_io), opus_factory_(std::move(opus)) {}

WhepForwarder::~WhepForwarder() = default;

void WhepForwarder::on_config(const media::StreamConfig& config) {
  if (config.audio && config.audio->codec == media::Codec::Aac && opus_factory_) {
    std::lock_guard lock(mu_);
    if (!native_opus_ && (!opus_ || asc_ != config.audio->asc)) {
      std::weak_ptr<WhepForwarder> weak = weak_from_this();
      asio::io_context& io = io_;
      opus_ = opus_factory_(*config.audio, [weak, &io](media::MediaFramePtr opus) {
        auto unit = std::make_shared<AudioUnit>();
        unit->payload = opus->data;
        // The 90 kHz pts on RTP's 48 kHz clock for Opus (RFC 7587 4.1).
        unit->timestamp = static_cast<uint32_t>(opus->pts * 48'000 / media::kTimescale);
        asio::post(io, [weak, unit = AudioUnitPtr(std::move(unit))] {
          if (auto self = weak.lock()) self->deliver_audio(unit);
        });
      });
      asc_ = config.audio->asc;
    }
  }
  if (!config.video || config.video->codec != media::Codec::H264) return;
  rtp_video_ = config.video->rtp_forwarded;
  auto record = media::parse_avc_decoder_config(config.video->avcc);
  if (!record) {
    spdlog::warn("whep {}: the video configuration does not parse: {}", stream_id_,
                 record.error().message);
    return;
  }
  auto sets = std::make_shared<rtc::H264ParameterSets>();
  sets->sps = record->sps;
  sets->pps = record->pps;
  std::lock_guard lock(mu_);
  sets_ = std::move(sets);
}

void WhepForwarder::on_frame(const media::MediaFramePtr& frame) {
  if (frame->kind == media::TrackKind::Audio) {
    std::shared_ptr<OpusEncoderStage> opus;
    {
      std::lock_guard lock(mu_);
      opus = opus_;
    }
    if (opus && frame->codec == media::Codec::Aac) opus->push(frame);
    return;
  }
  if (frame->codec != media::Codec::H264 || rtp_video_) return;
  std::shared_ptr<const rtc::H264ParameterSets> sets;
  {
    std::lock_guard lock(mu_);
    sets = sets_;
  }
  if (!sets) return;  // nothing a viewer could decode yet
  auto payloads = rtc::packetize_h264(frame->data, *sets);
  if (!payloads || payloads->empty()) return;
  if (have_last_ && frame->pts < last_pts_ && !discontinuity_ && !warned_reordered_) {
    warned_reordered_ = true;
    spdlog::warn("whep {}: the video has B-frames; WebRTC viewers get them in decode order",
                 stream_id_);
  }
  last_pts_ = frame->pts;
  auto unit = std::make_shared<VideoUnit>();
  unit->payloads = std::move(*payloads);
  // Decode order is what a WebRTC receiver renders in: stamp by decode time.
  unit->timestamp = static_cast<uint32_t>(continuous_time(frame->dts));
  unit->keyframe = frame->keyframe;
  post_video(std::move(unit));
}

void WhepForwarder::on_video_rtp(const media::VideoRtpPacketPtr& packet) {
  if (!rtp_video_) return;
  auto unit = std::make_shared<VideoUnit>();
  if (packet->keyframe && !rtc::inspect_h264_payload(packet->payload).sps) {
    std::lock_guard lock(mu_);
    if (sets_) unit->payloads = rtc::packetize_parameter_sets(*sets_);
  }
  unit->payloads.push_back(packet->payload);
  unit->timestamp = static_cast<uint32_t>(continuous_time(packet->time));
  unit->keyframe = packet->keyframe;
  unit->ends_frame = packet->marker;
  unit->after_loss = packet->after_loss;
  unit->forwarded = true;
  post_video(std::move(unit));
}

int64_t WhepForwarder::continuous_time(int64_t time) {
  if (discontinuity_ && have_last_) {
    shift_ = last_output_ + frame_ticks_ - time;
    discontinuity_ = false;
  }
  const int64_t output = time + shift_;
  if (have_last_ && output > last_output_ && output - last_output_ < 90'000) {
    frame_ticks_ = output - last_output_;
  }
  have_last_ = true;
  last_output_ = output;
  return output;
}

void WhepForwarder::post_video(std::shared_ptr<VideoUnit> unit) {
  asio::post(io_, [self = shared_from_this(), unit = VideoUnitPtr(std::move(unit))] {
    self->deliver(unit);
  });
}

void WhepForwarder::on_opus(const media::MediaFramePtr& opus) {
  {
    std::lock_guard lock(mu_);
    if (!native_opus_) {
      // From now on the publisher's Opus goes out as it came: no AAC to Opus encoding.
      native_opus_ = true;
      opus_.reset();
      spdlog::info("whep {}: the publisher's Opus goes to WebRTC viewers as it came", stream_id_);
    }
  }
  auto unit = std::make_shared<AudioUnit>();
  unit->payload = opus->data;
  unit->timestamp = static_cast<uint32_t>(opus->pts * 48'000 / media::kTimescale);
  asio::post(io_, [self = shared_from_this(), unit = AudioUnitPtr(std::move(unit))] {
    self->deliver_audio(unit);
  });
}

void WhepForwarder::on_discontinuity() {
  discontinuity_ = true;
}

void WhepForwarder::on_end() {
  asio::post(io_, [self = shared_from_this()] { self->end_sessions(); });
}

void WhepForwarder::add(std::shared_ptr<WhepSession> session) {
  if (ended_) {
    session->stop("stream_ended");
    return;
  }
  // A new viewer follows us; one switching here from another rendition was told to already.
  if (!session->source()) session->follow(this);
  const std::string id = session->id();
  sessions_[id] = std::move(session);
}

void WhepForwarder::remove(const std::string& session_id) {
  sessions_.erase(session_id);
}

void WhepForwarder::deliver(const VideoUnitPtr& unit) {
  // A session may end (and be removed) while we walk: walk a snapshot of the pointers.
  std::vector<std::shared_ptr<WhepSession>> targets;
  targets.reserve(sessions_.size());
  for (auto& [id, s] : sessions_) targets.push_back(s);
  for (auto& s : targets) s->send_video(unit, this);
}

void WhepForwarder::deliver_audio(const AudioUnitPtr& unit) {
  std::vector<std::shared_ptr<WhepSession>> targets;
  targets.reserve(sessions_.size());
  for (auto& [id, s] : sessions_) targets.push_back(s);
  for (auto& s : targets) s->send_audio(unit, this);
}

void WhepForwarder::end_sessions() {
  if (ended_) return;
  ended_ = true;
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, s] : sessions) s->stop("stream_ended");
  {
    std::lock_guard lock(mu_);
    opus_.reset();
  }
  if (on_stream_end) on_stream_end();
}

}  // namespace stagecast::whep
