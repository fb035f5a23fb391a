// Who may see and change what (DESIGN.md §7), over the department tree.
//
// Employees see their own things; a manager sees the employees of the departments they
// manage, transitively, and their direct reports; admins and services see the whole org.
//
//   OrgTree tree = ...;   // loaded by the directory (planning) or fetched from it
//   if (RelationTo(principal, tree, {e.id(), e.department_id(), e.manager_id()}) ==
//       Relation::kNone) return absl::PermissionDeniedError(...);
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/auth/principal.h"

namespace opsuite::auth {

// The department tree of one org.
struct OrgTree {
  struct Dept {
    std::string id;
    std::string parent_id;
    std::string manager_id;
    std::string path;  // "/<root id>/.../<id>/"
  };
  absl::flat_hash_map<std::string, Dept> depts;

  const Dept* Find(const std::string& id) const;
  // True when `employee_id` manages `dept_id` or one of its ancestors.
  bool Manages(const std::string& employee_id, const std::string& dept_id) const;
};

// The parts of an employee record access decisions need.
struct EmployeeRef {
  std::string id;
  std::string department_id;
  std::string manager_id;  // direct manager
};

// How the caller stands to an employee.
enum class Relation { kNone, kSelf, kManager, kOrg };

// kOrg for admins and services, kSelf for the employee, kManager for their direct manager or
// a manager of their department or one above it, else kNone.
Relation RelationTo(const Principal& p, const OrgTree& tree, const EmployeeRef& e);

}  // namespace opsuite::auth
