#pragma once
// Tickets for PAID streams.

#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class TicketRepository {
 public:
  virtual ~TicketRepository() = default;

  // Inserts or updates `paid` and updated_at of (stream_id, fan_id).
  virtual Result<StreamTicket> upsert(const StreamTicket& t) = 0;
  // not_found when the fan has no ticket row.
  virtual Result<StreamTicket> find(const std::string& stream_id, const std::string& fan_id) = 0;
  // True only for a ticket that is paid.
  virtual Result<bool> has_paid_ticket(const std::string& stream_id,
                                       const std::string& fan_id) = 0;
  virtual Result<std::vector<StreamTicket>> list_for_stream(const std::string& stream_id) = 0;
};

}  // namespace stagecast::store
