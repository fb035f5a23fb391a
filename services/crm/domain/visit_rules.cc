#include "services/crm/domain/visit_rules.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::crm {
namespace {

using ::opsuite::crm::v1::TIER_KEY;
using ::opsuite::crm::v1::TIER_OTHER;
using ::opsuite::crm::v1::TIER_TIER1;
using ::opsuite::crm::v1::TIER_TIER2;
using ::opsuite::crm::v1::TIER_UNSPECIFIED;

constexpr int32_t kDefaultKeyVisitDays = 30;
constexpr int32_t kDefaultTier1VisitDays = 60;  // 000:211 对一级客户每两月拜访一次
constexpr int32_t kDefaultTier2VisitDays = 90;  // 000:211 二级客户根据实际情况另行安排
constexpr int32_t kDefaultEscalationDays = 7;
constexpr int32_t kDefaultEffectiveCallsPerDay = 40;  // 003:39 每天堅持打40個有效電話
constexpr int32_t kDefaultVisitsPerWeek = 2;          // 003:39 每周至少拜訪2位客戶
constexpr int32_t kDefaultPoolIdleDays = 90;
constexpr int32_t kDefaultPoolClaimsPerDay = 5;

}  // namespace

CrmPolicy DefaultCrmPolicy() {
  CrmPolicy p;
  p.set_key_visit_days(kDefaultKeyVisitDays);
  p.set_tier1_visit_days(kDefaultTier1VisitDays);
  p.set_tier2_visit_days(kDefaultTier2VisitDays);
  p.set_other_visit_days(0);
  p.set_overdue_escalation_days(kDefaultEscalationDays);
  p.set_effective_calls_per_day(kDefaultEffectiveCallsPerDay);
  p.set_visits_per_week(kDefaultVisitsPerWeek);
  p.set_pool_idle_days(kDefaultPoolIdleDays);
  p.set_pool_claims_per_day(kDefaultPoolClaimsPerDay);
  return p;
}

absl::Status ValidateCrmPolicy(const CrmPolicy& policy) {
  FieldViolations violations;
  auto check = [&violations](int32_t value, const char* field, int32_t max, const char* zero) {
    if (value < 0 || value > max) {
      violations.Add(field, absl::StrCat("must be from 0 (", zero, ") to ", max, ", got ", value));
    }
  };
  check(policy.key_visit_days(), "key_visit_days", kMaxVisitDays, "no visit due");
  check(policy.tier1_visit_days(), "tier1_visit_days", kMaxVisitDays, "no visit due");
  check(policy.tier2_visit_days(), "tier2_visit_days", kMaxVisitDays, "no visit due");
  check(policy.other_visit_days(), "other_visit_days", kMaxVisitDays, "no visit due");
  check(policy.overdue_escalation_days(), "overdue_escalation_days", kMaxEscalationDays,
        "never escalate");
  check(policy.effective_calls_per_day(), "effective_calls_per_day", kMaxEffectiveCallsPerDay,
        "no quota");
  check(policy.visits_per_week(), "visits_per_week", kMaxVisitsPerWeek, "no quota");
  check(policy.pool_idle_days(), "pool_idle_days", kMaxPoolIdleDays, "never release");
  check(policy.pool_claims_per_day(), "pool_claims_per_day", kMaxPoolClaimsPerDay, "no cap");
  return violations.ToStatus();
}

int VisitIntervalDays(const CrmPolicy& policy, Tier tier) {
  int32_t days = 0;
  switch (tier) {
    case TIER_KEY:
      days = policy.key_visit_days();
      break;
    case TIER_TIER1:
      days = policy.tier1_visit_days();
      break;
    case TIER_TIER2:
      days = policy.tier2_visit_days();
      break;
    case TIER_OTHER:
    case TIER_UNSPECIFIED:
      days = policy.other_visit_days();
      break;
    default:
      days = 0;
      break;
  }
  return days > 0 ? days : 0;
}

std::optional<absl::CivilDay> VisitDueDate(const CrmPolicy& policy, Tier tier,
                                           absl::CivilDay last_visit_or_created) {
  const int days = VisitIntervalDays(policy, tier);
  if (days == 0) return std::nullopt;
  return last_visit_or_created + days;
}

OverdueState EvaluateOverdue(const CrmPolicy& policy, std::optional<absl::CivilDay> due_date,
                             absl::CivilDay as_of, const OverdueEpisode& stored) {
  OverdueState s;
  if (!due_date.has_value()) {
    s.next = stored;
    return s;
  }
  // What was emitted counts only for the episode it was emitted for.
  const bool same_episode = stored.due_date == due_date;
  const bool notified = same_episode && stored.owner_notified;
  const bool escalated = same_episode && stored.escalated;

  s.due = as_of >= *due_date;
  s.overdue = as_of > *due_date;
  s.days_overdue = s.due ? as_of - *due_date : 0;
  s.notify_owner = s.overdue && !notified;
  const int32_t escalation_days = policy.overdue_escalation_days();
  s.escalate = s.overdue && escalation_days > 0 && s.days_overdue >= escalation_days && !escalated;

  if (s.notify_owner || s.escalate || same_episode) {
    s.next = OverdueEpisode{due_date, notified || s.notify_owner, escalated || s.escalate};
  } else {
    s.next = stored;  // nothing emitted for the new due date yet: keep what was stored
  }
  return s;
}

}  // namespace opsuite::crm
