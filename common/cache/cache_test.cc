// Tests of the in-process pieces: Key, MemoryCache, SingleFlight, GetOrLoad.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/executor.h"
#include "common/cache/cache.h"
#include "common/cache/cache_aside.h"
#include "common/cache/memory_cache.h"
#include "common/cache/single_flight.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "opsuite/common/v1/event.pb.h"

namespace opsuite::cache {
namespace {

using ::opsuite::common::v1::Event;

TEST(KeyTest, Layout) {
  EXPECT_EQ(Key("org1", "planning", "employee", "e42"), "ops:{org1}:planning:employee:e42:v1");
  EXPECT_EQ(Key("o", "crm", "customer", "c1", 3), "ops:{o}:crm:customer:c1:v3");
}

TEST(MemoryCacheTest, GetSetDelete) {
  MemoryCache cache;
  EXPECT_FALSE(cache.Get("k").has_value());
  cache.Set("k", std::string("v\0v", 3), absl::Minutes(1));
  ASSERT_TRUE(cache.Get("k").has_value());
  EXPECT_EQ(*cache.Get("k"), std::string("v\0v", 3));
  cache.Set("k", "w", absl::Minutes(1));
  EXPECT_EQ(*cache.Get("k"), "w");
  cache.Delete({"k", "absent"});
  EXPECT_FALSE(cache.Get("k").has_value());
  CacheStats s = cache.Stats();
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.errors, 0u);
}

TEST(MemoryCacheTest, HonoursTtl) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  MemoryCache cache({.clock = &clock});
  cache.Set("short", "1", absl::Seconds(10));
  cache.Set("long", "2", absl::Minutes(10));
  cache.Set("zero", "3", absl::ZeroDuration());  // nothing to keep
  clock.Advance(absl::Seconds(9));
  EXPECT_TRUE(cache.Get("short").has_value());
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(cache.Get("short").has_value());
  EXPECT_TRUE(cache.Get("long").has_value());
  EXPECT_FALSE(cache.Get("zero").has_value());
  EXPECT_EQ(cache.Size(), 1u);  // the expired entry was dropped when read
}

TEST(MemoryCacheTest, BoundedWithLeastRecentlyUsedEviction) {
  MemoryCache cache({.max_entries = 3, .shards = 1});
  cache.Set("a", "1", absl::Minutes(1));
  cache.Set("b", "2", absl::Minutes(1));
  cache.Set("c", "3", absl::Minutes(1));
  EXPECT_TRUE(cache.Get("a").has_value());  // a is now the most recent
  cache.Set("d", "4", absl::Minutes(1));    // evicts b
  EXPECT_EQ(cache.Size(), 3u);
  EXPECT_FALSE(cache.Get("b").has_value());
  EXPECT_TRUE(cache.Get("a").has_value());
  EXPECT_TRUE(cache.Get("c").has_value());
  EXPECT_TRUE(cache.Get("d").has_value());
  EXPECT_EQ(cache.evictions(), 1u);

  MemoryCache sharded({.max_entries = 1000, .shards = 16});
  for (int i = 0; i < 5000; ++i) sharded.Set("k" + std::to_string(i), "v", absl::Minutes(1));
  EXPECT_LE(sharded.Size(), 1008u);  // per shard: ceil(1000 / 16)
  EXPECT_GE(sharded.Size(), 500u);
}

TEST(MemoryCacheTest, ConcurrentUse) {
  MemoryCache cache({.max_entries = 256});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        std::string key = "k" + std::to_string((i * 7 + t) % 500);
        if (!cache.Get(key)) cache.Set(key, key, absl::Minutes(1));
        if (i % 50 == 0) cache.Delete({key});
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(cache.Size(), 256u);
}

