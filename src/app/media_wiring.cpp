#include "app/media_wiring.h"

#include <spdlog/spdlog.h>

#include "app/thumbnail_archive.h"
#include "platform/stream_key.h"

namespace stagecast::app {

MediaWiring::MediaWiring(platform::PlatformServices& platform, WorkerPool& workers,
                         hls::RenditionStore& hls, MetricsRegistry& metrics, const Clock& clock,
                         MediaWiringOptions options)
    : platform_(platform),
      workers_(workers),
      hls_(hls),
      metrics_(metrics),
      clock_(clock),
      options_(options) {
  if (options_.transcode) {
    transcode_pool_ = std::make_unique<WorkerPool>("transcode", options_.transcode_threads);
    transcode_metrics_.rungs_dropped =
        &metrics_.counter("stagecast_transcode_rungs_dropped_total",
                          "ABR rungs dropped because the transcoder fell behind (lowest first)");
    transcode_metrics_.rung_errors = &metrics_.counter(
        "stagecast_transcode_rung_errors_total", "ABR rungs ended by a decoder or encoder error");
    transcode_metrics_.frames_encoded = &metrics_.counter(
        "stagecast_transcode_frames_encoded_total", "Video frames encoded for ABR rungs");
    transcode_metrics_.active_rungs =
        &metrics_.gauge("stagecast_transcode_active_rungs", "ABR rungs being encoded");
  }
  if (options_.thumbnails) {
    thumbnail_pool_ = std::make_unique<WorkerPool>("thumbnail", 1, 64);
    thumbnail_metrics_.made =
        &metrics_.counter("stagecast_thumbnails_total", "Live thumbnails made (JPEG)");
    thumbnail_metrics_.failed =
        &metrics_.counter("stagecast_thumbnail_errors_total", "Key frames that gave no thumbnail");
    thumbnail_metrics_.skipped_busy =
        &metrics_.counter("stagecast_thumbnails_skipped_total",
                          "Key frames skipped: the stream's previous thumbnail was being made");
  }
}

void MediaWiring::authorize(const ingest::PublishRequest& request,
                            std::function<void(Result<ingest::PublishGrant>)> done) {
  auto job = [this, request, done]() {
    const std::string& key = request.stream_name;
    Result<std::string> id = make_error("unauthorized", "the credentials are not valid");
    if (request.protocol == "whip" && !platform::looks_like_stream_key(key)) {
      // The Studio publishes with its owner's session token instead of the stream key.
      auto identity = platform_.accounts().authenticate(key);
      if (identity) id = platform_.streams().authorize_owner_publish(*identity, request.stream_id);
    } else {
      id = platform_.streams().authorize_publish(key);
    }
    if (id && request.protocol == "whip" && *id != request.stream_id) {
      id = make_error("unauthorized", "the stream key belongs to another stream");
    }
    if (!id) {
      const std::string& code = id.error().code;
      std::string mapped = code == "unauthorized"          ? "invalid_key"
                           : code == "artist_not_verified" ? "not_allowed"
                           : code == "not_owner"           ? "not_allowed"
                           : code == "stream_ended"        ? "stream_ended"
                           : code == "not_found"           ? "not_found"
                                                           : "unavailable";
      done(make_error(mapped, id.error().message));
      return;
    }
    auto view = platform_.streams().get(nullptr, *id);
    if (view) {
      std::lock_guard lock(mu_);
      const auto now = clock_.steady_now();
      std::erase_if(access_, [&](const auto& entry) {
        return entry.second.ended_at && now - *entry.second.ended_at > options_.linger_after_end;
      });
      access_[*id] =
          Access{view->stream.artist_id, view->stream.visibility == store::Visibility::kPublic,
                 view->stream.transcode, view->stream.record, std::nullopt};
    }
    done(ingest::PublishGrant{*id});
  };
  if (!workers_.post(job)) done(make_error("unavailable", "the server is busy"));
}

void MediaWiring::on_stream_live(const std::string& stream_id,
                                 std::shared_ptr<media::StreamHub> hub) {
  hls::LlHlsConfig config;
  config.stream_id = stream_id;
  config.rendition = "source";
  config.segment_target = options_.segment_target;
  config.part_target = options_.part_target;
  config.window_segments = options_.window_segments;
  config.part_hold_back_percent = options_.part_hold_back_percent;
  config.delta_updates = options_.delta_updates;
  // Media sequence numbers start at 1, not 0 (RFC 8216bis 4.4.3.2 allows any start): hls.js 1.5
  // sends its first blocking reload only once the playlist's last segment number is non-zero
  // (`details.endSN && ...`); with a first segment numbered 0, a fan who joins in the stream's
  // first segment waits a whole target duration for the next playlist and stalls (docs/hls.md).
  config.first_media_sequence = 1;
  // One wall-clock anchor for every rendition's EXT-X-PROGRAM-DATE-TIME (the rungs copy config).
  config.date_anchor = std::make_shared<hls::ProgramDateTimeAnchor>();
  hls_.open_rendition(stream_id, config.rendition);
  if (recorder_) {
    bool record = true;
    {
      std::lock_guard lock(mu_);
      auto it = access_.find(stream_id);
      record = it == access_.end() || it->second.record;
    }
    // Before the packager exists: the recorder sees the stream's first CMAF header and segment.
    if (record) recorder_->start(stream_id);
  }
  auto packager = std::make_shared<hls::LlHlsPackager>(config, hls_, clock_);
  {
    std::lock_guard lock(mu_);
    packagers_[stream_id] = packager;
  }
  hub->add_sink(packager);
  bool transcode = transcode_pool_ != nullptr;
  if (transcode) {
    std::lock_guard lock(mu_);
    auto it = access_.find(stream_id);
    transcode = it == access_.end() || it->second.transcode;
  }
  if (transcode) {
    transcode::TranscoderOptions to;
    to.stream_id = stream_id;
    to.ladder = options_.transcode_ladder;
    to.x264_preset = options_.transcode_preset;
    to.on_rung_withdrawn = [this, stream_id](const transcode::Rung& rung) {
      hls_.withdraw_rendition(stream_id, rung.name);
      std::lock_guard lock(mu_);
      if (auto it = rung_hubs_.find(stream_id); it != rung_hubs_.end()) {
        std::erase_if(it->second, [&](const RungHub& r) { return r.name == rung.name; });
      }
    };
    // Rung packagers are created (on the transcode pool) once the source resolution is known;
    // each follows its rung's own hub, which WebRTC viewers may follow too.
    auto make_rung_sink = [this, config, stream_id](const transcode::Rung& rung) {
      hls::LlHlsConfig rc = config;
      rc.rendition = rung.name;
      auto rung_hub = std::make_shared<media::StreamHub>(stream_id);
      rung_hub->add_sink(std::make_shared<hls::LlHlsPackager>(rc, hls_, clock_));
      {
        std::lock_guard lock(mu_);
        auto& hubs = rung_hubs_[stream_id];
        hubs.push_back(RungHub{rung.name, rung.height, rung.bitrate, rung_hub});
        std::sort(hubs.begin(), hubs.end(),
                  [](const RungHub& a, const RungHub& b) { return a.height > b.height; });
      }
      return std::make_shared<media::HubFeed>(rung_hub);
    };
    auto transcoder = std::make_shared<transcode::Transcoder>(to, *transcode_pool_, make_rung_sink,
                                                              transcode_metrics_);
    {
      std::lock_guard lock(mu_);
      transcoders_[stream_id] = transcoder;
    }
    hub->add_sink(transcoder);
  }
  if (thumbnail_pool_ && thumbnail_store_) {
    transcode::ThumbnailSinkOptions tho;
    tho.stream_id = stream_id;
    tho.interval_90k = options_.thumbnail_interval.count() * media::kTimescale;
    tho.jpeg.width = options_.thumbnail_width;
    tho.jpeg.quality = options_.thumbnail_quality;
    auto* store = thumbnail_store_;
    hub->add_sink(std::make_shared<transcode::ThumbnailSink>(
        tho, *thumbnail_pool_, clock_,
        [store](const std::string& id, media::ThumbnailPtr picture) {
          store->put(id, std::move(picture));
        },
        thumbnail_metrics_));
  }
  metrics_.gauge("stagecast_live_streams", "Streams with a publisher or in their grace period")
      .add(1);
  workers_.post([this, stream_id] {
    if (auto r = platform_.streams().mark_live(stream_id); !r) {
      spdlog::warn("stream {}: marking LIVE failed: {}", stream_id, r.error().message);
    }
  });
}

void MediaWiring::on_stream_resumed(const std::string& stream_id,
                                    std::shared_ptr<media::StreamHub>) {
  workers_.post([this, stream_id] {
    if (auto r = platform_.streams().mark_resumed(stream_id); !r) {
      spdlog::warn("stream {}: marking resumed failed: {}", stream_id, r.error().message);
    }
  });
}

void MediaWiring::on_stream_ended(const std::string& stream_id, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    packagers_.erase(stream_id);
    // The hub already ended it; the rung packagers end once their queues drain.
    transcoders_.erase(stream_id);
    rung_hubs_.erase(stream_id);
    if (auto it = access_.find(stream_id); it != access_.end())
      it->second.ended_at = clock_.steady_now();
  }
  hls_.retire_stream(stream_id, options_.linger_after_end);
  if (thumbnail_pool_ && thumbnail_store_ && !options_.thumbnail_dir.empty()) {
    // On the thumbnail pool (one thread): after the stream's last picture, if one is in flight.
    thumbnail_pool_->post([this, stream_id] {
      if (auto pic = thumbnail_store_->get(stream_id)) {
        save_thumbnail(options_.thumbnail_dir, stream_id, *pic, options_.thumbnails_kept);
      }
    });
  }
  // The recording finishes once the renditions have ended (the rungs drain their encoders).
  if (recorder_) recorder_->stop(stream_id);
  metrics_.gauge("stagecast_live_streams", "Streams with a publisher or in their grace period")
      .add(-1);
  if (reason == "ended") return;  // the API's end action already marked it ENDED
  workers_.post([this, stream_id, reason] {
    auto r = platform_.streams().mark_ended(stream_id, reason);
    if (!r && r.error().code != "stream_ended") {
      spdlog::warn("stream {}: marking ENDED failed: {}", stream_id, r.error().message);
    }
  });
}

