#include "platform/ticket_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "payments/fee.h"
#include "payments/payment_errors.h"
#include "platform/errors.h"
#include "platform/stripe_event_types.h"
#include "platform/text.h"

namespace stagecast::platform {

namespace {

using store::TicketSource;
using store::TicketStatus;

using namespace stripe_events;  // the event types acted on
constexpr size_t kMaxUserIdBytes = 128;

Error validation(std::string message) {
  return make_error(errc::kValidationFailed, std::move(message));
}

bool is_definitive_refusal(const Error& e) {
  return e.code == payments::errc::kProviderRejected || e.code == payments::errc::kDeclined;
}

std::string refusal_message(std::string_view reason) {
  if (reason == "login_required") return "sign in to buy a ticket";
  if (reason == "banned") return "you are banned from this channel";
  return "you may not buy a ticket for this stream (" + std::string(reason) + ")";
}

Result<std::string> checked_fan_id(const std::string& fan_id) {
  if (fan_id.empty() || fan_id.size() > kMaxUserIdBytes) {
    return validation("'fanId' must be a user id of 1 to 128 bytes");
  }
  return fan_id;
}

}  // namespace

TicketService::TicketService(store::Store& store, StreamService& streams,
                             payments::PaymentProvider& provider, TipService& webhooks,
                             const Clock& clock, TicketSettings settings,
                             payments::SandboxProvider* sandbox)
    : store_(&store),
      streams_(&streams),
      provider_(&provider),
      webhooks_(&webhooks),
      clock_(&clock),
      settings_(std::move(settings)),
      sandbox_(sandbox) {
  settings_.currency = ascii_lowercase(settings_.currency);
}

void TicketService::add_listener(TicketEvents& listener) {
  std::unique_lock lock(listeners_mutex_);
  listeners_.push_back(&listener);
}

// ---------------------------------------------------------------------------------------------
// Buying

Result<TicketPurchase> TicketService::purchase(const Identity& caller, const std::string& stream_id,
                                               const TicketPurchaseInput& in) {
  // What the buyer confirmed, first: a refused input writes nothing and asks nobody.
  if (in.amount_cents &&
      (*in.amount_cents < settings_.min_cents || *in.amount_cents > settings_.max_cents)) {
    return validation(fmt::format("'amountCents' must be an integer from {} to {} ({} minor units)",
                                  settings_.min_cents, settings_.max_cents, settings_.currency));
  }
  if (in.currency && ascii_lowercase(*in.currency) != settings_.currency) {
    return validation(fmt::format("'currency' must be '{}'", settings_.currency));
  }

  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  if (stream->visibility != store::Visibility::kPaid) {
    return make_error("not_a_paid_stream", "this stream needs no ticket");
  }
  if (stream->status == store::StreamStatus::kEnded) {
    return make_error(errc::kStreamEnded, "the stream has ended: tickets are no longer sold");
  }
  if (caller.user_id == stream->artist_id || caller.role == store::Role::kAdmin) {
    return make_error("cannot_buy_own_ticket",
                      "owners and admins watch without a ticket; nothing is sold to them");
  }

  auto existing = store_->tickets().find(stream_id, caller.user_id);
  if (!existing && existing.error().code != errc::kNotFound) {
    return errc::from_store(existing.error());
  }
  if (existing && existing->admits()) return TicketPurchase{*existing, ""};

  auto watch = streams_->decide(&caller, stream_id, Action::kWatch);
  if (!watch) return watch.error();
  if (watch->allowed) {
    return make_error(errc::kConflict, "you can already watch this stream without a ticket");
  }
  if (watch->reason != "ticket_required") {
    return make_error(std::string(watch->reason), refusal_message(watch->reason));
  }
  const int64_t price = stream->price_cents;
  if (price < settings_.min_cents || price > settings_.max_cents ||
      stream->currency != settings_.currency) {
    return make_error("ticket_price_unavailable",
                      "this stream's price is outside what tickets can be sold for");
  }
  auto artist = store_->users().find_by_id(stream->artist_id);
  if (!artist) return errc::from_store(artist.error());
  if (!is_verified_artist(*artist)) {
    return make_error(errc::kArtistNotVerified, "the artist cannot sell tickets yet");
  }

  const int64_t now = clock_->unix_millis();
  const std::string provider(provider_->name());
  // An existing checkout keeps the price its fan was shown, as long as its PaymentIntent can
  // still be paid; anything else starts a new attempt at today's price.
  const bool reusable =
      existing &&
      (existing->status == TicketStatus::kPending ||
       (existing->status == TicketStatus::kFailed && existing->provider_payment_id)) &&
      existing->provider == provider &&
      now - existing->updated_at < settings_.intent_reuse_window.count();
  const int64_t charged = reusable ? existing->amount_cents : price;
  if (in.amount_cents && *in.amount_cents != charged) {
    return make_error("price_changed", fmt::format("the ticket costs {} {} minor units now",
                                                   charged, stream->currency));
  }
  const int64_t fee = *payments::platform_fee_cents(price, settings_.fee_basis_points);

  store::StreamTicket ticket;
  if (!existing) {
    store::StreamTicket wanted;
    wanted.stream_id = stream_id;
    wanted.fan_id = caller.user_id;
    wanted.amount_cents = price;
    wanted.currency = stream->currency;
    wanted.fee_cents = fee;
    wanted.provider = provider;
    wanted.created_at = now;
    wanted.updated_at = now;
    auto opened = store_->tickets().open_purchase(wanted);
    if (!opened) return errc::from_store(opened.error());
    if (!opened->created) {
      // The same fan buying in two tabs at once: one request opened it; this one asks again.
      return make_error(errc::kConflict, "this ticket is being bought right now; try again");
    }
    ticket = opened->ticket;
  } else if (reusable) {
    ticket = *existing;
  } else {
    auto restarted = store_->tickets().restart_purchase(existing->id, existing->attempt, price,
                                                        stream->currency, fee, provider, now);
    if (!restarted) return errc::from_store(restarted.error());
    ticket = *restarted;
  }

  // Two rounds at most: the second only when the provider had forgotten the idempotency key of
  // an old checkout and answered with a new PaymentIntent (a new attempt is made for it).
  for (int round = 0; round < 2; ++round) {
    payments::PaymentIntentRequest request;
    request.amount_cents = ticket.amount_cents;
    request.currency = ticket.currency;
    request.application_fee_cents = ticket.fee_cents;
    request.destination_account = *artist->stripe_account_id;
    request.metadata = {{"kind", "ticket"},
                        {"stream_id", ticket.stream_id},
                        {"ticket_id", ticket.id},
                        {"fan_id", ticket.fan_id}};
    request.description = "Stagecast ticket for stream " + ticket.stream_id;
    request.idempotency_key = fmt::format("stagecast-ticket-{}-{}", ticket.id, ticket.attempt);
    auto intent = provider_->create_payment_intent(request);
    if (!intent) {
      spdlog::warn("ticket {}: PaymentIntent not created: {} ({})", ticket.id, intent.error().code,
                   intent.error().message);
      if (is_definitive_refusal(intent.error()) && !ticket.provider_payment_id) {
        // Nothing can be charged for this attempt: the next purchase starts a new one.
        (void)store_->tickets().transition(ticket.id, TicketStatus::kFailed, now);
      }
      return intent.error();
    }
    if (!ticket.provider_payment_id) {
      auto set = store_->tickets().set_provider_payment_id(ticket.id, ticket.attempt, intent->id,
                                                           clock_->unix_millis());
      if (!set) return errc::from_store(set.error());
      ticket.provider_payment_id = intent->id;
    } else if (*ticket.provider_payment_id != intent->id) {
      spdlog::warn(
          "ticket {}: the provider answered attempt {} with another PaymentIntent; "
          "starting a new attempt",
          ticket.id, ticket.attempt);
      auto restarted = store_->tickets().restart_purchase(ticket.id, ticket.attempt, price,
                                                          stream->currency, fee, provider, now);
      if (!restarted) return errc::from_store(restarted.error());
      ticket = *restarted;
      continue;
    }
    spdlog::info("ticket {} for stream {} (fan {}): {} {} (fee {}) pending as {}", ticket.id,
                 ticket.stream_id, ticket.fan_id, ticket.amount_cents, ticket.currency,
                 ticket.fee_cents, *ticket.provider_payment_id);
    return TicketPurchase{std::move(ticket), std::move(intent->client_secret)};
  }
  return make_error(errc::kInternal, "the provider keeps answering with another PaymentIntent");
}

Result<store::StreamTicket> TicketService::mine(const Identity& caller,
                                                const std::string& stream_id) {
  auto ticket = store_->tickets().find(stream_id, caller.user_id);
  if (!ticket) return errc::from_store(ticket.error());
  return ticket;
}

// ---------------------------------------------------------------------------------------------
// Grants and comps

Result<store::StreamTicket> TicketService::given(Result<store::TicketTransition> changed) {
  if (!changed) return errc::from_store(changed.error());
  if (changed->changed) {
    spdlog::info("ticket {} for stream {} (fan {}): {} ({})", changed->ticket.id,
                 changed->ticket.stream_id, changed->ticket.fan_id,
                 store::to_string(changed->ticket.status),
                 store::to_string(changed->ticket.source));
    notify(changed->ticket);
  }
  return std::move(changed->ticket);
}

Result<store::StreamTicket> TicketService::grant(const std::string& stream_id,
                                                 const std::string& fan_id) {
  auto fan = checked_fan_id(fan_id);
  if (!fan) return fan.error();
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  return given(store_->tickets().grant(stream_id, fan_id, TicketSource::kGrant, "admin_api",
                                       stream->currency, clock_->unix_millis()));
}

Result<store::StreamTicket> TicketService::revoke_grant(const std::string& stream_id,
                                                        const std::string& fan_id) {
  auto fan = checked_fan_id(fan_id);
  if (!fan) return fan.error();
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  return given(store_->tickets().revoke_grant(stream_id, fan_id, clock_->unix_millis()));
}

Result<void> TicketService::owner_may(const Identity& caller, const std::string& stream_id,
                                      const std::string& fan_id, std::string_view what) {
  auto fan = checked_fan_id(fan_id);
  if (!fan) return fan.error();
  auto manage = streams_->decide(&caller, stream_id, Action::kManage);
  if (!manage) return manage.error();
  if (!manage->allowed) {
    return make_error(std::string(manage->reason), fmt::format("only the stream's owner {}", what));
  }
  return ok_result();
}

Result<store::StreamTicket> TicketService::comp(const Identity& caller,
                                                const std::string& stream_id,
                                                const std::string& fan_id) {
  if (auto may = owner_may(caller, stream_id, fan_id, "comps tickets"); !may) return may.error();
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  if (fan_id == stream->artist_id) return validation("the owner needs no ticket");
  return given(store_->tickets().grant(stream_id, fan_id, TicketSource::kComp, caller.user_id,
                                       stream->currency, clock_->unix_millis()));
}

Result<store::StreamTicket> TicketService::uncomp(const Identity& caller,
                                                  const std::string& stream_id,
                                                  const std::string& fan_id) {
  if (auto may = owner_may(caller, stream_id, fan_id, "takes comps back"); !may) {
    return may.error();
  }
  auto ticket = store_->tickets().find(stream_id, fan_id);
  if (!ticket) return errc::from_store(ticket.error());
  if (ticket->source != TicketSource::kComp) {
    return make_error(errc::kConflict, "only a comped ticket can be taken back here");
  }
  return given(store_->tickets().revoke_grant(stream_id, fan_id, clock_->unix_millis()));
}

void TicketService::notify(const store::StreamTicket& ticket) {
  auto stream = store_->streams().find(ticket.stream_id);
  if (!stream) {
    spdlog::warn("ticket {}: stream not readable for the access change: {}", ticket.id,
                 stream.error().message);
    return;
  }
  // What the policy says now, with every other fact about the fan (a moderator keeps access).
  auto user = store_->users().find_by_id(ticket.fan_id);
  Identity fan = user ? identity_of(*user) : Identity{ticket.fan_id, "", "", store::Role::kFan};
  auto watch = streams_->decide(&fan, ticket.stream_id, Action::kWatch);
  // Unknown (the database just failed): trust the ticket, which the store has just changed.
  const bool may_watch = watch ? watch->allowed : ticket.admits();
  std::shared_lock lock(listeners_mutex_);
  for (TicketEvents* l : listeners_) l->ticket_access_changed(ticket, *stream, may_watch);
}

// ---------------------------------------------------------------------------------------------
// Webhooks (through TipService's pipeline)

Result<std::optional<store::StreamTicket>> TicketService::find_ticket(
    const payments::WebhookEvent& e) {
  using Found = std::optional<store::StreamTicket>;
  if (!e.payment_intent_id || e.payment_intent_id->empty()) return Found{};
  const std::string provider(provider_->name());
  auto by_payment = store_->tickets().find_by_provider_payment_id(provider, *e.payment_intent_id);
  if (by_payment) return Found(std::move(by_payment).value());
  if (by_payment.error().code != errc::kNotFound) return errc::from_store(by_payment.error());

  // The PaymentIntent's id was never stored (the purchase was cut short): our metadata names
  // the ticket.
  auto meta = e.metadata.find("ticket_id");
  if (meta == e.metadata.end()) return Found{};
  auto ticket = store_->tickets().find_by_id(meta->second);
  if (!ticket) {
    if (ticket.error().code == errc::kNotFound) return Found{};
    return errc::from_store(ticket.error());
  }
  if (ticket->provider != provider) return Found{};
  if (ticket->provider_payment_id) {
    spdlog::warn("event {}: ticket {} belongs to another payment (an earlier attempt's?)", e.id,
                 ticket->id);
    return Found{};
  }
  auto set = store_->tickets().set_provider_payment_id(ticket->id, ticket->attempt,
                                                       *e.payment_intent_id, clock_->unix_millis());
  if (!set) {
    if (set.error().code == errc::kConflict) return Found{};
    return errc::from_store(set.error());
  }
  ticket->provider_payment_id = *e.payment_intent_id;
  return Found(std::move(ticket).value());
}

Result<WebhookOutcome> TicketService::move(const payments::WebhookEvent& e,
                                           const store::StreamTicket& t, TicketStatus to,
                                           std::string_view effect) {
  WebhookOutcome out{e.id, e.type, false, std::string(effect), std::nullopt, t.id, false};
  auto moved = store_->tickets().transition(t.id, to, clock_->unix_millis());
  if (!moved) {
    // Another node moved it first; its status now rules this event out.
    if (moved.error().code == "invalid_transition" || moved.error().code == errc::kConflict) {
      out.effect = "unchanged";
      return out;
    }
    return errc::from_store(moved.error());
  }
  if (!moved->changed) {
    out.effect = "unchanged";
    return out;
  }
  store::StreamTicket before = moved->ticket;
  before.status = moved->from;
  if (before.admits() != moved->ticket.admits()) {
    notify(moved->ticket);
  }
  return out;
}

Result<std::optional<WebhookOutcome>> TicketService::apply_payment_event(
    const payments::WebhookEvent& e) {
  using Outcome = std::optional<WebhookOutcome>;
  const bool known = e.type == kSucceeded || e.type == kFailed || e.type == kRefunded ||
                     e.type == kDisputeCreated || e.type == kDisputeClosed;
  if (!known) return Outcome{};
  auto found = find_ticket(e);
  if (!found) return found.error();
  if (!*found) return Outcome{};
  const store::StreamTicket& t = **found;
  WebhookOutcome out{e.id, e.type, false, "unchanged", std::nullopt, t.id, false};
  if (t.source != TicketSource::kPurchase) {
    // Granted or comped over an earlier checkout: the gift stands, whatever its payment does.
    spdlog::warn("event {} {}: ticket {} is a {} now; nothing changed", e.id, e.type, t.id,
                 store::to_string(t.source));
    return Outcome(out);
  }
  const TicketStatus s = t.status;
  const bool before_success = s == TicketStatus::kPending || s == TicketStatus::kFailed;

  if (e.type == kSucceeded) {
    if (e.amount && *e.amount != t.amount_cents) {
      spdlog::warn("event {}: amount {} differs from ticket {}'s {}", e.id, *e.amount, t.id,
                   t.amount_cents);
    }
    if (!before_success) return Outcome(out);  // paid already, or refunded since
    auto moved = move(e, t, TicketStatus::kPaid, "paid");
    if (!moved) return moved.error();
    moved->releases_deferred = true;
    return Outcome(std::move(moved).value());
  }
  if (e.type == kFailed) {
    if (s != TicketStatus::kPending) return Outcome(out);  // a failure after a success
    auto moved = move(e, t, TicketStatus::kFailed, "failed");
    if (!moved) return moved.error();
    return Outcome(std::move(moved).value());
  }
  Result<WebhookOutcome> moved = out;
  if (e.type == kRefunded) {
    if (e.refunded != true) {
      out.effect = "partial_refund";  // recorded; the ticket stays as it is
      return Outcome(out);
    }
    if (before_success) {
      out.effect = "deferred";
      return Outcome(out);
    }
    if (s == TicketStatus::kPaid || s == TicketStatus::kDisputed) {
      moved = move(e, t, TicketStatus::kRefunded, "refunded");
    }
  } else if (e.type == kDisputeCreated) {
    if (before_success) {
      out.effect = "deferred";
      return Outcome(out);
    }
    if (s == TicketStatus::kPaid) moved = move(e, t, TicketStatus::kDisputed, "disputed");
  } else {  // charge.dispute.closed
    if (before_success) {
      out.effect = "deferred";
      return Outcome(out);
    }
    const std::string status = e.status.value_or("");
    if (status == "won" && s == TicketStatus::kDisputed) {
      moved = move(e, t, TicketStatus::kPaid, "dispute_won");
    } else if (status == "lost" && (s == TicketStatus::kDisputed || s == TicketStatus::kPaid)) {
      moved = move(e, t, TicketStatus::kRefunded, "dispute_lost");
    }
  }
  if (!moved) return moved.error();
  return Outcome(std::move(moved).value());
}

Result<WebhookOutcome> TicketService::confirm_sandbox_payment(const Identity& caller,
                                                              const std::string& payment_id,
                                                              bool succeed) {
  if (!sandbox_) return make_error(errc::kNotFound, "the sandbox payment provider is not in use");
  auto ticket =
      store_->tickets().find_by_provider_payment_id(std::string(provider_->name()), payment_id);
  if (!ticket) return errc::from_store(ticket.error());
  if (ticket->fan_id != caller.user_id && caller.role != store::Role::kAdmin) {
    return make_error(errc::kForbidden, "only the buyer confirms the payment");
  }
  auto stream = store_->streams().find(ticket->stream_id);
  std::string destination;
  if (stream) {
    auto artist = store_->users().find_by_id(stream->artist_id);
    if (artist && artist->stripe_account_id) destination = *artist->stripe_account_id;
  }
  payments::SandboxIntent intent;
  intent.id = payment_id;
  intent.amount_cents = ticket->amount_cents;
  intent.currency = ticket->currency;
  intent.application_fee_cents = ticket->fee_cents;
  intent.destination_account = destination;
  intent.metadata = {{"kind", "ticket"},
                     {"stream_id", ticket->stream_id},
                     {"ticket_id", ticket->id},
                     {"fan_id", ticket->fan_id}};
  const payments::SignedEvent event =
      sandbox_->payment_intent_event(succeed ? kSucceeded : kFailed, intent);
  return webhooks_->handle_webhook(event.payload, event.signature_header);
}

}  // namespace stagecast::platform
