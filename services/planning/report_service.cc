#include "services/planning/report_service.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/period.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/timestamps.h"
#include "services/planning/domain/report_rules.h"

namespace opsuite::planning {
namespace {

using storage::Blob;
using storage::Rows;

constexpr v1::ReportKind kKinds[] = {v1::REPORT_KIND_DAILY, v1::REPORT_KIND_WEEKLY,
                                     v1::REPORT_KIND_MONTHLY};

std::string KindName(v1::ReportKind kind) {
  switch (kind) {
    case v1::REPORT_KIND_DAILY: return "DAILY";
    case v1::REPORT_KIND_WEEKLY: return "WEEKLY";
    case v1::REPORT_KIND_MONTHLY: return "MONTHLY";
    default: return "UNSPECIFIED";
  }
}

absl::StatusOr<v1::ReportPolicy> LoadPolicy(Tx& tx, const std::string& org, int64_t* version) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version, body FROM report_policies WHERE org_id = ?",
                                       {org}));
  if (rows.empty()) {
    if (version) *version = 0;
    v1::ReportPolicy p = DefaultReportPolicy();
    p.set_etag(EtagOf(0));
    return p;
  }
  v1::ReportPolicy p;
  if (!p.ParseFromString(rows[0].Text(1))) return absl::DataLossError("corrupt report policy");
  if (version) *version = rows[0].Int(0);
  return p;
}

absl::TimeZone ZoneOf(const v1::Employee& e) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(e.timezone().empty() ? "Asia/Shanghai" : e.timezone(), &tz)) {
    tz = DefaultOrgZone();
  }
  return tz;
}

// The day an employee joined, in their zone: nothing is due before it.
absl::CivilDay JoinedOn(const v1::Employee& e, const absl::TimeZone& tz) {
  return absl::ToCivilDay(FromProto(e.create_time()), tz);
}

}  // namespace

absl::Status ReportServiceImpl::DoSubmitReport(const Call& call, const v1::SubmitReportRequest& req,
                                               v1::Report* resp) {
  FieldViolations v;
  if (req.kind() == v1::REPORT_KIND_UNSPECIFIED || !v1::ReportKind_IsValid(req.kind())) {
    v.Add("kind", "must be DAILY, WEEKLY or MONTHLY");
  }
  if (req.content().empty()) v.Add("content", "must not be empty");
  if (req.content().size() > 20000) v.Add("content", "must be at most 20000 bytes");
  if (req.next_plan().size() > 20000) v.Add("next_plan", "must be at most 20000 bytes");
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(req.period_date(), "period_date"));
  ASSIGN_OR_RETURN(day, NormalizePeriodDate(req.kind(), day));
  std::string employee_id = req.employee_id().empty() ? call.principal.subject : req.employee_id();
  if (employee_id != call.principal.subject && !call.principal.SeesOrg()) {
    return absl::PermissionDeniedError("reports are submitted by their author (or an admin)");
  }
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "SubmitReport", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    auto employee = LoadEmployee(tx, org, employee_id);
    if (absl::IsNotFound(employee.status())) {
      return InvalidField("employee_id", absl::StrCat("no employee ", employee_id, " in this org"));
    }
    RETURN_IF_ERROR(employee.status());
    ASSIGN_OR_RETURN(v1::ReportPolicy policy, LoadPolicy(tx, org, nullptr));
    absl::Time now = ctx_->clock->Now();
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT body FROM reports WHERE org_id = ? AND "
                                         "employee_id = ? AND kind = ? AND period_date = ?",
                                         {org, employee_id, int64_t{req.kind()}, FormatDate(day)}));
    v1::Report r;
    if (!rows.empty()) {
      // An amendment: the content changes, on-time or late stays as first judged.
      if (!r.ParseFromString(rows[0].Text(0))) return absl::DataLossError("corrupt report");
      r.set_content(req.content());
      r.set_next_plan(req.next_plan());
      *r.mutable_update_time() = ToProto(now);
      RETURN_IF_ERROR(tx.Exec("UPDATE reports SET body = ? WHERE org_id = ? AND id = ?",
                              {Blob{r.SerializeAsString()}, org, r.id()})
                          .status());
    } else {
      absl::Time deadline = Deadline(policy, req.kind(), day, ZoneOf(*employee));
      r.set_id(NewId("rpt", now));
      r.set_employee_id(employee_id);
      r.set_kind(req.kind());
      r.set_period_date(FormatDate(day));
      r.set_content(req.content());
      r.set_next_plan(req.next_plan());
      *r.mutable_submit_time() = ToProto(now);
      *r.mutable_update_time() = ToProto(now);
      *r.mutable_deadline() = ToProto(deadline);
      r.set_late(IsLate(now, deadline));
      RETURN_IF_ERROR(tx.Exec("INSERT INTO reports (org_id, id, employee_id, kind, period_date, "
                              "late, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              {org, r.id(), employee_id, int64_t{r.kind()}, r.period_date(),
                               int64_t{r.late()}, Blob{r.SerializeAsString()}})
                          .status());
      if (r.late()) {
        google::protobuf::Struct p;
        Put(p, "report_id", r.id());
        Put(p, "employee_id", employee_id);
        Put(p, "manager_id", employee->manager_id());
        Put(p, "kind", KindName(r.kind()));
        Put(p, "period_date", r.period_date());
        Put(p, "deadline", absl::FormatTime("%Y-%m-%d %H:%M", deadline, ZoneOf(*employee)));
        RETURN_IF_ERROR(storage::AppendOutbox(
            tx, NewEvent(*ctx_->clock, "planning.report.late", org, employee_id,
                         call.principal.subject, std::move(p))));
      }
    }
    *resp = r;
    return storage::RememberIdempotent(tx, org, "SubmitReport", req.request_id(), *resp);
  });
}

