#include "common/cache/near_cache.h"

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/cache/redis_cache.h"
#include "common/clock.h"
#include "common/testing/redis_server.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace opsuite::cache {
namespace {

using ::opsuite::redis::RedisClient;
using ::opsuite::redis::RedisOptions;
using ::opsuite::testing::RedisServer;

// The inner cache with a hook that runs after each GET has read Redis and before its value is
// returned: to put a write between a near cache's read and its decision to keep the value.
class HookedCache final : public Cache {
 public:
  explicit HookedCache(std::unique_ptr<Cache> inner) : inner_(std::move(inner)) {}
  std::optional<std::string> Get(std::string_view key) override {
    std::optional<std::string> v = inner_->Get(key);
    if (after_get) after_get();
    return v;
  }
  void Set(std::string_view key, std::string_view value, absl::Duration ttl) override {
    inner_->Set(key, value, ttl);
  }
  std::optional<std::string> GetForFill(std::string_view key, absl::Duration lease_ttl,
                                        std::string* lease) override {
    std::optional<std::string> v = inner_->GetForFill(key, lease_ttl, lease);
    if (after_get) after_get();
    return v;
  }
  void Fill(std::string_view key, std::string_view value, absl::Duration ttl,
            const std::string& lease) override {
    inner_->Fill(key, value, ttl, lease);
  }
  void Delete(const std::vector<std::string>& keys) override { inner_->Delete(keys); }
  CacheStats Stats() const override { return inner_->Stats(); }
  std::function<void()> after_get;

 private:
  std::unique_ptr<Cache> inner_;
};

class NearCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    RedisOptions patient;
    patient.command_timeout = absl::Seconds(2);
    raw_ = *RedisClient::Create(server_->url(), patient);
  }

  // A replica's cache: its own Redis client, RedisCache and NearCache, subscribed.
  std::unique_ptr<NearCache> Replica(NearCacheOptions options = {},
                                     HookedCache** hooked = nullptr) {
    RedisOptions o;
    o.command_timeout = absl::Milliseconds(500);
    o.connect_timeout = absl::Milliseconds(500);
    o.breaker_cooldown = absl::Milliseconds(50);
    o.pipeline = true;  // as the services run it
    auto client = *RedisClient::Create(server_->url(), o);
    std::unique_ptr<Cache> inner = std::make_unique<RedisCache>(client);
    if (hooked != nullptr) {
      auto h = std::make_unique<HookedCache>(std::move(inner));
      *hooked = h.get();
      inner = std::move(h);
    }
    options.reconnect_backoff = absl::Milliseconds(20);
    auto near = std::make_unique<NearCache>(std::move(inner), client, options);
    EXPECT_TRUE(near->WaitSubscribed(absl::Seconds(5)));
    return near;
  }

  std::unique_ptr<RedisServer> server_;
  std::shared_ptr<RedisClient> raw_;
};

const std::string kKey = Key("o1", "crm", "customer", "c1");

TEST_F(NearCacheTest, ASecondReadIsAnsweredInProcessWithoutRedis) {
  auto cache = Replica();
  EXPECT_FALSE(cache->Peek(kKey).has_value());
  cache->Set(kKey, "v1", absl::Minutes(5));
  EXPECT_EQ(cache->Get(kKey), "v1");  // from Redis, now kept near
  EXPECT_EQ(cache->Stats().near_hits, 0u);
  // Redis frozen: a read that needed it would time out and miss.
  server_->Pause();
  EXPECT_EQ(cache->Peek(kKey), "v1");
  EXPECT_EQ(cache->Get(kKey), "v1");
  server_->Resume();
  EXPECT_EQ(cache->Stats().near_hits, 2u);
  EXPECT_EQ(cache->Size(), 1u);
}

