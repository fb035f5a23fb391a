#include "common/cache/near_cache.h"

#include <poll.h>

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/log.h"
#include "common/status.h"
#include "common/thread_name.h"

namespace opsuite::cache {

namespace {

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr char kChannel[] = "__redis__:invalidate";

}  // namespace

NearCache::NearCache(std::unique_ptr<Cache> inner, std::shared_ptr<redis::RedisClient> redis,
                     NearCacheOptions options)
    : inner_(std::move(inner)),
      redis_(std::move(redis)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : RealClock::Default()),
      per_shard_(std::max<size_t>(1, options_.max_entries /
                                         static_cast<size_t>(std::max(1, options_.shards)))) {
  for (int i = 0; i < std::max(1, options_.shards); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
  listener_ = StartThread("near-cache", [this] { Listen(); });
}

NearCache::~NearCache() {
  {
    absl::MutexLock lock(&sub_mu_);
    stop_ = true;
  }
  listener_.join();
}

NearCache::Shard& NearCache::ShardFor(std::string_view key) const {
  return *shards_[absl::HashOf(AsAbsl(key)) % shards_.size()];
}

bool NearCache::WaitSubscribed(absl::Duration timeout) const {
  absl::MutexLock lock(&sub_mu_);
  auto up = [this] { return subscribed_.load(std::memory_order_acquire); };
  return sub_mu_.AwaitWithTimeout(absl::Condition(&up), timeout);
}

absl::StatusOr<std::unique_ptr<redis::Subscriber>> NearCache::Subscribe() {
  ASSIGN_OR_RETURN(std::unique_ptr<redis::Subscriber> sub, redis_->OpenSubscriber());
  ASSIGN_OR_RETURN(redis::Reply id, sub->Command({"CLIENT", "ID"}));
  if (!id.is_integer()) return absl::InternalError("CLIENT ID did not answer an integer");
  // RESP2: invalidations go as pub/sub messages to a connection subscribed to the channel,
  // here this same one. BCAST: about every key under the prefix, whoever reads it.
  RETURN_IF_ERROR(sub->Command({"CLIENT", "TRACKING", "on", "REDIRECT", absl::StrCat(id.integer),
                                "BCAST", "PREFIX", options_.prefix})
                      .status());
  RETURN_IF_ERROR(sub->Command({"SUBSCRIBE", kChannel}).status());
  return sub;
}

void NearCache::Unsubscribed(absl::string_view why) {
  if (subscribed_.exchange(false, std::memory_order_acq_rel)) {
    log::Warn("near cache off until its redis subscription is back",
              {{"error", std::string(why)}});
  }
  ForgetAll();
}

void NearCache::Listen() {
  absl::Duration backoff = options_.reconnect_backoff;
  for (;;) {
    redis::Subscriber* sub = nullptr;
    {
      absl::MutexLock lock(&sub_mu_);
      if (stop_) break;
      sub = sub_.get();
    }
    if (sub == nullptr) {
      absl::StatusOr<std::unique_ptr<redis::Subscriber>> fresh = Subscribe();
      absl::MutexLock lock(&sub_mu_);
      if (fresh.ok()) {
        // Invalidations may have been missed while there was no subscription.
        ForgetAll();
        sub_ = *std::move(fresh);
        fd_.store(sub_->fd(), std::memory_order_release);
        subscribed_.store(true, std::memory_order_release);
        backoff = options_.reconnect_backoff;
        continue;
      }
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sub_mu_) { return stop_; };
      sub_mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    // Only this thread replaces sub_, so `sub` stays valid while it waits without the lock.
    if (!sub->Wait(absl::Milliseconds(100))) continue;
    if (!Drain()) {
      absl::MutexLock lock(&sub_mu_);
      fd_.store(-1, std::memory_order_release);
      sub_.reset();
      continue;
    }
    // Every read drains the socket before it trusts a near copy, so this thread only keeps
    // the socket from filling up: under a storm of writes it wakes every `listen_pause`, not
    // once per invalidation message.
    absl::MutexLock lock(&sub_mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sub_mu_) { return stop_; };
    sub_mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.listen_pause);
  }
  absl::MutexLock lock(&sub_mu_);
  subscribed_.store(false, std::memory_order_release);
  fd_.store(-1, std::memory_order_release);
  sub_.reset();
}

bool NearCache::Drain() {
  // Counted before reading the socket, so a reader that then finds the socket empty also sees
  // that someone may still be applying what was in it (NearHit).
  draining_.fetch_add(1, std::memory_order_seq_cst);
  absl::Cleanup done = [this] { draining_.fetch_sub(1, std::memory_order_seq_cst); };
  std::vector<redis::Reply> messages;
  {
    absl::MutexLock lock(&sub_mu_);
    if (sub_ == nullptr || !subscribed_.load(std::memory_order_acquire)) return false;
    absl::Status polled = sub_->Poll(&messages);
    // Apply under the lock: a reader that takes the lock after us must find them applied.
    for (const redis::Reply& m : messages) Apply(m);
    if (!polled.ok()) {
      Unsubscribed(polled.message());
      return false;
    }
  }
  return true;
}

void NearCache::Apply(const redis::Reply& message) {
  // ["message", "__redis__:invalidate", [key, ...] | nil (FLUSHALL/FLUSHDB)]
  if (!message.is_array() || message.elements.size() != 3 || message.elements[0].str != "message") {
    return;  // the subscribe confirmation
  }
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  const redis::Reply& keys = message.elements[2];
  if (!keys.is_array()) {
    ForgetAll();
    return;
  }
  for (const redis::Reply& k : keys.elements) Forget(k.str);
}

void NearCache::Forget(std::string_view key) {
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  shard.map.erase(AsAbsl(key));
}

void NearCache::ForgetAll() {
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->map.clear();
  }
}

