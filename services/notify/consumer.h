// The event consumer: reads `ops:events` in the consumer group "notify" (several replicas
// share the work), turns each event into notices (fan-out, one transaction with the event's
// dedup row), and acknowledges only after that commit. Entries left pending by a dead
// consumer are reclaimed after `claim_idle`; an entry that keeps failing is parked in
// `ops:events:dead` with the reason after `dead_letter_after` deliveries (at once when the
// event itself is malformed).
#pragma once

#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/events/bus.h"
#include "services/notify/context.h"
#include "services/notify/fanout.h"

namespace opsuite::notify {

inline constexpr char kGroup[] = "notify";

class EventConsumer {
 public:
  EventConsumer(Context* ctx, events::EventSource* source, std::string consumer)
      : ctx_(ctx), source_(source), consumer_(std::move(consumer)) {}
  ~EventConsumer() { Stop(); }
  void Start();
  void Stop();
  // Handles one event (the fan-out), OK when it is done or was done before.
  absl::Status Handle(const events::Event& event);

 private:
  // An event with its recipients looked up, ready to write.
  struct Prepared {
    std::string org;
    FanoutInput in;
    std::vector<Recipient> recipients;
  };
  // Nothing (no recipients), or what to write; INVALID_ARGUMENT for a malformed event.
  absl::StatusOr<std::optional<Prepared>> Prepare(const events::Event& event);
  // Fans out `batch` in one transaction, skipping events already processed.
  absl::Status Write(const std::vector<const Prepared*>& batch, int* notices);
  void Announce();
  void Loop();
  void Process(const std::vector<events::StreamEntry>& entries);
  // Reads the recipients of `entries` (and the managers some event types reach) from planning
  // in batches, so that preparing each event finds them held instead of calling per person.
  // A failure other than an unknown person (planning unreachable) is returned: the read is
  // then left pending as a whole, after one timeout rather than one per event.
  absl::Status PrefetchRecipients(const std::vector<events::StreamEntry>& entries);

  static constexpr size_t kPrepareThreads = 8;
  static constexpr int kReadBatch = 256;  // events a read takes, written in one commit

  Context* ctx_;
  events::EventSource* source_;
  std::string consumer_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opsuite::notify
