#include "services/crm/activity_service.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/auth/rbac.h"
#include "common/ids.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/storage/page.h"
#include "common/timestamps.h"
#include "services/crm/activity_rules.h"
#include "services/crm/customer_text.h"
#include "services/crm/domain/visit_rules.h"

namespace opsuite::crm {
namespace {

using storage::Blob;
using storage::Rows;

constexpr size_t kMaxSummaryBytes = 20000;
constexpr int kMaxBatchGet = 1000;
// An activity before 2000 is a typo (0200 for 2020), not history.
constexpr int64_t kEarliestActivitySeconds = 946684800;  // 2000-01-01T00:00:00Z
// google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

bool ValidTimestamp(const google::protobuf::Timestamp& t) {
  return t.seconds() >= kMinTimestampSeconds && t.seconds() <= kMaxTimestampSeconds &&
         t.nanos() >= 0 && t.nanos() <= 999999999;
}

// FromProto for client input: no overflow far from now (FromProto goes through int64 nanos).
absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// `as_of` (YYYY-MM-DD), or today in the org's zone when empty.
absl::StatusOr<absl::CivilDay> AsOfDay(const std::string& as_of, const Clock& clock,
                                       absl::TimeZone tz) {
  if (as_of.empty()) return absl::ToCivilDay(clock.Now(), tz);
  return ParseDate(as_of, "as_of");
}

// ListDueVisits computes its list, so its page tokens carry an offset into it.
absl::StatusOr<int64_t> DecodeOffsetToken(const std::string& token) {
  ASSIGN_OR_RETURN(std::string text, DecodePageToken(token));
  if (text.empty()) return 0;
  int64_t offset = 0;
  if (!absl::SimpleAtoi(text, &offset) || offset < 0) {
    return InvalidField("page_token", "is not a token from a previous ListDueVisits page");
  }
  return offset;
}

// The day a customer's next visit is due (nullopt: its tier has no visit interval).
std::optional<absl::CivilDay> DueDateOf(const v1::CrmPolicy& policy, const v1::Customer& c,
                                        int64_t last_visit_ms, int64_t assigned_ms,
                                        absl::TimeZone tz) {
  return VisitDueDate(policy, c.tier(),
                      VisitBaseDay(last_visit_ms, assigned_ms, c.create_time(), tz));
}

google::protobuf::Struct OverduePayload(const v1::Customer& c, absl::CivilDay due,
                                        int64_t days_overdue, const std::string& recipient) {
  google::protobuf::Struct p;
  Put(p, "customer_id", c.id());
  Put(p, "customer_name", c.name());
  Put(p, "tier", TierName(c.tier()));
  Put(p, "owner_id", c.owner_id());
  Put(p, "due_date", FormatDate(due));
  PutNumber(p, "days_overdue", static_cast<double>(days_overdue));
  Put(p, "recipient", recipient);
  return p;
}

}  // namespace

absl::StatusOr<bool> ActivityServiceImpl::SeesEmployee(const auth::Principal& p,
                                                       const std::string& employee_id) {
  if (p.SeesOrg() || (!employee_id.empty() && employee_id == p.subject)) return true;
  if (employee_id.empty()) return false;
  auto employee = ctx_->directory->GetEmployee(p.org, employee_id);
  // Someone of another org (or nobody) is NOT_FOUND, as OrderService::CanSeeEmployee answers,
  // never a PERMISSION_DENIED (DESIGN.md §7).
  if (absl::IsNotFound(employee.status())) {
    return absl::NotFoundError(absl::StrCat("employee ", employee_id, " not found"));
  }
  RETURN_IF_ERROR(employee.status());
  ASSIGN_OR_RETURN(auto tree, ctx_->directory->Tree(p.org));
  return auth::RelationTo(p, *tree,
                          {employee_id, employee->department_id(), employee->manager_id()}) !=
         auth::Relation::kNone;
}

absl::StatusOr<std::string> ActivityServiceImpl::ManagerOf(const std::string& org,
                                                           const std::string& owner_id) {
  auto employee = ctx_->directory->GetEmployee(org, owner_id);
  if (absl::IsNotFound(employee.status())) return std::string();  // left the org
  RETURN_IF_ERROR(employee.status());
  ASSIGN_OR_RETURN(auto tree, ctx_->directory->Tree(org));
  return EscalationManager(*tree, {owner_id, employee->department_id(), employee->manager_id()});
}

absl::Status ActivityServiceImpl::DoLogActivity(const Call& call, const v1::LogActivityRequest& req,
                                                v1::Activity* resp) {
  const auth::Principal& principal = call.principal;
  const absl::Time now = ctx_->clock->Now();
  FieldViolations v;
  if (req.kind() == v1::ACTIVITY_KIND_UNSPECIFIED || !v1::ActivityKind_IsValid(req.kind())) {
    v.Add("kind", "must be CALL, VISIT, MEETING, EMAIL or FOLLOW_UP");
  }
  if (req.customer_id().empty()) v.Add("customer_id", "must name a customer");
  if (req.summary().size() > kMaxSummaryBytes) {
    v.Add("summary", absl::StrCat("must be at most ", kMaxSummaryBytes, " bytes"));
  }
  absl::Time occurred = now;
  if (req.has_occurred_at()) {
    if (!ValidTimestamp(req.occurred_at())) {
      v.Add("occurred_at", "is not a valid timestamp");
    } else {
      occurred = TimeOf(req.occurred_at());
      if (occurred > now + kFutureTolerance) {
        v.Add("occurred_at", "must not be in the future");
      } else if (occurred < absl::FromUnixSeconds(kEarliestActivitySeconds)) {
        v.Add("occurred_at", "must not be before 2000-01-01");
      }
    }
  }
  if (req.has_next_follow_up_at()) {
    if (!ValidTimestamp(req.next_follow_up_at())) {
      v.Add("next_follow_up_at", "is not a valid timestamp");
    } else if (TimeOf(req.next_follow_up_at()) < occurred) {
      v.Add("next_follow_up_at", "must not be before occurred_at");
    }
  }
  if (req.employee_id().empty() && principal.IsService() && !principal.IsAdmin()) {
    v.Add("employee_id", "a service logs activities on behalf of an employee: name them");
  }
  RETURN_IF_ERROR(v.ToStatus());

  const std::string& org = principal.org;
  const std::string employee_id = req.employee_id().empty() ? principal.subject : req.employee_id();
  if (employee_id != principal.subject) {
    if (!principal.SeesOrg()) {
      return absl::PermissionDeniedError(
          "an activity is logged by the employee who made it (admins and services may name "
          "another employee)");
    }
    auto employee = ctx_->directory->GetEmployee(org, employee_id);
    if (absl::IsNotFound(employee.status())) {
      return InvalidField("employee_id", absl::StrCat("no employee ", employee_id, " in this org"));
    }
    RETURN_IF_ERROR(employee.status());
  }
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, principal));

  bool customer_changed = false;
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    customer_changed = false;
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "LogActivity", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.customer_id()));
    if (!view.Sees(row.customer.owner_id(), row.owner_path)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "customer ", req.customer_id(), " belongs to someone outside the teams you manage"));
    }
    v1::Activity a;
    a.set_id(NewId("act", now));
    a.set_customer_id(req.customer_id());
    a.set_employee_id(employee_id);
    a.set_kind(req.kind());
    *a.mutable_occurred_at() = ToProto(occurred);
    a.set_effective(req.effective());
    a.set_summary(req.summary());
    if (req.has_next_follow_up_at()) *a.mutable_next_follow_up_at() = req.next_follow_up_at();
    *a.mutable_create_time() = ToProto(now);
    const int64_t occurred_ms = absl::ToUnixMillis(occurred);
    RETURN_IF_ERROR(tx.Exec("INSERT INTO activities (org_id, id, customer_id, employee_id, kind, "
                            "effective, occurred_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            {org, a.id(), a.customer_id(), employee_id, int64_t{a.kind()},
                             int64_t{a.effective()}, occurred_ms, Blob{a.SerializeAsString()}})
                        .status());
    // An effective activity resets the idle clock; one logged late never moves it back.
    v1::Customer& c = row.customer;
    if (a.effective() && (!c.has_last_effective_activity_time() ||
                          occurred > FromProto(c.last_effective_activity_time()))) {
      *c.mutable_last_effective_activity_time() = a.occurred_at();
      RETURN_IF_ERROR(SaveChangedCustomer(tx, *ctx_->folder, org, row, now));
      customer_changed = true;
    }
    // A visit made is a visit, effective or not: it moves the next visit's due date. Only the
    // store keeps it (the customer resource has no such field), so the etag stays.
    if (a.kind() == v1::ACTIVITY_KIND_VISIT) {
      RETURN_IF_ERROR(tx.Exec("UPDATE customers SET last_visit_at = ? WHERE org_id = ? AND "
                              "id = ? AND last_visit_at < ?",
                              {occurred_ms, org, a.customer_id(), occurred_ms})
                          .status());
    }
    *resp = a;
    return storage::RememberIdempotent(tx, org, "LogActivity", req.request_id(), *resp);
  }));
  if (customer_changed) ctx_->cache->Delete({CustomerKey(org, req.customer_id())});
  return absl::OkStatus();
}

