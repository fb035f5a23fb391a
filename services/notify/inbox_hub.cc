#include "services/notify/inbox_hub.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "common/thread_name.h"

namespace opsuite::notify {

InboxWatcher::InboxWatcher(InboxHub* hub, std::string org, std::string recipient,
                           std::string after_id)
    : hub_(hub), org_(std::move(org)), recipient_(std::move(recipient)), last_id_(after_id) {
  // Headers go out at once, so a client (the gateway's SSE) knows the stream is open before
  // the first notice; before Add(), so no write can precede them.
  StartSendInitialMetadata();
  hub_->Add(this);
}

void InboxWatcher::Offer(const std::vector<v1::Notice>& notices) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  for (const v1::Notice& n : notices) {
    if (n.id() <= last_id_) continue;
    last_id_ = n.id();
    queue_.push_back(n);
  }
  if (!writing_ && !queue_.empty()) {
    writing_ = true;
    StartWrite(&queue_.front());
  }
}

void InboxWatcher::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  queue_.pop_front();
  if (!ok) {
    writing_ = false;
    if (!finished_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream broke; reconnect with after_id"));
    }
    return;
  }
  if (!queue_.empty() && !finished_) {
    StartWrite(&queue_.front());
  } else {
    writing_ = false;
  }
}

void InboxWatcher::End(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void InboxWatcher::OnCancel() { End(grpc::Status::CANCELLED); }

void InboxWatcher::OnDone() {
  hub_->Remove(this);
  delete this;
}

void InboxHub::Start() {
  thread_ = StartThread("inbox-hub", [this] { Loop(); });
}

void InboxHub::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (InboxWatcher* w : watchers_) {
      w->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down; reconnect"));
    }
  }
  if (thread_.joinable()) thread_.join();
}

void InboxHub::Notify() {
  absl::MutexLock lock(&mu_);
  dirty_ = true;
}

void InboxHub::Add(InboxWatcher* w) {
  {
    absl::MutexLock lock(&mu_);
    watchers_.insert(w);
    dirty_ = true;  // replay what is newer than after_id
  }
}

void InboxHub::Remove(InboxWatcher* w) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(w);
}

int InboxHub::watchers() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(watchers_.size());
}

void InboxHub::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || dirty_; };
      mu_.AwaitWithTimeout(absl::Condition(&ready), poll_);
      if (stopping_) return;
      dirty_ = false;
    }
    Check();
  }
}

void InboxHub::Check() {
  struct Want {
    InboxWatcher* watcher;
    std::string org, recipient, after;
  };
  std::vector<Want> wants;
  {
    absl::MutexLock lock(&mu_);
    for (InboxWatcher* w : watchers_) {
      absl::MutexLock wl(&w->mu_);
      if (!w->finished_) wants.push_back({w, w->org_, w->recipient_, w->last_id_});
    }
  }
  for (const Want& want : wants) {
    std::vector<v1::Notice> fresh;
    absl::Status s = db_->Read([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(storage::Rows rows,
                       tx.Query("SELECT body FROM notices WHERE org_id = ? AND recipient_id = ? "
                                "AND id > ? ORDER BY id LIMIT 100",
                                {want.org, want.recipient, want.after}));
      for (const auto& row : rows) {
        v1::Notice n;
        if (n.ParseFromString(row.Text(0))) fresh.push_back(std::move(n));
      }
      return absl::OkStatus();
    });
    if (!s.ok()) {
      log::Warn("inbox watch read failed", {{"error", s.ToString()}});
      continue;
    }
    if (fresh.empty()) continue;
    absl::MutexLock lock(&mu_);
    if (watchers_.contains(want.watcher)) want.watcher->Offer(fresh);
    if (fresh.size() == 100) dirty_ = true;  // more to come
  }
}

}  // namespace opsuite::notify
