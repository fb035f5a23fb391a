// The module registry behind `--target` (the Loki/Mimir "one binary, many shapes" pattern):
// each service is a Module; `opsuite --target=all` hosts every module in one process,
// `--target=planning` only one, and the gRPC classes are the same either way.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/cache/cache.h"
#include "common/clock.h"
#include "common/events/bus.h"
#include "common/redis/redis_client.h"
#include "common/server/edge.h"
#include "common/storage/database.h"
#include "grpcpp/grpcpp.h"

namespace opsuite::server {

// What the bootstrap hands a module.
struct Env {
  const Clock* clock = nullptr;
  cache::Cache* cache = nullptr;
  Edge* edge = nullptr;
  Metrics* metrics = nullptr;
  // Checks callers' JWTs with the process's keys (the gateway checks them before forwarding).
  const auth::JwtVerifier* verifier = nullptr;
  // Redis for data structures (leaderboards, leases); null when the process runs without
  // Redis, and then the module falls back to its database.
  std::shared_ptr<redis::RedisClient> redis;
  // The event stream for consumers (notify): Redis streams, or the in-process bus.
  events::EventSource* event_source = nullptr;
  // Opens (creating and migrating nothing) the database of `component`: a SQLite file
  // <data_dir>/<component>.db by default, or the schema <component> of --db=postgres://...
  std::function<absl::StatusOr<storage::DatabasePtr>(absl::string_view component)> open_database;
  // Publishes `db`'s outbox to the event stream until shutdown.
  std::function<void(storage::Database* db)> start_outbox_relay;
  // A channel to another module ("planning"): the address from --peers, else this process's
  // own gRPC address (all-in-one). Call it when a request needs it, not at start-up.
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view module)> peer_channel;
  // For calls that end when the caller's Stop() returns (the gateway's): a module of this
  // process is reached in-process, without TCP or HTTP/2 framing; others as peer_channel.
  // Background threads that may outlive the server use peer_channel.
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view module)> request_channel;
  // A short-lived `service` token for calls to peers on behalf of `org`.
  std::function<std::string(const std::string& org)> service_token;
};

class Module {
 public:
  virtual ~Module() = default;
  // The gRPC services to register (owned by the module).
  virtual std::vector<grpc::Service*> Services() = 0;
  // Full names of those services ("opsuite.planning.v1.DirectoryService"), reported SERVING
  // by the health service.
  virtual std::vector<std::string> ServiceNames() = 0;
  // Called once the server listens (peers in this very process answer from now on): the
  // place to start background work that calls other modules. An error stops the start-up.
  virtual absl::Status Started() { return absl::OkStatus(); }
  // Stops background work; called after the server stopped taking calls.
  virtual void Stop() {}
};

struct ModuleSpec {
  std::string name;  // the --target name, e.g. "planning"
  std::function<absl::StatusOr<std::unique_ptr<Module>>(Env& env)> make;
};

}  // namespace opsuite::server
