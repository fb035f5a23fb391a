#include "common/server/server.h"

#include <malloc.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/config.h"
#include "common/file_clock.h"
#include "common/log.h"
#include "common/server/backends.h"
#include "common/server/client.h"
#include "common/server/health.h"
#include "common/storage/postgres.h"
#include "common/storage/sqlite.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "prometheus/exposer.h"

ABSL_FLAG(std::string, target, "all", "Comma list of modules to run (all, planning, ...)");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50051", "gRPC listen address (port 0: any)");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of the SQLite databases");
ABSL_FLAG(std::string, db, "",
          "Database of every module: empty = SQLite files under --data_dir; "
          "postgres://user:password@host:port/dbname = PostgreSQL, a schema per module");
ABSL_FLAG(int, db_pool_size, 8, "PostgreSQL connections per module (with --db=postgres://...)");
ABSL_FLAG(std::string, redis, "",
          "Redis URL (redis://host:port[/db]); empty: in-process cache and event bus");
ABSL_FLAG(int, near_cache_entries, 50000,
          "Cache entries kept in-process in front of Redis, invalidated by Redis client-side "
          "caching; 0: every cached read goes to Redis");
ABSL_FLAG(absl::Duration, redis_cache_timeout, absl::Milliseconds(5),
          "How long a cache read or write waits for Redis before the call goes on without the "
          "cache (to the database); raise it for a Redis across a slow network, or under "
          "valgrind (bench/callgrind.sh)");
ABSL_FLAG(std::string, jwt_secret, "", "HS256 key that verifies callers' JWTs");
ABSL_FLAG(std::string, jwt_keys, "",
          "Extra HS256 keys for rotation: kid=secret,kid=secret (tokens name one by `kid`)");
ABSL_FLAG(std::string, peers, "",
          "Addresses of modules run elsewhere: planning=host:port,crm=host:port (default: this "
          "process)");
ABSL_FLAG(std::string, metrics_addr, "", "Prometheus /metrics address; empty: off");
ABSL_FLAG(int, workers, 64,
          "Worker threads for blocking work (database, Redis); writers waiting on one database "
          "share its commits, so more workers mean larger groups under load");
ABSL_FLAG(int, read_workers, 0,
          "Worker threads for the short reads of a cache miss (GetEmployee, GetCustomer); 0: "
          "four per core. Kept apart from --workers so a burst of misses does not wake dozens "
          "of threads that then queue for the database's few reader connections");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "Largest request or response message");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve gRPC over TLS with it (and show it to peers); empty: "
          "plaintext");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificates that peers' certificates must chain to (empty: system roots); "
          "with --tls_client_auth, callers' certificates too");
ABSL_FLAG(bool, tls_client_auth, false,
          "Mutual TLS: refuse callers without a certificate signed by --tls_ca");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name to check on peers' certificates instead of the --peers host");
ABSL_FLAG(std::string, fake_clock_file, "",
          "Tests only: read the time from this file (common/file_clock.h), so one test drives "
          "the clock of every process of a topology. Never set in production");

namespace opsuite::server {

namespace {

int Cores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

// --read_workers: 0 means four per core.
int ReadWorkers(int flag) { return flag > 0 ? flag : 4 * Cores(); }

}  // namespace

struct Server::Impl {
  // The outbox relays read the modules' databases, which the members below destroy first: stop
  // the relays while the databases exist (a start that fails half-way, e.g. on a port in use,
  // ends here without Shutdown).
  ~Impl() {
    if (backends) backends->Stop();
  }

  ServerOptions options;
  Credentials credentials;  // gRPC's, in and out (plaintext unless --tls_cert)
  std::unique_ptr<Backends> backends;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<auth::JwtVerifier> verifier;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<Executor> read_executor;
  std::unique_ptr<Edge> edge;
  HealthService health;
  std::vector<std::unique_ptr<Module>> modules;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<prometheus::Exposer> exposer;
  int port = 0;
  bool stopped = false;

  absl::Mutex peers_mu;
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels ABSL_GUARDED_BY(peers_mu);
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> in_process_channels
      ABSL_GUARDED_BY(peers_mu);
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view module)> env_peer_channel;
  struct Token {
    std::string value;
    absl::Time renew_after;
  };
  absl::flat_hash_map<std::string, Token> tokens ABSL_GUARDED_BY(peers_mu);

