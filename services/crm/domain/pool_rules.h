// The public pool (公海): a customer nobody has worked for the org's `pool_idle_days` goes
// back to the pool so another salesperson can take it, and each salesperson may claim only
// `pool_claims_per_day` customers a day, so nobody empties the pool into a drawer.
//
//   if (IsIdle(last_effective_activity_or_assigned, as_of, policy.pool_idle_days())) {
//     /* release: OwnerChange{reason "idle 90 days"}, emit crm.customer.released_to_pool */
//   }
//   RETURN_IF_ERROR(CheckClaimCap(claims_today, policy.pool_claims_per_day()));
//
// Pure functions: no I/O; `as_of` is passed in.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace opsuite::crm {

// True iff at least `idle_days` whole days (of 24 hours) have passed from
// `last_effective_activity_or_assigned` (the later of the last effective activity and the
// time the current owner got the customer) to `as_of`: exactly 90 days later is idle, a
// second less is not. `idle_days` <= 0 disables the pool sweep: never idle.
bool IsIdle(absl::Time last_effective_activity_or_assigned, absl::Time as_of, int idle_days);

// OK while `claims_today` (customers this salesperson claimed from the pool today, before
// this claim) is below `cap`; at or above it RESOURCE_EXHAUSTED, e.g. "you have claimed 5
// customers today; the daily cap is 5". `cap` <= 0 means no cap.
absl::Status CheckClaimCap(int claims_today, int cap);

}  // namespace opsuite::crm
