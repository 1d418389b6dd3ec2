#include "platform/tip_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/digest.h"
#include "core/random.h"
#include "payments/fee.h"
#include "payments/payment_errors.h"
#include "platform/errors.h"
#include "platform/stripe_event_types.h"
#include "platform/text.h"

namespace stagecast::platform {

namespace {

using store::TipStatus;

using namespace stripe_events;  // the event types acted on
constexpr int kReplayScan = 200;

Error validation(std::string message) {
  return make_error(errc::kValidationFailed, std::move(message));
}

bool valid_client_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxClientKeyBytes) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':';
  });
}

// The same fan, stream and client key always name the same tip, so a retried request finds the
// tip (and through its idempotency key the same PaymentIntent) instead of creating another.
std::string derived_tip_id(const std::string& fan_id, const std::string& stream_id,
                           const std::string& client_key) {
  const Sha256Digest d = sha256(fan_id + "\n" + stream_id + "\n" + client_key);
  return to_hex(d).substr(0, 32);
}

std::string refusal_message(std::string_view reason) {
  if (reason == "stream_not_live") return "tips are only possible while the stream is live";
  if (reason == "stream_ended") return "the stream has ended";
  if (reason == "cannot_tip_self") return "you cannot tip your own stream";
  if (reason == "artist_not_verified") return "the artist cannot receive tips yet";
  if (reason == "login_required") return "sign in to tip";
  return "you may not tip on this stream (" + std::string(reason) + ")";
}

bool is_definitive_refusal(const Error& e) {
  return e.code == payments::errc::kProviderRejected || e.code == payments::errc::kDeclined;
}

bool same_request(const store::Tip& a, const store::Tip& b) {
  return a.fan_id == b.fan_id && a.stream_id == b.stream_id && a.amount_cents == b.amount_cents &&
         a.currency == b.currency && a.message == b.message;
}

}  // namespace

Result<std::optional<std::string>> checked_tip_message(const std::optional<std::string>& raw,
                                                       size_t max_chars) {
  if (!raw) return std::optional<std::string>{};
  // Blank means no message (a tip needs no words); anything else follows the chat rules.
  if (utf8_length(*raw) && trim(*raw).empty() && !has_control_characters(*raw, false)) {
    return std::optional<std::string>{};
  }
  auto text = checked_chat_text(*raw, max_chars);
  if (!text) return validation("'message': " + text.error().message);
  return std::optional<std::string>(std::move(text).value());
}

TipService::TipService(store::Store& store, StreamService& streams,
                       payments::PaymentProvider& provider,
                       const payments::WebhookVerifier& verifier, const Clock& clock,
                       TipSettings settings, payments::SandboxProvider* sandbox)
    : store_(&store),
      streams_(&streams),
      provider_(&provider),
      verifier_(&verifier),
      clock_(&clock),
      settings_(std::move(settings)),
      global_words_(settings_.blocked_words),
      sandbox_(sandbox) {
  settings_.currency = ascii_lowercase(settings_.currency);
}

void TipService::add_listener(TipEvents& listener) {
  std::unique_lock lock(listeners_mutex_);
  listeners_.push_back(&listener);
}

void TipService::add_event_handler(PaymentEventHandler& handler) {
  handlers_.push_back(&handler);
}

// ---------------------------------------------------------------------------------------------
// Creating a tip

