#include "common/executor.h"

#include <utility>

#include "common/thread_name.h"

namespace opsuite {

Executor::Executor(int threads, std::string name) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.push_back(StartThread(name, [this] { Loop(); }));
  }
}

Executor::~Executor() { Shutdown(); }

void Executor::Submit(std::function<void()> fn) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(fn));
      if (idle_ > 0) ready_.Signal();
      return;
    }
  }
  fn();
}

void Executor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    ready_.SignalAll();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

size_t Executor::Queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void Executor::Loop() {
  for (;;) {
    std::function<void()> fn;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) {
        ++idle_;
        ready_.Wait(&mu_);
        --idle_;
      }
      if (queue_.empty()) return;  // stopping and drained
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    ran_.fetch_add(1, std::memory_order_relaxed);  // first: fn may answer someone who looks
    fn();
  }
}

}  // namespace opsuite
