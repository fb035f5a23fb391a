// Persistence of the planning service over storage::Database (SQLite or PostgreSQL).
//
// Each resource is stored as its serialized proto (`body`) plus the columns that queries
// filter on; every row carries org_id and every statement is scoped by it. The functions take
// a storage::Tx so the service composes them with the outbox and idempotency records in one
// transaction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/rbac.h"
#include "common/clock.h"
#include "common/storage/database.h"
#include "common/storage/etag.h"
#include "common/storage/page.h"
#include "google/protobuf/message.h"
#include "opsuite/planning/v1/directory.pb.h"

namespace opsuite::planning {

using storage::CheckEtag;
using storage::EtagOf;
using storage::FillPage;
using storage::Tx;

std::vector<storage::Migration> PlanningMigrations();

// Reads `body` of row (org, id) in `table` into `out`; NOT_FOUND names `what` and the id.
absl::Status LoadBody(Tx& tx, absl::string_view table, absl::string_view what,
                      const std::string& org, const std::string& id,
                      google::protobuf::Message* out);

using auth::OrgTree;

// Caches each org's tree, reloading it when the org's directory version moved (one primary
// key read per check), so every replica sees department changes at once.
class OrgTreeCache {
 public:
  absl::StatusOr<std::shared_ptr<const OrgTree>> Get(Tx& tx, const std::string& org);

 private:
  struct Entry {
    int64_t version = -1;
    std::shared_ptr<const OrgTree> tree;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// Marks the org's directory as changed (call in the transaction that changes departments
// or employees' department/manager).
absl::Status BumpDirectoryVersion(Tx& tx, const std::string& org);

// NOT_FOUND unless employee `id` exists; INVALID_ARGUMENT naming `field` when it does not.
absl::Status RequireEmployee(Tx& tx, const std::string& org, const std::string& id,
                             const std::string& field);

absl::StatusOr<v1::Employee> LoadEmployee(Tx& tx, const std::string& org, const std::string& id);

// The employees among `ids` (duplicates allowed) that exist in `org`, by id, in one query.
// Only id, department_id and manager_id are filled: what access decisions need.
absl::StatusOr<absl::flat_hash_map<std::string, v1::Employee>> LoadEmployeeRefs(
    Tx& tx, const std::string& org, const std::vector<std::string>& ids);

// Appends the distinct values of `ids` (at least one) to `params` and returns their
// placeholders ("?, ?, ?") for an `IN (...)` list. The list is padded to a power of two by
// repeating the last id, so a statement is prepared for a handful of list lengths (each
// connection caches its statements), not one per length.
std::string AppendInList(const std::vector<std::string>& ids,
                         std::vector<storage::Value>* params);

}  // namespace opsuite::planning
