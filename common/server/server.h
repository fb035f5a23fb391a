// The process bootstrap shared by `opsuite` and every single-service binary.
//
//   int main(int argc, char** argv) {
//     return opsuite::server::Main({planning::ModuleSpec()}, argc, argv);
//   }
//
// Main() reads the flags (each also from OPSUITE_<FLAG>), opens the cache and event bus
// (Redis when --redis is set, in-process otherwise), starts the modules named by --target,
// serves gRPC with health (overall and per service), reflection, keepalive and message size
// limits, exposes Prometheus metrics on --metrics_addr, logs one "ready" line, and on
// SIGTERM/SIGINT drains in-flight calls and exits 0.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "common/clock.h"
#include "common/server/module.h"
#include "common/server/tls.h"

namespace opsuite::server {

struct ServerOptions {
  std::vector<std::string> targets = {"all"};
  std::string grpc_addr = "127.0.0.1:50051";  // port 0 picks a free one
  std::string data_dir = "./data";
  // Empty: a SQLite file per module under data_dir. postgres://...: that PostgreSQL database
  // for every module, each module in a schema named after it.
  std::string db_url;
  int db_pool_size = 8;  // PostgreSQL connections per module
  std::string redis_url;  // empty: in-process cache and event bus
  // In-process copies of Redis cache entries kept true by Redis (cache/near_cache.h); 0: off.
  size_t near_cache_entries = 50000;
  // How long the cache's Redis commands wait before the call goes on without the cache.
  absl::Duration cache_timeout = absl::Milliseconds(5);
  std::vector<auth::SigningKey> jwt_keys;
  std::string metrics_addr;  // empty: no metrics endpoint
  // Where other modules run ("planning" -> "10.0.0.5:50051"); a module not named here is
  // reached at this process's own address.
  std::map<std::string, std::string> peers;
  int workers = 64;
  // Threads for the short reads of a cache miss (Edge::read_executor); 0: four per core.
  int read_workers = 0;
  int max_message_bytes = 4 << 20;
  const Clock* clock = nullptr;  // nullptr: the real clock
  TlsFiles tls;  // all empty: plaintext gRPC (a private network or a mesh that adds TLS)
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const std::vector<ModuleSpec>& modules,
                                                        ServerOptions options);
  ~Server();
  int port() const;
  std::string address() const;
  // How many tasks each worker pool has run (--workers, --read_workers).
  struct PoolStats {
    uint64_t workers = 0;
    uint64_t read_workers = 0;
  };
  PoolStats Pools() const;
  // Stops taking calls, waits up to `grace` for in-flight ones, stops modules and relays.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Caps glibc's malloc arenas at two per core, unless MALLOC_ARENA_MAX is set (glibc applies
// that itself). glibc's default, eight per core, gives most of a server's threads (gRPC's, two
// worker pools, the Redis and outbox threads) an arena of their own, each keeping the memory
// freed in it: the all-in-one process's RSS with 100,000 customers read went from 187-200 MB
// to about 150 MB at four arenas on two cores, with no loss of throughput (bench/README.md).
// Call it first thing in main, before threads start. Returns the cap (0: the environment's).
int LimitMallocArenas();

// Parses flags into ServerOptions (INVALID_ARGUMENT naming the flag when one is wrong).
absl::StatusOr<ServerOptions> OptionsFromFlags();

// The whole process: flags, Start, wait for SIGTERM/SIGINT, Shutdown. Returns the exit code.
int Main(const std::vector<ModuleSpec>& modules, int argc, char** argv);

}  // namespace opsuite::server
