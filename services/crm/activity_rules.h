// The pure parts of ActivityService: the org's calendar zone, the day a customer's visit
// interval runs from, who a customer was created with, working days, quota attainment and
// whom an overdue visit is escalated to.
//
//   absl::TimeZone tz = DefaultOrgZone();
//   absl::CivilDay base = VisitBaseDay(last_visit_ms, assigned_ms, customer.create_time(), tz);
//   std::optional<absl::CivilDay> due = VisitDueDate(policy, customer.tier(), base);
//   stats.set_working_days(WorkingDays(range, today));
//   SetQuotaRatios(policy, &stats);
//
// Pure functions: no I/O; "today" is passed in.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/auth/rbac.h"
#include "common/period.h"
#include "google/protobuf/timestamp.pb.h"
#include "opsuite/crm/v1/activity.pb.h"
#include "opsuite/crm/v1/customer.pb.h"

namespace opsuite::crm {

// "KEY", "TIER1", "TIER2", "OTHER" (the enum name without TIER_); "UNSPECIFIED" for 0 and the
// number for values this build does not know.
std::string TierName(v1::Tier tier);

// The local day a customer's visit interval runs from: the later of the last visit
// (`last_visit_ms`, 0 = never visited) and the time the current owner got the customer
// (`assigned_ms`; 0 = unknown, then the customer's creation), so a customer transferred to a
// new owner is not overdue on the new owner's first day.
absl::CivilDay VisitBaseDay(int64_t last_visit_ms, int64_t assigned_ms,
                            const google::protobuf::Timestamp& create_time, absl::TimeZone tz);

// The owner a customer was created with ("" for one created into the public pool), read from
// its ownership history: the first entry's `to_owner_id` when it records the creation (it has
// no previous owner and the customer's create_time, or the reason "created"), else the first
// entry's `from_owner_id` (the history began with a change away from the creating owner);
// the current owner when there is no history.
std::string CreatingOwner(const v1::Customer& customer);

// Monday-Friday days of `period` up to and including `today` (0 when the period starts after
// today).
int WorkingDays(const DateRange& period, absl::CivilDay today);

// Fills the quota ratios of `stats` from its counts and working_days:
//   effective_call_quota_ratio = effective_calls / (working_days × effective_calls_per_day),
//   visit_quota_ratio = visits / (weeks × visits_per_week), weeks = working_days / 5;
// each 0 when its denominator is 0 (no working day yet, or no quota).
void SetQuotaRatios(const v1::CrmPolicy& policy, v1::ActivityStats* stats);

// Whom an employee's overdue visit is escalated to: their direct manager, else the manager of
// their department or the nearest department above it that has a manager other than the
// employee; "" when there is nobody.
std::string EscalationManager(const auth::OrgTree& tree, const auth::EmployeeRef& employee);

}  // namespace opsuite::crm
