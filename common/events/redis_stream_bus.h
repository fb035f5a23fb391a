// The event bus on a Redis stream (DESIGN.md §6): producers' outbox relays XADD to
// `ops:events`, consumers read with a consumer group, acknowledge after their own commit,
// reclaim entries stuck on a dead consumer with XAUTOCLAIM, and park poison entries in
// `ops:events:dead`.
//
// Each stream entry has the fields `id`, `type`, `org` (for people reading the stream with
// redis-cli) and `event` (the serialized opsuite.common.v1.Event, the source of truth).
// A dead letter carries the same fields plus `reason`, `group`, `entry_id`, `deliveries`.
//
//   RedisOptions ro;
//   ro.command_timeout = absl::Seconds(1);  // not the cache's 5 ms: XADD batches, XAUTOCLAIM
//   ASSIGN_OR_RETURN(auto redis, redis::RedisClient::Create(url, ro));
//   RedisStreamBus bus(redis);
//   RETURN_IF_ERROR(bus.EnsureGroup("notify"));
//   ASSIGN_OR_RETURN(auto entries, bus.Read("notify", "notify-1", 100, absl::Seconds(2)));
//   ... handle, commit ...
//   RETURN_IF_ERROR(bus.Ack("notify", ids));
//
// Blocking reads: Read() sends XREADGROUP ... BLOCK <ms> with a per-call timeout of the
// block time plus `block_slack`, so the client's own command timeout does not cut it short.
// A blocked read holds one pooled connection for its duration: size the pool for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/events/bus.h"
#include "common/redis/redis_client.h"

namespace opsuite::events {

struct RedisStreamBusOptions {
  std::string stream = kStream;
  std::string dead_stream = kDeadStream;
  // XADD ... MAXLEN ~ max_len (approximate trimming is cheap); 0: never trim.
  int64_t max_len = 1000000;
  // How long past its BLOCK time a blocking read waits for Redis' answer.
  absl::Duration block_slack = absl::Milliseconds(500);
  // XADDs per pipelined round trip in Publish.
  int publish_batch = 100;
};

class RedisStreamBus final : public EventPublisher, public EventSource {
 public:
  explicit RedisStreamBus(std::shared_ptr<redis::RedisClient> client,
                          RedisStreamBusOptions options = {});

  absl::Status Publish(const std::vector<Event>& events) override;

  absl::Status EnsureGroup(const std::string& group) override;
  absl::StatusOr<std::vector<StreamEntry>> Read(const std::string& group,
                                                const std::string& consumer, int count,
                                                absl::Duration block) override;
  absl::StatusOr<std::vector<StreamEntry>> Claim(const std::string& group,
                                                 const std::string& consumer,
                                                 absl::Duration min_idle, int count) override;
  absl::Status Ack(const std::string& group, const std::vector<std::string>& ids) override;
  absl::Status DeadLetter(const std::string& group, const StreamEntry& entry,
                          const std::string& reason) override;

  const RedisStreamBusOptions& options() const { return options_; }

 private:
  absl::StatusOr<std::vector<StreamEntry>> ReadOnce(const std::string& group,
                                                    const std::string& consumer, int count,
                                                    absl::Duration block);
  absl::StatusOr<std::vector<StreamEntry>> ClaimOnce(const std::string& group,
                                                     const std::string& consumer,
                                                     absl::Duration min_idle, int count);

  const std::shared_ptr<redis::RedisClient> client_;
  const RedisStreamBusOptions options_;
};

}  // namespace opsuite::events
