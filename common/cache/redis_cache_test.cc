#include "common/cache/redis_cache.h"

#include <set>
#include <string>

#include "absl/synchronization/notification.h"
#include "common/cache/cache.h"
#include "common/testing/redis_server.h"
#include "gtest/gtest.h"

namespace opsuite::cache {
namespace {

using ::opsuite::redis::RedisClient;
using ::opsuite::redis::RedisOptions;
using ::opsuite::testing::RedisServer;

// Each case runs with the cache's client pooled and pipelined (RedisOptions::pipeline, as the
// services run it), where Fill does not wait for Redis.
class RedisCacheTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    // The cache's client: short timeout, so a paused Redis is a timeout, not a hang.
    RedisOptions fast;
    fast.command_timeout = absl::Milliseconds(100);  // not 5 ms: the test machine is shared
    fast.connect_timeout = absl::Milliseconds(500);
    fast.pipeline = GetParam();
    cache_client_ = *RedisClient::Create(server_->url(), fast);
    // The test's own view of Redis.
    RedisOptions patient;
    patient.command_timeout = absl::Seconds(2);
    raw_ = *RedisClient::Create(server_->url(), patient);
  }
  std::optional<std::string> RawGet(const std::string& key) {
    auto r = raw_->Command({"GET", key});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || !r->is_string()) return std::nullopt;
    return r->str;
  }
  // Waits until Redis has run what the cache client sent before (an unanswered Fill): a reply
  // on its connection comes after theirs.
  void Settle() { ASSERT_TRUE(cache_client_->Command({"PING"}).ok()); }

  std::unique_ptr<RedisServer> server_;
  std::shared_ptr<RedisClient> cache_client_;
  std::shared_ptr<RedisClient> raw_;
};

TEST_P(RedisCacheTest, GetSetDelete) {
  RedisCache cache(cache_client_);
  const std::string key = Key("o1", "planning", "employee", "e1");
  EXPECT_FALSE(cache.Get(key).has_value());
  const std::string value("\x08\x01\x12\x00zz", 6);
  cache.Set(key, value, absl::Minutes(5));
  ASSERT_TRUE(cache.Get(key).has_value());
  EXPECT_EQ(cache.Get(key).value_or("(miss)"), value);
  EXPECT_EQ(RawGet(key).value_or("(missing)"), value);
  cache.Delete({key});
  EXPECT_FALSE(cache.Get(key).has_value());
  EXPECT_FALSE(RawGet(key).has_value());
  CacheStats s = cache.Stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.errors, 0u);
}

TEST_P(RedisCacheTest, AFillAfterAnotherReplicasDeleteIsRefused) {
  RedisCache reader(cache_client_);
  RedisCache writer(*RedisClient::Create(server_->url()));
  const std::string key = Key("o1", "crm", "customer", "c1");
  std::string lease;
  EXPECT_FALSE(reader.GetForFill(key, absl::Seconds(5), &lease).has_value());
  ASSERT_FALSE(lease.empty());
  EXPECT_FALSE(writer.Get(key).has_value());  // the lease reads as a miss on any replica
  std::string none;
  EXPECT_FALSE(writer.GetForFill(key, absl::Seconds(5), &none).has_value());
  EXPECT_TRUE(none.empty());
  writer.Delete({key});  // the writer's commit
  reader.Fill(key, "old row", absl::Minutes(5), lease);
  Settle();
  EXPECT_FALSE(RawGet(key).has_value());
  // Uncontended, the lease holder fills.
  EXPECT_FALSE(reader.GetForFill(key, absl::Seconds(5), &lease).has_value());
  reader.Fill(key, "new row", absl::Minutes(5), lease);
  Settle();
  EXPECT_EQ(RawGet(key).value_or("(missing)"), "new row");
  EXPECT_EQ(writer.GetForFill(key, absl::Seconds(5), &none).value_or("(miss)"), "new row");
  // The lease lapses by itself.
  writer.Delete({key});
  EXPECT_FALSE(reader.GetForFill(key, absl::Milliseconds(50), &lease).has_value());
  auto ttl = raw_->Command({"PTTL", key});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 50);
}

