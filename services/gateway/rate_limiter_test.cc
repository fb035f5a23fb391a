#include "services/gateway/rate_limiter.h"

#include "common/testing/redis_server.h"
#include "gtest/gtest.h"

namespace opsuite::gateway {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto client = redis::RedisClient::Create(server_->url());
    ASSERT_TRUE(client.ok());
    redis_ = *client;
  }
  std::unique_ptr<testing::RedisServer> server_;
  std::shared_ptr<redis::RedisClient> redis_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
};

TEST_F(RateLimiterTest, TheBurstIsSharedByReplicasAndMostTakesSkipRedis) {
  // rate ~0 so that the bucket does not refill while the test runs.
  RateLimiter a(0.001, 100, redis_, &clock_), b(0.001, 100, redis_, &clock_);
  uint64_t calls_before = redis_->Stats().calls;
  int allowed = 0;
  for (int i = 0; i < 50; ++i) {
    allowed += a.Take("ops:{o}:gateway:rate:u1").allowed;
    allowed += b.Take("ops:{o}:gateway:rate:u1").allowed;
  }
  EXPECT_EQ(allowed, 100);  // the whole burst, drawn by both replicas from the one bucket
  // Ten tokens per Redis call: 10 calls for 100 requests (+1: the script's first EVALSHA
  // finds it not loaded).
  uint64_t calls = redis_->Stats().calls - calls_before;
  EXPECT_LE(calls, 11u);
  EXPECT_GE(calls, 10u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(a.Take("ops:{o}:gateway:rate:u1").allowed);
    EXPECT_FALSE(b.Take("ops:{o}:gateway:rate:u1").allowed);
  }
  RateLimiter::Decision refused = a.Take("ops:{o}:gateway:rate:u1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_TRUE(refused.shared);
  EXPECT_GT(refused.retry_after, absl::ZeroDuration());
  // Someone else's bucket is full.
  EXPECT_TRUE(a.Take("ops:{o}:gateway:rate:u2").allowed);
}

TEST_F(RateLimiterTest, SmallBurstsAreExact) {
  RateLimiter a(1, 3, redis_, &clock_);
  EXPECT_TRUE(a.Take("k").allowed);
  EXPECT_TRUE(a.Take("k").allowed);
  EXPECT_TRUE(a.Take("k").allowed);
  RateLimiter::Decision d = a.Take("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_LE(d.retry_after, absl::Seconds(1));
}

TEST_F(RateLimiterTest, WithoutRedisEachReplicaRefillsOnItsClock) {
  RateLimiter a(2, 2, nullptr, &clock_);
  EXPECT_TRUE(a.Take("k").allowed);
  EXPECT_TRUE(a.Take("k").allowed);
  RateLimiter::Decision d = a.Take("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.shared);
  EXPECT_EQ(d.retry_after, absl::Milliseconds(500));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(a.Take("k").allowed);
  EXPECT_FALSE(a.Take("k").allowed);
}

TEST_F(RateLimiterTest, RedisDownFallsBackToLocalBuckets) {
  RateLimiter a(1, 2, redis_, &clock_);
  server_->Stop();
  EXPECT_TRUE(a.Take("k").allowed);
  EXPECT_TRUE(a.Take("k").allowed);
  RateLimiter::Decision d = a.Take("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.shared);
}

TEST_F(RateLimiterTest, ZeroRateIsNoLimit) {
  RateLimiter a(0, 1, redis_, &clock_);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(a.Take("k").allowed);
}

}  // namespace
}  // namespace opsuite::gateway