absl::Status ActivityServiceImpl::DoListActivities(const Call& call,
                                                   const v1::ListActivitiesRequest& req,
                                                   v1::ListActivitiesResponse* resp) {
  const auth::Principal& principal = call.principal;
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  if (req.customer_id().empty() && req.employee_id().empty()) {
    return InvalidField("customer_id", "name a customer_id or an employee_id (or both)");
  }
  FieldViolations v;
  if (req.has_from_time() && !ValidTimestamp(req.from_time())) {
    v.Add("from_time", "is not a valid timestamp");
  }
  if (req.has_to_time() && !ValidTimestamp(req.to_time())) {
    v.Add("to_time", "is not a valid timestamp");
  }
  RETURN_IF_ERROR(v.ToStatus());
  if (req.has_from_time() && req.has_to_time() &&
      TimeOf(req.to_time()) <= TimeOf(req.from_time())) {
    return InvalidField("to_time", "must be after from_time");
  }
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, principal));
  // The employee's own activities, or those of someone the caller manages, are visible
  // whichever customer they were logged against.
  bool allowed = view.org_wide;
  if (!allowed && !req.employee_id().empty()) {
    ASSIGN_OR_RETURN(allowed, SeesEmployee(principal, req.employee_id()));
  }
  const std::string& org = principal.org;
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    if (!req.customer_id().empty()) {
      ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.customer_id()));
      if (!allowed && !view.Sees(row.customer.owner_id(), row.owner_path)) {
        return absl::PermissionDeniedError(absl::StrCat(
            "customer ", req.customer_id(), " belongs to someone outside the teams you manage"));
      }
    } else if (!allowed) {
      return absl::PermissionDeniedError(
          absl::StrCat("you see the activities of yourself and the people you manage, not of ",
                       req.employee_id()));
    }
    std::string sql = "SELECT id, body FROM activities WHERE org_id = ? AND id > ?";
    std::vector<storage::Value> params = {org, after};
    if (!req.customer_id().empty()) {
      sql += " AND customer_id = ?";
      params.push_back(req.customer_id());
    }
    if (!req.employee_id().empty()) {
      sql += " AND employee_id = ?";
      params.push_back(req.employee_id());
    }
    if (req.has_from_time()) {
      sql += " AND occurred_at >= ?";
      params.push_back(absl::ToUnixMillis(TimeOf(req.from_time())));
    }
    if (req.has_to_time()) {
      sql += " AND occurred_at < ?";
      params.push_back(absl::ToUnixMillis(TimeOf(req.to_time())));
    }
    sql += " ORDER BY id LIMIT ?";
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    return storage::FillPage(
        rows, size, "activity", [&] { return resp->add_activities(); },
        resp->mutable_next_page_token());
  });
}

