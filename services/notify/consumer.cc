#include "services/notify/consumer.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "services/notify/fanout.h"
#include "services/notify/inbox_hub.h"

namespace opsuite::notify {

void EventConsumer::Start() {
  thread_ = StartThread("notify-consumer", [this] { Loop(); });
}

void EventConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::optional<EventConsumer::Prepared>> EventConsumer::Prepare(
    const events::Event& event) {
  if (event.org_id().empty() || event.id().empty() || event.type().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event \"", event.id(), "\" lacks an org, id or type"));
  }
  const std::string& org = event.org_id();
  std::vector<std::string> ids = RecipientsOf(event, [&](const std::string& id) {
    absl::StatusOr<planning::v1::Employee> e = ctx_->directory->GetEmployee(org, id);
    return e.ok() ? e->manager_id() : std::string();
  });
  if (ids.empty()) return std::optional<Prepared>();
  std::vector<std::string> missing;
  Prepared p;
  ASSIGN_OR_RETURN(p.recipients, ResolveRecipients(*ctx_, org, ids, &missing));
  p.org = org;
  p.in.event_id = event.id();
  p.in.type = event.type();
  p.in.data = event.payload();
  p.in.link = LinkOf(event);
  return std::optional<Prepared>(std::move(p));
}

absl::Status EventConsumer::Write(const std::vector<const Prepared*>& batch, int* notices) {
  return ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    *notices = 0;
    for (const Prepared* p : batch) {
      ASSIGN_OR_RETURN(storage::Rows seen, tx.Query("SELECT 1 FROM processed_events WHERE "
                                                    "org_id = ? AND event_id = ?",
                                                    {p->org, p->in.event_id}));
      if (!seen.empty()) continue;  // a redelivery: done before
      std::vector<std::string> ids;
      RETURN_IF_ERROR(WriteFanout(*ctx_, tx, p->org, p->in, p->recipients, &ids));
      *notices += static_cast<int>(ids.size());
      RETURN_IF_ERROR(tx.Exec("INSERT INTO processed_events (org_id, event_id, at) VALUES "
                              "(?, ?, ?)",
                              {p->org, p->in.event_id, absl::ToUnixMillis(ctx_->clock->Now())})
                          .status());
    }
    return absl::OkStatus();
  });
}

absl::Status EventConsumer::Handle(const events::Event& event) {
  ASSIGN_OR_RETURN(std::optional<Prepared> p, Prepare(event));
  if (!p) return absl::OkStatus();
  int notices = 0;
  RETURN_IF_ERROR(Write({&*p}, &notices));
  if (notices > 0) Announce();
  return absl::OkStatus();
}

void EventConsumer::Announce() {
  ctx_->hub->Notify();
  if (ctx_->wake_dispatcher) ctx_->wake_dispatcher();
}

absl::Status EventConsumer::PrefetchRecipients(const std::vector<events::StreamEntry>& entries) {
  struct People {
    std::vector<std::string> ids;           // recipients
    std::vector<std::string> need_manager;  // people whose manager is a recipient
  };
  absl::flat_hash_map<std::string, People> by_org;
  for (const events::StreamEntry& entry : entries) {
    const events::Event& event = entry.event;
    if (event.org_id().empty()) continue;
    People& people = by_org[event.org_id()];
    for (std::string& id : RecipientsOf(event, [&](const std::string& id) {
           people.need_manager.push_back(id);
           return std::string();
         })) {
      people.ids.push_back(std::move(id));
    }
  }
  for (auto& [org, people] : by_org) {
    people.ids.insert(people.ids.end(), people.need_manager.begin(), people.need_manager.end());
    RETURN_IF_ERROR(ctx_->directory->Prefetch(org, people.ids));
    std::vector<std::string> managers;
    for (const std::string& id : people.need_manager) {
      absl::StatusOr<planning::v1::Employee> e = ctx_->directory->GetEmployee(org, id);
      if (e.ok() && !e->manager_id().empty()) managers.push_back(e->manager_id());
    }
    RETURN_IF_ERROR(ctx_->directory->Prefetch(org, managers));
  }
  return absl::OkStatus();
}

void EventConsumer::Process(const std::vector<events::StreamEntry>& entries) {
  // One BatchGetEmployees per 1,000 people instead of a GetEmployee per recipient.
  const absl::Status directory = PrefetchRecipients(entries);
  // The whole read in one transaction (one commit for up to kReadBatch events); an entry that
  // cannot be prepared, or a batch that fails, falls back to one entry at a time so a poison
  // entry is isolated and the others go through.
  std::vector<std::string> done;
  std::vector<std::optional<Prepared>> prepared(entries.size());
  std::vector<absl::Status> failed(entries.size());
  std::vector<const Prepared*> batch;
  // Preparing an event may still wait on the directory (a call per person not held): prepare
  // the read's events on several threads at once, each taking every kPrepareThreads-th entry.
  auto prepare = [&](size_t first) {
    for (size_t i = first; i < entries.size(); i += kPrepareThreads) {
      absl::StatusOr<std::optional<Prepared>> p = Prepare(entries[i].event);
      if (!p.ok()) {
        failed[i] = p.status();
        continue;
      }
      prepared[i] = *std::move(p);
    }
  };
  if (!directory.ok()) {
    // Planning unreachable: every event of the read waits for the next try.
    for (absl::Status& f : failed) f = directory;
  } else {
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < kPrepareThreads && t < entries.size(); ++t) helpers.emplace_back(prepare, t);
    prepare(0);
    for (auto& h : helpers) h.join();
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (prepared[i]) batch.push_back(&*prepared[i]);
  }
  int notices = 0;
  absl::Status written = batch.empty() ? absl::OkStatus() : Write(batch, &notices);
  for (size_t i = 0; i < entries.size(); ++i) {
    const events::StreamEntry& entry = entries[i];
    absl::Status s = failed[i];
    if (s.ok() && !written.ok() && prepared[i]) {
      int one = 0;
      s = Write({&*prepared[i]}, &one);
      notices += one;
    }
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
  if (notices > 0) Announce();
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
    auto entries = source_->Read(kGroup, consumer_, kReadBatch, absl::Milliseconds(500));
    if (!entries.ok()) {
      absl::SleepFor(absl::Milliseconds(200));  // Redis away: try again shortly
      continue;
    }
    if (!entries->empty()) Process(*entries);
  }
}

}  // namespace opsuite::notify
