#include "common/cache/single_flight.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace opsuite::cache {

struct SingleFlight::Call {
  absl::Notification done;
  absl::StatusOr<std::string> result;  // written once, before `done` is notified
};

absl::StatusOr<std::string> SingleFlight::Do(
    const std::string& key, absl::FunctionRef<absl::StatusOr<std::string>()> fn) {
  std::shared_ptr<Call> call;
  bool leader = false;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = calls_.try_emplace(key);
    if (inserted) {
      it->second = std::make_shared<Call>();
      leader = true;
    } else {
      ++shared_;
    }
    call = it->second;
  }
  if (!leader) {
    call->done.WaitForNotification();
    return call->result;
  }
  call->result = fn();
  {
    // Forget the call before waking the waiters: a caller arriving from now on starts a
    // fresh load (and sees what the loader just cached) rather than this result.
    absl::MutexLock lock(&mu_);
    calls_.erase(key);
  }
  call->done.Notify();
  return call->result;
}

uint64_t SingleFlight::shared() const {
  absl::MutexLock lock(&mu_);
  return shared_;
}

size_t SingleFlight::in_flight() const {
  absl::MutexLock lock(&mu_);
  return calls_.size();
}

}  // namespace opsuite::cache
