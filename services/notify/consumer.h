// The event consumer: reads `ops:events` in the consumer group "notify" (several replicas
// share the work), turns each event into notices (fan-out, one transaction with the event's
// dedup row), and acknowledges only after that commit. Entries left pending by a dead
// consumer are reclaimed after `claim_idle`; an entry that keeps failing is parked in
// `ops:events:dead` with the reason after `dead_letter_after` deliveries (at once when the
// event itself is malformed).
#pragma once

#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/events/bus.h"
#include "services/notify/context.h"

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
  void Loop();
  void Process(const std::vector<events::StreamEntry>& entries);

  Context* ctx_;
  events::EventSource* source_;
  std::string consumer_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opsuite::notify
