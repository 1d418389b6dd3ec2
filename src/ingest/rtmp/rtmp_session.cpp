#include "ingest/rtmp/rtmp_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <random>

#include "core/log.h"
#include "ingest/rtmp/rtmp_handshake.h"

namespace stagecast::ingest::rtmp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadBufferSize = 64 * 1024;
// Commands and metadata are small; a large one is an attack on the AMF decoder.
constexpr size_t kMaxCommandSize = 64 * 1024;
// Before the stream key is accepted a peer has no business sending large messages: an
// unauthenticated connection can hold little memory.
constexpr ChunkReaderLimits kUnauthenticatedLimits{kMaxCommandSize, 8, 4 * kMaxCommandSize};

std::string remote_of(const RtmpSession::Stream& stream) {
  const tcp::socket& s = stream.next_layer();
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// "live?token=x" and "live/" both name the application "live".
std::string clean_app(std::string app) {
  if (auto q = app.find('?'); q != std::string::npos) app.resize(q);
  while (!app.empty() && app.back() == '/') app.pop_back();
  return app.substr(0, 256);
}

}  // namespace

RtmpMetrics::RtmpMetrics(MetricsRegistry& m)
    : registry(m),
      connections(m.counter("stagecast_rtmp_connections_total", "RTMP connections accepted")),
      connections_active(m.gauge("stagecast_rtmp_connections", "RTMP connections open")),
      publishes(m.counter("stagecast_rtmp_publishes_total", "RTMP publishes accepted")),
      rejected_keys(m.counter("stagecast_rtmp_publish_rejected_total", "RTMP publishes refused",
                              R"(reason="key")")),
      rejected_busy(m.counter("stagecast_rtmp_publish_rejected_total", "RTMP publishes refused",
                              R"(reason="already_publishing")")),
      bytes_in(m.counter("stagecast_rtmp_bytes_received_total", "Bytes received from RTMP peers")),
      video_frames(
          m.counter("stagecast_rtmp_frames_total", "Frames received over RTMP", R"(kind="video")")),
      audio_frames(
          m.counter("stagecast_rtmp_frames_total", "Frames received over RTMP", R"(kind="audio")")),
      protocol_errors(m.counter("stagecast_rtmp_protocol_errors_total",
                                "RTMP connections closed for a protocol violation")),
      timeouts(m.counter("stagecast_rtmp_timeouts_total", "RTMP connections closed by a timeout")),
      refused_per_address(m.counter("stagecast_rtmp_admission_refused_total",
                                    "RTMP connections refused or shed before publishing",
                                    R"(reason="per_address")")),
      refused_full(m.counter("stagecast_rtmp_admission_refused_total",
                             "RTMP connections refused or shed before publishing",
                             R"(reason="full")")),
      shed(m.counter("stagecast_rtmp_admission_refused_total",
                     "RTMP connections refused or shed before publishing",
                     R"(reason="shed_oldest_pending")")) {}

RtmpSession::RtmpSession(std::shared_ptr<const void> owner, Stream stream, uint64_t id,
                         const RtmpServerOptions& options, PublishAuthorizer& authorizer,
                         LiveStreamRegistry& registry, RtmpMetrics& metrics,
                         std::function<void(uint64_t)> on_closed,
                         std::function<void(uint64_t)> on_published)
    : owner_(std::move(owner)),
      stream_(std::move(stream)),
      watchdog_timer_(stream_.get_executor()),
      id_(id),
      options_(options),
      authorizer_(authorizer),
      registry_(registry),
      metrics_(metrics),
      on_closed_(std::move(on_closed)),
      on_published_(std::move(on_published)),
      accepted_at_(Clock::now()),
      remote_(remote_of(stream_)),
      reader_(kUnauthenticatedLimits),
      demuxer_(options.timestamps) {
  metrics_.connections.inc();
  metrics_.connections_active.add(1);
}

RtmpSession::~RtmpSession() {
  metrics_.connections_active.add(-1);
}

Counter& RtmpMetrics::tls_handshake_failures(std::string_view reason) {
  return registry.counter("stagecast_tls_handshake_failures_total",
                          "TLS handshakes that did not complete",
                          "port=\"rtmps\",reason=\"" + std::string(reason) + "\"");
}

void RtmpSession::start() {
  last_activity_ = Clock::now();
  auto self = shared_from_this();
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->run(); }, asio::detached);
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->watchdog(); }, asio::detached);
}

