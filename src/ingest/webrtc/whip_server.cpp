#include "ingest/webrtc/whip_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "core/random.h"
#include "rtc/trickle_fragment.h"

namespace stagecast::ingest::webrtc {

namespace asio = boost::asio;

namespace {

Sha256Digest bearer_digest(const std::string& bearer) {
  return sha256(bearer);
}

}  // namespace

struct WhipServer::Shared : std::enable_shared_from_this<WhipServer::Shared> {
  Shared(rtc::RtcMediaPort& p, const rtc::DtlsCertificate& c, PublishAuthorizer& a,
         LiveStreamRegistry& r, MetricsRegistry& m, WhipServerOptions o, AacEncoderFactory f)
      : port(p),
        certificate(c),
        authorizer(a),
        registry(r),
        metrics(m),
        options(std::move(o)),
        aac_encoder(std::move(f)) {}

  rtc::RtcMediaPort& port;
  const rtc::DtlsCertificate& certificate;
  PublishAuthorizer& authorizer;
  LiveStreamRegistry& registry;
  WhipMetrics metrics;
  const WhipServerOptions options;
  AacEncoderFactory aac_encoder;

  struct Entry {
    std::shared_ptr<WhipSession> session;
    std::string stream_id;
    Sha256Digest bearer;
    std::string etag;
  };
  mutable std::mutex mu;
  std::map<std::string, Entry> sessions;  // by session id
  size_t pending = 0;                     // offers being authorised
  bool stopped = false;

  void start_session(WhipOffer offer, rtc::SdpDescription sdp, rtc::NegotiatedOffer negotiated,
                     std::string stream_id, std::function<void(Result<WhipAnswer>)> done);
};

WhipServer::WhipServer(rtc::RtcMediaPort& port, const rtc::DtlsCertificate& certificate,
                       PublishAuthorizer& authorizer, LiveStreamRegistry& registry,
                       MetricsRegistry& metrics, WhipServerOptions options,
                       AacEncoderFactory aac_encoder)
    : shared_(std::make_shared<Shared>(port, certificate, authorizer, registry, metrics,
                                       std::move(options), std::move(aac_encoder))) {}

WhipServer::~WhipServer() {
  stop();
}

void WhipServer::offer(WhipOffer offer, std::function<void(Result<WhipAnswer>)> done) {
  auto& s = *shared_;
  auto refuse = [&](Error e) {
    s.metrics.offers_refused->inc();
    done(std::move(e));
  };
  auto sdp = rtc::parse_sdp(offer.sdp);
  if (!sdp) return refuse(sdp.error());
  auto negotiated = rtc::negotiate_offer(*sdp);
  if (!negotiated) return refuse(negotiated.error());
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return refuse(make_error("unavailable", "the server is shutting down"));
    if (s.sessions.size() + s.pending >= s.options.max_sessions) {
      return refuse(make_error("busy", "too many WebRTC publishers on this server"));
    }
    ++s.pending;
  }
  PublishRequest request;
  request.protocol = "whip";
  request.stream_id = offer.stream_id;
  request.stream_name = offer.bearer;
  request.remote_address = offer.remote_address;
  auto shared = shared_;
  s.authorizer.authorize(request, [shared, offer = std::move(offer), sdp = std::move(*sdp),
                                   negotiated = std::move(*negotiated),
                                   done = std::move(done)](Result<PublishGrant> grant) mutable {
    if (!grant) {
      {
        std::lock_guard lock(shared->mu);
        --shared->pending;
      }
      shared->metrics.offers_refused->inc();
      done(grant.error());
      return;
    }
    std::string stream_id = grant->stream_id;
    asio::post(
        shared->port.context(),
        [shared, offer = std::move(offer), sdp = std::move(sdp), negotiated = std::move(negotiated),
         stream_id = std::move(stream_id), done = std::move(done)]() mutable {
          shared->start_session(std::move(offer), std::move(sdp), std::move(negotiated),
                                std::move(stream_id), std::move(done));
        });
  });
}

