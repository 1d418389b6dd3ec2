// libFuzzer target: the /ws client event parser (realtime/client_event.h) and the chat text rules
// (platform/chat_text.h) over arbitrary bytes, as a WebSocket text message would bring them.
// Must never crash, hang or throw; a parsed chat text must then go through the rules cleanly.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "platform/chat_text.h"
#include "realtime/client_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = stagecast::realtime::parse_client_event(text);
  if (parsed.event.ok()) {
    (void)stagecast::realtime::event_type_name(*parsed.event);
    if (const auto* chat = std::get_if<stagecast::realtime::ChatEvent>(&*parsed.event)) {
      static const stagecast::platform::BlockedWords words({"spoiler", "bad word"});
      auto checked = stagecast::platform::checked_chat_text(chat->text, 500);
      if (checked.ok()) (void)words.find_in(*checked);
    }
  }
  // The raw bytes straight into the text rules too (they see whatever a client may send).
  (void)stagecast::platform::checked_chat_text(text, 500);
  return 0;
}
