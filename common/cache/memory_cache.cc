#include "common/cache/memory_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace opsuite::cache {

namespace {
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

MemoryCache::MemoryCache(MemoryCacheOptions options)
    : clock_(options.clock != nullptr ? options.clock : RealClock::Default()),
      per_shard_(std::max<size_t>(
          1, (options.max_entries + std::max(options.shards, 1) - 1) /
                 static_cast<size_t>(std::max(options.shards, 1)))) {
  const int n = std::max(options.shards, 1);
  shards_.reserve(n);
  for (int i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
}

MemoryCache::Shard& MemoryCache::ShardFor(std::string_view key) {
  return *shards_[absl::Hash<absl::string_view>()(AsAbsl(key)) % shards_.size()];
}

std::optional<std::string> MemoryCache::Get(std::string_view key) {
  std::string no_lease;
  return Lookup(key, absl::ZeroDuration(), &no_lease);
}

std::optional<std::string> MemoryCache::GetForFill(std::string_view key, absl::Duration lease_ttl,
                                                   std::string* lease) {
  return Lookup(key, lease_ttl, lease);
}

bool MemoryCache::GetForFillAsync(std::string_view key, absl::Duration lease_ttl,
                                  FillDone& done) {
  std::string lease;
  std::optional<std::string> value = Lookup(key, lease_ttl, &lease);
  done(std::move(value), std::move(lease));
  return true;
}

std::optional<std::string> MemoryCache::Lookup(std::string_view key, absl::Duration lease_ttl,
                                               std::string* lease) {
  lease->clear();
  const absl::Time now = clock_->Now();
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.map.find(AsAbsl(key));
  if (it != shard.map.end() && now >= it->second.expires) {
    shard.lru.erase(it->second.lru);
    shard.map.erase(it);
    it = shard.map.end();
  }
  if (it != shard.map.end() && !IsLease(it->second.value)) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second.value;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (it == shard.map.end() && lease_ttl > absl::ZeroDuration()) {
    *lease = NewLease();
    Store(shard, key, *lease, now + lease_ttl);
  }
  return std::nullopt;
}

void MemoryCache::Fill(std::string_view key, std::string_view value, absl::Duration ttl,
                       const std::string& lease) {
  if (lease.empty() || ttl <= absl::ZeroDuration()) return;
  const absl::Time now = clock_->Now();
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.map.find(AsAbsl(key));
  if (it == shard.map.end() || it->second.value != lease || now >= it->second.expires) return;
  Store(shard, key, value, now + ttl);
}

void MemoryCache::Set(std::string_view key, std::string_view value, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) return;
  const absl::Time expires = clock_->Now() + ttl;
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  Store(shard, key, value, expires);
}

void MemoryCache::Store(Shard& shard, std::string_view key, std::string_view value,
                        absl::Time expires) {
  auto it = shard.map.find(AsAbsl(key));
  if (it != shard.map.end()) {
    it->second.value.assign(value.data(), value.size());
    it->second.expires = expires;
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
    return;
  }
  while (shard.map.size() >= per_shard_ && !shard.lru.empty()) {
    // Least recently used goes first; an expired entry is as good a victim as any.
    auto victim = shard.map.find(shard.lru.back());
    shard.map.erase(victim);
    shard.lru.pop_back();
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  shard.lru.emplace_front(key);
  shard.map.emplace(shard.lru.front(),
                    Entry{std::string(value), expires, shard.lru.begin()});
}

void MemoryCache::Delete(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    Shard& shard = ShardFor(key);
    absl::MutexLock lock(&shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) continue;
    shard.lru.erase(it->second.lru);
    shard.map.erase(it);
  }
}

CacheStats MemoryCache::Stats() const {
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  return s;
}

size_t MemoryCache::Size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    n += shard->map.size();
  }
  return n;
}

}  // namespace opsuite::cache
