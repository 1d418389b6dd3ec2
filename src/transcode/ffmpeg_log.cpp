#include "transcode/ffmpeg_log.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstring>
#include <mutex>
#include <string_view>

extern "C" {
#include <libavutil/log.h>
}

namespace stagecast::transcode {

namespace {

void to_spdlog(void* avcl, int level, const char* fmt, va_list args) {
  if (level > av_log_get_level()) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &print_prefix);
  va_end(copy);
  std::string_view text(line, strnlen(line, sizeof line));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return;
  if (level <= AV_LOG_ERROR) {
    spdlog::error("ffmpeg: {}", text);
  } else {
    spdlog::warn("ffmpeg: {}", text);
  }
}

}  // namespace

void route_ffmpeg_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_WARNING);
    av_log_set_callback(to_spdlog);
  });
}

}  // namespace stagecast::transcode