TEST(SingleFlightTest, ConcurrentCallersShareOneLoad) {
  SingleFlight flights;
  constexpr int kThreads = 12;
  std::atomic<int> loads{0};
  absl::Notification release;
  std::vector<absl::StatusOr<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = flights.Do("key", [&]() -> absl::StatusOr<std::string> {
        loads++;
        release.WaitForNotification();
        return std::string("loaded");
      });
    });
  }
  // Hold the loader until every other caller is waiting on it.
  while (flights.shared() < kThreads - 1) absl::SleepFor(absl::Milliseconds(1));
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(loads.load(), 1);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "loaded");
  }
  EXPECT_EQ(flights.in_flight(), 0u);

  // Once done, the next call loads again (results are not cached by SingleFlight).
  auto again = flights.Do("key", [&]() -> absl::StatusOr<std::string> {
    loads++;
    return std::string("fresh");
  });
  EXPECT_EQ(*again, "fresh");
  EXPECT_EQ(loads.load(), 2);
}

TEST(SingleFlightTest, ErrorsAreSharedAndKeysAreIndependent) {
  SingleFlight flights;
  auto a = flights.Do("a", [] { return absl::StatusOr<std::string>(absl::NotFoundError("no a")); });
  EXPECT_EQ(a.status().code(), absl::StatusCode::kNotFound);
  auto b = flights.Do("b", [] { return absl::StatusOr<std::string>("b"); });
  EXPECT_EQ(*b, "b");
}

Event MakeEvent(const std::string& id) {
  Event e;
  e.set_id(id);
  e.set_type("planning.goal_card.returned");
  return e;
}

TEST(GetOrLoadTest, LoadsOnceThenServesFromCache) {
  MemoryCache cache;
  SingleFlight flights;
  int loads = 0;
  auto loader = [&]() -> absl::StatusOr<Event> {
    ++loads;
    return MakeEvent("e1");
  };
  auto first = GetOrLoad<Event>(cache, flights, "k", absl::Minutes(1), loader);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->id(), "e1");
  auto second = GetOrLoad<Event>(cache, flights, "k", absl::Minutes(1), loader);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id(), "e1");
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(*cache.Get("k"), MakeEvent("e1").SerializeAsString());
}

TEST(GetOrLoadTest, NotFoundIsReturnedAndNotCached) {
  MemoryCache cache;
  SingleFlight flights;
  int loads = 0;
  auto loader = [&]() -> absl::StatusOr<Event> {
    ++loads;
    return absl::NotFoundError("no such card");
  };
  for (int i = 0; i < 2; ++i) {
    auto r = GetOrLoad<Event>(cache, flights, "k", absl::Minutes(1), loader);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(loads, 2);
  EXPECT_FALSE(cache.Get("k").has_value());
}

TEST(GetOrLoadTest, UnparsableValueIsAMissAndGetsReplaced) {
  MemoryCache cache;
  SingleFlight flights;
  cache.Set("k", "\xff\xff\xff not a protobuf", absl::Minutes(1));
  int loads = 0;
  auto r = GetOrLoad<Event>(cache, flights, "k", absl::Minutes(1),
                            [&]() -> absl::StatusOr<Event> {
                              ++loads;
                              return MakeEvent("fresh");
                            });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id(), "fresh");
  EXPECT_EQ(loads, 1);
  Event cached;
  ASSERT_TRUE(cached.ParseFromString(*cache.Get("k")));
  EXPECT_EQ(cached.id(), "fresh");
}

// A reader loads the old row; a writer commits and deletes the key before the reader fills:
// the old row must not be cached (it would be served until its TTL).
TEST(GetOrLoadTest, ALoadOvertakenByAWritersDeleteIsNotCached) {
  MemoryCache cache;
  SingleFlight flights;
  std::string row = "v1";
  auto r = GetOrLoad<Event>(cache, flights, "k", absl::Minutes(1), [&]() -> absl::StatusOr<Event> {
    Event loaded = MakeEvent(row);
    row = "v2";             // the writer's commit...
    cache.Delete({"k"});    // ...and its invalidation, before the reader stores what it read
    return loaded;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id(), "v1");  // what it read is fine to answer with
  EXPECT_FALSE(cache.Get("k").has_value());
  auto next = GetOrLoad<Event>(cache, flights, "k", absl::Minutes(1),
                               [&]() -> absl::StatusOr<Event> { return MakeEvent(row); });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->id(), "v2");
  EXPECT_EQ(*cache.Get("k"), MakeEvent("v2").SerializeAsString());
}

