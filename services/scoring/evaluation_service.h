// EvaluationService: runs, evaluations, checklists, adjustments, leaderboards and
// distributions (DESIGN.md §8 scoring).
#pragma once

#include "common/server/edge.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"
#include "services/scoring/context.h"

namespace opsuite::scoring {

class EvaluationServiceImpl final : public v1::EvaluationService::CallbackService {
 public:
  explicit EvaluationServiceImpl(Context* ctx) : ctx_(ctx) {}

#define SCORING_EVAL(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.scoring.v1.EvaluationService", M, Req, Resp)
  SCORING_EVAL(RunEvaluation, v1::RunEvaluationRequest, v1::EvaluationRun)
  SCORING_EVAL(GetEvaluationRun, v1::GetEvaluationRunRequest, v1::EvaluationRun)
  SCORING_EVAL(ListEvaluations, v1::ListEvaluationsRequest, v1::ListEvaluationsResponse)
  SCORING_EVAL(GetEvaluation, v1::GetEvaluationRequest, v1::Evaluation)
  SCORING_EVAL(RecordChecklistAssessment, v1::RecordChecklistAssessmentRequest,
               v1::ChecklistAssessment)
  SCORING_EVAL(AdjustEvaluation, v1::AdjustEvaluationRequest, v1::Evaluation)
  SCORING_EVAL(GetLeaderboard, v1::GetLeaderboardRequest, v1::Leaderboard)
  SCORING_EVAL(GetDistribution, v1::GetDistributionRequest, v1::Distribution)
#undef SCORING_EVAL

  // At most this many subject_ids per run.
  static constexpr int kMaxSubjects = 100'000;

 private:
  using Call = server::Call;
  absl::Status DoRunEvaluation(const Call&, const v1::RunEvaluationRequest&, v1::EvaluationRun*);
  absl::Status DoGetEvaluationRun(const Call&, const v1::GetEvaluationRunRequest&,
                                  v1::EvaluationRun*);
  absl::Status DoListEvaluations(const Call&, const v1::ListEvaluationsRequest&,
                                 v1::ListEvaluationsResponse*);
  absl::Status DoGetEvaluation(const Call&, const v1::GetEvaluationRequest&, v1::Evaluation*);
  absl::Status DoRecordChecklistAssessment(const Call&, const v1::RecordChecklistAssessmentRequest&,
                                           v1::ChecklistAssessment*);
  absl::Status DoAdjustEvaluation(const Call&, const v1::AdjustEvaluationRequest&, v1::Evaluation*);
  absl::Status DoGetLeaderboard(const Call&, const v1::GetLeaderboardRequest&, v1::Leaderboard*);
  absl::Status DoGetDistribution(const Call&, const v1::GetDistributionRequest&,
                                 v1::Distribution*);

  // OK when the caller may read `run`.
  absl::Status CanSeeRun(const auth::Principal& p, const v1::EvaluationRun& run);
  // The department path that (scheme, period) reads are limited to: "" for the whole org
  // (admins and services only), else `department_id`'s path after CanSeeDepartment.
  absl::StatusOr<std::string> ScopeOf(const auth::Principal& p, const std::string& department_id);

  Context* ctx_;
};

}  // namespace opsuite::scoring