absl::Status ReportServiceImpl::DoListReports(const Call& call, const v1::ListReportsRequest& req,
                                              v1::ListReportsResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  if (!req.from_date().empty()) RETURN_IF_ERROR(ParseDate(req.from_date(), "from_date").status());
  if (!req.to_date().empty()) RETURN_IF_ERROR(ParseDate(req.to_date(), "to_date").status());
  const std::string& org = call.principal.org;
  std::string employee_id = req.employee_id().empty() ? call.principal.subject : req.employee_id();
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    auto employee = LoadEmployee(tx, org, employee_id);
    if (absl::IsNotFound(employee.status())) {
      return absl::NotFoundError(absl::StrCat("employee ", employee_id, " not found"));
    }
    RETURN_IF_ERROR(employee.status());
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    RETURN_IF_ERROR(CanRead(call.principal, *tree, *employee));
    std::string sql = "SELECT id, body FROM reports WHERE org_id = ? AND employee_id = ? AND id > ?";
    std::vector<storage::Value> params = {org, employee_id, after};
    if (req.kind() != v1::REPORT_KIND_UNSPECIFIED) {
      sql += " AND kind = ?";
      params.push_back(int64_t{req.kind()});
    }
    if (!req.from_date().empty()) {
      sql += " AND period_date >= ?";
      params.push_back(req.from_date());
    }
    if (!req.to_date().empty()) {
      sql += " AND period_date <= ?";
      params.push_back(req.to_date());
    }
    sql += " ORDER BY id LIMIT ?";
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    return FillPage(rows, size, "report", [&] { return resp->add_reports(); },
                    resp->mutable_next_page_token());
  });
}

