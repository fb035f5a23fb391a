// opsctl scheme ... / eval ... / checklist record / leaderboard / distribution:
// opsuite.scoring.v1.SchemeService and EvaluationService (performance scoring).
//
// Schemes and checklist deductions come from proto3 JSON files (the form --json prints);
// examples/schemes/ holds the seed's schemes. Money is cents in those files and on the wire,
// yuan in tables.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/server/client.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

namespace sv1 = ::opsuite::scoring::v1;
using ::opsuite::common::v1::RunState;
using SchemeStub = sv1::SchemeService::Stub;
using EvalStub = sv1::EvaluationService::Stub;

constexpr char kPeriodHelp[] =
    "e.g. MONTH:2026-02-01 or 2026-02; its length must match the scheme's cycle";
constexpr int kBarWidth = 40;  // '#' characters of the distribution's fullest bucket

// ---- names and values ----------------------------------------------------------------------

std::string KindName(int kind) { return ShortEnumName(sv1::SubjectKind_descriptor(), kind); }
std::string CycleName(int cycle) { return ShortEnumName(sv1::Cycle_descriptor(), cycle); }
std::string RunStateName(int state) {
  return ShortEnumName(common::v1::RunState_descriptor(), state);
}
std::string EvaluationStateName(int state) {
  return ShortEnumName(sv1::EvaluationState_descriptor(), state);
}

template <typename Flags>
std::string FlagNames(const Flags& flags) {
  std::vector<std::string> names;
  for (int flag : flags) names.push_back(ShortEnumName(sv1::Flag_descriptor(), flag));
  return absl::StrJoin(names, ",");
}

// The crm money metrics (cents), alone or summed: shown as yuan.
bool IsMoneyMetric(absl::string_view metric) {
  for (absl::string_view part : absl::StrSplit(metric, '+')) {
    if (part != "signed_amount" && part != "received_amount" && part != "settled_signed_amount") {
      return false;
    }
  }
  return !metric.empty();
}

std::string MetricValue(absl::string_view metric, double value) {
  return IsMoneyMetric(metric) ? FormatMoney(std::llround(value)) : FormatNumber(value);
}

std::string Score(double score) { return FormatNumber(std::round(score * 100) / 100); }

std::string Money(int64_t cents) { return cents == 0 ? "" : FormatMoney(cents); }

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// ---- schemes -------------------------------------------------------------------------------

// One line per rule: what is measured and how it scores.
std::string RuleText(const sv1::Item& item) {
  switch (item.rule_case()) {
    case sv1::Item::kRatio: {
      const sv1::RatioRule& r = item.ratio();
      return absl::StrCat("ratio ", r.metric(), ", cap ", FormatNumber(r.cap() == 0 ? 1 : r.cap()));
    }
    case sv1::Item::kBands: {
      const sv1::BandsRule& r = item.bands();
      std::vector<std::string> bands;
      for (const sv1::Band& b : r.bands()) {
        std::string band = b.has_max() ? absl::StrCat("[", MetricValue(r.metric(), b.min()), ", ",
                                                      MetricValue(r.metric(), b.max()), ")")
                                       : absl::StrCat("≥ ", MetricValue(r.metric(), b.min()));
        absl::StrAppend(&band, " → ", FormatNumber(b.points()));
        if (b.bonus() != 0) absl::StrAppend(&band, " +", FormatMoney(b.bonus()));
        bands.push_back(std::move(band));
      }
      return absl::StrCat("bands ", r.metric(), ": ", absl::StrJoin(bands, "; "));
    }
    case sv1::Item::kChecklist: {
      std::vector<std::string> sections;
      double total = 0;
      for (const sv1::ChecklistSection& s : item.checklist().sections()) {
        sections.push_back(absl::StrCat(s.name(), " ", FormatNumber(s.max_points())));
        total += s.max_points();
      }
      return absl::StrCat("checklist of ", FormatNumber(total), ": ",
                          absl::StrJoin(sections, ", "));
    }
    case sv1::Item::kGoalCard:
      return item.goal_card().self_weight() > 0
                 ? absl::StrCat("goal card, self-score weight ",
                                FormatNumber(item.goal_card().self_weight()))
                 : "goal card, the manager's score";
    case sv1::Item::kPenalty: {
      std::vector<std::string> tiers;
      for (const sv1::PenaltyTier& t : item.penalty().tiers()) {
        tiers.push_back(
            absl::StrCat("≥ ", t.min_count(), ": ", FormatMoney(t.amount_each()), " each"));
      }
      return absl::StrCat("penalty ", item.penalty().metric(), ": ", absl::StrJoin(tiers, "; "));
    }
    case sv1::Item::kCommission: {
      std::vector<std::string> rates;
      for (const sv1::CommissionRate& r : item.commission().rates()) {
        rates.push_back(absl::StrCat(r.product_line(), " ", FormatPercent(r.rate())));
      }
      return absl::StrCat("commission: ", absl::StrJoin(rates, ", "));
    }
    case sv1::Item::kMinimum: {
      const sv1::MinimumRule& r = item.minimum();
      return absl::StrCat("minimum ", r.metric(), " ≥ ", FormatNumber(r.min()),
                          "; observation after ", r.observe_after(), ", termination review after ",
                          r.terminate_after(), " periods below");
    }
    case sv1::Item::RULE_NOT_SET:
      break;
  }
  return "(no rule)";
}

