#include "services/crm/activity_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/timestamps.h"

namespace opsuite::crm {

std::string TierName(v1::Tier tier) {
  switch (tier) {
    case v1::TIER_UNSPECIFIED:
      return "UNSPECIFIED";
    case v1::TIER_KEY:
      return "KEY";
    case v1::TIER_TIER1:
      return "TIER1";
    case v1::TIER_TIER2:
      return "TIER2";
    case v1::TIER_OTHER:
      return "OTHER";
    default:
      return absl::StrCat(static_cast<int>(tier));
  }
}

absl::CivilDay VisitBaseDay(int64_t last_visit_ms, int64_t assigned_ms,
                            const google::protobuf::Timestamp& create_time, absl::TimeZone tz) {
  absl::Time held_since =
      assigned_ms > 0 ? absl::FromUnixMillis(assigned_ms) : FromProto(create_time);
  absl::Time base = held_since;
  if (last_visit_ms > 0) base = std::max(base, absl::FromUnixMillis(last_visit_ms));
  return absl::ToCivilDay(base, tz);
}

std::string CreatingOwner(const v1::Customer& customer) {
  if (customer.owner_history_size() == 0) return customer.owner_id();
  const v1::OwnerChange& first = customer.owner_history(0);
  const bool at_creation =
      first.reason() == "created" || (first.from_owner_id().empty() &&
                                      first.time().seconds() == customer.create_time().seconds() &&
                                      first.time().nanos() == customer.create_time().nanos());
  return at_creation ? first.to_owner_id() : first.from_owner_id();
}

int WorkingDays(const DateRange& period, absl::CivilDay today) {
  const absl::CivilDay last = std::min(period.last, today);
  int n = 0;
  for (absl::CivilDay d = period.first; d <= last; ++d) {
    if (IsoWeekday(d) <= 5) ++n;
  }
  return n;
}

void SetQuotaRatios(const v1::CrmPolicy& policy, v1::ActivityStats* stats) {
  const double call_quota =
      static_cast<double>(stats->working_days()) * std::max(0, policy.effective_calls_per_day());
  const double visit_quota = stats->working_days() / 5.0 * std::max(0, policy.visits_per_week());
  stats->set_effective_call_quota_ratio(call_quota > 0 ? stats->effective_calls() / call_quota
                                                       : 0.0);
  stats->set_visit_quota_ratio(visit_quota > 0 ? stats->visits() / visit_quota : 0.0);
}

std::string EscalationManager(const auth::OrgTree& tree, const auth::EmployeeRef& employee) {
  if (!employee.manager_id.empty() && employee.manager_id != employee.id) {
    return employee.manager_id;
  }
  const auth::OrgTree::Dept* dept = tree.Find(employee.department_id);
  // Bounded by the number of departments, in case the stored parent links form a loop.
  for (size_t hops = 0; dept != nullptr && hops <= tree.depts.size(); ++hops) {
    if (!dept->manager_id.empty() && dept->manager_id != employee.id) return dept->manager_id;
    dept = dept->parent_id.empty() ? nullptr : tree.Find(dept->parent_id);
  }
  return "";
}

}  // namespace opsuite::crm
