// Persistence of the crm service over storage::Database (SQLite or PostgreSQL).
//
// A customer is stored as its serialized proto plus the columns lists filter and sort on;
// `owner_path` is the department path of the owner when the customer was assigned, so a
// manager's view is a prefix match. Every statement is scoped by org_id.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "opsuite/crm/v1/customer.pb.h"

namespace opsuite::crm {

using storage::Tx;

std::vector<storage::Migration> CrmMigrations();

// A customer row: the proto and what only the store keeps.
struct CustomerRow {
  v1::Customer customer;
  int64_t version = 0;
  std::string owner_path;
  bool deleted = false;
  int64_t assigned_at_ms = 0;  // when the current owner got it (the pool's idle clock)
};

// NOT_FOUND for a missing or deleted customer.
absl::StatusOr<CustomerRow> LoadCustomer(Tx& tx, const std::string& org, const std::string& id);

// Inserts (version 1) or updates (row.version) the customer and its filter columns.
// `name_key` and `search` are the folded name and the folded name + contact names.
absl::Status SaveCustomer(Tx& tx, const std::string& org, const CustomerRow& row,
                          const std::string& name_key, const std::string& search, bool insert);

absl::StatusOr<v1::CrmPolicy> LoadCrmPolicy(Tx& tx, const std::string& org, int64_t* version);
absl::Status SaveCrmPolicy(Tx& tx, const std::string& org, const v1::CrmPolicy& policy,
                           int64_t version);

}  // namespace opsuite::crm
