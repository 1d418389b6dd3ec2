#include "platform/hls_sessions.h"

#include <algorithm>

namespace stagecast::platform {

bool valid_session_id(std::string_view sid) {
  if (sid.size() < 16 || sid.size() > 64) return false;
  return std::all_of(sid.begin(), sid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

void HlsSessionTable::seen(Entry& e, std::string_view rendition, int64_t now_ms) const {
  if (e.ended) return;
  if (now_ms > e.last_ms) e.last_ms = now_ms;
  if (rendition.empty()) return;
  const int64_t gap = std::clamp<int64_t>(now_ms - e.last_rendition_ms, 0, options_.max_gap_ms);
  e.last_rendition_ms = std::max(e.last_rendition_ms, now_ms);
  for (auto& [name, ms] : e.rendition_ms) {
    if (name == rendition) {
      ms += gap;
      return;
    }
  }
  if (e.rendition_ms.size() < 16) e.rendition_ms.emplace_back(std::string(rendition), gap);
}

HlsSessionChange HlsSessionTable::change_of(const std::string& sid, const Entry& e, bool ended) {
  HlsSessionChange c;
  c.stream_id = e.stream_id;
  c.sid = sid;
  c.user_id = e.user_id;
  c.device = e.device;
  c.first_ms = e.first_ms;
  c.last_ms = e.last_ms;
  if (ended) {
    c.rendition_ms = e.rendition_ms;
    int64_t best = -1;
    for (const auto& [name, ms] : e.rendition_ms) {
      if (ms > best) {
        best = ms;
        c.top_rendition = name;
      }
    }
  }
  return c;
}

HlsSweep HlsSessionTable::sweep(int64_t now_ms) {
  HlsSweep out;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (auto it = shard.sessions.begin(); it != shard.sessions.end();) {
      Entry& e = it->second;
      if (!e.reported) {
        e.reported = true;
        out.started.push_back(change_of(it->first, e, false));
      }
      if (e.ended || now_ms - e.last_ms > options_.silence_ms) {
        out.ended.push_back(change_of(it->first, e, true));
        it = shard.sessions.erase(it);
        count_.fetch_sub(1, std::memory_order_relaxed);
      } else {
        ++it;
      }
    }
  }
  return out;
}

void HlsSessionTable::end_stream(const std::string& stream_id) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (auto& [sid, e] : shard.sessions)
      if (e.stream_id == stream_id) e.ended = true;
  }
}

}  // namespace stagecast::platform
