#include "services/scheduler/context.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/timestamps.h"
#include "services/scheduler/domain/cron.h"
#include "services/scheduler/domain/job_rules.h"

namespace opsuite::scheduler {

v1::JobRun NewRun(const Context& ctx, const v1::Job& job, absl::Time due, v1::RunTrigger trigger) {
  const absl::Time now = ctx.clock->Now();
  v1::JobRun run;
  run.set_id(NewId("jrun", now));
  run.set_job_id(job.id());
  *run.mutable_due_time() = ToProto(due);
  run.set_trigger(trigger);
  run.set_state(common::v1::RUN_STATE_RUNNING);
  *run.mutable_start_time() = ToProto(now);
  run.set_replica(ctx.replica);
  return run;
}

v1::JobRun ExecuteRun(Context& ctx, const std::string& org, const v1::Job& job, v1::JobRun run) {
  log::ScopedRequest scope(
      {run.id(), absl::StrCat("scheduler.", ActionName(job)), log::TraceContext::New()});
  // The duration is measured, not decided: a stopwatch on the real clock, added to the
  // start the injected clock gave.
  const absl::Time started = absl::Now();
  absl::StatusOr<std::string> outcome = ctx.actions->Run(org, job, run, ctx.clock->Now());
  const absl::Duration took = absl::Now() - started;
  run.set_duration_ms(absl::ToInt64Milliseconds(took));
  *run.mutable_finish_time() =
      ToProto(FromProto(run.start_time()) + absl::Milliseconds(run.duration_ms()));
  if (outcome.ok()) {
    run.set_state(common::v1::RUN_STATE_SUCCEEDED);
    run.set_outcome(*outcome);
    run.clear_error();
    log::Info("job run succeeded", {{"job_id", job.id()},
                                    {"job", job.name()},
                                    {"run_id", run.id()},
                                    {"outcome", *outcome}});
  } else {
    run.set_state(common::v1::RUN_STATE_FAILED);
    run.clear_outcome();
    run.set_error(absl::StrCat(absl::StatusCodeToString(outcome.status().code()), ": ",
                               outcome.status().message()));
    log::Warn("job run failed", {{"job_id", job.id()},
                                 {"job", job.name()},
                                 {"run_id", run.id()},
                                 {"error", run.error()}});
  }
  absl::Status saved = ctx.db->Write([&](storage::Tx& tx) { return SaveRun(tx, org, run); });
  if (!saved.ok()) {
    // The row stays RUNNING; the next leader resumes it (the action dedups by the run id).
    log::Error("job run outcome not saved", {{"run_id", run.id()}, {"error", saved.ToString()}});
  }
  return run;
}

v1::Job WithNextRun(const Context& ctx, v1::Job job) {
  job.clear_next_run_time();
  if (!job.enabled()) return job;
  absl::StatusOr<Cron> cron = ParseCron(job.cron());
  absl::StatusOr<absl::TimeZone> tz = LoadZone(job.timezone(), "timezone");
  if (!cron.ok() || !tz.ok()) return job;
  const absl::Time next = Next(*cron, ctx.clock->Now(), *tz);
  if (next != absl::InfiniteFuture()) *job.mutable_next_run_time() = ToProto(next);
  return job;
}

}  // namespace opsuite::scheduler
