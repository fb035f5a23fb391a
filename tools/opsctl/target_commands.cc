// opsctl target ... / actual record / progress: opsuite.planning.v1.TargetService.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "opsuite/planning/v1/target.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::planning::v1::BatchGetProgressRequest;
using ::opsuite::planning::v1::BatchGetProgressResponse;
using ::opsuite::planning::v1::CreateTargetRequest;
using ::opsuite::planning::v1::DecomposeTargetRequest;
using ::opsuite::planning::v1::DecomposeTargetResponse;
using ::opsuite::planning::v1::GetProgressRequest;
using ::opsuite::planning::v1::GetTargetRequest;
using ::opsuite::planning::v1::ListTargetsRequest;
using ::opsuite::planning::v1::ListTargetsResponse;
using ::opsuite::planning::v1::Owner;
using ::opsuite::planning::v1::Progress;
using ::opsuite::planning::v1::RecordActualRequest;
using ::opsuite::planning::v1::Target;
using ::opsuite::planning::v1::TargetService;
using Stub = TargetService::Stub;

constexpr char kValueHelp[] =
    "an integer in the target's unit; 万 (x10^4) and 亿 (x10^8) multiply: 1500万, 1.5亿";

template <typename Targets>
void PrintTargetTable(const Targets& targets) {
  Table table({"ID", "OWNER", "METRIC", "PERIOD", "VALUE", "UNIT", "DAYS", "PARENT"});
  for (const Target& t : targets) {
    table.AddRow({t.id(), FormatOwner(t.owner()), t.metric(), FormatPeriod(t.period()),
                  absl::StrCat(t.value()), t.unit(),
                  t.start_date().empty() ? "" : absl::StrCat(t.start_date(), "..", t.end_date()),
                  t.parent_id()});
  }
  std::cout << table.Render();
}

void PrintProgress(const Progress& p) {
  std::cout << RenderKeyValues({
      {"target", p.target_id()},
      {"as of", p.as_of()},
      {"value", absl::StrCat(p.value())},
      {"actual", absl::StrCat(p.actual())},
      {"plan to date", absl::StrCat(p.plan_to_date())},
      {"completion", FormatPercent(p.completion_ratio())},
      {"expected", FormatPercent(p.expected_ratio())},
      {"time elapsed", FormatPercent(p.elapsed_ratio())},
      {"variance", absl::StrCat(p.variance())},
      {"gap", absl::StrCat(p.gap())},
      {"status", ShortEnumName(planning::v1::ProgressStatus_descriptor(), p.status())},
  });
}

void PrintProgressTable(const BatchGetProgressResponse& response) {
  Table table({"TARGET", "AS OF", "VALUE", "ACTUAL", "PLAN TO DATE", "COMPLETION", "EXPECTED",
               "VARIANCE", "STATUS"});
  for (const Progress& p : response.progress()) {
    table.AddRow({p.target_id(), p.as_of(), absl::StrCat(p.value()), absl::StrCat(p.actual()),
                  absl::StrCat(p.plan_to_date()), FormatPercent(p.completion_ratio()),
                  FormatPercent(p.expected_ratio()), absl::StrCat(p.variance()),
                  ShortEnumName(planning::v1::ProgressStatus_descriptor(), p.status())});
  }
  std::cout << table.Render();
}

RunResult CreateTarget(const Args& args, Client& client) {
  CreateTargetRequest request;
  Target* target = request.mutable_target();
  auto owner = ParseOption(args, "owner", ParseOwner);
  auto period = ParseOption(args, "period", ParsePeriod);
  auto value = ParseOption(args, "value", ParseQuantity);
  for (const absl::Status& s : {owner.status(), period.status(), value.status()}) {
    if (!s.ok()) return s;
  }
  *target->mutable_owner() = **owner;
  *target->mutable_period() = **period;
  target->set_value(**value);
  target->set_metric(args.GetOr("metric", ""));
  target->set_unit(args.GetOr("unit", ""));
  target->set_name(args.GetOr("name", ""));
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&Stub::CreateTarget, request);
}

RunResult ListTargets(const Args& args, Client& client) {
  ListTargetsRequest request;
  auto owner = ParseOption(args, "owner", ParseOwner);
  if (!owner.ok()) return owner.status();
  if (*owner) *request.mutable_owner() = **owner;
  request.set_metric(args.GetOr("metric", ""));
  request.set_parent_id(args.GetOr("parent", ""));
  if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
  return client.Call(&Stub::ListTargets, request, [](const ListTargetsResponse& r) {
    PrintTargetTable(r.targets());
    PrintNextPage(r.next_page_token());
  });
}

RunResult DecomposeTarget(const Args& args, Client& client) {
  DecomposeTargetRequest request;
  request.set_target_id(args.positionals()[0]);
  const bool by_time = args.Has("by-time");
  if (by_time == args.Has("by-owner")) {
    return UsageError("give exactly one of --by-time=GRANULARITY or --by-owner=SHARES");
  }
  if (by_time) {
    auto granularity = ParseOption(args, "by-time", ParseGranularity);
    auto weights = ParseOption(args, "weights", ParseIntList);
    if (!granularity.ok()) return granularity.status();
    if (!weights.ok()) return weights.status();
    auto* spec = request.mutable_by_time();
    spec->set_granularity(**granularity);
    if (*weights) spec->mutable_weights()->Add((*weights)->begin(), (*weights)->end());
    spec->set_skip_weekends(args.Flag("skip-weekends"));
  } else {
    if (args.Has("weights") || args.Has("skip-weekends")) {
      return UsageError("--weights and --skip-weekends go with --by-time");
    }
    auto shares = ParseOption(args, "by-owner", ParseShares);
    if (!shares.ok()) return shares.status();
    for (auto& share : **shares) *request.mutable_by_owner()->add_shares() = share;
  }
  return client.Call(&Stub::DecomposeTarget, request, [](const DecomposeTargetResponse& r) {
    std::cout << "parent " << r.parent().id() << ": " << r.parent().value() << " "
              << r.parent().unit() << ", " << r.children_size() << " children\n";
    PrintTargetTable(r.children());
  });
}

