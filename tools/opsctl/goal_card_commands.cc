// opsctl card ...: opsuite.planning.v1.GoalCardService (目标卡).
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "opsuite/planning/v1/goal_card.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::planning::v1::ApproveGoalCardRequest;
using ::opsuite::planning::v1::CloseGoalCardRequest;
using ::opsuite::planning::v1::CreateGoalCardRequest;
using ::opsuite::planning::v1::GetGoalCardRequest;
using ::opsuite::planning::v1::GoalCard;
using ::opsuite::planning::v1::GoalCardService;
using ::opsuite::planning::v1::GoalTask;
using ::opsuite::planning::v1::ListGoalCardsRequest;
using ::opsuite::planning::v1::ListGoalCardsResponse;
using ::opsuite::planning::v1::RecordTaskProgressRequest;
using ::opsuite::planning::v1::ReturnGoalCardRequest;
using ::opsuite::planning::v1::ScoreGoalCardRequest;
using ::opsuite::planning::v1::SelfAssessGoalCardRequest;
using ::opsuite::planning::v1::SubmitGoalCardRequest;
using ::opsuite::planning::v1::UpdateGoalCardRequest;
using Stub = GoalCardService::Stub;

constexpr char kTaskHelp[] =
    "'title|ROUTINE|weight|key_result|due_date|quality' (repeat for each task, 1-6; weights sum "
    "to 100; KIND is ROUTINE or AD_HOC)";

std::string StateName(int state) {
  return state == 0 ? "-" : ShortEnumName(planning::v1::GoalCardState_descriptor(), state);
}

void PrintGoalCard(const GoalCard& card) {
  KeyValues head;
  auto add = [&head](std::string key, std::string value) {
    if (!value.empty()) head.emplace_back(std::move(key), std::move(value));
  };
  add("id", card.id());
  add("employee", card.employee_id());
  add("department", card.department_id());
  add("period", FormatPeriod(card.period()));
  add("state", StateName(card.state()));
  if (card.has_score()) add("score", FormatNumber(card.score()));
  add("return reason", card.return_reason());
  add("feedback", card.feedback());
  add("etag", card.etag());
  std::cout << RenderKeyValues(head) << "\n";

  Table tasks(
      {"TASK", "KIND", "WEIGHT", "TITLE", "KEY RESULT", "DUE", "PROGRESS", "SELF", "SCORE"});
  for (const GoalTask& t : card.tasks()) {
    tasks.AddRow({t.id(), ShortEnumName(planning::v1::TaskKind_descriptor(), t.kind()),
                  absl::StrCat(t.weight()), t.title(), t.key_result(), t.due_date(),
                  absl::StrCat(t.progress_percent(), "%"),
                  t.has_self_score() ? FormatNumber(t.self_score()) : "",
                  t.has_score() ? FormatNumber(t.score()) : ""});
  }
  std::cout << tasks.Render();

  if (card.history_size() > 0) {
    std::cout << "\n";
    Table history({"TIME", "FROM", "TO", "BY", "REASON"});
    for (const auto& h : card.history()) {
      history.AddRow({FormatTimestamp(h.time()), StateName(h.from()), StateName(h.to()),
                      h.actor_id(), h.reason()});
    }
    std::cout << history.Render();
  }
}

void PrintGoalCardTable(const ListGoalCardsResponse& response) {
  Table table({"ID", "EMPLOYEE", "PERIOD", "STATE", "TASKS", "SCORE"});
  for (const GoalCard& c : response.goal_cards()) {
    table.AddRow({c.id(), c.employee_id(), FormatPeriod(c.period()), StateName(c.state()),
                  absl::StrCat(c.tasks_size()), c.has_score() ? FormatNumber(c.score()) : ""});
  }
  std::cout << table.Render();
  PrintNextPage(response.next_page_token());
}

absl::Status AddTasks(const Args& args, google::protobuf::RepeatedPtrField<GoalTask>* tasks) {
  for (const std::string& text : args.GetAll("task")) {
    absl::StatusOr<GoalTask> task = ParseTask(text);
    if (!task.ok()) return UsageError(absl::StrCat("--task: ", task.status().message()));
    *tasks->Add() = *std::move(task);
  }
  return absl::OkStatus();
}

// A workflow verb whose request is the card `id` (the first positional) plus the fields in
// `fields`; it answers with the updated card.
template <typename Request>
RunFunction Verb(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, GoalCard*),
                 std::vector<FieldOption> fields) {
  return [method, fields](const Args& args, Client& client) -> RunResult {
    Request request;
    request.set_id(args.positionals()[0]);
    if (absl::Status s = ApplyFieldOptions(args, fields, &request); !s.ok()) return s;
    return client.Call(method, request, PrintGoalCard);
  };
}

