// Persistence of the scheduler over storage::Database (SQLite or PostgreSQL).
//
// Jobs and runs are stored as serialized protos (`body`) plus the columns queries filter and
// sort on. The claim that makes a due run fire once across replicas is the unique key
// (org_id, job_id, due_time, manual_key) of job_runs: a scheduled or caught-up run has
// manual_key '' so a second insert of the same (job, due time) fails ALREADY_EXISTS; a manual
// run (TriggerJob) carries its own run id there and never collides with anything.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/storage/database.h"
#include "opsuite/scheduler/v1/scheduler.pb.h"

namespace opsuite::scheduler {

using storage::Tx;

std::vector<storage::Migration> SchedulerMigrations();

// NOT_FOUND "job ID not found" (also for another org's job).
absl::StatusOr<v1::Job> LoadJob(Tx& tx, const std::string& org, const std::string& id);
absl::StatusOr<std::optional<v1::Job>> FindJobByName(Tx& tx, const std::string& org,
                                                     const std::string& name);
// ALREADY_EXISTS "a job named NAME already exists" when the name is taken in the org.
absl::Status InsertJob(Tx& tx, const std::string& org, const v1::Job& job, absl::Time now);
// Saves `job` (its enabled flag and body); `enabled_at` is when it was last enabled.
absl::Status UpdateJob(Tx& tx, const std::string& org, const v1::Job& job, absl::Time enabled_at);
// Deletes the job and its run history; false when there was no such job.
absl::StatusOr<bool> DeleteJob(Tx& tx, const std::string& org, const std::string& id);

struct EnabledJob {
  std::string org;
  v1::Job job;
  absl::Time enabled_at;  // creation, or the last SetJobEnabled(true)
};
// Every enabled job of every org, by org and id.
absl::StatusOr<std::vector<EnabledJob>> EnabledJobs(Tx& tx);

// The latest due time of the job's scheduled or caught-up runs (manual runs do not count).
absl::StatusOr<std::optional<absl::Time>> LastScheduledDue(Tx& tx, const std::string& org,
                                                           const std::string& job_id);

// Inserts `run` (its id, job, due time, trigger, state, start and replica): the claim.
// ALREADY_EXISTS when a run of the job for that due time is there (manual runs: never).
absl::Status ClaimRun(Tx& tx, const std::string& org, const v1::JobRun& run);
// Saves the run's state and body.
absl::Status SaveRun(Tx& tx, const std::string& org, const v1::JobRun& run);
absl::StatusOr<v1::JobRun> LoadRun(Tx& tx, const std::string& org, const std::string& id);
// Runs still RUNNING that started before `before`, in any org: (org, run), oldest first.
absl::StatusOr<std::vector<std::pair<std::string, v1::JobRun>>> StaleRuns(Tx& tx,
                                                                          absl::Time before);

}  // namespace opsuite::scheduler