bool NearCache::Quiet() const {
  // Nothing in the socket (no data, no EOF) and no one between reading it and applying what
  // they read: every invalidation that reached this host is applied.
  const int fd = fd_.load(std::memory_order_acquire);
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) != 0) return false;
  return draining_.load(std::memory_order_seq_cst) == 0;
}

std::optional<std::string> NearCache::NearHit(std::string_view key) {
  if (!Subscribed()) return std::nullopt;
  if (!Quiet() && !Drain()) return std::nullopt;
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.map.find(AsAbsl(key));
  if (it == shard.map.end() || it->second.fill != 0) return std::nullopt;
  if (it->second.expires <= clock_->Now()) {
    shard.map.erase(it);
    return std::nullopt;
  }
  near_hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second.value;
}

std::optional<std::string> NearCache::Peek(std::string_view key) { return NearHit(key); }

std::optional<std::string> NearCache::Get(std::string_view key) {
  return Lookup(key, [&] { return inner_->Get(key); });
}

std::optional<std::string> NearCache::GetForFill(std::string_view key, absl::Duration lease_ttl,
                                                 std::string* lease) {
  lease->clear();
  return Lookup(key, [&] { return inner_->GetForFill(key, lease_ttl, lease); });
}

void NearCache::Fill(std::string_view key, std::string_view value, absl::Duration ttl,
                     const std::string& lease) {
  // Like Set: the next Get keeps the value near.
  inner_->Fill(key, value, ttl, lease);
}

uint64_t NearCache::Reserve(std::string_view key) {
  // Leave a placeholder: an invalidation between here and the end of the read removes it,
  // and then the value read is not kept.
  const uint64_t fill = fills_.fetch_add(1, std::memory_order_relaxed) + 1;
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  if (shard.map.size() >= per_shard_ && !shard.map.contains(AsAbsl(key))) {
    shard.map.erase(shard.map.begin());
  }
  shard.map.insert_or_assign(std::string(key), Entry{std::string(), absl::InfinitePast(), fill});
  return fill;
}

void NearCache::Keep(std::string_view key, uint64_t fill, const std::optional<std::string>& value) {
  // Invalidations that arrived during the read must be seen before deciding to keep a value.
  // A miss keeps nothing, so it only drops its placeholder: no need to read the socket (the
  // lease it just took in Redis sent one invalidation more).
  const bool subscribed = value.has_value() && Drain();
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.map.find(AsAbsl(key));
  if (it == shard.map.end() || it->second.fill != fill) return;
  if (!value.has_value() || !subscribed) {
    shard.map.erase(it);
    return;
  }
  it->second = Entry{*value, clock_->Now() + options_.max_ttl, 0};
}

std::optional<std::string> NearCache::Lookup(
    std::string_view key, absl::FunctionRef<std::optional<std::string>()> read_inner) {
  if (std::optional<std::string> hit = NearHit(key)) return hit;
  if (!Subscribed()) return read_inner();
  const uint64_t fill = Reserve(key);
  std::optional<std::string> value = read_inner();
  Keep(key, fill, value);
  return value;
}

bool NearCache::GetForFillAsync(std::string_view key, absl::Duration lease_ttl,
                                FillDone& done) {
  if (std::optional<std::string> hit = NearHit(key)) {
    done(std::move(hit), std::string());
    return true;
  }
  if (!Subscribed()) return inner_->GetForFillAsync(key, lease_ttl, done);
  const uint64_t fill = Reserve(key);
  // Held apart so that it can be given back if the inner cache declines.
  auto caller = std::make_shared<FillDone>(std::move(done));
  FillDone keep = [this, k = std::string(key), fill, caller](std::optional<std::string> value,
                                                           std::string lease) {
    Keep(k, fill, value);
    (*caller)(std::move(value), std::move(lease));
    pending_callbacks_.Done();
  };
  pending_callbacks_.Add();
  if (inner_->GetForFillAsync(key, lease_ttl, keep)) return true;
  pending_callbacks_.Done();
  Keep(key, fill, std::nullopt);  // drops the placeholder
  done = std::move(*caller);
  return false;
}

void NearCache::Set(std::string_view key, std::string_view value, absl::Duration ttl) {
  // The SET changes the key in Redis, so the invalidation it causes would remove a near copy
  // made now; the next Get keeps the value near instead.
  inner_->Set(key, value, ttl);
}

void NearCache::Delete(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) Forget(key);
  inner_->Delete(keys);
}

CacheStats NearCache::Stats() const {
  CacheStats s = inner_->Stats();
  const uint64_t near = near_hits_.load(std::memory_order_relaxed);
  s.hits += near;
  s.near_hits = near;
  s.invalidations = invalidations_.load(std::memory_order_relaxed);
  return s;
}

size_t NearCache::Size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    n += shard->map.size();
  }
  return n;
}

}  // namespace opsuite::cache
