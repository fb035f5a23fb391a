// InProcessBus specifics: idle time from the injected clock, ids, trimming.
#include "common/events/inprocess_bus.h"

#include <string>
#include <vector>

#include "common/clock.h"
#include "gtest/gtest.h"

namespace opsuite::events {
namespace {

Event MakeEvent(int i) {
  Event e;
  e.set_id("ev-" + std::to_string(i));
  e.set_type("scheduler.reminder");
  return e;
}

TEST(InProcessBusTest, IdleTimeComesFromTheClock) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  InProcessBus bus({.clock = &clock});
  ASSERT_TRUE(bus.EnsureGroup("notify").ok());
  ASSERT_TRUE(bus.Publish({MakeEvent(1), MakeEvent(2)}).ok());
  auto got = bus.Read("notify", "c1", 10, absl::ZeroDuration());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ(bus.PendingCount("notify"), 2u);

  clock.Advance(absl::Seconds(29));
  EXPECT_TRUE(bus.Claim("notify", "c2", absl::Seconds(30), 10)->empty());
  clock.Advance(absl::Seconds(1));
  auto claimed = bus.Claim("notify", "c2", absl::Seconds(30), 1);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].event.id(), "ev-1");
  EXPECT_EQ((*claimed)[0].deliveries, 2);
  // Claiming resets the idle time of the claimed entry only.
  claimed = bus.Claim("notify", "c3", absl::Seconds(30), 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].event.id(), "ev-2");

  ASSERT_TRUE(bus.Ack("notify", {(*got)[0].entry_id, (*got)[1].entry_id}).ok());
  EXPECT_EQ(bus.PendingCount("notify"), 0u);
}

TEST(InProcessBusTest, IdsIncreaseLikeRedisStreamIds) {
  FakeClock clock(absl::FromUnixMillis(1700000000123));
  InProcessBus bus({.clock = &clock});
  ASSERT_TRUE(bus.Publish({MakeEvent(1), MakeEvent(2)}).ok());
  clock.Advance(absl::Milliseconds(-5));  // a clock stepping back does not reorder ids
  ASSERT_TRUE(bus.Publish({MakeEvent(3)}).ok());
  auto got = bus.Read("g", "c", 10, absl::ZeroDuration());  // group made on first read
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].entry_id, "1700000000123-0");
  EXPECT_EQ((*got)[1].entry_id, "1700000000123-1");
  EXPECT_EQ((*got)[2].entry_id, "1700000000123-2");
}

TEST(InProcessBusTest, TrimsToMaxLen) {
  InProcessBus bus({.max_len = 3});
  ASSERT_TRUE(bus.EnsureGroup("g").ok());
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(MakeEvent(i));
  ASSERT_TRUE(bus.Publish(events).ok());
  EXPECT_EQ(bus.Length(), 3u);
  auto got = bus.Read("g", "c", 10, absl::ZeroDuration());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].event.id(), "ev-2");
  // Pending entries that get trimmed away are dropped, as Redis 7 does.
  ASSERT_TRUE(bus.Publish({MakeEvent(5), MakeEvent(6), MakeEvent(7)}).ok());
  EXPECT_TRUE(bus.Claim("g", "c2", absl::ZeroDuration(), 10)->empty());
  EXPECT_EQ(bus.PendingCount("g"), 0u);
}

TEST(InProcessBusTest, DeadLettersAreKeptForInspection) {
  InProcessBus bus;
  ASSERT_TRUE(bus.Publish({MakeEvent(1), MakeEvent(2)}).ok());
  auto got = bus.Read("g", "c", 10, absl::ZeroDuration());
  ASSERT_TRUE(bus.DeadLetter("g", (*got)[1], "poison").ok());
  auto dead = bus.DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].entry.event.id(), "ev-2");
  EXPECT_EQ(dead[0].reason, "poison");
  EXPECT_EQ(bus.PendingCount("g"), 1u);
}

}  // namespace
}  // namespace opsuite::events
