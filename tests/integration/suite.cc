#include "tests/integration/suite.h"

#include <unistd.h>

#include <future>

#include "absl/algorithm/container.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/redis/redis_client.h"
#include "common/storage/postgres.h"
#include "common/storage/sqlite.h"
#include "common/testing/postgres_server.h"
#include "grpcpp/generic/generic_stub.h"

#include "services/crm/crm_module.h"
#include "services/notify/notify_module.h"
#include "services/planning/planning_module.h"
#include "services/scheduler/scheduler_module.h"
#include "services/scoring/scoring_module.h"
#include "tests/build_paths.h"

namespace opsuite::testing {

namespace {

// OPSUITE_TEST_DB=postgres (or the topology) runs the suite on PostgreSQL: one server per
// test binary.
PostgresServer* SuitePostgres() {
  const char* which = std::getenv("OPSUITE_TEST_DB");
  if (!TopologyMode() && (which == nullptr || std::string(which) != "postgres")) return nullptr;
  static std::unique_ptr<PostgresServer> server = [] {
    auto s = PostgresServer::Start();
    if (!s.ok()) {
      ADD_FAILURE() << s.status();
      return std::unique_ptr<PostgresServer>();
    }
    return *std::move(s);
  }();
  if (!server) ADD_FAILURE() << "OPSUITE_TEST_DB=postgres: no PostgreSQL server";
  return server.get();
}

class InProcess : public Deployment {
 public:
  explicit InProcess(std::unique_ptr<server::Server> server) : server_(std::move(server)) {}
  std::string Address(const std::string&) const override { return server_->address(); }
  void Shutdown(absl::Duration grace) override { server_->Shutdown(grace); }

 private:
  std::unique_ptr<server::Server> server_;
};

// The topology's processes, and the modules the test keeps in this process (`local`).
class Processes : public Deployment {
 public:
  Processes(std::unique_ptr<Topology> topology, std::unique_ptr<server::Server> local,
            std::vector<std::string> local_modules)
      : topology_(std::move(topology)), local_(std::move(local)), local_modules_(std::move(local_modules)) {}
  ~Processes() override {
    if (!stopped_) Shutdown(absl::Seconds(10));
  }
  std::string Address(const std::string& module) const override {
    if (local_ && absl::c_linear_search(local_modules_, module)) return local_->address();
    return topology_->Address(module);
  }
  void Shutdown(absl::Duration grace) override {
    if (stopped_) return;
    stopped_ = true;
    if (local_) local_->Shutdown(grace);
    // A process's own drain deadline is its own; wait for it beyond the in-process grace.
    absl::Status s = topology_->Stop(std::max(grace, absl::Seconds(15)));
    EXPECT_TRUE(s.ok()) << s;  // every process drains and exits 0 on SIGTERM
  }
  Topology* topology() override { return topology_.get(); }

