// Executes evaluation runs in the background, one at a time, page by page:
//   subjects (planning directory) → inputs (one batched call per source per page) → rules →
//   results + outbox events in one transaction per page → grades (forced distribution) →
//   SUCCEEDED.
// Runs left PENDING or RUNNING by a crash are picked up again at start-up; a resumed run
// rewrites its own results without bumping their version again.
#pragma once

#include <atomic>
#include <deque>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "services/scoring/context.h"
#include "services/scoring/inputs.h"

namespace opsuite::scoring {

class RunWorker {
 public:
  struct Options {
    int page_size = 1000;  // subjects per input call and per transaction
  };
  RunWorker(Context* ctx, InputReader* inputs,
            std::function<std::shared_ptr<grpc::Channel>(absl::string_view)> peer,
            std::function<std::string(const std::string&)> token, Options options);
  ~RunWorker();

  // Starts the thread and queues the unfinished runs found in the database.
  absl::Status Start();
  void Enqueue(const std::string& org, const std::string& run_id);
  // Finishes the page in hand and stops; the run stays RUNNING and resumes on next start.
  void Stop();

 private:
  void Loop();
  void Execute(const std::string& org, const std::string& run_id);

  Context* ctx_;
  InputReader* inputs_;
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view)> peer_;
  std::function<std::string(const std::string&)> token_;
  Options options_;
  absl::Mutex mu_;
  std::deque<std::pair<std::string, std::string>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opsuite::scoring
