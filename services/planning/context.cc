#include "services/planning/context.h"

#include "absl/strings/str_cat.h"

namespace opsuite::planning {

Relation RelationTo(const auth::Principal& p, const OrgTree& tree, const v1::Employee& e) {
  return auth::RelationTo(p, tree, {e.id(), e.department_id(), e.manager_id()});
}

absl::Status CanRead(const auth::Principal& p, const OrgTree& tree, const v1::Employee& e) {
  if (RelationTo(p, tree, e) != Relation::kNone) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "employee ", e.id(), " is visible only to themselves, their managers and admins"));
}

absl::Status RequireAdmin(const auth::Principal& p, absl::string_view action, bool allow_service) {
  if (p.IsAdmin() || (allow_service && p.IsService())) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only an admin can ", action));
}

std::string EmployeeKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "planning", "employee", id);
}
std::string TargetKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "planning", "target", id);
}
std::string GoalCardKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "planning", "goal_card", id);
}

}  // namespace opsuite::planning