Result<CreatedTip> TipService::create(const Identity& caller, const std::string& stream_id,
                                      const TipInput& in) {
  // Input first: a refused amount writes nothing and asks nobody.
  if (in.amount_cents < settings_.min_cents || in.amount_cents > settings_.max_cents) {
    return validation(fmt::format("'amountCents' must be an integer from {} to {} ({} minor units)",
                                  settings_.min_cents, settings_.max_cents, settings_.currency));
  }
  const std::string currency = ascii_lowercase(in.currency.value_or(settings_.currency));
  if (currency != settings_.currency) {
    return validation(fmt::format("'currency' must be '{}'", settings_.currency));
  }
  auto message = checked_tip_message(in.message, settings_.max_message_chars);
  if (!message) return message.error();
  if (in.client_key && !valid_client_key(*in.client_key)) {
    return validation("Idempotency-Key must be 1..128 of [A-Za-z0-9._:-]");
  }

  auto decision = streams_->decide(&caller, stream_id, Action::kTip);
  if (!decision) return decision.error();
  if (!decision->allowed) {
    return make_error(std::string(decision->reason), refusal_message(decision->reason));
  }
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  if (*message) {
    const BlockedWords words(global_words_, stream->chat_blocked_words);
    if (words.find_in(**message)) return validation("'message' contains a blocked word");
  }
  auto artist = store_->users().find_by_id(stream->artist_id);
  if (!artist) return errc::from_store(artist.error());
  if (!is_verified_artist(*artist)) {
    return make_error(errc::kArtistNotVerified, refusal_message("artist_not_verified"));
  }

  const int64_t now = clock_->unix_millis();
  store::Tip tip;
  tip.id = in.client_key ? derived_tip_id(caller.user_id, stream_id, *in.client_key) : random_id();
  tip.stream_id = stream_id;
  tip.fan_id = caller.user_id;
  tip.artist_id = stream->artist_id;
  tip.amount_cents = in.amount_cents;
  tip.currency = currency;
  tip.fee_cents = *payments::platform_fee_cents(in.amount_cents, settings_.fee_basis_points);
  tip.message = *message;
  tip.provider = std::string(provider_->name());
  tip.idempotency_key = "stagecast-tip-" + tip.id;
  tip.created_at = now;
  tip.updated_at = now;

  auto stored = existing_or_new(tip, in.client_key.has_value());
  if (!stored) return stored.error();
  tip = std::move(stored).value();

  payments::PaymentIntentRequest request;
  request.amount_cents = tip.amount_cents;
  request.currency = tip.currency;
  request.application_fee_cents = tip.fee_cents;
  request.destination_account = *artist->stripe_account_id;
  request.metadata = {{"stream_id", tip.stream_id}, {"tip_id", tip.id}, {"fan_id", tip.fan_id}};
  request.description = "Stagecast tip";
  request.idempotency_key = tip.idempotency_key;
  auto intent = provider_->create_payment_intent(request);
  if (!intent) {
    spdlog::warn("tip {}: payment intent not created: {} {}", tip.id, intent.error().code,
                 intent.error().message);
    if (is_definitive_refusal(intent.error()) && tip.status == TipStatus::kPending &&
        !tip.provider_payment_id) {
      // Nothing can be charged for this tip: close it rather than leave it pending forever.
      (void)store_->tips().transition(tip.id, TipStatus::kFailed, clock_->unix_millis());
    }
    return intent.error();
  }
  if (!tip.provider_payment_id) {
    auto set = store_->tips().set_provider_payment_id(tip.id, intent->id, clock_->unix_millis());
    if (!set) return errc::from_store(set.error());
    tip.provider_payment_id = intent->id;
  } else if (*tip.provider_payment_id != intent->id) {
    spdlog::error("tip {}: provider returned another PaymentIntent for the same key", tip.id);
    return make_error(errc::kInternal, "payment intent mismatch");
  }
  spdlog::info("tip {} on stream {}: {} {} (fee {}) pending as {}", tip.id, tip.stream_id,
               tip.amount_cents, tip.currency, tip.fee_cents, *tip.provider_payment_id);
  return CreatedTip{std::move(tip), std::move(intent->client_secret)};
}

Result<store::Tip> TipService::existing_or_new(const store::Tip& tip, bool derived_id) {
  auto check = [&](const store::Tip& found) -> Result<store::Tip> {
    if (!same_request(found, tip)) {
      return make_error(errc::kConflict, "this Idempotency-Key was used for another tip");
    }
    return found;
  };
  if (derived_id) {
    auto found = store_->tips().find(tip.id);
    if (found) return check(*found);
    if (found.error().code != errc::kNotFound) return errc::from_store(found.error());
  }
  auto created = store_->tips().create_pending(tip);
  if (created) return created;
  if (derived_id && created.error().code == errc::kConflict) {
    // The same request racing itself: the first one's tip is the tip.
    auto found = store_->tips().find(tip.id);
    if (found) return check(*found);
    return errc::from_store(found.error());
  }
  return errc::from_store(created.error());
}

// ---------------------------------------------------------------------------------------------
// Webhooks

