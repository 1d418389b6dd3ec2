#include "whep/whep_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <map>
#include <mutex>

#include "core/random.h"
#include "rtc/trickle_fragment.h"
#include "whep/rendition_choice.h"
#include "whep/whep_forwarder.h"

namespace stagecast::whep {

namespace asio = boost::asio;

struct WhepServer::Shared : std::enable_shared_from_this<WhepServer::Shared> {
  Shared(rtc::RtcMediaPort& p, const rtc::DtlsCertificate& c, LiveHubLookup l, MetricsRegistry& m,
         WhepServerOptions o, OpusEncoderFactory f)
      : port(p),
        certificate(c),
        live_hub(std::move(l)),
        metrics(m),
        options(std::move(o)),
        opus(std::move(f)) {}

  rtc::RtcMediaPort& port;
  const rtc::DtlsCertificate& certificate;
  const LiveHubLookup live_hub;
  WhepMetrics metrics;
  const WhepServerOptions options;
  const OpusEncoderFactory opus;

  struct Entry {
    std::shared_ptr<WhepSession> session;
    std::string stream_id;
    std::string etag;
  };
  mutable std::mutex mu;
  std::map<std::string, Entry> sessions;  // by session id
  bool stopped = false;

  // The port's thread only. One forwarder per hub followed: a stream's source, or one of its
  // rungs (a source with B-frames).
  struct Attached {
    std::shared_ptr<media::StreamHub> hub;
    std::shared_ptr<WhepForwarder> forwarder;
  };
  using HubKey = const media::StreamHub*;
  std::map<HubKey, Attached> forwarders;

  rtc::LocalTransport local_transport(const rtc::IceCredentials& ice) const {
    rtc::LocalTransport local;
    local.ice_ufrag = ice.ufrag;
    local.ice_pwd = ice.password;
    local.fingerprint_sha256 = certificate.fingerprint_sha256();
    local.udp = options.udp_candidates;
    local.tcp = options.tcp_candidates;
    return local;
  }

  std::shared_ptr<WhepForwarder> forwarder_for(const std::string& stream_id,
                                               const std::shared_ptr<media::StreamHub>& hub) {
    const HubKey key = hub.get();
    auto it = forwarders.find(key);
    if (it != forwarders.end() && !it->second.forwarder->ended()) return it->second.forwarder;
    if (it != forwarders.end()) detach(key);
    auto forwarder = std::make_shared<WhepForwarder>(stream_id, port.context(), opus);
    std::weak_ptr<Shared> weak = weak_from_this();
    forwarder->on_stream_end = [weak, key, f = forwarder.get()] {
      auto self = weak.lock();
      if (!self) return;
      auto at = self->forwarders.find(key);
      if (at != self->forwarders.end() && at->second.forwarder.get() == f) self->detach(key);
    };
    forwarders[key] = Attached{hub, forwarder};
    hub->add_sink(forwarder);
    return forwarder;
  }

  void detach(HubKey key) {
    auto it = forwarders.find(key);
    if (it == forwarders.end()) return;
    it->second.hub->remove_sink(it->second.forwarder.get());
    forwarders.erase(it);
  }

  // The port's thread only: what each session is sent, and the hub it is moving to.
  struct Viewing {
    std::string stream_id;
    std::shared_ptr<WhepSession> session;
    std::shared_ptr<media::StreamHub> current;
    std::shared_ptr<media::StreamHub> pending;
    RenditionChoice choice;
  };
  std::map<std::string, Viewing> viewing;  // by session id

  void leave(HubKey key, const std::string& session_id) {
    auto it = forwarders.find(key);
    if (it == forwarders.end()) return;
    it->second.forwarder->remove(session_id);
    if (it->second.forwarder->viewers() == 0) detach(key);
  }

  // On the port's thread: a session ended (for whatever reason).
  void forget(const std::string& session_id) {
    {
      std::lock_guard lock(mu);
      sessions.erase(session_id);
    }
    auto it = viewing.find(session_id);
    if (it == viewing.end()) return;
    Viewing v = std::move(it->second);
    viewing.erase(it);
    if (v.pending) leave(v.pending.get(), session_id);
    if (v.current) leave(v.current.get(), session_id);
  }

