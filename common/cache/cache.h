// A cache that never fails a request: a miss, a timeout and a broken connection all look
// like "not cached" to the caller (and are counted in Stats()).
//
// Two implementations: RedisCache (common/cache/redis_cache.h) and MemoryCache
// (common/cache/memory_cache.h) for when no Redis is configured.
//
//   Cache& cache = ...;
//   if (auto hit = cache.Get(key)) { ... parse *hit ... }
//   cache.Set(key, bytes, absl::Minutes(5));   // TTL gets jitter
//   cache.Delete({key});                       // after the database commit
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace opsuite::cache {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t errors = 0;       // timeouts, broken connections, refused while the breaker is open
  uint64_t breaker_opens = 0;
  uint64_t near_hits = 0;      // of the hits, those answered in-process (NearCache)
  uint64_t invalidations = 0;  // invalidation messages a NearCache applied
};

class Cache {
 public:
  virtual ~Cache() = default;
  virtual std::optional<std::string> Get(std::string_view key) = 0;
  // What this process can answer without waiting on any I/O, or nothing (then call Get on a
  // thread that may block). For a call answered on the gRPC thread.
  virtual std::optional<std::string> Peek(std::string_view key) { return std::nullopt; }
  virtual void Set(std::string_view key, std::string_view value, absl::Duration ttl) = 0;
  // Invalidation must not be lost: a delete that cannot reach the backend is kept and
  // replayed before the backend is read again.
  virtual void Delete(const std::vector<std::string>& keys) = 0;
  virtual CacheStats Stats() const = 0;
};

// Key layout of DESIGN.md §5: ops:{<org>}:<svc>:<type>:<id>:v<schema>.
std::string Key(std::string_view org, std::string_view svc, std::string_view type,
                std::string_view id, int schema = 1);

}  // namespace opsuite::cache