TEST(MemoryCacheTest, ALeaseIsAMissAndOnlyItsHolderFills) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  MemoryCache cache({.clock = &clock});
  std::string mine, theirs;
  EXPECT_FALSE(cache.GetForFill("k", absl::Seconds(5), &mine).has_value());
  ASSERT_FALSE(mine.empty());
  EXPECT_TRUE(IsLease(mine));
  EXPECT_FALSE(cache.Get("k").has_value());  // a lease is no value
  EXPECT_FALSE(cache.GetForFill("k", absl::Seconds(5), &theirs).has_value());
  EXPECT_TRUE(theirs.empty());  // held by another reader
  cache.Fill("k", "other", absl::Minutes(1), NewLease());  // not the holder: ignored
  EXPECT_FALSE(cache.Get("k").has_value());
  cache.Fill("k", "mine", absl::Minutes(1), mine);
  EXPECT_EQ(cache.Get("k").value_or("(miss)"), "mine");
  cache.Fill("k", "again", absl::Minutes(1), mine);  // the lease is spent
  EXPECT_EQ(cache.Get("k").value_or("(miss)"), "mine");
  // A lease lapses: a reader that died holding it does not block filling for long.
  cache.Delete({"k"});
  EXPECT_FALSE(cache.GetForFill("k", absl::Seconds(5), &mine).has_value());
  clock.Advance(absl::Seconds(6));
  EXPECT_FALSE(cache.GetForFill("k", absl::Seconds(5), &theirs).has_value());
  EXPECT_FALSE(theirs.empty());
}

TEST(GetOrLoadTest, MissStormLoadsOnce) {
  MemoryCache cache;
  SingleFlight flights;
  std::atomic<int> loads{0};
  absl::Notification release;
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto r = GetOrLoad<Event>(cache, flights, "hot", absl::Minutes(1),
                                [&]() -> absl::StatusOr<Event> {
                                  loads++;
                                  release.WaitForNotification();
                                  return MakeEvent("hot");
                                });
      if (r.ok() && r->id() == "hot") ok++;
    });
  }
  // Every thread either waits on the one loader or (if it came late) hits the cache.
  absl::SleepFor(absl::Milliseconds(100));
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(ok.load(), kThreads);
}

// Waits for the one answer GetOrLoadAsync gives, and says on which thread it came.
struct AsyncAnswer {
  absl::Notification got;
  absl::StatusOr<Event> result;
  std::thread::id thread;
  absl::AnyInvocable<void(absl::StatusOr<Event>)> Done() {
    return [this](absl::StatusOr<Event> r) {
      result = std::move(r);
      thread = std::this_thread::get_id();
      got.Notify();
    };
  }
};

