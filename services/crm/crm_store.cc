#include "services/crm/crm_store.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/timestamps.h"
#include "services/crm/domain/visit_rules.h"

namespace opsuite::crm {

using storage::Blob;
using storage::Rows;

std::vector<storage::Migration> CrmMigrations() {
  return {
      {1, "customers, activities, orders, payments, visit episodes, claims, policies",
       "CREATE TABLE customers (org_id TEXT NOT NULL, id TEXT NOT NULL, owner_id TEXT NOT NULL,"
       " owner_path TEXT NOT NULL, tier BIGINT NOT NULL, stage BIGINT NOT NULL, province TEXT NOT"
       " NULL, city TEXT NOT NULL, name_key TEXT NOT NULL, search TEXT NOT NULL, deleted BIGINT"
       " NOT NULL, last_effective_at BIGINT NOT NULL, last_visit_at BIGINT NOT NULL, assigned_at"
       " BIGINT NOT NULL, update_at BIGINT NOT NULL, version BIGINT NOT NULL, body BLOB NOT NULL,"
       " PRIMARY KEY (org_id, id));"
       // The duplicate guard: one live customer per normalized name and city.
       "CREATE UNIQUE INDEX customers_unique_name ON customers (org_id, city, name_key)"
       " WHERE deleted = 0;"
       "CREATE INDEX customers_by_owner ON customers (org_id, owner_id, id);"
       "CREATE INDEX customers_by_path ON customers (org_id, owner_path, id);"
       "CREATE TABLE customer_tags (org_id TEXT NOT NULL, customer_id TEXT NOT NULL, tag TEXT NOT"
       " NULL, PRIMARY KEY (org_id, tag, customer_id));"
       "CREATE TABLE activities (org_id TEXT NOT NULL, id TEXT NOT NULL, customer_id TEXT NOT"
       " NULL, employee_id TEXT NOT NULL, kind BIGINT NOT NULL, effective BIGINT NOT NULL,"
       " occurred_at BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE INDEX activities_by_customer ON activities (org_id, customer_id, occurred_at);"
       "CREATE INDEX activities_by_employee ON activities (org_id, employee_id, occurred_at);"
       "CREATE TABLE orders (org_id TEXT NOT NULL, id TEXT NOT NULL, customer_id TEXT NOT NULL,"
       " owner_id TEXT NOT NULL, kind BIGINT NOT NULL, signed_at TEXT NOT NULL, amount BIGINT NOT"
       " NULL, paid BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE INDEX orders_by_customer ON orders (org_id, customer_id, id);"
       "CREATE INDEX orders_by_owner ON orders (org_id, owner_id, signed_at);"
       "CREATE TABLE payments (org_id TEXT NOT NULL, id TEXT NOT NULL, order_id TEXT NOT NULL,"
       " owner_id TEXT NOT NULL, amount BIGINT NOT NULL, received_on TEXT NOT NULL,"
       " PRIMARY KEY (org_id, id));"
       "CREATE INDEX payments_by_owner ON payments (org_id, owner_id, received_on);"
       "CREATE TABLE visit_episodes (org_id TEXT NOT NULL, customer_id TEXT NOT NULL, due_date"
       " TEXT NOT NULL, owner_notified BIGINT NOT NULL, escalated BIGINT NOT NULL, PRIMARY KEY"
       " (org_id, customer_id, due_date));"
       "CREATE TABLE claims (org_id TEXT NOT NULL, employee_id TEXT NOT NULL, day TEXT NOT NULL,"
       " count BIGINT NOT NULL, PRIMARY KEY (org_id, employee_id, day));"
       "CREATE TABLE crm_policies (org_id TEXT PRIMARY KEY, version BIGINT NOT NULL, body BLOB"
       " NOT NULL)",
       /*postgres_sql=*/""},
      // ListCustomers filters: owner and team have theirs above, city shares the duplicate
      // guard's index, tags their table; these serve the rest.
      {2, "indexes for the tier, stage and province filters",
       "CREATE INDEX customers_by_tier ON customers (org_id, tier, id);"
       "CREATE INDEX customers_by_stage ON customers (org_id, stage, id);"
       "CREATE INDEX customers_by_province ON customers (org_id, province, id)",
       /*postgres_sql=*/""},
  };
}

absl::StatusOr<CustomerRow> LoadCustomer(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version, owner_path, deleted, body, assigned_at "
                                       "FROM customers "
                                       "WHERE org_id = ? AND id = ?",
                                       {org, id}));
  if (rows.empty() || rows[0].Int(2) != 0) {
    return absl::NotFoundError(absl::StrCat("customer ", id, " not found"));
  }
  CustomerRow row;
  row.version = rows[0].Int(0);
  row.owner_path = rows[0].Text(1);
  row.assigned_at_ms = rows[0].Int(4);
  if (!row.customer.ParseFromString(rows[0].Text(3))) {
    return absl::DataLossError(absl::StrCat("customer ", id, " is stored corrupt"));
  }
  return row;
}

