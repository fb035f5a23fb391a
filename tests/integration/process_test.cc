// The process contract acceptance tests rely on: `opsuite --target=all --grpc_addr=...
// --data_dir=... --redis=... --jwt_secret=...` (each flag also from OPSUITE_<FLAG>), one ready
// line, health overall and per service, reflection, and SIGTERM draining to exit 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/auth/jwt.h"
#include "common/ports.h"
#include "common/testing/http_client.h"
#include "common/testing/redis_server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/build_paths.h"

namespace opsuite::testing {
namespace {

struct Process {
  pid_t pid = -1;
  int stderr_fd = -1;
  std::string output;

  // Reads stderr until a line containing `needle` or `timeout`; true when seen.
  bool WaitFor(const std::string& needle, absl::Duration timeout) {
    absl::Time end = absl::Now() + timeout;
    char buf[4096];
    while (absl::Now() < end) {
      if (output.find(needle) != std::string::npos) return true;
      ssize_t n = read(stderr_fd, buf, sizeof(buf));
      if (n > 0) {
        output.append(buf, n);
      } else if (n == 0) {
        return output.find(needle) != std::string::npos;
      } else {
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
    return output.find(needle) != std::string::npos;
  }

  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

Process Spawn(std::vector<std::string> args, std::vector<std::string> env) {
  int pipefd[2];
  EXPECT_EQ(pipe(pipefd), 0);
  Process p;
  p.pid = fork();
  if (p.pid == 0) {
    dup2(pipefd[1], STDERR_FILENO);
    close(pipefd[0]);
    std::vector<char*> argv;
    std::string bin = OpsuiteBinary();
    argv.push_back(bin.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) putenv(e.data());
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  p.stderr_fd = pipefd[0];
  return p;
}

// Asks the server's reflection service (grpc.reflection.v1alpha, spoken as raw protobuf bytes:
// our own copy of reflection.proto would clash with the one inside libgrpc++_reflection)
// for its services; returns the raw response.
std::string ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub generic(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto step = [&](auto&& op) {
    void* tag;
    bool ok = false;
    op();
    cq.Next(&tag, &ok);
    return ok;
  };
  const std::string list_services("\x3a\x00", 2);  // ServerReflectionRequest{list_services: ""}
  grpc::Slice slice(list_services);
  grpc::ByteBuffer request(&slice, 1), response;
  std::string out;
  if (step([&] { call->StartCall(reinterpret_cast<void*>(1)); }) &&
      step([&] { call->Write(request, reinterpret_cast<void*>(2)); }) &&
      step([&] { call->WritesDone(reinterpret_cast<void*>(3)); }) &&
      step([&] { call->Read(&response, reinterpret_cast<void*>(4)); })) {
    std::vector<grpc::Slice> slices;
    response.Dump(&slices);
    for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  grpc::Status status;
  step([&] { call->Finish(&status, reinterpret_cast<void*>(5)); });
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return out;
}

TEST(ProcessTest, StartsServesHealthAndDrainsOnSigterm) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto dir = std::filesystem::temp_directory_path() / ("opsuite_proc_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  int port = FreePort();
  int http_port = FreePort();
  // The JWT secret comes from the environment, the rest from flags.
  Process p = Spawn({"--target=all", absl::StrCat("--grpc_addr=127.0.0.1:", port),
                     absl::StrCat("--http_addr=127.0.0.1:", http_port),
                     "--data_dir=" + dir.string(), "--redis=" + (*redis)->url()},
                    {"OPSUITE_JWT_SECRET=from-the-environment"});
  ASSERT_TRUE(p.WaitFor("opsuite ready", absl::Seconds(20))) << p.output;
  // The ready line (modules may log before it, e.g. the scheduler taking its lease).
  nlohmann::json ready;
  for (absl::string_view line : absl::StrSplit(p.output, '\n', absl::SkipEmpty())) {
    auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.value("msg", "") == "opsuite ready") {
      ready = parsed;
      break;
    }
  }
  EXPECT_EQ(ready["msg"], "opsuite ready");
  EXPECT_EQ(ready["grpc_addr"], absl::StrCat("127.0.0.1:", port));

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  for (std::string name : {"", "opsuite.planning.v1.TargetService", "planning"}) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(name);
    grpc::health::v1::HealthCheckResponse resp;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok()) << name;
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service("no.such.Service");
    grpc::health::v1::HealthCheckResponse resp;
    EXPECT_EQ(health->Check(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_NE(ListServicesByReflection(channel).find("opsuite.planning.v1.GoalCardService"),
            std::string::npos);
  // The all-in-one process serves the gateway too.
  EXPECT_NE(p.output.find("gateway ready"), std::string::npos) << p.output;
  HttpClient http("127.0.0.1", http_port);
  auto healthz = http.Send("GET", "/healthz");
  ASSERT_TRUE(healthz.ok()) << healthz.status();
  EXPECT_EQ(healthz->status, 200);
  auto anonymous = http.Send("GET", "/v1/departments");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  kill(p.pid, SIGTERM);
  EXPECT_EQ(p.Wait(), 0) << p.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "planning.db"));
  std::filesystem::remove_all(dir);
}

// Secrets never reach the log: the JWT key, callers' tokens (good, forged and expired), a
// webhook's signing secret, the TLS private key; with debug logging on and failing calls.
TEST(ProcessTest, SecretsNeverReachTheLog) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto dir = std::filesystem::temp_directory_path() /
             ("opsuite_secrets_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string jwt_secret = "jwt-7c1f9e0b4d2a8c6e";
  // A key file: made by openssl when it is there, so a real PEM key is what must not leak.
  const std::string key_file = (dir / "tls.key").string();
  const std::string cert_file = (dir / "tls.pem").string();
  ASSERT_EQ(std::system(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt "
                                     "ec_paramgen_curve:prime256v1 -nodes -keyout '", key_file,
                                     "' -out '", cert_file, "' -days 1 -subj /CN=localhost "
                                     "-addext subjectAltName=IP:127.0.0.1 2>/dev/null")
                            .c_str()),
            0);
  std::ifstream key_in(key_file);
  std::string key_pem((std::istreambuf_iterator<char>(key_in)), std::istreambuf_iterator<char>());
  // The base64 body of the key, without the BEGIN/END lines every PEM shares.
  std::vector<std::string> key_lines = absl::StrSplit(key_pem, '\n', absl::SkipEmpty());
  ASSERT_GE(key_lines.size(), 3u);

  const int port = FreePort();
  const int http_port = FreePort();
  Process p = Spawn({"--target=all", absl::StrCat("--grpc_addr=127.0.0.1:", port),
                     absl::StrCat("--http_addr=127.0.0.1:", http_port),
                     "--data_dir=" + (dir / "data").string(), "--redis=" + (*redis)->url(),
                     "--log_level=debug", "--tls_cert=" + cert_file, "--tls_key=" + key_file,
                     "--jwt_secret=" + jwt_secret},
                    {});
  ASSERT_TRUE(p.WaitFor("opsuite ready", absl::Seconds(20))) << p.output;
  const absl::Time now = absl::Now();
  const std::string admin = auth::MintJwt({"boss", "acme", {"admin"}}, {"", jwt_secret}, now,
                                          now + absl::Hours(1));
  const std::string forged = auth::MintJwt({"boss", "acme", {"admin"}}, {"", "guessed-key-42"},
                                           now, now + absl::Hours(1));
  const std::string expired = auth::MintJwt({"boss", "acme", {"admin"}}, {"", jwt_secret},
                                            now - absl::Hours(2), now - absl::Hours(1));
  const std::string webhook_secret = "whsec-93b2d7e5a1c4";
  HttpClient http("127.0.0.1", http_port);
  auto call = [&](const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "") {
    auto r = http.Send(method, path, body,
                       {{"authorization", "Bearer " + token}, {"content-type", "application/json"}});
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok() && r->status != 200) std::cerr << method << " " << path << ": " << r->body << "\n";
    return r.ok() ? r->status : 0;
  };
  EXPECT_EQ(call("POST", "/v1/departments", admin, R"({"department":{"name":"销售部"}})"), 200);
  EXPECT_EQ(call("GET", "/v1/employees", admin), 200);
  EXPECT_EQ(call("GET", "/v1/employees", forged), 401);
  EXPECT_EQ(call("GET", "/v1/employees", expired), 401);
  EXPECT_EQ(call("GET", "/v1/employees", admin + "x"), 401);
  EXPECT_EQ(call("PATCH", "/v1/preferences?updateMask=webhook", admin,
                 absl::StrCat(R"({"webhook":{"url":"http://127.0.0.1:9/hook","secret":")", webhook_secret,
                              R"("}})")),
            400);  // not on the allow-list: refused, with the request in hand
  EXPECT_EQ(call("GET", "/v1/preferences", admin), 200);
  kill(p.pid, SIGTERM);
  EXPECT_EQ(p.Wait(), 0);
  p.WaitFor("\n\n(never)", absl::Milliseconds(200));  // what is left in the pipe
  ASSERT_NE(p.output.find("call failed"), std::string::npos) << "the failing calls were logged";
  const std::string signature = admin.substr(admin.rfind('.') + 1);
  for (const auto& [what, secret] :
       std::vector<std::pair<std::string, std::string>>{{"the JWT key", jwt_secret},
                                                        {"a caller's token", admin},
                                                        {"a token's signature", signature},
                                                        {"a forged token", forged},
                                                        {"an expired token", expired},
                                                        {"a webhook secret", webhook_secret},
                                                        {"the TLS key", key_lines[1]}}) {
    EXPECT_EQ(p.output.find(secret), std::string::npos) << what << " is in the log";
  }
  std::filesystem::remove_all(dir);
}

TEST(ProcessTest, BadConfigurationExitsWithAClearMessage) {
  // Each set of flags is refused at start: a non-zero exit whose output says each of `says`.
  auto refused = [](std::vector<std::string> flags, std::vector<std::string> says) {
    const std::string what = absl::StrJoin(flags, " ");
    flags.push_back("--grpc_addr=127.0.0.1:0");
    flags.push_back("--data_dir=/tmp/opsuite_bad_config");
    Process p = Spawn(flags, {});
    p.WaitFor("\n", absl::Seconds(10));
    EXPECT_NE(p.Wait(), 0) << what;
    for (const std::string& s : says) {
      EXPECT_NE(p.output.find(s), std::string::npos) << what << ": " << p.output;
    }
  };
  refused({"--target=nope", "--jwt_secret=x"}, {"unknown module \\\"nope\\\""});
  refused({}, {"jwt_secret"});  // no key at all
  refused({"--read_workers=-1", "--jwt_secret=x"}, {"read_workers", "four per core"});
  refused({"--redis_cache_timeout=0", "--jwt_secret=x"}, {"redis_cache_timeout"});
}

}  // namespace
}  // namespace opsuite::testing
