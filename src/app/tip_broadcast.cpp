#include "app/tip_broadcast.h"

#include <nlohmann/json.hpp>

#include <memory>

#include "realtime/server_events.h"

namespace stagecast::app {

std::string tip_event_wire(const store::Tip& tip, const store::ChatMessage& line) {
  const nlohmann::json details = {{"id", tip.id},
                                  {"amountCents", tip.amount_cents},
                                  {"currency", tip.currency},
                                  {"fanId", tip.fan_id}};
  // The message object is the realtime layer's own serialisation, so a tip line reads like every
  // other chat line.
  return R"({"type":"tip","message":)" + realtime::events::message_object(line) +
         R"(,"tip":)" + details.dump() + "}";
}

void TipBroadcast::tip_succeeded(const store::Tip& tip, const store::LiveStream& stream,
                                 const store::ChatMessage& chat_line) {
  realtime::RoomEvent event;
  event.kind = realtime::RoomEvent::Kind::kChat;
  event.message = std::make_shared<const store::ChatMessage>(chat_line);
  event.wire = std::make_shared<const std::string>(tip_event_wire(tip, chat_line));
  bus_.publish(stream.id, event);
}

}  // namespace stagecast::app
