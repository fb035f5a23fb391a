// The PostgreSQL backend of storage::Database (libpq).
//
// `?` placeholders are rewritten to `$1..$n` (not inside string literals, quoted identifiers
// or comments); every statement is prepared once per connection (PQprepare) and run with
// PQexecPrepared after. A pool of connections (`pool_size`) is dialed lazily; a connection
// that broke is dropped and a new one dialed, so while PostgreSQL is down calls fail
// UNAVAILABLE and they work again by themselves once it is back.
//
// Write transactions run at SERIALIZABLE (or READ COMMITTED) and `fn` is run again on a
// serialization failure or a deadlock (SQLSTATE 40001, 40P01); reads run in
// `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`.
// Errors: 23505 -> ALREADY_EXISTS, 53100 -> RESOURCE_EXHAUSTED, a lost connection, 57P01
// and class 08 -> UNAVAILABLE, anything else -> INTERNAL with the server's message.
//
// `schema` gives every component its own namespace in a shared database: it is created when
// missing and is the connection's search_path, so planning's and crm's tables (and their
// own outbox, idempotency and schema_migrations) never collide.
//
//   ASSIGN_OR_RETURN(DatabasePtr db, OpenPostgres({.url = "postgres://127.0.0.1:5432/opsuite",
//                                                  .schema = "planning"}));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/storage/database.h"

namespace opsuite::storage {

struct PostgresOptions {
  std::string url;           // postgres://user:password@host:port/dbname?... (libpq URI)
  int pool_size = 8;         // connections at most
  std::string schema = {};   // empty: the server's default search_path
  bool serializable = true;  // write transactions at SERIALIZABLE; false: READ COMMITTED
  int max_attempts = 10;     // runs of `fn` on serialization failures / deadlocks
  absl::Duration connect_timeout = absl::Seconds(5);
  // A statement running longer is cancelled by the server: DEADLINE_EXCEEDED.
  absl::Duration statement_timeout = absl::Seconds(30);
  // TCP keepalives and an unacknowledged-data limit, so that a server that hangs (rather
  // than goes down) breaks the connection in about this long instead of blocking calls.
  absl::Duration dead_peer_timeout = absl::Seconds(20);
};

// Connects once to check the URL and creates `schema`; UNAVAILABLE when the server cannot
// be reached.
absl::StatusOr<DatabasePtr> OpenPostgres(const PostgresOptions& options);

// True for the URLs OpenPostgres takes (postgres:// or postgresql://).
bool IsPostgresUrl(absl::string_view url);

// `?` -> `$1..$n` outside '...' literals, "..." identifiers and -- / /* */ comments.
// Exposed for tests.
std::string RewritePlaceholders(absl::string_view sql, int* count);

}  // namespace opsuite::storage
