// opsctl report ...: opsuite.planning.v1.ReportService (daily, weekly and monthly reports).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "opsuite/planning/v1/report.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::opsuite::planning::v1::BatchGetReportComplianceRequest;
using ::opsuite::planning::v1::BatchGetReportComplianceResponse;
using ::opsuite::planning::v1::CheckReportDeadlinesRequest;
using ::opsuite::planning::v1::CheckReportDeadlinesResponse;
using ::opsuite::planning::v1::GetReportComplianceRequest;
using ::opsuite::planning::v1::ListReportsRequest;
using ::opsuite::planning::v1::ListReportsResponse;
using ::opsuite::planning::v1::Report;
using ::opsuite::planning::v1::ReportCompliance;
using ::opsuite::planning::v1::ReportPolicy;
using ::opsuite::planning::v1::ReportService;
using ::opsuite::planning::v1::SubmitReportRequest;
using Stub = ReportService::Stub;

std::string KindName(int kind) {
  return ShortEnumName(planning::v1::ReportKind_descriptor(), kind);
}

void PrintReportTable(const ListReportsResponse& response) {
  Table table({"ID", "EMPLOYEE", "KIND", "DATE", "SUBMITTED", "LATE", "CONTENT"});
  for (const Report& r : response.reports()) {
    std::string content = absl::StrReplaceAll(r.content(), {{"\n", " "}});
    table.AddRow({r.id(), r.employee_id(), KindName(r.kind()), r.period_date(),
                  FormatTimestamp(r.submit_time()), r.late() ? "late" : "", content});
  }
  std::cout << table.Render();
  PrintNextPage(response.next_page_token());
}

void PrintComplianceTable(const BatchGetReportComplianceResponse& response) {
  Table table({"EMPLOYEE", "PERIOD", "DAILY MISSING", "DAILY LATE", "WEEKLY MISSING", "WEEKLY LATE",
               "MONTHLY MISSING", "MONTHLY LATE"});
  for (const ReportCompliance& c : response.compliance()) {
    // "missing/expected" reads as "2 of the 20 due".
    table.AddRow(
        {c.employee_id(), FormatPeriod(c.period()),
         absl::StrCat(c.daily_missing(), "/", c.daily_expected()), absl::StrCat(c.daily_late()),
         absl::StrCat(c.weekly_missing(), "/", c.weekly_expected()), absl::StrCat(c.weekly_late()),
         absl::StrCat(c.monthly_missing(), "/", c.monthly_expected()),
         absl::StrCat(c.monthly_late())});
  }
  std::cout << table.Render();
}

void PrintDeadlineCheck(const CheckReportDeadlinesResponse& response) {
  std::cout << "employees checked: " << response.employees_checked()
            << ", newly missing: " << response.newly_missing_size() << "\n";
  if (response.newly_missing_size() == 0) return;
  Table table({"EMPLOYEE", "KIND", "DATE", "DEADLINE"});
  for (const auto& m : response.newly_missing()) {
    table.AddRow(
        {m.employee_id(), KindName(m.kind()), m.period_date(), FormatTimestamp(m.deadline())});
  }
  std::cout << table.Render();
}

std::string PolicyFieldHelp(const std::string& field) {
  if (field == "daily_deadline") return "daily reports due by HH:MM the same day (21:00)";
  if (field == "daily_weekdays") return "ISO weekdays a daily report is due, 1=Mon..7=Sun";
  if (field == "weekly_deadline_weekday") return "ISO weekday of the weekly deadline (6=Sat)";
  if (field == "weekly_deadline") return "weekly reports due by HH:MM that day (18:00)";
  if (field == "monthly_deadline") return "monthly reports due by HH:MM on the last day";
  if (field == "weekly_required") return "whether weekly reports are required";
  if (field == "monthly_required") return "whether monthly reports are required";
  return absl::StrCat("sets ", field);
}

// One option per settable field of ReportPolicy: --daily-deadline sets daily_deadline.
// Times are in each employee's own timezone.
const std::vector<FieldOption>& PolicyFields() {
  static const auto* fields = new std::vector<FieldOption>(
      MessageFieldOptions(ReportPolicy::descriptor(), [](const FieldDescriptor* f) -> FieldDoc {
        return {f->is_repeated()                                   ? "N,N,..."
                : f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL   ? "true|false"
                : f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ? "HH:MM"
                                                                   : "N",
                PolicyFieldHelp(f->name())};
      }));
  return *fields;
}

