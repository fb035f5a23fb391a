// What the crm services share: database, clock, cache, the planning directory, the search
// folder, and the access rules for customers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/auth/principal.h"
#include "common/cache/cache.h"
#include "common/cache/single_flight.h"
#include "common/clock.h"
#include "common/events/new_event.h"
#include "common/server/edge.h"
#include "common/storage/database.h"
#include "google/protobuf/struct.pb.h"
#include "opsuite/common/v1/event.pb.h"
#include "services/crm/domain/search.h"
#include "services/planning/client/directory_client.h"

namespace opsuite::crm {

inline constexpr absl::Duration kCacheTtl = absl::Minutes(5);

struct Context {
  storage::Database* db = nullptr;
  const Clock* clock = nullptr;
  cache::Cache* cache = nullptr;
  server::Edge* edge = nullptr;
  planning::DirectoryClient* directory = nullptr;
  TextFolder* folder = nullptr;
  cache::SingleFlight flight;
};

// What a caller may see of the org's customers: everything (admins, services), or their own,
// the pool, and the customers owned by people in the departments they manage (transitively).
struct View {
  bool org_wide = false;
  std::string subject;
  std::vector<std::string> managed_paths;  // department paths the caller manages

  bool Sees(const std::string& owner_id, const std::string& owner_path) const;
  // Sees, except the pool: changing a pool customer means claiming it first.
  bool Manages(const std::string& owner_id, const std::string& owner_path) const;
};

absl::StatusOr<View> ViewOf(Context& ctx, const auth::Principal& p);

std::string CustomerKey(const std::string& org, const std::string& id);

using events::NewEvent;
using events::Put;
using events::PutNumber;

}  // namespace opsuite::crm
