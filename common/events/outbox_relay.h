// Moves a service's outbox rows (common/storage/outbox.h) to the event stream.
//
// A background thread publishes unsent rows in `seq` order, in batches, and marks a batch
// sent only after Publish succeeded; so an event is never lost (a crash or an outage
// between the two just means it is published again, and consumers dedup by Event.id).
// When publishing fails it retries forever with exponential backoff (50 ms doubling to
// 5 s, with jitter), so the relay neither gives up nor hammers a Redis that is down.
//
//   OutboxRelay relay(*db, bus);                 // bus: a RedisStreamBus or InProcessBus
//   db->OnCommit([&relay] { relay.Notify(); });  // publish right after each commit
//   relay.Start();
//   ...
//   relay.Stop();                                // last best-effort flush, then joins
//
// Without Notify() it polls every `poll_interval`.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/events/bus.h"
#include "common/storage/database.h"

namespace opsuite::events {

struct OutboxRelayOptions {
  absl::Duration poll_interval = absl::Milliseconds(200);
  int batch_size = 500;
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(5);
};

struct OutboxRelayStats {
  uint64_t published = 0;         // events published (a retried event counts again)
  uint64_t publish_failures = 0;  // failed attempts (fetch, publish or mark)
  uint64_t batches = 0;           // successful batches
};

class OutboxRelay {
 public:
  // `db` and `publisher` must outlive the relay.
  OutboxRelay(storage::Database& db, EventPublisher& publisher, OutboxRelayOptions options = {});
  ~OutboxRelay();  // Stop()
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Starts the background thread. Calling it twice does nothing.
  void Start();
  // Wakes the thread: there is something new to publish. Cheap; safe from any thread
  // (including a Database::OnCommit listener).
  void Notify();
  // Stops the thread, then makes one last attempt to publish what is pending (an error
  // is ignored: the rows stay in the outbox for the next start). Idempotent.
  void Stop();

  // Publishes until the outbox is empty or an attempt fails; what the thread does on each
  // wake-up. Exposed for tools and tests that run without the thread.
  absl::Status Drain();

  // Rows waiting in the outbox.
  absl::StatusOr<int64_t> Pending();
  OutboxRelayStats Stats() const;

 private:
  void Loop();
  // One batch: fetch, publish, mark. Sets *count to the rows handled.
  absl::Status RelayBatch(int* count);

  storage::Database& db_;
  EventPublisher& publisher_;
  const OutboxRelayOptions options_;

  // Serializes batches between the thread and a direct Drain() / the final flush, so a
  // batch is never published twice concurrently.
  absl::Mutex drain_mu_;

  absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> publish_failures_{0};
  std::atomic<uint64_t> batches_{0};
};

}  // namespace opsuite::events
