#pragma once
// Every payment webhook event received (idempotency and audit).

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class PaymentEventRepository {
 public:
  virtual ~PaymentEventRepository() = default;

  // Inserts the event unless (provider, event_id) is already stored. Returns true when it was
  // new; false for a repeat (the stored row is left untouched).
  virtual Result<bool> insert_if_new(const PaymentEvent& e) = 0;
  virtual Result<PaymentEvent> find(const std::string& provider, const std::string& event_id) = 0;
  // Sets applied and applied_at. Returns false when it was already applied (exactly once);
  // not_found for an unknown event.
  virtual Result<bool> mark_applied(const std::string& provider, const std::string& event_id,
                                    int64_t at_ms) = 0;
  // Events received but not applied yet (oldest first), e.g. to retry after a crash.
  virtual Result<std::vector<PaymentEvent>> list_unapplied(int limit) = 0;
  // Newest first (the operator page).
  virtual Result<std::vector<PaymentEvent>> list_recent(int limit) = 0;
};

}  // namespace stagecast::store