void RtmpSession::disconnect(const std::string& reason) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), reason] {
    if (self->state_ == State::Publishing) {
      self->lease_.reset();
      self->send_command(
          self->publish_stream_id_,
          on_status("status", "NetStream.Unpublish.Success", "Stream ended: " + reason));
    }
    self->finish(reason);
  });
}

asio::awaitable<void> RtmpSession::run() {
  if (stream_.is_tls()) {
    // RTMPS: TLS first; the watchdog's handshake timeout bounds it.
    auto [tec] = co_await stream_.async_handshake(kNoThrow);
    if (tec) {
      // "aborted": closed by the watchdog (handshake timeout, counted there) or shed.
      const char* reason = net::tls_handshake_failure(tec);
      metrics_.tls_handshake_failures(reason).inc();
      spdlog::debug("rtmps#{} {}: TLS handshake failed ({}): {}", id_, remote_, reason,
                    tec.message());
      close_now();
      co_return;
    }
  }
  // 5.2: C0+C1 -> S0+S1+S2 -> C2.
  Bytes c0c1(kC0C1Size);
  auto [ec1, n1] = co_await asio::async_read(stream_, asio::buffer(c0c1), kNoThrow);
  if (ec1) {
    spdlog::debug("rtmp#{} {}: closed during the handshake ({})", id_, remote_, ec1.message());
    close_now();
    co_return;
  }
  Bytes random(kHandshakeSize - 8);
  std::mt19937 rng(std::random_device{}());
  for (auto& b : random) b = static_cast<uint8_t>(rng());
  auto s0s1s2 = make_server_handshake(c0c1, 0, random);
  if (!s0s1s2) {
    spdlog::info("rtmp#{} {}: handshake refused: {}", id_, remote_, s0s1s2.error().message);
    metrics_.protocol_errors.inc();
    close_now();
    co_return;
  }
  auto [ec2, n2] = co_await asio::async_write(stream_, asio::buffer(*s0s1s2), kNoThrow);
  Bytes c2(kHandshakeSize);
  auto [ec3, n3] = ec2 ? std::tuple{ec2, size_t{0}}
                       : co_await asio::async_read(stream_, asio::buffer(c2), kNoThrow);
  if (ec2 || ec3) {
    spdlog::debug("rtmp#{} {}: closed during the handshake", id_, remote_);
    close_now();
    co_return;
  }
  bytes_received_ += kC0C1Size + kHandshakeSize;
  last_activity_ = Clock::now();
  if (state_ == State::Handshake) state_ = State::Connected;

  Bytes buf(kReadBufferSize);
  std::vector<RtmpMessage> messages;
  while (state_ != State::Closing && state_ != State::Closed) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buf), kNoThrow);
    if (ec) {
      if (state_ != State::Closing && state_ != State::Closed) {
        spdlog::info("rtmp#{} {}: connection closed by peer ({})", id_, remote_, ec.message());
      }
      break;
    }
    last_activity_ = Clock::now();
    bytes_received_ += n;
    metrics_.bytes_in.inc(n);
    // 5.4.3 / 5.4.4: acknowledge every window the peer asked for.
    if (peer_window_ > 0 && bytes_received_ - last_ack_at_ >= peer_window_) {
      last_ack_at_ = bytes_received_;
      Bytes ack;
      writer_.acknowledgement(ack, static_cast<uint32_t>(bytes_received_));
      send_raw(std::move(ack));
    }
    messages.clear();
    auto fed = reader_.feed(ByteSpan(buf.data(), n), messages);
    for (auto& m : messages) {
      if (state_ == State::Closing || state_ == State::Closed) break;
      handle_message(m);
    }
    if (!fed.ok()) {
      spdlog::info("rtmp#{} {}: protocol error: {}", id_, remote_, fed.error().message);
      metrics_.protocol_errors.inc();
      break;
    }
  }
  close_now();
}