  std::string SelfAddress() const {
    std::string host = options.grpc_addr.substr(0, options.grpc_addr.rfind(':'));
    if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
    return absl::StrCat(host, ":", port);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(); }

Server::PoolStats Server::Pools() const {
  return {.workers = impl_->executor->Ran(), .read_workers = impl_->read_executor->Ran()};
}

int Server::port() const { return impl_->port; }

std::string Server::address() const {
  std::string host = impl_->options.grpc_addr.substr(0, impl_->options.grpc_addr.rfind(':'));
  return absl::StrCat(host, ":", impl_->port);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const std::vector<ModuleSpec>& specs,
                                                       ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.clock == nullptr) options.clock = RealClock::Default();
  if (options.jwt_keys.empty()) {
    return absl::InvalidArgumentError(
        "no JWT key: set --jwt_secret (or OPSUITE_JWT_SECRET); scripts/run.sh makes one");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create --data_dir ", options.data_dir, ": ", ec.message()));
  }

  // Which modules: "all" or a comma list of known names.
  std::vector<const ModuleSpec*> chosen;
  for (const std::string& t : options.targets) {
    bool found = false;
    for (const ModuleSpec& spec : specs) {
      if (t == "all" || t == spec.name) {
        if (std::find(chosen.begin(), chosen.end(), &spec) == chosen.end()) chosen.push_back(&spec);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (const ModuleSpec& spec : specs) absl::StrAppend(&known, known.empty() ? "" : ", ", spec.name);
      return absl::InvalidArgumentError(
          absl::StrCat("--target: unknown module \"", t, "\" (known: all, ", known, ")"));
    }
  }

  impl->options = options;
  ASSIGN_OR_RETURN(impl->credentials, LoadCredentials(options.tls));
  ASSIGN_OR_RETURN(impl->backends, MakeBackends(options.redis_url, options.near_cache_entries,
                                                options.cache_timeout, options.clock));
  impl->metrics = std::make_unique<Metrics>();
  impl->verifier = std::make_unique<auth::JwtVerifier>(options.jwt_keys, options.clock);
  impl->executor = std::make_unique<Executor>(options.workers, "worker");
  impl->read_executor =
      std::make_unique<Executor>(ReadWorkers(options.read_workers), "read-worker");
  impl->edge = std::make_unique<Edge>(impl->verifier.get(), impl->executor.get(),
                                      impl->metrics.get(), impl->read_executor.get());

  Env env;
  env.clock = options.clock;
  env.cache = impl->backends->cache();
  env.redis = impl->backends->redis();
  env.event_source = impl->backends->source();
  env.edge = impl->edge.get();
  env.metrics = impl->metrics.get();
  env.verifier = impl->verifier.get();
  std::string data_dir = options.data_dir;
  std::string db_url = options.db_url;
  int pool_size = options.db_pool_size;
  env.open_database = [data_dir, db_url, pool_size](
                           absl::string_view component) -> absl::StatusOr<storage::DatabasePtr> {
    if (storage::IsPostgresUrl(db_url)) {
      // One database for every module, each in a schema of its own (its tables, outbox,
      // idempotency and schema_migrations).
      return storage::OpenPostgres(
          {.url = db_url, .pool_size = pool_size, .schema = std::string(component)});
    }
    return storage::OpenSqlite({.path = absl::StrCat(data_dir, "/", component, ".db")});
  };
  Backends* backends = impl->backends.get();
  env.start_outbox_relay = [backends](storage::Database* db) { backends->StartOutboxRelay(db); };
  Impl* raw = impl.get();
  raw->env_peer_channel = [raw](absl::string_view module) {
    absl::MutexLock lock(&raw->peers_mu);
    auto& channel = raw->channels[module];
    if (!channel) {
      auto it = raw->options.peers.find(std::string(module));
      // Loopback TCP even to modules hosted here: an in-process channel crashes when a
      // module's background thread calls it after the server has shut down.
      std::string addr = it != raw->options.peers.end() ? it->second : raw->SelfAddress();
      channel = PeerChannel(addr, raw->credentials.channel, raw->credentials.server_name);
    }
    return channel;
  };
  env.peer_channel = raw->env_peer_channel;
  env.request_channel = [raw](absl::string_view module) {
    if (raw->options.peers.contains(std::string(module)) || raw->server == nullptr) {
      return raw->env_peer_channel(module);
    }
    absl::MutexLock lock(&raw->peers_mu);
    auto& channel = raw->in_process_channels[module];
    if (!channel) channel = raw->server->InProcessChannel(grpc::ChannelArguments());
    return channel;
  };
  env.service_token = [raw](const std::string& org) {
    absl::Time now = raw->options.clock->Now();
    absl::MutexLock lock(&raw->peers_mu);
    Impl::Token& t = raw->tokens[org];
    if (t.value.empty() || now >= t.renew_after) {
      t.value = auth::MintJwt({"opsuite", org, {"service"}}, raw->options.jwt_keys.front(), now,
                              now + absl::Hours(1));
      t.renew_after = now + absl::Minutes(50);
    }
    return t.value;
  };

  grpc::EnableDefaultHealthCheckService(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_addr, impl->credentials.server, &impl->port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);

  builder.RegisterService(&impl->health);
  std::vector<std::string> service_names;
  for (const ModuleSpec* spec : chosen) {
    auto module = spec->make(env);
    if (!module.ok()) {
      return absl::Status(module.status().code(), absl::StrCat("module ", spec->name, ": ",
                                                               module.status().message()));
    }
    for (grpc::Service* service : (*module)->Services()) builder.RegisterService(service);
    for (std::string& name : (*module)->ServiceNames()) service_names.push_back(std::move(name));
    service_names.push_back(spec->name);
    impl->modules.push_back(*std::move(module));
  }
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --grpc_addr ", options.grpc_addr,
                     " (in use, or not an address of this machine)"));
  }
  for (auto& m : impl->modules) {
    if (absl::Status started = m->Started(); !started.ok()) {
      impl->server->Shutdown();
      for (auto& stop : impl->modules) stop->Stop();
      return absl::Status(started.code(), absl::StrCat("starting background work: ",
                                                       started.message()));
    }
  }
  impl->health.Set("", true);
  for (const std::string& name : service_names) impl->health.Set(name, true);
  if (!options.metrics_addr.empty()) {
    try {  // prometheus-cpp reports a bind failure by throwing; keep it at this edge.
      impl->exposer = std::make_unique<prometheus::Exposer>(options.metrics_addr);
      impl->exposer->RegisterCollectable(impl->metrics->registry());
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve --metrics_addr ", options.metrics_addr, ": ", e.what()));
    }
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Shutdown(absl::Duration grace) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->server) {
    // gRPC's own Shutdown(deadline) runs to the deadline while any client keeps a connection
    // open, even with nothing in flight; so drain here and then stop at once.
    impl_->health.Shutdown();
    int left = impl_->edge->Drain(absl::Now() + grace);
    if (left > 0) log::Warn("grace period over; cancelling calls", {{"in_flight", left}});
    // Background work (notify's consumer, scoring's runs, the scheduler) calls modules of this
    // process: stop it first, while those calls still have a server to answer them.
    for (auto& m : impl_->modules) m->Stop();
    impl_->server->Shutdown(absl::ToChronoTime(absl::Now()));
    log::Debug("grpc server stopped");
  } else {
    for (auto& m : impl_->modules) m->Stop();
  }
  impl_->read_executor->Shutdown();
  impl_->executor->Shutdown();
  log::Debug("workers stopped");
  impl_->backends->Stop();
  log::Debug("outbox relays stopped");
  if (impl_->server) impl_->server->Wait();
}

