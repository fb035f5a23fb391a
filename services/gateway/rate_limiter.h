// Per-subject token buckets: `rate` requests a second on average, bursts up to `burst`.
// With Redis the bucket lives there (one Lua call, Redis's clock), so every gateway replica
// draws from the same bucket; a replica takes a tenth of the burst at a time (at most 50
// tokens, kept for a second) so that most requests need no Redis round trip. Without Redis,
// or while it fails, each replica keeps buckets of its own.
#pragma once

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/redis/redis_client.h"

namespace opsuite::gateway {

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    absl::Duration retry_after;  // when refused: until a token is back
    bool shared = false;         // decided by the Redis bucket (false: this replica's own)
  };
  // rate <= 0: no limit.
  RateLimiter(double rate, int burst, std::shared_ptr<redis::RedisClient> redis,
              const Clock* clock);
  Decision Take(const std::string& key);

 private:
  Decision TakeLocal(const std::string& key);

  static constexpr absl::Duration kLease = absl::Seconds(1);

  double rate_;
  int burst_;
  int batch_;  // tokens taken from Redis at a time
  std::shared_ptr<redis::RedisClient> redis_;
  const Clock* clock_;
  std::string sha_;  // SHA-1 of the Lua script, for EVALSHA

  struct Bucket {
    double tokens;
    absl::Time at;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> local_ ABSL_GUARDED_BY(mu_);
  struct Lease {
    int64_t tokens = 0;  // taken from the shared bucket, not spent yet
    absl::Time expires;
  };
  absl::flat_hash_map<std::string, Lease> leases_ ABSL_GUARDED_BY(mu_);
  absl::Time last_warning_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace opsuite::gateway