asio::awaitable<void> RtmpSession::watchdog() {
  while (state_ != State::Closed) {
    const auto limit =
        state_ == State::Handshake ? options_.handshake_timeout : options_.idle_timeout;
    auto deadline = last_activity_ + limit;
    if (state_ == State::Authorizing) deadline = std::min(deadline, authorize_deadline_);
    const bool pending = !published_once_ && state_ != State::Closing;
    if (pending) deadline = std::min(deadline, accepted_at_ + options_.publish_timeout);
    watchdog_timer_.expires_at(deadline);
    // Woken early (cancelled) whenever the deadline changes; the checks below decide.
    co_await watchdog_timer_.async_wait(kNoThrow);
    if (state_ == State::Closed) break;
    const auto now = Clock::now();
    if (state_ == State::Authorizing && now >= authorize_deadline_) {
      spdlog::warn("rtmp#{} {}: stream key check timed out", id_, remote_);
      ++auth_generation_;
      refuse_publish("NetStream.Publish.Failed", "The stream key could not be checked; try again.");
      continue;
    }
    if (!published_once_ && state_ != State::Closing &&
        now >= accepted_at_ + options_.publish_timeout) {
      spdlog::info("rtmp#{} {}: not publishing {} ms after connecting, closing", id_, remote_,
                   options_.publish_timeout.count());
      metrics_.timeouts.inc();
      close_now();
      break;
    }
    const auto current_limit =
        state_ == State::Handshake ? options_.handshake_timeout : options_.idle_timeout;
    if (now >= last_activity_ + current_limit) {
      spdlog::info("rtmp#{} {}: no data for {} ms, closing", id_, remote_, current_limit.count());
      metrics_.timeouts.inc();
      close_now();
      break;
    }
  }
}

void RtmpSession::handle_message(RtmpMessage& m) {
  switch (m.type_id) {
    case msg_type::kCommandAmf0:
    case msg_type::kCommandAmf3: {
      if (m.payload.size() > kMaxCommandSize) {
        spdlog::info("rtmp#{} {}: oversized command ({} bytes)", id_, remote_, m.payload.size());
        finish("oversized command");
        return;
      }
      auto cmd = parse_command(m.payload, m.type_id == msg_type::kCommandAmf3);
      if (!cmd) {
        spdlog::info("rtmp#{} {}: bad command: {}", id_, remote_, cmd.error().message);
        metrics_.protocol_errors.inc();
        finish("bad command");
        return;
      }
      handle_command(*cmd, m.stream_id);
      return;
    }
    case msg_type::kDataAmf0:
    case msg_type::kDataAmf3: {
      if (m.payload.size() > kMaxCommandSize) return;
      ByteSpan body = m.payload;
      if (m.type_id == msg_type::kDataAmf3 && !body.empty()) body = body.subspan(1);
      if (auto values = amf0_decode_all(body)) demuxer_.on_data(*values);
      return;
    }
    case msg_type::kAudio:
    case msg_type::kVideo:
      handle_media(m);
      return;
    case msg_type::kAggregate:
      handle_aggregate(m);
      return;
    case msg_type::kUserControl: {
      ByteReader r(m.payload);
      auto event = r.u16be();
      auto value = r.u32be();
      if (event && value && *event == user_control::kPingRequest) {
        Bytes out;
        writer_.user_control(out, user_control::kPingResponse, *value);
        send_raw(std::move(out));
      }
      return;
    }
    case msg_type::kWindowAckSize: {
      ByteReader r(m.payload);
      if (auto size = r.u32be(); size && *size > 0) peer_window_ = *size;
      return;
    }
    default:
      // Acknowledgement, Set Peer Bandwidth, shared objects: nothing for a publishing server to do.
      return;
  }
}

void RtmpSession::handle_command(const RtmpCommand& cmd, uint32_t stream_id) {
  if (cmd.name == "connect") {
    if (state_ != State::Connected || !app_.empty()) return;
    app_ = clean_app(cmd.object.string_at("app").value_or(""));
    Bytes out;
    writer_.window_ack_size(out, options_.window_ack_size);
    writer_.set_peer_bandwidth(out, options_.window_ack_size, 2);  // 2 = dynamic
    writer_.set_chunk_size_message(out, options_.chunk_size);
    writer_.set_chunk_size(options_.chunk_size);
    writer_.write(out, kCommandChunkStream, msg_type::kCommandAmf0, 0, 0,
                  connect_result(cmd.transaction_id));
    send_raw(std::move(out));
    spdlog::info("rtmp#{} {}: connect app={}", id_, remote_, app_);
  } else if (cmd.name == "createStream") {
    if (next_stream_id_ > 16) {
      finish("too many streams");
      return;
    }
    send_command(0, create_stream_result(cmd.transaction_id, next_stream_id_++));
  } else if (cmd.name == "releaseStream" || cmd.name == "FCPublish") {
    // Adobe FMLE's pre-publish calls; ffmpeg and OBS do not wait for the answers.
    if (cmd.name == "FCPublish") {
      send_command(
          0, encode_command(
                 "onFCPublish", 0,
                 {AmfValue::make_null(),
                  AmfValue::make_object({{"code", AmfValue::make_string("NetStream.Publish.Start")},
                                         {"description", AmfValue::make_string("FCPublish")}})}));
    } else if (cmd.transaction_id != 0) {
      send_command(0, encode_command("_result", cmd.transaction_id,
                                     {AmfValue::make_null(), AmfValue::make_undefined()}));
    }
  } else if (cmd.name == "publish") {
    handle_publish(cmd, stream_id);
  } else if (cmd.name == "FCUnpublish" || cmd.name == "deleteStream" || cmd.name == "closeStream") {
    if (state_ == State::Publishing) {
      spdlog::info("rtmp#{} {}: publisher stopped ({})", id_, remote_, cmd.name);
      stop_publishing();
    }
  } else if (cmd.name == "play") {
    send_command(stream_id, on_status("error", "NetStream.Play.Failed",
                                      "This server only ingests; watch over HLS."));
    finish("play refused");
  } else {
    spdlog::debug("rtmp#{} {}: ignoring command {}", id_, remote_, cmd.name.substr(0, 64));
  }
}