std::string GradesText(const sv1::Scheme& scheme) {
  std::vector<std::string> grades;
  for (const sv1::Grade& g : scheme.grades()) {
    std::string text = absl::StrCat(g.grade(), " ≥ ", FormatNumber(g.min_score()));
    if (g.max_share() > 0) absl::StrAppend(&text, " (at most ", FormatPercent(g.max_share()), ")");
    grades.push_back(std::move(text));
  }
  return absl::StrJoin(grades, ", ");
}

void PrintScheme(const sv1::Scheme& scheme) {
  std::vector<std::string> roles;
  for (int role : scheme.role_classes()) {
    roles.push_back(ShortEnumName(planning::v1::RoleClass_descriptor(), role));
  }
  KeyValues head;
  auto add = [&head](std::string key, std::string value) {
    if (!value.empty()) head.emplace_back(std::move(key), std::move(value));
  };
  add("id", scheme.id());
  add("name", scheme.name());
  add("subjects", KindName(scheme.subject_kind()));
  add("cycle", CycleName(scheme.cycle()));
  add("role classes", absl::StrJoin(roles, ","));
  add("grades", GradesText(scheme));
  add("creator", scheme.creator_id());
  add("created", FormatTimestamp(scheme.create_time()));
  std::cout << RenderKeyValues(head) << "\n";
  Table items({"CODE", "NAME", "WEIGHT", "RULE"});
  for (const sv1::Item& item : scheme.items()) {
    items.AddRow({item.code(), item.name(), item.weight() > 0 ? FormatNumber(item.weight()) : "",
                  RuleText(item)});
  }
  std::cout << items.Render();
}

void PrintSchemeTable(const sv1::ListSchemesResponse& response) {
  Table table({"ID", "NAME", "SUBJECTS", "CYCLE", "ITEMS", "CREATED"});
  for (const sv1::Scheme& s : response.schemes()) {
    table.AddRow({s.id(), s.name(), KindName(s.subject_kind()), CycleName(s.cycle()),
                  absl::StrCat(s.items_size()), FormatTimestamp(s.create_time())});
  }
  std::cout << table.Render();
  PrintNextPage(response.next_page_token());
}

// ---- runs ----------------------------------------------------------------------------------

void PrintRun(const sv1::EvaluationRun& run) {
  KeyValues head;
  auto add = [&head](std::string key, std::string value) {
    if (!value.empty()) head.emplace_back(std::move(key), std::move(value));
  };
  add("id", run.id());
  add("scheme", run.scheme_id());
  add("period", FormatPeriod(run.period()));
  add("department", run.department_id());
  add("state", RunStateName(run.state()));
  add("done", run.total() > 0 ? absl::StrCat(run.done(), " of ", run.total()) : "");
  add("failed", run.failed() > 0 ? absl::StrCat(run.failed()) : "");
  add("error", run.error());
  add("rpc calls", run.rpc_calls() > 0 ? absl::StrCat(run.rpc_calls()) : "");
  add("requester", run.requester_id());
  add("created", FormatTimestamp(run.create_time()));
  add("started", FormatTimestamp(run.start_time()));
  add("finished", FormatTimestamp(run.finish_time()));
  if (run.has_start_time() && run.has_finish_time()) {
    add("took", absl::FormatDuration(FromProto(run.finish_time()) - FromProto(run.start_time())));
  }
  std::cout << RenderKeyValues(head);
}

bool Finished(const sv1::EvaluationRun& run) {
  return run.state() == common::v1::RUN_STATE_SUCCEEDED ||
         run.state() == common::v1::RUN_STATE_FAILED;
}

// "run run_x: 4000/10000 done, 3 failed".
std::string ProgressLine(const sv1::EvaluationRun& run) {
  const std::string counts =
      absl::StrCat(run.done(), "/", run.total(), " done, ", run.failed(), " failed");
  switch (run.state()) {
    case common::v1::RUN_STATE_PENDING:
      return absl::StrCat("run ", run.id(), ": pending");
    case common::v1::RUN_STATE_SUCCEEDED:
      return absl::StrCat("run ", run.id(), ": succeeded, ", counts);
    case common::v1::RUN_STATE_FAILED:
      return absl::StrCat("run ", run.id(), ": FAILED after ", counts, ": ", run.error());
    default:
      if (run.total() == 0) return absl::StrCat("run ", run.id(), ": running, finding subjects");
      return absl::StrCat("run ", run.id(), ": ", counts);
  }
}

// Calls that outlast a server restart or a dropped connection: a transient failure
// (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED) is retried with backoff
// (0.5 s doubling to 8 s) on a fresh channel, until `patience` has passed since the first
// failure in a row. Only for calls that are safe to repeat (reads, requests with an id).
class Retrying {
 public:
  Retrying(Client& client, absl::Duration patience) : client_(&client), patience_(patience) {}

