// The event bus in memory, with the semantics of RedisStreamBus: one stream, consumer
// groups that each see every entry once, a pending list per group (owner, idle time,
// delivery count), reclaiming idle entries, acknowledgement and dead letters. For the
// embedded deployment without Redis (one process runs every service) and for unit tests.
//
//   FakeClock clock;
//   InProcessBus bus({.clock = &clock});
//   bus.EnsureGroup("notify");
//   bus.Publish({event});
//   auto got = bus.Read("notify", "c1", 10, absl::ZeroDuration());
//   clock.Advance(absl::Minutes(1));
//   auto stolen = bus.Claim("notify", "c2", absl::Seconds(30), 10);  // deliveries == 2
//   bus.DeadLetter("notify", (*stolen)[0], "template missing");
//   bus.DeadLetters();  // what was parked, for tests
//
// Idle times come from the injected clock; Read's `block` waits in real time (it is woken
// at once by a Publish). Nothing survives the process: the outbox is what makes events
// durable, the bus only carries them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/events/bus.h"

namespace opsuite::events {

struct InProcessBusOptions {
  Clock* clock = nullptr;      // nullptr: RealClock::Default()
  size_t max_len = 1000000;    // oldest entries are dropped beyond this (like MAXLEN)
};

// An entry parked by DeadLetter(), with why and by whom.
struct DeadLetterRecord {
  StreamEntry entry;
  std::string group;
  std::string reason;
};

class InProcessBus final : public EventPublisher, public EventSource {
 public:
  explicit InProcessBus(InProcessBusOptions options = {});

  absl::Status Publish(const std::vector<Event>& events) override;

  absl::Status EnsureGroup(const std::string& group) override;
  // Like the Redis bus, a missing group is created (from the start of the stream).
  absl::StatusOr<std::vector<StreamEntry>> Read(const std::string& group,
                                                const std::string& consumer, int count,
                                                absl::Duration block) override;
  absl::StatusOr<std::vector<StreamEntry>> Claim(const std::string& group,
                                                 const std::string& consumer,
                                                 absl::Duration min_idle, int count) override;
  absl::Status Ack(const std::string& group, const std::vector<std::string>& ids) override;
  absl::Status DeadLetter(const std::string& group, const StreamEntry& entry,
                          const std::string& reason) override;

  std::vector<DeadLetterRecord> DeadLetters() const;
  // Entries in the stream.
  size_t Length() const;
  // Entries handed out to `group` and not acknowledged yet.
  size_t PendingCount(const std::string& group) const;

 private:
  struct Stored {
    uint64_t seq;
    std::string id;
    Event event;
  };
  struct Pending {
    std::string consumer;
    absl::Time delivered_at;
    int64_t deliveries = 1;
  };
  struct Group {
    uint64_t last_delivered = 0;          // seq; 0: nothing yet
    std::map<uint64_t, Pending> pending;  // by seq, so claims go oldest first
  };

  const Stored* Find(uint64_t seq) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Group& GroupFor(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasNew(const std::string& group) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  const size_t max_len_;

  mutable absl::Mutex mu_;
  absl::CondVar published_;
  std::deque<Stored> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, uint64_t> seq_by_id_ ABSL_GUARDED_BY(mu_);
  int64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;  // for Redis-like "<ms>-<n>" ids
  int64_t last_n_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Group> groups_ ABSL_GUARDED_BY(mu_);
  std::vector<DeadLetterRecord> dead_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opsuite::events
