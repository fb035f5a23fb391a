// Which scheduler replica fires jobs: the holder of a Redis lease.
//
// The lease is the key `ops:scheduler:leader` holding the replica id, taken with
// SET key id NX PX ttl and renewed every ttl/3 with a script that extends the key only while
// it still holds our id (compare-and-pexpire); stopping deletes it the same way
// (compare-and-delete) so another replica takes over at once. A replica that cannot renew,
// or finds another holder, stops being the leader at that moment; a Redis that does not
// answer leaves the leadership only until the last renewal's ttl runs out.
//
// Leadership is "probably", not "certainly" (a paused leader can wake after its lease was
// taken over), which is why every run is also claimed in the database before it fires.
//
// The lease counts real time (Redis expires keys by its own clock), never the injected
// clock. Without Redis (a single process) this replica is always the leader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis/redis_client.h"

namespace opsuite::scheduler {

class LeaderLease {
 public:
  struct Options {
    std::string key = "ops:scheduler:leader";
    absl::Duration ttl = absl::Seconds(10);
  };

  // `redis` may be null: then this replica always leads.
  LeaderLease(std::shared_ptr<redis::RedisClient> redis, std::string replica, Options options);
  ~LeaderLease();

  // Tries to take the lease now, then keeps renewing (or trying) every ttl/3 on a thread.
  void Start();
  // Stops the thread and gives the lease up if held.
  void Stop();

  // Renews the lease when held, else tries to take it; true when this replica leads after.
  bool Refresh();
  // Whether this replica leads now (held, and the last renewal's ttl has not run out).
  bool IsLeader() const;
  // Counts the times the lease was taken: a new value means a new term (state kept from an
  // earlier term, such as what was fired, must be read again).
  uint64_t term() const;

  const std::string& replica() const { return replica_; }

  // "hostname:pid:random".
  static std::string NewReplicaId();

 private:
  void Loop();
  void Release();

  const std::shared_ptr<redis::RedisClient> redis_;
  const std::string replica_;
  const Options options_;

  absl::Mutex refresh_mu_;  // one Refresh at a time
  mutable absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time valid_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t term_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opsuite::scheduler
