// Who is calling: the verified claims of the caller's JWT (DESIGN.md §7).
#pragma once

#include <string>
#include <vector>

#include "absl/algorithm/container.h"

namespace opsuite::auth {

enum class Role { kEmployee, kManager, kAdmin, kService };

struct Principal {
  std::string subject;  // `sub`: the employee id (or a service name)
  std::string org;      // `org`
  std::vector<Role> roles;

  bool Has(Role role) const { return absl::c_linear_search(roles, role); }
  bool IsAdmin() const { return Has(Role::kAdmin); }
  bool IsService() const { return Has(Role::kService); }
  // Admins and services see the whole org.
  bool SeesOrg() const { return IsAdmin() || IsService(); }
};

}  // namespace opsuite::auth
