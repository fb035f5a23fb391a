// TargetService: targets, their decomposition by time and by owner, actuals and progress.
#pragma once

#include "common/server/edge.h"
#include "opsuite/planning/v1/target.grpc.pb.h"
#include "services/planning/context.h"

namespace opsuite::planning {

class TargetServiceImpl final : public v1::TargetService::CallbackService {
 public:
  explicit TargetServiceImpl(Context* ctx) : ctx_(ctx) {}

#define PLANNING_TARGET(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.planning.v1.TargetService", M, Req, Resp)
  PLANNING_TARGET(CreateTarget, v1::CreateTargetRequest, v1::Target)
  PLANNING_TARGET(GetTarget, v1::GetTargetRequest, v1::Target)
  PLANNING_TARGET(ListTargets, v1::ListTargetsRequest, v1::ListTargetsResponse)
  PLANNING_TARGET(DecomposeTarget, v1::DecomposeTargetRequest, v1::DecomposeTargetResponse)
  PLANNING_TARGET(RecordActual, v1::RecordActualRequest, v1::Actual)
  PLANNING_TARGET(GetProgress, v1::GetProgressRequest, v1::Progress)
  PLANNING_TARGET(BatchGetProgress, v1::BatchGetProgressRequest, v1::BatchGetProgressResponse)
  PLANNING_TARGET(BatchGetOwnerProgress, v1::BatchGetOwnerProgressRequest,
                  v1::BatchGetOwnerProgressResponse)
#undef PLANNING_TARGET

  // Where an owner sits in the org, resolved against the database.
  struct OwnerInfo {
    v1::Owner owner;
    std::string dept_path;  // "" for the org, the department's path, or the employee's
    std::string dept_id;    // the department, or the employee's department
    std::string manager_id;  // the employee's direct manager
  };

 private:
  using Call = server::Call;
  absl::Status DoCreateTarget(const Call&, const v1::CreateTargetRequest&, v1::Target*);
  absl::Status DoGetTarget(const Call&, const v1::GetTargetRequest&, v1::Target*);
  absl::Status DoListTargets(const Call&, const v1::ListTargetsRequest&, v1::ListTargetsResponse*);
  absl::Status DoDecomposeTarget(const Call&, const v1::DecomposeTargetRequest&,
                                 v1::DecomposeTargetResponse*);
  absl::Status DoRecordActual(const Call&, const v1::RecordActualRequest&, v1::Actual*);
  absl::Status DoGetProgress(const Call&, const v1::GetProgressRequest&, v1::Progress*);
  absl::Status DoBatchGetProgress(const Call&, const v1::BatchGetProgressRequest&,
                                  v1::BatchGetProgressResponse*);
  // A bounded number of queries whatever the number of owners: the org tree, the employees
  // named, the candidate targets (one per owner kind asked about, children included) and the
  // actuals (one or two per distinct measured range, usually one range).
  absl::Status DoBatchGetOwnerProgress(const Call&, const v1::BatchGetOwnerProgressRequest&,
                                       v1::BatchGetOwnerProgressResponse*);

  absl::StatusOr<v1::Target> CachedTarget(const std::string& org, const std::string& id);
  // Progress of `target` on `as_of` ("" = today in Asia/Shanghai), checking read access.
  absl::Status Progress(const Call& call, const std::string& target_id, const std::string& as_of,
                        v1::Progress* out);

  Context* ctx_;
};

}  // namespace opsuite::planning