  // A key frame for the session: from the rendition it waits to move to, else its own.
  void keyframe_for(const std::string& session_id) {
    auto it = viewing.find(session_id);
    if (it == viewing.end()) return;
    auto& hub = it->second.pending ? it->second.pending : it->second.current;
    if (hub) hub->request_keyframe();
  }

  // Moves a session to `rendition` at its next key frame.
  void move(const std::string& session_id, Viewing& v, const RealtimeRendition& rendition) {
    if (rendition.hub == v.current || rendition.hub == v.pending) return;
    if (v.pending) leave(v.pending.get(), session_id);
    auto forwarder = forwarder_for(v.stream_id, rendition.hub);
    v.session->switch_to(forwarder.get());
    forwarder->add(v.session);
    v.pending = rendition.hub;
    rendition.hub->request_keyframe();
    metrics.rendition_switches->inc();
    spdlog::info("whep {}: viewer {} moves to {}", v.stream_id, session_id, rendition.name);
  }

  // The session's decision input: the ladder now, each rung's rate, and where it is.
  struct Position {
    RealtimeLadder ladder;
    std::vector<uint64_t> rates;
    size_t at = 0;
  };
  std::optional<Position> position(const Viewing& v) {
    auto ladder = live_hub(v.stream_id);
    if (!ladder || ladder->size() < 2) return std::nullopt;
    Position p;
    p.ladder = std::move(*ladder);
    bool found = false;
    for (size_t i = 0; i < p.ladder.size(); ++i) {
      const auto& r = p.ladder[i];
      const uint64_t measured = r.hub->video_bitrate_bps();
      p.rates.push_back(measured ? measured : r.bitrate_bps);
      if (r.hub == v.current) {
        p.at = i;
        found = true;
      }
    }
    if (!found) return std::nullopt;
    return p;
  }

  void on_bandwidth(const std::string& session_id, uint64_t bps) {
    auto it = viewing.find(session_id);
    if (it == viewing.end() || it->second.pending) return;
    auto p = position(it->second);
    if (!p) return;
    const auto to =
        it->second.choice.on_estimate(std::chrono::steady_clock::now(), bps, p->rates, p->at);
    if (to) move(session_id, it->second, p->ladder[*to]);
  }

  void on_congested(const std::string& session_id) {
    auto it = viewing.find(session_id);
    if (it == viewing.end() || it->second.pending) return;
    auto p = position(it->second);
    if (!p) return;
    const auto to =
        it->second.choice.on_congested(std::chrono::steady_clock::now(), p->ladder.size(), p->at);
    if (to) move(session_id, it->second, p->ladder[*to]);
  }

  void on_switched(const std::string& session_id) {
    auto it = viewing.find(session_id);
    if (it == viewing.end() || !it->second.pending) return;
    Viewing& v = it->second;
    auto old = std::move(v.current);
    v.current = std::move(v.pending);
    v.pending.reset();
    // Up: to a rendition listed before the one left (highest first).
    bool up = false;
    if (auto ladder = live_hub(v.stream_id)) {
      for (const auto& r : *ladder) {
        if (r.hub == v.current) {
          up = true;
          break;
        }
        if (r.hub == old) break;
      }
    }
    v.choice.moved(std::chrono::steady_clock::now(), up);
    if (old) leave(old.get(), session_id);
  }

  void start_session(std::string stream_id, rtc::SdpDescription sdp, std::string remote,
                     WhepViewer viewer, std::function<void(Result<WhepAnswer>)> done);
};

WhepServer::WhepServer(rtc::RtcMediaPort& port, const rtc::DtlsCertificate& certificate,
                       LiveHubLookup live_hub, MetricsRegistry& metrics, WhepServerOptions options,
                       OpusEncoderFactory opus)
    : shared_(std::make_shared<Shared>(port, certificate, std::move(live_hub), metrics,
                                       std::move(options), std::move(opus))) {}

WhepServer::~WhepServer() {
  stop();
}

void WhepServer::offer(const std::string& stream_id, const std::string& sdp_text,
                       const std::string& remote_address, WhepViewer viewer,
                       std::function<void(Result<WhepAnswer>)> done) {
  auto& s = *shared_;
  auto sdp = rtc::parse_sdp(sdp_text);
  if (!sdp) {
    s.metrics.offers_refused->inc();
    return done(sdp.error());
  }
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return done(make_error("unavailable", "the server is shutting down"));
    if (s.sessions.size() >= s.options.max_sessions) {
      s.metrics.offers_refused->inc();
      return done(make_error("busy", "too many WebRTC viewers on this server"));
    }
  }
  asio::post(s.port.context(),
             [shared = shared_, stream_id, sdp = std::move(*sdp), remote = remote_address,
              viewer = std::move(viewer), done = std::move(done)]() mutable {
               shared->start_session(std::move(stream_id), std::move(sdp), std::move(remote),
                                     std::move(viewer), std::move(done));
             });
}

