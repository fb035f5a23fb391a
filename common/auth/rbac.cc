#include "common/auth/rbac.h"

namespace opsuite::auth {

const OrgTree::Dept* OrgTree::Find(const std::string& id) const {
  auto it = depts.find(id);
  return it == depts.end() ? nullptr : &it->second;
}

bool OrgTree::Manages(const std::string& employee_id, const std::string& dept_id) const {
  if (employee_id.empty()) return false;
  const Dept* d = Find(dept_id);
  // Bounded: a corrupt tree with a cycle cannot loop forever.
  for (int depth = 0; d != nullptr && depth < 64; ++depth) {
    if (d->manager_id == employee_id) return true;
    d = d->parent_id.empty() ? nullptr : Find(d->parent_id);
  }
  return false;
}

Relation RelationTo(const Principal& p, const OrgTree& tree, const EmployeeRef& e) {
  if (p.SeesOrg()) return Relation::kOrg;
  if (!p.subject.empty() && p.subject == e.id) return Relation::kSelf;
  if (!e.manager_id.empty() && e.manager_id == p.subject) return Relation::kManager;
  if (tree.Manages(p.subject, e.department_id)) return Relation::kManager;
  return Relation::kNone;
}

}  // namespace opsuite::auth
