// What the scoring services share: database, clock, Redis, the planning directory, the input
// reader, the run worker, and the access rules for evaluations.
#pragma once

#include <memory>
#include <string>

#include "common/auth/principal.h"
#include "common/clock.h"
#include "common/events/new_event.h"
#include "common/redis/redis_client.h"
#include "common/server/edge.h"
#include "common/storage/database.h"
#include "services/planning/client/directory_client.h"
#include "services/scoring/scoring_store.h"

namespace opsuite::scoring {

class Leaderboards;
class RunWorker;

struct Context {
  storage::Database* db = nullptr;
  const Clock* clock = nullptr;
  server::Edge* edge = nullptr;
  planning::DirectoryClient* directory = nullptr;
  Leaderboards* leaderboards = nullptr;
  RunWorker* worker = nullptr;
};

// How the caller stands to an evaluation's subject: OK for admins and services, the subject
// themselves (employee subjects) and the managers of the subject's department (or above it)
// or of the employee directly; PERMISSION_DENIED otherwise.
absl::Status CanSee(Context& ctx, const auth::Principal& p, const v1::Evaluation& e);
// OK when the caller sees the whole org or manages `department_id` (or one above it).
absl::Status CanManageDepartment(Context& ctx, const auth::Principal& p,
                                 const std::string& department_id);
// CanManageDepartment, or `department_id` is the caller's own department (employees see
// their department's ranking).
absl::Status CanSeeDepartment(Context& ctx, const auth::Principal& p,
                              const std::string& department_id);

using events::NewEvent;
using events::Put;
using events::PutNumber;

}  // namespace opsuite::scoring