absl::StatusOr<ServerOptions> OptionsFromFlags() {
  ServerOptions o;
  o.targets = absl::StrSplit(absl::GetFlag(FLAGS_target), ',', absl::SkipWhitespace());
  if (o.targets.empty()) return InvalidField("target", "name at least one module, or all");
  o.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.db_url = absl::GetFlag(FLAGS_db);
  if (!o.db_url.empty() && !storage::IsPostgresUrl(o.db_url)) {
    return InvalidField("db", "empty (SQLite under --data_dir) or postgres://host:port/dbname");
  }
  o.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  if (o.db_pool_size < 1 || o.db_pool_size > 1000) {
    return InvalidField("db_pool_size", "must be 1..1000");
  }
  o.redis_url = absl::GetFlag(FLAGS_redis);
  o.near_cache_entries = static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_near_cache_entries)));
  o.cache_timeout = absl::GetFlag(FLAGS_redis_cache_timeout);
  if (o.cache_timeout <= absl::ZeroDuration() || o.cache_timeout > absl::Seconds(10)) {
    return InvalidField("redis_cache_timeout", "must be more than 0 and at most 10s, e.g. 5ms");
  }
  if (!absl::GetFlag(FLAGS_jwt_secret).empty()) {
    o.jwt_keys.push_back({"", absl::GetFlag(FLAGS_jwt_secret)});
  }
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_jwt_keys), ',', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      return InvalidField("jwt_keys", "expected kid=secret,kid=secret");
    }
    o.jwt_keys.push_back({kv.first, kv.second});
  }
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_peers), ',', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      return InvalidField("peers", "expected module=host:port,module=host:port");
    }
    o.peers[kv.first] = kv.second;
  }
  o.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  o.workers = absl::GetFlag(FLAGS_workers);
  if (o.workers < 1 || o.workers > 1024) return InvalidField("workers", "must be 1..1024");
  o.read_workers = absl::GetFlag(FLAGS_read_workers);
  if (o.read_workers < 0 || o.read_workers > 1024) {
    return InvalidField("read_workers", "must be 0 (four per core) or 1..1024");
  }
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (o.max_message_bytes < 1024) return InvalidField("max_message_bytes", "must be >= 1024");
  o.tls.cert = absl::GetFlag(FLAGS_tls_cert);
  o.tls.key = absl::GetFlag(FLAGS_tls_key);
  o.tls.ca = absl::GetFlag(FLAGS_tls_ca);
  o.tls.require_client_cert = absl::GetFlag(FLAGS_tls_client_auth);
  o.tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
  // The TLS flags are checked together, with their files, by LoadCredentials.
  return o;
}

