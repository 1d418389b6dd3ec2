#pragma once
// What TipService tells the rest of the system about tips (the realtime gateway puts a confirmed
// tip into the room's chat; analytics may count it). Called synchronously on the worker thread
// that applied the webhook, after the store has the change: implementations post to their own
// executor and return at once, and must not throw. Register listeners with
// TipService::add_listener while wiring, before serving.

#include "store/records.h"

namespace stagecast::platform {

class TipEvents {
 public:
  virtual ~TipEvents() = default;

  // The payment provider confirmed the tip (PENDING/FAILED -> SUCCEEDED). `stream` is read after
  // the change (its tip totals include this tip). `chat_line` is the TIP chat message already
  // stored (id = the tip's id, seq assigned, body = the fan's message or empty): broadcast it to
  // the room as it is and do not store it again. Called once per tip, however often the
  // provider delivers the event.
  virtual void tip_succeeded(const store::Tip& tip, const store::LiveStream& stream,
                             const store::ChatMessage& chat_line) = 0;
};

}  // namespace stagecast::platform