absl::Status ReportServiceImpl::Compliance(Tx& tx, const Call& call, const OrgTree& tree,
                                           const v1::ReportPolicy& policy,
                                           const std::string& employee_id,
                                           const common::v1::Period& period,
                                           v1::ReportCompliance* out) {
  const std::string& org = call.principal.org;
  auto employee = LoadEmployee(tx, org, employee_id);
  if (absl::IsNotFound(employee.status())) {
    return absl::NotFoundError(absl::StrCat("employee ", employee_id, " not found"));
  }
  RETURN_IF_ERROR(employee.status());
  RETURN_IF_ERROR(CanRead(call.principal, tree, *employee));
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(period, "period"));
  absl::TimeZone tz = ZoneOf(*employee);
  range.first = std::max(range.first, JoinedOn(*employee, tz));
  out->set_employee_id(employee_id);
  *out->mutable_period() = period;
  if (range.first > range.last) return absl::OkStatus();
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT kind, period_date, late FROM reports WHERE org_id = ? "
                                       "AND employee_id = ? AND period_date >= ? AND "
                                       "period_date <= ?",
                                       {org, employee_id,
                                        // A week due on a Saturday in range may start before it.
                                        FormatDate(std::min(IsoWeekStart(range.first),
                                                            absl::CivilDay(range.first.year(),
                                                                           range.first.month(), 1))),
                                        FormatDate(range.last)}));
  absl::Time now = ctx_->clock->Now();
  for (v1::ReportKind kind : kKinds) {
    std::map<absl::CivilDay, bool> submitted;
    for (const auto& row : rows) {
      if (row.Int(0) != kind) continue;
      auto d = ParseDate(row.Text(1), "period_date");
      if (d.ok()) submitted[*d] = row.Int(2) != 0;
    }
    auto due = DuePeriods(policy, kind, range, now, tz);
    SetCompliance(kind, CountCompliance(due, submitted), out);
  }
  return absl::OkStatus();
}

absl::Status ReportServiceImpl::DoGetReportCompliance(const Call& call,
                                                      const v1::GetReportComplianceRequest& req,
                                                      v1::ReportCompliance* resp) {
  if (req.employee_id().empty()) return InvalidField("employee_id", "must name an employee");
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, call.principal.org));
    ASSIGN_OR_RETURN(v1::ReportPolicy policy, LoadPolicy(tx, call.principal.org, nullptr));
    return Compliance(tx, call, *tree, policy, req.employee_id(), req.period(), resp);
  });
}

absl::Status ReportServiceImpl::DoBatchGetReportCompliance(
    const Call& call, const v1::BatchGetReportComplianceRequest& req,
    v1::BatchGetReportComplianceResponse* resp) {
  RETURN_IF_ERROR(CheckIdList(req.employee_ids(), "employee_ids"));
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, call.principal.org));
    ASSIGN_OR_RETURN(v1::ReportPolicy policy, LoadPolicy(tx, call.principal.org, nullptr));
    for (const std::string& id : req.employee_ids()) {
      RETURN_IF_ERROR(Compliance(tx, call, *tree, policy, id, req.period(), resp->add_compliance()));
    }
    return absl::OkStatus();
  });
}