  template <typename Stub, typename Request, typename Response>
  grpc::Status Invoke(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      const Request& request, Response* response, absl::string_view what) {
    absl::Duration backoff = absl::Milliseconds(500);
    const absl::Time first = absl::Now();
    for (;;) {
      response->Clear();
      grpc::Status status = client_->Invoke(method, request, response);
      if (status.ok() || !server::Transient(static_cast<absl::StatusCode>(status.error_code()))) {
        return status;
      }
      const absl::Duration left = patience_ - (absl::Now() - first);
      if (left <= absl::ZeroDuration()) return status;
      const absl::Duration pause = std::min(backoff, left);
      std::cerr << what << ": "
                << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))
                << ": " << status.error_message() << "; retrying in " << absl::FormatDuration(pause)
                << "\n";
      absl::SleepFor(pause);
      backoff = std::min(backoff * 2, absl::Seconds(8));
      // A channel that failed waits out its own reconnect backoff (up to 2 minutes);
      // a new one connects at once.
      fresh_ = std::make_unique<Client>(client_->options());
      client_ = fresh_.get();
    }
  }

 private:
  Client* client_;
  std::unique_ptr<Client> fresh_;
  absl::Duration patience_;
};

struct WaitOptions {
  absl::Duration poll = absl::Milliseconds(500);
  absl::Duration patience = absl::Minutes(2);
  std::optional<absl::Duration> max_wait;
  absl::Duration heartbeat = absl::Seconds(30);  // repeat an unchanged progress line
};

// Polls `run` until it finishes, with progress lines on stderr; prints the final run and
// returns 0 when it SUCCEEDED, 1 when it FAILED (or could not be followed).
int WaitForRun(Client& client, Retrying& retrying, sv1::EvaluationRun run,
               const WaitOptions& options) {
  const absl::Time start = absl::Now();
  std::string last_line;
  absl::Time last_print = absl::InfinitePast();
  for (;;) {
    const std::string line = ProgressLine(run);
    const absl::Time now = absl::Now();
    if (line != last_line || now - last_print >= options.heartbeat) {
      std::cerr << line << std::endl;
      last_line = line;
      last_print = now;
    }
    if (Finished(run)) break;
    if (options.max_wait && now - start >= *options.max_wait) {
      std::cerr << "error: run " << run.id() << " has not finished after "
                << absl::FormatDuration(*options.max_wait)
                << " (--max-wait); it goes on in the server: opsctl eval status " << run.id()
                << "\n";
      return 1;
    }
    absl::SleepFor(options.poll);
    sv1::GetEvaluationRunRequest request;
    request.set_id(run.id());
    sv1::EvaluationRun next;
    grpc::Status status = retrying.Invoke(&EvalStub::GetEvaluationRun, request, &next,
                                          absl::StrCat("run ", run.id()));
    if (!status.ok()) return PrintRpcError(status, client.options());
    run = std::move(next);
  }
  if (client.options().json) {
    PrintJson(run);
  } else {
    PrintRun(run);
  }
  return run.state() == common::v1::RUN_STATE_SUCCEEDED ? 0 : 1;
}

// ---- evaluations ---------------------------------------------------------------------------

std::string ScoreCell(const sv1::Evaluation& e) {
  if (e.state() != sv1::EVALUATION_STATE_EVALUATED) return "";
  return absl::StrCat(Score(e.total_score()), e.adjustments_size() > 0 ? "*" : "");
}

void PrintEvaluationTable(const google::protobuf::RepeatedPtrField<sv1::Evaluation>& rows,
                          const std::string& next_page_token) {
  Table table({"SUBJECT", "STATE", "SCORE", "GRADE", "BONUS", "COMMISSION", "PENALTIES", "FLAGS",
               "VERSION", "ID"});
  bool adjusted = false;
  std::vector<std::string> failures;
  for (const sv1::Evaluation& e : rows) {
    adjusted |= e.adjustments_size() > 0;
    if (e.state() == sv1::EVALUATION_STATE_FAILED) {
      failures.push_back(absl::StrCat("  ", e.subject_id(), ": ", e.failure_reason()));
    }
    table.AddRow({e.subject_id(), EvaluationStateName(e.state()), ScoreCell(e), e.grade(),
                  Money(e.bonus()), Money(e.commission()), Money(e.penalties()),
                  FlagNames(e.flags()), absl::StrCat(e.version()), e.id()});
  }
  std::cout << table.Render();
  if (adjusted) std::cout << "* adjusted by hand; 'opsctl eval get ID' shows who, when and why\n";
  if (!failures.empty()) std::cout << "failed:\n" << absl::StrJoin(failures, "\n") << "\n";
  PrintNextPage(next_page_token);
}