void RtmpSession::handle_publish(const RtmpCommand& cmd, uint32_t stream_id) {
  if (state_ != State::Connected || app_.empty() || stream_id == 0 ||
      stream_id >= next_stream_id_) {
    spdlog::info("rtmp#{} {}: publish out of order", id_, remote_);
    metrics_.protocol_errors.inc();
    finish("publish out of order");
    return;
  }
  publish_stream_id_ = stream_id;
  PublishRequest request;
  request.protocol = "rtmp";
  request.app = app_;
  request.stream_name = cmd.string_arg(0);
  request.remote_address = remote_;
  if (request.stream_name.empty()) {
    metrics_.rejected_keys.inc();
    refuse_publish("NetStream.Publish.BadName", "A stream key is required.");
    return;
  }
  state_ = State::Authorizing;
  authorize_deadline_ = Clock::now() + options_.authorize_timeout;
  watchdog_timer_.cancel();  // re-arm with the authorization deadline
  const uint64_t generation = ++auth_generation_;
  std::weak_ptr<RtmpSession> weak = weak_from_this();
  auto executor = stream_.get_executor();
  authorizer_.authorize(request, [weak, executor, generation](Result<PublishGrant> grant) {
    asio::post(executor, [weak, generation, grant = std::move(grant)]() mutable {
      auto self = weak.lock();
      if (!self || self->auth_generation_ != generation) return;  // timed out or closed meanwhile
      self->on_authorized(std::move(grant));
    });
  });
}

void RtmpSession::on_authorized(Result<PublishGrant> grant) {
  if (state_ != State::Authorizing) return;
  ++auth_generation_;
  if (!grant) {
    metrics_.rejected_keys.inc();
    spdlog::info("rtmp#{} {}: publish refused ({})", id_, remote_, grant.error().code);
    if (grant.error().code == "unavailable") {
      refuse_publish("NetStream.Publish.Failed", "The stream key could not be checked; try again.");
    } else {
      refuse_publish("NetStream.Publish.Unauthorized", "Invalid stream key.");
    }
    return;
  }
  const std::string stream_id = grant->stream_id;
  auto lease = registry_.attach(stream_id, weak_from_this());
  if (!lease) {
    metrics_.rejected_busy.inc();
    spdlog::info("rtmp#{} {}: publish refused, stream {} already has a publisher", id_, remote_,
                 stream_id);
    refuse_publish("NetStream.Publish.BadName", "The stream is already being published.");
    return;
  }
  lease_ = std::move(*lease);
  state_ = State::Publishing;
  if (!published_once_ && on_published_) on_published_(id_);
  published_once_ = true;
  reader_.set_limits(ChunkReaderLimits{options_.max_message_size, options_.max_chunk_streams,
                                       2 * size_t{options_.max_message_size}});
  metrics_.publishes.inc();
  spdlog::info("rtmp#{} {}: publishing stream {}{}", id_, remote_, stream_id,
               lease_->resumed() ? " (resumed)" : "");
  Bytes out;
  writer_.user_control(out, user_control::kStreamBegin, publish_stream_id_);
  send_raw(std::move(out));
  send_command(publish_stream_id_,
               on_status("status", "NetStream.Publish.Start", "Publishing stream."));
}

void RtmpSession::refuse_publish(const std::string& code, const std::string& description) {
  send_command(publish_stream_id_, on_status("error", code, description));
  finish(code);
}

void RtmpSession::stop_publishing() {
  lease_.reset();  // the registry starts the grace period
  state_ = State::Connected;
  // A publisher may publish again on this connection; its timestamps start a new timeline.
  demuxer_ = RtmpMediaDemuxer(options_.timestamps);
}

