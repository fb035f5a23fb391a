#include "services/gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "openssl/evp.h"

namespace opsuite::gateway {
namespace {

// KEYS[1] bucket; ARGV rate (tokens/s), burst, want. Takes up to `want` whole tokens (at
// least one, or none). Returns {granted, retry_after_ms}.
constexpr char kScript[] = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local want = tonumber(ARGV[3])
local allowed = 0
local wait = 0
if tokens >= 1 then
  allowed = math.min(want, math.floor(tokens))
  tokens = tokens - allowed
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait}
)lua";

}  // namespace

RateLimiter::RateLimiter(double rate, int burst, std::shared_ptr<redis::RedisClient> redis,
                         const Clock* clock)
    : rate_(rate),
      burst_(std::max(1, burst)),
      // A tenth of the burst at a time (at most 50): one Redis call per that many requests,
      // and a replica never holds more than that of anyone's bucket.
      batch_(std::max(1, std::min(50, std::max(1, burst) / 10))),
      redis_(std::move(redis)),
      clock_(clock) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(kScript, sizeof(kScript) - 1, digest, &size, EVP_sha1(), nullptr);
  for (unsigned int i = 0; i < size; ++i) absl::StrAppend(&sha_, absl::Hex(digest[i], absl::kZeroPad2));
}

RateLimiter::Decision RateLimiter::Take(const std::string& key) {
  if (rate_ <= 0) return {};
  if (redis_ != nullptr) {
    {
      // Tokens this replica took from the shared bucket earlier and has not spent yet.
      absl::MutexLock lock(&mu_);
      auto it = leases_.find(key);
      if (it != leases_.end()) {
        if (it->second.tokens > 0 && clock_->Now() < it->second.expires) {
          --it->second.tokens;
          Decision d;
          d.shared = true;
          return d;
        }
        leases_.erase(it);
      }
    }
    std::vector<std::string> args = {"EVALSHA", sha_, "1", key, absl::StrCat(rate_),
                                     absl::StrCat(burst_), absl::StrCat(batch_)};
    absl::StatusOr<redis::Reply> reply = redis_->Command(args);
    bool noscript = reply.ok() ? reply->is_error() && absl::StrContains(reply->str, "NOSCRIPT")
                               : absl::StrContains(reply.status().message(), "NOSCRIPT");
    if (noscript) {
      args[0] = "EVAL";  // first use on this Redis: EVAL runs and caches the script
      args[1] = kScript;
      reply = redis_->Command(args);
    }
    if (reply.ok() && reply->is_array() && reply->elements.size() == 2 &&
        reply->elements[0].is_integer() && reply->elements[1].is_integer()) {
      Decision d;
      d.shared = true;
      int64_t granted = reply->elements[0].integer;
      d.allowed = granted >= 1;
      d.retry_after = absl::Milliseconds(reply->elements[1].integer);
      if (granted > 1) {
        absl::MutexLock lock(&mu_);
        if (leases_.size() > 100'000) leases_.clear();
        Lease& lease = leases_[key];
        lease.tokens += granted - 1;
        lease.expires = clock_->Now() + kLease;
      }
      return d;
    }
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_->Now();
    if (now - last_warning_ > absl::Minutes(1)) {
      last_warning_ = now;
      log::Warn("rate limit: Redis did not answer; each gateway replica limits on its own",
                {{"error", reply.ok() ? reply->str : std::string(reply.status().message())}});
    }
  }
  return TakeLocal(key);
}

RateLimiter::Decision RateLimiter::TakeLocal(const std::string& key) {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_->Now();
  if (local_.size() > 100'000) {  // forget the full buckets (idle subjects)
    absl::erase_if(local_, [&](const auto& kv) {
      return kv.second.tokens + absl::ToDoubleSeconds(now - kv.second.at) * rate_ >= burst_;
    });
  }
  auto [it, inserted] = local_.try_emplace(key, Bucket{static_cast<double>(burst_), now});
  Bucket& b = it->second;
  b.tokens = std::min<double>(burst_, b.tokens + std::max(0.0, absl::ToDoubleSeconds(now - b.at)) * rate_);
  b.at = now;
  Decision d;
  if (b.tokens >= 1) {
    b.tokens -= 1;
  } else {
    d.allowed = false;
    d.retry_after = absl::Milliseconds(std::ceil((1 - b.tokens) * 1000 / rate_));
  }
  return d;
}

}  // namespace opsuite::gateway