TEST(GetOrLoadAsyncTest, AHitAnswersOnTheCallingThreadAndAMissLoadsOnAWorker) {
  MemoryCache cache;
  SingleFlight flights;
  Executor workers(2);
  std::atomic<int> loads{0};
  std::atomic<bool> loaded_on_caller{false};
  const std::thread::id caller = std::this_thread::get_id();
  auto loader = [&]() -> absl::StatusOr<Event> {
    ++loads;
    if (std::this_thread::get_id() == caller) loaded_on_caller = true;
    return MakeEvent("e1");
  };
  AsyncAnswer miss;
  GetOrLoadAsync<Event>(cache, flights, workers, "k", absl::Minutes(1), loader, miss.Done());
  ASSERT_TRUE(miss.got.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(miss.result.ok()) << miss.result.status();
  EXPECT_EQ(miss.result->id(), "e1");
  EXPECT_NE(miss.thread, caller);
  EXPECT_FALSE(loaded_on_caller.load());
  EXPECT_EQ(*cache.Get("k"), MakeEvent("e1").SerializeAsString());  // filled under the lease

  AsyncAnswer hit;
  GetOrLoadAsync<Event>(cache, flights, workers, "k", absl::Minutes(1), loader, hit.Done());
  EXPECT_TRUE(hit.got.HasBeenNotified());  // before GetOrLoadAsync returned
  EXPECT_EQ(hit.thread, caller);
  EXPECT_EQ(hit.result->id(), "e1");
  EXPECT_EQ(loads.load(), 1);
}

TEST(GetOrLoadAsyncTest, ErrorsAreAnsweredAndUnparsableValuesReloaded) {
  MemoryCache cache;
  SingleFlight flights;
  Executor workers(2);
  AsyncAnswer missing;
  GetOrLoadAsync<Event>(
      cache, flights, workers, "gone", absl::Minutes(1),
      []() -> absl::StatusOr<Event> { return absl::NotFoundError("no such card"); },
      missing.Done());
  ASSERT_TRUE(missing.got.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(missing.result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(cache.Get("gone").has_value());

  cache.Set("k", "\xff\xff\xff not a protobuf", absl::Minutes(1));
  AsyncAnswer fresh;
  GetOrLoadAsync<Event>(
      cache, flights, workers, "k", absl::Minutes(1),
      []() -> absl::StatusOr<Event> { return MakeEvent("fresh"); }, fresh.Done());
  ASSERT_TRUE(fresh.got.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(fresh.result.ok()) << fresh.result.status();
  EXPECT_EQ(fresh.result->id(), "fresh");
  Event cached;
  ASSERT_TRUE(cached.ParseFromString(*cache.Get("k")));
  EXPECT_EQ(cached.id(), "fresh");
}

// A cache that cannot answer without blocking (Cache's default GetForFillAsync): the whole
// GetOrLoad runs on a worker, never on the caller.
class BlockingOnly final : public Cache {
 public:
  std::optional<std::string> Get(std::string_view key) override { return inner_.Get(key); }
  void Set(std::string_view key, std::string_view value, absl::Duration ttl) override {
    inner_.Set(key, value, ttl);
  }
  std::optional<std::string> GetForFill(std::string_view key, absl::Duration lease_ttl,
                                        std::string* lease) override {
    absl::MutexLock lock(&mu_);
    threads_.push_back(std::this_thread::get_id());
    return inner_.GetForFill(key, lease_ttl, lease);
  }
  void Fill(std::string_view key, std::string_view value, absl::Duration ttl,
            const std::string& lease) override {
    inner_.Fill(key, value, ttl, lease);
  }
  void Delete(const std::vector<std::string>& keys) override { inner_.Delete(keys); }
  CacheStats Stats() const override { return inner_.Stats(); }
  std::vector<std::thread::id> threads() {
    absl::MutexLock lock(&mu_);
    return threads_;
  }

 private:
  MemoryCache inner_;
  absl::Mutex mu_;
  std::vector<std::thread::id> threads_;
};

TEST(GetOrLoadAsyncTest, ACacheThatWouldBlockIsReadOnAWorker) {
  BlockingOnly cache;
  SingleFlight flights;
  Executor workers(2);
  for (int i = 0; i < 2; ++i) {
    AsyncAnswer answer;
    GetOrLoadAsync<Event>(
        cache, flights, workers, "k", absl::Minutes(1),
        []() -> absl::StatusOr<Event> { return MakeEvent("e1"); }, answer.Done());
    ASSERT_TRUE(answer.got.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(answer.result.ok());
    EXPECT_NE(answer.thread, std::this_thread::get_id());
  }
  ASSERT_EQ(cache.threads().size(), 2u);  // the first loaded and filled, the second hit
  for (std::thread::id t : cache.threads()) EXPECT_NE(t, std::this_thread::get_id());
  EXPECT_EQ(cache.Stats().hits, 1u);
}

}  // namespace
}  // namespace opsuite::cache
