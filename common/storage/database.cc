#include "common/storage/database.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace opsuite::storage {
namespace {

const std::string& EmptyString() {
  static const std::string* empty = new std::string();
  return *empty;
}

// The tables every service database has: the outbox and remembered responses. The two
// dialects differ only in the blob type and the auto-increment key.
std::string CommonTables(absl::string_view blob, absl::string_view serial_key) {
  return absl::StrCat(
      "CREATE TABLE IF NOT EXISTS outbox (seq ", serial_key, ", event_id TEXT NOT NULL, event ",
      blob, " NOT NULL, created_at BIGINT NOT NULL, sent_at BIGINT);"
      "CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;"
      "CREATE TABLE IF NOT EXISTS idempotency (org_id TEXT NOT NULL, scope TEXT NOT NULL,"
      " request_id TEXT NOT NULL, response ",
      blob, " NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (org_id, scope, request_id))");
}

const std::vector<Migration>& CommonMigrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "outbox and idempotency", CommonTables("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"),
       CommonTables("BYTEA", "BIGSERIAL PRIMARY KEY")},
  };
  return *migrations;
}

// SQLite's DDL spelled for PostgreSQL: the type BLOB is BYTEA and an auto-increment key is a
// BIGSERIAL. Only whole words outside quotes change.
std::string PostgresDdl(absl::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  auto emit = [&out](absl::string_view piece) { out.append(piece.data(), piece.size()); };
  auto is_word = [](char c) { return absl::ascii_isalnum(c) || c == '_'; };
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = sql.find(c, i + 1);
      end = end == absl::string_view::npos ? sql.size() : end + 1;
      emit(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (is_word(c) && (i == 0 || !is_word(sql[i - 1]))) {
      size_t end = i;
      while (end < sql.size() && is_word(sql[end])) ++end;
      absl::string_view word = sql.substr(i, end - i);
      constexpr absl::string_view kAutoKey = "INTEGER PRIMARY KEY AUTOINCREMENT";
      if (absl::EqualsIgnoreCase(word, "BLOB")) {
        out.append("BYTEA");
      } else if (absl::EqualsIgnoreCase(word, "INTEGER") &&
                 absl::StartsWithIgnoreCase(sql.substr(i), kAutoKey)) {
        out.append("BIGSERIAL PRIMARY KEY");
        end = i + kAutoKey.size();
      } else {
        emit(word);
      }
      i = end;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

// Replicas starting side by side migrate the same schema at once. On PostgreSQL the DDL of the
// one that loses waits for the winner's commit and then fails on the catalog (23505, 42P07:
// ALREADY_EXISTS); run again, the step finds its version recorded and has nothing to do.
absl::Status WriteMigrationStep(Database& db, absl::FunctionRef<absl::Status(Tx&)> step) {
  absl::Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s = db.Write(step);
    if (!absl::IsAlreadyExists(s)) return s;
  }
  return s;
}

absl::Status ApplyComponent(Database& db, absl::string_view component,
                            const std::vector<Migration>& migrations) {
  for (const Migration& m : migrations) {
    RETURN_IF_ERROR(WriteMigrationStep(db, [&](Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(Rows rows,
                       tx.Query("SELECT 1 FROM schema_migrations WHERE component = ? AND "
                                "version = ?",
                                {std::string(component), int64_t{m.version}}));
      if (!rows.empty()) return absl::OkStatus();
      std::string text = m.sql;
      if (db.Dialect() == "postgres") {
        text = m.postgres_sql.empty() ? PostgresDdl(m.sql) : m.postgres_sql;
      }
      for (absl::string_view stmt : absl::StrSplit(text, ';')) {
        stmt = absl::StripAsciiWhitespace(stmt);
        if (stmt.empty()) continue;
        auto result = tx.Exec(absl::string_view(stmt.data(), stmt.size()), {});
        if (!result.ok()) {
          return absl::Status(result.status().code(),
                              absl::StrCat("migration ", component, " v", m.version, " (",
                                           m.description, "): ", result.status().message()));
        }
      }
      return tx
          .Exec("INSERT INTO schema_migrations (component, version, description) VALUES (?, ?, ?)",
                {std::string(component), int64_t{m.version}, m.description})
          .status();
    }));
  }
  return absl::OkStatus();
}

}  // namespace

int64_t Row::Int(size_t i) const {
  const Value& v = values_[i];
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  return 0;
}

double Row::Double(size_t i) const {
  const Value& v = values_[i];
  if (auto* p = std::get_if<double>(&v)) return *p;
  if (auto* p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  return 0;
}

const std::string& Row::Text(size_t i) const {
  const Value& v = values_[i];
  if (auto* p = std::get_if<std::string>(&v)) return *p;
  if (auto* p = std::get_if<Blob>(&v)) return p->data;
  return EmptyString();
}

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out.append(i == 0 ? "?" : ", ?");
  return out;
}

absl::Status ApplyMigrations(Database& db, absl::string_view component,
                             const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(WriteMigrationStep(db, [](Tx& tx) -> absl::Status {
    return tx
        .Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              " component TEXT NOT NULL, version BIGINT NOT NULL, description TEXT NOT NULL,"
              " PRIMARY KEY (component, version))",
              {})
        .status();
  }));
  RETURN_IF_ERROR(ApplyComponent(db, "common", CommonMigrations()));
  return ApplyComponent(db, component, migrations);
}

}  // namespace opsuite::storage
