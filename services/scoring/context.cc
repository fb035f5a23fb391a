#include "services/scoring/context.h"

#include "absl/strings/str_cat.h"
#include "common/auth/rbac.h"
#include "common/status.h"

namespace opsuite::scoring {

absl::Status CanSee(Context& ctx, const auth::Principal& p, const v1::Evaluation& e) {
  if (p.SeesOrg()) return absl::OkStatus();
  const bool employee = e.subject_kind() != v1::SUBJECT_KIND_DEPARTMENT;
  if (employee && !p.subject.empty() && p.subject == e.subject_id()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto tree, ctx.directory->TreeWith(p.org, e.department_id()));
  if (tree->Manages(p.subject, e.department_id())) return absl::OkStatus();
  if (employee) {
    absl::StatusOr<planning::v1::Employee> emp = ctx.directory->GetEmployee(p.org, e.subject_id());
    if (emp.ok() && auth::RelationTo(p, *tree, {emp->id(), emp->department_id(),
                                                 emp->manager_id()}) != auth::Relation::kNone) {
      return absl::OkStatus();
    }
    if (!emp.ok() && !absl::IsNotFound(emp.status())) return emp.status();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("only ", e.subject_id(), " themselves, their managers and admins see this "
                   "evaluation"));
}

absl::Status CanManageDepartment(Context& ctx, const auth::Principal& p,
                                 const std::string& department_id) {
  if (p.SeesOrg()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto tree, ctx.directory->TreeWith(p.org, department_id));
  if (tree->Find(department_id) == nullptr) {
    return absl::NotFoundError(absl::StrCat("department ", department_id, " not found"));
  }
  if (tree->Manages(p.subject, department_id)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("only managers of department ", department_id, " and admins may do this"));
}

absl::Status CanSeeDepartment(Context& ctx, const auth::Principal& p,
                              const std::string& department_id) {
  absl::Status manage = CanManageDepartment(ctx, p, department_id);
  if (!absl::IsPermissionDenied(manage)) return manage;
  absl::StatusOr<planning::v1::Employee> me = ctx.directory->GetEmployee(p.org, p.subject);
  if (me.ok() && me->department_id() == department_id) return absl::OkStatus();
  if (!me.ok() && !absl::IsNotFound(me.status())) return me.status();
  return absl::PermissionDeniedError(absl::StrCat(
      "only members and managers of department ", department_id, " and admins see its results"));
}

}  // namespace opsuite::scoring