void PrintEvaluation(const sv1::Evaluation& e) {
  KeyValues head;
  auto add = [&head](std::string key, std::string value) {
    if (!value.empty()) head.emplace_back(std::move(key), std::move(value));
  };
  const bool evaluated = e.state() == sv1::EVALUATION_STATE_EVALUATED;
  add("id", e.id());
  add("scheme", e.scheme_id());
  add("subject", e.subject_id());
  add("subject kind", KindName(e.subject_kind()));
  add("department", e.department_id());
  add("period", FormatPeriod(e.period()));
  add("run", e.run_id());
  add("state", EvaluationStateName(e.state()));
  add("failure reason", e.failure_reason());
  if (evaluated) {
    add("total score", Score(e.total_score()));
    if (e.adjustments_size() > 0 || e.computed_score() != e.total_score()) {
      add("computed score", Score(e.computed_score()));
    }
    add("grade", e.grade());
  }
  add("bonus", Money(e.bonus()));
  add("commission", Money(e.commission()));
  add("penalties", Money(e.penalties()));
  add("flags", FlagNames(e.flags()));
  add("version", absl::StrCat(e.version()));
  add("created", FormatTimestamp(e.create_time()));
  std::cout << RenderKeyValues(head);

  if (e.items_size() > 0) {
    const bool weighted = std::any_of(e.items().begin(), e.items().end(),
                                      [](const sv1::ItemResult& i) { return i.weight() > 0; });
    Table items({"CODE", "NAME", "WEIGHT", "RAW", "SCORE", "DETAIL"});
    for (const sv1::ItemResult& i : e.items()) {
      // Items without weight (penalty, commission, minimum) add money or flags, not score.
      const bool counts = i.weight() > 0 || !weighted;
      items.AddRow({i.code(), i.name(), i.weight() > 0 ? FormatNumber(i.weight()) : "",
                    FormatNumber(i.raw()), counts ? Score(i.score()) : "", i.detail()});
    }
    std::cout << "\n" << items.Render();
  }
  if (e.adjustments_size() > 0) {
    Table adjustments({"ADJUSTED", "BY", "BEFORE", "AFTER", "REASON"});
    for (const sv1::Adjustment& a : e.adjustments()) {
      adjustments.AddRow({FormatTimestamp(a.time()), a.actor_id(), Score(a.before()),
                          Score(a.after()), a.reason()});
    }
    std::cout << "\n" << adjustments.Render();
  }
  if (!e.inputs().empty()) {
    const std::map<std::string, double> sorted(e.inputs().begin(), e.inputs().end());
    Table inputs({"INPUT", "VALUE"});
    for (const auto& [name, value] : sorted) inputs.AddRow({name, MetricValue(name, value)});
    std::cout << "\n" << inputs.Render();
  }
}

void PrintAssessment(const sv1::ChecklistAssessment& a) {
  KeyValues head;
  auto add = [&head](std::string key, std::string value) {
    if (!value.empty()) head.emplace_back(std::move(key), std::move(value));
  };
  add("id", a.id());
  add("scheme", a.scheme_id());
  add("item", a.item_code());
  add("subject", a.subject_id());
  add("period", FormatPeriod(a.period()));
  add("kept points",
      absl::StrCat(FormatNumber(a.kept_points()), " of ", FormatNumber(a.max_points())));
  add("assessor", a.assessor_id());
  add("version", absl::StrCat(a.version()));
  add("created", FormatTimestamp(a.create_time()));
  std::cout << RenderKeyValues(head);
  if (a.sections_size() > 0) {
    Table sections({"SECTION", "MAX", "DEDUCTED", "KEPT"});
    for (const sv1::ChecklistSectionResult& s : a.sections()) {
      sections.AddRow({s.name(), FormatNumber(s.max_points()),
                       s.deducted() > 0 ? absl::StrCat("-", FormatNumber(s.deducted())) : "",
                       FormatNumber(s.kept())});
    }
    std::cout << "\n" << sections.Render();
  }
  if (a.deductions_size() > 0) {
    Table deductions({"SECTION", "POINTS", "ITEM", "REASON", "CORRECTIVE ACTION"});
    for (const sv1::ChecklistDeduction& d : a.deductions()) {
      deductions.AddRow({d.section(), absl::StrCat("-", FormatNumber(d.points())), d.item(),
                         d.reason(), d.corrective_action()});
    }
    std::cout << "\n" << deductions.Render();
  }
}

void PrintLeaderboard(const sv1::Leaderboard& board) {
  Table table({"RANK", "SUBJECT", "SCORE", "GRADE"});
  for (const sv1::LeaderboardEntry& e : board.entries()) {
    table.AddRow({absl::StrCat(e.rank()), e.subject_id(), Score(e.total_score()), e.grade()});
  }
  std::cout << table.Render();
  std::cout << "(" << board.entries_size() << " shown of " << board.total() << " ranked)\n";
}

// The histogram bar of `count` when the fullest bucket holds `most`: at most kBarWidth '#',
// at least one for a bucket that is not empty.
std::string Bar(int count, int most) {
  if (count <= 0 || most <= 0) return "";
  const int width = std::max(1, static_cast<int>(std::lround(1.0 * count * kBarWidth / most)));
  return std::string(static_cast<size_t>(width), '#');
}

