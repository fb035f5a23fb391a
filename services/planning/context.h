// What the planning services share: the database, clock, cache, the org-tree cache, and the
// access and event helpers every handler uses.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/auth/principal.h"
#include "common/cache/cache.h"
#include "common/cache/cache_aside.h"
#include "common/clock.h"
#include "common/events/new_event.h"
#include "common/server/edge.h"
#include "common/storage/database.h"
#include "google/protobuf/struct.pb.h"
#include "opsuite/common/v1/event.pb.h"
#include "services/planning/planning_store.h"

namespace opsuite::planning {

inline constexpr absl::Duration kCacheTtl = absl::Minutes(5);

struct Context {
  storage::Database* db = nullptr;
  const Clock* clock = nullptr;
  cache::Cache* cache = nullptr;
  server::Edge* edge = nullptr;
  cache::SingleFlight flight;
  OrgTreeCache trees;
};

using auth::Relation;

// auth::RelationTo for an employee record.
Relation RelationTo(const auth::Principal& p, const OrgTree& tree, const v1::Employee& e);

// PERMISSION_DENIED unless the caller is the employee, manages them, or sees the org.
absl::Status CanRead(const auth::Principal& p, const OrgTree& tree, const v1::Employee& e);
// PERMISSION_DENIED unless the caller is an admin (or a service when `allow_service`).
absl::Status RequireAdmin(const auth::Principal& p, absl::string_view action,
                          bool allow_service = true);

using events::NewEvent;
using events::Put;
using events::PutNumber;

std::string EmployeeKey(const std::string& org, const std::string& id);
std::string TargetKey(const std::string& org, const std::string& id);
std::string GoalCardKey(const std::string& org, const std::string& id);

}  // namespace opsuite::planning