Result<WebhookOutcome> TipService::handle_webhook(std::string_view payload,
                                                  std::string_view signature) {
  auto verified = verifier_->verify(payload, signature);
  if (!verified) {
    spdlog::warn("webhook refused: {}", verified.error().message);
    return verified.error();
  }
  auto event = payments::parse_webhook_event(payload);
  if (!event) return event.error();

  const std::string provider(provider_->name());
  store::PaymentEvent record{provider, event->id, event->type, std::string(payload),
                             clock_->unix_millis(), false, std::nullopt};
  auto inserted = store_->payment_events().insert_if_new(record);
  if (!inserted) return errc::from_store(inserted.error());
  if (!*inserted) {
    auto stored = store_->payment_events().find(provider, event->id);
    if (!stored) return errc::from_store(stored.error());
    if (stored->applied) {
      return WebhookOutcome{event->id, event->type, true, "duplicate", std::nullopt};
    }
    // Recorded before but not applied (a crash in between, or deferred): apply it now.
  }
  return apply_and_record(*event);
}

Result<WebhookOutcome> TipService::apply_and_record(const payments::WebhookEvent& event) {
  std::lock_guard lock(apply_mutex_);
  auto outcome = apply(event);
  if (!outcome) return outcome.error();
  if (outcome->effect != "deferred") {
    if (auto marked = mark_applied(event.id); !marked) return marked.error();
  }
  spdlog::info("webhook {} {}: {}{}{}", event.id, event.type, outcome->effect,
               outcome->tip_id ? " (tip " + *outcome->tip_id + ")" : "",
               outcome->ticket_id ? " (ticket " + *outcome->ticket_id + ")" : "");
  return outcome;
}

Result<void> TipService::mark_applied(const std::string& event_id) {
  auto marked = store_->payment_events().mark_applied(std::string(provider_->name()), event_id,
                                                      clock_->unix_millis());
  if (!marked) return errc::from_store(marked.error());
  return {};
}

Result<std::optional<store::Tip>> TipService::find_tip(const payments::WebhookEvent& e) {
  using Found = std::optional<store::Tip>;
  if (!e.payment_intent_id || e.payment_intent_id->empty()) return Found{};
  const std::string provider(provider_->name());
  auto by_payment = store_->tips().find_by_provider_payment_id(provider, *e.payment_intent_id);
  if (by_payment) return Found(std::move(by_payment).value());
  if (by_payment.error().code != errc::kNotFound) return errc::from_store(by_payment.error());

  // The PaymentIntent's id was never stored (the tip's creation was cut short): the metadata we
  // put on it names the tip.
  auto meta = e.metadata.find("tip_id");
  if (meta == e.metadata.end()) return Found{};
  auto tip = store_->tips().find(meta->second);
  if (!tip) {
    if (tip.error().code == errc::kNotFound) return Found{};
    return errc::from_store(tip.error());
  }
  if (tip->provider != provider) return Found{};
  if (tip->provider_payment_id) {
    if (*tip->provider_payment_id != *e.payment_intent_id) {
      spdlog::warn("event {}: tip {} belongs to another payment", e.id, tip->id);
      return Found{};
    }
    return Found(std::move(tip).value());
  }
  auto set = store_->tips().set_provider_payment_id(tip->id, *e.payment_intent_id,
                                                    clock_->unix_millis());
  if (!set) return errc::from_store(set.error());
  tip->provider_payment_id = *e.payment_intent_id;
  return Found(std::move(tip).value());
}

