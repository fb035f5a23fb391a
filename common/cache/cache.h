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

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/clock.h"
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

  // For a reader that loads on a miss and then stores what it loaded (cache-aside). Get, and on
  // a miss also a lease on the key in `*lease` (empty when none was taken: another reader
  // holds it, or the backend is unreachable). Fill stores `value` only while the key still
  // holds that lease, so a Delete that came after the lease (a writer's commit) wins: a reader
  // that loaded the old row before the commit cannot put it back. The lease itself reads as a
  // miss everywhere and lapses after `lease_ttl`.
  virtual std::optional<std::string> GetForFill(std::string_view key, absl::Duration lease_ttl,
                                                std::string* lease) = 0;
  virtual void Fill(std::string_view key, std::string_view value, absl::Duration ttl,
                    const std::string& lease) = 0;

  // GetForFill for a thread that must not wait (the gRPC thread). Either returns false at once
  // (this cache cannot answer without blocking: call GetForFill on a worker), or returns true
  // and calls `done` exactly once with the value, or nothing and the lease (empty when none),
  // then or later: on the calling thread for an answer at hand, on the Redis client's I/O
  // thread for a Redis reply. `done` must be quick and must not block.
  using FillDone = absl::AnyInvocable<void(std::optional<std::string> value, std::string lease)>;
  virtual bool GetForFillAsync(std::string_view key, absl::Duration lease_ttl, FillDone& done) {
    return false;
  }
  // Invalidation must not be lost: a delete that cannot reach the backend is kept and
  // replayed before the backend is read again.
  virtual void Delete(const std::vector<std::string>& keys) = 0;
  virtual CacheStats Stats() const = 0;
};

// Callbacks still to run that point back at their cache (GetForFillAsync, an unanswered Fill).
// Declared last in the cache, so that its destructor, which waits for them, runs first; each is
// bounded by the Redis client's command timeout.
class PendingCallbacks {
 public:
  ~PendingCallbacks() {
    while (n_.load(std::memory_order_acquire) > 0) absl::SleepFor(absl::Microseconds(200));
  }
  void Add() { n_.fetch_add(1, std::memory_order_relaxed); }
  void Done() { n_.fetch_sub(1, std::memory_order_release); }

 private:
  std::atomic<int> n_{0};
};

// A lease is stored as the key's value: "\0lease:" and a random token. No serialized
// protobuf message starts with a 0 byte (field number 0 is invalid), so it is never a value.
inline constexpr std::string_view kLeasePrefix{"\0lease:", 7};
inline bool IsLease(std::string_view value) { return value.substr(0, kLeasePrefix.size()) == kLeasePrefix; }
// A fresh lease value (kLeasePrefix + 16 random hex digits).
std::string NewLease();

// Key layout of DESIGN.md §5: ops:{<org>}:<svc>:<type>:<id>:v<schema>.
std::string Key(std::string_view org, std::string_view svc, std::string_view type,
                std::string_view id, int schema = 1);

}  // namespace opsuite::cache
