// ReportService: daily, weekly and monthly reports, deadlines and compliance.
#pragma once

#include "common/server/edge.h"
#include "opsuite/planning/v1/report.grpc.pb.h"
#include "services/planning/context.h"

namespace opsuite::planning {

class ReportServiceImpl final : public v1::ReportService::CallbackService {
 public:
  explicit ReportServiceImpl(Context* ctx) : ctx_(ctx) {}

#define PLANNING_REPORT(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.planning.v1.ReportService", M, Req, Resp)
  PLANNING_REPORT(SubmitReport, v1::SubmitReportRequest, v1::Report)
  PLANNING_REPORT(ListReports, v1::ListReportsRequest, v1::ListReportsResponse)
  PLANNING_REPORT(GetReportCompliance, v1::GetReportComplianceRequest, v1::ReportCompliance)
  PLANNING_REPORT(BatchGetReportCompliance, v1::BatchGetReportComplianceRequest,
                  v1::BatchGetReportComplianceResponse)
  PLANNING_REPORT(CheckReportDeadlines, v1::CheckReportDeadlinesRequest,
                  v1::CheckReportDeadlinesResponse)
  PLANNING_REPORT(GetReportPolicy, v1::GetReportPolicyRequest, v1::ReportPolicy)
  PLANNING_REPORT(UpdateReportPolicy, v1::UpdateReportPolicyRequest, v1::ReportPolicy)
#undef PLANNING_REPORT

  // How far back CheckReportDeadlines looks for missing reports.
  static constexpr int kLookbackDays = 7;

 private:
  using Call = server::Call;
  absl::Status DoSubmitReport(const Call&, const v1::SubmitReportRequest&, v1::Report*);
  absl::Status DoListReports(const Call&, const v1::ListReportsRequest&, v1::ListReportsResponse*);
  absl::Status DoGetReportCompliance(const Call&, const v1::GetReportComplianceRequest&,
                                     v1::ReportCompliance*);
  absl::Status DoBatchGetReportCompliance(const Call&, const v1::BatchGetReportComplianceRequest&,
                                          v1::BatchGetReportComplianceResponse*);
  absl::Status DoCheckReportDeadlines(const Call&, const v1::CheckReportDeadlinesRequest&,
                                      v1::CheckReportDeadlinesResponse*);
  absl::Status DoGetReportPolicy(const Call&, const v1::GetReportPolicyRequest&, v1::ReportPolicy*);
  absl::Status DoUpdateReportPolicy(const Call&, const v1::UpdateReportPolicyRequest&,
                                    v1::ReportPolicy*);

  absl::Status Compliance(Tx& tx, const Call& call, const OrgTree& tree,
                          const v1::ReportPolicy& policy, const std::string& employee_id,
                          const common::v1::Period& period, v1::ReportCompliance* out);

  Context* ctx_;
};

}  // namespace opsuite::planning
