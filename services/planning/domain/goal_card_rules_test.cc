#include "services/planning/domain/goal_card_rules.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::planning {
namespace {

using ::opsuite::planning::v1::GOAL_CARD_STATE_APPROVED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_CLOSED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_DRAFT;
using ::opsuite::planning::v1::GOAL_CARD_STATE_RETURNED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_SCORED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_SELF_ASSESSED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_SUBMITTED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_UNSPECIFIED;
using ::opsuite::planning::v1::TASK_KIND_AD_HOC;
using ::opsuite::planning::v1::TASK_KIND_ROUTINE;
using ::opsuite::planning::v1::TASK_KIND_UNSPECIFIED;
using ::opsuite::planning::v1::TaskKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Tasks = google::protobuf::RepeatedPtrField<GoalTask>;

GoalTask Task(std::string title, int weight, TaskKind kind = TASK_KIND_ROUTINE) {
  GoalTask t;
  t.set_title(std::move(title));
  t.set_weight(weight);
  t.set_kind(kind);
  return t;
}

Tasks MakeTasks(const std::vector<int>& weights) {
  Tasks tasks;
  for (size_t i = 0; i < weights.size(); ++i) {
    *tasks.Add() = Task("task " + std::to_string(i + 1), weights[i],
                        i % 2 ? TASK_KIND_AD_HOC : TASK_KIND_ROUTINE);
  }
  return tasks;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// ---- ValidateTasks --------------------------------------------------------------------------

TEST(ValidateTasksTest, AcceptsAWellFormedCard) {
  Tasks tasks = MakeTasks({50, 30, 20});
  tasks.Mutable(0)->set_due_date("2026-03-31");
  tasks.Mutable(1)->set_due_date("2028-02-29");
  EXPECT_TRUE(ValidateTasks(tasks, "tasks").ok());
  EXPECT_TRUE(ValidateTasks(MakeTasks({100}), "tasks").ok());
  EXPECT_TRUE(ValidateTasks(MakeTasks({10, 10, 20, 20, 20, 20}), "tasks").ok());
}

TEST(ValidateTasksTest, SevenTasksAreTooMany) {
  const absl::Status s = ValidateTasks(MakeTasks({10, 10, 10, 10, 20, 20, 20}), "tasks");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(s), ElementsAre("tasks"));
  EXPECT_THAT(Message(s), HasSubstr("a goal card holds 1 to 6 tasks (003:205), got 7"));
}

TEST(ValidateTasksTest, NoTasksIsTooFew) {
  const absl::Status s = ValidateTasks(Tasks(), "goal_card.tasks");
  EXPECT_THAT(ViolatedFields(s), ElementsAre("goal_card.tasks"));
  EXPECT_THAT(Message(s), HasSubstr("got 0"));
}

TEST(ValidateTasksTest, WeightsMustSumTo100) {
  const absl::Status s = ValidateTasks(MakeTasks({50, 30, 19}), "tasks");
  EXPECT_THAT(ViolatedFields(s), ElementsAre("tasks"));
  EXPECT_THAT(Message(s), HasSubstr("task weights must sum to 100, got 99"));
  EXPECT_THAT(Message(ValidateTasks(MakeTasks({60, 60}), "tasks")), HasSubstr("got 120"));
}

TEST(ValidateTasksTest, EachWeightIsOneTo100) {
  const absl::Status zero = ValidateTasks(MakeTasks({0, 100}), "tasks");
  EXPECT_THAT(ViolatedFields(zero), ElementsAre("tasks[0].weight"));
  const absl::Status over = ValidateTasks(MakeTasks({101, -1}), "tasks");
  EXPECT_THAT(ViolatedFields(over), ElementsAre("tasks[0].weight", "tasks[1].weight"));
}

TEST(ValidateTasksTest, EmptyTitle) {
  Tasks tasks = MakeTasks({40, 30, 20, 10});
  tasks.Mutable(2)->set_title("");
  tasks.Mutable(3)->set_title("  \t ");
  const absl::Status s = ValidateTasks(tasks, "tasks");
  EXPECT_THAT(ViolatedFields(s), ElementsAre("tasks[2].title", "tasks[3].title"));
}

TEST(ValidateTasksTest, KindMustBeKnownAndSpecified) {
  Tasks tasks = MakeTasks({50, 50});
  tasks.Mutable(0)->set_kind(static_cast<TaskKind>(7));
  tasks.Mutable(1)->set_kind(TASK_KIND_UNSPECIFIED);
  const absl::Status s = ValidateTasks(tasks, "tasks");
  EXPECT_THAT(ViolatedFields(s), ElementsAre("tasks[0].kind", "tasks[1].kind"));
  EXPECT_THAT(Message(s), HasSubstr("unknown value 7"));
  EXPECT_THAT(Message(s), HasSubstr("is required"));
}

TEST(ValidateTasksTest, DueDateMustBeARealDay) {
  Tasks tasks = MakeTasks({50, 50});
  tasks.Mutable(1)->set_due_date("2026-02-30");
  EXPECT_THAT(ViolatedFields(ValidateTasks(tasks, "tasks")), ElementsAre("tasks[1].due_date"));
  tasks.Mutable(1)->set_due_date("31/03/2026");
  EXPECT_THAT(ViolatedFields(ValidateTasks(tasks, "tasks")), ElementsAre("tasks[1].due_date"));
}

TEST(ValidateTasksTest, IdsMustBeDistinct) {
  Tasks tasks = MakeTasks({50, 50});
  tasks.Mutable(0)->set_id("t1");
  tasks.Mutable(1)->set_id("t1");
  EXPECT_THAT(ViolatedFields(ValidateTasks(tasks, "tasks")), ElementsAre("tasks[1].id"));
}

TEST(ValidateTasksTest, EveryViolationAtOnceUnderTheGivenField) {
  Tasks tasks = MakeTasks({10, 10, 10, 10, 10, 10, 10});
  tasks.Mutable(2)->set_title("");
  tasks.Mutable(4)->set_kind(static_cast<TaskKind>(3));
  tasks.Mutable(5)->set_weight(0);
  const absl::Status s = ValidateTasks(tasks, "goal_card.tasks");
  EXPECT_THAT(ViolatedFields(s),
              ElementsAre("goal_card.tasks", "goal_card.tasks[2].title", "goal_card.tasks[4].kind",
                          "goal_card.tasks[5].weight", "goal_card.tasks"));
  EXPECT_THAT(Message(s), HasSubstr("got 7"));
  EXPECT_THAT(Message(s), HasSubstr("must sum to 100, got 60"));
}

// ---- AssignTaskIds --------------------------------------------------------------------------

TEST(AssignTaskIdsTest, NewTasksGetTheNextFreeNumber) {
  GoalCard card;
  *card.mutable_tasks() = MakeTasks({25, 25, 25, 25});
  card.mutable_tasks(1)->set_id("t2");
  card.mutable_tasks(3)->set_id("custom");
  AssignTaskIds(card);
  EXPECT_EQ(card.tasks(0).id(), "t3");
  EXPECT_EQ(card.tasks(1).id(), "t2");
  EXPECT_EQ(card.tasks(2).id(), "t4");
  EXPECT_EQ(card.tasks(3).id(), "custom");

  GoalCard fresh;
  *fresh.mutable_tasks() = MakeTasks({50, 50});
  AssignTaskIds(fresh);
  EXPECT_EQ(fresh.tasks(0).id(), "t1");
  EXPECT_EQ(fresh.tasks(1).id(), "t2");
  AssignTaskIds(fresh);  // idempotent
  EXPECT_EQ(fresh.tasks(1).id(), "t2");
}

// ---- The state machine ----------------------------------------------------------------------

constexpr Action kActions[] = {Action::kUpdate,  Action::kSubmit,         Action::kReturn,
                               Action::kApprove, Action::kRecordProgress, Action::kSelfAssess,
                               Action::kScore,   Action::kClose};
constexpr Actor kActors[] = {Actor::kEmployee, Actor::kManager, Actor::kAdmin};
const GoalCardState kStates[] = {
    GOAL_CARD_STATE_UNSPECIFIED, GOAL_CARD_STATE_DRAFT,    GOAL_CARD_STATE_SUBMITTED,
    GOAL_CARD_STATE_RETURNED,    GOAL_CARD_STATE_APPROVED, GOAL_CARD_STATE_SELF_ASSESSED,
    GOAL_CARD_STATE_SCORED,      GOAL_CARD_STATE_CLOSED,   static_cast<GoalCardState>(42)};

// The workflow written out independently of the implementation: (action, actor) -> states.
std::map<std::pair<Action, Actor>, std::set<GoalCardState>> ExpectedTable() {
  std::map<std::pair<Action, Actor>, std::set<GoalCardState>> t;
  for (Action a : kActions) {
    for (Actor r : kActors) t[{a, r}] = {};
  }
  t[{Action::kUpdate, Actor::kEmployee}] = {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_RETURNED};
  t[{Action::kUpdate, Actor::kManager}] = {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_SUBMITTED};
  t[{Action::kUpdate, Actor::kAdmin}] = {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_SUBMITTED};
  t[{Action::kSubmit, Actor::kEmployee}] = {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_RETURNED};
  t[{Action::kSubmit, Actor::kAdmin}] = {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_RETURNED};
  for (Actor r : {Actor::kManager, Actor::kAdmin}) {
    t[{Action::kReturn, r}] = {GOAL_CARD_STATE_SUBMITTED};
    t[{Action::kApprove, r}] = {GOAL_CARD_STATE_SUBMITTED};
    t[{Action::kScore, r}] = {GOAL_CARD_STATE_SELF_ASSESSED};
    t[{Action::kClose, r}] = {GOAL_CARD_STATE_SCORED};
  }
  t[{Action::kRecordProgress, Actor::kEmployee}] = {GOAL_CARD_STATE_APPROVED};
  t[{Action::kSelfAssess, Actor::kEmployee}] = {GOAL_CARD_STATE_APPROVED};
  return t;
}

// The state each step leads to (003:206-214); steps that edit in place keep the state.
GoalCardState ExpectedNext(GoalCardState from, Action a) {
  static const auto* kTo = new std::map<Action, GoalCardState>{
      {Action::kSubmit, GOAL_CARD_STATE_SUBMITTED},
      {Action::kReturn, GOAL_CARD_STATE_RETURNED},
      {Action::kApprove, GOAL_CARD_STATE_APPROVED},
      {Action::kSelfAssess, GOAL_CARD_STATE_SELF_ASSESSED},
      {Action::kScore, GOAL_CARD_STATE_SCORED},
      {Action::kClose, GOAL_CARD_STATE_CLOSED},
  };
  auto it = kTo->find(a);
  return it == kTo->end() ? from : it->second;
}

TEST(CheckTransitionTest, EveryStateActionAndActorMatchesTheTable) {
  const auto table = ExpectedTable();
  int ok = 0, denied = 0, precondition = 0;
  for (GoalCardState from : kStates) {
    for (Action a : kActions) {
      for (Actor r : kActors) {
        const std::set<GoalCardState>& allowed = table.at({a, r});
        const absl::Status s = CheckTransition(from, a, r);
        const std::string where = GoalCardStateName(from) + " " + std::string(ActionVerb(a)) +
                                  " actor " + std::to_string(static_cast<int>(r));
        if (allowed.empty()) {
          EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << where;
          EXPECT_THAT(Message(s), HasSubstr("only ")) << where;
          ++denied;
        } else if (allowed.count(from)) {
          EXPECT_TRUE(s.ok()) << where << ": " << s;
          EXPECT_EQ(NextState(from, a), ExpectedNext(from, a)) << where;
          ++ok;
        } else {
          EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << where;
          EXPECT_THAT(Message(s), HasSubstr("in state " + GoalCardStateName(from))) << where;
          for (GoalCardState st : allowed) {
            EXPECT_THAT(Message(s), HasSubstr(GoalCardStateName(st))) << where;
          }
          ++precondition;
        }
        std::vector<GoalCardState> listed = AllowedStates(a, r);
        EXPECT_EQ(std::set<GoalCardState>(listed.begin(), listed.end()), allowed) << where;
      }
    }
  }
  EXPECT_EQ(ok + denied + precondition, 9 * 8 * 3);
  EXPECT_EQ(ok, 20);  // the sum of the table's state counts
}

TEST(CheckTransitionTest, Messages) {
  EXPECT_EQ(Message(CheckTransition(GOAL_CARD_STATE_DRAFT, Action::kApprove, Actor::kManager)),
            "cannot approve a goal card in state DRAFT; it must be SUBMITTED");
  EXPECT_EQ(Message(CheckTransition(GOAL_CARD_STATE_SUBMITTED, Action::kUpdate, Actor::kEmployee)),
            "cannot update a goal card in state SUBMITTED; it must be DRAFT or RETURNED");
  EXPECT_EQ(Message(CheckTransition(GOAL_CARD_STATE_SUBMITTED, Action::kReturn, Actor::kEmployee)),
            "only the employee's manager or an admin can return a goal card");
  EXPECT_EQ(
      Message(CheckTransition(GOAL_CARD_STATE_APPROVED, Action::kRecordProgress, Actor::kManager)),
      "only the employee can record progress on a goal card");
  EXPECT_EQ(Message(CheckTransition(GOAL_CARD_STATE_DRAFT, Action::kSubmit, Actor::kManager)),
            "only the employee or an admin can submit a goal card");
  EXPECT_EQ(Message(CheckTransition(GOAL_CARD_STATE_CLOSED, Action::kClose, Actor::kAdmin)),
            "cannot close a goal card in state CLOSED; it must be SCORED");
}

TEST(CheckTransitionTest, TheWholeCycle) {
  struct Step {
    Action action;
    Actor actor;
    GoalCardState after;
  };
  GoalCardState state = GOAL_CARD_STATE_DRAFT;
  for (const Step& step : {
           Step{Action::kUpdate, Actor::kEmployee, GOAL_CARD_STATE_DRAFT},
           Step{Action::kSubmit, Actor::kEmployee, GOAL_CARD_STATE_SUBMITTED},
           Step{Action::kReturn, Actor::kManager, GOAL_CARD_STATE_RETURNED},
           Step{Action::kUpdate, Actor::kEmployee, GOAL_CARD_STATE_RETURNED},
           Step{Action::kSubmit, Actor::kEmployee, GOAL_CARD_STATE_SUBMITTED},
           Step{Action::kUpdate, Actor::kManager, GOAL_CARD_STATE_SUBMITTED},  // 003:208
           Step{Action::kApprove, Actor::kManager, GOAL_CARD_STATE_APPROVED},
           Step{Action::kRecordProgress, Actor::kEmployee, GOAL_CARD_STATE_APPROVED},
           Step{Action::kSelfAssess, Actor::kEmployee, GOAL_CARD_STATE_SELF_ASSESSED},
           Step{Action::kScore, Actor::kManager, GOAL_CARD_STATE_SCORED},
           Step{Action::kClose, Actor::kAdmin, GOAL_CARD_STATE_CLOSED},
       }) {
    ASSERT_TRUE(CheckTransition(state, step.action, step.actor).ok())
        << ActionVerb(step.action) << " from " << GoalCardStateName(state);
    state = NextState(state, step.action);
    EXPECT_EQ(state, step.after);
  }
}

TEST(GoalCardStateNameTest, Names) {
  EXPECT_EQ(GoalCardStateName(GOAL_CARD_STATE_SELF_ASSESSED), "SELF_ASSESSED");
  EXPECT_EQ(GoalCardStateName(GOAL_CARD_STATE_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(GoalCardStateName(static_cast<GoalCardState>(42)), "UNKNOWN(42)");
}

TEST(ValidateReturnReasonTest, ReasonIsRequired) {
  EXPECT_TRUE(ValidateReturnReason("weights do not match the department contract").ok());
  for (const char* blank : {"", "   ", "\n\t"}) {
    const absl::Status s = ValidateReturnReason(blank);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ViolatedFields(s), ElementsAre("reason"));
  }
}

// ---- Progress, self-assessment and scores ---------------------------------------------------

GoalCard ApprovedCard() {
  GoalCard card;
  card.set_id("gc1");
  card.set_state(GOAL_CARD_STATE_APPROVED);
  *card.mutable_tasks() = MakeTasks({50, 30, 20});
  AssignTaskIds(card);
  return card;
}

TEST(TaskProgressTest, RecordsPercentAndNote) {
  GoalCard card = ApprovedCard();
  ASSERT_TRUE(ApplyTaskProgress(card, "t2", 60, "two of three dealers signed").ok());
  EXPECT_EQ(card.tasks(1).progress_percent(), 60);
  EXPECT_EQ(card.tasks(1).progress_note(), "two of three dealers signed");
  EXPECT_TRUE(ValidateProgressPercent(0).ok());
  EXPECT_TRUE(ValidateProgressPercent(100).ok());
  for (int bad : {-1, 101}) {
    EXPECT_THAT(ViolatedFields(ValidateProgressPercent(bad)), ElementsAre("percent"));
    EXPECT_EQ(ApplyTaskProgress(card, "t1", bad, "").code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(card.tasks(0).progress_percent(), 0);
  EXPECT_EQ(ApplyTaskProgress(card, "t9", 10, "").code(), absl::StatusCode::kNotFound);
}

google::protobuf::RepeatedPtrField<ScoreGoalCardRequest::TaskScore> Scores(
    const std::vector<std::pair<std::string, double>>& entries) {
  google::protobuf::RepeatedPtrField<ScoreGoalCardRequest::TaskScore> out;
  for (const auto& [id, score] : entries) {
    auto* s = out.Add();
    s->set_task_id(id);
    s->set_score(score);
  }
  return out;
}

google::protobuf::RepeatedPtrField<SelfAssessGoalCardRequest::TaskSelfScore> SelfScores(
    const std::vector<std::pair<std::string, double>>& entries) {
  google::protobuf::RepeatedPtrField<SelfAssessGoalCardRequest::TaskSelfScore> out;
  for (const auto& [id, score] : entries) {
    auto* s = out.Add();
    s->set_task_id(id);
    s->set_self_score(score);
    s->set_note("note " + id);
  }
  return out;
}

TEST(ScoresTest, CardScoreIsTheWeightedManagerScore) {
  GoalCard card = ApprovedCard();
  ASSERT_TRUE(ApplySelfAssessment(card, SelfScores({{"t3", 100}, {"t1", 100}, {"t2", 100}})).ok());
  EXPECT_EQ(card.tasks(0).self_score(), 100);
  EXPECT_EQ(card.tasks(2).self_note(), "note t3");
  EXPECT_FALSE(card.has_score());
  EXPECT_EQ(CardScore(card), 0);  // self-scores never count (003:212)

  ASSERT_TRUE(ApplyScores(card, Scores({{"t1", 90}, {"t2", 80}, {"t3", 95.5}})).ok());
  EXPECT_EQ(card.tasks(1).score(), 80);
  ASSERT_TRUE(card.has_score());
  EXPECT_DOUBLE_EQ(card.score(), 45 + 24 + 19.1);  // 50×90 + 30×80 + 20×95.5, / 100
  EXPECT_DOUBLE_EQ(CardScore(card), card.score());
  EXPECT_EQ(card.tasks(0).self_score(), 100);  // kept

  GoalCard zeros = ApprovedCard();
  ASSERT_TRUE(ApplyScores(zeros, Scores({{"t1", 0}, {"t2", 0}, {"t3", 0}})).ok());
  EXPECT_TRUE(zeros.has_score());
  EXPECT_EQ(zeros.score(), 0);
}

TEST(ScoresTest, EveryTaskExactlyOnce) {
  GoalCard card = ApprovedCard();
  const GoalCard before = card;

  const absl::Status missing = ApplyScores(card, Scores({{"t1", 90}, {"t2", 80}}));
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(missing), ElementsAre("tasks"));
  EXPECT_THAT(Message(missing), HasSubstr("missing t3"));

  const absl::Status unknown =
      ApplyScores(card, Scores({{"t1", 90}, {"t9", 80}, {"t2", 1}, {"t3", 2}}));
  EXPECT_THAT(ViolatedFields(unknown), ElementsAre("tasks[1].task_id"));

  const absl::Status twice =
      ApplyScores(card, Scores({{"t1", 90}, {"t2", 80}, {"t1", 70}, {"t3", 2}}));
  EXPECT_THAT(ViolatedFields(twice), ElementsAre("tasks[2].task_id"));
  EXPECT_THAT(Message(twice), HasSubstr("twice"));

  const absl::Status empty_id =
      ApplyScores(card, Scores({{"", 90}, {"t1", 1}, {"t2", 1}, {"t3", 1}}));
  EXPECT_THAT(ViolatedFields(empty_id), ElementsAre("tasks[0].task_id"));

  EXPECT_EQ(card.SerializeAsString(), before.SerializeAsString());  // unchanged on error
}

TEST(ScoresTest, ScoresAreZeroTo100) {
  GoalCard card = ApprovedCard();
  const GoalCard before = card;
  const absl::Status s = ApplyScores(
      card, Scores({{"t1", 101}, {"t2", -0.5}, {"t3", std::numeric_limits<double>::quiet_NaN()}}));
  EXPECT_THAT(ViolatedFields(s), ElementsAre("tasks[0].score", "tasks[1].score", "tasks[2].score"));
  EXPECT_EQ(card.SerializeAsString(), before.SerializeAsString());

  const absl::Status self = ApplySelfAssessment(
      card,
      SelfScores({{"t1", 100.5}, {"t2", 1}, {"t3", std::numeric_limits<double>::infinity()}}));
  EXPECT_THAT(ViolatedFields(self), ElementsAre("tasks[0].self_score", "tasks[2].self_score"));
  EXPECT_EQ(card.SerializeAsString(), before.SerializeAsString());

  EXPECT_TRUE(ApplyScores(card, Scores({{"t1", 100}, {"t2", 0}, {"t3", 100}})).ok());
  EXPECT_DOUBLE_EQ(card.score(), 70);
}

}  // namespace
}  // namespace opsuite::planning
