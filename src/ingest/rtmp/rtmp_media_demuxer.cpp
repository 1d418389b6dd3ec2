#include "ingest/rtmp/rtmp_media_demuxer.h"

#include <cmath>

#include "media/aac_config.h"
#include "media/avc_decoder_config.h"
#include "media/flv_tag.h"

namespace stagecast::ingest::rtmp {
namespace {

Error unsupported(std::string what) { return make_error("unsupported_codec", std::move(what)); }

int sane_dimension(std::optional<double> v) {
  if (!v || !std::isfinite(*v) || *v <= 0 || *v > 16384) return 0;
  return static_cast<int>(*v);
}

}  // namespace

Result<void> RtmpMediaDemuxer::set_video_config(ByteSpan record) {
  auto avc = media::parse_avc_decoder_config(record);
  if (!avc) return avc.error();
  media::VideoConfig video;
  video.codec = media::Codec::H264;
  nal_length_size_ = avc->nal_length_size;
  // MediaFrame carries 4-byte NAL lengths; a record announcing shorter ones is rebuilt to match
  // the rewritten frames.
  video.avcc = avc->nal_length_size == 4 ? Bytes(record.begin(), record.end())
                                         : media::build_avc_decoder_config(*avc);
  video.width = avc->sps_info.width;
  video.height = avc->sps_info.height;
  video.profile_idc = avc->profile_idc;
  video.profile_compat = avc->profile_compat;
  video.level_idc = avc->level_idc;
  video.frame_rate = metadata_.frame_rate;
  config_.video = std::move(video);
  config_dirty_ = true;
  return ok_result();
}

Result<void> RtmpMediaDemuxer::set_audio_config(ByteSpan asc) {
  auto aac = media::parse_aac_config(asc);
  if (!aac) return aac.error();
  media::AudioConfig audio;
  audio.codec = media::Codec::Aac;
  audio.asc.assign(asc.begin(), asc.end());
  audio.sample_rate = aac->extension_sample_rate ? aac->extension_sample_rate : aac->sample_rate;
  audio.channels = aac->channels;
  audio.object_type = aac->object_type;
  config_.audio = std::move(audio);
  config_dirty_ = true;
  return ok_result();
}

DemuxedMedia RtmpMediaDemuxer::with_pending_config(media::MediaFramePtr frame) {
  DemuxedMedia out;
  if (config_dirty_) {
    out.config = config_;
    config_dirty_ = false;
  }
  out.frame = std::move(frame);
  return out;
}

Result<DemuxedMedia> RtmpMediaDemuxer::on_video(uint32_t timestamp_ms, ByteSpan body) {
  auto tag = media::parse_flv_video_tag(body);
  if (!tag) return tag.error();
  if (tag->enhanced) return unsupported("enhanced RTMP video (HEVC/AV1) is not supported yet");
  if (tag->codec_id != media::kFlvCodecAvc) {
    return unsupported("video codec id " + std::to_string(tag->codec_id) + " (only H.264)");
  }
  if (tag->frame_type == static_cast<uint8_t>(media::FlvFrameType::Command)) return DemuxedMedia{};
  switch (*tag->avc_packet_type) {
    case media::AvcPacketType::SequenceHeader:
      if (auto r = set_video_config(tag->payload); !r.ok()) return r.error();
      return DemuxedMedia{};
    case media::AvcPacketType::EndOfSequence:
      return DemuxedMedia{};
    case media::AvcPacketType::Nalu:
      break;
  }
  if (!config_.video) return make_error("missing_sequence_header", "H.264 frame before its sequence header");
  if (tag->payload.empty()) return DemuxedMedia{};
  auto frame = std::make_shared<media::MediaFrame>();
  frame->kind = media::TrackKind::Video;
  frame->codec = media::Codec::H264;
  if (nal_length_size_ == 4) {
    // Validate the NAL framing once here so that no sink has to distrust it.
    auto nals = media::split_avcc(tag->payload, 4);
    if (!nals) return nals.error();
    frame->data.assign(tag->payload.begin(), tag->payload.end());
  } else {
    auto rewritten = media::avcc_to_4byte_lengths(tag->payload, nal_length_size_);
    if (!rewritten) return rewritten.error();
    frame->data = std::move(*rewritten);
  }
  frame->keyframe = tag->keyframe();
  frame->dts = timestamps_.map(media::TrackKind::Video, timestamp_ms);
  frame->pts = frame->dts + int64_t{tag->composition_time_ms} * (media::kTimescale / 1000);
  return with_pending_config(std::move(frame));
}

Result<DemuxedMedia> RtmpMediaDemuxer::on_audio(uint32_t timestamp_ms, ByteSpan body) {
  auto tag = media::parse_flv_audio_tag(body);
  if (!tag) return tag.error();
  if (tag->sound_format != media::kFlvSoundFormatAac) {
    return unsupported("audio sound format " + std::to_string(tag->sound_format) + " (only AAC)");
  }
  if (*tag->aac_packet_type == media::AacPacketType::SequenceHeader) {
    if (auto r = set_audio_config(tag->payload); !r.ok()) return r.error();
    return DemuxedMedia{};
  }
  if (!config_.audio) return make_error("missing_sequence_header", "AAC frame before its AudioSpecificConfig");
  if (tag->payload.empty()) return DemuxedMedia{};
  auto frame = std::make_shared<media::MediaFrame>();
  frame->kind = media::TrackKind::Audio;
  frame->codec = media::Codec::Aac;
  frame->keyframe = true;
  frame->data.assign(tag->payload.begin(), tag->payload.end());
  frame->dts = timestamps_.map(media::TrackKind::Audio, timestamp_ms);
  frame->pts = frame->dts;
  return with_pending_config(std::move(frame));
}

void RtmpMediaDemuxer::on_data(const std::vector<AmfValue>& values) {
  size_t i = 0;
  if (i < values.size() && values[i].type == AmfType::String && values[i].string == "@setDataFrame") ++i;
  if (i + 1 >= values.size() || values[i].type != AmfType::String || values[i].string != "onMetaData") {
    return;
  }
  const AmfValue& meta = values[i + 1];
  if (auto fps = meta.number_at("framerate"); fps && std::isfinite(*fps) && *fps > 0 && *fps <= 1000) {
    metadata_.frame_rate = *fps;
    if (config_.video) config_.video->frame_rate = *fps;
  }
  metadata_.width = sane_dimension(meta.number_at("width"));
  metadata_.height = sane_dimension(meta.number_at("height"));
  if (auto v = meta.number_at("videodatarate"); v && std::isfinite(*v) && *v >= 0) metadata_.video_data_rate_kbps = *v;
  if (auto v = meta.number_at("audiodatarate"); v && std::isfinite(*v) && *v >= 0) metadata_.audio_data_rate_kbps = *v;
  if (auto e = meta.string_at("encoder")) metadata_.encoder = e->substr(0, 128);
}

}  // namespace stagecast::ingest::rtmp