int LimitMallocArenas() {
  if (const char* env = getenv("MALLOC_ARENA_MAX"); env != nullptr && *env != '\0') return 0;
  const int arenas = 2 * Cores();
  mallopt(M_ARENA_MAX, arenas);
  return arenas;
}

int Main(const std::vector<ModuleSpec>& modules, int argc, char** argv) {
  LimitMallocArenas();
  // Debian's Abseil is built with Mutex deadlock detection on: every lock and unlock updates a
  // global lock graph (GraphCycles), 5% of a cached read's CPU in a profile. The tests (which
  // start servers in-process, not through Main) keep it; a server process does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ParseFlagsWithEnv(argc, argv);
  log::Level level;
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    fprintf(stderr, "error: --log_level must be debug, info, warn or error\n");
    return 2;
  }
  log::SetMinLevel(level);
  auto options = OptionsFromFlags();
  if (!options.ok()) {
    log::Error("bad configuration", {{"error", std::string(options.status().message())}});
    return 2;
  }
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<FileClock> fake_clock;
  if (std::string path = absl::GetFlag(FLAGS_fake_clock_file); !path.empty()) {
    auto opened = FileClock::Open(path);
    if (!opened.ok()) {
      log::Error("bad configuration", {{"error", absl::StrCat("--fake_clock_file: ", opened.status().message())}});
      return 2;
    }
    fake_clock = *std::move(opened);
    options->clock = fake_clock.get();
    log::Warn("the clock is read from a file (--fake_clock_file): a test topology, not production",
              {{"fake_clock_file", path}});
  }
  std::string targets = absl::GetFlag(FLAGS_target);
  std::string redis = options->redis_url;
  const std::string tls = !options->tls.enabled()               ? "off"
                          : options->tls.require_client_cert ? "mutual"
                                                             : "server";
  auto server = Server::Start(modules, *std::move(options));
  if (!server.ok()) {
    log::Error("cannot start", {{"error", std::string(server.status().message())}});
    return 1;
  }
  log::Info("opsuite ready", {{"grpc_addr", (*server)->address()},
                              {"target", targets},
                              {"data_dir", absl::GetFlag(FLAGS_data_dir)},
                              {"db", absl::GetFlag(FLAGS_db).empty() ? "sqlite" : "postgres"},
                              {"redis", redis.empty() ? "in-process" : log::RedactedUrl(redis)},
                              {"tls", tls},
                              {"metrics_addr", absl::GetFlag(FLAGS_metrics_addr)}});
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::Info("stopping: draining in-flight calls", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace opsuite::server
