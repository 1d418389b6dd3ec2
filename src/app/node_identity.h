#pragma once
// This node's id when node.id is not configured: made up on first start and kept in
// <data_dir>/node_id, so that it is "stable across restarts" as node.id must be. A restarted
// node then recognises what its earlier run left behind (the notification outbox's leases,
// docs/notifications.md; the stream leases of docs/operations.md) and tells it from what another
// node, which may be alive, holds.

#include <string>

#include "core/result.h"

namespace stagecast::app {

// The id stored in <data_dir>/node_id, created when missing. Errors: io_error.
Result<std::string> stored_node_id(const std::string& data_dir);

}  // namespace stagecast::app
