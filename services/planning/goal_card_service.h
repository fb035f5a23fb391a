// GoalCardService: the goal card (目标卡) workflow of 003:200-216.
#pragma once

#include <functional>

#include "common/server/edge.h"
#include "opsuite/planning/v1/goal_card.grpc.pb.h"
#include "services/planning/context.h"
#include "services/planning/domain/goal_card_rules.h"

namespace opsuite::planning {

class GoalCardServiceImpl final : public v1::GoalCardService::CallbackService {
 public:
  explicit GoalCardServiceImpl(Context* ctx) : ctx_(ctx) {}

#define PLANNING_CARD(M, Req) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.planning.v1.GoalCardService", M, Req, v1::GoalCard)
  PLANNING_CARD(CreateGoalCard, v1::CreateGoalCardRequest)
  PLANNING_CARD(GetGoalCard, v1::GetGoalCardRequest)
  PLANNING_CARD(UpdateGoalCard, v1::UpdateGoalCardRequest)
  PLANNING_CARD(SubmitGoalCard, v1::SubmitGoalCardRequest)
  PLANNING_CARD(ReturnGoalCard, v1::ReturnGoalCardRequest)
  PLANNING_CARD(ApproveGoalCard, v1::ApproveGoalCardRequest)
  PLANNING_CARD(RecordTaskProgress, v1::RecordTaskProgressRequest)
  PLANNING_CARD(SelfAssessGoalCard, v1::SelfAssessGoalCardRequest)
  PLANNING_CARD(ScoreGoalCard, v1::ScoreGoalCardRequest)
  PLANNING_CARD(CloseGoalCard, v1::CloseGoalCardRequest)
#undef PLANNING_CARD
  OPSUITE_UNARY(ctx_->edge, "opsuite.planning.v1.GoalCardService", ListGoalCards,
                v1::ListGoalCardsRequest, v1::ListGoalCardsResponse)
  OPSUITE_UNARY(ctx_->edge, "opsuite.planning.v1.GoalCardService", BatchGetGoalCardScores,
                v1::BatchGetGoalCardScoresRequest, v1::BatchGetGoalCardScoresResponse)

 private:
  using Call = server::Call;
  absl::Status DoCreateGoalCard(const Call&, const v1::CreateGoalCardRequest&, v1::GoalCard*);
  absl::Status DoGetGoalCard(const Call&, const v1::GetGoalCardRequest&, v1::GoalCard*);
  absl::Status DoListGoalCards(const Call&, const v1::ListGoalCardsRequest&,
                               v1::ListGoalCardsResponse*);
  absl::Status DoUpdateGoalCard(const Call&, const v1::UpdateGoalCardRequest&, v1::GoalCard*);
  absl::Status DoSubmitGoalCard(const Call&, const v1::SubmitGoalCardRequest&, v1::GoalCard*);
  absl::Status DoReturnGoalCard(const Call&, const v1::ReturnGoalCardRequest&, v1::GoalCard*);
  absl::Status DoApproveGoalCard(const Call&, const v1::ApproveGoalCardRequest&, v1::GoalCard*);
  absl::Status DoRecordTaskProgress(const Call&, const v1::RecordTaskProgressRequest&,
                                    v1::GoalCard*);
  absl::Status DoSelfAssessGoalCard(const Call&, const v1::SelfAssessGoalCardRequest&,
                                    v1::GoalCard*);
  absl::Status DoScoreGoalCard(const Call&, const v1::ScoreGoalCardRequest&, v1::GoalCard*);
  absl::Status DoCloseGoalCard(const Call&, const v1::CloseGoalCardRequest&, v1::GoalCard*);
  // At most three queries whatever the number of employees: the employees, the org tree (for
  // callers who do not see the whole org; a changed tree costs one more) and the cards.
  absl::Status DoBatchGetGoalCardScores(const Call&, const v1::BatchGetGoalCardScoresRequest&,
                                        v1::BatchGetGoalCardScoresResponse*);

  // One workflow step in one transaction: load the card, find in which capacity the caller
  // acts (employee, manager, admin), check the step against the state machine, apply
  // `mutate`, save, append the history entry and the outbox event, then invalidate the cache.
  absl::Status Step(const Call& call, const std::string& id, const std::string& etag,
                    Action action, const std::string& reason,
                    const std::function<absl::Status(v1::GoalCard&)>& mutate, v1::GoalCard* out);

  Context* ctx_;
};

}  // namespace opsuite::planning
