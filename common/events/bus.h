// Events between services (DESIGN.md §6).
//
// Producers never publish directly: they append to their outbox in the same transaction as
// the change (common/storage/outbox.h) and an OutboxRelay publishes. Consumers (notify) read
// through an EventSource with consumer-group semantics.
//
// Two implementations: RedisStreamBus (stream `ops:events`, group reads, XAUTOCLAIM, dead
// letters in `ops:events:dead`) and InProcessBus (the same semantics in memory, for the
// embedded default without Redis and for unit tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "opsuite/common/v1/event.pb.h"

namespace opsuite::events {

using Event = ::opsuite::common::v1::Event;

inline constexpr char kStream[] = "ops:events";
inline constexpr char kDeadStream[] = "ops:events:dead";

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Appends every event to the stream, in order. On error some may have been appended;
  // the outbox relay retries and consumers dedup by Event.id.
  virtual absl::Status Publish(const std::vector<Event>& events) = 0;
};

struct StreamEntry {
  std::string entry_id;    // the stream's id, e.g. "1732424242424-0"
  Event event;
  int64_t deliveries = 1;  // how many times this entry was handed out
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Creates the group if missing (reading from the start of the stream).
  virtual absl::Status EnsureGroup(const std::string& group) = 0;
  // New entries for `consumer` (XREADGROUP >), waiting up to `block` for the first one.
  virtual absl::StatusOr<std::vector<StreamEntry>> Read(const std::string& group,
                                                        const std::string& consumer, int count,
                                                        absl::Duration block) = 0;
  // Entries pending longer than `min_idle` on any consumer, moved to `consumer` (XAUTOCLAIM).
  virtual absl::StatusOr<std::vector<StreamEntry>> Claim(const std::string& group,
                                                         const std::string& consumer,
                                                         absl::Duration min_idle, int count) = 0;
  virtual absl::Status Ack(const std::string& group, const std::vector<std::string>& ids) = 0;
  // Copies the entry to `ops:events:dead` with the reason, then acknowledges it.
  virtual absl::Status DeadLetter(const std::string& group, const StreamEntry& entry,
                                  const std::string& reason) = 0;
};

}  // namespace opsuite::events