void MediaWiring::ended(const store::LiveStream& stream, std::string_view reason) {
  // The owner ended the stream (or ingest did, and this is the echo): stop the publisher.
  if (registry_ && reason.starts_with("ended_by") && registry_->is_live(stream.id)) {
    registry_->end_stream(stream.id, "ended");
  }
}

whep::RealtimeLadder MediaWiring::realtime_ladder(const std::string& stream_id,
                                                  std::shared_ptr<media::StreamHub> source) const {
  whep::RealtimeLadder ladder;
  if (!source) return ladder;
  if (!source->reorders()) ladder.push_back({"source", 0, source});
  std::lock_guard lock(mu_);
  if (auto it = rung_hubs_.find(stream_id); it != rung_hubs_.end()) {
    for (const RungHub& r : it->second) ladder.push_back({r.name, r.bitrate, r.hub});
  }
  return ladder;
}

std::optional<MediaWiring::PlaybackAccess> MediaWiring::playback_access(
    const std::string& stream_id, std::optional<std::string_view> token) const {
  std::string artist_id;
  bool anyone = false;
  {
    std::lock_guard lock(mu_);
    auto it = access_.find(stream_id);
    if (it != access_.end()) {
      artist_id = it->second.artist_id;
      anyone = options_.anonymous_public && it->second.is_public;
    }
  }
  const auto anonymous = [&]() -> std::optional<PlaybackAccess> {
    if (anyone) return PlaybackAccess{};
    return std::nullopt;
  };
  if (!token) return anonymous();
  auto grant = platform_.playback().verify(*token, stream_id);
  if (!grant) return anonymous();  // anonymous URLs of a PUBLIC stream need no valid token
  // A ban or timeout ends playback at once, before the token expires (no database read), and so
  // does a refunded ticket. (On a PUBLIC stream open to anonymous viewers, the token's viewer is
  // refused; without a token they are anyone.)
  if (revocations_.stream_revoked(stream_id, grant->viewer_id)) return std::nullopt;
  if (!artist_id.empty() &&
      revocations_.revoked(artist_id, grant->viewer_id, clock_.unix_millis())) {
    return std::nullopt;
  }
  PlaybackAccess access;
  if (grant->viewer_id != platform::kAnonymousViewer) access.viewer_id = grant->viewer_id;
  access.expires_at = grant->expires_at;
  return access;
}

}  // namespace stagecast::app
