#pragma once
// This node's duties among several (bus.url set; docs/operations.md, "Multi-node"), on a thread
// of its own with its own Redis connection (every call here may block; none runs on an I/O
// thread):
// - Stream ownership leases: for each stream this node ingests (the ingest registry's live
//   streams), `stagecast:lease:<stream>` = "<node.id> <node.public_url>" with a TTL
//   (cluster.lease_ttl_ms), renewed every cluster.lease_renew_ms; set only when absent or already
//   this node's, and deleted (if still ours) when the stream leaves this node.
// - Lapsed leases: every renewal period the store's LIVE streams not ingested here are checked;
//   one whose lease is missing (its node died) or names this node (an earlier run of it) on two
//   checks in a row is ended as `interrupted`, as a restarted single node ends what it left LIVE.
//   At start (before publishers can connect) the same rule runs once without the second check.
//   A Redis that lost its data (restarted, flushed) holds no lease until each node reconnects,
//   after up to its backoff's cap: no lease is judged until Redis has held the cluster's state
//   (`stagecast:since`, on Redis's clock) for lapse_grace().
// - Viewer counts: each node writes its own count of each stream into the hash
//   `stagecast:viewers:<stream>` (field: node id, value "<count> <unix ms>", the key expiring
//   when no node refreshes it) once a second, and reads the others' fresh fields; the figure
//   shown is the sum (remote_viewers() is what the other nodes add).
// - Owners: the public URL of the node holding each LIVE stream held elsewhere (owner_url()),
//   for HLS requests that reach a node without the stream.
// Redis unreachable: nothing is ended, counts are this node's own, the thread reconnects.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bus/redis/redis_client.h"
#include "core/metrics.h"
#include "platform/stream_events.h"
#include "platform/stream_service.h"
#include "store/store.h"

namespace stagecast::app {

struct ClusterOptions {
  std::string node_id;
  std::string public_url;
  std::chrono::milliseconds lease_ttl{10'000};
  std::chrono::milliseconds lease_renew{3'000};
  std::chrono::milliseconds count_interval{1'000};
};

class ClusterNode final : public platform::StreamEvents {
 public:
  using LocalStreams = std::function<std::vector<std::string>()>;
  using LocalCounts = std::function<std::vector<std::pair<std::string, int64_t>>()>;

  ClusterNode(ClusterOptions options, bus::redis::RedisClientOptions redis,
              platform::StreamService& streams, store::Store& store, MetricsRegistry& metrics,
              LocalStreams local_streams);
  ~ClusterNode() override;
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // At start, before publishers can connect: ends the LIVE streams whose lease lapsed or names
  // this node. Redis unreachable: ends none (the thread's checks do it once Redis answers).
  void end_lapsed_at_start();
  // The source of this node's viewer counts; before start().
  void set_local_counts(LocalCounts counts) { local_counts_ = std::move(counts); }
  void start();
  void stop();

  // Any thread, no I/O: cached figures.
  int64_t remote_viewers(const std::string& stream_id) const;
  std::optional<std::string> owner_url(const std::string& stream_id) const;
  // The artist's LIVE streams as of the last check (every cluster.lease_renew_ms).
  std::vector<std::string> live_streams_of(const std::string& artist_id) const;
  // Whether the connection that carries leases and viewer counts is up (/readyz: bus degraded
  // while it is not).
  bool connected() const { return link_.connected(); }

  // platform::StreamEvents: a stream that went live here gets its lease at once.
  void went_live(const store::LiveStream& stream) override;

 private:
  void run();
  void renew_leases(bus::redis::RedisConnection& conn);
  void check_lapsed(bus::redis::RedisConnection& conn, bool at_start);
  void exchange_counts(bus::redis::RedisConnection& conn);
  std::string lease_value() const { return options_.node_id + " " + options_.public_url; }
  // Whether missing leases may be judged, given the reply of kStateAge.
  bool may_judge(const bus::redis::Reply& state_age);
  // A node reconnects within the backoff's cap and one connect timeout, then renews at once.
  std::chrono::milliseconds lapse_grace() const {
    return redis_.backoff.cap + redis_.timeout + options_.lease_renew;
  }

  ClusterOptions options_;
  bus::redis::RedisClientOptions redis_;
  platform::StreamService& streams_;
  store::Store& store_;
  LocalStreams local_streams_;
  LocalCounts local_counts_;
  bus::redis::RedisLink link_;
  Counter& interrupted_;
  Gauge& leases_held_;
  Gauge& live_streams_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool wake_ = false;
  std::thread thread_;

  // Thread only.
  std::set<std::string> held_;         // leases set by this node
  std::map<std::string, int> misses_;  // LIVE elsewhere, lease missing: checks in a row
  std::set<std::string> counted_;      // streams with this node's field in their hash
  std::set<std::string> live_;         // LIVE in the store at the last check
  bool judging_paused_ = false;        // Redis's state younger than lapse_grace()

  mutable std::mutex cache_mu_;
  std::map<std::string, int64_t> remote_;      // stream -> the other nodes' viewers
  std::map<std::string, std::string> owners_;  // stream -> public URL of its node (not this)
  std::map<std::string, std::vector<std::string>> artists_;  // artist -> LIVE streams
};

}  // namespace stagecast::app
