// The SQLite backend of storage::Database: the embedded default.
//
// WAL journal with synchronous=FULL (an acknowledged write is on disk), a busy timeout, one
// writer connection and a small pool of reader connections, and a prepared-statement cache
// per connection so a statement is compiled once.
//
//   ASSIGN_OR_RETURN(DatabasePtr db, OpenSqlite({.path = data_dir + "/planning.db"}));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/storage/database.h"

namespace opsuite::storage {

struct SqliteOptions {
  std::string path;        // ":memory:" is not supported (readers need a shared file)
  int readers = 4;         // reader connections
  int busy_timeout_ms = 5000;
  int cache_size_kib = 16384;  // page cache per connection
};

absl::StatusOr<DatabasePtr> OpenSqlite(const SqliteOptions& options);

}  // namespace opsuite::storage