void PrintDistribution(const sv1::Distribution& d) {
  const std::map<std::string, int32_t> grades(d.grade_counts().begin(), d.grade_counts().end());
  std::vector<std::string> grade_text;
  for (const auto& [grade, count] : grades) grade_text.push_back(absl::StrCat(grade, " ", count));
  KeyValues head = {{"count", absl::StrCat(d.count())}};
  if (d.count() > 0) {
    head.insert(head.end(), {{"mean", Score(d.mean())},
                             {"stddev", Score(d.stddev())},
                             {"min", Score(d.min())},
                             {"p50", Score(d.p50())},
                             {"p90", Score(d.p90())},
                             {"p99", Score(d.p99())},
                             {"max", Score(d.max())}});
  }
  if (!grade_text.empty()) head.emplace_back("grades", absl::StrJoin(grade_text, ", "));
  std::cout << RenderKeyValues(head);
  if (d.buckets_size() == 0) return;
  int most = 0;
  for (const sv1::HistogramBucket& b : d.buckets()) most = std::max(most, b.count());
  Table table({"SCORE", "COUNT", ""});
  for (const sv1::HistogramBucket& b : d.buckets()) {
    table.AddRow({absl::StrCat("[", FormatNumber(b.lower()), ", ", FormatNumber(b.upper()), ")"),
                  absl::StrCat(b.count()), Bar(b.count(), most)});
  }
  std::cout << "\n" << table.Render();
}

// ---- files ---------------------------------------------------------------------------------

// Reads the proto3 JSON file `path` ("-": stdin) into `message` (with `array_field`: a JSON
// array into that repeated field). 0 when read; a file that cannot be opened is a usage
// error; bad JSON prints "error: PATH: reason" and gives 1.
RunResult ReadJsonFile(const std::string& path, google::protobuf::Message* message,
                       absl::string_view array_field = "") {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::Status parsed = array_field.empty() ? ParseJsonMessage(*text, message)
                                            : ParseJsonArray(*text, array_field, message);
  if (!parsed.ok()) {
    std::cerr << "error: " << (path == "-" ? "stdin" : path) << ": " << parsed.message() << "\n";
    return 1;
  }
  return 0;
}

// ---- commands ------------------------------------------------------------------------------

// The period of --period (required by the command's options).
absl::Status SetPeriod(const Args& args, common::v1::Period* period) {
  auto parsed = ParseOption(args, "period", ParsePeriod);
  if (!parsed.ok()) return parsed.status();
  if (*parsed) *period = **parsed;
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> DurationOption(const Args& args, absl::string_view name,
                                              absl::Duration fallback) {
  auto parsed = ParseOption(args, name, ParseDurationArg);
  if (!parsed.ok()) return parsed.status();
  const absl::Duration value = parsed->value_or(fallback);
  if (value <= absl::ZeroDuration())
    return UsageError(absl::StrCat("--", name, " must be positive"));
  return value;
}

RunResult CreateScheme(const Args& args, Client& client) {
  sv1::CreateSchemeRequest request;
  RunResult read = ReadJsonFile(args.GetOr("file", ""), request.mutable_scheme());
  if (!read.ok() || *read != 0) return read;
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&SchemeStub::CreateScheme, request, PrintScheme);
}

RunResult ValidateScheme(const Args& args, Client& client) {
  const std::string path = args.GetOr("file", "");
  sv1::ValidateSchemeRequest request;
  RunResult read = ReadJsonFile(path, request.mutable_scheme());
  if (!read.ok() || *read != 0) return read;
  sv1::ValidateSchemeResponse response;
  grpc::Status status = client.Invoke(&SchemeStub::ValidateScheme, request, &response);
  if (!status.ok()) return PrintRpcError(status, client.options());
  if (client.options().json) {
    PrintJson(response);
  } else if (response.violations().empty()) {
    std::cout << (path == "-" ? "stdin" : path) << ": valid\n";
  } else {
    for (const sv1::FieldViolation& v : response.violations()) {
      std::cout << v.field() << ": " << v.description() << "\n";
    }
  }
  return response.violations().empty() ? 0 : 1;
}