TEST_F(NearCacheTest, AnAsyncReadIsKeptNearAndThenAnsweredAtOnce) {
  auto cache = Replica();
  ASSERT_TRUE(raw_->Command({"SET", kKey, "v1"}).ok());
  struct Answer {
    absl::Notification got;
    std::optional<std::string> value;
  };
  auto ask = [&](Answer& a) {
    Cache::FillDone done = [&a](std::optional<std::string> v, std::string) {
      a.value = std::move(v);
      a.got.Notify();
    };
    return cache->GetForFillAsync(kKey, absl::Seconds(5), done);
  };
  Answer from_redis;
  ASSERT_TRUE(ask(from_redis));
  ASSERT_TRUE(from_redis.got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(from_redis.value.value_or("(miss)"), "v1");
  EXPECT_EQ(cache->Stats().near_hits, 0u);
  // Kept near: the next one is answered before GetForFillAsync returns, Redis frozen or not.
  server_->Pause();
  Answer near;
  ASSERT_TRUE(ask(near));
  EXPECT_TRUE(near.got.HasBeenNotified());
  EXPECT_EQ(near.value.value_or("(miss)"), "v1");
  server_->Resume();
  EXPECT_EQ(cache->Stats().near_hits, 1u);
  // Another writer's change reaches it: the next read goes to Redis again and sees v2.
  ASSERT_TRUE(raw_->Command({"SET", kKey, "v2"}).ok());
  Answer after;
  ASSERT_TRUE(ask(after));
  ASSERT_TRUE(after.got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(after.value.value_or("(miss)"), "v2");
}

TEST_F(NearCacheTest, AWriteOnAnotherReplicaIsSeenByTheNextRead) {
  // Replica B keeps the key near; replica A changes it and returns; B's next read must see
  // the change, with no sleep in between. Without draining invalidations before a near hit,
  // B's listener thread is often not yet through and B serves the old value.
  auto a = Replica();
  auto b = Replica();
  int stale = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string want = absl::StrCat("v", i);
    a->Set(kKey, want, absl::Minutes(5));  // the write's SET, as a fill after a change
    std::optional<std::string> seen = b->Get(kKey);
    if (seen != want) ++stale;
    ASSERT_EQ(b->Get(kKey), want) << "iteration " << i;  // and it is kept near
    a->Delete({kKey});                                    // a write's invalidation
    if (b->Peek(kKey).has_value()) ++stale;
  }
  EXPECT_EQ(stale, 0);
  EXPECT_GT(b->Stats().near_hits, 1900u);
  EXPECT_GE(b->Stats().invalidations, 2000u);
}

TEST_F(NearCacheTest, AValueReadWhileTheKeyChangesIsNotKept) {
  HookedCache* hooked = nullptr;
  auto b = Replica({}, &hooked);
  raw_->Command({"SET", kKey, "old"}).IgnoreError();
  ASSERT_NE(hooked, nullptr);
  // Between B's GET of "old" and B keeping it, another replica writes "new".
  hooked->after_get = [&] {
    hooked->after_get = nullptr;
    ASSERT_TRUE(raw_->Command({"SET", kKey, "new"}).ok());
    // Let the invalidation reach B's socket, as it would while B's GET reply travels.
    absl::SleepFor(absl::Milliseconds(50));
  };
  EXPECT_EQ(b->Get(kKey), "old");  // read before the write: fine to return
  EXPECT_FALSE(b->Peek(kKey).has_value()) << "kept a value read before a newer write";
  EXPECT_EQ(b->Get(kKey), "new");
  EXPECT_EQ(b->Peek(kKey), "new");
}

TEST_F(NearCacheTest, FlushAllForgetsEverything) {
  auto cache = Replica();
  for (int i = 0; i < 10; ++i) {
    std::string k = Key("o1", "crm", "customer", absl::StrCat("c", i));
    cache->Set(k, "v", absl::Minutes(5));
    ASSERT_EQ(cache->Get(k), "v");
  }
  ASSERT_EQ(cache->Size(), 10u);
  const uint64_t before = cache->Stats().invalidations;
  ASSERT_TRUE(raw_->Command({"FLUSHALL"}).ok());
  // A FLUSHALL's invalidation is queued while the command runs, before its reply, and Redis
  // writes the most recently queued client first: the reply can come first. (A key's BCAST
  // invalidation is queued after the reply, in beforeSleep, so it is written before it.)
  for (int i = 0; i < 200 && cache->Stats().invalidations == before; ++i) {
    cache->Peek(kKey);  // drains
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_FALSE(cache->Peek(Key("o1", "crm", "customer", "c3")).has_value());
  EXPECT_EQ(cache->Size(), 0u);
}

TEST_F(NearCacheTest, WithoutItsSubscriptionNothingIsServedNearAndItComesBackEmpty) {
  auto cache = Replica();
  cache->Set(kKey, "v1", absl::Minutes(5));
  ASSERT_EQ(cache->Get(kKey), "v1");
  ASSERT_EQ(cache->Peek(kKey), "v1");
  server_->Stop();
  // The invalidations Redis would have sent are lost with it: nothing near may be served.
  EXPECT_FALSE(cache->Peek(kKey).has_value());
  EXPECT_FALSE(cache->Subscribed());
  EXPECT_FALSE(cache->Get(kKey).has_value());  // Redis down: a miss, not an error
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(cache->WaitSubscribed(absl::Seconds(10)));
  EXPECT_EQ(cache->Size(), 0u);
  cache->Set(kKey, "v2", absl::Minutes(5));
  EXPECT_EQ(cache->Get(kKey), "v2");
  EXPECT_EQ(cache->Peek(kKey), "v2");
}

TEST_F(NearCacheTest, EntriesAreBoundedInNumberAndAge) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  auto cache = Replica({.max_entries = 32, .shards = 2, .max_ttl = absl::Seconds(30),
                        .clock = &clock});
  for (int i = 0; i < 100; ++i) {
    std::string k = Key("o1", "crm", "customer", absl::StrCat("c", i));
    cache->Set(k, "v", absl::Minutes(5));
    ASSERT_EQ(cache->Get(k), "v");
  }
  EXPECT_LE(cache->Size(), 32u);
  const std::string last = Key("o1", "crm", "customer", "c99");
  EXPECT_EQ(cache->Peek(last), "v");
  clock.Advance(absl::Seconds(31));
  EXPECT_FALSE(cache->Peek(last).has_value());
  EXPECT_EQ(cache->Get(last), "v");  // still in Redis, whose TTL is longer
}

TEST_F(NearCacheTest, KeysOutsideThePrefixAreNeitherHeardNorKeptWrong) {
  auto a = Replica({.prefix = "ops:{o1}:"});
  auto b = Replica({.prefix = "ops:{o1}:"});
  b->Set(kKey, "v1", absl::Minutes(5));
  ASSERT_EQ(b->Get(kKey), "v1");
  ASSERT_EQ(b->Peek(kKey), "v1");
  const uint64_t before = b->Stats().invalidations;
  ASSERT_TRUE(raw_->Command({"SET", "other:key", "x"}).ok());
  ASSERT_TRUE(raw_->Command({"SET", "ops:{o2}:crm:customer:c1:v1", "x"}).ok());
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(b->Peek(kKey), "v1");
  EXPECT_EQ(b->Stats().invalidations, before) << "heard about a key outside its prefix";
  a->Delete({kKey});
  EXPECT_FALSE(b->Peek(kKey).has_value());
}

}  // namespace
}  // namespace opsuite::cache
