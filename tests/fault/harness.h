// Fault-injection harness: a write load that retries like a careful client (the same
// `request_id` on UNAVAILABLE / DEADLINE_EXCEEDED), a record of what was acknowledged, and the
// figures every fault test prints.
//
//   WriteLoad load(4, [&](int thread, int64_t n) { return NextOp(thread, n); });
//   load.Start();  ...inject the fault...  load.Stop();
//   Figures f = Verify(load.ops());  PrintFigures("kill9", f);
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace opsuite::testing::fault {

// OPSUITE_FAULT_LONG=1: the long forms (a 30 s Redis outage, longer load phases).
bool LongForm();

// A channel that reconnects fast after its server died (gRPC's default backoff grows to
// minutes), as a client of a cluster is configured.
std::shared_ptr<grpc::Channel> Dial(const std::string& address);

inline bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// One logical write.
struct Op {
  std::string kind;        // "customer", "employee", ...
  std::string key;         // what identifies it when read back (a unique name)
  std::string request_id;  // the same on every attempt
  std::string id;          // the server's id, when acknowledged
  bool acked = false;
  bool abandoned = false;  // still failing (retryable) when the load gave up on it
  grpc::StatusCode final_code = grpc::StatusCode::OK;  // a non-retryable failure
  std::string final_message;
  int attempts = 0;
};

inline Op NewOp(std::string kind, std::string key, std::string request_id) {
  Op op;
  op.kind = std::move(kind);
  op.key = std::move(key);
  op.request_id = std::move(request_id);
  return op;
}

// A call of an op: one attempt; fills *id on success.
using Attempt = std::function<grpc::Status(std::string* id)>;

// Counts of attempts, by outcome, with when each failure happened.
class Tally {
 public:
  void Record(const grpc::Status& s);
  int64_t attempts() const;
  int64_t failures() const;
  // Failures other than `allowed` codes.
  int64_t FailuresOtherThan(std::vector<grpc::StatusCode> allowed) const;
  // Failures at or after `t`.
  int64_t FailuresSince(absl::Time t) const;
  std::string Codes() const;  // "UNAVAILABLE=12 ..."
  std::string FirstMessages() const;

 private:
  mutable absl::Mutex mu_;
  int64_t attempts_ = 0;
  std::vector<std::pair<absl::Time, grpc::StatusCode>> failures_;
  std::map<grpc::StatusCode, std::string> first_message_;
};

// Runs ops on `threads` threads until Stop(); each op is retried with its request_id until it
// is acknowledged, fails with a non-retryable status, or `give_up` has passed since Stop().
class WriteLoad {
 public:
  // make(thread, n) returns the op (kind, key, request_id filled) and its attempt.
  using Make = std::function<std::pair<Op, Attempt>(int thread, int64_t n)>;
  WriteLoad(int threads, Make make, Tally* tally, absl::Duration pause = absl::Milliseconds(2),
            absl::Duration give_up = absl::Seconds(30));
  ~WriteLoad();
  void Start();
  void Stop();  // waits for every thread
  // Every op, once stopped.
  std::vector<Op> ops() const;

 private:
  void Run(int thread);
  const int threads_;
  const Make make_;
  Tally* const tally_;
  const absl::Duration pause_, give_up_;
  // When Stop() was first called (unix ms); 0 while running. One variable, so a thread that
  // sees the load stopped also sees when: the give-up clock never starts at the epoch.
  std::atomic<int64_t> stop_at_{0};
  std::vector<std::thread> workers_;
  mutable absl::Mutex mu_;
  std::vector<std::vector<Op>> done_;
};

struct Figures {
  int64_t operations = 0;
  int64_t acknowledged = 0;
  int64_t found = 0;       // acknowledged ops found after recovery
  int64_t lost = 0;        // acknowledged, not found
  int64_t duplicated = 0;  // found more than once (or a retry that did not return the first)
  int64_t refused = 0;     // non-retryable failures
  int64_t abandoned = 0;   // never acknowledged, still retrying when the load gave up
  int64_t attempts = 0;
  int64_t failed_attempts = 0;
  double error_rate() const { return attempts == 0 ? 0 : double(failed_attempts) / attempts; }
};

// Adds the ops' counts (operations, acknowledged, refused, abandoned) to `f`.
void CountOps(const std::vector<Op>& ops, Figures* f);
// One line on stdout: "[fault] <name>: operations=... error_rate=...%" plus `extra`.
void PrintFigures(const std::string& name, const Figures& f, const std::string& extra = "");

}  // namespace opsuite::testing::fault
