#include "services/scheduler/schedule_service.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/storage/idempotency.h"
#include "common/storage/page.h"
#include "common/timestamps.h"
#include "services/scheduler/domain/cron.h"
#include "services/scheduler/domain/job_rules.h"

namespace opsuite::scheduler {
namespace {

namespace sv1 = ::opsuite::scoring::v1;
using storage::Rows;

absl::Status RequireAdmin(const auth::Principal& p, absl::string_view what) {
  if (p.IsAdmin()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only admins ", what));
}

std::string CycleName(int cycle) {
  std::string name = sv1::Cycle_Name(static_cast<sv1::Cycle>(cycle));
  return name.substr(name.find('_') + 1);
}

// A new job from `in`: server-assigned fields set, output-only ones dropped, the cron in its
// normal form, the default zone filled in; enabled.
v1::Job NewJob(const v1::Job& in, absl::Time now) {
  v1::Job job = in;
  job.set_id(NewId("job", now));
  absl::StatusOr<Cron> cron = ParseCron(in.cron());
  if (cron.ok()) job.set_cron(cron->text);
  if (job.timezone().empty()) job.set_timezone(kDefaultTimeZone);
  job.set_enabled(true);
  job.clear_next_run_time();
  *job.mutable_create_time() = ToProto(now);
  return job;
}

absl::StatusOr<std::string> AfterToken(const std::string& page_token) {
  if (page_token.empty()) return std::string();
  absl::StatusOr<std::string> after = DecodePageToken(page_token);
  if (!after.ok()) return InvalidField("page_token", "is not a token this list issued");
  return after;
}

}  // namespace

absl::Status ScheduleServiceImpl::CheckScheme(const std::string& org, const std::string& scheme_id,
                                              const std::string& field, int cycle) {
  absl::StatusOr<sv1::Scheme> scheme = ctx_->actions->GetScheme(org, scheme_id);
  if (absl::IsNotFound(scheme.status())) {
    return InvalidField(field, absl::StrCat("scheme ", scheme_id, " not found"));
  }
  RETURN_IF_ERROR(scheme.status());
  if (cycle != 0 && scheme->cycle() != cycle) {
    return InvalidField(field, absl::StrCat("scheme ", scheme_id, " is evaluated ",
                                            CycleName(scheme->cycle()), ", not ",
                                            CycleName(cycle)));
  }
  return absl::OkStatus();
}

absl::Status ScheduleServiceImpl::DoCreateJob(const Call& call, const v1::CreateJobRequest& req,
                                              v1::Job* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "create jobs"));
  RETURN_IF_ERROR(ValidateJob(req.job(), "job").ToStatus());
  const std::string& org = call.principal.org;
  if (req.job().has_run_evaluation()) {
    RETURN_IF_ERROR(
        CheckScheme(org, req.job().run_evaluation().scheme_id(), "job.run_evaluation.scheme_id"));
  }
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateJob", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    *resp = NewJob(req.job(), ctx_->clock->Now());
    RETURN_IF_ERROR(InsertJob(tx, org, *resp, ctx_->clock->Now()));
    return storage::RememberIdempotent(tx, org, "CreateJob", req.request_id(), *resp);
  }));
  *resp = WithNextRun(*ctx_, *resp);
  return absl::OkStatus();
}

absl::Status ScheduleServiceImpl::DoGetJob(const Call& call, const v1::GetJobRequest& req,
                                           v1::Job* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a job");
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadJob(tx, call.principal.org, req.id()));
    return absl::OkStatus();
  }));
  *resp = WithNextRun(*ctx_, *resp);
  return absl::OkStatus();
}

absl::Status ScheduleServiceImpl::DoListJobs(const Call& call, const v1::ListJobsRequest& req,
                                             v1::ListJobsResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, AfterToken(req.page_token()));
  // In creation order (ids are time-ordered).
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, body FROM jobs WHERE org_id = ? AND id > ? "
                                         "ORDER BY id LIMIT ?",
                                         {call.principal.org, after, int64_t{size + 1}}));
    return storage::FillPage(rows, size, "job", [&] { return resp->add_jobs(); },
                             resp->mutable_next_page_token());
  }));
  for (v1::Job& job : *resp->mutable_jobs()) job = WithNextRun(*ctx_, std::move(job));
  return absl::OkStatus();
}

absl::Status ScheduleServiceImpl::DoSetJobEnabled(const Call& call,
                                                  const v1::SetJobEnabledRequest& req,
                                                  v1::Job* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "enable or disable jobs"));
  if (req.id().empty()) return InvalidField("id", "must name a job");
  const std::string& org = call.principal.org;
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadJob(tx, org, req.id()));
    if (resp->enabled() == req.enabled()) return absl::OkStatus();
    resp->set_enabled(req.enabled());
    // Due times while it was disabled are not caught up: its history starts again now.
    return UpdateJob(tx, org, *resp, ctx_->clock->Now());
  }));
  *resp = WithNextRun(*ctx_, *resp);
  return absl::OkStatus();
}

