#pragma once
// Secrets the embedded default makes up for itself: on first start a random secret is written to
// <data_dir>/secrets/<name> (mode 0600) and read back on every later start, so tokens survive a
// restart. Production mode refuses this: secrets must come from configuration.

#include <string>

#include "core/result.h"

namespace stagecast::app {

// Returns `configured` when set; otherwise the stored secret, created when missing.
// Errors: config_invalid (production mode without a configured secret), io_error.
Result<std::string> secret_or_generated(const std::string& configured, const std::string& data_dir,
                                        const std::string& name, bool production);

}  // namespace stagecast::app