Result<WebhookOutcome> TipService::apply(const payments::WebhookEvent& e) {
  WebhookOutcome out{e.id, e.type, false, "ignored", std::nullopt};
  const bool known = e.type == kSucceeded || e.type == kFailed || e.type == kRefunded ||
                     e.type == kDisputeCreated || e.type == kDisputeClosed ||
                     e.type == kAccountUpdated;
  if (!known) return out;
  auto found = find_tip(e);  // none for account events (no PaymentIntent): the handlers decide
  if (!found) return found.error();
  if (!*found) {
    for (PaymentEventHandler* handler : handlers_) {
      auto handled = handler->apply_payment_event(e);
      if (!handled) return handled.error();
      if (!*handled) continue;
      if ((*handled)->releases_deferred && e.payment_intent_id) {
        replay_deferred(*e.payment_intent_id);
      }
      return std::move(**handled);
    }
    out.effect = "unmatched";
    return out;
  }
  const store::Tip& tip = **found;
  out.tip_id = tip.id;
  const TipStatus s = tip.status;

  if (e.type == kSucceeded) return on_succeeded(e, tip);
  if (e.type == kFailed) {
    if (s == TipStatus::kPending) return move(e, tip, TipStatus::kFailed, "failed");
    out.effect = "unchanged";  // a failure after a success (or a second failure) changes nothing
    return out;
  }
  const bool before_success = s == TipStatus::kPending || s == TipStatus::kFailed;
  if (e.type == kRefunded) {
    if (e.refunded != true) {
      out.effect = "partial_refund";  // recorded; the tip stays as it is
      return out;
    }
    if (before_success) {
      out.effect = "deferred";
      return out;
    }
    if (s == TipStatus::kSucceeded || s == TipStatus::kDisputed) {
      return move(e, tip, TipStatus::kRefunded, "refunded");
    }
    out.effect = "unchanged";
    return out;
  }
  if (e.type == kDisputeCreated) {
    if (before_success) {
      out.effect = "deferred";
      return out;
    }
    if (s == TipStatus::kSucceeded) return move(e, tip, TipStatus::kDisputed, "disputed");
    out.effect = "unchanged";
    return out;
  }
  // charge.dispute.closed
  const std::string status = e.status.value_or("");
  if (before_success) {
    out.effect = "deferred";
    return out;
  }
  if (status == "won" && s == TipStatus::kDisputed) {
    return move(e, tip, TipStatus::kSucceeded, "dispute_won");
  }
  if (status == "lost" && (s == TipStatus::kDisputed || s == TipStatus::kSucceeded)) {
    return move(e, tip, TipStatus::kRefunded, "dispute_lost");
  }
  out.effect = "unchanged";
  return out;
}

Result<WebhookOutcome> TipService::move(const payments::WebhookEvent& e, const store::Tip& tip,
                                        TipStatus to, std::string_view effect) {
  WebhookOutcome out{e.id, e.type, false, std::string(effect), tip.id};
  auto moved = store_->tips().transition(tip.id, to, clock_->unix_millis());
  if (!moved) {
    // Another node moved the tip first; its status now rules this event out.
    if (moved.error().code == "invalid_transition" || moved.error().code == errc::kConflict) {
      out.effect = "unchanged";
      return out;
    }
    return errc::from_store(moved.error());
  }
  if (!moved->changed) out.effect = "unchanged";
  return out;
}

Result<WebhookOutcome> TipService::on_succeeded(const payments::WebhookEvent& e, store::Tip tip) {
  WebhookOutcome out{e.id, e.type, false, "succeeded", tip.id};
  if (e.amount && *e.amount != tip.amount_cents) {
    spdlog::warn("event {}: amount {} differs from tip {}'s {}", e.id, *e.amount, tip.id,
                 tip.amount_cents);
  }
  bool moved_now = false;
  if (tip.status == TipStatus::kPending || tip.status == TipStatus::kFailed) {
    auto moved = store_->tips().transition(tip.id, TipStatus::kSucceeded, clock_->unix_millis());
    if (!moved) {
      if (moved.error().code != "invalid_transition" && moved.error().code != errc::kConflict) {
        return errc::from_store(moved.error());
      }
      auto again = store_->tips().find(tip.id);
      if (!again) return errc::from_store(again.error());
      tip = std::move(again).value();
    } else {
      moved_now = moved->changed;
      tip = moved->tip;
    }
  }
  if (tip.status != TipStatus::kSucceeded) {
    out.effect = "unchanged";  // refunded or disputed since: a late success changes nothing
    return out;
  }
  // The tip is SUCCEEDED: its chat line must exist. Writing it is idempotent (its id is the
  // tip's), so a crash between the transition and here is mended by the next delivery.
  auto line = ensure_chat_line(tip);
  if (!line) return line.error();
  if (*line) notify(tip, **line);
  // Nothing new when the tip had already succeeded (a second success event, e.g. a sandbox
  // confirmation clicked twice) and its chat line was there.
  if (!moved_now && !*line) out.effect = "unchanged";
  replay_deferred(*tip.provider_payment_id);
  return out;
}

