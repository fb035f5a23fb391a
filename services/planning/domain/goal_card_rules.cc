#include "services/planning/domain/goal_card_rules.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/period.h"
#include "common/status.h"

namespace opsuite::planning {
namespace {

using ::opsuite::planning::v1::GOAL_CARD_STATE_APPROVED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_CLOSED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_DRAFT;
using ::opsuite::planning::v1::GOAL_CARD_STATE_RETURNED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_SCORED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_SELF_ASSESSED;
using ::opsuite::planning::v1::GOAL_CARD_STATE_SUBMITTED;
using ::opsuite::planning::v1::TASK_KIND_AD_HOC;
using ::opsuite::planning::v1::TASK_KIND_ROUTINE;
using ::opsuite::planning::v1::TASK_KIND_UNSPECIFIED;
using ::opsuite::planning::v1::TaskKind_IsValid;

// Debian's Abseil has its own absl::string_view, distinct from std::string_view.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr std::string_view kTaskIdPrefix = "t";

// N of an id "t<N>" (N >= 1, plain digits), or 0 for any other id.
int64_t TaskIdNumber(std::string_view id) {
  if (id.size() < 2 || id.substr(0, kTaskIdPrefix.size()) != kTaskIdPrefix) return 0;
  id.remove_prefix(kTaskIdPrefix.size());
  if (!std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  int64_t n = 0;
  if (!absl::SimpleAtoi(Av(id), &n)) return 0;
  return n;
}

bool IsScore(double score) { return score >= 0 && score <= 100; }  // false for NaN

std::string FormatScore(double score) { return absl::StrCat(score); }

// Who may take `action`, in words, for PERMISSION_DENIED messages.
std::string_view AllowedActors(Action action) {
  switch (action) {
    case Action::kUpdate:
      return "the employee, their manager or an admin";
    case Action::kSubmit:
      return "the employee or an admin";
    case Action::kRecordProgress:
    case Action::kSelfAssess:
      return "the employee";
    case Action::kReturn:
    case Action::kApprove:
    case Action::kScore:
    case Action::kClose:
      return "the employee's manager or an admin";
  }
  return "nobody";
}

// Shared by ApplySelfAssessment and ApplyScores: every task exactly once, each score
// 0..100. Returns the task index for each entry.
template <typename Entry, typename ScoreOf>
absl::Status CheckTaskScores(const GoalCard& card,
                             const google::protobuf::RepeatedPtrField<Entry>& entries,
                             std::string_view score_field, ScoreOf score_of,
                             std::vector<int>* task_index) {
  std::map<std::string, int, std::less<>> by_id;
  for (int t = 0; t < card.tasks_size(); ++t) by_id.emplace(card.tasks(t).id(), t);

  FieldViolations violations;
  std::set<int> seen;
  task_index->assign(entries.size(), -1);
  for (int i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries.Get(i);
    const std::string id_field = absl::StrCat("tasks[", i, "].task_id");
    auto it = by_id.find(entry.task_id());
    if (entry.task_id().empty()) {
      violations.Add(id_field, "is required");
    } else if (it == by_id.end()) {
      violations.Add(id_field, absl::StrCat("the goal card has no task \"", entry.task_id(), "\""));
    } else if (!seen.insert(it->second).second) {
      violations.Add(id_field, absl::StrCat("task \"", entry.task_id(), "\" is listed twice"));
    } else {
      (*task_index)[i] = it->second;
    }
    const double score = score_of(entry);
    if (!IsScore(score)) {
      violations.Add(absl::StrCat("tasks[", i, "].", Av(score_field)),
                     absl::StrCat("must be between 0 and 100, got ", FormatScore(score)));
    }
  }
  std::vector<std::string> missing;
  for (int t = 0; t < card.tasks_size(); ++t) {
    if (!seen.count(t)) missing.push_back(card.tasks(t).id());
  }
  if (!missing.empty()) {
    violations.Add("tasks", absl::StrCat("every task of the card must be listed once; missing ",
                                         absl::StrJoin(missing, ", ")));
  }
  return violations.ToStatus();
}

}  // namespace

absl::Status ValidateTasks(const google::protobuf::RepeatedPtrField<GoalTask>& tasks,
                           std::string_view field) {
  FieldViolations violations;
  if (tasks.empty() || tasks.size() > kMaxTasksPerCard) {
    violations.Add(std::string(field), absl::StrCat("a goal card holds 1 to ", kMaxTasksPerCard,
                                                    " tasks (003:205), got ", tasks.size()));
  }
  int64_t weight_sum = 0;
  std::set<std::string, std::less<>> ids;
  for (int i = 0; i < tasks.size(); ++i) {
    const GoalTask& task = tasks.Get(i);
    const std::string prefix = absl::StrCat(Av(field), "[", i, "].");
    if (absl::StripAsciiWhitespace(task.title()).empty()) {
      violations.Add(prefix + "title", "must not be empty");
    }
    if (task.kind() == TASK_KIND_UNSPECIFIED) {
      violations.Add(prefix + "kind", "is required (ROUTINE or AD_HOC)");
    } else if (!TaskKind_IsValid(task.kind())) {
      violations.Add(prefix + "kind", absl::StrCat("must be ROUTINE or AD_HOC, got unknown value ",
                                                   static_cast<int>(task.kind())));
    }
    if (task.weight() < 1 || task.weight() > kTaskWeightTotal) {
      violations.Add(prefix + "weight",
                     absl::StrCat("must be 1 to ", kTaskWeightTotal, ", got ", task.weight()));
    }
    weight_sum += task.weight();
    if (!task.due_date().empty() && !ParseDate(task.due_date(), prefix + "due_date").ok()) {
      violations.Add(prefix + "due_date",
                     absl::StrCat("must be a real calendar day YYYY-MM-DD, got \"",
                                  task.due_date().substr(0, 40), "\""));
    }
    if (!task.id().empty() && !ids.insert(task.id()).second) {
      violations.Add(prefix + "id", absl::StrCat("task id \"", task.id(), "\" is used twice"));
    }
  }
  if (!tasks.empty() && weight_sum != kTaskWeightTotal) {
    violations.Add(std::string(field), absl::StrCat("task weights must sum to ", kTaskWeightTotal,
                                                    ", got ", weight_sum));
  }
  return violations.ToStatus();
}

void AssignTaskIds(GoalCard& card) {
  int64_t highest = 0;
  for (const GoalTask& task : card.tasks()) highest = std::max(highest, TaskIdNumber(task.id()));
  for (GoalTask& task : *card.mutable_tasks()) {
    if (task.id().empty()) task.set_id(absl::StrCat(Av(kTaskIdPrefix), ++highest));
  }
}

std::vector<GoalCardState> AllowedStates(Action action, Actor actor) {
  const bool employee = actor == Actor::kEmployee;
  const bool manager = actor == Actor::kManager || actor == Actor::kAdmin;
  switch (action) {
    case Action::kUpdate:
      // The employee completes the card before submitting or after a return; the manager may
      // add, delete and modify items while reviewing it (003:206 step 3a, 003:208).
      if (employee) return {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_RETURNED};
      return {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_SUBMITTED};
    case Action::kSubmit:
      if (employee || actor == Actor::kAdmin) {
        return {GOAL_CARD_STATE_DRAFT, GOAL_CARD_STATE_RETURNED};
      }
      return {};
    case Action::kReturn:
    case Action::kApprove:
      if (manager) return {GOAL_CARD_STATE_SUBMITTED};
      return {};
    case Action::kRecordProgress:
    case Action::kSelfAssess:
      if (employee) return {GOAL_CARD_STATE_APPROVED};
      return {};
    case Action::kScore:
      if (manager) return {GOAL_CARD_STATE_SELF_ASSESSED};
      return {};
    case Action::kClose:
      if (manager) return {GOAL_CARD_STATE_SCORED};
      return {};
  }
  return {};
}

absl::Status CheckTransition(GoalCardState from, Action action, Actor actor) {
  const std::vector<GoalCardState> allowed = AllowedStates(action, actor);
  if (allowed.empty()) {
    return absl::PermissionDeniedError(absl::StrCat("only ", Av(AllowedActors(action)), " can ",
                                                    Av(ActionVerb(action)), " a goal card"));
  }
  if (std::find(allowed.begin(), allowed.end(), from) != allowed.end()) return absl::OkStatus();
  std::vector<std::string> names;
  for (GoalCardState s : allowed) names.push_back(GoalCardStateName(s));
  return absl::FailedPreconditionError(
      absl::StrCat("cannot ", Av(ActionVerb(action)), " a goal card in state ",
                   GoalCardStateName(from), "; it must be ", absl::StrJoin(names, " or ")));
}

GoalCardState NextState(GoalCardState from, Action action) {
  switch (action) {
    case Action::kUpdate:
    case Action::kRecordProgress:
      return from;
    case Action::kSubmit:
      return GOAL_CARD_STATE_SUBMITTED;
    case Action::kReturn:
      return GOAL_CARD_STATE_RETURNED;
    case Action::kApprove:
      return GOAL_CARD_STATE_APPROVED;
    case Action::kSelfAssess:
      return GOAL_CARD_STATE_SELF_ASSESSED;
    case Action::kScore:
      return GOAL_CARD_STATE_SCORED;
    case Action::kClose:
      return GOAL_CARD_STATE_CLOSED;
  }
  return from;
}

std::string GoalCardStateName(GoalCardState state) {
  constexpr std::string_view kPrefix = "GOAL_CARD_STATE_";
  if (!v1::GoalCardState_IsValid(state)) {
    return absl::StrCat("UNKNOWN(", static_cast<int>(state), ")");
  }
  std::string_view name = v1::GoalCardState_Name(state);
  if (name.substr(0, kPrefix.size()) == kPrefix) name.remove_prefix(kPrefix.size());
  return std::string(name);
}

std::string_view ActionVerb(Action action) {
  switch (action) {
    case Action::kUpdate:
      return "update";
    case Action::kSubmit:
      return "submit";
    case Action::kReturn:
      return "return";
    case Action::kApprove:
      return "approve";
    case Action::kRecordProgress:
      return "record progress on";
    case Action::kSelfAssess:
      return "self-assess";
    case Action::kScore:
      return "score";
    case Action::kClose:
      return "close";
  }
  return "change";
}

absl::Status ValidateReturnReason(std::string_view reason) {
  if (absl::StripAsciiWhitespace(Av(reason)).empty()) {
    return InvalidField("reason", "is required: tell the employee what to change");
  }
  return absl::OkStatus();
}

absl::Status ValidateProgressPercent(int32_t percent) {
  if (percent < 0 || percent > 100) {
    return InvalidField("percent", absl::StrCat("must be between 0 and 100, got ", percent));
  }
  return absl::OkStatus();
}

absl::Status ApplyTaskProgress(GoalCard& card, std::string_view task_id, int32_t percent,
                               std::string_view note) {
  RETURN_IF_ERROR(ValidateProgressPercent(percent));
  for (GoalTask& task : *card.mutable_tasks()) {
    if (task.id() == task_id) {
      task.set_progress_percent(percent);
      task.set_progress_note(std::string(note));
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(
      absl::StrCat("goal card ", card.id(), " has no task \"", Av(task_id), "\""));
}

absl::Status ApplySelfAssessment(
    GoalCard& card,
    const google::protobuf::RepeatedPtrField<SelfAssessGoalCardRequest::TaskSelfScore>& scores) {
  std::vector<int> index;
  RETURN_IF_ERROR(CheckTaskScores(
      card, scores, "self_score",
      [](const SelfAssessGoalCardRequest::TaskSelfScore& s) { return s.self_score(); }, &index));
  for (int i = 0; i < scores.size(); ++i) {
    GoalTask* task = card.mutable_tasks(index[i]);
    task->set_self_score(scores.Get(i).self_score());
    task->set_self_note(scores.Get(i).note());
  }
  return absl::OkStatus();
}

absl::Status ApplyScores(
    GoalCard& card,
    const google::protobuf::RepeatedPtrField<ScoreGoalCardRequest::TaskScore>& scores) {
  std::vector<int> index;
  RETURN_IF_ERROR(CheckTaskScores(
      card, scores, "score", [](const ScoreGoalCardRequest::TaskScore& s) { return s.score(); },
      &index));
  for (int i = 0; i < scores.size(); ++i) {
    card.mutable_tasks(index[i])->set_score(scores.Get(i).score());
  }
  card.set_score(CardScore(card));
  return absl::OkStatus();
}

double CardScore(const GoalCard& card) {
  // Only the manager's score counts; the self-score is for reference (003:212).
  double total = 0;
  for (const GoalTask& task : card.tasks()) {
    if (task.has_score()) total += task.weight() * task.score() / kTaskWeightTotal;
  }
  return total;
}

std::optional<double> CardSelfScore(const GoalCard& card) {
  switch (card.state()) {
    case v1::GOAL_CARD_STATE_SELF_ASSESSED:
    case v1::GOAL_CARD_STATE_SCORED:
    case v1::GOAL_CARD_STATE_CLOSED:
      break;
    default:
      return std::nullopt;
  }
  if (card.tasks().empty()) return std::nullopt;
  double total = 0;
  for (const GoalTask& task : card.tasks()) {
    if (!task.has_self_score()) return std::nullopt;
    total += task.weight() * task.self_score() / kTaskWeightTotal;
  }
  return total;
}

}  // namespace opsuite::planning
