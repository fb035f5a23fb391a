// The shared Cache on Redis (DESIGN.md §5): GET, SET ... PX <ttl ± jitter>, DEL.
//
// Redis slow or down never fails a request: every error is a miss (counted in Stats()),
// and the client's short timeout and circuit breaker bound what an outage costs.
//
// Invalidation is not lost: a Delete that cannot reach Redis is remembered (up to
// `max_pending_deletes` keys; beyond that, "delete everything matching `flush_match`" is
// remembered instead) and replayed before this cache reads or writes Redis again. A key
// whose delete is pending is never read from Redis (Get is a miss) nor written (Set is
// dropped) until its delete has gone through.
//
// The limit that remains: the memory of pending deletes is this process's. Another replica
// that can reach Redis while this one cannot may read the stale value until its TTL ends,
// and a pending delete dies with this process. So the TTL is the bound on staleness in the
// worst case; keep it short for data where that matters.
//
//   ASSIGN_OR_RETURN(auto redis, redis::RedisClient::Create(url));  // 5 ms timeout
//   RedisCache cache(redis, {.flush_match = "ops:{*}:planning:*"});
//   cache.Set(Key(org, "planning", "employee", id), bytes, absl::Minutes(5));
//   cache.Delete({Key(org, "planning", "employee", id)});           // after the commit
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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
#include "common/redis/redis_client.h"

namespace opsuite::cache {

struct RedisCacheOptions {
  // SCAN MATCH pattern for the "flush everything" fallback after the pending set
  // overflowed. Make it as narrow as the service's own keys, e.g. "ops:{*}:planning:*".
  std::string flush_match = "ops:{*}:*";
  size_t max_pending_deletes = 100000;
  double ttl_jitter = 0.1;  // the TTL is drawn uniformly from ttl × [1 − j, 1 + j]
  size_t delete_batch = 500;  // keys per DEL command
};

class RedisCache final : public Cache {
 public:
  explicit RedisCache(std::shared_ptr<redis::RedisClient> client, RedisCacheOptions options = {});

  std::optional<std::string> Get(std::string_view key) override;
  void Set(std::string_view key, std::string_view value, absl::Duration ttl) override;
  std::optional<std::string> GetForFill(std::string_view key, absl::Duration lease_ttl,
                                        std::string* lease) override;
  // Does not wait for Redis' answer (RedisClient::CommandAsync): the value is already the
  // caller's, and the lease makes a late fill harmless.
  void Fill(std::string_view key, std::string_view value, absl::Duration ttl,
            const std::string& lease) override;
  // False while deletes are waiting to be replayed (the replay blocks); otherwise `done` runs
  // with Redis' answer on the client's I/O thread (pipelined client) or at once.
  bool GetForFillAsync(std::string_view key, absl::Duration lease_ttl, FillDone& done) override;
  void Delete(const std::vector<std::string>& keys) override;
  CacheStats Stats() const override;

  // Deletes waiting to be replayed (keys), and whether a full flush is waiting.
  size_t PendingDeletes() const;
  bool FlushPending() const;
  // Tries to replay the pending deletes now; true when none remain.
  bool ReplayPendingDeletes();

 private:
  // The get-or-lease command, and what its reply means (counted; *lease set when it is ours).
  static std::vector<std::string> LeaseCommand(std::string_view key, absl::Duration lease_ttl,
                                               const std::string& token);
  std::optional<std::string> LeaseReply(absl::StatusOr<redis::Reply> reply, std::string token,
                                        std::string* lease);
  // Remembers keys whose delete did not reach Redis.
  void Remember(const std::vector<std::string>& keys);
  // True when `key` must not be read or written because its delete has not gone through.
  bool Blocked(std::string_view key) const;
  // DEL in batches; false on the first failure.
  bool DeleteNow(const std::vector<std::string>& keys);
  bool FlushMatching();

  const std::shared_ptr<redis::RedisClient> client_;
  const RedisCacheOptions options_;

  // Set while anything is pending, so the common path takes no lock.
  std::atomic<bool> has_pending_{false};
  mutable absl::Mutex mu_;
  // key -> generation of the latest failed delete; a replay only forgets a key whose
  // generation is unchanged, so a delete that fails during a replay is not forgotten.
  absl::flat_hash_map<std::string, uint64_t> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool flush_all_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t flush_generation_ ABSL_GUARDED_BY(mu_) = 0;
  // One replay at a time; others skip it (their pending keys still read as misses).
  absl::Mutex replay_mu_;

  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> errors_{0};
  PendingCallbacks pending_callbacks_;  // last: waits for the callbacks before the rest goes
};

}  // namespace opsuite::cache