absl::Status ScheduleServiceImpl::DoDeleteJob(const Call& call, const v1::DeleteJobRequest& req,
                                              v1::DeleteJobResponse*) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "delete jobs"));
  if (req.id().empty()) return InvalidField("id", "must name a job");
  return ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool deleted, scheduler::DeleteJob(tx, call.principal.org, req.id()));
    if (!deleted) return absl::NotFoundError(absl::StrCat("job ", req.id(), " not found"));
    return absl::OkStatus();
  });
}

absl::Status ScheduleServiceImpl::DoTriggerJob(const Call& call, const v1::TriggerJobRequest& req,
                                               v1::JobRun* resp) {
  const std::string& org = call.principal.org;
  if (!call.principal.SeesOrg()) {
    return absl::PermissionDeniedError("only admins and services trigger jobs");
  }
  if (req.id().empty()) return InvalidField("id", "must name a job");
  bool seen = false;
  v1::Job job;
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(job, LoadJob(tx, org, req.id()));
    ASSIGN_OR_RETURN(seen,
                     storage::LookupIdempotent(tx, org, "TriggerJob", req.request_id(), resp));
    if (seen) {
      if (resp->job_id() != req.id()) {
        return InvalidField("request_id", absl::StrCat("already used to trigger job ",
                                                       resp->job_id()));
      }
      // The run as it stands now (it may still be running).
      ASSIGN_OR_RETURN(*resp, LoadRun(tx, org, resp->id()));
      return absl::OkStatus();
    }
    const absl::Time now = ctx_->clock->Now();
    *resp = NewRun(*ctx_, job, now, v1::RUN_TRIGGER_MANUAL);
    RETURN_IF_ERROR(ClaimRun(tx, org, *resp));
    return storage::RememberIdempotent(tx, org, "TriggerJob", req.request_id(), *resp);
  }));
  if (seen) return absl::OkStatus();
  // Runs now, whatever the schedule (and whether enabled); the caller gets the outcome.
  *resp = ExecuteRun(*ctx_, org, job, std::move(*resp));
  return absl::OkStatus();
}

absl::Status ScheduleServiceImpl::DoListJobRuns(const Call& call,
                                                const v1::ListJobRunsRequest& req,
                                                v1::ListJobRunsResponse* resp) {
  if (req.job_id().empty()) return InvalidField("job_id", "must name a job");
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, AfterToken(req.page_token()));
  const std::string& org = call.principal.org;
  // Newest first: run ids are time-ordered.
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(LoadJob(tx, org, req.job_id()).status());
    ASSIGN_OR_RETURN(
        Rows rows,
        after.empty()
            ? tx.Query("SELECT id, body FROM job_runs WHERE org_id = ? AND job_id = ? ORDER BY "
                       "id DESC LIMIT ?",
                       {org, req.job_id(), int64_t{size + 1}})
            : tx.Query("SELECT id, body FROM job_runs WHERE org_id = ? AND job_id = ? AND id < ? "
                       "ORDER BY id DESC LIMIT ?",
                       {org, req.job_id(), after, int64_t{size + 1}}));
    return storage::FillPage(rows, size, "job run", [&] { return resp->add_runs(); },
                             resp->mutable_next_page_token());
  });
}

absl::Status ScheduleServiceImpl::DoInstallDefaultJobs(const Call& call,
                                                       const v1::InstallDefaultJobsRequest& req,
                                                       v1::InstallDefaultJobsResponse* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "install the default jobs"));
  RETURN_IF_ERROR(ValidateInstallDefaults(req).ToStatus());
  const std::string& org = call.principal.org;
  if (!req.monthly_scheme_id().empty()) {
    RETURN_IF_ERROR(CheckScheme(org, req.monthly_scheme_id(), "monthly_scheme_id",
                                sv1::CYCLE_MONTHLY));
  }
  if (!req.quarterly_scheme_id().empty()) {
    RETURN_IF_ERROR(CheckScheme(org, req.quarterly_scheme_id(), "quarterly_scheme_id",
                                sv1::CYCLE_QUARTERLY));
  }
  if (!req.half_yearly_scheme_id().empty()) {
    RETURN_IF_ERROR(CheckScheme(org, req.half_yearly_scheme_id(), "half_yearly_scheme_id",
                                sv1::CYCLE_HALF_YEARLY));
  }
  const std::vector<v1::Job> defaults = DefaultJobs(req);
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    resp->Clear();
    const absl::Time now = ctx_->clock->Now();
    for (const v1::Job& job : defaults) {
      ASSIGN_OR_RETURN(std::optional<v1::Job> existing, FindJobByName(tx, org, job.name()));
      if (existing) {
        resp->add_skipped(job.name());
        continue;
      }
      v1::Job created = NewJob(job, now);
      RETURN_IF_ERROR(InsertJob(tx, org, created, now));
      *resp->add_created() = std::move(created);
    }
    return absl::OkStatus();
  }));
  for (v1::Job& job : *resp->mutable_created()) job = WithNextRun(*ctx_, std::move(job));
  return absl::OkStatus();
}

}  // namespace opsuite::scheduler
