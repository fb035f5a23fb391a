// ActivityService: calls, visits and meetings logged against customers, the visits due by
// tier (and the sweep that reports overdue ones), and activity statistics against the org's
// quotas (domain.md §2.2, §2.4, §2.8).
#pragma once

#include <string>

#include "common/period.h"
#include "common/server/edge.h"
#include "opsuite/crm/v1/activity.grpc.pb.h"
#include "services/crm/context.h"
#include "services/crm/crm_store.h"

namespace opsuite::crm {

class ActivityServiceImpl final : public v1::ActivityService::CallbackService {
 public:
  explicit ActivityServiceImpl(Context* ctx) : ctx_(ctx) {}

#define CRM_ACTIVITY(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.crm.v1.ActivityService", M, Req, Resp)
  CRM_ACTIVITY(LogActivity, v1::LogActivityRequest, v1::Activity)
  CRM_ACTIVITY(ListActivities, v1::ListActivitiesRequest, v1::ListActivitiesResponse)
  CRM_ACTIVITY(ListDueVisits, v1::ListDueVisitsRequest, v1::ListDueVisitsResponse)
  CRM_ACTIVITY(SweepOverdueVisits, v1::SweepOverdueVisitsRequest, v1::SweepOverdueVisitsResponse)
  CRM_ACTIVITY(GetActivityStats, v1::GetActivityStatsRequest, v1::ActivityStats)
  CRM_ACTIVITY(BatchGetActivityStats, v1::BatchGetActivityStatsRequest,
               v1::BatchGetActivityStatsResponse)
#undef CRM_ACTIVITY

  // How far an activity's occurred_at may lie ahead of the server's clock (clock skew).
  static constexpr absl::Duration kFutureTolerance = absl::Minutes(5);
  // Customers per write transaction in SweepOverdueVisits.
  static constexpr int kSweepBatch = 500;

 private:
  using Call = server::Call;
  absl::Status DoLogActivity(const Call&, const v1::LogActivityRequest&, v1::Activity*);
  absl::Status DoListActivities(const Call&, const v1::ListActivitiesRequest&,
                                v1::ListActivitiesResponse*);
  absl::Status DoListDueVisits(const Call&, const v1::ListDueVisitsRequest&,
                               v1::ListDueVisitsResponse*);
  absl::Status DoSweepOverdueVisits(const Call&, const v1::SweepOverdueVisitsRequest&,
                                    v1::SweepOverdueVisitsResponse*);
  absl::Status DoGetActivityStats(const Call&, const v1::GetActivityStatsRequest&,
                                  v1::ActivityStats*);
  absl::Status DoBatchGetActivityStats(const Call&, const v1::BatchGetActivityStatsRequest&,
                                       v1::BatchGetActivityStatsResponse*);

  // True when the caller is `employee_id`, sees the whole org, or manages them (their direct
  // manager, or a manager of their department or one above it). An employee the directory
  // does not know (another org's) is NOT_FOUND.
  absl::StatusOr<bool> SeesEmployee(const auth::Principal& p, const std::string& employee_id);
  // The person an overdue visit of `owner_id`'s is escalated to ("" when nobody).
  absl::StatusOr<std::string> ManagerOf(const std::string& org, const std::string& owner_id);
  // One employee's counts and quota attainment over `range` (local days).
  absl::Status Stats(Tx& tx, const std::string& org, const v1::CrmPolicy& policy,
                     const std::string& employee_id, const common::v1::Period& period,
                     const DateRange& range, v1::ActivityStats* out);

  Context* ctx_;
};

}  // namespace opsuite::crm
