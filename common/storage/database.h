// The storage interface every service store is written against.
//
// SQL uses `?` placeholders and the portable subset of SQLite and PostgreSQL (BIGINT, TEXT,
// BLOB/BYTEA via Blob, INSERT ... ON CONFLICT); a PostgreSQL backend rewrites `?` to `$n`.
// Statements are always prepared and parameters always bound: never build SQL from input.
//
//   RETURN_IF_ERROR(db.Write([&](Tx& tx) -> absl::Status {
//     ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT body FROM cards WHERE id = ?", {id}));
//     ...
//     return tx.Exec("UPDATE cards SET body = ? WHERE id = ?", {Blob{body}, id}).status();
//   }));
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace opsuite::storage {

struct Blob {
  std::string data;
};

// A bound parameter or a column value. Text and blobs both read back as std::string.
using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<std::monostate>(values_[i]); }
  int64_t Int(size_t i) const;              // 0 for NULL
  double Double(size_t i) const;            // 0 for NULL
  const std::string& Text(size_t i) const;  // "" for NULL; blobs too

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

// One transaction. Errors: a unique-key violation is ALREADY_EXISTS; a full disk is
// RESOURCE_EXHAUSTED; a database that cannot be reached is UNAVAILABLE.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual absl::StatusOr<Rows> Query(absl::string_view sql, const std::vector<Value>& params) = 0;
  // Returns the number of rows changed.
  virtual absl::StatusOr<int64_t> Exec(absl::string_view sql, const std::vector<Value>& params) = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  // Runs `fn` in a write transaction and commits when it returns OK (rolls back otherwise).
  // Writers are serialized. `fn` may run more than once when the backend asks for a retry,
  // so it must not have effects outside the transaction. A backend may commit several
  // writers' fns together (SQLite's group commit): each still sees the writes before it and
  // an error rolls back only its own.
  virtual absl::Status Write(absl::FunctionRef<absl::Status(Tx&)> fn) = 0;
  // Runs `fn` in a read-only snapshot.
  virtual absl::Status Read(absl::FunctionRef<absl::Status(Tx&)> fn) = 0;
  // "sqlite" or "postgres", for the rare statement that differs.
  virtual absl::string_view Dialect() const = 0;
  // Called (on the committing thread) after every committed write transaction.
  virtual void OnCommit(std::function<void()> listener) = 0;

  // Successful writes and the commits that made them durable (fewer when commits are grouped).
  struct WriteStats {
    uint64_t writes = 0;
    uint64_t commits = 0;
  };
  virtual WriteStats Stats() const { return {}; }
};

using DatabasePtr = std::unique_ptr<Database>;

// "?, ?, ?" for `n` bound values (an IN list; the values are still bound, never inlined).
std::string Placeholders(size_t n);

// A schema step. Applied once, in version order, at start-up (see ApplyMigrations).
struct Migration {
  int version;
  std::string description;
  std::string sql;           // may hold several statements separated by ';'
  // When PostgreSQL needs different text. Empty: `sql` with the type BLOB spelled BYTEA and
  // INTEGER PRIMARY KEY AUTOINCREMENT spelled BIGSERIAL PRIMARY KEY (nothing else changes).
  std::string postgres_sql = {};
};

// Applies the migrations of `component` that are not yet recorded in `schema_migrations`,
// each in its own transaction. Idempotent. The common tables (outbox, idempotency) are
// created by component "common" first.
absl::Status ApplyMigrations(Database& db, absl::string_view component,
                             const std::vector<Migration>& migrations);

}  // namespace opsuite::storage
