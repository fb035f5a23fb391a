// opsctl activity ... / visits ... / stats activity: opsuite.crm.v1.ActivityService (calls,
// visits and meetings, due visits by tier, activity statistics).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "opsuite/crm/v1/activity.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::crm::v1::Activity;
using ::opsuite::crm::v1::ActivityService;
using ::opsuite::crm::v1::ActivityStats;
using ::opsuite::crm::v1::BatchGetActivityStatsResponse;
using ::opsuite::crm::v1::DueVisit;
using ::opsuite::crm::v1::ListActivitiesResponse;
using ::opsuite::crm::v1::ListDueVisitsResponse;
using ::opsuite::crm::v1::SweepOverdueVisitsResponse;
using Stub = ActivityService::Stub;

const std::vector<Column<Activity>>& ActivityColumns() {
  static const auto* columns = new std::vector<Column<Activity>>{
      {"ID", [](const Activity& a) { return a.id(); }},
      {"TIME", [](const Activity& a) { return FormatTimestamp(a.occurred_at()); }},
      {"CUSTOMER", [](const Activity& a) { return a.customer_id(); }},
      {"EMPLOYEE", [](const Activity& a) { return a.employee_id(); }},
      {"KIND",
       [](const Activity& a) {
         return ShortEnumName(crm::v1::ActivityKind_descriptor(), a.kind());
       }},
      {"EFFECTIVE", [](const Activity& a) { return a.effective() ? "yes" : ""; }},
      {"NEXT FOLLOW-UP", [](const Activity& a) { return FormatTimestamp(a.next_follow_up_at()); }},
      {"SUMMARY",
       [](const Activity& a) {
         return absl::StrReplaceAll(a.summary(), {{"\n", " "}});
       }},
  };
  return *columns;
}

const std::vector<Column<DueVisit>>& DueVisitColumns() {
  static const auto* columns = new std::vector<Column<DueVisit>>{
      {"CUSTOMER", [](const DueVisit& d) { return d.customer_id(); }},
      {"NAME", [](const DueVisit& d) { return d.customer_name(); }},
      {"TIER",
       [](const DueVisit& d) { return ShortEnumName(crm::v1::Tier_descriptor(), d.tier()); }},
      {"OWNER", [](const DueVisit& d) { return d.owner_id(); }},
      {"LAST VISIT",
       [](const DueVisit& d) {
         return d.has_last_visit_time() ? FormatTimestamp(d.last_visit_time()) : "never";
       }},
      {"DUE", [](const DueVisit& d) { return d.due_date(); }},
      {"DAYS OVERDUE", [](const DueVisit& d) { return absl::StrCat(d.days_overdue()); }},
  };
  return *columns;
}

const std::vector<Column<ActivityStats>>& StatsColumns() {
  using S = ActivityStats;
  static const auto* columns = new std::vector<Column<S>>{
      {"EMPLOYEE", [](const S& s) { return s.employee_id(); }},
      {"PERIOD", [](const S& s) { return FormatPeriod(s.period()); }},
      {"CALLS", [](const S& s) { return absl::StrCat(s.calls()); }},
      {"EFFECTIVE CALLS", [](const S& s) { return absl::StrCat(s.effective_calls()); }},
      {"VISITS", [](const S& s) { return absl::StrCat(s.visits()); }},
      {"MEETINGS", [](const S& s) { return absl::StrCat(s.meetings()); }},
      {"FOLLOW-UPS", [](const S& s) { return absl::StrCat(s.follow_ups()); }},
      {"NEW CUSTOMERS", [](const S& s) { return absl::StrCat(s.new_customers()); }},
      {"WORKING DAYS", [](const S& s) { return absl::StrCat(s.working_days()); }},
      {"CALL QUOTA", [](const S& s) { return FormatPercent(s.effective_call_quota_ratio()); }},
      {"VISIT QUOTA", [](const S& s) { return FormatPercent(s.visit_quota_ratio()); }},
  };
  return *columns;
}

void PrintActivity(const Activity& activity) {
  std::cout << RenderKeyValues(RecordFields(ActivityColumns(), activity));
}

