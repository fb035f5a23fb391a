// Leaderboards: a Redis sorted set per (org, scheme, period, department), built from the
// database when missing and dropped (by bumping a generation number, so a rebuild racing a
// new result can only fill a key nobody reads any more) when results change. Without Redis,
// or while it is down, the database answers directly.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/redis/redis_client.h"
#include "common/storage/database.h"
#include "opsuite/scoring/v1/scoring.pb.h"

namespace opsuite::scoring {

class Leaderboards {
 public:
  Leaderboards(storage::Database* db, std::shared_ptr<redis::RedisClient> redis)
      : db_(db), redis_(std::move(redis)) {}

  // The best `top_n` evaluated subjects of (scheme, period) whose department path starts
  // with `dept_path` ("" or "/": the whole org), highest score first, ties by subject id.
  absl::StatusOr<v1::Leaderboard> Top(const std::string& org, const std::string& scheme_id,
                                      const std::string& period_key, const std::string& dept_path,
                                      int top_n);
  // The results of (scheme, period) changed: the next read rebuilds.
  void Invalidate(const std::string& org, const std::string& scheme_id,
                  const std::string& period_key);

  int64_t rebuilds() const { return rebuilds_.load(); }   // sorted sets built from the database
  int64_t redis_reads() const { return redis_reads_.load(); }  // reads answered by Redis

 private:
  struct Ranked {
    std::string subject_id;
    double score;
  };
  absl::StatusOr<std::vector<Ranked>> FromDatabase(const std::string& org,
                                                   const std::string& scheme_id,
                                                   const std::string& period_key,
                                                   const std::string& dept_path, int limit,
                                                   int64_t* total);
  // Sends invalidations Redis has not taken yet; false while any is still pending.
  bool FlushInvalidations();
  absl::StatusOr<v1::Leaderboard> Finish(const std::string& org, const std::string& scheme_id,
                                         const std::string& period_key,
                                         const std::vector<Ranked>& top, int64_t total);

  storage::Database* db_;
  std::shared_ptr<redis::RedisClient> redis_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> pending_ ABSL_GUARDED_BY(mu_);  // generation keys to bump
  std::atomic<int64_t> rebuilds_{0};
  std::atomic<int64_t> redis_reads_{0};
};

}  // namespace opsuite::scoring
