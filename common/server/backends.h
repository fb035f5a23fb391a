// The cache and event bus a process uses: Redis when a URL is configured, else in-process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/cache/cache.h"
#include "common/clock.h"
#include "common/events/bus.h"
#include "common/storage/database.h"
#include "common/redis/redis_client.h"

namespace opsuite::server {

class Backends {
 public:
  virtual ~Backends() = default;
  virtual cache::Cache* cache() = 0;
  virtual events::EventPublisher* publisher() = 0;
  // Where consumers (notify) read events with a consumer group.
  virtual events::EventSource* source() = 0;
  // A Redis client for data structures (leaderboards, leases): null without Redis.
  virtual std::shared_ptr<redis::RedisClient> redis() = 0;
  // Starts relaying `db`'s outbox to the publisher until Stop().
  virtual void StartOutboxRelay(storage::Database* db) = 0;
  // Flushes and stops every relay.
  virtual void Stop() = 0;
  virtual std::string Describe() const = 0;  // for the ready line, e.g. "redis 127.0.0.1:6379"
};

// `redis_url` empty: MemoryCache + InProcessBus. Otherwise RedisCache (behind a NearCache of
// `near_cache_entries`, unless 0) + RedisStreamBus; a Redis that is down at start-up is not
// fatal (the cache misses, the outbox keeps events). The cache's commands wait at most
// `cache_timeout` for Redis.
absl::StatusOr<std::unique_ptr<Backends>> MakeBackends(const std::string& redis_url,
                                                       size_t near_cache_entries,
                                                       absl::Duration cache_timeout,
                                                       const Clock* clock);

}  // namespace opsuite::server
