// What the scheduler's service and firing loop share: the database, the clock, the edge, the
// action runner and this replica's id; and the one way a claimed run is executed and
// recorded.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/server/edge.h"
#include "common/storage/database.h"
#include "services/scheduler/actions.h"
#include "services/scheduler/scheduler_store.h"

namespace opsuite::scheduler {

struct Context {
  storage::Database* db = nullptr;
  const Clock* clock = nullptr;
  server::Edge* edge = nullptr;
  ActionRunner* actions = nullptr;
  std::string replica;  // "hostname:pid:random", recorded on every run it fires
};

// A run of `job` due at `due`, RUNNING from now on this replica, with a fresh id.
v1::JobRun NewRun(const Context& ctx, const v1::Job& job, absl::Time due, v1::RunTrigger trigger);

// Calls the job's action for `run` (claimed already: its row exists), then records the
// outcome: SUCCEEDED with `outcome`, or FAILED with `error`; `finish_time` and `duration_ms`
// measure the call. Returns the run as recorded.
v1::JobRun ExecuteRun(Context& ctx, const std::string& org, const v1::Job& job, v1::JobRun run);

// The job as callers see it: next_run_time (enabled jobs) computed from now.
v1::Job WithNextRun(const Context& ctx, v1::Job job);

}  // namespace opsuite::scheduler
