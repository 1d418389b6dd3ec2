#pragma once
// Confirmed tips into the stream's room (DESIGN.md: "Stripe -> webhook -> payments -> tips ->
// bus -> room broadcast"): a platform::TipEvents listener that publishes the stored TIP chat
// line on the realtime bus as one room event. Members receive
//   {"type":"tip","message":{...the chat message, kind "TIP"...},
//    "tip":{"id","amountCents","currency","fanId"}}
// and the line joins the room's history like any chat message (a joiner sees it with kind TIP).

#include <string>

#include "platform/tip_events.h"
#include "realtime/room_bus.h"

namespace stagecast::app {

// The wire form of a tip event (serialised once for every member).
std::string tip_event_wire(const store::Tip& tip, const store::ChatMessage& line);

class TipBroadcast final : public platform::TipEvents {
 public:
  // The bus is borrowed and must outlive this listener.
  explicit TipBroadcast(realtime::RoomBus& bus) : bus_(bus) {}

  // Any thread (the worker that applied the webhook); the bus returns at once.
  void tip_succeeded(const store::Tip& tip, const store::LiveStream& stream,
                     const store::ChatMessage& chat_line) override;

 private:
  realtime::RoomBus& bus_;
};

}  // namespace stagecast::app
