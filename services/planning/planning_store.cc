#include "services/planning/planning_store.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::planning {

std::vector<storage::Migration> PlanningMigrations() {
  return {
      {1, "directory, targets, actuals, goal cards, reports",
       "CREATE TABLE org_state (org_id TEXT PRIMARY KEY, dir_version BIGINT NOT NULL);"
       "CREATE TABLE departments (org_id TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT NOT "
       "NULL, manager_id TEXT NOT NULL, path TEXT NOT NULL, version BIGINT NOT NULL, body BLOB "
       "NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE TABLE employees (org_id TEXT NOT NULL, id TEXT NOT NULL, department_id TEXT NOT "
       "NULL, dept_path TEXT NOT NULL, manager_id TEXT NOT NULL, version BIGINT NOT NULL, body "
       "BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE INDEX employees_by_path ON employees (org_id, dept_path, id);"
       "CREATE TABLE targets (org_id TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT NOT NULL, "
       "owner_kind BIGINT NOT NULL, owner_id TEXT NOT NULL, metric TEXT NOT NULL, start_date "
       "TEXT NOT NULL, end_date TEXT NOT NULL, version BIGINT NOT NULL, body BLOB NOT NULL, "
       "PRIMARY KEY (org_id, id));"
       "CREATE INDEX targets_by_parent ON targets (org_id, parent_id, start_date);"
       "CREATE INDEX targets_by_owner ON targets (org_id, owner_kind, owner_id, metric);"
       "CREATE TABLE actuals (org_id TEXT NOT NULL, id TEXT NOT NULL, owner_kind BIGINT NOT "
       "NULL, owner_id TEXT NOT NULL, dept_path TEXT NOT NULL, metric TEXT NOT NULL, day TEXT "
       "NOT NULL, value BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE INDEX actuals_by_metric ON actuals (org_id, metric, day);"
       "CREATE TABLE goal_cards (org_id TEXT NOT NULL, id TEXT NOT NULL, employee_id TEXT NOT "
       "NULL, dept_path TEXT NOT NULL, granularity BIGINT NOT NULL, period_start TEXT NOT NULL, "
       "state BIGINT NOT NULL, version BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY "
       "(org_id, id), UNIQUE (org_id, employee_id, granularity, period_start));"
       "CREATE INDEX goal_cards_by_path ON goal_cards (org_id, dept_path, id);"
       "CREATE TABLE reports (org_id TEXT NOT NULL, id TEXT NOT NULL, employee_id TEXT NOT "
       "NULL, kind BIGINT NOT NULL, period_date TEXT NOT NULL, late BIGINT NOT NULL, body BLOB "
       "NOT NULL, PRIMARY KEY (org_id, id), UNIQUE (org_id, employee_id, kind, period_date));"
       "CREATE TABLE report_missing (org_id TEXT NOT NULL, employee_id TEXT NOT NULL, kind "
       "BIGINT NOT NULL, period_date TEXT NOT NULL, recorded_at BIGINT NOT NULL, PRIMARY KEY "
       "(org_id, employee_id, kind, period_date));"
       "CREATE TABLE report_policies (org_id TEXT PRIMARY KEY, version BIGINT NOT NULL, body "
       "BLOB NOT NULL)",
       /*postgres_sql=*/""},
      {2, "indexes for batch reads by owner (BatchGetOwnerProgress)",
       // The targets of many owners for one metric, by start date; the actuals of many
       // employees for one metric, by day, with the value so a sum reads the index only.
       "CREATE INDEX targets_by_owner_start ON targets (org_id, owner_kind, owner_id, metric, "
       "start_date);"
       "CREATE INDEX actuals_by_owner ON actuals (org_id, owner_kind, owner_id, metric, day, "
       "value)",
       /*postgres_sql=*/""},
  };
}

