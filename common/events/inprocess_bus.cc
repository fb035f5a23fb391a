#include "common/events/inprocess_bus.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace opsuite::events {

InProcessBus::InProcessBus(InProcessBusOptions options)
    : clock_(options.clock != nullptr ? options.clock : RealClock::Default()),
      max_len_(std::max<size_t>(options.max_len, 1)) {}

absl::Status InProcessBus::Publish(const std::vector<Event>& events) {
  if (events.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  for (const Event& e : events) {
    // Ids look like Redis stream ids and increase even if the clock steps back.
    int64_t ms = absl::ToUnixMillis(clock_->Now());
    if (ms > last_ms_) {
      last_ms_ = ms;
      last_n_ = 0;
    } else {
      ++last_n_;
    }
    Stored s{next_seq_++, absl::StrCat(last_ms_, "-", last_n_), e};
    seq_by_id_.emplace(s.id, s.seq);
    entries_.push_back(std::move(s));
  }
  while (entries_.size() > max_len_) {
    seq_by_id_.erase(entries_.front().id);
    entries_.pop_front();
  }
  published_.SignalAll();
  return absl::OkStatus();
}

absl::Status InProcessBus::EnsureGroup(const std::string& group) {
  absl::MutexLock lock(&mu_);
  GroupFor(group);
  return absl::OkStatus();
}

InProcessBus::Group& InProcessBus::GroupFor(const std::string& name) { return groups_[name]; }

const InProcessBus::Stored* InProcessBus::Find(uint64_t seq) const {
  if (entries_.empty() || seq < entries_.front().seq || seq > entries_.back().seq) {
    return nullptr;  // trimmed, or never existed
  }
  return &entries_[seq - entries_.front().seq];
}

bool InProcessBus::HasNew(const std::string& group) const {
  auto it = groups_.find(group);
  uint64_t last = it == groups_.end() ? 0 : it->second.last_delivered;
  return !entries_.empty() && entries_.back().seq > last;
}

absl::StatusOr<std::vector<StreamEntry>> InProcessBus::Read(const std::string& group,
                                                            const std::string& consumer,
                                                            int count, absl::Duration block) {
  absl::MutexLock lock(&mu_);
  GroupFor(group);
  if (block > absl::ZeroDuration()) {
    const absl::Time deadline = absl::Now() + block;
    while (!HasNew(group)) {
      if (published_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
    }
  }
  Group& g = GroupFor(group);
  std::vector<StreamEntry> out;
  if (entries_.empty()) return out;
  const absl::Time now = clock_->Now();
  uint64_t seq = std::max(g.last_delivered + 1, entries_.front().seq);
  for (; seq <= entries_.back().seq && static_cast<int>(out.size()) < std::max(count, 1);
       ++seq) {
    const Stored* s = Find(seq);
    out.push_back(StreamEntry{s->id, s->event, 1});
    g.pending[seq] = Pending{consumer, now, 1};
    g.last_delivered = seq;
  }
  return out;
}

absl::StatusOr<std::vector<StreamEntry>> InProcessBus::Claim(const std::string& group,
                                                             const std::string& consumer,
                                                             absl::Duration min_idle,
                                                             int count) {
  absl::MutexLock lock(&mu_);
  Group& g = GroupFor(group);
  const absl::Time now = clock_->Now();
  std::vector<StreamEntry> out;
  for (auto it = g.pending.begin();
       it != g.pending.end() && static_cast<int>(out.size()) < std::max(count, 1);) {
    const Stored* s = Find(it->first);
    if (s == nullptr) {
      it = g.pending.erase(it);  // trimmed away: Redis 7 drops these from the PEL too
      continue;
    }
    Pending& p = it->second;
    if (now - p.delivered_at >= min_idle) {
      p.consumer = consumer;
      p.delivered_at = now;
      ++p.deliveries;
      out.push_back(StreamEntry{s->id, s->event, p.deliveries});
    }
    ++it;
  }
  return out;
}

absl::Status InProcessBus::Ack(const std::string& group, const std::vector<std::string>& ids) {
  absl::MutexLock lock(&mu_);
  auto git = groups_.find(group);
  if (git == groups_.end()) return absl::OkStatus();  // XACK on a missing group acks nothing
  for (const std::string& id : ids) {
    auto sit = seq_by_id_.find(id);
    if (sit != seq_by_id_.end()) git->second.pending.erase(sit->second);
  }
  return absl::OkStatus();
}

absl::Status InProcessBus::DeadLetter(const std::string& group, const StreamEntry& entry,
                                      const std::string& reason) {
  absl::MutexLock lock(&mu_);
  dead_.push_back(DeadLetterRecord{entry, group, reason});
  auto git = groups_.find(group);
  auto sit = seq_by_id_.find(entry.entry_id);
  if (git != groups_.end() && sit != seq_by_id_.end()) git->second.pending.erase(sit->second);
  return absl::OkStatus();
}

std::vector<DeadLetterRecord> InProcessBus::DeadLetters() const {
  absl::MutexLock lock(&mu_);
  return dead_;
}

size_t InProcessBus::Length() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

size_t InProcessBus::PendingCount(const std::string& group) const {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? 0 : it->second.pending.size();
}

}  // namespace opsuite::events
