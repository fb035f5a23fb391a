#include "services/scheduler/leader_lease.h"

#include "common/server/replica.h"

#include <unistd.h>

#include <climits>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace opsuite::scheduler {
namespace {

// Extends the key only while it holds our id: 1 when extended, 0 when someone else holds it
// (or it expired).
constexpr char kRenewScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
// Deletes the key only while it holds our id.
constexpr char kReleaseScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) else return 0 end";

}  // namespace

LeaderLease::LeaderLease(std::shared_ptr<redis::RedisClient> redis, std::string replica,
                         Options options)
    : redis_(std::move(redis)), replica_(std::move(replica)), options_(std::move(options)) {
  if (!redis_) {
    absl::MutexLock lock(&mu_);
    held_ = true;
    valid_until_ = absl::InfiniteFuture();
    term_ = 1;
  }
}

LeaderLease::~LeaderLease() { Stop(); }

std::string LeaderLease::NewReplicaId() { return server::NewReplicaId(); }

void LeaderLease::Start() {
  Refresh();
  absl::MutexLock lock(&mu_);
  if (!redis_ || started_ || stopping_) return;
  started_ = true;
  thread_ = StartThread("leader-lease", [this] { Loop(); });
}

void LeaderLease::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (redis_) Release();
}

void LeaderLease::Loop() {
  const absl::Duration every = options_.ttl / 3;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stop), every)) return;
    }
    Refresh();
  }
}

bool LeaderLease::Refresh() {
  if (!redis_) return true;
  absl::MutexLock refresh(&refresh_mu_);
  const std::string ttl_ms = absl::StrCat(absl::ToInt64Milliseconds(options_.ttl));
  // Counted from before the command was sent, less a margin for clock drift between us and
  // Redis: we stop leading before Redis can hand the key to someone else.
  const absl::Time sent = absl::Now();
  const absl::Time until = sent + options_.ttl - options_.ttl / 10;
  bool held;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;  // a stopped replica never takes the lease again
    held = held_;
  }
  if (held) {
    absl::StatusOr<redis::Reply> renewed =
        redis_->Command({"EVAL", kRenewScript, "1", options_.key, replica_, ttl_ms});
    if (!renewed.ok()) {
      // Unknown: the lease may still be ours until the last renewal runs out.
      log::Warn("scheduler lease not renewed (redis)", {{"replica", replica_},
                                                        {"error", renewed.status().ToString()}});
      return IsLeader();
    }
    if (renewed->is_integer() && renewed->integer == 1) {
      absl::MutexLock lock(&mu_);
      valid_until_ = until;
      return true;
    }
    {
      absl::MutexLock lock(&mu_);
      held_ = false;
      valid_until_ = absl::InfinitePast();
    }
    log::Warn("scheduler lease lost: another replica holds it or it expired; not firing",
              {{"replica", replica_}});
  }
  absl::StatusOr<redis::Reply> taken =
      redis_->Command({"SET", options_.key, replica_, "NX", "PX", ttl_ms});
  if (!taken.ok()) {
    log::Debug("scheduler lease not taken (redis)", {{"error", taken.status().ToString()}});
    return false;
  }
  if (!taken->is_status() || taken->str != "OK") return false;  // nil: someone else leads
  uint64_t term;
  {
    absl::MutexLock lock(&mu_);
    held_ = true;
    valid_until_ = until;
    term = ++term_;
  }
  log::Info("scheduler lease taken: this replica fires jobs",
            {{"replica", replica_}, {"term", term}});
  return true;
}

bool LeaderLease::IsLeader() const {
  absl::MutexLock lock(&mu_);
  return held_ && absl::Now() < valid_until_;
}

uint64_t LeaderLease::term() const {
  absl::MutexLock lock(&mu_);
  return term_;
}

void LeaderLease::Release() {
  absl::MutexLock refresh(&refresh_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (!held_) return;
    held_ = false;
    valid_until_ = absl::InfinitePast();
  }
  absl::StatusOr<redis::Reply> released =
      redis_->Command({"EVAL", kReleaseScript, "1", options_.key, replica_});
  if (!released.ok()) {
    log::Warn("scheduler lease not released; it expires by itself",
              {{"replica", replica_}, {"error", released.status().ToString()}});
  }
}

}  // namespace opsuite::scheduler
