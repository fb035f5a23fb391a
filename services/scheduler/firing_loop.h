// The loop that fires due runs: a thread that ticks every second (real time) and reads the
// injected clock, so a FakeClock moved by a test is seen at the next tick (or at once with
// TickForTest).
//
// On each tick, as leader (LeaderLease), for each enabled job: the latest due time <= now
// (cron.h Previous) is compared with what this term has already handled. A new one is fired:
// leadership is confirmed with Redis, the run is claimed by inserting (job, due time) under
// the unique key — a replica that finds the row there skips it — and the action is called
// with the run id as its request_id; the outcome is recorded. Several due times passed
// between two ticks fire once (the latest).
//
// When a term starts (start-up, or leadership taken over) each job is compared with its last
// scheduled run in the database instead: a due time newer than that (and than the job's
// creation or last enabling) that is at most `misfire_grace` old fires as SCHEDULE (late, not
// missed); an older one fires once as CATCH_UP when within the job's catch_up_seconds, and
// is skipped otherwise. Runs left RUNNING for `resume_after` by a replica that stopped are
// executed again under their own id (the callee dedups).
#pragma once

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/scheduler/context.h"
#include "services/scheduler/domain/cron.h"
#include "services/scheduler/leader_lease.h"

namespace opsuite::scheduler {

class FiringLoop {
 public:
  struct Options {
    absl::Duration tick = absl::Seconds(1);
    absl::Duration misfire_grace = absl::Seconds(60);
    absl::Duration resume_after = absl::Minutes(5);
  };

  FiringLoop(Context* ctx, LeaderLease* lease, Options options);
  ~FiringLoop();

  void Start();
  // Finishes the run in hand and stops.
  void Stop();
  // One tick now, on the calling thread, after refreshing the lease (tests, after moving a
  // FakeClock).
  void TickForTest();

 private:
  struct Parsed {
    std::string cron_text;
    std::string zone;
    Cron cron;
    absl::TimeZone tz;
  };
  enum class Fired { kHandled, kRetry, kNotLeader };

  void Loop();
  void Tick() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tick_mu_);
  bool Stopping();
  // The parsed cron and zone of `job` (cached); null when they do not parse.
  const Parsed* ParsedOf(const std::string& key, const v1::Job& job)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(tick_mu_);
  Fired Fire(const std::string& org, const v1::Job& job, absl::Time due, v1::RunTrigger trigger);
  void ResumeInterrupted(absl::Time now);

  Context* ctx_;
  LeaderLease* lease_;
  const Options options_;

  absl::Mutex tick_mu_;  // one tick at a time (the thread's or a test's)
  uint64_t term_ ABSL_GUARDED_BY(tick_mu_) = 0;
  // org/job id -> the latest due time handled in this term.
  absl::flat_hash_map<std::string, absl::Time> handled_ ABSL_GUARDED_BY(tick_mu_);
  absl::flat_hash_map<std::string, Parsed> parsed_ ABSL_GUARDED_BY(tick_mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Tests: one tick of every firing loop running in this process, now.
void TickAllFiringLoopsForTest();

}  // namespace opsuite::scheduler