void RtmpSession::count_media_error(const Error& e) {
  // Log the first few and then every thousandth, so a broken encoder cannot flood the log.
  if (++media_errors_ <= 5 || media_errors_ % 1000 == 0) {
    spdlog::info("rtmp#{} {}: dropped media message ({}: {}), {} so far", id_, remote_, e.code,
                 e.message, media_errors_);
  }
}

void RtmpSession::handle_media(const RtmpMessage& m) {
  if (state_ != State::Publishing || !lease_ || m.stream_id != publish_stream_id_) {
    ++dropped_before_publish_;
    return;
  }
  auto out = m.type_id == msg_type::kVideo ? demuxer_.on_video(m.timestamp, m.payload)
                                           : demuxer_.on_audio(m.timestamp, m.payload);
  if (!out) {
    count_media_error(out.error());
    return;
  }
  bool open = true;
  if (out->config) open = lease_->publish_config(*out->config);
  if (open && out->frame) {
    (out->frame->kind == media::TrackKind::Video ? metrics_.video_frames : metrics_.audio_frames)
        .inc();
    open = lease_->publish_frame(std::move(out->frame));
  }
  if (!open) {
    // The stream was ended under us (max duration, the API); disconnect() follows.
    lease_.reset();
    state_ = State::Connected;
  }
}

void RtmpSession::handle_aggregate(const RtmpMessage& m) {
  // An aggregate message (7.1.6) holds FLV tags: type(1) size(3) timestamp(3+1) stream(3) body
  // back-pointer(4); sub-message timestamps are relative to the aggregate's.
  ByteReader r(m.payload);
  bool first = true;
  int64_t offset = 0;
  while (!r.empty()) {
    auto type = r.u8();
    auto size = r.u24be();
    auto ts = r.u24be();
    auto ts_ext = r.u8();
    if (!type || !size || !ts || !ts_ext || !r.skip(3)) return;
    auto body = r.bytes(*size);
    if (!body || !r.skip(4)) return;
    const uint32_t tag_ts = (uint32_t{*ts_ext} << 24) | *ts;
    if (first) {
      offset = int64_t{m.timestamp} - tag_ts;
      first = false;
    }
    if (*type != msg_type::kAudio && *type != msg_type::kVideo) continue;
    RtmpMessage sub;
    sub.type_id = *type;
    sub.stream_id = m.stream_id;
    sub.timestamp = static_cast<uint32_t>(tag_ts + offset);
    sub.payload.assign(body->begin(), body->end());
    handle_media(sub);
  }
}

void RtmpSession::send_command(uint32_t stream_id, const Bytes& payload) {
  Bytes out;
  writer_.write(out, kCommandChunkStream, msg_type::kCommandAmf0, 0, stream_id, payload);
  send_raw(std::move(out));
}

void RtmpSession::send_raw(Bytes bytes) {
  if (state_ == State::Closed) return;
  write_queue_bytes_ += bytes.size();
  write_queue_.push_back(std::move(bytes));
  if (write_queue_bytes_ > options_.max_write_queue_bytes) {
    spdlog::info("rtmp#{} {}: peer does not read, closing", id_, remote_);
    close_now();
    return;
  }
  if (!writing_) start_write();
}

void RtmpSession::start_write() {
  writing_ = true;
  asio::async_write(stream_, asio::buffer(write_queue_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_ = false;
                      if (self->state_ == State::Closed) return;
                      if (ec) {
                        self->close_now();
                        return;
                      }
                      self->write_queue_bytes_ -= self->write_queue_.front().size();
                      self->write_queue_.pop_front();
                      if (!self->write_queue_.empty()) {
                        self->start_write();
                      } else if (self->state_ == State::Closing) {
                        self->close_now();
                      }
                    });
}

void RtmpSession::finish(const std::string& reason) {
  if (state_ == State::Closing || state_ == State::Closed) return;
  spdlog::debug("rtmp#{} {}: closing ({})", id_, remote_, reason);
  lease_.reset();
  state_ = State::Closing;
  ++auth_generation_;
  if (!writing_) close_now();
  // Otherwise the write completion closes; the watchdog bounds a peer that never reads.
}

void RtmpSession::close_now() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  ++auth_generation_;
  lease_.reset();
  boost::system::error_code ignored;
  // RTMPS ends without close_notify: the publisher is gone or being dropped either way.
  stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
  watchdog_timer_.cancel();
  write_queue_.clear();
  write_queue_bytes_ = 0;
  if (on_closed_) on_closed_(id_);
}

}  // namespace stagecast::ingest::rtmp