absl::Status ActivityServiceImpl::DoListDueVisits(const Call& call,
                                                  const v1::ListDueVisitsRequest& req,
                                                  v1::ListDueVisitsResponse* resp) {
  const auth::Principal& principal = call.principal;
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(int64_t offset, DecodeOffsetToken(req.page_token()));
  const absl::TimeZone tz = DefaultOrgZone();
  ASSIGN_OR_RETURN(absl::CivilDay as_of, AsOfDay(req.as_of(), *ctx_->clock, tz));
  const std::string owner_id = req.owner_id().empty() ? principal.subject : req.owner_id();
  ASSIGN_OR_RETURN(bool sees, SeesEmployee(principal, owner_id));
  if (!sees) {
    return absl::PermissionDeniedError(absl::StrCat(
        "you see the due visits of yourself and the people you manage, not of ", owner_id));
  }
  struct Due {
    absl::CivilDay date;
    v1::DueVisit visit;
  };
  std::vector<Due> due;
  RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
    due.clear();
    ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, principal.org, nullptr));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, body, last_visit_at, assigned_at FROM "
                                         "customers WHERE org_id = ? AND owner_id = ? AND "
                                         "deleted = 0 ORDER BY id",
                                         {principal.org, owner_id}));
    for (const auto& row : rows) {
      v1::Customer c;
      if (!c.ParseFromString(row.Text(1)))
        return absl::DataLossError("a customer is stored corrupt");
      const int64_t last_visit_ms = row.Int(2);
      std::optional<absl::CivilDay> date = DueDateOf(policy, c, last_visit_ms, row.Int(3), tz);
      OverdueState state = EvaluateOverdue(policy, date, as_of, OverdueEpisode{});
      if (!state.due) continue;
      Due d{*date, {}};
      d.visit.set_customer_id(c.id());
      d.visit.set_customer_name(c.name());
      d.visit.set_tier(c.tier());
      d.visit.set_owner_id(c.owner_id());
      if (last_visit_ms > 0) {
        *d.visit.mutable_last_visit_time() = ToProto(absl::FromUnixMillis(last_visit_ms));
      }
      d.visit.set_due_date(FormatDate(*date));
      d.visit.set_days_overdue(static_cast<int32_t>(state.days_overdue));
      due.push_back(std::move(d));
    }
    return absl::OkStatus();
  }));
  // Oldest due first; ties in creation order (the rows came ordered by id).
  std::stable_sort(due.begin(), due.end(),
                   [](const Due& a, const Due& b) { return a.date < b.date; });
  const int64_t total = static_cast<int64_t>(due.size());
  for (int64_t i = offset; i < total && i < offset + size; ++i) {
    *resp->add_due_visits() = std::move(due[i].visit);
  }
  if (offset + size < total) {
    resp->set_next_page_token(EncodePageToken(absl::StrCat(offset + size)));
  }
  return absl::OkStatus();
}