TEST_P(RedisCacheTest, TtlHasJitterAroundTheRequestedValue) {
  RedisCache cache(cache_client_);
  std::set<int64_t> ttls;
  for (int i = 0; i < 40; ++i) {
    const std::string key = Key("o1", "crm", "customer", std::to_string(i));
    cache.Set(key, "v", absl::Seconds(100));
    auto pttl = raw_->Command({"PTTL", key});
    ASSERT_TRUE(pttl.ok());
    EXPECT_GE(pttl->integer, 89000);
    EXPECT_LE(pttl->integer, 110000);
    ttls.insert(pttl->integer / 100);
  }
  EXPECT_GT(ttls.size(), 5u);  // spread out, not one value
}

TEST_P(RedisCacheTest, EntriesExpire) {
  RedisCache cache(cache_client_, {.ttl_jitter = 0});
  cache.Set("ops:{o}:s:t:1:v1", "v", absl::Milliseconds(100));
  EXPECT_TRUE(cache.Get("ops:{o}:s:t:1:v1").has_value());
  absl::SleepFor(absl::Milliseconds(250));
  EXPECT_FALSE(cache.Get("ops:{o}:s:t:1:v1").has_value());
}

TEST_P(RedisCacheTest, RedisDownIsAMissNeverAFailure) {
  RedisCache cache(cache_client_);
  cache.Set("ops:{o}:s:t:1:v1", "v", absl::Minutes(1));
  server_->Stop();
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(cache.Get("ops:{o}:s:t:1:v1").has_value());
    cache.Set("ops:{o}:s:t:2:v1", "v", absl::Minutes(1));
  }
  CacheStats s = cache.Stats();
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.misses, 20u);
  EXPECT_EQ(s.errors, 40u);
  EXPECT_EQ(s.breaker_opens, 1u);  // after 5 failures the rest fail fast
}

TEST_P(RedisCacheTest, DeleteDuringAHangIsReplayedBeforeTheNextRead) {
  RedisCache cache(cache_client_);
  const std::string key = Key("o1", "planning", "goal_card", "g1");
  cache.Set(key, "v1", absl::Minutes(5));

  server_->Pause();  // Redis hangs: the DEL times out
  cache.Delete({key});
  EXPECT_EQ(cache.PendingDeletes(), 1u);
  server_->Resume();
  // The timed-out DEL was still queued on its socket and may run once Redis wakes up, or
  // (had the connection broken first) not at all. Stand for the second case: v1 is back.
  absl::SleepFor(absl::Milliseconds(100));  // let the queued DEL run first, if it does
  ASSERT_TRUE(raw_->Command({"SET", key, "v1"}).ok());

  // v1 is in Redis, but this cache knows it is stale.
  EXPECT_FALSE(cache.Get(key).has_value());
  EXPECT_EQ(cache.PendingDeletes(), 0u);
  EXPECT_FALSE(RawGet(key).has_value());  // the delete was replayed

  cache.Set(key, "v2", absl::Minutes(5));
  EXPECT_EQ(cache.Get(key).value_or("(miss)"), "v2");
}

TEST_P(RedisCacheTest, DeleteWhileRedisIsDownIsReplayedAfterRestart) {
  RedisCache cache(cache_client_);
  const std::string key = Key("o1", "planning", "goal_card", "g1");
  cache.Set(key, "v1", absl::Minutes(5));

  server_->Stop();
  cache.Delete({key});
  EXPECT_EQ(cache.PendingDeletes(), 1u);
  EXPECT_FALSE(cache.Get(key).has_value());  // pending: never read, Redis or not
  ASSERT_TRUE(server_->Restart().ok());
  // A Redis without persistence comes back empty; put the old value back to stand for one
  // that kept its data (or a replica that re-filled it from a stale read).
  ASSERT_TRUE(raw_->Command({"SET", key, "v1"}).ok());

  EXPECT_FALSE(cache.Get(key).has_value());  // the old value must not be served
  EXPECT_EQ(cache.PendingDeletes(), 0u);
  EXPECT_FALSE(RawGet(key).has_value());
}

