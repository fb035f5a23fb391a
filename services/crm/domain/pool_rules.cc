#include "services/crm/domain/pool_rules.h"

#include "absl/strings/str_cat.h"

namespace opsuite::crm {

bool IsIdle(absl::Time last_effective_activity_or_assigned, absl::Time as_of, int idle_days) {
  if (idle_days <= 0) return false;
  return as_of - last_effective_activity_or_assigned >= absl::Hours(24) * idle_days;
}

absl::Status CheckClaimCap(int claims_today, int cap) {
  if (cap <= 0 || claims_today < cap) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("you have claimed ", claims_today,
                                                   claims_today == 1 ? " customer" : " customers",
                                                   " today; the daily cap is ", cap));
}

}  // namespace opsuite::crm
