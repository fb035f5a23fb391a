// Goal card (目标卡) rules: what a card's tasks must look like (003:204-205), who may move a
// card through DRAFT -> SUBMITTED -> (RETURNED -> SUBMITTED)* -> APPROVED -> SELF_ASSESSED ->
// SCORED -> CLOSED (003:206-214), and how self-scores and scores are recorded (the self-score
// is kept but never counted, 003:212).
//
//   RETURN_IF_ERROR(ValidateTasks(request.tasks(), "tasks"));
//   RETURN_IF_ERROR(CheckTransition(card.state(), Action::kApprove, Actor::kManager));
//   card.set_state(NextState(card.state(), Action::kApprove));  // APPROVED
//   ...
//   RETURN_IF_ERROR(ApplyScores(card, request.tasks()));  // sets task scores and card.score
//
// Pure functions on the generated proto types: no I/O. Who the caller is (the card's
// employee, the employee's manager, an admin) is decided by the service, which passes Actor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "opsuite/planning/v1/goal_card.pb.h"

namespace opsuite::planning {

using ::opsuite::planning::v1::GoalCard;
using ::opsuite::planning::v1::GoalCardState;
using ::opsuite::planning::v1::GoalTask;
using ::opsuite::planning::v1::ScoreGoalCardRequest;
using ::opsuite::planning::v1::SelfAssessGoalCardRequest;

// "一般不超過6項" (003:205).
inline constexpr int kMaxTasksPerCard = 6;
// Weights are integer percent and must reflect each task's importance (003:205); they sum
// to 100 so the card score is on the same 0-100 scale as a task score.
inline constexpr int kTaskWeightTotal = 100;

// Validates a card's task list: 1 to 6 tasks (`<field>`), each with a non-blank title
// (`<field>[i].title`), a known and specified kind (`<field>[i].kind`), a weight 1..100
// (`<field>[i].weight`), a real YYYY-MM-DD due_date when one is set (`<field>[i].due_date`)
// and an id not used by another task (`<field>[i].id`), the weights summing to 100
// (`<field>`). `field` is "tasks" or "goal_card.tasks". Every violation is reported in one
// INVALID_ARGUMENT.
absl::Status ValidateTasks(const google::protobuf::RepeatedPtrField<GoalTask>& tasks,
                           std::string_view field);

// Gives every task without an id the next "t<N>" above the highest N in use, in task order,
// so an id is never handed to two tasks of the card at once and ids stay stable across edits.
void AssignTaskIds(GoalCard& card);

// A step of the goal card workflow (one per GoalCardService verb).
enum class Action {
  kUpdate,
  kSubmit,
  kReturn,
  kApprove,
  kRecordProgress,
  kSelfAssess,
  kScore,
  kClose
};

// Who is acting on the card. An admin may do whatever the manager may, and may also submit.
enum class Actor { kEmployee, kManager, kAdmin };

// The states from which `actor` may take `action` (empty if `actor` may never take it).
//   update:          employee DRAFT/RETURNED; manager, admin DRAFT/SUBMITTED (003:208)
//   submit:          employee, admin DRAFT/RETURNED
//   return, approve: manager, admin SUBMITTED
//   record progress: employee APPROVED
//   self-assess:     employee APPROVED
//   score:           manager, admin SELF_ASSESSED
//   close:           manager, admin SCORED
std::vector<GoalCardState> AllowedStates(Action action, Actor actor);

// OK when `actor` may take `action` on a card in `from`. PERMISSION_DENIED when the actor may
// never take it ("only the employee's manager or an admin can return a goal card"), else
// FAILED_PRECONDITION naming the current and the allowed states ("cannot approve a goal card
// in state DRAFT; it must be SUBMITTED").
absl::Status CheckTransition(GoalCardState from, Action action, Actor actor);

// The state after `action` (update and record progress keep `from`). Only meaningful once
// CheckTransition has passed.
GoalCardState NextState(GoalCardState from, Action action);

// "DRAFT", "SUBMITTED", ... ("UNKNOWN(n)" for values outside the enum).
std::string GoalCardStateName(GoalCardState state);
// "approve", "record progress on", ...: the verb as it reads in "cannot <verb> a goal card".
std::string_view ActionVerb(Action action);

// A return must say why, since the reason is what reaches the employee (003:206 退回).
// INVALID_ARGUMENT on `reason` when it is blank.
absl::Status ValidateReturnReason(std::string_view reason);

// 0..100, INVALID_ARGUMENT on `percent` otherwise.
absl::Status ValidateProgressPercent(int32_t percent);

// Records a task's progress (RecordTaskProgress). INVALID_ARGUMENT on `percent`, NOT_FOUND
// when the card has no task `task_id`. The card is unchanged on error.
absl::Status ApplyTaskProgress(GoalCard& card, std::string_view task_id, int32_t percent,
                               std::string_view note);

// Records the employee's self-scores and notes: every task of the card exactly once
// (`tasks` names the missing ones; `tasks[i].task_id` an unknown or repeated id), each
// self_score 0..100 (`tasks[i].self_score`). Self-scores never count towards card.score.
// The card is unchanged on error.
absl::Status ApplySelfAssessment(
    GoalCard& card,
    const google::protobuf::RepeatedPtrField<SelfAssessGoalCardRequest::TaskSelfScore>& scores);

// Records the manager's scores with the same rules (`tasks[i].score`) and sets card.score to
// CardScore(card). The card is unchanged on error.
absl::Status ApplyScores(
    GoalCard& card,
    const google::protobuf::RepeatedPtrField<ScoreGoalCardRequest::TaskScore>& scores);

// Σ weight × manager score / 100 over the tasks (a task without a score counts 0).
double CardScore(const GoalCard& card);

// Σ weight × self-score / 100 once the employee has self-assessed: the card is SELF_ASSESSED,
// SCORED or CLOSED and every task has a self-score. nullopt otherwise. For reference only:
// the self-score never counts towards the card's score (003:212).
std::optional<double> CardSelfScore(const GoalCard& card);

}  // namespace opsuite::planning