absl::Status ActivityServiceImpl::DoSweepOverdueVisits(const Call& call,
                                                       const v1::SweepOverdueVisitsRequest& req,
                                                       v1::SweepOverdueVisitsResponse* resp) {
  const auth::Principal& principal = call.principal;
  if (!principal.SeesOrg()) {
    return absl::PermissionDeniedError(
        "the overdue-visit sweep is run by the scheduler (or an admin)");
  }
  const absl::TimeZone tz = DefaultOrgZone();
  ASSIGN_OR_RETURN(absl::CivilDay as_of, AsOfDay(req.as_of(), *ctx_->clock, tz));
  const std::string& org = principal.org;
  bool seen = false;
  RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(
        seen, storage::LookupIdempotent(tx, org, "SweepOverdueVisits", req.request_id(), resp));
    return absl::OkStatus();
  }));
  if (seen) return absl::OkStatus();

  // Whom each owner's escalations go to. The directory is asked outside the write
  // transactions: a batch that meets an owner not resolved yet ends before writing anything,
  // the owners are looked up, and the batch runs again.
  absl::flat_hash_map<std::string, std::string> managers;
  std::string after;
  int32_t newly_overdue = 0;
  int32_t escalated = 0;
  for (;;) {
    bool more = false;
    std::string last;
    int32_t batch_newly = 0;
    int32_t batch_escalated = 0;
    std::vector<std::string> unresolved;
    RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
      batch_newly = 0;
      batch_escalated = 0;
      unresolved.clear();
      ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, org, nullptr));
      ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, body, last_visit_at, assigned_at FROM "
                                           "customers WHERE org_id = ? AND deleted = 0 AND "
                                           "owner_id <> '' AND id > ? ORDER BY id LIMIT ?",
                                           {org, after, int64_t{kSweepBatch}}));
      more = rows.size() == static_cast<size_t>(kSweepBatch);
      last = rows.empty() ? after : rows.back().Text(0);
      struct Verdict {
        v1::Customer customer;
        absl::CivilDay due;
        OverdueEpisode stored;
        OverdueState state;
      };
      std::vector<Verdict> verdicts;
      for (const auto& row : rows) {
        v1::Customer c;
        if (!c.ParseFromString(row.Text(1))) {
          return absl::DataLossError(absl::StrCat("customer ", row.Text(0), " is stored corrupt"));
        }
        std::optional<absl::CivilDay> due = DueDateOf(policy, c, row.Int(2), row.Int(3), tz);
        if (!EvaluateOverdue(policy, due, as_of, OverdueEpisode{}).overdue) continue;
        // The stored episode is the one for the current due date; a visit since moved the
        // due date, so a row for an older date belongs to an episode that has ended.
        ASSIGN_OR_RETURN(Rows episode,
                         tx.Query("SELECT owner_notified, escalated FROM visit_episodes WHERE "
                                  "org_id = ? AND customer_id = ? AND due_date = ?",
                                  {org, c.id(), FormatDate(*due)}));
        OverdueEpisode stored;
        if (!episode.empty()) {
          stored.due_date = *due;
          stored.owner_notified = episode[0].Int(0) != 0;
          stored.escalated = episode[0].Int(1) != 0;
        }
        OverdueState state = EvaluateOverdue(policy, due, as_of, stored);
        if (state.escalate && !managers.contains(c.owner_id())) {
          unresolved.push_back(c.owner_id());
        }
        verdicts.push_back({std::move(c), *due, stored, state});
      }
      if (!unresolved.empty()) return absl::OkStatus();  // nothing written: see below
      for (const Verdict& v : verdicts) {
        const v1::Customer& c = v.customer;
        if (v.state.next.due_date.has_value() && v.state.next != v.stored) {
          RETURN_IF_ERROR(
              tx.Exec("INSERT INTO visit_episodes (org_id, customer_id, due_date, "
                      "owner_notified, escalated) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                      "(org_id, customer_id, due_date) DO UPDATE SET owner_notified "
                      "= excluded.owner_notified, escalated = excluded.escalated",
                      {org, c.id(), FormatDate(*v.state.next.due_date),
                       int64_t{v.state.next.owner_notified}, int64_t{v.state.next.escalated}})
                  .status());
        }
        if (v.state.notify_owner) {
          RETURN_IF_ERROR(storage::AppendOutbox(
              tx, NewEvent(*ctx_->clock, "crm.visit.overdue", org, c.owner_id(), principal.subject,
                           OverduePayload(c, v.due, v.state.days_overdue, "owner"))));
          ++batch_newly;
        }
        if (v.state.escalate) {
          google::protobuf::Struct p = OverduePayload(c, v.due, v.state.days_overdue, "manager");
          Put(p, "manager_id", managers.at(c.owner_id()));
          RETURN_IF_ERROR(
              storage::AppendOutbox(tx, NewEvent(*ctx_->clock, "crm.visit.overdue", org,
                                                 c.owner_id(), principal.subject, std::move(p))));
          ++batch_escalated;
        }
      }
      return absl::OkStatus();
    }));
    if (!unresolved.empty()) {
      // The transaction above wrote nothing; look the owners up and run the batch again.
      for (const std::string& owner : unresolved) {
        if (managers.contains(owner)) continue;
        ASSIGN_OR_RETURN(std::string manager, ManagerOf(org, owner));
        managers.emplace(owner, std::move(manager));
      }
      continue;
    }
    newly_overdue += batch_newly;
    escalated += batch_escalated;
    after = last;
    if (!more) break;
  }
  resp->set_newly_overdue(newly_overdue);
  resp->set_escalated(escalated);
  absl::Status remembered = ctx_->db->Write([&](Tx& tx) -> absl::Status {
    return storage::RememberIdempotent(tx, org, "SweepOverdueVisits", req.request_id(), *resp);
  });
  // A concurrent sweep with the same request_id remembered its answer first: ours stands.
  if (!remembered.ok() && !absl::IsAlreadyExists(remembered)) return remembered;
  return absl::OkStatus();
}

