#include "common/cache/redis_cache.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace opsuite::cache {

namespace {

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

int64_t JitteredMillis(absl::Duration ttl, double jitter) {
  thread_local absl::InsecureBitGen gen;
  double factor = jitter > 0 ? absl::Uniform(gen, 1.0 - jitter, 1.0 + jitter) : 1.0;
  return std::max<int64_t>(1, static_cast<int64_t>(absl::ToDoubleMilliseconds(ttl) * factor));
}

}  // namespace

RedisCache::RedisCache(std::shared_ptr<redis::RedisClient> client, RedisCacheOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

std::optional<std::string> RedisCache::Get(std::string_view key) {
  if (has_pending_.load(std::memory_order_acquire)) {
    ReplayPendingDeletes();
    if (Blocked(key)) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
  }
  absl::StatusOr<redis::Reply> reply = client_->Command({"GET", std::string(key)});
  if (!reply.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  if (!reply->is_string() || IsLease(reply->str)) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return std::move(reply->str);
}

// SET only while the key still holds our lease.
constexpr char kFillIfLeased[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

std::vector<std::string> RedisCache::LeaseCommand(std::string_view key, absl::Duration lease_ttl,
                                                  const std::string& token) {
  // GET, and on a miss SET the lease, in one native command (Redis 7.0: SET ... NX GET): the
  // old value comes back and nothing is set when the key exists.
  return {"SET", std::string(key), token, "NX", "GET", "PX",
          absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(lease_ttl)))};
}

std::optional<std::string> RedisCache::LeaseReply(absl::StatusOr<redis::Reply> reply,
                                                  std::string token, std::string* lease) {
  if (!reply.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  if (reply->is_string() && !IsLease(reply->str)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return std::move(reply->str);
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Nothing was there: the lease is ours. Another reader's lease: none.
  if (!reply->is_string()) *lease = std::move(token);
  return std::nullopt;
}

std::optional<std::string> RedisCache::GetForFill(std::string_view key, absl::Duration lease_ttl,
                                                  std::string* lease) {
  lease->clear();
  if (has_pending_.load(std::memory_order_acquire)) {
    ReplayPendingDeletes();
    if (Blocked(key)) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
  }
  std::string token = NewLease();
  return LeaseReply(client_->Command(LeaseCommand(key, lease_ttl, token)), token, lease);
}

bool RedisCache::GetForFillAsync(std::string_view key, absl::Duration lease_ttl,
                                 FillDone& done) {
  if (has_pending_.load(std::memory_order_acquire)) return false;
  std::string token = NewLease();
  pending_callbacks_.Add();
  client_->CommandAsync(LeaseCommand(key, lease_ttl, token),
                        [this, token, done = std::move(done)](
                            absl::StatusOr<redis::Reply> reply) mutable {
                          std::string lease;
                          std::optional<std::string> value =
                              LeaseReply(std::move(reply), std::move(token), &lease);
                          done(std::move(value), std::move(lease));
                          pending_callbacks_.Done();
                        });
  return true;
}

void RedisCache::Fill(std::string_view key, std::string_view value, absl::Duration ttl,
                      const std::string& lease) {
  if (lease.empty() || ttl <= absl::ZeroDuration()) return;
  if (has_pending_.load(std::memory_order_acquire)) {
    ReplayPendingDeletes();
    if (Blocked(key)) return;
  }
  pending_callbacks_.Add();
  client_->CommandAsync({"EVAL", kFillIfLeased, "1", std::string(key), lease, std::string(value),
                         absl::StrCat(JitteredMillis(ttl, options_.ttl_jitter))},
                        [this](absl::StatusOr<redis::Reply> reply) {
                          if (!reply.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
                          pending_callbacks_.Done();
                        });
}

void RedisCache::Set(std::string_view key, std::string_view value, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) return;
  if (has_pending_.load(std::memory_order_acquire)) {
    ReplayPendingDeletes();
    if (Blocked(key)) return;
  }
  absl::StatusOr<redis::Reply> reply =
      client_->Command({"SET", std::string(key), std::string(value), "PX",
                        absl::StrCat(JitteredMillis(ttl, options_.ttl_jitter))});
  if (!reply.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
}

void RedisCache::Delete(const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  if (!DeleteNow(keys)) {
    // Remember all of them: a DEL that timed out may or may not have run.
    Remember(keys);
  }
}

bool RedisCache::DeleteNow(const std::vector<std::string>& keys) {
  const size_t batch = std::max<size_t>(options_.delete_batch, 1);
  for (size_t i = 0; i < keys.size(); i += batch) {
    std::vector<std::string> argv;
    argv.reserve(std::min(batch, keys.size() - i) + 1);
    argv.push_back("DEL");
    for (size_t j = i; j < keys.size() && j < i + batch; ++j) argv.push_back(keys[j]);
    if (!client_->Command(argv).ok()) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  return true;
}

void RedisCache::Remember(const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  if (flush_all_) {
    // A full flush is already owed; make sure one that is running now (and may have
    // scanned past these keys) does not count as covering them.
    ++flush_generation_;
    has_pending_.store(true, std::memory_order_release);
    return;
  }
  for (const std::string& key : keys) {
    auto it = pending_.find(key);
    if (it != pending_.end()) {
      it->second = ++generation_;
      continue;
    }
    if (pending_.size() >= options_.max_pending_deletes) {
      // Too many to remember one by one: owe a flush of everything we might have cached.
      pending_.clear();
      flush_all_ = true;
      ++flush_generation_;
      break;
    }
    pending_.emplace(key, ++generation_);
  }
  has_pending_.store(true, std::memory_order_release);
}

bool RedisCache::Blocked(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  return flush_all_ || pending_.contains(AsAbsl(key));
}

bool RedisCache::FlushMatching() {
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> scan = client_->Command(
        {"SCAN", cursor, "MATCH", options_.flush_match, "COUNT", "1000"});
    if (!scan.ok() || !scan->is_array() || scan->elements.size() != 2) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    cursor = scan->elements[0].str;
    std::vector<std::string> keys;
    for (auto& k : scan->elements[1].elements) keys.push_back(std::move(k.str));
    if (!keys.empty() && !DeleteNow(keys)) return false;
  } while (cursor != "0");
  return true;
}

bool RedisCache::ReplayPendingDeletes() {
  if (!has_pending_.load(std::memory_order_acquire)) return true;
  if (!replay_mu_.TryLock()) return false;  // another thread is replaying
  bool flush = false;
  uint64_t flush_generation = 0;
  std::vector<std::pair<std::string, uint64_t>> snapshot;
  {
    absl::MutexLock lock(&mu_);
    flush = flush_all_;
    flush_generation = flush_generation_;
    snapshot.assign(pending_.begin(), pending_.end());
  }
  bool ok = true;
  if (flush) {
    ok = FlushMatching();
    if (ok) {
      absl::MutexLock lock(&mu_);
      if (flush_generation_ == flush_generation) flush_all_ = false;
    }
  }
  const size_t batch = std::max<size_t>(options_.delete_batch, 1);
  for (size_t i = 0; ok && i < snapshot.size(); i += batch) {
    const size_t end = std::min(snapshot.size(), i + batch);
    std::vector<std::string> keys;
    for (size_t j = i; j < end; ++j) keys.push_back(snapshot[j].first);
    ok = DeleteNow(keys);
    if (!ok) break;
    absl::MutexLock lock(&mu_);
    for (size_t j = i; j < end; ++j) {
      auto it = pending_.find(snapshot[j].first);
      if (it != pending_.end() && it->second == snapshot[j].second) pending_.erase(it);
    }
  }
  bool done;
  {
    absl::MutexLock lock(&mu_);
    done = pending_.empty() && !flush_all_;
    has_pending_.store(!done, std::memory_order_release);
  }
  replay_mu_.Unlock();
  return done;
}

size_t RedisCache::PendingDeletes() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

bool RedisCache::FlushPending() const {
  absl::MutexLock lock(&mu_);
  return flush_all_;
}

CacheStats RedisCache::Stats() const {
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.breaker_opens = client_->Stats().breaker_opens;
  return s;
}

}  // namespace opsuite::cache