RunResult RecordActual(const Args& args, Client& client) {
  RecordActualRequest request;
  auto owner = ParseOption(args, "owner", ParseOwner);
  auto date = ParseOption(args, "date", ParseDate);
  auto value = ParseOption(args, "value", ParseQuantity);
  for (const absl::Status& s : {owner.status(), date.status(), value.status()}) {
    if (!s.ok()) return s;
  }
  *request.mutable_owner() = **owner;
  request.set_metric(args.GetOr("metric", ""));
  request.set_date(**date);
  request.set_value(**value);
  request.set_request_id(args.GetOr("request-id", RandomRequestId()));
  return client.Call(&Stub::RecordActual, request);
}

RunResult GetProgress(const Args& args, Client& client) {
  auto as_of = ParseOption(args, "as-of", ParseDate);
  if (!as_of.ok()) return as_of.status();
  if (args.positionals().size() == 1) {
    GetProgressRequest request;
    request.set_target_id(args.positionals()[0]);
    request.set_as_of(as_of->value_or(""));
    return client.Call(&Stub::GetProgress, request, PrintProgress);
  }
  BatchGetProgressRequest request;
  for (const std::string& id : args.positionals()) request.add_target_ids(id);
  request.set_as_of(as_of->value_or(""));
  return client.Call(&Stub::BatchGetProgress, request, PrintProgressTable);
}

}  // namespace

void AddTargetCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"target", "create"},
      .summary = "Create a target",
      .options =
          {
              {"owner", "OWNER", "org | org:ID | department:ID | employee:ID", true},
              {"metric", "NAME", "e.g. sales, signed_amount, new_customers", true},
              {"unit", "UNIT", "what the value counts, e.g. CNY, customers"},
              {"period", "PERIOD", "GRANULARITY:YYYY-MM-DD, e.g. YEAR:2026-01-01 or 2026-Q1", true},
              {"value", "N", kValueHelp, true},
              {"name", "TEXT", "optional label"},
              RequestIdOption(),
          },
      .run = CreateTarget,
      .details = "Example: opsctl target create --owner=org --metric=sales --unit=CNY "
                 "--period=YEAR:2026-01-01 --value=1.5亿\n"
                 "--value is sent as is: an integer in the target's unit (target.proto: for an "
                 "ISO 4217 unit such as CNY the server reads it as cents).",
  });
  commands->push_back({
      .path = {"target", "get"},
      .positional_usage = "ID",
      .summary = "Show a target",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = [](const Args& args, Client& client) -> RunResult {
        GetTargetRequest request;
        request.set_id(args.positionals()[0]);
        return client.Call(&Stub::GetTarget, request);
      },
  });
  std::vector<OptionSpec> list_options = {
      {"owner", "OWNER", "org | org:ID | department:ID | employee:ID"},
      {"metric", "NAME", "only this metric"},
      {"parent", "ID", "the children of this target"},
  };
  for (OptionSpec& page : PageOptions()) list_options.push_back(page);
  commands->push_back({
      .path = {"target", "list"},
      .summary = "List targets",
      .options = list_options,
      .run = ListTargets,
  });
  commands->push_back({
      .path = {"target", "decompose"},
      .positional_usage = "ID",
      .summary = "Split a target by time or by owner; the children sum exactly to it",
      .options =
          {
              {"by-time", "GRANULARITY",
               "children of this granularity: HALF, QUARTER, MONTH, "
               "WEEK or DAY"},
              {"weights", "W1,W2,...", "seasonality: one weight per child in date order"},
              {"skip-weekends", "", "with DAY children: no children on Saturdays and Sundays"},
              {"by-owner", "SHARES", "OWNER=WEIGHT,...: employee:A=60,employee:B=40"},
          },
      .min_positionals = 1,
      .max_positionals = 1,
      .run = DecomposeTarget,
      .details = "Examples:\n"
                 "  opsctl target decompose T1 --by-time=QUARTER --weights=1,3,3,3\n"
                 "  opsctl target decompose T1 --by-owner=department:D1=60,department:D2=40",
  });
  commands->push_back({
      .path = {"actual", "record"},
      .summary = "Record an actual for an owner, metric and day",
      .options =
          {
              {"owner", "OWNER", "org | department:ID | employee:ID", true},
              {"metric", "NAME", "e.g. sales", true},
              {"date", "YYYY-MM-DD", "the day it happened", true},
              {"value", "N", kValueHelp + std::string("; negative corrects"), true},
              {"request-id", "ID", "idempotency key (default: a random id)"},
          },
      .run = RecordActual,
  });
  commands->push_back({
      .path = {"progress"},
      .positional_usage = "TARGET_ID...",
      .summary = "How targets stand: actual, plan to date, completion, variance, status",
      .options = {{"as-of", "YYYY-MM-DD", "the day measured (default: today)"}},
      .min_positionals = 1,
      .max_positionals = Command::kAny,
      .run = GetProgress,
  });
}

}  // namespace opsuite::opsctl
