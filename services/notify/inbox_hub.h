// Live inboxes: the WatchInbox streams of this process. A watcher gets the notices of its
// person newer than the last one it was sent: at once when this process committed them (the
// fan-out calls Notify), and within `poll` when another replica did.
#pragma once

#include <deque>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/database.h"
#include "grpcpp/grpcpp.h"
#include "opsuite/notify/v1/notify.pb.h"

namespace opsuite::notify {


class InboxHub;

// One WatchInbox call (callback API): writes queued notices one at a time.
class InboxWatcher final : public grpc::ServerWriteReactor<v1::Notice> {
 public:
  InboxWatcher(InboxHub* hub, std::string org, std::string recipient, std::string after_id);
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  friend class InboxHub;
  // Queues notices (ascending ids) newer than what was sent. Called with the hub's lock held.
  void Offer(const std::vector<v1::Notice>& notices);
  void End(const grpc::Status& status);

  InboxHub* hub_;
  const std::string org_;
  const std::string recipient_;
  absl::Mutex mu_;
  std::string last_id_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::Notice> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class InboxHub {
 public:
  explicit InboxHub(storage::Database* db, absl::Duration poll = absl::Milliseconds(500))
      : db_(db), poll_(poll) {}
  ~InboxHub() { Stop(); }

  void Start();
  // Ends every stream (UNAVAILABLE: the server is going away) and stops polling.
  void Stop();
  // Something was committed: look now.
  void Notify();

  void Add(InboxWatcher* w);
  void Remove(InboxWatcher* w);
  int watchers();

 private:
  void Loop();
  void Check();

  storage::Database* db_;
  absl::Duration poll_;
  absl::Mutex mu_;
  absl::flat_hash_set<InboxWatcher*> watchers_ ABSL_GUARDED_BY(mu_);
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opsuite::notify
