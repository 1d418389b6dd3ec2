#include "api/api_context.h"

#include "platform/payout_verification.h"

namespace stagecast::api {

Result<std::optional<platform::Identity>> optional_caller(ApiContext& ctx,
                                                          const net::Request& req) {
  if (req.header("authorization").empty()) return std::optional<platform::Identity>{};
  const std::string token = req.bearer_token();
  if (token.empty()) return make_error("unauthorized", "Authorization must be 'Bearer <token>'");
  auto identity = ctx.platform.accounts().authenticate(token);
  if (!identity) return identity.error();
  return std::optional<platform::Identity>(std::move(*identity));
}

Result<platform::Identity> required_caller(ApiContext& ctx, const net::Request& req) {
  auto caller = optional_caller(ctx, req);
  if (!caller) return caller.error();
  if (!*caller)
    return make_error("login_required", "sign in first (Authorization: Bearer <token>)");
  return std::move(**caller);
}

nlohmann::json user_json(const platform::Identity& user) {
  return {
      {"id", user.user_id},
      {"email", user.email},
      {"displayName", user.display_name},
      {"role", store::to_string(user.role)},
      {"stripeAccountId",
       user.stripe_account_id ? nlohmann::json(*user.stripe_account_id) : nlohmann::json(nullptr)},
      {"verifiedArtist", user.verified_artist()},
      {"createdAt", user.created_at},
      {"payouts", payouts_json(user)},
      {"artistRequestedAt", user.artist_requested_at ? nlohmann::json(*user.artist_requested_at)
                                                     : nlohmann::json(nullptr)},
      {"operator", user.is_operator},
  };
}

nlohmann::json payouts_json(const platform::Identity& user) {
  // NONE: no account; SYNCED: an account the hosting platform set (trusted as it says);
  // PENDING / ENABLED / DISABLED: what Stripe's account.updated said (docs/payments.md).
  std::string status = "NONE";
  if (user.stripe_account_id && !user.stripe_account_id->empty()) {
    status = user.payouts_status ? std::string(store::to_string(*user.payouts_status)) : "SYNCED";
  }
  return {{"status", status},
          {"reason",
           user.payouts_reason ? nlohmann::json(*user.payouts_reason) : nlohmann::json(nullptr)},
          {"reasonText", user.payouts_reason
                             ? nlohmann::json(platform::payouts_reason_text(user.payouts_reason))
                             : nlohmann::json(nullptr)},
          {"simulated", user.payouts_simulated}};
}

namespace {
nlohmann::json optional_json(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json stream_json(const ApiContext& ctx, const platform::StreamView& view) {
  const store::LiveStream& s = view.stream;
  nlohmann::json chat = {
      {"enabled", s.chat_enabled},
      {"subscribersOnly", s.chat_subscribers_only},
      {"slowModeSeconds", s.chat_slow_mode_seconds},
  };
  nlohmann::json j = {
      {"id", s.id},
      {"artistId", s.artist_id},
      {"title", s.title},
      {"description", s.description},
      {"visibility", store::to_string(s.visibility)},
      {"minTier", s.min_tier},
      {"priceCents", s.price_cents},
      {"currency", s.currency},
      {"status", store::to_string(s.status)},
      {"scheduledAt", optional_json(s.scheduled_at)},
      {"startedAt", optional_json(s.started_at)},
      {"endedAt", optional_json(s.ended_at)},
      {"endReason", s.end_reason ? nlohmann::json(*s.end_reason) : nlohmann::json(nullptr)},
      {"peakViewers", s.peak_viewers},
      {"createdAt", s.created_at},
      {"updatedAt", s.updated_at},
      {"access",
       {{"watch", view.watch.allowed},
        {"reason", view.watch.allowed ? nlohmann::json(nullptr)
                                      : nlohmann::json(std::string(view.watch.reason))}}},
      {"playlistUrl", ctx.http_base_url + "/hls/" + s.id + "/master.m3u8"},
      // The replay of its latest recording (GET .../recordings gives the signed URL to play).
      {"recordingUrl", s.recording_url ? nlohmann::json(ctx.http_base_url + *s.recording_url)
                                       : nlohmann::json(nullptr)},
  };
  j["artistName"] = view.artist_name;
  // The card's picture: present once the stream has one (a live stream, or the last picture of
  // an ended one); ?v= changes with each picture so a cache never serves an old one for long.
  j["thumbnailUrl"] = nullptr;
  if (ctx.thumbnails) {
    if (auto pic = ctx.thumbnails->get(s.id)) {
      j["thumbnailUrl"] = ctx.http_base_url + "/api/livestream/" + s.id +
                          "/thumbnail.jpg?v=" + std::to_string(pic->captured_at_ms);
    }
  }
  j["viewers"] = s.status == store::StreamStatus::kLive && ctx.viewer_count
                     ? nlohmann::json(ctx.viewer_count(s.id))
                     : nlohmann::json(0);
  if (s.status == store::StreamStatus::kScheduled && s.scheduled_at) {
    j["calendarUrl"] = ctx.http_base_url + "/api/livestream/" + s.id + "/calendar.ics";
  }
  if (view.artist) {
    // The artist's public profile (the seed's getStreamerInfo).
    j["artist"] = {{"id", view.artist->id},
                   {"displayName", view.artist->display_name},
                   {"subscriberCount", view.artist->subscriber_count}};
  }
  if (view.manager && ctx.recording) j["record"] = s.record;
  if (view.manager) {
    chat["blockedWords"] = s.chat_blocked_words;
    j["transcode"] = s.transcode;
    j["streamKeyRotatedAt"] = s.stream_key_rotated_at;
    j["rtmpUrl"] = ctx.rtmp_base_url;
    if (!ctx.whip_base_url.empty()) j["whipUrl"] = ctx.whip_base_url + "/" + s.id;
    j["tips"] = {{"count", s.tip_count},
                 {"grossCents", s.tip_gross_cents},
                 {"feeCents", s.tip_fee_cents},
                 {"artistCents", s.tip_gross_cents - s.tip_fee_cents}};
  }
  if (view.manager && view.tickets) {
    const store::TicketTotals& t = *view.tickets;
    j["tickets"] = {{"sold", t.sold},
                    {"grossCents", t.gross_cents},
                    {"feeCents", t.fee_cents},
                    {"artistCents", t.gross_cents - t.fee_cents},
                    {"given", t.given}};
  }
  j["chat"] = std::move(chat);
  return j;
}

}  // namespace stagecast::api