const std::vector<FieldOption>& LogFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"customer", "customer_id", "ID", "the customer", true},
      {"kind", "kind", "KIND", "CALL | VISIT | MEETING | EMAIL | FOLLOW_UP", true},
      {"effective", "effective", "",
       "it reached the customer and moved things on (resets the idle clock)"},
      {"summary", "summary", "TEXT", "what happened: the process, problems, the customer's views"},
      {"at", "occurred_at", "RFC3339", "when, e.g. 2026-03-02T15:00:00+08:00 (default: now)"},
      {"next-follow-up", "next_follow_up_at", "RFC3339", "when to follow up next"},
      {"employee", "employee_id", "ID", "on behalf of (admin or service only)"},
      AsField(RequestIdOption(), "request_id"),
  };
  return *fields;
}

const std::vector<FieldOption>& ListFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"customer", "customer_id", "ID", "this customer's activities"},
      {"employee", "employee_id", "ID", "this employee's activities"},
      {"from", "from_time", "RFC3339", "from this moment, inclusive"},
      {"to", "to_time", "RFC3339", "until this moment, exclusive"},
  };
  return *fields;
}

FieldOption AsOfDayField(std::string help) {
  return {"as-of", "as_of", "YYYY-MM-DD", std::move(help), false, ParseDate};
}

}  // namespace

void AddActivityCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"activity", "log"},
      .summary = "Log a call, visit, meeting, email or follow-up with a customer",
      .options = FieldOptionSpecs(LogFields(), true),
      .run = CallWithFields(&Stub::LogActivity, {}, LogFields(), PrintActivity),
      .details = "Example: opsctl activity log --customer=C7 --kind=VISIT --effective "
                 "--summary='谈了新品报价' --next-follow-up=2026-03-09T10:00:00+08:00",
  });
  commands->push_back({
      .path = {"activity", "list"},
      .summary = "List activities by customer or by employee, in a time range",
      .options = Join(FieldOptionSpecs(ListFields(), false), PageOptions()),
      .run = CallWithFields(&Stub::ListActivities, {}, ListFields(),
                            [](const ListActivitiesResponse& r) {
                              std::cout << RenderTable(ActivityColumns(), r.activities());
                              PrintNextPage(r.next_page_token());
                            }),
  });
  const std::vector<FieldOption> due_fields = {
      {"owner", "owner_id", "ID", "whose customers (default: yours)"},
      AsOfDayField("the day judged (default: today, Asia/Shanghai)")};
  commands->push_back({
      .path = {"visits", "due"},
      .summary = "Customers whose visit interval (by tier, crm policy) has run out",
      .options = Join(FieldOptionSpecs(due_fields, false), PageOptions()),
      .run = CallWithFields(&Stub::ListDueVisits, {}, due_fields,
                            [](const ListDueVisitsResponse& r) {
                              std::cout << RenderTable(DueVisitColumns(), r.due_visits());
                              PrintNextPage(r.next_page_token());
                            }),
  });
  const std::vector<FieldOption> sweep_fields = {AsOfDayField("the day judged (default: today)"),
                                                 AsField(RequestIdOption(), "request_id")};
  commands->push_back({
      .path = {"visits", "sweep"},
      .summary = "Notify owners of newly overdue visits and escalate old ones (what the "
                 "scheduler runs)",
      .options = FieldOptionSpecs(sweep_fields, false),
      .run = CallWithFields(&Stub::SweepOverdueVisits, {}, sweep_fields,
                            [](const SweepOverdueVisitsResponse& r) {
                              std::cout << "newly overdue: " << r.newly_overdue()
                                        << ", escalated: " << r.escalated() << "\n";
                            }),
  });
  const std::vector<FieldOption> stats_fields = {
      {"period", "period", "PERIOD", "e.g. 2026-03 or MONTH:2026-03-01", true}};
  commands->push_back({
      .path = {"stats", "activity"},
      .positional_usage = "EMPLOYEE_ID...",
      .summary = "Calls, visits and quota attainment in a period (several employees: a table)",
      .options = FieldOptionSpecs(stats_fields, true),
      .min_positionals = 1,
      .max_positionals = Command::kAny,
      .run = ByCount(CallWithFields(&Stub::GetActivityStats, {"employee_id"}, stats_fields,
                                    [](const ActivityStats& s) {
                                      std::cout << RenderKeyValues(RecordFields(StatsColumns(), s));
                                    }),
                     CallWithFields(&Stub::BatchGetActivityStats, {"employee_ids"}, stats_fields,
                                    [](const BatchGetActivityStatsResponse& r) {
                                      std::cout << RenderTable(StatsColumns(), r.stats());
                                    })),
  });
}

}  // namespace opsuite::opsctl
