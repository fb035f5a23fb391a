#include "services/notify/consumer.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "services/notify/fanout.h"
#include "services/notify/inbox_hub.h"

namespace opsuite::notify {

void EventConsumer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void EventConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status EventConsumer::Handle(const events::Event& event) {
  if (event.org_id().empty() || event.id().empty() || event.type().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event \"", event.id(), "\" lacks an org, id or type"));
  }
  const std::string& org = event.org_id();
  std::vector<std::string> ids = RecipientsOf(event, [&](const std::string& id) {
    absl::StatusOr<planning::v1::Employee> e = ctx_->directory->GetEmployee(org, id);
    return e.ok() ? e->manager_id() : std::string();
  });
  if (ids.empty()) return absl::OkStatus();
  std::vector<std::string> missing;
  ASSIGN_OR_RETURN(std::vector<Recipient> recipients,
                   ResolveRecipients(*ctx_, org, ids, &missing));
  FanoutInput in;
  in.event_id = event.id();
  in.type = event.type();
  in.data = event.payload();
  in.link = event.subject_id();
  std::vector<std::string> notices;
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    notices.clear();
    ASSIGN_OR_RETURN(storage::Rows seen, tx.Query("SELECT 1 FROM processed_events WHERE org_id = ? "
                                                  "AND event_id = ?",
                                                  {org, event.id()}));
    if (!seen.empty()) return absl::OkStatus();  // a redelivery: done before
    RETURN_IF_ERROR(WriteFanout(*ctx_, tx, org, in, recipients, &notices));
    return tx
        .Exec("INSERT INTO processed_events (org_id, event_id, at) VALUES (?, ?, ?)",
              {org, event.id(), absl::ToUnixMillis(ctx_->clock->Now())})
        .status();
  }));
  if (!notices.empty()) {
    ctx_->hub->Notify();
    if (ctx_->wake_dispatcher) ctx_->wake_dispatcher();
  }
  return absl::OkStatus();
}

void EventConsumer::Process(const std::vector<events::StreamEntry>& entries) {
  std::vector<std::string> done;
  for (const events::StreamEntry& entry : entries) {
    absl::Status s = Handle(entry.event);
    if (s.ok()) {
      done.push_back(entry.entry_id);
      continue;
    }
    const bool malformed = absl::IsInvalidArgument(s);
    if (malformed || entry.deliveries >= ctx_->options.dead_letter_after) {
      absl::Status parked = source_->DeadLetter(kGroup, entry, s.ToString());
      log::Warn("event parked in the dead-letter stream",
                {{"event_id", entry.event.id()}, {"type", entry.event.type()},
                 {"reason", s.ToString()}, {"parked", parked.ok()}});
    } else {
      // Left pending: reclaimed and retried after claim_idle.
      log::Warn("event not handled; will retry",
                {{"event_id", entry.event.id()}, {"attempt", entry.deliveries},
                 {"error", s.ToString()}});
    }
  }
  if (!done.empty()) {
    absl::Status s = source_->Ack(kGroup, done);
    if (!s.ok()) log::Warn("ack failed; the entries will be redelivered", {{"error", s.ToString()}});
  }
}

void EventConsumer::Loop() {
  absl::Time next_claim = absl::InfinitePast();
  bool grouped = false;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (!grouped) {
      absl::Status s = source_->EnsureGroup(kGroup);
      if (!s.ok()) {
        absl::SleepFor(absl::Milliseconds(500));
        continue;
      }
      grouped = true;
    }
    if (absl::Now() >= next_claim) {
      next_claim = absl::Now() + absl::Seconds(1);
      auto claimed = source_->Claim(kGroup, consumer_, ctx_->options.claim_idle, 100);
      if (claimed.ok() && !claimed->empty()) Process(*claimed);
    }
    auto entries = source_->Read(kGroup, consumer_, 100, absl::Milliseconds(500));
    if (!entries.ok()) {
      absl::SleepFor(absl::Milliseconds(200));  // Redis away: try again shortly
      continue;
    }
    if (!entries->empty()) Process(*entries);
  }
}

}  // namespace opsuite::notify
