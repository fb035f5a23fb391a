#include "services/scheduler/firing_loop.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "common/timestamps.h"
#include "services/scheduler/domain/job_rules.h"

namespace opsuite::scheduler {
namespace {

// The loops of this process, for TickAllFiringLoopsForTest.
absl::Mutex registry_mu(absl::kConstInit);
std::vector<FiringLoop*>* Registry() ABSL_EXCLUSIVE_LOCKS_REQUIRED(registry_mu) {
  static auto* loops = new std::vector<FiringLoop*>();
  return loops;
}

std::string TriggerName(v1::RunTrigger trigger) {
  switch (trigger) {
    case v1::RUN_TRIGGER_SCHEDULE: return "SCHEDULE";
    case v1::RUN_TRIGGER_CATCH_UP: return "CATCH_UP";
    case v1::RUN_TRIGGER_MANUAL: return "MANUAL";
    default: return "UNSPECIFIED";
  }
}

}  // namespace

void TickAllFiringLoopsForTest() {
  absl::MutexLock lock(&registry_mu);
  for (FiringLoop* loop : *Registry()) loop->TickForTest();
}

FiringLoop::FiringLoop(Context* ctx, LeaderLease* lease, Options options)
    : ctx_(ctx), lease_(lease), options_(options) {}

FiringLoop::~FiringLoop() { Stop(); }

void FiringLoop::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  {
    absl::MutexLock lock(&registry_mu);
    Registry()->push_back(this);
  }
  thread_ = StartThread("scheduler-fire", [this] { Loop(); });
}

void FiringLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  {
    absl::MutexLock lock(&registry_mu);
    auto* loops = Registry();
    loops->erase(std::remove(loops->begin(), loops->end(), this), loops->end());
  }
  if (thread_.joinable()) thread_.join();
}

bool FiringLoop::Stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void FiringLoop::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&tick_mu_);
      Tick();
    }
    absl::MutexLock lock(&mu_);
    auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stop), options_.tick)) return;
  }
}

void FiringLoop::TickForTest() {
  if (Stopping()) return;
  lease_->Refresh();
  absl::MutexLock lock(&tick_mu_);
  Tick();
}

const FiringLoop::Parsed* FiringLoop::ParsedOf(const std::string& key, const v1::Job& job) {
  auto it = parsed_.find(key);
  if (it != parsed_.end() && it->second.cron_text == job.cron() &&
      it->second.zone == job.timezone()) {
    return &it->second;
  }
  absl::StatusOr<Cron> cron = ParseCron(job.cron());
  absl::StatusOr<absl::TimeZone> tz = LoadZone(job.timezone(), "timezone");
  if (!cron.ok() || !tz.ok()) {
    log::Error("job cannot be scheduled", {{"job_id", job.id()},
                                           {"error", (!cron.ok() ? cron.status() : tz.status())
                                                         .ToString()}});
    return nullptr;
  }
  Parsed& p = parsed_[key];
  p = {job.cron(), job.timezone(), *std::move(cron), *tz};
  return &p;
}

