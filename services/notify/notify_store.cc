#include "services/notify/notify_store.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/timestamps.h"

namespace opsuite::notify {

using storage::Blob;
using storage::Rows;

std::vector<storage::Migration> NotifyMigrations() {
  return {
      {1, "notices, deliveries, processed events, templates, preferences",
       "CREATE TABLE notices (org_id TEXT NOT NULL, id TEXT NOT NULL, recipient_id TEXT NOT NULL,"
       " event_id TEXT NOT NULL, is_read BIGINT NOT NULL, body BLOB NOT NULL,"
       " PRIMARY KEY (org_id, id));"
       "CREATE INDEX notices_by_recipient ON notices (org_id, recipient_id, id);"
       "CREATE INDEX notices_unread ON notices (org_id, recipient_id, is_read, id);"
       // Exactly once per person: an event reaches each recipient once.
       "CREATE UNIQUE INDEX notices_once ON notices (org_id, recipient_id, event_id)"
       " WHERE event_id <> '';"
       "CREATE TABLE processed_events (org_id TEXT NOT NULL, event_id TEXT NOT NULL, at BIGINT NOT"
       " NULL, PRIMARY KEY (org_id, event_id));"
       "CREATE TABLE deliveries (org_id TEXT NOT NULL, id TEXT NOT NULL, notice_id TEXT NOT NULL,"
       " recipient_id TEXT NOT NULL, state BIGINT NOT NULL, next_at BIGINT NOT NULL, digest_key"
       " TEXT NOT NULL, subject TEXT NOT NULL, content TEXT NOT NULL, body BLOB NOT NULL,"
       " PRIMARY KEY (org_id, id));"
       "CREATE INDEX deliveries_due ON deliveries (state, next_at);"
       "CREATE INDEX deliveries_by_recipient ON deliveries (org_id, recipient_id, id);"
       "CREATE INDEX deliveries_by_notice ON deliveries (org_id, notice_id);"
       "CREATE INDEX deliveries_by_digest ON deliveries (org_id, digest_key, state);"
       "CREATE TABLE templates (org_id TEXT NOT NULL, key TEXT NOT NULL, locale TEXT NOT NULL,"
       " channel BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, key, locale, channel));"
       "CREATE TABLE preferences (org_id TEXT NOT NULL, employee_id TEXT NOT NULL, version BIGINT"
       " NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, employee_id))",
       /*postgres_sql=*/""},
  };
}

absl::Status InsertNotice(Tx& tx, const std::string& org, const v1::Notice& n) {
  return tx
      .Exec("INSERT INTO notices (org_id, id, recipient_id, event_id, is_read, body) VALUES "
            "(?, ?, ?, ?, ?, ?)",
            {org, n.id(), n.recipient_id(), n.event_id(), int64_t{n.read()},
             Blob{n.SerializeAsString()}})
      .status();
}

absl::Status InsertDelivery(Tx& tx, const std::string& org, const v1::Delivery& d,
                            const std::string& digest_key, const Rendered& rendered) {
  return tx
      .Exec("INSERT INTO deliveries (org_id, id, notice_id, recipient_id, state, next_at, "
            "digest_key, subject, content, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {org, d.id(), d.notice_id(), d.recipient_id(), int64_t{d.state()},
             absl::ToUnixMillis(FromProto(d.next_attempt_time())), digest_key, rendered.subject,
             rendered.body, Blob{d.SerializeAsString()}})
      .status();
}

absl::Status UpdateDelivery(Tx& tx, const std::string& org, const v1::Delivery& d) {
  return tx
      .Exec("UPDATE deliveries SET state = ?, next_at = ?, body = ? WHERE org_id = ? AND id = ?",
            {int64_t{d.state()}, absl::ToUnixMillis(FromProto(d.next_attempt_time())),
             Blob{d.SerializeAsString()}, org, d.id()})
      .status();
}

absl::StatusOr<v1::Notice> LoadNotice(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT is_read, body FROM notices WHERE org_id = ? AND "
                                       "id = ?",
                                       {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("notice ", id, " not found"));
  v1::Notice n;
  if (!n.ParseFromString(rows[0].Text(1))) {
    return absl::DataLossError(absl::StrCat("notice ", id, " is stored corrupt"));
  }
  return n;
}

absl::StatusOr<std::optional<v1::Template>> FindTemplate(Tx& tx, const std::string& org,
                                                         const std::string& key,
                                                         const std::string& locale,
                                                         v1::Channel channel) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT body FROM templates WHERE org_id = ? AND key = ? "
                                       "AND locale = ? AND channel = ?",
                                       {org, key, locale, int64_t{channel}}));
  if (rows.empty()) return std::optional<v1::Template>();
  v1::Template t;
  if (!t.ParseFromString(rows[0].Text(0))) {
    return absl::DataLossError(absl::StrCat("template ", key, " is stored corrupt"));
  }
  return std::optional<v1::Template>(std::move(t));
}

absl::StatusOr<v1::Preferences> LoadPreferences(Tx& tx, const std::string& org,
                                                const std::string& employee_id,
                                                int64_t* version) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version, body FROM preferences WHERE org_id = ? "
                                       "AND employee_id = ?",
                                       {org, employee_id}));
  v1::Preferences p;
  *version = 0;
  if (rows.empty()) {
    p.set_employee_id(employee_id);
    return p;
  }
  *version = rows[0].Int(0);
  if (!p.ParseFromString(rows[0].Text(1))) {
    return absl::DataLossError(absl::StrCat("preferences of ", employee_id, " are stored corrupt"));
  }
  return p;
}

absl::Status SavePreferences(Tx& tx, const std::string& org, const v1::Preferences& p,
                             int64_t version, bool insert) {
  if (insert) {
    return tx
        .Exec("INSERT INTO preferences (org_id, employee_id, version, body) VALUES (?, ?, ?, ?)",
              {org, p.employee_id(), version, Blob{p.SerializeAsString()}})
        .status();
  }
  return tx
      .Exec("UPDATE preferences SET version = ?, body = ? WHERE org_id = ? AND employee_id = ?",
            {version, Blob{p.SerializeAsString()}, org, p.employee_id()})
      .status();
}

}  // namespace opsuite::notify
