#pragma once
// base64url lives in core/ (Web Push in notify/ needs it too); the platform's names stay.

#include "core/base64url.h"

namespace stagecast::platform {

using stagecast::base64url_decode;
using stagecast::base64url_encode;

}  // namespace stagecast::platform