void WhepServer::Shared::start_session(std::string stream_id, rtc::SdpDescription sdp,
                                       std::string remote, WhepViewer viewer,
                                       std::function<void(Result<WhepAnswer>)> done) {
  auto fail = [&](Error e) {
    metrics.offers_refused->inc();
    done(std::move(e));
  };
  auto ladder = live_hub(stream_id);
  if (!ladder) return fail(ladder.error());
  if (ladder->empty()) return fail(make_error("not_live", "the stream is not being published"));
  std::shared_ptr<media::StreamHub> hub = ladder->front().hub;
  // Right after the publisher connected the codecs may not be known yet: the answer then takes
  // the offer's first H.264 in the usual order (a browser's decoder takes any profile the
  // forwarder sends) and keeps the audio, which starts once the AAC's configuration comes.
  const auto config = hub->config();
  rtc::AnswerOptions answer_options;
  answer_options.playback = true;
  if (config.video && config.video->codec == media::Codec::H264) {
    answer_options.send_profile_idc = config.video->profile_idc;
  }
  auto negotiated = rtc::negotiate_offer(sdp, answer_options);
  if (!negotiated) return fail(negotiated.error());
  // Audio goes out as Opus made from the stream's AAC; without either, the answer rejects it.
  if (!opus || (config.audio && config.audio->codec != media::Codec::Aac) ||
      (config.video && !config.audio)) {
    negotiated->audio.reset();
  }
  std::vector<rtc::SdpFingerprint> fingerprints{negotiated->remote_fingerprint};
  auto dtls =
      rtc::DtlsTransport::create(certificate, fingerprints, std::chrono::steady_clock::now());
  if (!dtls) return fail(make_error("unavailable", "DTLS could not start"));

  WhepSession::Setup setup;
  setup.session_id = random_id();
  setup.stream_id = stream_id;
  setup.local_ice = rtc::fresh_ice_credentials();
  setup.offer = *negotiated;
  setup.dtls = std::move(*dtls);
  setup.video_ssrc = static_cast<uint32_t>(std::hash<std::string>{}(setup.session_id)) | 1;
  setup.audio_ssrc = setup.video_ssrc + 1;
  std::weak_ptr<Shared> weak = weak_from_this();
  const std::string sid = setup.session_id;
  setup.on_end = [weak](const std::string& session_id, const std::string&) {
    if (auto self = weak.lock()) self->forget(session_id);
  };
  // A WHIP publisher is asked for a key frame (a PLI of its own, rate-limited by its session);
  // an RTMP source sends them on its own schedule and the viewer waits for the next one.
  setup.on_keyframe_request = [weak, sid] {
    if (auto self = weak.lock()) self->keyframe_for(sid);
  };
  if (options.adapt) {
    setup.on_bandwidth = [weak, sid](uint64_t bps) {
      if (auto self = weak.lock()) self->on_bandwidth(sid, bps);
    };
    setup.on_congested = [weak, sid] {
      if (auto self = weak.lock()) self->on_congested(sid);
    };
    setup.on_switched = [weak, sid] {
      if (auto self = weak.lock()) self->on_switched(sid);
    };
  }
  setup.expires_at_ms = viewer.expires_at_ms;
  if (options.on_watching) {
    setup.on_watching = [watching = options.on_watching, stream_id, sid = setup.session_id,
                         viewer] { watching(stream_id, sid, viewer); };
  }

  rtc::LocalTransport local = local_transport(setup.local_ice);
  local.session_id = std::hash<std::string>{}(setup.session_id) & 0x7fffffffffffffffULL;
  local.send = true;
  local.video_ssrc = setup.video_ssrc;
  local.audio_ssrc = setup.audio_ssrc;
  WhepAnswer answer;
  answer.sdp = rtc::build_answer(sdp, *negotiated, local);
  answer.session_id = setup.session_id;
  answer.etag = rtc::ice_credentials_etag(setup.local_ice);

  auto session = std::make_shared<WhepSession>(port, metrics, options.session, std::move(setup));
  {
    std::lock_guard lock(mu);
    if (stopped) return fail(make_error("unavailable", "the server is shutting down"));
    sessions[answer.session_id] = Entry{session, stream_id, answer.etag};
  }
  viewing.emplace(sid, Viewing{stream_id, session, hub, nullptr,
                               RenditionChoice(std::chrono::steady_clock::now())});
  session->start();
  forwarder_for(stream_id, hub)->add(session);
  spdlog::info("whep {}: viewer {} created for {}", stream_id, answer.session_id, remote);
  done(std::move(answer));
}

