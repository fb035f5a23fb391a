// opsuite-topology: the whole suite as a cluster runs it, on loopback: a throw-away PostgreSQL
// and Redis, every service its own process (planning, crm, scoring once; notify and the
// scheduler twice), and the gateway. Prints where to connect and a token, then runs until
// Ctrl-C (or, with --check, calls every process's health and the gateway, and stops).
//
//   scripts/topology.sh                  build, start, print, wait for Ctrl-C
//   build/tests/opsuite-topology --bin_dir=build --check
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/auth/jwt.h"
#include "common/testing/http_client.h"
#include "common/testing/postgres_server.h"
#include "common/testing/redis_server.h"
#include "common/testing/topology.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, bin_dir, "build", "The build directory holding services/<module>/opsuite-<module>");
ABSL_FLAG(std::string, dir, "", "Logs and data of the processes (default: a new temp dir)");
ABSL_FLAG(std::string, web_dir, "web/dist", "The web console the gateway serves");
ABSL_FLAG(int, notify_replicas, 2, "notify processes");
ABSL_FLAG(int, scheduler_replicas, 2, "scheduler processes");
ABSL_FLAG(bool, check, false, "Check every process's health and the gateway, then stop");

namespace opsuite::testing {
namespace {

int Fail(const std::string& what, const absl::Status& status) {
  fprintf(stderr, "opsuite-topology: %s: %s\n", what.c_str(), std::string(status.message()).c_str());
  return 1;
}

// Every replica of every module answers SERVING on the overall health service.
absl::Status CheckHealth(const Topology& topology) {
  for (const std::string& m : Topology::Modules()) {
    for (int i = 0; i < topology.Replicas(m); ++i) {
      auto stub = grpc::health::v1::Health::NewStub(
          grpc::CreateChannel(topology.Address(m, i), grpc::InsecureChannelCredentials()));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      grpc::health::v1::HealthCheckRequest req;
      grpc::health::v1::HealthCheckResponse resp;
      grpc::Status s = stub->Check(&ctx, req, &resp);
      if (!s.ok() || resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
        return absl::UnavailableError(absl::StrCat(m, " replica ", i + 1, " at ", topology.Address(m, i),
                                                   " is not serving: ", s.error_message()));
      }
    }
  }
  return absl::OkStatus();
}

int Run() {
  const std::string secret = "topology-secret";
  std::string dir = absl::GetFlag(FLAGS_dir);
  const bool temp_dir = dir.empty();
  if (temp_dir) {
    char tmpl[] = "/tmp/opsuite-topology-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Fail("mkdtemp", absl::InternalError(strerror(errno)));
    dir = tmpl;
  }
  fprintf(stderr, "==> PostgreSQL (initdb + postgres on a free loopback port)\n");
  auto pg = PostgresServer::Start();
  if (!pg.ok()) return Fail("PostgreSQL", pg.status());
  auto db = (*pg)->CreateDatabase("opsuite");
  if (!db.ok()) return Fail("CREATE DATABASE", db.status());
  fprintf(stderr, "==> Redis\n");
  auto redis = RedisServer::Start();
  if (!redis.ok()) return Fail("Redis", redis.status());

  TopologyOptions o;
  o.bin_dir = absl::GetFlag(FLAGS_bin_dir);
  o.dir = dir;
  o.db_url = *db;
  o.redis_url = (*redis)->url();
  o.jwt_secret = secret;
  o.web_dir = absl::GetFlag(FLAGS_web_dir);
  o.replicas["notify"] = absl::GetFlag(FLAGS_notify_replicas);
  o.replicas["scheduler"] = absl::GetFlag(FLAGS_scheduler_replicas);
  fprintf(stderr, "==> the services, each its own process\n");
  absl::Time start = absl::Now();
  auto topology = Topology::Start(o);
  if (!topology.ok()) return Fail("topology", topology.status());
  fprintf(stderr, "==> ready in %s\n\n", absl::FormatDuration(absl::Now() - start).c_str());

  std::string token = auth::MintJwt({.subject = "admin-1", .org = "acme", .roles = {"admin"}},
                                    {"", secret}, absl::Now(), absl::Now() + absl::Hours(12));
  printf("%s", (*topology)->Describe().c_str());
  printf("postgres\t%s\nredis\t\t%s\n\n", db->c_str(), (*redis)->url().c_str());
  printf("REST:  curl -H 'Authorization: Bearer %s' http://127.0.0.1:%d/v1/employees\n", token.c_str(),
         (*topology)->http_port());
  printf("gRPC:  opsctl --addr=%s --token=%s emp list\n", (*topology)->Address("planning").c_str(),
         token.c_str());
  printf("       (crm at --addr=%s, scoring at --addr=%s, the scheduler at --addr=%s)\n\n",
         (*topology)->Address("crm").c_str(), (*topology)->Address("scoring").c_str(),
         (*topology)->Address("scheduler").c_str());
  fflush(stdout);

  if (absl::GetFlag(FLAGS_check)) {
    absl::Status health = CheckHealth(**topology);
    if (!health.ok()) return Fail("health", health);
    HttpClient http("127.0.0.1", (*topology)->http_port());
    auto got = http.Send("GET", "/v1/employees", "", {{"Authorization", "Bearer " + token}});
    if (!got.ok()) return Fail("gateway", got.status());
    if (got->status != 200) {
      return Fail("gateway", absl::InternalError(absl::StrCat("GET /v1/employees: HTTP ", got->status,
                                                              ": ", got->body)));
    }
    fprintf(stderr, "==> every process is serving; the gateway answers GET /v1/employees\n");
  } else {
    fprintf(stderr, "\n==> running; Ctrl-C stops every process\n");
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    int sig = 0;
    sigwait(&stop, &sig);
  }
  fprintf(stderr, "==> stopping (SIGTERM; each process drains and exits 0)\n");
  absl::Status stopped = (*topology)->Stop();
  if (!stopped.ok()) return Fail("stop", stopped);
  if (absl::GetFlag(FLAGS_check) && temp_dir) {
    std::filesystem::remove_all(dir);  // passed: nothing to look at
    fprintf(stderr, "==> stopped\n");
  } else {
    fprintf(stderr, "==> stopped; logs in %s\n", dir.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace opsuite::testing

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("the suite as separate processes on loopback (see tests/topology/main.cc)");
  absl::ParseCommandLine(argc, argv);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // waited for with sigwait
  return opsuite::testing::Run();
}
