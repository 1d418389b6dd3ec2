#include "payments/stripe_event.h"

#include <nlohmann/json.hpp>

#include "payments/payment_errors.h"

namespace stagecast::payments {

namespace {

constexpr int kMaxDepth = 32;

Error malformed(std::string message) {
  return make_error(errc::kEventMalformed, std::move(message));
}

std::optional<std::string> string_field(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

Result<WebhookEvent> parse_webhook_event(std::string_view payload) {
  if (payload.size() > kMaxEventBytes) return malformed("event too large");
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t event,
                                                nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxDepth) {
      too_deep = true;
    }
    return !too_deep;
  };
  nlohmann::json j = nlohmann::json::parse(payload.begin(), payload.end(), limit,
                                           /*allow_exceptions=*/false);
  if (too_deep) return malformed("event nested too deeply");
  if (j.is_discarded() || !j.is_object()) return malformed("event is not a JSON object");

  WebhookEvent e;
  auto id = string_field(j, "id");
  auto type = string_field(j, "type");
  if (!id || id->empty() || id->size() > 255) return malformed("event id missing");
  if (!type || type->empty() || type->size() > 255) return malformed("event type missing");
  e.id = std::move(*id);
  e.type = std::move(*type);
  if (auto created = j.find("created"); created != j.end() && created->is_number_integer()) {
    e.created = created->get<int64_t>();
  }
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) return malformed("event data missing");
  auto object = data->find("object");
  if (object == data->end() || !object->is_object()) return malformed("event data.object missing");
  const nlohmann::json& o = *object;

  e.object_type = string_field(o, "object").value_or("");
  e.object_id = string_field(o, "id").value_or("");
  if (e.object_type == "payment_intent") {
    if (!e.object_id.empty()) e.payment_intent_id = e.object_id;
  } else if (auto pi = o.find("payment_intent"); pi != o.end()) {
    if (pi->is_string()) {
      e.payment_intent_id = pi->get<std::string>();
    } else if (pi->is_object()) {
      e.payment_intent_id = string_field(*pi, "id");
    }
  }
  if (auto md = o.find("metadata"); md != o.end() && md->is_object()) {
    for (const auto& [key, value] : md->items()) {
      if (value.is_string()) e.metadata.emplace(key, value.get<std::string>());
    }
  }
  if (auto amount = o.find("amount"); amount != o.end() && amount->is_number_integer()) {
    e.amount = amount->get<int64_t>();
  }
  e.currency = string_field(o, "currency");
  if (auto refunded = o.find("refunded"); refunded != o.end() && refunded->is_boolean()) {
    e.refunded = refunded->get<bool>();
  }
  e.status = string_field(o, "status");
  auto flag = [&o](const char* name) -> std::optional<bool> {
    auto it = o.find(name);
    if (it == o.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
  };
  e.charges_enabled = flag("charges_enabled");
  e.payouts_enabled = flag("payouts_enabled");
  if (auto req = o.find("requirements"); req != o.end() && req->is_object()) {
    e.disabled_reason = string_field(*req, "disabled_reason");
  }
  return e;
}

}  // namespace stagecast::payments
