// The suite on loopback for integration tests: a real redis-server, real gRPC, a fake clock, and
// helpers to mint tokens and read field violations. What the tests run against:
//   default                          every module in one server in this process (SQLite)
//   OPSUITE_TEST_DB=postgres         the same on PostgreSQL (a database per test)
//   OPSUITE_TEST_TOPOLOGY=processes  every service its own process (common/testing/topology.h):
//                                    two notify and two scheduler replicas and a gateway, on
//                                    PostgreSQL, the fake clock shared through a file
// Tests reach a module through Channel(module) and Address(module), so they run unchanged in
// each.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "common/auth/jwt.h"
#include "common/clock.h"
#include "common/file_clock.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/storage/database.h"
#include "common/testing/eventually.h"
#include "common/testing/redis_server.h"
#include "common/testing/topology.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "opsuite/crm/v1/activity.grpc.pb.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "opsuite/crm/v1/order.grpc.pb.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "opsuite/planning/v1/goal_card.grpc.pb.h"
#include "opsuite/planning/v1/report.grpc.pb.h"
#include "opsuite/planning/v1/target.grpc.pb.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"

namespace opsuite::testing {

namespace pv1 = ::opsuite::planning::v1;
namespace cv1 = ::opsuite::crm::v1;
namespace sv1 = ::opsuite::scoring::v1;

inline constexpr char kSecret[] = "integration-secret";

// What the tests run against (see the top of this file).
class Deployment {
 public:
  virtual ~Deployment() = default;
  // "host:port" serving `module` (the first replica).
  virtual std::string Address(const std::string& module) const = 0;
  // Drains and stops (SIGTERM for processes: each must exit 0).
  virtual void Shutdown(absl::Duration grace) = 0;
  // The processes, when there are some; nullptr in-process.
  virtual Topology* topology() { return nullptr; }
};

// True with OPSUITE_TEST_TOPOLOGY=processes.
bool TopologyMode();

class PlanningSuite : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (or restarts, keeping the data) the server.
  void StartServer();
  // The database of `component` ("scoring") as the server opens it: the SQLite file under
  // dir_, or its schema in this test's PostgreSQL database. For reading or changing rows
  // beside the server.
  absl::StatusOr<storage::DatabasePtr> OpenModuleDatabase(const std::string& component);

  // Options for a server on this test's data (its database, Redis, JWT key and clock), on a
  // free port: the suite's own server, and the extra replicas tests start beside it.
  server::ServerOptions OptionsOnThisData(int workers = 4);

  // The channel to `module` ("planning", "notify", ...): the one server, or its own process.
  std::shared_ptr<grpc::Channel> Channel(const std::string& module);
  std::string Address(const std::string& module) const { return server_->Address(module); }
  // A unary call of `method` ("opsuite.crm.v1.CustomerService/GetCustomer") to its module with
  // `request` already serialized, through a generic stub: its status, and in `*reply` the
  // response's bytes exactly as the server sent them.
  grpc::Status CallBytes(const std::string& method, const std::string& request,
                         grpc::ClientContext* ctx, std::string* reply);
  // Stores `bytes` under `key` in the suite's Redis for 5 minutes, behind the servers' backs
  // (as another writer or a corruption would), and returns whether Redis took it.
  bool PutInCache(const std::string& key, const std::string& bytes);
  // Calls `method` with `request` as admin `n` times through CallBytes; every reply must
  // succeed, parse as a Msg and pass `check`. Returns how many replies were exactly `bytes`.
  template <class Msg>
  int RepliesExactly(const std::string& method, const std::string& request,
                     const std::string& bytes, int n,
                     const std::function<void(const Msg&)>& check) {
    int exact = 0;
    for (int i = 0; i < n; ++i) {
      std::string reply;
      grpc::Status s = CallBytes(method, request, Admin().get(), &reply);
      if (!s.ok()) {
        ADD_FAILURE() << method << " call " << i << ": " << s.error_message();
        continue;
      }
      Msg read;
      if (!read.ParseFromString(reply)) {
        ADD_FAILURE() << method << " call " << i << ": the reply does not parse";
        continue;
      }
      check(read);
      exact += reply == bytes;
    }
    return exact;
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& sub, const std::string& roles,
                                          const std::string& org = "acme");
  std::unique_ptr<grpc::ClientContext> Admin(const std::string& org = "acme") {
    return As("admin-1", "admin", org);
  }
  std::string Token(const std::string& sub, const std::string& roles, const std::string& org,
                    absl::Duration ttl = absl::Hours(1));

  // The org chart every test starts from:
  //   公司 (root, manager: boss)
  //     销售部 sales (manager: manager)  — employee `rep` (direct manager: manager)
  //     运营部 ops (manager: other)
  void SeedOrg();
  // Creates an employee (SALES by default) and returns the id.
  std::string AddEmployee(const std::string& name, const std::string& dept_id,
                          const std::string& manager,
                          pv1::RoleClass role = pv1::ROLE_CLASS_SALES);

  static absl::Time Shanghai(int y, int m, int d, int hh, int mm) {
    absl::TimeZone tz;
    absl::LoadTimeZone("Asia/Shanghai", &tz);
    return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), tz);
  }

  std::unique_ptr<RedisServer> redis_;
  std::filesystem::path dir_;
  // With OPSUITE_TEST_DB=postgres: this test's own database on the binary's PostgreSQL
  // (--db for every StartServer); empty: SQLite files under dir_.
  std::string db_name_, db_url_;
  // Shared through <dir_>/clock with the processes in topology mode.
  FileClock clock_{absl::FromUnixSeconds(0)};
  std::unique_ptr<Deployment> server_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  std::unique_ptr<pv1::DirectoryService::Stub> directory_;
  std::unique_ptr<pv1::TargetService::Stub> targets_;
  std::unique_ptr<pv1::GoalCardService::Stub> cards_;
  std::unique_ptr<pv1::ReportService::Stub> reports_;
  std::unique_ptr<cv1::CustomerService::Stub> customers_;
  std::unique_ptr<cv1::ActivityService::Stub> activities_;
  std::unique_ptr<cv1::OrderService::Stub> orders_;
  std::unique_ptr<sv1::SchemeService::Stub> schemes_;
  std::unique_ptr<sv1::EvaluationService::Stub> evaluations_;
  // Peer addresses for the next StartServer (e.g. {"crm", a dead port} to fail crm calls).
  std::map<std::string, std::string> peers_;
  // Topology mode: extra flags for the processes of a module (what in-process tests set with
  // absl::SetFlag), and modules run in this process instead of as processes, for tests that
  // drive a module from inside (the scheduler's ticks), talking to the other processes.
  std::map<std::string, std::vector<std::string>> module_flags_;
  std::vector<std::string> in_process_modules_;

  std::string root_, sales_, ops_;          // department ids
  std::string boss_, manager_, rep_, other_;  // employee ids
};

// A scheme of one item, the goal card at weight 100, evaluated every `cycle`.
sv1::Scheme GoalCardScheme(sv1::Cycle cycle = sv1::CYCLE_MONTHLY);

// The fields named by the BadRequest detail of a failed call.
std::vector<std::string> Fields(const grpc::Status& status);

// Entries of the stream `ops:events` at `redis_url` as (type, event id) pairs.
std::vector<std::pair<std::string, std::string>> StreamEvents(const std::string& redis_url);

}  // namespace opsuite::testing
