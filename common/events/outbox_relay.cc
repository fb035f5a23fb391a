#include "common/events/outbox_relay.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "common/log.h"
#include "common/status.h"
#include "common/storage/outbox.h"
#include "common/thread_name.h"

namespace opsuite::events {

OutboxRelay::OutboxRelay(storage::Database& db, EventPublisher& publisher,
                         OutboxRelayOptions options)
    : db_(db), publisher_(publisher), options_(options) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = StartThread("outbox-relay", [this] { Loop(); });
}

void OutboxRelay::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

void OutboxRelay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Last best-effort flush: whatever is left stays in the outbox for the next start.
  (void)Drain();
}

absl::Status OutboxRelay::RelayBatch(int* count) {
  *count = 0;
  ASSIGN_OR_RETURN(std::vector<storage::OutboxRow> rows,
                   storage::FetchUnsentOutbox(db_, std::max(options_.batch_size, 1)));
  if (rows.empty()) return absl::OkStatus();
  std::vector<Event> events;
  std::vector<int64_t> seqs;
  events.reserve(rows.size());
  seqs.reserve(rows.size());
  for (storage::OutboxRow& row : rows) {
    seqs.push_back(row.seq);
    events.push_back(std::move(row.event));
  }
  RETURN_IF_ERROR(publisher_.Publish(events));
  published_.fetch_add(events.size(), std::memory_order_relaxed);
  // Only now: a crash before this line republishes the batch, it never loses it.
  RETURN_IF_ERROR(storage::MarkOutboxSent(db_, seqs));
  batches_.fetch_add(1, std::memory_order_relaxed);
  *count = static_cast<int>(rows.size());
  return absl::OkStatus();
}

absl::Status OutboxRelay::Drain() {
  absl::MutexLock lock(&drain_mu_);
  while (true) {
    int count = 0;
    absl::Status s = RelayBatch(&count);
    if (!s.ok()) {
      publish_failures_.fetch_add(1, std::memory_order_relaxed);
      return s;
    }
    if (count < std::max(options_.batch_size, 1)) return absl::OkStatus();
  }
}

void OutboxRelay::Loop() {
  absl::InsecureBitGen gen;
  absl::Duration backoff = options_.initial_backoff;
  uint64_t failures_in_a_row = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      notified_ = false;
    }
    absl::Status s = Drain();
    absl::Duration wait;
    bool wake_on_notify;
    if (s.ok()) {
      if (failures_in_a_row > 0) {
        log::Info("outbox relay recovered", {{"failed_attempts", failures_in_a_row}});
      }
      failures_in_a_row = 0;
      backoff = options_.initial_backoff;
      wait = options_.poll_interval;
      wake_on_notify = true;
    } else {
      // Log the first failure and then every 20th, so an outage is visible but not noisy.
      if (failures_in_a_row++ % 20 == 0) {
        log::Warn("outbox relay cannot publish; retrying",
                  {{"error", std::string(s.message())},
                   {"failed_attempts", failures_in_a_row}});
      }
      // Jitter (±20%) keeps replicas that failed together from retrying in lockstep.
      wait = backoff * absl::Uniform(gen, 0.8, 1.2);
      backoff = std::min(backoff * 2, options_.max_backoff);
      // New rows do not make Redis come back: only Stop() cuts a backoff short.
      wake_on_notify = false;
    }
    absl::MutexLock lock(&mu_);
    auto ready = [this, wake_on_notify]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || (wake_on_notify && notified_);
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  }
}

absl::StatusOr<int64_t> OutboxRelay::Pending() { return storage::CountUnsentOutbox(db_); }

OutboxRelayStats OutboxRelay::Stats() const {
  OutboxRelayStats s;
  s.published = published_.load(std::memory_order_relaxed);
  s.publish_failures = publish_failures_.load(std::memory_order_relaxed);
  s.batches = batches_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace opsuite::events