absl::Status ActivityServiceImpl::Stats(Tx& tx, const std::string& org, const v1::CrmPolicy& policy,
                                        const std::string& employee_id,
                                        const common::v1::Period& period, const DateRange& range,
                                        v1::ActivityStats* out) {
  out->set_employee_id(employee_id);
  *out->mutable_period() = period;
  const absl::TimeZone tz = DefaultOrgZone();
  const int64_t start_ms = absl::ToUnixMillis(absl::FromCivil(range.first, tz));
  const int64_t end_ms = absl::ToUnixMillis(absl::FromCivil(range.last + 1, tz));
  ASSIGN_OR_RETURN(Rows counts, tx.Query("SELECT kind, effective, COUNT(*) FROM activities WHERE "
                                         "org_id = ? AND employee_id = ? AND occurred_at >= ? "
                                         "AND occurred_at < ? GROUP BY kind, effective",
                                         {org, employee_id, start_ms, end_ms}));
  for (const auto& row : counts) {
    const bool effective = row.Int(1) != 0;
    const auto n = static_cast<int32_t>(row.Int(2));
    switch (row.Int(0)) {
      case v1::ACTIVITY_KIND_CALL:
        out->set_calls(out->calls() + n);
        if (effective) out->set_effective_calls(out->effective_calls() + n);
        break;
      case v1::ACTIVITY_KIND_VISIT:
        out->set_visits(out->visits() + n);
        break;
      case v1::ACTIVITY_KIND_MEETING:
        out->set_meetings(out->meetings() + n);
        break;
      case v1::ACTIVITY_KIND_FOLLOW_UP:
        out->set_follow_ups(out->follow_ups() + n);
        break;
      default:  // emails have no counter
        break;
    }
  }
  // New customers: created in the period with this employee as owner, and still theirs.
  ASSIGN_OR_RETURN(Rows owned, tx.Query("SELECT body FROM customers WHERE org_id = ? AND "
                                        "owner_id = ? AND deleted = 0",
                                        {org, employee_id}));
  for (const auto& row : owned) {
    v1::Customer c;
    if (!c.ParseFromString(row.Text(0))) return absl::DataLossError("a customer is stored corrupt");
    if (CreatingOwner(c) != employee_id) continue;
    if (range.Contains(absl::ToCivilDay(FromProto(c.create_time()), tz))) {
      out->set_new_customers(out->new_customers() + 1);
    }
  }
  out->set_working_days(WorkingDays(range, absl::ToCivilDay(ctx_->clock->Now(), tz)));
  SetQuotaRatios(policy, out);
  return absl::OkStatus();
}

