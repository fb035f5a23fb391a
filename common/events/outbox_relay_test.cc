#include "common/events/outbox_relay.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/events/inprocess_bus.h"
#include "common/events/redis_stream_bus.h"
#include "common/storage/outbox.h"
#include "common/storage/sqlite.h"
#include "common/testing/redis_server.h"
#include "gtest/gtest.h"

namespace opsuite::events {
namespace {

using ::opsuite::redis::RedisClient;
using ::opsuite::redis::RedisOptions;
using ::opsuite::testing::RedisServer;

Event MakeEvent(int i) {
  Event e;
  e.set_id("ev-" + std::to_string(i));
  e.set_type("planning.goal_card.submitted");
  e.set_org_id("org1");
  return e;
}

// Waits (real time) until `done` holds, up to `limit`.
template <class Pred>
bool WaitFor(Pred done, absl::Duration limit = absl::Seconds(15)) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

// Fails the first `failures` publishes, then forwards.
class FlakyPublisher : public EventPublisher {
 public:
  FlakyPublisher(EventPublisher& next, int failures) : next_(next), failures_(failures) {}
  absl::Status Publish(const std::vector<Event>& events) override {
    if (failures_.fetch_sub(1) > 0) return absl::UnavailableError("flaky");
    return next_.Publish(events);
  }

 private:
  EventPublisher& next_;
  std::atomic<int> failures_;
};

class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("opsuite_relay_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = storage::OpenSqlite({.path = (dir_ / "relay.db").string()});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(storage::ApplyMigrations(*db_, "relay_test", {}).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Each event in its own transaction, as services write them.
  void Append(int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_TRUE(db_->Write([&](storage::Tx& tx) { return storage::AppendOutbox(tx, MakeEvent(i)); })
                      .ok());
    }
  }
  std::vector<std::string> ReadAll(EventSource& source) {
    std::vector<std::string> ids;
    EXPECT_TRUE(source.EnsureGroup("check").ok());
    while (true) {
      auto got = source.Read("check", "c", 1000, absl::ZeroDuration());
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok() || got->empty()) break;
      for (const auto& e : *got) ids.push_back(e.event.id());
    }
    return ids;
  }
  static std::vector<std::string> Expected(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back("ev-" + std::to_string(i));
    return ids;
  }

  std::filesystem::path dir_;
  storage::DatabasePtr db_;
};

TEST_F(OutboxRelayTest, NotifyPublishesCommitsPromptly) {
  InProcessBus bus;
  // A poll interval far longer than the test: only Notify() can make this pass quickly.
  OutboxRelay relay(*db_, bus, {.poll_interval = absl::Hours(1)});
  db_->OnCommit([&relay] { relay.Notify(); });
  relay.Start();
  Append(0, 20);
  ASSERT_TRUE(WaitFor([&] { return bus.Length() == 20; }));
  EXPECT_EQ(ReadAll(bus), Expected(20));
  ASSERT_TRUE(WaitFor([&] { return *relay.Pending() == 0; }));
  relay.Stop();
  EXPECT_EQ(relay.Stats().published, 20u);
  EXPECT_EQ(relay.Stats().publish_failures, 0u);
}

TEST_F(OutboxRelayTest, PollsWithoutNotify) {
  InProcessBus bus;
  OutboxRelay relay(*db_, bus, {.poll_interval = absl::Milliseconds(20)});
  relay.Start();
  Append(0, 3);
  ASSERT_TRUE(WaitFor([&] { return bus.Length() == 3; }));
}

TEST_F(OutboxRelayTest, BatchesInSeqOrder) {
  InProcessBus bus;
  ASSERT_TRUE(db_->Write([&](storage::Tx& tx) -> absl::Status {
                   for (int i = 0; i < 1200; ++i) {
                     absl::Status s = storage::AppendOutbox(tx, MakeEvent(i));
                     if (!s.ok()) return s;
                   }
                   return absl::OkStatus();
                 }).ok());
  OutboxRelay relay(*db_, bus);
  ASSERT_TRUE(relay.Drain().ok());
  EXPECT_EQ(relay.Stats().batches, 3u);  // 500 + 500 + 200
  EXPECT_EQ(ReadAll(bus), Expected(1200));
  EXPECT_EQ(*relay.Pending(), 0);
}

TEST_F(OutboxRelayTest, RetriesUntilThePublisherRecoversAndLosesNothing) {
  InProcessBus bus;
  FlakyPublisher flaky(bus, 4);
  OutboxRelay relay(*db_, flaky,
                    {.poll_interval = absl::Milliseconds(20),
                     .initial_backoff = absl::Milliseconds(5),
                     .max_backoff = absl::Milliseconds(40)});
  Append(0, 30);
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return bus.Length() == 30; }));
  relay.Stop();
  EXPECT_EQ(ReadAll(bus), Expected(30));  // once each, in order
  EXPECT_EQ(relay.Stats().publish_failures, 4u);
  EXPECT_EQ(*relay.Pending(), 0);
}

TEST_F(OutboxRelayTest, StopFlushesWhatIsLeft) {
  InProcessBus bus;
  {
    OutboxRelay relay(*db_, bus, {.poll_interval = absl::Hours(1)});
    Append(0, 5);  // not started, not notified
    relay.Stop();
  }
  EXPECT_EQ(ReadAll(bus), Expected(5));
}

TEST_F(OutboxRelayTest, RedisOutageDelaysButLosesNothing) {
  auto server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  RedisOptions o;
  o.command_timeout = absl::Seconds(1);  // the relay's client: patient
  o.breaker_cooldown = absl::Milliseconds(100);
  auto client = *RedisClient::Create((*server)->url(), o);
  RedisStreamBus bus(client);

  Append(0, 100);
  (*server)->Stop();
  OutboxRelay relay(*db_, bus,
                    {.poll_interval = absl::Milliseconds(50),
                     .max_backoff = absl::Milliseconds(500)});
  db_->OnCommit([&relay] { relay.Notify(); });
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return relay.Stats().publish_failures >= 3; }));
  EXPECT_EQ(*relay.Pending(), 100);

  ASSERT_TRUE((*server)->Restart().ok());
  ASSERT_TRUE(WaitFor([&] { return *relay.Pending() == 0; })) << *relay.Pending();
  relay.Stop();

  EXPECT_EQ(ReadAll(bus), Expected(100));  // all of them, once, in order
}

}  // namespace
}  // namespace opsuite::events
