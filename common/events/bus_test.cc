// The EventSource/EventPublisher contract, run against both buses: RedisStreamBus on a real
// redis-server and InProcessBus.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/events/bus.h"
#include "common/events/inprocess_bus.h"
#include "common/events/redis_stream_bus.h"
#include "common/testing/redis_server.h"
#include "gtest/gtest.h"

namespace opsuite::events {
namespace {

using ::opsuite::redis::RedisClient;
using ::opsuite::redis::RedisOptions;
using ::opsuite::testing::RedisServer;

Event MakeEvent(int i, const std::string& org = "org1") {
  Event e;
  e.set_id("ev-" + std::to_string(i));
  e.set_type("planning.goal_card.returned");
  e.set_org_id(org);
  e.set_subject_id("emp-" + std::to_string(i));
  e.mutable_occurred_at()->set_seconds(1700000000 + i);
  (*e.mutable_payload()->mutable_fields())["reason"].set_string_value("缺少关键结果");
  return e;
}

std::vector<std::string> EventIds(const std::vector<StreamEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.event.id());
  return ids;
}

std::vector<std::string> EntryIds(const std::vector<StreamEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.entry_id);
  return ids;
}

// Either bus behind one interface; the Redis one owns its server.
struct Bus {
  std::unique_ptr<RedisServer> server;
  std::shared_ptr<RedisClient> client;
  std::unique_ptr<RedisStreamBus> redis;
  std::unique_ptr<InProcessBus> memory;
  EventPublisher* publisher = nullptr;
  EventSource* source = nullptr;
};

class BusContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      auto server = RedisServer::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      bus_.server = *std::move(server);
      RedisOptions o;
      o.command_timeout = absl::Seconds(2);
      bus_.client = *RedisClient::Create(bus_.server->url(), o);
      bus_.redis = std::make_unique<RedisStreamBus>(bus_.client);
      bus_.publisher = bus_.redis.get();
      bus_.source = bus_.redis.get();
    } else {
      bus_.memory = std::make_unique<InProcessBus>();
      bus_.publisher = bus_.memory.get();
      bus_.source = bus_.memory.get();
    }
  }
  EventPublisher& pub() { return *bus_.publisher; }
  EventSource& src() { return *bus_.source; }
  Bus bus_;
};

TEST_P(BusContractTest, PublishReadAckInOrder) {
  ASSERT_TRUE(src().EnsureGroup("notify").ok());
  ASSERT_TRUE(src().EnsureGroup("notify").ok());  // idempotent
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(MakeEvent(i));
  ASSERT_TRUE(pub().Publish(events).ok());

  auto first = src().Read("notify", "c1", 3, absl::ZeroDuration());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(EventIds(*first), (std::vector<std::string>{"ev-0", "ev-1", "ev-2"}));
  EXPECT_EQ((*first)[0].deliveries, 1);
  // The whole envelope survives the trip.
  EXPECT_EQ((*first)[0].event.SerializeAsString(), events[0].SerializeAsString());

  auto rest = src().Read("notify", "c1", 10, absl::ZeroDuration());
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(EventIds(*rest), (std::vector<std::string>{"ev-3", "ev-4"}));
  auto none = src().Read("notify", "c1", 10, absl::ZeroDuration());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(src().Ack("notify", EntryIds(*first)).ok());
  ASSERT_TRUE(src().Ack("notify", EntryIds(*rest)).ok());
  ASSERT_TRUE(src().Ack("notify", {}).ok());
  // Nothing left to claim once everything is acknowledged.
  auto claimed = src().Claim("notify", "c2", absl::ZeroDuration(), 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_TRUE(claimed->empty());
}

TEST_P(BusContractTest, EachGroupSeesEveryEntry) {
  ASSERT_TRUE(src().EnsureGroup("notify").ok());
  ASSERT_TRUE(src().EnsureGroup("audit").ok());
  ASSERT_TRUE(pub().Publish({MakeEvent(1), MakeEvent(2)}).ok());
  auto a = src().Read("notify", "n1", 10, absl::ZeroDuration());
  auto b = src().Read("audit", "a1", 10, absl::ZeroDuration());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(EventIds(*a), EventIds(*b));
  EXPECT_EQ(a->size(), 2u);
}

TEST_P(BusContractTest, GroupCreatedLaterStartsFromTheBeginning) {
  ASSERT_TRUE(pub().Publish({MakeEvent(1)}).ok());
  ASSERT_TRUE(src().EnsureGroup("late").ok());
  auto got = src().Read("late", "c", 10, absl::ZeroDuration());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(EventIds(*got), std::vector<std::string>{"ev-1"});
}

TEST_P(BusContractTest, BlockingReadWaitsForAPublish) {
  ASSERT_TRUE(src().EnsureGroup("notify").ok());
  absl::Time start = absl::Now();
  auto empty = src().Read("notify", "c1", 10, absl::Milliseconds(200));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));

  std::thread publisher([this] {
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(pub().Publish({MakeEvent(7)}).ok());
  });
  auto got = src().Read("notify", "c1", 10, absl::Seconds(5));
  publisher.join();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(EventIds(*got), std::vector<std::string>{"ev-7"});
}

TEST_P(BusContractTest, ClaimTakesOverEntriesOfADeadConsumer) {
  ASSERT_TRUE(src().EnsureGroup("notify").ok());
  ASSERT_TRUE(pub().Publish({MakeEvent(1), MakeEvent(2), MakeEvent(3)}).ok());
  auto taken = src().Read("notify", "dead-consumer", 10, absl::ZeroDuration());
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 3u);
  ASSERT_TRUE(src().Ack("notify", {(*taken)[1].entry_id}).ok());  // it finished one

  // Not idle long enough yet.
  auto early = src().Claim("notify", "rescuer", absl::Minutes(5), 10);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_TRUE(early->empty());

  absl::SleepFor(absl::Milliseconds(60));
  auto claimed = src().Claim("notify", "rescuer", absl::Milliseconds(50), 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(EventIds(*claimed), (std::vector<std::string>{"ev-1", "ev-3"}));
  for (const auto& e : *claimed) EXPECT_EQ(e.deliveries, 2);

  // Claimed again later: one more delivery each.
  absl::SleepFor(absl::Milliseconds(60));
  auto again = src().Claim("notify", "rescuer-2", absl::Milliseconds(50), 1);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].event.id(), "ev-1");
  EXPECT_EQ((*again)[0].deliveries, 3);
}

TEST_P(BusContractTest, DeadLetterParksAndAcknowledges) {
  ASSERT_TRUE(src().EnsureGroup("notify").ok());
  ASSERT_TRUE(pub().Publish({MakeEvent(1)}).ok());
  auto got = src().Read("notify", "c1", 10, absl::ZeroDuration());
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_TRUE(src().DeadLetter("notify", (*got)[0], "template zh-CN missing").ok());
  absl::SleepFor(absl::Milliseconds(20));
  auto claimed = src().Claim("notify", "c2", absl::ZeroDuration(), 10);
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->empty());  // acknowledged: not pending any more

  if (bus_.memory) {
    auto dead = bus_.memory->DeadLetters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].reason, "template zh-CN missing");
    EXPECT_EQ(dead[0].group, "notify");
    EXPECT_EQ(dead[0].entry.event.id(), "ev-1");
  }
}

INSTANTIATE_TEST_SUITE_P(Buses, BusContractTest, ::testing::Values("redis", "inprocess"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opsuite::events