absl::Status ActivityServiceImpl::DoGetActivityStats(const Call& call,
                                                     const v1::GetActivityStatsRequest& req,
                                                     v1::ActivityStats* resp) {
  const auth::Principal& principal = call.principal;
  if (req.employee_id().empty()) return InvalidField("employee_id", "must name an employee");
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(req.period(), "period"));
  ASSIGN_OR_RETURN(bool sees, SeesEmployee(principal, req.employee_id()));
  if (!sees) {
    return absl::PermissionDeniedError(
        absl::StrCat("you see the activity statistics of yourself and the people you manage, "
                     "not of ",
                     req.employee_id()));
  }
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, principal.org, nullptr));
    return Stats(tx, principal.org, policy, req.employee_id(), req.period(), range, resp);
  });
}

absl::Status ActivityServiceImpl::DoBatchGetActivityStats(
    const Call& call, const v1::BatchGetActivityStatsRequest& req,
    v1::BatchGetActivityStatsResponse* resp) {
  const auth::Principal& principal = call.principal;
  RETURN_IF_ERROR(CheckIdList(req.employee_ids(), "employee_ids", kMaxBatchGet));
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(req.period(), "period"));
  for (const std::string& id : req.employee_ids()) {
    ASSIGN_OR_RETURN(bool sees, SeesEmployee(principal, id));
    if (!sees) {
      return absl::PermissionDeniedError(
          absl::StrCat("you see the activity statistics of yourself and the people you "
                       "manage, not of ",
                       id));
    }
  }
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    resp->clear_stats();
    ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, principal.org, nullptr));
    for (const std::string& id : req.employee_ids()) {
      RETURN_IF_ERROR(Stats(tx, principal.org, policy, id, req.period(), range, resp->add_stats()));
    }
    return absl::OkStatus();
  });
}

}  // namespace opsuite::crm