RunResult RunEvaluation(const Args& args, Client& client) {
  sv1::RunEvaluationRequest request;
  request.set_scheme_id(args.GetOr("scheme", ""));
  if (absl::Status s = SetPeriod(args, request.mutable_period()); !s.ok()) return s;
  if (args.Has("dept") == args.Has("subjects")) {
    return UsageError("give exactly one of --dept=ID or --subjects=ID,ID,...");
  }
  if (args.Has("dept")) {
    request.set_department_id(args.GetOr("dept", ""));
  } else {
    std::string text = args.GetOr("subjects", "");
    if (absl::StartsWith(text, "@")) {
      absl::StatusOr<std::string> file = ReadFile(text.substr(1));
      if (!file.ok()) return UsageError(absl::StrCat("--subjects: ", file.status().message()));
      text = *std::move(file);
    }
    absl::StatusOr<std::vector<std::string>> ids = ParseIdList(text);
    if (!ids.ok()) return UsageError(absl::StrCat("--subjects: ", ids.status().message()));
    for (std::string& id : *ids) request.add_subject_ids(std::move(id));
  }
  const bool wait = args.Flag("wait");
  if (!wait && (args.Has("max-wait") || args.Has("retry-for"))) {
    return UsageError("--max-wait and --retry-for go with --wait");
  }
  WaitOptions options;
  absl::StatusOr<absl::Duration> patience = DurationOption(args, "retry-for", options.patience);
  if (!patience.ok()) return patience.status();
  options.patience = *patience;
  if (args.Has("max-wait")) {
    absl::StatusOr<absl::Duration> max_wait = DurationOption(args, "max-wait", absl::Hours(1));
    if (!max_wait.ok()) return max_wait.status();
    options.max_wait = *max_wait;
  }
  // An id makes the start safe to retry: a repeat returns the same run.
  request.set_request_id(args.GetOr("request-id", RandomRequestId()));

  Retrying retrying(client, options.patience);
  sv1::EvaluationRun run;
  grpc::Status status =
      wait ? retrying.Invoke(&EvalStub::RunEvaluation, request, &run, "starting the run")
           : client.Invoke(&EvalStub::RunEvaluation, request, &run);
  if (!status.ok()) return PrintRpcError(status, client.options());
  if (!wait) {
    if (client.options().json) {
      PrintJson(run);
    } else {
      PrintRun(run);
    }
    return 0;
  }
  return WaitForRun(client, retrying, std::move(run), options);
}

RunResult RunStatus(const Args& args, Client& client) {
  sv1::GetEvaluationRunRequest request;
  request.set_id(args.positionals()[0]);
  return client.Call(&EvalStub::GetEvaluationRun, request, PrintRun);
}

RunResult ListEvaluations(const Args& args, Client& client) {
  sv1::ListEvaluationsRequest request;
  if (args.Has("run")) {
    if (args.Has("scheme") || args.Has("period") || args.Has("dept")) {
      return UsageError("give --run=ID alone, or --scheme=ID --period=PERIOD [--dept=ID]");
    }
    request.set_run_id(args.GetOr("run", ""));
  } else {
    if (!args.Has("scheme") || !args.Has("period")) {
      return UsageError("give --run=ID, or --scheme=ID and --period=PERIOD");
    }
    request.set_scheme_id(args.GetOr("scheme", ""));
    if (absl::Status s = SetPeriod(args, request.mutable_period()); !s.ok()) return s;
    request.set_department_id(args.GetOr("dept", ""));
  }
  const std::string order = args.GetOr("order-by", "");
  if (!order.empty() && order != "score" && order != "subject") {
    return UsageError(absl::StrCat("--order-by: \"", order, "\" is not score or subject"));
  }
  request.set_order_by(order);
  if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
  if (!args.Flag("all")) {
    return client.Call(&EvalStub::ListEvaluations, request,
                       [](const sv1::ListEvaluationsResponse& r) {
                         PrintEvaluationTable(r.evaluations(), r.next_page_token());
                       });
  }
  sv1::ListEvaluationsResponse all;
  for (;;) {
    sv1::ListEvaluationsResponse page;
    grpc::Status status = client.Invoke(&EvalStub::ListEvaluations, request, &page);
    if (!status.ok()) return PrintRpcError(status, client.options());
    for (sv1::Evaluation& e : *page.mutable_evaluations()) *all.add_evaluations() = std::move(e);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (client.options().json) {
    PrintJson(all);
  } else {
    PrintEvaluationTable(all.evaluations(), "");
  }
  return 0;
}

RunResult GetEvaluation(const Args& args, Client& client) {
  sv1::GetEvaluationRequest request;
  const bool by_key = args.Has("scheme") || args.Has("subject") || args.Has("period");
  if (!args.positionals().empty()) {
    if (by_key) return UsageError("give an ID, or --scheme, --subject and --period (not both)");
    request.set_id(args.positionals()[0]);
  } else {
    if (!args.Has("scheme") || !args.Has("subject") || !args.Has("period")) {
      return UsageError("give an ID, or all of --scheme=ID --subject=ID --period=PERIOD");
    }
    request.set_scheme_id(args.GetOr("scheme", ""));
    request.set_subject_id(args.GetOr("subject", ""));
    if (absl::Status s = SetPeriod(args, request.mutable_period()); !s.ok()) return s;
  }
  return client.Call(&EvalStub::GetEvaluation, request, PrintEvaluation);
}

RunResult AdjustEvaluation(const Args& args, Client& client) {
  sv1::AdjustEvaluationRequest request;
  request.set_id(args.positionals()[0]);
  auto score = ParseOption(args, "score", ParseNumber);
  if (!score.ok()) return score.status();
  request.set_score(score->value_or(0));
  request.set_reason(args.GetOr("reason", ""));
  return client.Call(&EvalStub::AdjustEvaluation, request, PrintEvaluation);
}

RunResult RecordChecklist(const Args& args, Client& client) {
  sv1::RecordChecklistAssessmentRequest request;
  request.set_scheme_id(args.GetOr("scheme", ""));
  request.set_subject_id(args.GetOr("subject", ""));
  request.set_item_code(args.GetOr("item", ""));
  if (absl::Status s = SetPeriod(args, request.mutable_period()); !s.ok()) return s;
  RunResult read = ReadJsonFile(args.GetOr("file", ""), &request, "deductions");
  if (!read.ok() || *read != 0) return read;
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&EvalStub::RecordChecklistAssessment, request, PrintAssessment);
}

