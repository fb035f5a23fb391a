#include "services/planning/planning_store.h"

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

}  // namespace opsuite::planning