Result<std::optional<store::ChatMessage>> TipService::ensure_chat_line(const store::Tip& tip) {
  using Line = std::optional<store::ChatMessage>;
  auto existing = store_->chat().find(tip.id);
  if (existing) return Line{};
  if (existing.error().code != errc::kNotFound) return errc::from_store(existing.error());
  store::ChatMessage m;
  m.id = tip.id;
  m.stream_id = tip.stream_id;
  m.user_id = tip.fan_id;
  auto fan = store_->users().find_by_id(tip.fan_id);
  m.display_name = fan ? fan->display_name : "A fan";
  m.body = tip.message.value_or("");
  m.kind = store::ChatMessageKind::kTip;
  m.tip_id = tip.id;
  m.created_at = clock_->unix_millis();
  auto appended = store_->chat().append(m);
  if (!appended) {
    if (appended.error().code == errc::kConflict) return Line{};  // written concurrently
    return errc::from_store(appended.error());
  }
  return Line(std::move(appended).value());
}

void TipService::notify(const store::Tip& tip, const store::ChatMessage& line) {
  auto stream = store_->streams().find(tip.stream_id);
  if (!stream) {
    spdlog::warn("tip {}: stream not readable for the broadcast: {}", tip.id,
                 stream.error().message);
    return;
  }
  std::shared_lock lock(listeners_mutex_);
  for (TipEvents* l : listeners_) l->tip_succeeded(tip, *stream, line);
}

void TipService::replay_deferred(const std::string& payment_intent_id) {
  auto waiting = store_->payment_events().list_unapplied(kReplayScan);
  if (!waiting) return;  // they stay recorded; recover() or a redelivery applies them later
  const std::string provider(provider_->name());
  for (const store::PaymentEvent& stored : *waiting) {
    if (stored.provider != provider || stored.type == kSucceeded) continue;
    auto event = payments::parse_webhook_event(stored.payload);
    if (!event || event->payment_intent_id != payment_intent_id) continue;
    auto outcome = apply(*event);
    if (outcome && outcome->effect != "deferred") {
      (void)mark_applied(event->id);
      spdlog::info("webhook {} {} (deferred): {}", event->id, event->type, outcome->effect);
    }
  }
}

Result<WebhookOutcome> TipService::confirm_sandbox_payment(const Identity& caller,
                                                           const std::string& payment_id,
                                                           bool succeed) {
  if (!sandbox_) return make_error(errc::kNotFound, "the sandbox payment provider is not in use");
  auto tip = store_->tips().find_by_provider_payment_id(std::string(provider_->name()), payment_id);
  if (!tip) return errc::from_store(tip.error());
  if (tip->fan_id != caller.user_id && caller.role != store::Role::kAdmin) {
    return make_error(errc::kForbidden, "only the fan who tipped confirms the payment");
  }
  auto artist = store_->users().find_by_id(tip->artist_id);
  payments::SandboxIntent intent;
  intent.id = payment_id;
  intent.amount_cents = tip->amount_cents;
  intent.currency = tip->currency;
  intent.application_fee_cents = tip->fee_cents;
  intent.destination_account = artist && artist->stripe_account_id ? *artist->stripe_account_id : "";
  intent.metadata = {{"stream_id", tip->stream_id}, {"tip_id", tip->id}, {"fan_id", tip->fan_id}};
  const payments::SignedEvent event = sandbox_->payment_intent_event(
      succeed ? kSucceeded : kFailed, intent);
  return handle_webhook(event.payload, event.signature_header);
}

Result<WebhookOutcome> TipService::complete_sandbox_onboarding(const std::string& account_id) {
  if (!sandbox_) return make_error(errc::kNotFound, "the sandbox payment provider is not in use");
  const payments::SignedEvent event = sandbox_->account_updated_event(account_id, true);
  return handle_webhook(event.payload, event.signature_header);
}

Result<int> TipService::recover() {
  auto waiting = store_->payment_events().list_unapplied(1000);
  if (!waiting) return errc::from_store(waiting.error());
  const std::string provider(provider_->name());
  int applied = 0;
  for (const store::PaymentEvent& stored : *waiting) {
    if (stored.provider != provider) continue;
    auto event = payments::parse_webhook_event(stored.payload);
    if (!event) continue;
    auto outcome = apply_and_record(*event);
    if (outcome && outcome->effect != "deferred") ++applied;
  }
  return applied;
}

}  // namespace stagecast::platform
