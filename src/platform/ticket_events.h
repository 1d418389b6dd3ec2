#pragma once
// What TicketService tells the rest of the system when a ticket starts or stops admitting its
// fan: the HLS access check revokes or restores the fan's playback tokens for the stream, the
// realtime gateway takes a fan whose ticket was refunded out of the stream's room. Called
// synchronously on the worker thread that made the change, after the store has it:
// implementations post to their own executor (or take a short lock) and return at once, and
// must not throw. Register listeners with TicketService::add_listener while wiring.

#include "store/records.h"

namespace stagecast::platform {

class TicketEvents {
 public:
  virtual ~TicketEvents() = default;

  // The ticket now admits (paid, granted, comped) or no longer does (refunded, dispute lost,
  // revoked). `may_watch` is what the access policy says for the fan after the change: a
  // moderator whose ticket was refunded may still watch, and is not cut off.
  virtual void ticket_access_changed(const store::StreamTicket& ticket,
                                     const store::LiveStream& stream, bool may_watch) = 0;
};

}  // namespace stagecast::platform
