// An in-process Cache: for a deployment without Redis, for tests, and as a small near cache.
//
// Sharded (a mutex per shard, so concurrent readers of different keys rarely meet), TTL
// honoured on read, and bounded: each shard keeps at most max_entries / shards entries and
// evicts the least recently used one when full. Never fails, so Stats().errors stays 0.
//
//   MemoryCache cache({.max_entries = 10000});
//   cache.Set(key, bytes, absl::Minutes(5));
//   std::optional<std::string> hit = cache.Get(key);
//
// Tests pass a FakeClock to expire entries without sleeping.
#pragma once

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/clock.h"

namespace opsuite::cache {

struct MemoryCacheOptions {
  size_t max_entries = 100000;  // across all shards
  int shards = 16;
  Clock* clock = nullptr;  // nullptr: RealClock::Default()
};

class MemoryCache final : public Cache {
 public:
  explicit MemoryCache(MemoryCacheOptions options = {});

  std::optional<std::string> Get(std::string_view key) override;
  std::optional<std::string> Peek(std::string_view key) override { return Get(key); }
  void Set(std::string_view key, std::string_view value, absl::Duration ttl) override;
  std::optional<std::string> GetForFill(std::string_view key, absl::Duration lease_ttl,
                                        std::string* lease) override;
  void Fill(std::string_view key, std::string_view value, absl::Duration ttl,
            const std::string& lease) override;
  // Never blocks: answers at once.
  bool GetForFillAsync(std::string_view key, absl::Duration lease_ttl, FillDone& done) override;
  void Delete(const std::vector<std::string>& keys) override;
  CacheStats Stats() const override;

  // Entries held now, expired ones not yet dropped included.
  size_t Size() const;
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::string value;
    absl::Time expires;
    std::list<std::string>::iterator lru;  // position in Shard::lru
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> map ABSL_GUARDED_BY(mu);
    std::list<std::string> lru ABSL_GUARDED_BY(mu);  // front: most recently used
  };

  Shard& ShardFor(std::string_view key);
  // Get, and with a positive lease_ttl also GetForFill.
  std::optional<std::string> Lookup(std::string_view key, absl::Duration lease_ttl,
                                    std::string* lease);
  void Store(Shard& shard, std::string_view key, std::string_view value, absl::Time expires)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  Clock* const clock_;
  const size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace opsuite::cache
