// The topology helper itself (common/testing/topology.h): every service its own process, each
// exits 0 on SIGTERM, and a port taken between choosing it and binding it does not fail the
// start (it starts again on fresh ports), which is how ephemeral ports behave on a busy host.
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/ports.h"
#include "common/testing/listening_port.h"
#include "common/testing/topology.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/build_paths.h"

namespace opsuite::testing {
namespace {

bool Serving(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return stub->Check(&ctx, req, &resp).ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

TEST(TopologyTest, APortTakenBeforeTheProcessBindsItStartsEverythingAgainOnFreshPorts) {
  ListeningPort taken;  // so nobody else can bind it
  auto dir = std::filesystem::temp_directory_path() / ("opsuite_topology_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  TopologyOptions o;
  o.bin_dir = BuildDir();
  o.dir = dir.string();
  o.jwt_secret = "s";  // SQLite per process and no Redis: enough to start and serve health
  o.replicas = {{"planning", 1}, {"crm", 1}};
  int calls = 0;
  o.free_port = [&] { return calls++ == 0 ? taken.port() : FreePort(); };  // planning's first
  auto topology = Topology::Start(o);
  ASSERT_TRUE(topology.ok()) << topology.status();
  EXPECT_GT(calls, 3);  // a second round of ports
  EXPECT_NE((*topology)->Address("planning"), absl::StrCat("127.0.0.1:", taken.port()));
  EXPECT_TRUE(Serving((*topology)->Address("planning")));
  EXPECT_TRUE(Serving((*topology)->Address("crm")));
  absl::Status stopped = (*topology)->Stop();
  EXPECT_TRUE(stopped.ok()) << stopped;  // each exits 0 on SIGTERM
  std::filesystem::remove_all(dir);
}

TEST(TopologyTest, AnErrorThatIsNotAPortIsReportedWithTheProcessLog) {
  auto dir = std::filesystem::temp_directory_path() / ("opsuite_topology_bad_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  TopologyOptions o;
  o.bin_dir = BuildDir();
  o.dir = dir.string();
  o.jwt_secret = "s";
  o.replicas = {{"planning", 1}};
  o.extra_flags = {{"planning", {"--workers=0"}}};  // refused at start
  auto topology = Topology::Start(o);
  ASSERT_FALSE(topology.ok());
  EXPECT_NE(topology.status().message().find("planning-1 exited at start (status 2)"), std::string::npos)
      << topology.status();
  EXPECT_NE(topology.status().message().find("workers"), std::string::npos) << topology.status();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace opsuite::testing
