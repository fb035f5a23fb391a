// A near cache: an in-process copy of what this process read from the shared Redis cache, kept
// true by Redis itself (client-side caching, `CLIENT TRACKING ... BCAST PREFIX <prefix>`), so
// that a hit costs no network round trip and can be answered on the gRPC thread (Peek).
//
//   NearCache cache(std::make_unique<RedisCache>(redis), redis, {.prefix = "ops:{"});
//   cache.Get(key);      // near hit, else Redis (and kept near), else miss
//   cache.Peek(key);     // near hit or nothing: never any I/O but one non-blocking recv
//   cache.Delete(keys);  // forgets them here at once, then DEL in Redis, which tells the others
//
// How it stays correct with several replicas:
// - Redis sends an invalidation message to every replica's subscriber connection whenever a key
//   under the prefix changes (SET, DEL, expiry, eviction, FLUSHALL), whoever changed it.
// - Read after write across replicas: a writer acknowledges only after its DEL returned. Redis
//   (7.0, io-threads off) queues a BCAST invalidation in beforeSleep, after the DEL's reply,
//   and writes the most recently queued client first, so the invalidation is written to every
//   subscriber before the writer's reply. Before any near hit, the reader drains its
//   subscriber socket without blocking (one recv), so an invalidation that reached this host
//   before the read began is applied first. A caller that saw a write acknowledged on replica
//   A and then reads on replica B gets the new value (NearCacheTest checks 2,000 rounds).
//   FLUSHALL is the exception: its invalidation can arrive just after its reply.
// - A read that fills the near cache races with writes: it leaves a placeholder before its
//   Redis GET, any invalidation of the key removes it, and the value is kept only if the
//   placeholder is still there afterwards.
// - No subscription, no near cache: while the subscriber is not connected (Redis down, start-up,
//   a reconnect) every call goes to the inner cache and the near copy is dropped; it is dropped
//   again when the subscription is back, since invalidations may have been missed meanwhile.
// - The limit that remains is the inner cache's (redis_cache.h): a writer that cannot reach
//   Redis cannot tell anyone. Near entries therefore live at most `max_ttl`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/clock.h"
#include "common/redis/redis_client.h"

namespace opsuite::cache {

struct NearCacheOptions {
  // The keys whose invalidations this cache hears about: the cache keys (cache.h Key), not the
  // event stream "ops:events" or the leaderboards, whose every XADD would otherwise reach every
  // replica as an invalidation.
  std::string prefix = "ops:{";
  size_t max_entries = 50000;   // across all shards; a full shard drops an entry to make room
  int shards = 16;
  absl::Duration max_ttl = absl::Seconds(60);  // a near entry never outlives this
  absl::Duration reconnect_backoff = absl::Milliseconds(200);
  // How long the listener rests after applying what it read (see Listen).
  absl::Duration listen_pause = absl::Milliseconds(2);
  Clock* clock = nullptr;  // nullptr: RealClock::Default()
};

class NearCache final : public Cache {
 public:
  // `inner` is the shared cache (RedisCache); `redis` is where the subscriber connects.
  NearCache(std::unique_ptr<Cache> inner, std::shared_ptr<redis::RedisClient> redis,
            NearCacheOptions options = {});
  ~NearCache() override;

  std::optional<std::string> Get(std::string_view key) override;
  std::optional<std::string> Peek(std::string_view key) override;
  void Set(std::string_view key, std::string_view value, absl::Duration ttl) override;
  std::optional<std::string> GetForFill(std::string_view key, absl::Duration lease_ttl,
                                        std::string* lease) override;
  void Fill(std::string_view key, std::string_view value, absl::Duration ttl,
            const std::string& lease) override;
  // A near hit answers at once; otherwise the inner cache's answer is kept near (as Lookup does)
  // before `done` gets it.
  bool GetForFillAsync(std::string_view key, absl::Duration lease_ttl, FillDone& done) override;
  void Delete(const std::vector<std::string>& keys) override;
  CacheStats Stats() const override;

  // True while the subscription is up, so near hits are served.
  bool Subscribed() const { return subscribed_.load(std::memory_order_acquire); }
  // Waits up to `timeout` for the subscription (start-up, tests).
  bool WaitSubscribed(absl::Duration timeout) const;
  size_t Size() const;
  Cache& inner() { return *inner_; }

 private:
  struct Entry {
    std::string value;     // empty while a fill is in flight
    absl::Time expires;
    uint64_t fill = 0;     // non-zero: a placeholder left by the fill with this number
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> map ABSL_GUARDED_BY(mu);
  };

  Shard& ShardFor(std::string_view key) const;
  // Applies whatever invalidations the subscriber socket holds now; false when there is no
  // subscription (then nothing near may be served).
  bool Drain();
  // True when Drain would find nothing to apply, found without taking its lock.
  bool Quiet() const;
  void Apply(const redis::Reply& message);
  void Forget(std::string_view key);
  void ForgetAll();
  std::optional<std::string> NearHit(std::string_view key);
  // A near hit, else `read_inner()`, whose value is kept near when no invalidation of the key
  // came while it ran.
  std::optional<std::string> Lookup(std::string_view key,
                                    absl::FunctionRef<std::optional<std::string>()> read_inner);
  // The two halves of Lookup around the inner read: leave the placeholder (its fill number),
  // and keep `value` if no invalidation of the key came since.
  uint64_t Reserve(std::string_view key);
  void Keep(std::string_view key, uint64_t fill, const std::optional<std::string>& value);
  void Listen();
  // Connects and subscribes; the subscriber on success.
  absl::StatusOr<std::unique_ptr<redis::Subscriber>> Subscribe();
  void Unsubscribed(absl::string_view why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sub_mu_);

  const std::unique_ptr<Cache> inner_;
  const std::shared_ptr<redis::RedisClient> redis_;
  const NearCacheOptions options_;
  Clock* const clock_;
  const size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;

  mutable absl::Mutex sub_mu_;
  std::unique_ptr<redis::Subscriber> sub_ ABSL_GUARDED_BY(sub_mu_);
  std::atomic<bool> subscribed_{false};
  // The subscriber's socket while subscribed (-1 otherwise), and how many threads are inside
  // Drain: a hit whose poll finds the socket quiet while no one is applying what they read
  // needs no lock (see NearHit).
  std::atomic<int> fd_{-1};
  std::atomic<int> draining_{0};
  bool stop_ ABSL_GUARDED_BY(sub_mu_) = false;
  std::thread listener_;

  std::atomic<uint64_t> fills_{0};
  std::atomic<uint64_t> near_hits_{0};
  std::atomic<uint64_t> invalidations_{0};
  PendingCallbacks pending_callbacks_;  // last: waits for the callbacks before the rest goes
};

}  // namespace opsuite::cache