RunResult SubmitReport(const Args& args, Client& client) {
  SubmitReportRequest request;
  if (absl::Status s = SetFieldFromText(&request, "kind", args.GetOr("kind", "")); !s.ok()) {
    return UsageError(absl::StrCat("--", s.message()));
  }
  auto date = ParseOption(args, "date", ParseDate);
  if (!date.ok()) return date.status();
  request.set_period_date(**date);
  request.set_content(args.GetOr("content", ""));
  request.set_next_plan(args.GetOr("next-plan", ""));
  request.set_employee_id(args.GetOr("employee", ""));
  request.set_request_id(args.GetOr("request-id", RandomRequestId()));
  return client.Call(&Stub::SubmitReport, request);
}

RunResult ListReports(const Args& args, Client& client) {
  ListReportsRequest request;
  request.set_employee_id(args.GetOr("employee", ""));
  if (std::optional<std::string> kind = args.Get("kind")) {
    if (absl::Status s = SetFieldFromText(&request, "kind", *kind); !s.ok()) {
      return UsageError(absl::StrCat("--", s.message()));
    }
  }
  auto from = ParseOption(args, "from", ParseDate);
  auto to = ParseOption(args, "to", ParseDate);
  if (!from.ok()) return from.status();
  if (!to.ok()) return to.status();
  request.set_from_date(from->value_or(""));
  request.set_to_date(to->value_or(""));
  if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
  return client.Call(&Stub::ListReports, request, PrintReportTable);
}

RunResult Compliance(const Args& args, Client& client) {
  auto period = ParseOption(args, "period", ParsePeriod);
  if (!period.ok()) return period.status();
  if (args.positionals().size() == 1) {
    GetReportComplianceRequest request;
    request.set_employee_id(args.positionals()[0]);
    *request.mutable_period() = **period;
    return client.Call(&Stub::GetReportCompliance, request);
  }
  BatchGetReportComplianceRequest request;
  for (const std::string& id : args.positionals()) request.add_employee_ids(id);
  *request.mutable_period() = **period;
  return client.Call(&Stub::BatchGetReportCompliance, request, PrintComplianceTable);
}

RunResult CheckDeadlines(const Args& args, Client& client) {
  CheckReportDeadlinesRequest request;
  auto as_of = ParseOption(args, "as-of", ParseInstant);
  if (!as_of.ok()) return as_of.status();
  if (*as_of) *request.mutable_as_of() = ToProtoTimestamp(**as_of);
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&Stub::CheckReportDeadlines, request, PrintDeadlineCheck);
}

}  // namespace

void AddReportCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"report", "submit"},
      .summary = "Submit (or amend) a daily, weekly or monthly report",
      .options =
          {
              {"kind", "KIND", "DAILY | WEEKLY | MONTHLY", true},
              {"date", "YYYY-MM-DD", "the day; the Monday of the week; the 1st of the month", true},
              {"content", "TEXT", "what was done", true},
              {"next-plan", "TEXT", "what comes next"},
              {"employee", "ID", "on behalf of (admin or service only)"},
              {"request-id", "ID", "idempotency key (default: a random id)"},
          },
      .run = SubmitReport,
  });
  std::vector<OptionSpec> list_options = {
      {"employee", "ID", "whose reports (default: the caller)"},
      {"kind", "KIND", "DAILY | WEEKLY | MONTHLY"},
      {"from", "YYYY-MM-DD", "first day, inclusive"},
      {"to", "YYYY-MM-DD", "last day, inclusive"},
  };
  for (OptionSpec& page : PageOptions()) list_options.push_back(page);
  commands->push_back({
      .path = {"report", "list"},
      .summary = "List reports",
      .options = list_options,
      .run = ListReports,
  });
  commands->push_back({
      .path = {"report", "compliance"},
      .positional_usage = "EMPLOYEE_ID...",
      .summary = "Missing and late reports in a period (several employees: a table)",
      .options = {{"period", "PERIOD", "e.g. MONTH:2026-03-01 or 2026-03", true}},
      .min_positionals = 1,
      .max_positionals = Command::kAny,
      .run = Compliance,
  });
  commands->push_back({
      .path = {"report", "check-deadlines"},
      .summary = "Record reports missing at their deadline (what the scheduler runs)",
      .options = {{"as-of", "RFC3339",
                   "the moment to judge at, e.g. 2026-03-02T21:00:00+08:00 "
                   "(default: now)"},
                  RequestIdOption()},
      .run = CheckDeadlines,
  });
  AddPolicyCommands(commands, "report", &Stub::GetReportPolicy, &Stub::UpdateReportPolicy,
                    PolicyFields(),
                    {.get_summary = "Show the org's report deadline policy",
                     .set_summary = "Change the report deadline policy (admin)",
                     .set_details = "Example: opsctl report policy set --daily-deadline=20:30 "
                                    "--daily-weekdays=1,2,3,4,5,6"});
}

}  // namespace opsuite::opsctl
