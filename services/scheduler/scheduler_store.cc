#include "services/scheduler/scheduler_store.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/timestamps.h"

namespace opsuite::scheduler {

using storage::Blob;
using storage::Rows;

std::vector<storage::Migration> SchedulerMigrations() {
  return {
      {1, "jobs and job runs (the unique claim of a due run)",
       "CREATE TABLE jobs (org_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,"
       " enabled BIGINT NOT NULL, enabled_at BIGINT NOT NULL, create_at BIGINT NOT NULL,"
       " body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE UNIQUE INDEX jobs_by_name ON jobs (org_id, name);"
       "CREATE INDEX jobs_by_enabled ON jobs (enabled, org_id, id);"
       // One row per fired run. A scheduled or caught-up run has manual_key '': a second
       // replica inserting the same (job, due time) hits the unique key and does not fire.
       "CREATE TABLE job_runs (org_id TEXT NOT NULL, id TEXT NOT NULL, job_id TEXT NOT NULL,"
       " due_time BIGINT NOT NULL, manual_key TEXT NOT NULL, run_trigger BIGINT NOT NULL,"
       " state BIGINT NOT NULL, start_at BIGINT NOT NULL, replica TEXT NOT NULL,"
       " body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE UNIQUE INDEX job_runs_claim ON job_runs (org_id, job_id, due_time, manual_key);"
       "CREATE INDEX job_runs_by_job ON job_runs (org_id, job_id, id);"
       "CREATE INDEX job_runs_by_state ON job_runs (state, start_at)",
       /*postgres_sql=*/""},
  };
}

namespace {

template <typename Message>
absl::StatusOr<Message> Parse(const std::string& body, absl::string_view what,
                              const std::string& id) {
  Message m;
  if (!m.ParseFromString(body)) {
    return absl::DataLossError(absl::StrCat(what, " ", id, " is stored corrupt"));
  }
  return m;
}

int64_t Millis(const google::protobuf::Timestamp& ts) { return absl::ToUnixMillis(FromProto(ts)); }

}  // namespace

absl::StatusOr<v1::Job> LoadJob(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT body FROM jobs WHERE org_id = ? AND id = ?", {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("job ", id, " not found"));
  return Parse<v1::Job>(rows[0].Text(0), "job", id);
}

absl::StatusOr<std::optional<v1::Job>> FindJobByName(Tx& tx, const std::string& org,
                                                     const std::string& name) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, body FROM jobs WHERE org_id = ? AND name = ?",
                                       {org, name}));
  if (rows.empty()) return std::optional<v1::Job>();
  ASSIGN_OR_RETURN(v1::Job job, Parse<v1::Job>(rows[0].Text(1), "job", rows[0].Text(0)));
  return std::optional<v1::Job>(std::move(job));
}

absl::Status InsertJob(Tx& tx, const std::string& org, const v1::Job& job, absl::Time now) {
  absl::StatusOr<int64_t> inserted =
      tx.Exec("INSERT INTO jobs (org_id, id, name, enabled, enabled_at, create_at, body) VALUES "
              "(?, ?, ?, ?, ?, ?, ?)",
              {org, job.id(), job.name(), int64_t{job.enabled() ? 1 : 0}, absl::ToUnixMillis(now),
               Millis(job.create_time()), Blob{job.SerializeAsString()}});
  if (absl::IsAlreadyExists(inserted.status())) {
    return absl::AlreadyExistsError(absl::StrCat("a job named \"", job.name(), "\" already exists"));
  }
  return inserted.status();
}

absl::Status UpdateJob(Tx& tx, const std::string& org, const v1::Job& job, absl::Time enabled_at) {
  return tx
      .Exec("UPDATE jobs SET enabled = ?, enabled_at = ?, body = ? WHERE org_id = ? AND id = ?",
            {int64_t{job.enabled() ? 1 : 0}, absl::ToUnixMillis(enabled_at),
             Blob{job.SerializeAsString()}, org, job.id()})
      .status();
}

absl::StatusOr<bool> DeleteJob(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(int64_t deleted,
                   tx.Exec("DELETE FROM jobs WHERE org_id = ? AND id = ?", {org, id}));
  if (deleted == 0) return false;
  RETURN_IF_ERROR(
      tx.Exec("DELETE FROM job_runs WHERE org_id = ? AND job_id = ?", {org, id}).status());
  return true;
}

absl::StatusOr<std::vector<EnabledJob>> EnabledJobs(Tx& tx) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT org_id, id, enabled_at, body FROM jobs WHERE "
                                       "enabled = 1 ORDER BY org_id, id",
                                       {}));
  std::vector<EnabledJob> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    ASSIGN_OR_RETURN(v1::Job job, Parse<v1::Job>(row.Text(3), "job", row.Text(1)));
    out.push_back({row.Text(0), std::move(job), absl::FromUnixMillis(row.Int(2))});
  }
  return out;
}

absl::StatusOr<std::optional<absl::Time>> LastScheduledDue(Tx& tx, const std::string& org,
                                                           const std::string& job_id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT MAX(due_time) FROM job_runs WHERE org_id = ? AND "
                                       "job_id = ? AND manual_key = ''",
                                       {org, job_id}));
  if (rows.empty() || rows[0].IsNull(0)) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMillis(rows[0].Int(0)));
}

absl::Status ClaimRun(Tx& tx, const std::string& org, const v1::JobRun& run) {
  const std::string manual_key = run.trigger() == v1::RUN_TRIGGER_MANUAL ? run.id() : "";
  return tx
      .Exec("INSERT INTO job_runs (org_id, id, job_id, due_time, manual_key, run_trigger, state,"
            " start_at, replica, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {org, run.id(), run.job_id(), Millis(run.due_time()), manual_key,
             int64_t{run.trigger()}, int64_t{run.state()}, Millis(run.start_time()), run.replica(),
             Blob{run.SerializeAsString()}})
      .status();
}

absl::Status SaveRun(Tx& tx, const std::string& org, const v1::JobRun& run) {
  return tx
      .Exec("UPDATE job_runs SET state = ?, start_at = ?, replica = ?, body = ? WHERE org_id = ? "
            "AND id = ?",
            {int64_t{run.state()}, Millis(run.start_time()), run.replica(),
             Blob{run.SerializeAsString()}, org, run.id()})
      .status();
}

absl::StatusOr<v1::JobRun> LoadRun(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT body FROM job_runs WHERE org_id = ? AND id = ?", {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("job run ", id, " not found"));
  return Parse<v1::JobRun>(rows[0].Text(0), "job run", id);
}

absl::StatusOr<std::vector<std::pair<std::string, v1::JobRun>>> StaleRuns(Tx& tx,
                                                                          absl::Time before) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT org_id, id, body FROM job_runs WHERE state = ? AND "
                                       "start_at < ? ORDER BY start_at, id",
                                       {int64_t{common::v1::RUN_STATE_RUNNING},
                                        absl::ToUnixMillis(before)}));
  std::vector<std::pair<std::string, v1::JobRun>> out;
  for (const auto& row : rows) {
    ASSIGN_OR_RETURN(v1::JobRun run, Parse<v1::JobRun>(row.Text(2), "job run", row.Text(1)));
    out.emplace_back(row.Text(0), std::move(run));
  }
  return out;
}

}  // namespace opsuite::scheduler