void WhipServer::Shared::start_session(WhipOffer offer, rtc::SdpDescription sdp,
                                       rtc::NegotiatedOffer negotiated, std::string stream_id,
                                       std::function<void(Result<WhipAnswer>)> done) {
  auto fail = [&](Error e) {
    {
      std::lock_guard lock(mu);
      --pending;
    }
    metrics.offers_refused->inc();
    done(std::move(e));
  };
  if (stream_id != offer.stream_id) {
    return fail(make_error("invalid_key", "the credentials are not valid for this stream"));
  }
  std::vector<rtc::SdpFingerprint> fingerprints{negotiated.remote_fingerprint};
  auto dtls =
      rtc::DtlsTransport::create(certificate, fingerprints, std::chrono::steady_clock::now());
  if (!dtls) return fail(make_error("unavailable", "DTLS could not start"));

  WhipSession::Setup setup;
  setup.session_id = random_id();
  setup.stream_id = stream_id;
  setup.local_ice = rtc::fresh_ice_credentials();
  setup.offer = negotiated;
  setup.dtls = std::move(*dtls);
  setup.aac_config = options.aac_config;
  setup.aac_encoder = aac_encoder;
  std::weak_ptr<Shared> weak = weak_from_this();
  setup.on_end = [weak](const std::string& session_id, const std::string&) {
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->mu);
      self->sessions.erase(session_id);
    }
  };
  const rtc::IceCredentials ice = setup.local_ice;
  const std::string session_id = setup.session_id;
  auto session = std::make_shared<WhipSession>(port, metrics, options.session, std::move(setup));

  auto lease = registry.attach(stream_id, session);
  if (!lease) return fail(lease.error());
  session->adopt_lease(std::move(*lease));

  rtc::LocalTransport local;
  local.ice_ufrag = ice.ufrag;
  local.ice_pwd = ice.password;
  local.fingerprint_sha256 = certificate.fingerprint_sha256();
  local.udp = options.udp_candidates;
  local.tcp = options.tcp_candidates;
  local.session_id = std::hash<std::string>{}(session_id)&0x7fffffffffffffffULL;
  WhipAnswer answer;
  answer.sdp = rtc::build_answer(sdp, negotiated, local);
  answer.session_id = session_id;
  answer.etag = rtc::ice_credentials_etag(ice);
  {
    std::lock_guard lock(mu);
    --pending;
    sessions[session_id] = Entry{session, stream_id, bearer_digest(offer.bearer), answer.etag};
  }
  session->start();
  spdlog::info("whip {}: session {} created for {}", stream_id, session_id, offer.remote_address);
  done(std::move(answer));
}

void WhipServer::patch(const std::string& stream_id, const std::string& session_id,
                       const std::string& bearer, const std::string& if_match,
                       const std::string& fragment,
                       std::function<void(Result<WhipPatchResult>)> done) {
  auto& s = *shared_;
  std::shared_ptr<WhipSession> session;
  std::string etag;
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    const Sha256Digest digest = bearer_digest(bearer);
    if (it == s.sessions.end() || it->second.stream_id != stream_id ||
        !constant_time_equal(it->second.bearer, digest)) {
      return done(make_error("not_found", "no such WHIP session"));
    }
    session = it->second.session;
    etag = it->second.etag;
  }
  // RFC 9725 4.3.1: a PATCH carries the ETag it applies to; "*" matches any.
  if (!if_match.empty() && if_match != "*" && if_match != etag) {
    return done(make_error("precondition_failed", "If-Match does not name the session's ETag"));
  }
  const auto f = rtc::parse_trickle_fragment(fragment);
  if (!f) return done(f.error());
  if (!f->ice_restart()) {
    // Trickled candidates: as an ICE-lite server we learn the publisher's addresses from its
    // connectivity checks, so there is nothing to do with them (RFC 8445 2.5).
    return done(WhipPatchResult{204, {}, etag});
  }
  const rtc::IceCredentials fresh = rtc::fresh_ice_credentials();
  const std::string fresh_etag = rtc::ice_credentials_etag(fresh);
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    if (it == s.sessions.end()) return done(make_error("not_found", "no such WHIP session"));
    it->second.etag = fresh_etag;
  }
  asio::post(s.port.context(), [session, fresh] { session->restart_ice(fresh); });
  std::string body =
      "a=ice-lite\r\na=ice-ufrag:" + fresh.ufrag + "\r\na=ice-pwd:" + fresh.password + "\r\n";
  rtc::LocalTransport local;
  local.udp = s.options.udp_candidates;
  local.tcp = s.options.tcp_candidates;
  body += rtc::host_candidate_lines(local);
  done(WhipPatchResult{200, std::move(body), fresh_etag});
}

void WhipServer::end(const std::string& stream_id, const std::string& session_id,
                     const std::string& bearer, std::function<void(Result<void>)> done) {
  auto& s = *shared_;
  std::shared_ptr<WhipSession> session;
  {
    std::lock_guard lock(s.mu);
    auto it = s.sessions.find(session_id);
    if (it == s.sessions.end() || it->second.stream_id != stream_id ||
        !constant_time_equal(it->second.bearer, bearer_digest(bearer))) {
      return done(make_error("not_found", "no such WHIP session"));
    }
    session = it->second.session;
    s.sessions.erase(it);
  }
  asio::post(s.port.context(), [session] { session->stop("deleted"); });
  done(Result<void>{});
}

void WhipServer::stop() {
  auto& s = *shared_;
  std::map<std::string, Shared::Entry> sessions;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    sessions.swap(s.sessions);
  }
  auto& io = s.port.context();
  for (auto& [id, entry] : sessions) {
    auto session = entry.session;
    if (io.stopped() || io.get_executor().running_in_this_thread()) {
      session->stop("shutdown");
    } else {
      asio::post(s.port.context(), [session] { session->stop("shutdown"); });
    }
  }
}

size_t WhipServer::session_count() const {
  std::lock_guard lock(shared_->mu);
  return shared_->sessions.size();
}

}  // namespace stagecast::ingest::webrtc