RunResult Leaderboard(const Args& args, Client& client) {
  sv1::GetLeaderboardRequest request;
  request.set_scheme_id(args.GetOr("scheme", ""));
  request.set_department_id(args.GetOr("dept", ""));
  if (absl::Status s = SetPeriod(args, request.mutable_period()); !s.ok()) return s;
  auto top = ParseOption(args, "top", ParseQuantity);
  if (!top.ok()) return top.status();
  if (*top) {
    if (**top <= 0 || **top > std::numeric_limits<int32_t>::max()) {
      return UsageError("--top must be a positive number");
    }
    request.set_top_n(static_cast<int32_t>(**top));
  }
  return client.Call(&EvalStub::GetLeaderboard, request, PrintLeaderboard);
}

RunResult Distribution(const Args& args, Client& client) {
  sv1::GetDistributionRequest request;
  request.set_scheme_id(args.GetOr("scheme", ""));
  request.set_department_id(args.GetOr("dept", ""));
  if (absl::Status s = SetPeriod(args, request.mutable_period()); !s.ok()) return s;
  auto width = ParseOption(args, "bucket-width", ParseNumber);
  if (!width.ok()) return width.status();
  if (*width) {
    if (**width <= 0) return UsageError("--bucket-width must be more than 0");
    request.set_bucket_width(**width);
  }
  return client.Call(&EvalStub::GetDistribution, request, PrintDistribution);
}

OptionSpec SchemeOption() { return {"scheme", "ID", "the scheme", true}; }
OptionSpec PeriodOption() { return {"period", "PERIOD", kPeriodHelp, true}; }
OptionSpec DeptOption(std::string help) { return {"dept", "ID", std::move(help)}; }

}  // namespace

void AddScoringCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"scheme", "create"},
      .summary = "Create a scoring scheme from a JSON file (admin); schemes never change",
      .options =
          {
              {"file", "FILE.json", "the Scheme in proto3 JSON ('-' reads stdin)", true},
              RequestIdOption(),
          },
      .run = CreateScheme,
      .details =
          "Example: opsctl scheme create --file=examples/schemes/sales_monthly_003.json\n"
          "The file holds one Scheme as 'opsctl --json scheme get' prints it: name, subjectKind "
          "(EMPLOYEE or\n"
          "DEPARTMENT), cycle, items (each one rule: ratio, bands, checklist, goalCard, penalty, "
          "commission,\n"
          "minimum), grades and roleClasses; money in cents. examples/schemes/README.md "
          "explains the examples.\n"
          "A changed scheme is a new scheme: create it again and run evaluations on the new id.",
  });
  commands->push_back({
      .path = {"scheme", "validate"},
      .summary = "Check a scheme file without storing it; exit 0 when valid, 1 when not",
      .options = {{"file", "FILE.json", "the Scheme in proto3 JSON ('-' reads stdin)", true}},
      .run = ValidateScheme,
      .details = "Prints every violation as 'field: description', e.g.\n"
                 "  scheme.items[0].bands.bands[1].min: overlaps the band before it\n"
                 "A file that is not a Scheme in JSON is reported as 'FILE: reason' (exit 1).",
  });
  commands->push_back({
      .path = {"scheme", "get"},
      .positional_usage = "ID",
      .summary = "Show a scheme: its items, their rules and the grades",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&SchemeStub::GetScheme, {"id"}, {}, PrintScheme),
  });
  commands->push_back({
      .path = {"scheme", "list"},
      .summary = "List the org's scoring schemes, newest first",
      .options = PageOptions(),
      .run = CallWithFields(&SchemeStub::ListSchemes, {}, {}, PrintSchemeTable),
  });

  commands->push_back({
      .path = {"eval", "run"},
      .summary = "Start an evaluation run over a department or a list of subjects",
      .options =
          {
              SchemeOption(),
              PeriodOption(),
              DeptOption("this department and those below it (employees of the scheme's role "
                         "classes, or departments for a DEPARTMENT scheme)"),
              {"subjects", "ID,ID,...",
               "these subjects instead; @FILE reads ids from FILE (commas or whitespace between)"},
              RequestIdOption(),
              {"wait", "", "follow the run until it ends; exit 1 if it FAILED"},
              {"retry-for", "DURATION",
               "with --wait: keep retrying while the server is unavailable (default 2m)"},
              {"max-wait", "DURATION", "with --wait: give up (exit 1) after this long"},
          },
      .run = RunEvaluation,
      .details =
          "Example (a monthly CronJob, for last month):\n"
          "  month=$(date -d \"$(date +%Y-%m-01) -1 month\" +%Y-%m)\n"
          "  opsctl eval run --scheme=sch_1 --period=$month --dept=D1 --request-id=sales-$month "
          "--wait\n"
          "The period must have begun. With the same --request-id a repeated command returns "
          "the same run\n"
          "instead of starting another (without one, each command starts a run). --wait polls "
          "every 500 ms,\n"
          "writes progress to stderr ('run run_x: 4000/10000 done, 3 failed') and the final run "
          "to stdout;\n"
          "UNAVAILABLE and other transient errors are retried for --retry-for. Subjects whose "
          "inputs cannot be\n"
          "read are counted as failed without failing the run: 'opsctl eval list --run=ID' "
          "shows why.",
  });
  commands->push_back({
      .path = {"eval", "status"},
      .positional_usage = "RUN_ID",
      .summary = "Show an evaluation run: state, progress, failures",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = RunStatus,
  });
  commands->push_back({
      .path = {"eval", "list"},
      .summary = "List evaluations of a run, or of a scheme and period (highest score first)",
      .options = Join(
          std::vector<OptionSpec>{
              {"run", "ID", "the evaluations of this run"},
              {"scheme", "ID", "or: the evaluations of this scheme ..."},
              {"period", "PERIOD", "... in this period"},
              DeptOption("with --scheme: this department and those below it"),
              {"order-by", "score|subject", "highest score first (default), or by subject id"},
              {"all", "", "fetch every page"},
          },
          PageOptions()),
      .run = ListEvaluations,
      .details = "Examples:\n"
                 "  opsctl eval list --run=run_x --all\n"
                 "  opsctl eval list --scheme=sch_1 --period=2026-02 --dept=D1 --order-by=subject\n"
                 "Money columns are yuan; a score marked * was adjusted by hand; failed subjects "
                 "are listed with why.",
  });
  commands->push_back({
      .path = {"eval", "get"},
      .positional_usage = "[ID]",
      .summary = "Show one evaluation: score, grade, money, each item's detail, adjustments",
      .options =
          {
              {"scheme", "ID", "without ID: the scheme ..."},
              {"subject", "ID", "... the subject ..."},
              {"period", "PERIOD", "... and the period"},
          },
      .max_positionals = 1,
      .run = GetEvaluation,
      .details = "Examples: opsctl eval get ev_x\n"
                 "          opsctl eval get --scheme=sch_1 --subject=E7 --period=2026-02",
  });
  commands->push_back({
      .path = {"eval", "adjust"},
      .positional_usage = "ID",
      .summary = "Set an evaluation's total score by hand (audited; not by the subject)",
      .options =
          {
              {"score", "N", "the new total score", true},
              {"reason", "TEXT", "why (kept with who and when)", true},
          },
      .min_positionals = 1,
      .max_positionals = 1,
      .run = AdjustEvaluation,
      .details =
          "Example: opsctl eval adjust ev_x --score=86 --reason='客户回款延迟, 经总经理批准'\n"
          "The adjustment stays in force when the period is evaluated again; the grade "
          "follows the new score.",
  });
  commands->push_back({
      .path = {"checklist", "record"},
      .summary = "Record the deductions of a points checklist for one subject and period",
      .options =
          {
              SchemeOption(),
              {"subject", "ID", "the subject assessed (a department for a DEPARTMENT scheme)",
               true},
              PeriodOption(),
              {"file", "FILE.json", "the deductions: a JSON array ('-' reads stdin)", true},
              {"item", "CODE", "the checklist item (default: the scheme's first)"},
              RequestIdOption(),
          },
      .run = RecordChecklist,
      .details =
          "The file is a JSON array of ChecklistDeduction objects (proto3 JSON):\n"
          "  [{\"section\": \"人员配置\", \"item\": \"全科医生 ≥ 6\", \"points\": 2.5,\n"
          "    \"reason\": \"只有 1 名全科医师, 缺 5 名\", \"correctiveAction\": "
          "\"向上级医院申请调配\"}]\n"
          "section names a section of the checklist item; points > 0 (halves allowed); reason "
          "is required.\n"
          "A later record for the same scheme, subject and period replaces the earlier one; [] "
          "records none.\n"
          "Example: opsctl checklist record --scheme=sch_2 --subject=D9 --period=2026 \\\n"
          "  --file=examples/schemes/health_centre_2026_deductions.json",
  });
  commands->push_back({
      .path = {"leaderboard"},
      .summary = "Rank the subjects of a scheme and period (equal scores share a rank)",
      .options =
          {
              SchemeOption(),
              PeriodOption(),
              DeptOption("this department and those below it (default: the whole org)"),
              {"top", "N", "how many (default 10, at most 1000)"},
          },
      .run = Leaderboard,
  });
  commands->push_back({
      .path = {"distribution"},
      .summary = "Summarise the scores of a scheme and period: mean, percentiles, histogram",
      .options =
          {
              SchemeOption(),
              PeriodOption(),
              DeptOption("this department and those below it (default: the whole org)"),
              {"bucket-width", "W", "histogram bucket width in points (default 10)"},
          },
      .run = Distribution,
  });
}

}  // namespace opsuite::opsctl
