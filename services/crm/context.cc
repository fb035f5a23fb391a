#include "services/crm/context.h"


namespace opsuite::crm {

bool View::Sees(const std::string& owner_id, const std::string& owner_path) const {
  return owner_id.empty() || Manages(owner_id, owner_path);
}

bool View::Manages(const std::string& owner_id, const std::string& owner_path) const {
  if (org_wide || (!owner_id.empty() && owner_id == subject)) return true;
  for (const std::string& path : managed_paths) {
    if (!owner_path.empty() && owner_path.compare(0, path.size(), path) == 0) return true;
  }
  return false;
}

absl::StatusOr<View> ViewOf(Context& ctx, const auth::Principal& p) {
  View v;
  v.subject = p.subject;
  v.org_wide = p.SeesOrg();
  if (v.org_wide) return v;
  ASSIGN_OR_RETURN(auto tree, ctx.directory->Tree(p.org));
  for (const auto& [id, dept] : tree->depts) {
    if (!p.subject.empty() && dept.manager_id == p.subject) v.managed_paths.push_back(dept.path);
  }
  return v;
}

std::string CustomerKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "crm", "customer", id);
}

}  // namespace opsuite::crm
