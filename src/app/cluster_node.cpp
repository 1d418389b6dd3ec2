#include "app/cluster_node.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace stagecast::app {

namespace {

using bus::redis::Command;
using bus::redis::RedisConnection;
using bus::redis::Reply;
using Clock = std::chrono::steady_clock;

std::string lease_key(const std::string& stream_id) {
  return "stagecast:lease:" + stream_id;
}
std::string viewers_key(const std::string& stream_id) {
  return "stagecast:viewers:" + stream_id;
}

// Sets the lease when it is absent or already ours (a publisher that moved to another node
// within the reconnect grace does not take it from the first one while that one still holds it).
constexpr const char* kAcquire =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == false or v == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "end "
    "return 0";
// Deletes the lease only while it is ours.
constexpr const char* kRelease =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
// How long (ms, on Redis's clock) Redis has held the cluster's state: the time since the first
// node found `stagecast:since` absent (a fresh, restarted or flushed Redis) or not a number, and
// set it.
constexpr const char* kStateAge =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local since = tonumber(redis.call('GET', KEYS[1]) or '') "
    "if since == nil then redis.call('SET', KEYS[1], tostring(now)) return 0 end "
    "return now - since";
constexpr const char* kSinceKey = "stagecast:since";

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "<count> <unix ms>" -> count, when fresh.
std::optional<int64_t> fresh_count(const std::string& value, int64_t now_ms, int64_t max_age_ms) {
  const auto space = value.find(' ');
  if (space == std::string::npos) return std::nullopt;
  int64_t count = 0;
  int64_t at = 0;
  const char* b = value.data();
  if (std::from_chars(b, b + space, count).ec != std::errc() ||
      std::from_chars(b + space + 1, b + value.size(), at).ec != std::errc())
    return std::nullopt;
  if (count < 0 || now_ms - at > max_age_ms) return std::nullopt;
  return count;
}

}  // namespace

ClusterNode::ClusterNode(ClusterOptions options, bus::redis::RedisClientOptions redis,
                         platform::StreamService& streams, store::Store& store,
                         MetricsRegistry& metrics, LocalStreams local_streams)
    : options_(std::move(options)),
      redis_([&] {
        redis.name = "cluster";
        return std::move(redis);
      }()),
      streams_(streams),
      store_(store),
      local_streams_(std::move(local_streams)),
      link_(redis_, metrics),
      interrupted_(metrics.counter("stagecast_cluster_streams_interrupted_total",
                                   "LIVE streams of a node that died (lease lapsed), ended here")),
      leases_held_(metrics.gauge("stagecast_cluster_leases_held",
                                 "Stream ownership leases this node holds")),
      live_streams_(metrics.gauge("stagecast_cluster_live_streams",
                                  "LIVE streams of every node, as of this node's last check")) {}

ClusterNode::~ClusterNode() {
  stop();
}