 private:
  std::unique_ptr<Topology> topology_;
  std::unique_ptr<server::Server> local_;
  std::vector<std::string> local_modules_;
  bool stopped_ = false;
};

std::vector<server::ModuleSpec> Modules(const std::vector<std::string>& only = {}) {
  std::vector<server::ModuleSpec> all = {planning::PlanningModule(), crm::CrmModule(),
                                         scoring::ScoringModule(), notify::NotifyModule(),
                                         scheduler::SchedulerModule()};
  if (only.empty()) return all;
  std::vector<server::ModuleSpec> out;
  for (auto& spec : all) {
    if (absl::c_linear_search(only, spec.name)) out.push_back(spec);
  }
  return out;
}

}  // namespace

bool TopologyMode() {
  const char* which = std::getenv("OPSUITE_TEST_TOPOLOGY");
  return which != nullptr && std::string(which) == "processes";
}

void PlanningSuite::SetUp() {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  redis_ = *std::move(redis);
  dir_ = std::filesystem::temp_directory_path() /
         ("opsuite_it_" + std::to_string(::getpid()) + "_" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir_);
  if (PostgresServer* pg = SuitePostgres()) {
    db_name_ = absl::StrCat("t_", absl::Hex(absl::Uniform<uint64_t>(absl::BitGen())));
    auto url = pg->CreateDatabase(db_name_);
    ASSERT_TRUE(url.ok()) << url.status();
    db_url_ = *url;
  }
  clock_.Set(Shanghai(2026, 3, 2, 10, 0));  // a Monday
  if (TopologyMode()) {
    std::filesystem::create_directories(dir_);
    absl::Status shared = clock_.ShareAt((dir_ / "clock").string());
    ASSERT_TRUE(shared.ok()) << shared;
  }
  StartServer();
  if (HasFatalFailure()) return;
  SeedOrg();
}

void PlanningSuite::TearDown() {
  if (server_) server_->Shutdown(absl::Seconds(2));
  server_.reset();
  if (!HasFailure()) std::filesystem::remove_all(dir_);
  if (!db_name_.empty()) {
    if (PostgresServer* pg = SuitePostgres()) {
      absl::Status dropped = pg->DropDatabase(db_name_);
      EXPECT_TRUE(dropped.ok()) << dropped;
    }
  }
}

void PlanningSuite::StartServer() {
  if (server_) server_->Shutdown(absl::Seconds(2));
  server_.reset();
  channels_.clear();
  server::ServerOptions options = OptionsOnThisData();
  for (const auto& [module, addr] : peers_) options.peers[module] = addr;
  if (TopologyMode()) {
    TopologyOptions o;
    o.bin_dir = BuildDir();
    o.dir = (dir_ / "processes").string();
    o.db_url = db_url_;
    o.redis_url = redis_->url();
    o.jwt_secret = kSecret;
    o.clock_file = (dir_ / "clock").string();
    o.peer_overrides = peers_;
    o.extra_flags = module_flags_;
    for (const std::string& m : in_process_modules_) o.replicas[m] = 0;
    auto topology = Topology::Start(o);
    ASSERT_TRUE(topology.ok()) << topology.status();
    std::unique_ptr<server::Server> local;
    if (!in_process_modules_.empty()) {
      for (const std::string& m : Topology::Modules()) {
        std::string address = (*topology)->Address(m);
        if (!address.empty() && !options.peers.contains(m)) options.peers[m] = address;
      }
      auto started = server::Server::Start(Modules(in_process_modules_), options);
      ASSERT_TRUE(started.ok()) << started.status();
      local = *std::move(started);
    }
    server_ = std::make_unique<Processes>(*std::move(topology), std::move(local), in_process_modules_);
  } else {
    auto server = server::Server::Start(Modules(), options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::make_unique<InProcess>(*std::move(server));
  }
  directory_ = pv1::DirectoryService::NewStub(Channel("planning"));
  targets_ = pv1::TargetService::NewStub(Channel("planning"));
  cards_ = pv1::GoalCardService::NewStub(Channel("planning"));
  reports_ = pv1::ReportService::NewStub(Channel("planning"));
  customers_ = cv1::CustomerService::NewStub(Channel("crm"));
  activities_ = cv1::ActivityService::NewStub(Channel("crm"));
  orders_ = cv1::OrderService::NewStub(Channel("crm"));
  schemes_ = sv1::SchemeService::NewStub(Channel("scoring"));
  evaluations_ = sv1::EvaluationService::NewStub(Channel("scoring"));
}

server::ServerOptions PlanningSuite::OptionsOnThisData(int workers) {
  server::ServerOptions options;
  options.grpc_addr = "127.0.0.1:0";
  options.data_dir = dir_.string();
  options.db_url = db_url_;
  options.redis_url = redis_->url();
  options.jwt_keys = {{"", kSecret}};
  options.workers = workers;
  options.clock = &clock_;
  return options;
}

std::shared_ptr<grpc::Channel> PlanningSuite::Channel(const std::string& module) {
  std::string address = server_->Address(module);
  std::shared_ptr<grpc::Channel>& ch = channels_[address];
  if (!ch) ch = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  return ch;
}

grpc::Status PlanningSuite::CallBytes(const std::string& method, const std::string& request,
                                      grpc::ClientContext* ctx, std::string* reply) {
  // opsuite.<module>.v1.Service/Method
  std::vector<std::string> parts = absl::StrSplit(method.substr(0, method.find('/')), '.');
  grpc::GenericStub stub(Channel(parts.size() > 1 ? parts[1] : ""));
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  std::promise<grpc::Status> done;
  stub.UnaryCall(ctx, "/" + method, grpc::StubOptions(), &in, &out,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status s = done.get_future().get();
  reply->clear();
  std::vector<grpc::Slice> slices;
  if (s.ok() && out.Dump(&slices).ok()) {
    for (const auto& sl : slices) reply->append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  return s;
}

bool PlanningSuite::PutInCache(const std::string& key, const std::string& bytes) {
  auto redis = redis::RedisClient::Create(redis_->url(), {});
  if (!redis.ok()) return false;
  auto reply = (*redis)->Command({"SET", key, bytes, "EX", "300"});
  return reply.ok() && !reply->is_error();
}

absl::StatusOr<storage::DatabasePtr> PlanningSuite::OpenModuleDatabase(
    const std::string& component) {
  if (!db_url_.empty()) {
    return storage::OpenPostgres({.url = db_url_, .pool_size = 2, .schema = component});
  }
  return storage::OpenSqlite({.path = (dir_ / (component + ".db")).string(), .readers = 1});
}

std::string PlanningSuite::Token(const std::string& sub, const std::string& roles,
                                 const std::string& org, absl::Duration ttl) {
  auth::Claims claims{sub, org, absl::StrSplit(roles, ',', absl::SkipEmpty())};
  return auth::MintJwt(claims, {"", kSecret}, clock_.Now(), clock_.Now() + ttl);
}

std::unique_ptr<grpc::ClientContext> PlanningSuite::As(const std::string& sub,
                                                       const std::string& roles,
                                                       const std::string& org) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + Token(sub, roles, org));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

void PlanningSuite::SeedOrg() {
  auto dept = [&](const std::string& name, const std::string& parent, const std::string& manager) {
    pv1::CreateDepartmentRequest req;
    req.mutable_department()->set_name(name);
    req.mutable_department()->set_parent_id(parent);
    req.mutable_department()->set_manager_id(manager);
    pv1::Department d;
    grpc::Status s = directory_->CreateDepartment(Admin().get(), req, &d);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return d.id();
  };
  root_ = dept("公司", "", "");
  boss_ = AddEmployee("老板", root_, "");
  manager_ = AddEmployee("王经理", root_, boss_);
  other_ = AddEmployee("李经理", root_, boss_);
  sales_ = dept("销售部", root_, manager_);
  ops_ = dept("运营部", root_, other_);
  rep_ = AddEmployee("张三", sales_, manager_);
}

std::string PlanningSuite::AddEmployee(const std::string& name, const std::string& dept_id,
                                       const std::string& manager, pv1::RoleClass role) {
  pv1::CreateEmployeeRequest req;
  req.mutable_employee()->set_name(name);
  req.mutable_employee()->set_department_id(dept_id);
  req.mutable_employee()->set_role_class(role);
  req.mutable_employee()->set_manager_id(manager);
  pv1::Employee e;
  grpc::Status s = directory_->CreateEmployee(Admin().get(), req, &e);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return e.id();
}

sv1::Scheme GoalCardScheme(sv1::Cycle cycle) {
  sv1::Scheme s;
  s.set_name(absl::StrCat("目标卡 ", sv1::Cycle_Name(cycle)));
  s.set_subject_kind(sv1::SUBJECT_KIND_EMPLOYEE);
  s.set_cycle(cycle);
  auto* item = s.add_items();
  item->set_code("goal_card");
  item->set_name("目标卡");
  item->set_weight(100);
  item->mutable_goal_card();
  return s;
}

// Entries of the stream `ops:events` as (type, event id) pairs.
std::vector<std::pair<std::string, std::string>> StreamEvents(const std::string& url) {
  std::vector<std::pair<std::string, std::string>> out;
  redis::RedisOptions o;
  o.command_timeout = absl::Seconds(1);
  auto client = redis::RedisClient::Create(url, o);
  if (!client.ok()) return out;
  auto reply = (*client)->Command({"XRANGE", "ops:events", "-", "+"});
  if (!reply.ok()) return out;
  for (const auto& entry : reply->elements) {
    if (entry.elements.size() < 2) continue;
    std::string type, id;
    const auto& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str == "type") type = fields[i + 1].str;
      if (fields[i].str == "id") id = fields[i + 1].str;
    }
    out.emplace_back(type, id);
  }
  return out;
}

std::vector<std::string> Fields(const grpc::Status& status) {
  return ViolatedFields(FromGrpcStatus(status));
}

}  // namespace opsuite::testing
