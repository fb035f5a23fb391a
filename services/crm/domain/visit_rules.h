// Visit frequencies by tier, overdue visits and the org's CRM policy (domain.md §2.2, §2.4).
// A customer's next visit is due its tier's interval after the last visit (or, never
// visited, after it was created): KEY 30 days, TIER1 60 ("对一级客户每两月拜访一次",
// 000:211), TIER2 90 (000:211 leaves it "case by case"; 90 is the default), OTHER none.
// The overdue sweep tells the owner once per overdue episode and the owner's manager once
// more when the visit is still overdue `overdue_escalation_days` later.
//
//   const CrmPolicy policy = DefaultCrmPolicy();
//   std::optional<absl::CivilDay> due = VisitDueDate(policy, customer.tier(), last_visit_day);
//   OverdueState s = EvaluateOverdue(policy, due, as_of, stored_episode);
//   if (s.notify_owner) { /* emit crm.visit.overdue to the owner */ }
//   if (s.escalate) { /* emit crm.visit.overdue to the owner's manager */ }
//   /* store s.next in the same transaction as the events */
//
// Pure functions: no I/O; the day `as_of` is passed in (the org's local day).
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "opsuite/crm/v1/customer.pb.h"

namespace opsuite::crm {

using ::opsuite::crm::v1::CrmPolicy;
using ::opsuite::crm::v1::Tier;

// KEY 30, TIER1 60 (000:211), TIER2 90, OTHER 0 (no visit due); escalation after 7 days;
// quotas of 40 effective calls a day and 2 visits a week (003:39); the pool takes customers
// idle for 90 days and a salesperson may claim 5 a day (org choices, not from the seeds).
CrmPolicy DefaultCrmPolicy();

// Limits ValidateCrmPolicy enforces.
inline constexpr int32_t kMaxVisitDays = 3660;  // ten years
inline constexpr int32_t kMaxEscalationDays = 366;
inline constexpr int32_t kMaxEffectiveCallsPerDay = 1000;
inline constexpr int32_t kMaxVisitsPerWeek = 100;
inline constexpr int32_t kMaxPoolIdleDays = 3660;
inline constexpr int32_t kMaxPoolClaimsPerDay = 10000;

// Every field of a policy (after an update mask was applied), all violations in one
// INVALID_ARGUMENT naming the fields: the visit intervals `key_visit_days`,
// `tier1_visit_days`, `tier2_visit_days`, `other_visit_days` 0..3660 (0 = no visit due for the
// tier), `overdue_escalation_days` 0..366 (0 = never escalate), `effective_calls_per_day`
// 0..1000 and `visits_per_week` 0..100 (0 = no quota), `pool_idle_days` 0..3660 (0 = the pool
// sweep releases nothing), `pool_claims_per_day` 0..10000 (0 = no daily cap).
absl::Status ValidateCrmPolicy(const CrmPolicy& policy);

// The tier's visit interval in days; 0 means no visit is ever due. TIER_UNSPECIFIED (a
// customer nobody has classified) follows OTHER; a value this build does not know, or a
// negative interval in the policy, is 0.
int VisitIntervalDays(const CrmPolicy& policy, Tier tier);

// The day the next visit is due: `last_visit_or_created` + the tier's interval; nullopt when
// the tier has no interval.
std::optional<absl::CivilDay> VisitDueDate(const CrmPolicy& policy, Tier tier,
                                           absl::CivilDay last_visit_or_created);

// What the caller stored about the customer's current overdue episode. An episode is keyed by
// its due date: it runs from the due date until a visit moves the due date, so a visit (or a
// tier or policy change that moves the due date) starts a new episode.
struct OverdueEpisode {
  std::optional<absl::CivilDay> due_date;  // nullopt: nothing emitted yet for this customer
  bool owner_notified = false;
  bool escalated = false;
  friend bool operator==(const OverdueEpisode&, const OverdueEpisode&) = default;
};

// The verdict of one sweep for one customer.
struct OverdueState {
  bool due = false;           // as_of >= the due date (ListDueVisits lists it)
  bool overdue = false;       // as_of > the due date: the visit was not made in time
  int64_t days_overdue = 0;   // as_of - due date when due (0 on the due day), else 0
  bool notify_owner = false;  // emit to the owner now (first sweep that finds it overdue)
  bool escalate = false;      // emit to the owner's manager now (days_overdue >= escalation)
  OverdueEpisode next;        // what to store once the events are written
  friend bool operator==(const OverdueState&, const OverdueState&) = default;
};

// Decides, for a customer whose next visit is due on `due_date` (nullopt: never due), what a
// sweep on `as_of` emits given what was `stored` for the episode. The owner is notified once
// per episode, on the first sweep after the due day; the manager once per episode, on the
// first sweep with days_overdue >= overdue_escalation_days (never when that is 0). A sweep
// that was not run for a while may do both at once. Repeated sweeps of the same episode emit
// nothing more. Whether a customer without an owner (in the pool) is swept is the caller's
// choice.
OverdueState EvaluateOverdue(const CrmPolicy& policy, std::optional<absl::CivilDay> due_date,
                             absl::CivilDay as_of, const OverdueEpisode& stored);

}  // namespace opsuite::crm
