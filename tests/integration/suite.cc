#include "tests/integration/suite.h"

#include <unistd.h>

#include "absl/strings/str_split.h"

#include "services/planning/planning_module.h"

namespace opsuite::testing {

void PlanningSuite::SetUp() {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  redis_ = *std::move(redis);
  dir_ = std::filesystem::temp_directory_path() /
         ("opsuite_it_" + std::to_string(::getpid()) + "_" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir_);
  clock_.Set(Shanghai(2026, 3, 2, 10, 0));  // a Monday
  StartServer();
  SeedOrg();
}

void PlanningSuite::TearDown() {
  if (server_) server_->Shutdown(absl::Seconds(2));
  server_.reset();
  std::filesystem::remove_all(dir_);
}

void PlanningSuite::StartServer() {
  if (server_) server_->Shutdown(absl::Seconds(2));
  server::ServerOptions options;
  options.grpc_addr = "127.0.0.1:0";
  options.data_dir = dir_.string();
  options.redis_url = redis_->url();
  options.jwt_keys = {{"", kSecret}};
  options.workers = 4;
  options.clock = &clock_;
  auto server = server::Server::Start({planning::PlanningModule()}, options);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  directory_ = pv1::DirectoryService::NewStub(channel_);
  targets_ = pv1::TargetService::NewStub(channel_);
  cards_ = pv1::GoalCardService::NewStub(channel_);
  reports_ = pv1::ReportService::NewStub(channel_);
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
  auto employee = [&](const std::string& name, const std::string& dept_id,
                      const std::string& manager) {
    pv1::CreateEmployeeRequest req;
    req.mutable_employee()->set_name(name);
    req.mutable_employee()->set_department_id(dept_id);
    req.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
    req.mutable_employee()->set_manager_id(manager);
    pv1::Employee e;
    grpc::Status s = directory_->CreateEmployee(Admin().get(), req, &e);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return e.id();
  };
  root_ = dept("公司", "", "");
  boss_ = employee("老板", root_, "");
  manager_ = employee("王经理", root_, boss_);
  other_ = employee("李经理", root_, boss_);
  sales_ = dept("销售部", root_, manager_);
  ops_ = dept("运营部", root_, other_);
  rep_ = employee("张三", sales_, manager_);
}

std::vector<std::string> Fields(const grpc::Status& status) {
  return ViolatedFields(FromGrpcStatus(status));
}

}  // namespace opsuite::testing
