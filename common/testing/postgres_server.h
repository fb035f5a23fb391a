// Test helper: a real, throw-away PostgreSQL cluster (initdb + postgres) on 127.0.0.1 and a
// free port, in a fresh temp dir, removed when the helper is destroyed.
//
// initdb and postgres refuse to run as root: when the test runs as root they run as the
// `postgres` user (the temp dir is handed to it). fsync is off: this is for tests only.
// When OPSUITE_TEST_POSTGRES_URL is set (postgres://user@host:port/db) that server is used
// instead and nothing is started (Stop/Restart then fail: the outage tests skip).
//
//   auto pg = opsuite::testing::PostgresServer::Start();
//   ASSERT_TRUE(pg.ok()) << pg.status();
//   auto url = (*pg)->CreateDatabase();     // a fresh, empty database: postgres://.../t_1a2b
//   (*pg)->Stop();                          // fast shutdown: clients see their connection end
//   ASSERT_TRUE((*pg)->Restart().ok());     // same port, data intact
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace opsuite::testing {

class PostgresServer {
 public:
  // Starts a cluster and waits (up to 30 s) until it takes connections.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The maintenance database: "postgres://postgres@127.0.0.1:<port>/postgres".
  std::string url() const { return url_; }
  // The URL of database `name` on this server.
  std::string UrlOf(const std::string& name) const;
  // CREATE DATABASE `name` (empty: t_<random>); returns its URL.
  absl::StatusOr<std::string> CreateDatabase(std::string name = "");
  // DROP DATABASE `name` WITH (FORCE): its connections are ended first.
  absl::Status DropDatabase(const std::string& name);

  // Fast shutdown (SIGINT): open connections are terminated. A no-op when not running.
  void Stop();
  // Starts it again on the same port with the same data (after Stop(), or stops it first).
  absl::Status Restart();
  bool running() const { return pid_ > 0; }
  // True when this helper started the server (false for OPSUITE_TEST_POSTGRES_URL).
  bool owned() const { return !dir_.empty(); }

 private:
  PostgresServer() = default;
  absl::Status Launch();

  std::string bin_;  // /usr/lib/postgresql/<v>/bin
  std::string dir_;  // temp dir: data/ and the log
  int port_ = 0;
  std::string url_;
  pid_t pid_ = -1;
};

}  // namespace opsuite::testing
