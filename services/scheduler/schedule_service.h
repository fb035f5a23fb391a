// ScheduleService: jobs, their runs, manual triggers and the default jobs
// (proto/opsuite/scheduler/v1/scheduler.proto; DESIGN.md §8 scheduler).
//
// Access: admins create, delete, enable/disable and install jobs; admins and services
// trigger them; anyone in the org reads jobs and runs. Another org's job is NOT_FOUND.
#pragma once

#include "common/server/edge.h"
#include "opsuite/scheduler/v1/scheduler.grpc.pb.h"
#include "services/scheduler/context.h"

namespace opsuite::scheduler {

class ScheduleServiceImpl final : public v1::ScheduleService::CallbackService {
 public:
  explicit ScheduleServiceImpl(Context* ctx) : ctx_(ctx) {}

#define SCHEDULER_RPC(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.scheduler.v1.ScheduleService", M, Req, Resp)
  SCHEDULER_RPC(CreateJob, v1::CreateJobRequest, v1::Job)
  SCHEDULER_RPC(GetJob, v1::GetJobRequest, v1::Job)
  SCHEDULER_RPC(ListJobs, v1::ListJobsRequest, v1::ListJobsResponse)
  SCHEDULER_RPC(SetJobEnabled, v1::SetJobEnabledRequest, v1::Job)
  SCHEDULER_RPC(DeleteJob, v1::DeleteJobRequest, v1::DeleteJobResponse)
  SCHEDULER_RPC(TriggerJob, v1::TriggerJobRequest, v1::JobRun)
  SCHEDULER_RPC(ListJobRuns, v1::ListJobRunsRequest, v1::ListJobRunsResponse)
  SCHEDULER_RPC(InstallDefaultJobs, v1::InstallDefaultJobsRequest, v1::InstallDefaultJobsResponse)
#undef SCHEDULER_RPC

 private:
  using Call = server::Call;
  absl::Status DoCreateJob(const Call&, const v1::CreateJobRequest&, v1::Job*);
  absl::Status DoGetJob(const Call&, const v1::GetJobRequest&, v1::Job*);
  absl::Status DoListJobs(const Call&, const v1::ListJobsRequest&, v1::ListJobsResponse*);
  absl::Status DoSetJobEnabled(const Call&, const v1::SetJobEnabledRequest&, v1::Job*);
  absl::Status DoDeleteJob(const Call&, const v1::DeleteJobRequest&, v1::DeleteJobResponse*);
  absl::Status DoTriggerJob(const Call&, const v1::TriggerJobRequest&, v1::JobRun*);
  absl::Status DoListJobRuns(const Call&, const v1::ListJobRunsRequest&, v1::ListJobRunsResponse*);
  absl::Status DoInstallDefaultJobs(const Call&, const v1::InstallDefaultJobsRequest&,
                                    v1::InstallDefaultJobsResponse*);

  // INVALID_ARGUMENT naming `field` when `scheme_id` is not a scheme of the org (or, with a
  // `cycle`, not one of that cycle).
  absl::Status CheckScheme(const std::string& org, const std::string& scheme_id,
                           const std::string& field, int cycle = 0);

  Context* ctx_;
};

}  // namespace opsuite::scheduler