void FiringLoop::Tick() {
  if (!lease_->IsLeader()) {
    term_ = 0;  // a later term starts afresh
    return;
  }
  const absl::Time now = ctx_->clock->Now();
  const uint64_t term = lease_->term();
  if (term != term_) {
    // A new term: what another replica (or an earlier life of this one) fired is in the
    // database, not in memory.
    handled_.clear();
    term_ = term;
    ResumeInterrupted(now);
  }
  std::vector<EnabledJob> jobs;
  absl::Status read = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(jobs, EnabledJobs(tx));
    return absl::OkStatus();
  });
  if (!read.ok()) {
    log::Error("scheduler cannot read its jobs", {{"error", read.ToString()}});
    return;
  }
  for (const EnabledJob& entry : jobs) {
    if (Stopping()) return;
    const v1::Job& job = entry.job;
    const std::string key = absl::StrCat(entry.org, "/", job.id());
    const Parsed* parsed = ParsedOf(key, job);
    if (parsed == nullptr) continue;
    const absl::Time due = Previous(parsed->cron, now, parsed->tz);
    if (due == absl::InfinitePast()) continue;
    // Due times before the job existed, or while it was disabled, are not its runs.
    const absl::Time floor = std::max(FromProto(job.create_time()), entry.enabled_at);
    if (due <= floor) {
      handled_[key] = due;
      continue;
    }

    auto it = handled_.find(key);
    if (it != handled_.end()) {
      if (due <= it->second) continue;
      const absl::Time before = it->second;
      it->second = due;
      const Fired fired = Fire(entry.org, job, due, v1::RUN_TRIGGER_SCHEDULE);
      if (fired == Fired::kRetry) handled_[key] = before;  // try again next tick
      if (fired == Fired::kNotLeader) return;
      continue;
    }

    // First look at this job in this term: compare with its history.
    absl::Time last = floor;
    std::optional<absl::Time> last_due;
    absl::Status history = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(last_due, LastScheduledDue(tx, entry.org, job.id()));
      return absl::OkStatus();
    });
    if (!history.ok()) {
      log::Error("scheduler cannot read a job's runs", {{"job_id", job.id()},
                                                        {"error", history.ToString()}});
      continue;
    }
    if (last_due) last = std::max(last, *last_due);
    if (due <= last) {
      handled_[key] = due;
      continue;
    }
    const absl::Duration age = now - due;
    v1::RunTrigger trigger;
    if (age <= options_.misfire_grace) {
      trigger = v1::RUN_TRIGGER_SCHEDULE;
    } else if (job.catch_up_seconds() > 0 && age <= absl::Seconds(job.catch_up_seconds())) {
      trigger = v1::RUN_TRIGGER_CATCH_UP;
    } else {
      log::Info("missed job run skipped (older than the job's catch_up_seconds)",
                {{"job_id", job.id()},
                 {"job", job.name()},
                 {"due_time", absl::FormatTime(due)},
                 {"catch_up_seconds", job.catch_up_seconds()}});
      handled_[key] = due;
      continue;
    }
    const Fired fired = Fire(entry.org, job, due, trigger);
    if (fired != Fired::kRetry) handled_[key] = due;
    if (fired == Fired::kNotLeader) return;
  }
}

FiringLoop::Fired FiringLoop::Fire(const std::string& org, const v1::Job& job, absl::Time due,
                                   v1::RunTrigger trigger) {
  // The lease said so a moment ago; ask Redis again right before acting on it.
  if (!lease_->Refresh()) {
    log::Warn("not the scheduler leader any more; the due run is left to the leader",
              {{"job_id", job.id()}, {"due_time", absl::FormatTime(due)}});
    return Fired::kNotLeader;
  }
  v1::JobRun run = NewRun(*ctx_, job, due, trigger);
  absl::Status claimed = ctx_->db->Write([&](storage::Tx& tx) { return ClaimRun(tx, org, run); });
  if (absl::IsAlreadyExists(claimed)) {
    log::Info("job run already fired by another replica", {{"job_id", job.id()},
                                                           {"due_time", absl::FormatTime(due)}});
    return Fired::kHandled;
  }
  if (!claimed.ok()) {
    log::Error("job run not claimed; retrying next tick",
               {{"job_id", job.id()}, {"error", claimed.ToString()}});
    return Fired::kRetry;
  }
  log::Info("firing job", {{"job_id", job.id()},
                           {"job", job.name()},
                           {"run_id", run.id()},
                           {"trigger", TriggerName(trigger)},
                           {"due_time", absl::FormatTime(due)}});
  ExecuteRun(*ctx_, org, job, std::move(run));
  return Fired::kHandled;
}

void FiringLoop::ResumeInterrupted(absl::Time now) {
  std::vector<std::pair<std::string, v1::JobRun>> stale;
  absl::Status read = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(stale, StaleRuns(tx, now - options_.resume_after));
    return absl::OkStatus();
  });
  if (!read.ok()) {
    log::Error("scheduler cannot read interrupted runs", {{"error", read.ToString()}});
    return;
  }
  for (auto& entry : stale) {
    // Named references, not a structured binding: lambdas below capture them (clang 14).
    const std::string& org = entry.first;
    v1::JobRun& run = entry.second;
    if (Stopping()) return;
    absl::StatusOr<v1::Job> job = absl::NotFoundError("");
    absl::Status loaded = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
      job = LoadJob(tx, org, run.job_id());
      return absl::OkStatus();
    });
    if (!loaded.ok()) continue;
    log::Info("resuming an interrupted job run", {{"run_id", run.id()},
                                                  {"replica", run.replica()}});
    run.set_replica(ctx_->replica);
    if (!job.ok()) {
      run.set_state(common::v1::RUN_STATE_FAILED);
      run.set_error(absl::StrCat("interrupted, and the job is gone: ", job.status().message()));
      *run.mutable_finish_time() = ToProto(now);
      ctx_->db->Write([&](storage::Tx& tx) { return SaveRun(tx, org, run); }).IgnoreError();
      continue;
    }
    ExecuteRun(*ctx_, org, *job, std::move(run));
  }
}

}  // namespace opsuite::scheduler
