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
#include "absl/strings/str_cat.h"
#include "common/auth/rbac.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/storage/database.h"
#include "google/protobuf/message.h"
#include "opsuite/planning/v1/directory.pb.h"

namespace opsuite::planning {

using storage::Tx;

std::vector<storage::Migration> PlanningMigrations();

// Reads `body` of row (org, id) in `table` into `out`; NOT_FOUND names `what` and the id.
absl::Status LoadBody(Tx& tx, absl::string_view table, absl::string_view what,
                      const std::string& org, const std::string& id,
                      google::protobuf::Message* out);

// The version an etag stands for ("3" for version 3); etags are opaque to clients.
std::string EtagOf(int64_t version);
// ABORTED when `etag` is set and is not the etag of `version`.
absl::Status CheckEtag(absl::string_view etag, int64_t version, absl::string_view what);
// The version in an etag made by EtagOf (0 when it is not one).
int64_t VersionOfEtag(absl::string_view etag);

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

// Fills a List response from rows of (id, body): at most `size` messages, each parsed into
// `add()`, and `*next_page_token` when more rows follow (queries fetch size + 1).
template <class AddFn>
absl::Status FillPage(const storage::Rows& rows, int size, absl::string_view what, AddFn add,
                      std::string* next_page_token) {
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(size); ++i) {
    if (!add()->ParseFromString(rows[i].Text(1))) {
      return absl::DataLossError(absl::StrCat("a ", what, " is stored corrupt"));
    }
  }
  if (rows.size() > static_cast<size_t>(size)) {
    *next_page_token = EncodePageToken(rows[size - 1].Text(0));
  }
  return absl::OkStatus();
}

// NOT_FOUND unless employee `id` exists; INVALID_ARGUMENT naming `field` when it does not.
absl::Status RequireEmployee(Tx& tx, const std::string& org, const std::string& id,
                             const std::string& field);

absl::StatusOr<v1::Employee> LoadEmployee(Tx& tx, const std::string& org, const std::string& id);

}  // namespace opsuite::planning