// A command on one card: `card VERB ID` with the given options.
Command CardCommand(std::string verb, std::string summary, std::vector<FieldOption> fields,
                    RunFunction run) {
  return {
      .path = {"card", std::move(verb)},
      .positional_usage = "ID",
      .summary = std::move(summary),
      .options = FieldOptionSpecs(fields, /*create=*/true),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = std::move(run),
  };
}

FieldOption EtagField() {
  return {"etag", "etag", "ETAG", "fail ABORTED if the card changed since this etag was read"};
}

RunResult CreateCard(const Args& args, Client& client) {
  CreateGoalCardRequest request;
  request.set_employee_id(args.GetOr("employee", ""));
  auto period = ParseOption(args, "period", ParsePeriod);
  if (!period.ok()) return period.status();
  *request.mutable_period() = **period;
  if (absl::Status s = AddTasks(args, request.mutable_tasks()); !s.ok()) return s;
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&Stub::CreateGoalCard, request, PrintGoalCard);
}

RunResult ListCards(const Args& args, Client& client) {
  ListGoalCardsRequest request;
  request.set_employee_id(args.GetOr("employee", ""));
  request.set_department_id(args.GetOr("dept", ""));
  if (std::optional<std::string> state = args.Get("state")) {
    if (absl::Status s = SetFieldFromText(&request, "state", *state); !s.ok()) {
      return UsageError(absl::StrCat("--", s.message()));
    }
  }
  auto period = ParseOption(args, "period", ParsePeriod);
  if (!period.ok()) return period.status();
  if (*period) *request.mutable_period() = **period;
  if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
  return client.Call(&Stub::ListGoalCards, request, PrintGoalCardTable);
}

RunResult UpdateCard(const Args& args, Client& client) {
  UpdateGoalCardRequest request;
  GoalCard* card = request.mutable_goal_card();
  card->set_id(args.positionals()[0]);
  card->set_etag(args.GetOr("etag", ""));
  if (args.Has("task")) {
    if (absl::Status s = AddTasks(args, card->mutable_tasks()); !s.ok()) return s;
    request.mutable_update_mask()->add_paths("tasks");
  }
  if (args.Has("period")) {
    auto period = ParseOption(args, "period", ParsePeriod);
    if (!period.ok()) return period.status();
    *card->mutable_period() = **period;
    request.mutable_update_mask()->add_paths("period");
  }
  if (request.update_mask().paths().empty()) {
    return UsageError("nothing to change: give --task (the full new task list) or --period");
  }
  return client.Call(&Stub::UpdateGoalCard, request, PrintGoalCard);
}

RunResult RecordProgress(const Args& args, Client& client) {
  RecordTaskProgressRequest request;
  request.set_id(args.positionals()[0]);
  request.set_task_id(args.positionals()[1]);
  int percent = 0;
  std::string text = args.positionals()[2];
  if (!text.empty() && text.back() == '%') text.pop_back();
  if (!absl::SimpleAtoi(text, &percent) || percent < 0 || percent > 100) {
    return UsageError(
        absl::StrCat("PERCENT \"", args.positionals()[2], "\" must be an integer 0-100"));
  }
  request.set_percent(percent);
  request.set_note(args.GetOr("note", ""));
  return client.Call(&Stub::RecordTaskProgress, request, PrintGoalCard);
}

RunResult SelfAssess(const Args& args, Client& client) {
  SelfAssessGoalCardRequest request;
  request.set_id(args.positionals()[0]);
  absl::StatusOr<std::vector<std::pair<std::string, double>>> scores =
      ParseScores(args.positionals()[1]);
  if (!scores.ok()) return scores.status();
  for (const auto& [task_id, score] : *scores) {
    auto* task = request.add_tasks();
    task->set_task_id(task_id);
    task->set_self_score(score);
  }
  for (const std::string& note : args.GetAll("note")) {
    std::pair<std::string, std::string> kv = absl::StrSplit(note, absl::MaxSplits('=', 1));
    bool found = false;
    for (auto& task : *request.mutable_tasks()) {
      if (task.task_id() == kv.first) {
        task.set_note(kv.second);
        found = true;
      }
    }
    if (!found) {
      return UsageError(absl::StrCat("--note=", note,
                                     ": write TASK_ID=TEXT for a task scored "
                                     "in SCORES"));
    }
  }
  return client.Call(&Stub::SelfAssessGoalCard, request, PrintGoalCard);
}

RunResult Score(const Args& args, Client& client) {
  ScoreGoalCardRequest request;
  request.set_id(args.positionals()[0]);
  absl::StatusOr<std::vector<std::pair<std::string, double>>> scores =
      ParseScores(args.positionals()[1]);
  if (!scores.ok()) return scores.status();
  for (const auto& [task_id, score] : *scores) {
    auto* task = request.add_tasks();
    task->set_task_id(task_id);
    task->set_score(score);
  }
  return client.Call(&Stub::ScoreGoalCard, request, PrintGoalCard);
}

}  // namespace

void AddGoalCardCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"card", "create"},
      .summary = "Create a goal card (DRAFT)",
      .options =
          {
              {"employee", "ID", "whose card (default: the caller)"},
              {"period", "PERIOD", "e.g. MONTH:2026-03-01 or 2026-03", true},
              {"task", "TASK", kTaskHelp, true, /*repeatable=*/true},
              RequestIdOption(),
          },
      .run = CreateCard,
      .details = "Example:\n"
                 "  opsctl card create --employee=E7 --period=MONTH:2026-03-01 \\\n"
                 "    --task='拜访重点客户|ROUTINE|60|10 家|2026-03-31|每次有纪要' \\\n"
                 "    --task='新品培训|AD_HOC|40|完成 2 场||'\n"
                 "A literal | inside a field is written \\|.",
  });
  commands->push_back({
      .path = {"card", "get"},
      .positional_usage = "ID",
      .summary = "Show a goal card with its tasks and history",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = [](const Args& args, Client& client) -> RunResult {
        GetGoalCardRequest request;
        request.set_id(args.positionals()[0]);
        return client.Call(&Stub::GetGoalCard, request, PrintGoalCard);
      },
  });
  std::vector<OptionSpec> list_options = {
      {"employee", "ID", "only this employee's cards"},
      {"dept", "ID", "cards of this department and those below it"},
      {"state", "STATE",
       "DRAFT | SUBMITTED | RETURNED | APPROVED | SELF_ASSESSED | SCORED | "
       "CLOSED"},
      {"period", "PERIOD", "exactly this period"},
  };
  for (OptionSpec& page : PageOptions()) list_options.push_back(page);
  commands->push_back({
      .path = {"card", "list"},
      .summary = "List goal cards",
      .options = list_options,
      .run = ListCards,
  });
  commands->push_back({
      .path = {"card", "update"},
      .positional_usage = "ID",
      .summary = "Replace a card's tasks or period (DRAFT/RETURNED; a manager while SUBMITTED)",
      .options =
          {
              {"task", "TASK",
               "the full new task list, repeated; a 7th field names an existing task id to keep "
               "it: 'title|ROUTINE|50|kr|due|quality|t1'",
               false, /*repeatable=*/true},
              {"period", "PERIOD", "the new period"},
              EtagOption(),
          },
      .min_positionals = 1,
      .max_positionals = 1,
      .run = UpdateCard,
  });
  commands->push_back(CardCommand("submit", "Submit for approval (DRAFT/RETURNED -> SUBMITTED)",
                                  {EtagField()}, Verb(&Stub::SubmitGoalCard, {EtagField()})));
  const std::vector<FieldOption> return_fields = {
      {"reason", "reason", "TEXT", "why it goes back (the employee reads it)", true}, EtagField()};
  commands->push_back(CardCommand("return", "Return to the employee (SUBMITTED -> RETURNED)",
                                  return_fields, Verb(&Stub::ReturnGoalCard, return_fields)));
  commands->push_back(CardCommand("approve", "Approve (SUBMITTED -> APPROVED)", {EtagField()},
                                  Verb(&Stub::ApproveGoalCard, {EtagField()})));
  const std::vector<FieldOption> close_fields = {
      {"feedback", "feedback", "TEXT", "notes from the feedback interview", true}};
  commands->push_back(CardCommand("close", "Close after the feedback interview (SCORED -> CLOSED)",
                                  close_fields, Verb(&Stub::CloseGoalCard, close_fields)));
  commands->push_back({
      .path = {"card", "progress"},
      .positional_usage = "ID TASK_ID PERCENT",
      .summary = "Record a task's progress, 0-100 (APPROVED)",
      .options = {{"note", "TEXT", "what was done"}},
      .min_positionals = 3,
      .max_positionals = 3,
      .run = RecordProgress,
  });
  commands->push_back({
      .path = {"card", "self-assess"},
      .positional_usage = "ID SCORES",
      .summary = "Self-assess every task (APPROVED -> SELF_ASSESSED); never counted",
      .options = {{"note", "TASK_ID=TEXT", "a note on one task", false, /*repeatable=*/true}},
      .min_positionals = 2,
      .max_positionals = 2,
      .run = SelfAssess,
      .details = "Example: opsctl card self-assess C1 t1=90,t2=80 --note='t1=超额完成'",
  });
  commands->push_back({
      .path = {"card", "score"},
      .positional_usage = "ID SCORES",
      .summary = "Score every task, 0-100 (SELF_ASSESSED -> SCORED)",
      .min_positionals = 2,
      .max_positionals = 2,
      .run = Score,
      .details = "Example: opsctl card score C1 t1=90,t2=85",
  });
}

}  // namespace opsuite::opsctl