TEST_P(RedisCacheTest, PendingKeysAreNeitherReadNorWrittenUntilReplayed) {
  RedisCache cache(cache_client_);
  const std::string stale = Key("o1", "crm", "customer", "c1");
  const std::string other = Key("o1", "crm", "customer", "c2");
  server_->Stop();
  cache.Delete({stale});
  cache.Set(stale, "v-new", absl::Minutes(5));  // dropped: its delete is pending
  EXPECT_FALSE(cache.Get(stale).has_value());
  EXPECT_EQ(cache.PendingDeletes(), 1u);
  ASSERT_TRUE(server_->Restart().ok());
  absl::SleepFor(absl::Seconds(1));  // the client's breaker cooldown
  cache.Set(other, "x", absl::Minutes(5));  // replays first, then writes
  EXPECT_EQ(cache.PendingDeletes(), 0u);
  EXPECT_EQ(RawGet(other).value_or("(missing)"), "x");
}

TEST_P(RedisCacheTest, OverflowOwesAFlushOfOurPrefix) {
  RedisCache cache(cache_client_,
                   {.flush_match = "ops:{*}:planning:*", .max_pending_deletes = 3});
  server_->Stop();
  cache.Delete({Key("o", "planning", "a", "1"), Key("o", "planning", "a", "2")});
  EXPECT_FALSE(cache.FlushPending());
  cache.Delete({Key("o", "planning", "a", "3"), Key("o", "planning", "a", "4")});
  EXPECT_TRUE(cache.FlushPending());
  EXPECT_FALSE(cache.Get(Key("o", "planning", "b", "9")).has_value());  // everything misses

  ASSERT_TRUE(server_->Restart().ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(raw_->Command({"SET", Key("o" + std::to_string(i), "planning", "a", "x"), "v"})
                    .ok());
  }
  ASSERT_TRUE(raw_->Command({"SET", Key("o", "crm", "a", "1"), "keep"}).ok());
  ASSERT_TRUE(raw_->Command({"SET", "ops:lease:scheduler", "keep"}).ok());
  absl::SleepFor(absl::Seconds(1));  // the client's breaker cooldown

  EXPECT_TRUE(cache.ReplayPendingDeletes());
  EXPECT_FALSE(cache.FlushPending());
  auto left = raw_->Command({"DBSIZE"});
  EXPECT_EQ(left->integer, 2);
  EXPECT_EQ(RawGet(Key("o", "crm", "a", "1")).value_or("(missing)"), "keep");
  EXPECT_EQ(RawGet("ops:lease:scheduler").value_or("(missing)"), "keep");
}

TEST_P(RedisCacheTest, GetForFillAsyncTakesTheLeaseThenSeesTheFill) {
  RedisCache cache(cache_client_);
  const std::string key = Key("o1", "planning", "employee", "e7");
  struct Answer {
    absl::Notification got;
    std::optional<std::string> value;
    std::string lease;
  };
  auto ask = [&](Answer& a) {
    Cache::FillDone done = [&a](std::optional<std::string> v, std::string lease) {
      a.value = std::move(v);
      a.lease = std::move(lease);
      a.got.Notify();
    };
    return cache.GetForFillAsync(key, absl::Seconds(5), done);
  };
  Answer miss;
  ASSERT_TRUE(ask(miss));
  ASSERT_TRUE(miss.got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_FALSE(miss.value.has_value());
  ASSERT_FALSE(miss.lease.empty());
  Answer second;  // the lease is held: a miss, with no lease of its own
  ASSERT_TRUE(ask(second));
  ASSERT_TRUE(second.got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_FALSE(second.value.has_value());
  EXPECT_TRUE(second.lease.empty());
  cache.Fill(key, "row", absl::Minutes(5), miss.lease);
  Answer hit;
  ASSERT_TRUE(ask(hit));
  ASSERT_TRUE(hit.got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(hit.value.value_or("(miss)"), "row");
  EXPECT_EQ(cache.Stats().hits, 1u);
  EXPECT_EQ(cache.Stats().misses, 2u);

  // While a delete waits to be replayed the replay would block: the caller is told to use a
  // worker, and its callback is left to it.
  server_->Stop();
  cache.Delete({key});
  ASSERT_EQ(cache.PendingDeletes(), 1u);
  Answer declined;
  EXPECT_FALSE(ask(declined));
  EXPECT_FALSE(declined.got.HasBeenNotified());
}

INSTANTIATE_TEST_SUITE_P(Transports, RedisCacheTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Pipelined" : "Pooled";
                         });

}  // namespace
}  // namespace opsuite::cache