void WhepServer::patch(const std::string& stream_id, const std::string& session_id,
                       const std::string& if_match, const std::string& fragment,
                       std::function<void(Result<WhepPatchResult>)> done) {
  auto& s = *shared_;
  std::shared_ptr<WhepSession> session;
  std::string etag;
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    if (it == s.sessions.end() || it->second.stream_id != stream_id) {
      return done(make_error("not_found", "no such WHEP session"));
    }
    session = it->second.session;
    etag = it->second.etag;
  }
  if (!if_match.empty() && if_match != "*" && if_match != etag) {
    return done(make_error("precondition_failed", "If-Match does not name the session's ETag"));
  }
  const auto f = rtc::parse_trickle_fragment(fragment);
  if (!f) return done(f.error());
  // Trickled candidates teach an ICE-lite server nothing: the viewer's checks do.
  if (!f->ice_restart()) return done(WhepPatchResult{204, {}, etag});
  const rtc::IceCredentials fresh = rtc::fresh_ice_credentials();
  const std::string fresh_etag = rtc::ice_credentials_etag(fresh);
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    if (it == s.sessions.end()) return done(make_error("not_found", "no such WHEP session"));
    it->second.etag = fresh_etag;
  }
  asio::post(s.port.context(), [session, fresh] { session->restart_ice(fresh); });
  std::string body =
      "a=ice-lite\r\na=ice-ufrag:" + fresh.ufrag + "\r\na=ice-pwd:" + fresh.password + "\r\n";
  body += rtc::host_candidate_lines(s.local_transport(fresh));
  done(WhepPatchResult{200, std::move(body), fresh_etag});
}

void WhepServer::end(const std::string& stream_id, const std::string& session_id,
                     std::function<void(Result<void>)> done) {
  auto& s = *shared_;
  std::shared_ptr<WhepSession> session;
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    if (it == s.sessions.end() || it->second.stream_id != stream_id) {
      return done(make_error("not_found", "no such WHEP session"));
    }
    session = it->second.session;
  }
  asio::post(s.port.context(), [session] { session->stop("deleted"); });
  done(Result<void>{});
}

Result<void> WhepServer::renew(const std::string& stream_id, const std::string& session_id,
                               int64_t expires_at_ms) {
  auto& s = *shared_;
  std::shared_ptr<WhepSession> session;
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    if (it == s.sessions.end() || it->second.stream_id != stream_id) {
      return make_error("not_found", "no such WHEP session");
    }
    session = it->second.session;
  }
  asio::post(s.port.context(), [session, expires_at_ms] { session->renew(expires_at_ms); });
  return {};
}

void WhepServer::stop() {
  auto& s = *shared_;
  std::map<std::string, Shared::Entry> sessions;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    sessions = s.sessions;
  }
  auto& io = s.port.context();
  auto work = [shared = shared_, sessions] {
    for (auto& [id, entry] : sessions) entry.session->stop("shutdown");
    std::vector<Shared::HubKey> hubs;
    for (auto& [key, attached] : shared->forwarders) hubs.push_back(key);
    for (auto key : hubs) shared->detach(key);
  };
  if (io.stopped() || io.get_executor().running_in_this_thread()) {
    work();
  } else {
    asio::post(io, work);
  }
}

}  // namespace stagecast::whep