void ClusterNode::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void ClusterNode::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ClusterNode::went_live(const store::LiveStream&) {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

int64_t ClusterNode::remote_viewers(const std::string& stream_id) const {
  std::lock_guard lock(cache_mu_);
  const auto it = remote_.find(stream_id);
  return it == remote_.end() ? 0 : it->second;
}

std::optional<std::string> ClusterNode::owner_url(const std::string& stream_id) const {
  std::lock_guard lock(cache_mu_);
  const auto it = owners_.find(stream_id);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ClusterNode::live_streams_of(const std::string& artist_id) const {
  std::lock_guard lock(cache_mu_);
  const auto it = artists_.find(artist_id);
  return it == artists_.end() ? std::vector<std::string>() : it->second;
}

void ClusterNode::end_lapsed_at_start() {
  auto conn = RedisConnection::open(redis_.endpoint, redis_.timeout);
  if (!conn) {
    spdlog::warn(
        "cluster: redis unreachable at start ({}); no LIVE stream is ended now, lapsed leases "
        "are checked once it answers",
        conn.error().message);
    return;
  }
  check_lapsed(**conn, /*at_start=*/true);
}

void ClusterNode::run() {
  std::unique_lock lock(mu_);
  const auto stopping = [this] { return stopping_; };
  auto next_lease = Clock::now();
  auto next_count = Clock::now();
  while (!stopping_) {
    RedisConnection* conn = link_.ensure(stopping, cv_, lock);
    if (!conn) {
      // Redis away: the counts shown are this node's own until it is back.
      std::lock_guard cache(cache_mu_);
      remote_.clear();
      continue;
    }
    const bool woken = std::exchange(wake_, false);
    const auto now = Clock::now();
    const bool lease_due = woken || now >= next_lease;
    const bool count_due = now >= next_count;
    lock.unlock();
    if (lease_due) {
      renew_leases(*conn);
      if (!conn->broken() && !woken) check_lapsed(*conn, false);
      next_lease = now + options_.lease_renew;
    }
    if (count_due && !conn->broken() && local_counts_) {
      exchange_counts(*conn);
      next_count = now + options_.count_interval;
    }
    lock.lock();
    if (conn->broken()) {
      link_.lost(make_error("unavailable", "cluster: redis connection broke"));
      continue;
    }
    cv_.wait_until(lock, std::min(next_lease, next_count), [this] { return stopping_ || wake_; });
  }
  // A clean stop gives the leases back at once (another node may take the streams over).
  lock.unlock();
  if (auto* conn = link_.get(); conn && !conn->broken()) {
    std::vector<Command> release;
    for (const auto& id : held_)
      release.push_back({"EVAL", kRelease, "1", lease_key(id), lease_value()});
    if (!release.empty()) (void)conn->pipeline(release);
  }
}

void ClusterNode::renew_leases(RedisConnection& conn) {
  const auto local = local_streams_();
  const std::set<std::string> now(local.begin(), local.end());
  std::vector<Command> commands;
  std::vector<std::string> ids;
  for (const auto& id : now) {
    commands.push_back({"EVAL", kAcquire, "1", lease_key(id), lease_value(),
                        std::to_string(options_.lease_ttl.count())});
    ids.push_back(id);
  }
  for (const auto& id : held_) {
    if (!now.contains(id))
      commands.push_back({"EVAL", kRelease, "1", lease_key(id), lease_value()});
  }
  if (commands.empty()) return;
  auto replies = conn.pipeline(commands);
  if (!replies) return;
  held_.clear();
  for (size_t i = 0; i < ids.size(); ++i) {
    const Reply& r = (*replies)[i];
    if (r.type == Reply::Type::kStatus) {
      held_.insert(ids[i]);
    } else if (r.is_error()) {
      spdlog::warn("cluster: lease of stream {}: {}", ids[i], r.str);
    } else {
      spdlog::warn("cluster: stream {} is ingested here but another node holds its lease", ids[i]);
    }
  }
  leases_held_.set(static_cast<int64_t>(held_.size()));
}

void ClusterNode::check_lapsed(RedisConnection& conn, bool at_start) {
  auto live = store_.streams().list_live();
  if (!live) {
    spdlog::warn("cluster: listing LIVE streams failed: {}", live.error().message);
    return;
  }
  const auto local_list = local_streams_();
  const std::set<std::string> local(local_list.begin(), local_list.end());
  std::vector<std::string> ids;
  std::vector<Command> gets{{"EVAL", kStateAge, "1", kSinceKey}};
  for (const auto& s : *live) {
    if (local.contains(s.id)) continue;
    ids.push_back(s.id);
    gets.push_back({"GET", lease_key(s.id)});
  }
  std::map<std::string, std::string> owners;
  std::map<std::string, int> misses;
  std::vector<std::string> to_end;
  {
    auto replies = conn.pipeline(gets);
    if (!replies) return;
    const bool judge = may_judge((*replies)[0]);
    for (size_t i = 0; i < ids.size(); ++i) {
      const Reply& r = (*replies)[i + 1];
      if (r.type == Reply::Type::kString) {
        const auto space = r.str.find(' ');
        const std::string node = r.str.substr(0, space);
        if (node != options_.node_id) {
          if (space != std::string::npos && space + 1 < r.str.size())
            owners[ids[i]] = r.str.substr(space + 1);
          continue;
        }
      } else if (r.type != Reply::Type::kNil || !judge) {
        continue;  // an error reply, or Redis too new to tell: no decision on it
      }
      // Lapsed, or held by an earlier run of this node.
      const int seen = (misses_.contains(ids[i]) ? misses_.at(ids[i]) : 0) + 1;
      if (at_start || seen >= 2) {
        to_end.push_back(ids[i]);
      } else {
        misses[ids[i]] = seen;
      }
    }
  }
  misses_ = std::move(misses);
  live_.clear();
  std::map<std::string, std::vector<std::string>> artists;
  for (const auto& s : *live) {
    live_.insert(s.id);
    artists[s.artist_id].push_back(s.id);
  }
  {
    std::lock_guard lock(cache_mu_);
    owners_ = std::move(owners);
    artists_ = std::move(artists);
  }
  live_streams_.set(static_cast<int64_t>(live_.size()));
  for (const auto& id : to_end) {
    auto r = streams_.mark_ended(id, "interrupted");
    if (r) {
      interrupted_.inc();
      spdlog::warn("cluster: stream {}: its node's lease lapsed; ended as interrupted", id);
    } else if (r.error().code != "stream_ended") {
      spdlog::warn("cluster: stream {}: ending it failed: {}", id, r.error().message);
    }
  }
}

bool ClusterNode::may_judge(const Reply& state_age) {
  if (state_age.type != Reply::Type::kInteger) {
    spdlog::warn("cluster: reading how long redis has held the cluster's state failed: {}",
                 state_age.str);
    return false;
  }
  const auto grace = lapse_grace();
  const bool judge = state_age.integer >= grace.count();
  if (!judge && !judging_paused_) {
    spdlog::info(
        "cluster: redis holds the cluster's state for {} ms only (restarted or flushed); no "
        "stream is ended for a missing lease before {} ms, when every node has had time to "
        "reconnect and renew its leases",
        state_age.integer, grace.count());
  }
  judging_paused_ = !judge;
  return judge;
}

void ClusterNode::exchange_counts(RedisConnection& conn) {
  const auto counts = local_counts_();
  const int64_t now = unix_ms();
  const auto max_age = 3 * options_.count_interval.count();
  std::vector<Command> commands;
  std::set<std::string> counted;
  for (const auto& [id, count] : counts) {
    commands.push_back({"HSET", viewers_key(id), options_.node_id,
                        std::to_string(count) + " " + std::to_string(now)});
    commands.push_back(
        {"PEXPIRE", viewers_key(id), std::to_string(10 * options_.count_interval.count())});
    counted.insert(id);
  }
  for (const auto& id : counted_) {
    if (!counted.contains(id)) commands.push_back({"HDEL", viewers_key(id), options_.node_id});
  }
  counted_ = std::move(counted);
  std::set<std::string> wanted = live_;
  for (const auto& [id, count] : counts) wanted.insert(id);
  const size_t first_read = commands.size();
  std::vector<std::string> ids(wanted.begin(), wanted.end());
  for (const auto& id : ids) commands.push_back({"HGETALL", viewers_key(id)});
  if (commands.empty()) return;
  auto replies = conn.pipeline(commands);
  if (!replies) return;
  std::map<std::string, int64_t> remote;
  for (size_t i = 0; i < ids.size(); ++i) {
    const Reply& r = (*replies)[first_read + i];
    if (r.type != Reply::Type::kArray) continue;
    int64_t sum = 0;
    for (size_t f = 0; f + 1 < r.elements.size(); f += 2) {
      if (r.elements[f].str == options_.node_id) continue;
      sum += fresh_count(r.elements[f + 1].str, now, max_age).value_or(0);
    }
    if (sum > 0) remote[ids[i]] = sum;
  }
  std::lock_guard lock(cache_mu_);
  remote_ = std::move(remote);
}

}  // namespace stagecast::app