absl::Status LoadBody(Tx& tx, absl::string_view table, absl::string_view what,
                      const std::string& org, const std::string& id,
                      google::protobuf::Message* out) {
  // `table` is one of this file's constants, never input.
  ASSIGN_OR_RETURN(storage::Rows rows,
                   tx.Query(absl::StrCat("SELECT body FROM ", table, " WHERE org_id = ? AND id = ?"),
                            {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat(what, " ", id, " not found"));
  if (!out->ParseFromString(rows[0].Text(0))) {
    return absl::DataLossError(absl::StrCat(what, " ", id, " is stored corrupt"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const OrgTree>> OrgTreeCache::Get(Tx& tx, const std::string& org) {
  ASSIGN_OR_RETURN(storage::Rows v,
                   tx.Query("SELECT dir_version FROM org_state WHERE org_id = ?", {org}));
  int64_t version = v.empty() ? 0 : v[0].Int(0);
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(org);
    if (it != entries_.end() && it->second.version == version) return it->second.tree;
  }
  ASSIGN_OR_RETURN(storage::Rows rows,
                   tx.Query("SELECT id, parent_id, manager_id, path FROM departments WHERE org_id = ?",
                            {org}));
  auto tree = std::make_shared<OrgTree>();
  for (const auto& row : rows) {
    OrgTree::Dept d{row.Text(0), row.Text(1), row.Text(2), row.Text(3)};
    tree->depts.emplace(d.id, std::move(d));
  }
  absl::MutexLock lock(&mu_);
  entries_[org] = Entry{version, tree};
  return std::shared_ptr<const OrgTree>(tree);
}

absl::Status BumpDirectoryVersion(Tx& tx, const std::string& org) {
  return tx
      .Exec("INSERT INTO org_state (org_id, dir_version) VALUES (?, 1) ON CONFLICT (org_id) DO "
            "UPDATE SET dir_version = org_state.dir_version + 1",
            {org})
      .status();
}

absl::Status RequireEmployee(Tx& tx, const std::string& org, const std::string& id,
                             const std::string& field) {
  auto e = LoadEmployee(tx, org, id);
  if (absl::IsNotFound(e.status())) {
    return InvalidField(field, absl::StrCat("no employee ", id, " in this org"));
  }
  return e.status();
}

absl::StatusOr<v1::Employee> LoadEmployee(Tx& tx, const std::string& org, const std::string& id) {
  v1::Employee e;
  RETURN_IF_ERROR(LoadBody(tx, "employees", "employee", org, id, &e));
  return e;
}

absl::StatusOr<absl::flat_hash_map<std::string, v1::Employee>> LoadEmployeeRefs(
    Tx& tx, const std::string& org, const std::vector<std::string>& ids) {
  absl::flat_hash_map<std::string, v1::Employee> out;
  if (ids.empty()) return out;
  std::vector<storage::Value> params = {org};
  std::string in = AppendInList(ids, &params);
  ASSIGN_OR_RETURN(storage::Rows rows,
                   tx.Query(absl::StrCat("SELECT id, department_id, manager_id FROM employees "
                                         "WHERE org_id = ? AND id IN (",
                                         in, ")"),
                            params));
  for (const auto& row : rows) {
    v1::Employee e;
    e.set_id(row.Text(0));
    e.set_department_id(row.Text(1));
    e.set_manager_id(row.Text(2));
    out.emplace(e.id(), std::move(e));
  }
  return out;
}

std::string AppendInList(const std::vector<std::string>& ids,
                         std::vector<storage::Value>* params) {
  std::vector<const std::string*> distinct;
  distinct.reserve(ids.size());
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& id : ids) {
    if (seen.insert(id).second) distinct.push_back(&id);
  }
  size_t padded = 1;
  while (padded < distinct.size()) padded *= 2;
  std::string out;
  out.reserve(padded * 3);
  for (size_t i = 0; i < padded; ++i) {
    params->push_back(*distinct[std::min(i, distinct.size() - 1)]);
    out += i == 0 ? "?" : ", ?";
  }
  return out;
}

}  // namespace opsuite::planning