absl::Status SaveCustomer(Tx& tx, const std::string& org, const CustomerRow& row,
                          const std::string& name_key, const std::string& search, bool insert) {
  const v1::Customer& c = row.customer;
  int64_t last_effective = c.has_last_effective_activity_time()
                               ? absl::ToUnixMillis(FromProto(c.last_effective_activity_time()))
                               : 0;
  int64_t updated = absl::ToUnixMillis(FromProto(c.update_time()));
  std::string body = c.SerializeAsString();
  if (insert) {
    RETURN_IF_ERROR(
        tx.Exec("INSERT INTO customers (org_id, id, owner_id, owner_path, tier, stage, province, "
                "city, name_key, search, deleted, last_effective_at, last_visit_at, assigned_at, "
                "update_at, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                {org, c.id(), c.owner_id(), row.owner_path, int64_t{c.tier()}, int64_t{c.stage()},
                 c.region().province(), c.region().city(), name_key, search,
                 int64_t{row.deleted}, last_effective, row.assigned_at_ms, updated, row.version,
                 Blob{body}})
            .status());
  } else {
    RETURN_IF_ERROR(
        tx.Exec("UPDATE customers SET owner_id = ?, owner_path = ?, tier = ?, stage = ?, "
                "province = ?, city = ?, name_key = ?, search = ?, deleted = ?, "
                "last_effective_at = ?, assigned_at = ?, update_at = ?, version = ?, body = ? WHERE "
                "org_id = ? AND id = ?",
                {c.owner_id(), row.owner_path, int64_t{c.tier()}, int64_t{c.stage()},
                 c.region().province(), c.region().city(), name_key, search,
                 int64_t{row.deleted}, last_effective, row.assigned_at_ms, updated, row.version,
                 Blob{body}, org, c.id()})
            .status());
    RETURN_IF_ERROR(tx.Exec("DELETE FROM customer_tags WHERE org_id = ? AND customer_id = ?",
                            {org, c.id()})
                        .status());
  }
  if (row.deleted) return absl::OkStatus();
  for (const std::string& tag : c.tags()) {
    RETURN_IF_ERROR(tx.Exec("INSERT INTO customer_tags (org_id, customer_id, tag) VALUES (?, ?, ?) "
                            "ON CONFLICT DO NOTHING",
                            {org, c.id(), tag})
                        .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CrmPolicy> LoadCrmPolicy(Tx& tx, const std::string& org, int64_t* version) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT version, body FROM crm_policies WHERE org_id = ?", {org}));
  if (rows.empty()) {
    if (version) *version = 0;
    v1::CrmPolicy p = DefaultCrmPolicy();
    p.set_etag("0");
    return p;
  }
  v1::CrmPolicy p;
  if (!p.ParseFromString(rows[0].Text(1))) return absl::DataLossError("corrupt crm policy");
  if (version) *version = rows[0].Int(0);
  return p;
}

absl::Status SaveCrmPolicy(Tx& tx, const std::string& org, const v1::CrmPolicy& policy,
                           int64_t version) {
  return tx
      .Exec("INSERT INTO crm_policies (org_id, version, body) VALUES (?, ?, ?) ON CONFLICT "
            "(org_id) DO UPDATE SET version = excluded.version, body = excluded.body",
            {org, version, Blob{policy.SerializeAsString()}})
      .status();
}

}  // namespace opsuite::crm
