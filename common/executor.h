// A fixed pool of worker threads for blocking work (database, Redis), so gRPC's own threads
// never block.
//
//   Executor pool(16, "worker");   // the threads' name, as top -H and perf show them
//   pool.Submit([] { ... });
//   pool.Shutdown();   // runs what was queued, then joins
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace opsuite {

class Executor {
 public:
  explicit Executor(int threads, std::string name = "worker");
  ~Executor();  // Shutdown()
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `fn`; after Shutdown() it runs on the calling thread.
  void Submit(std::function<void()> fn);
  void Shutdown();
  size_t Queued() const;
  // How many queued functions the pool's threads have started.
  uint64_t Ran() const { return ran_.load(std::memory_order_relaxed); }

 private:
  void Loop();

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // One Signal per queued fn wakes one idle worker (an Await on a Condition would have Unlock
  // evaluate every waiter's condition).
  absl::CondVar ready_;
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> ran_{0};
};

}  // namespace opsuite