absl::Status ReportServiceImpl::DoCheckReportDeadlines(const Call& call,
                                                       const v1::CheckReportDeadlinesRequest& req,
                                                       v1::CheckReportDeadlinesResponse* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "check report deadlines"));
  absl::Time as_of = req.has_as_of() ? FromProto(req.as_of()) : ctx_->clock->Now();
  const std::string& org = call.principal.org;
  // One transaction per page of employees keeps each write short.
  std::string after;
  for (;;) {
    bool more = false;
    RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(v1::ReportPolicy policy, LoadPolicy(tx, org, nullptr));
      ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, body FROM employees WHERE org_id = ? AND "
                                           "id > ? ORDER BY id LIMIT 200",
                                           {org, after}));
      more = rows.size() == 200;
      for (const auto& row : rows) {
        after = row.Text(0);
        v1::Employee e;
        if (!e.ParseFromString(row.Text(1))) return absl::DataLossError("corrupt employee");
        resp->set_employees_checked(resp->employees_checked() + 1);
        absl::TimeZone tz = ZoneOf(e);
        absl::CivilDay today = absl::ToCivilDay(as_of, tz);
        DateRange window{std::max(today - kLookbackDays, JoinedOn(e, tz)), today};
        if (window.first > window.last) continue;
        for (v1::ReportKind kind : kKinds) {
          for (absl::CivilDay day : DuePeriods(policy, kind, window, as_of, tz)) {
            std::string date = FormatDate(day);
            ASSIGN_OR_RETURN(Rows have, tx.Query("SELECT 1 FROM reports WHERE org_id = ? AND "
                                                 "employee_id = ? AND kind = ? AND period_date = ?",
                                                 {org, e.id(), int64_t{kind}, date}));
            if (!have.empty()) continue;
            ASSIGN_OR_RETURN(int64_t inserted,
                             tx.Exec("INSERT INTO report_missing (org_id, employee_id, kind, "
                                     "period_date, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                                     "DO NOTHING",
                                     {org, e.id(), int64_t{kind}, date, absl::ToUnixMillis(as_of)}));
            if (inserted == 0) continue;  // recorded by an earlier check
            absl::Time deadline = Deadline(policy, kind, day, tz);
            v1::MissingReport* m = resp->add_newly_missing();
            m->set_employee_id(e.id());
            m->set_kind(kind);
            m->set_period_date(date);
            *m->mutable_deadline() = ToProto(deadline);
            google::protobuf::Struct p;
            Put(p, "employee_id", e.id());
            Put(p, "employee_name", e.name());
            Put(p, "manager_id", e.manager_id());
            Put(p, "kind", KindName(kind));
            Put(p, "period_date", date);
            Put(p, "deadline", absl::FormatTime("%Y-%m-%d %H:%M", deadline, tz));
            RETURN_IF_ERROR(storage::AppendOutbox(
                tx, NewEvent(*ctx_->clock, "planning.report.missing", org, e.id(),
                             call.principal.subject, std::move(p))));
          }
        }
      }
      return absl::OkStatus();
    }));
    if (!more) break;
  }
  return absl::OkStatus();
}

absl::Status ReportServiceImpl::DoGetReportPolicy(const Call& call,
                                                  const v1::GetReportPolicyRequest&,
                                                  v1::ReportPolicy* resp) {
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadPolicy(tx, call.principal.org, nullptr));
    return absl::OkStatus();
  });
}

absl::Status ReportServiceImpl::DoUpdateReportPolicy(const Call& call,
                                                     const v1::UpdateReportPolicyRequest& req,
                                                     v1::ReportPolicy* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "change the report policy", false));
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask", "name the fields to change, e.g. \"daily_deadline\"");
  }
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    int64_t version = 0;
    ASSIGN_OR_RETURN(v1::ReportPolicy policy, LoadPolicy(tx, org, &version));
    RETURN_IF_ERROR(CheckEtag(req.policy().etag(), version, "the report policy"));
    const v1::ReportPolicy& in = req.policy();
    for (int i = 0; i < req.update_mask().paths_size(); ++i) {
      const std::string& p = req.update_mask().paths(i);
      if (p == "daily_deadline") policy.set_daily_deadline(in.daily_deadline());
      else if (p == "daily_weekdays") *policy.mutable_daily_weekdays() = in.daily_weekdays();
      else if (p == "weekly_deadline_weekday") policy.set_weekly_deadline_weekday(in.weekly_deadline_weekday());
      else if (p == "weekly_deadline") policy.set_weekly_deadline(in.weekly_deadline());
      else if (p == "monthly_deadline") policy.set_monthly_deadline(in.monthly_deadline());
      else if (p == "weekly_required") policy.set_weekly_required(in.weekly_required());
      else if (p == "monthly_required") policy.set_monthly_required(in.monthly_required());
      else return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                               absl::StrCat("\"", p, "\" is not a policy field"));
    }
    RETURN_IF_ERROR(PrefixFields(ValidateReportPolicy(policy), "policy"));
    policy.set_etag(EtagOf(version + 1));
    RETURN_IF_ERROR(tx.Exec("INSERT INTO report_policies (org_id, version, body) VALUES (?, ?, ?) "
                            "ON CONFLICT (org_id) DO UPDATE SET version = excluded.version, "
                            "body = excluded.body",
                            {org, version + 1, Blob{policy.SerializeAsString()}})
                        .status());
    *resp = policy;
    return absl::OkStatus();
  });
}

}  // namespace opsuite::planning
