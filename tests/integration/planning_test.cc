// Every planning RPC over real gRPC against a real Redis: the seed's walk-throughs, the
// authorization matrix, idempotency, etags, cache invalidation, bad input naming the field,
// and a Redis outage that loses nothing.
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "common/cache/cache.h"
#include "common/redis/redis_client.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/crm/crm_module.h"
#include "services/planning/planning_module.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

pv1::Owner Org() {
  pv1::Owner o;
  o.set_kind(pv1::OWNER_KIND_ORG);
  return o;
}
pv1::Owner EmployeeOwner(const std::string& id) {
  pv1::Owner o;
  o.set_kind(pv1::OWNER_KIND_EMPLOYEE);
  o.set_id(id);
  return o;
}

pv1::CreateGoalCardRequest CardRequest(const std::string& employee, int tasks = 2) {
  pv1::CreateGoalCardRequest req;
  req.set_employee_id(employee);
  req.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
  req.mutable_period()->set_start_date("2026-03-01");
  for (int i = 0; i < tasks; ++i) {
    auto* t = req.add_tasks();
    t->set_title(absl::StrCat("任务", i + 1));
    t->set_kind(i == 0 ? pv1::TASK_KIND_ROUTINE : pv1::TASK_KIND_AD_HOC);
    t->set_weight(i == 0 ? 100 - 10 * (tasks - 1) : 10);
  }
  return req;
}

class PlanningIT : public PlanningSuite {};

TEST_F(PlanningIT, HealthServesOverallAndPerService) {
  auto health = grpc::health::v1::Health::NewStub(Channel("planning"));
  for (std::string name : {"", "opsuite.planning.v1.GoalCardService",
                           "opsuite.planning.v1.DirectoryService", "planning"}) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(name);
    grpc::health::v1::HealthCheckResponse resp;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok()) << name;
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING) << name;
  }
}

TEST_F(PlanningIT, HealthWatchTurnsNotServingWhenTheServerDrains) {
  auto health = grpc::health::v1::Health::NewStub(Channel("planning"));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service("opsuite.planning.v1.TargetService");
  auto stream = health->Watch(&ctx, req);
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  std::thread stopper([&] { server_->Shutdown(absl::Seconds(5)); });
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  stopper.join();
  server_.reset();
}

TEST_F(PlanningIT, DirectoryReadsFollowTheOrgTree) {
  pv1::GetEmployeeRequest get;
  get.set_id(rep_);
  pv1::Employee e;
  // Themselves, their direct manager, an admin.
  EXPECT_TRUE(directory_->GetEmployee(As(rep_, "employee").get(), get, &e).ok());
  EXPECT_EQ(e.name(), "张三");
  EXPECT_EQ(e.locale(), "zh-CN");
  EXPECT_EQ(e.timezone(), "Asia/Shanghai");
  EXPECT_TRUE(directory_->GetEmployee(As(manager_, "manager").get(), get, &e).ok());
  EXPECT_TRUE(directory_->GetEmployee(Admin().get(), get, &e).ok());
  // A department below 销售部 is managed transitively by 销售部's manager, who is not the new
  // employee's direct manager.
  pv1::CreateDepartmentRequest team;
  team.mutable_department()->set_name("销售一组");
  team.mutable_department()->set_parent_id(sales_);
  pv1::Department team_dept;
  ASSERT_TRUE(directory_->CreateDepartment(Admin().get(), team, &team_dept).ok());
  pv1::CreateEmployeeRequest hire;
  hire.mutable_employee()->set_name("赵六");
  hire.mutable_employee()->set_department_id(team_dept.id());
  hire.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
  pv1::Employee zhao;
  ASSERT_TRUE(directory_->CreateEmployee(Admin().get(), hire, &zhao).ok());
  pv1::GetEmployeeRequest get_zhao;
  get_zhao.set_id(zhao.id());
  EXPECT_TRUE(directory_->GetEmployee(As(manager_, "manager").get(), get_zhao, &e).ok());
  EXPECT_EQ(directory_->GetEmployee(As(rep_, "employee").get(), get_zhao, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The manager of another department: denied. Another org: not found.
  EXPECT_EQ(directory_->GetEmployee(As(other_, "manager").get(), get, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(directory_->GetEmployee(Admin("globex").get(), get, &e).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // No token, a bad token, an expired token.
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(directory_->GetEmployee(&ctx, get, &e).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer not.a.token");
    EXPECT_EQ(directory_->GetEmployee(&ctx, get, &e).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token(rep_, "employee", "acme", absl::Seconds(5)));
    clock_.Advance(absl::Minutes(5));
    grpc::Status s = directory_->GetEmployee(&ctx, get, &e);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_NE(s.error_message().find("expired"), std::string::npos) << s.error_message();
  }
  // Only admins create; employees list nothing; managers list what they manage.
  pv1::CreateEmployeeRequest create;
  create.mutable_employee()->set_name("x");
  create.mutable_employee()->set_department_id(sales_);
  create.mutable_employee()->set_role_class(pv1::ROLE_CLASS_STAFF);
  EXPECT_EQ(directory_->CreateEmployee(As(manager_, "manager").get(), create, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  pv1::ListEmployeesRequest list;
  list.set_department_id(sales_);
  pv1::ListEmployeesResponse listed;
  ASSERT_TRUE(directory_->ListEmployees(As(manager_, "manager").get(), list, &listed).ok());
  // 销售部 and the team below it; nobody from 公司 or 运营部.
  ASSERT_EQ(listed.employees_size(), 2);
  EXPECT_EQ(listed.employees(0).id(), rep_);
  EXPECT_EQ(listed.employees(1).id(), zhao.id());
  EXPECT_EQ(directory_->ListEmployees(As(rep_, "employee").get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Batch reads keep the order and refuse what the caller may not see.
  pv1::BatchGetEmployeesRequest batch;
  batch.add_ids(rep_);
  batch.add_ids(manager_);
  pv1::BatchGetEmployeesResponse got;
  ASSERT_TRUE(directory_->BatchGetEmployees(Admin().get(), batch, &got).ok());
  ASSERT_EQ(got.employees_size(), 2);
  EXPECT_EQ(got.employees(1).id(), manager_);
  EXPECT_EQ(directory_->BatchGetEmployees(As(rep_, "employee").get(), batch, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(PlanningIT, ListPagesWithTokensThatSurviveInserts) {
  pv1::ListDepartmentsRequest req;
  req.set_page_size(2);
  pv1::ListDepartmentsResponse page;
  ASSERT_TRUE(directory_->ListDepartments(Admin().get(), req, &page).ok());
  ASSERT_EQ(page.departments_size(), 2);
  ASSERT_FALSE(page.next_page_token().empty());
  // A department created between pages sorts after the ones already served.
  pv1::CreateDepartmentRequest create;
  create.mutable_department()->set_name("新部门");
  pv1::Department created;
  ASSERT_TRUE(directory_->CreateDepartment(Admin().get(), create, &created).ok());
  req.set_page_token(page.next_page_token());
  pv1::ListDepartmentsResponse rest;
  ASSERT_TRUE(directory_->ListDepartments(Admin().get(), req, &rest).ok());
  std::vector<std::string> ids;
  for (const auto& d : page.departments()) ids.push_back(d.id());
  for (const auto& d : rest.departments()) ids.push_back(d.id());
  while (!rest.next_page_token().empty()) {
    req.set_page_token(rest.next_page_token());
    rest.Clear();
    ASSERT_TRUE(directory_->ListDepartments(Admin().get(), req, &rest).ok());
    for (const auto& d : rest.departments()) ids.push_back(d.id());
  }
  EXPECT_EQ(ids.size(), 4u);  // 公司, 销售部, 运营部, 新部门: none twice, none skipped
  EXPECT_EQ(ids.back(), created.id());
  req.set_page_token("forged");
  EXPECT_THAT(Fields(directory_->ListDepartments(Admin().get(), req, &rest)),
              ElementsAre("page_token"));
}

TEST_F(PlanningIT, StaleEtagIsAbortedAndCacheSeesEveryWrite) {
  pv1::GetEmployeeRequest get;
  get.set_id(rep_);
  pv1::Employee before;
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &before).ok());
  // The read filled Redis.
  redis::RedisOptions o;
  o.command_timeout = absl::Seconds(1);
  auto redis = redis::RedisClient::Create(redis_->url(), o);
  ASSERT_TRUE(redis.ok());
  std::string key = absl::StrCat("ops:{acme}:planning:employee:", rep_, ":v1");
  auto cached = (*redis)->Command({"EXISTS", key});
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->integer, 1);

  pv1::UpdateEmployeeRequest update;
  update.mutable_employee()->set_id(rep_);
  update.mutable_employee()->set_email("zhangsan@example.com");
  update.mutable_employee()->set_etag(before.etag());
  update.mutable_update_mask()->add_paths("email");
  pv1::Employee after;
  ASSERT_TRUE(directory_->UpdateEmployee(As(rep_, "employee").get(), update, &after).ok());
  EXPECT_NE(after.etag(), before.etag());
  // The same etag again is stale now.
  EXPECT_EQ(directory_->UpdateEmployee(As(rep_, "employee").get(), update, &after).error_code(),
            grpc::StatusCode::ABORTED);
  // Read, write, read: the second read sees the write.
  pv1::Employee reread;
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &reread).ok());
  EXPECT_EQ(reread.email(), "zhangsan@example.com");
  // Employees may not move themselves to another department.
  update.mutable_employee()->clear_etag();
  update.mutable_update_mask()->add_paths("department_id");
  EXPECT_EQ(directory_->UpdateEmployee(As(rep_, "employee").get(), update, &after).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A cache miss's load runs on the small read pool (--read_workers), not on the workers that
// writers share: a burst of misses neither wakes dozens of threads nor queues behind writes.
TEST_F(PlanningIT, CacheMissesLoadOnTheReadPool) {
  cv1::CreateCustomerRequest create;
  create.mutable_customer()->set_name("南方贸易行");
  create.mutable_customer()->set_tier(cv1::TIER_KEY);
  create.mutable_customer()->mutable_region()->set_city("广州");
  cv1::Customer customer;
  grpc::Status created = customers_->CreateCustomer(As(rep_, "employee").get(), create, &customer);
  ASSERT_TRUE(created.ok()) << created.error_message();
  ASSERT_EQ(customer.owner_id(), rep_);

  server::ServerOptions options = OptionsOnThisData(/*workers=*/2);
  options.read_workers = 1;
  auto replica = server::Server::Start({planning::PlanningModule(), crm::CrmModule()}, options);
  ASSERT_TRUE(replica.ok()) << replica.status();
  auto channel = grpc::CreateChannel((*replica)->address(), grpc::InsecureChannelCredentials());
  auto directory = pv1::DirectoryService::NewStub(channel);
  auto customers = cv1::CustomerService::NewStub(channel);
  redis::RedisOptions o;
  o.command_timeout = absl::Seconds(1);
  auto redis = redis::RedisClient::Create(redis_->url(), o);
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());  // every read below starts as a miss

  pv1::GetEmployeeRequest get;
  get.set_id(rep_);
  pv1::Employee e;
  server::Server::PoolStats before = (*replica)->Pools();
  ASSERT_TRUE(directory->GetEmployee(Admin().get(), get, &e).ok());
  server::Server::PoolStats after = (*replica)->Pools();
  EXPECT_EQ(e.id(), rep_);
  EXPECT_EQ(after.read_workers, before.read_workers + 1);  // the load
  EXPECT_EQ(after.workers, before.workers);
  // Filled: the second read needs no pool at all.
  ASSERT_TRUE(directory->GetEmployee(Admin().get(), get, &e).ok());
  EXPECT_EQ((*replica)->Pools().read_workers, after.read_workers);

  // GetCustomer: the load on the read pool; a manager's read also asks the directory whether
  // the owner reports to them, which may be a call to another process: the workers' job.
  cv1::GetCustomerRequest get_customer;
  get_customer.set_id(customer.id());
  cv1::Customer read;
  before = (*replica)->Pools();
  ASSERT_TRUE(customers->GetCustomer(As(manager_, "manager").get(), get_customer, &read).ok());
  after = (*replica)->Pools();
  EXPECT_EQ(read.name(), "南方贸易行");
  EXPECT_EQ(after.read_workers, before.read_workers + 1);
  EXPECT_GE(after.workers, before.workers + 1);
  (*replica)->Shutdown(absl::Seconds(2));
}

// GetEmployee near hits go out as the bytes cached (the name field twice here, as no serializer
// writes it, so only those bytes can come back unchanged). A request that does not parse is
// refused INVALID_ARGUMENT, naming the message it should have been.
TEST_F(PlanningIT, ACachedEmployeeIsSentAsTheBytesCached) {
  pv1::GetEmployeeRequest get;
  get.set_id(rep_);
  pv1::Employee e;
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &e).ok());
  pv1::Employee renamed;
  renamed.set_name("销售代表（新）");
  const std::string cached = e.SerializeAsString() + renamed.SerializeAsString();
  ASSERT_TRUE(PutInCache(cache::Key("acme", "planning", "employee", rep_), cached));
  const std::string method = "opsuite.planning.v1.DirectoryService/GetEmployee";
  int exact = RepliesExactly<pv1::Employee>(method, get.SerializeAsString(), cached, 5,
                                            [&](const pv1::Employee& read) {
                                              EXPECT_EQ(read.name(), "销售代表（新）");
                                              EXPECT_EQ(read.id(), rep_);
                                            });
  EXPECT_GE(exact, 4) << "near hits must send the cached bytes unchanged";

  // Field 1 (id) with a length that runs past the end: refused, saying what was expected.
  std::string reply;
  grpc::Status bad = CallBytes(method, std::string("\x0a\x05" "ab", 4), Admin().get(), &reply);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.error_message();
  EXPECT_THAT(bad.error_message(), ::testing::HasSubstr("opsuite.planning.v1.GetEmployeeRequest"));
  // And the server goes on answering.
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &e).ok());
}

TEST_F(PlanningIT, SeedAnnualTargetSplitsIntoQuartersAndTracksProgress) {
  // 003:182-184: annual 1.5亿 = Q1 1500万 + Q2 4500万 + Q3 4500万 + Q4 4500万.
  pv1::CreateTargetRequest create;
  *create.mutable_target()->mutable_owner() = Org();
  create.mutable_target()->set_metric("sales");
  create.mutable_target()->set_unit("CNY");
  create.mutable_target()->mutable_period()->set_granularity(common::v1::GRANULARITY_YEAR);
  create.mutable_target()->mutable_period()->set_start_date("2026-01-01");
  create.mutable_target()->set_value(150'000'000);
  pv1::Target annual;
  ASSERT_TRUE(targets_->CreateTarget(Admin().get(), create, &annual).ok());
  EXPECT_EQ(annual.end_date(), "2026-12-31");

  pv1::DecomposeTargetRequest split;
  split.set_target_id(annual.id());
  split.mutable_by_time()->set_granularity(common::v1::GRANULARITY_QUARTER);
  for (int w : {1, 3, 3, 3}) split.mutable_by_time()->add_weights(w);
  pv1::DecomposeTargetResponse quarters;
  ASSERT_TRUE(targets_->DecomposeTarget(Admin().get(), split, &quarters).ok());
  ASSERT_EQ(quarters.children_size(), 4);
  std::vector<int64_t> values;
  for (const auto& q : quarters.children()) values.push_back(q.value());
  EXPECT_THAT(values, ElementsAre(15'000'000, 45'000'000, 45'000'000, 45'000'000));
  EXPECT_EQ(quarters.children(1).period().start_date(), "2026-04-01");

  // Q1 split evenly into months; an actual recorded twice with one request_id counts once.
  pv1::DecomposeTargetRequest months;
  months.set_target_id(quarters.children(0).id());
  months.mutable_by_time()->set_granularity(common::v1::GRANULARITY_MONTH);
  pv1::DecomposeTargetResponse q1;
  ASSERT_TRUE(targets_->DecomposeTarget(Admin().get(), months, &q1).ok());
  ASSERT_EQ(q1.children_size(), 3);
  EXPECT_EQ(q1.children(0).value() + q1.children(1).value() + q1.children(2).value(), 15'000'000);

  pv1::RecordActualRequest actual;
  *actual.mutable_owner() = EmployeeOwner(rep_);
  actual.set_metric("sales");
  actual.set_date("2026-02-10");
  actual.set_value(9'000'000);
  actual.set_request_id("import-row-17");
  pv1::Actual first, second;
  ASSERT_TRUE(targets_->RecordActual(As(rep_, "employee").get(), actual, &first).ok());
  ASSERT_TRUE(targets_->RecordActual(As(rep_, "employee").get(), actual, &second).ok());
  EXPECT_EQ(first.id(), second.id());
  // Someone else's actual: the employee may not record it.
  *actual.mutable_owner() = EmployeeOwner(manager_);
  actual.set_request_id("other");
  EXPECT_EQ(targets_->RecordActual(As(rep_, "employee").get(), actual, &second).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // On March 31 the year is a quarter gone: plan-to-date is Q1 (10%), the actual 6%.
  pv1::GetProgressRequest progress;
  progress.set_target_id(annual.id());
  progress.set_as_of("2026-03-31");
  pv1::Progress p;
  ASSERT_TRUE(targets_->GetProgress(As(rep_, "employee").get(), progress, &p).ok());
  EXPECT_EQ(p.actual(), 9'000'000);
  EXPECT_EQ(p.plan_to_date(), 15'000'000);
  EXPECT_DOUBLE_EQ(p.completion_ratio(), 0.06);
  EXPECT_DOUBLE_EQ(p.expected_ratio(), 0.1);
  EXPECT_EQ(p.variance(), -6'000'000);
  EXPECT_EQ(p.gap(), 6'000'000);
  EXPECT_EQ(p.status(), pv1::PROGRESS_STATUS_BEHIND);
  // The department's Q1 rolls up the employee's actual too (org tree), and the rep's own.
  pv1::CreateTargetRequest dept_target = create;
  dept_target.mutable_target()->mutable_owner()->set_kind(pv1::OWNER_KIND_DEPARTMENT);
  dept_target.mutable_target()->mutable_owner()->set_id(sales_);
  dept_target.mutable_target()->mutable_period()->set_granularity(common::v1::GRANULARITY_QUARTER);
  dept_target.mutable_target()->set_value(10'000'000);
  pv1::Target dept_q1;
  ASSERT_TRUE(targets_->CreateTarget(As(manager_, "manager").get(), dept_target, &dept_q1).ok());
  progress.set_target_id(dept_q1.id());
  ASSERT_TRUE(targets_->GetProgress(As(manager_, "manager").get(), progress, &p).ok());
  EXPECT_EQ(p.actual(), 9'000'000);
  EXPECT_EQ(p.status(), pv1::PROGRESS_STATUS_AT_RISK);  // 90% of plan-to-date
  // The manager of another department cannot set targets for this one.
  EXPECT_EQ(targets_->CreateTarget(As(other_, "manager").get(), dept_target, &dept_q1).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Q1's months have actuals now: re-splitting Q1 is refused; the annual split too (Q1 is a
  // child with actuals).
  EXPECT_EQ(targets_->DecomposeTarget(Admin().get(), months, &q1).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(targets_->DecomposeTarget(Admin().get(), split, &quarters).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PlanningIT, BadTargetInputNamesTheField) {
  pv1::CreateTargetRequest req;
  *req.mutable_target()->mutable_owner() = Org();
  req.mutable_target()->set_metric("sales");
  req.mutable_target()->mutable_period()->set_granularity(common::v1::GRANULARITY_QUARTER);
  req.mutable_target()->mutable_period()->set_start_date("2026-02-01");
  req.mutable_target()->set_value(100);
  pv1::Target t;
  grpc::Status s = targets_->CreateTarget(Admin().get(), req, &t);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), Contains("target.period.start_date"));

  req.mutable_target()->mutable_period()->set_start_date("2026-01-01");
  req.mutable_target()->set_value(-5);
  EXPECT_THAT(Fields(targets_->CreateTarget(Admin().get(), req, &t)), Contains("target.value"));

  req.mutable_target()->set_value(5);
  req.mutable_target()->mutable_period()->set_granularity(
      static_cast<common::v1::Granularity>(42));
  EXPECT_THAT(Fields(targets_->CreateTarget(Admin().get(), req, &t)),
              Contains("target.period.granularity"));

  req.mutable_target()->mutable_period()->set_granularity(common::v1::GRANULARITY_QUARTER);
  req.mutable_target()->set_metric("");
  EXPECT_THAT(Fields(targets_->CreateTarget(Admin().get(), req, &t)), Contains("target.metric"));
}

TEST_F(PlanningIT, GoalCardWalksFromDraftToClosedAndEmitsEveryStep) {
  pv1::GoalCard card;
  ASSERT_TRUE(cards_->CreateGoalCard(As(rep_, "employee").get(), CardRequest(rep_), &card).ok());
  EXPECT_EQ(card.state(), pv1::GOAL_CARD_STATE_DRAFT);
  EXPECT_EQ(card.department_id(), sales_);
  EXPECT_EQ(card.tasks(0).id(), "t1");

  auto id_req = [&](auto req) {
    req.set_id(card.id());
    return req;
  };
  // The employee cannot approve their own card; approving a DRAFT is the wrong state.
  EXPECT_EQ(cards_->ApproveGoalCard(As(manager_, "manager").get(),
                                    id_req(pv1::ApproveGoalCardRequest()), &card)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(
      cards_->SubmitGoalCard(As(rep_, "employee").get(), id_req(pv1::SubmitGoalCardRequest()), &card)
          .ok());
  EXPECT_EQ(cards_->ApproveGoalCard(As(rep_, "employee").get(),
                                    id_req(pv1::ApproveGoalCardRequest()), &card)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(cards_->ApproveGoalCard(As(other_, "manager").get(),
                                    id_req(pv1::ApproveGoalCardRequest()), &card)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Return needs a reason.
  pv1::ReturnGoalCardRequest ret = id_req(pv1::ReturnGoalCardRequest());
  EXPECT_THAT(Fields(cards_->ReturnGoalCard(As(manager_, "manager").get(), ret, &card)),
              ElementsAre("reason"));
  ret.set_reason("任务2的关键结果要量化");
  ASSERT_TRUE(cards_->ReturnGoalCard(As(manager_, "manager").get(), ret, &card).ok());
  EXPECT_EQ(card.state(), pv1::GOAL_CARD_STATE_RETURNED);
  EXPECT_EQ(card.return_reason(), "任务2的关键结果要量化");
  // The employee revises (a stale etag is refused) and resubmits.
  pv1::UpdateGoalCardRequest update;
  *update.mutable_goal_card() = card;
  update.mutable_goal_card()->mutable_tasks(1)->set_key_result("签约 3 家");
  update.mutable_update_mask()->add_paths("tasks");
  ASSERT_TRUE(cards_->UpdateGoalCard(As(rep_, "employee").get(), update, &card).ok());
  EXPECT_EQ(cards_->UpdateGoalCard(As(rep_, "employee").get(), update, &card).error_code(),
            grpc::StatusCode::ABORTED);
  pv1::SubmitGoalCardRequest submit = id_req(pv1::SubmitGoalCardRequest());
  submit.set_etag("1");
  EXPECT_EQ(cards_->SubmitGoalCard(As(rep_, "employee").get(), submit, &card).error_code(),
            grpc::StatusCode::ABORTED);
  submit.clear_etag();
  ASSERT_TRUE(cards_->SubmitGoalCard(As(rep_, "employee").get(), submit, &card).ok());
  ASSERT_TRUE(cards_->ApproveGoalCard(As(manager_, "manager").get(),
                                      id_req(pv1::ApproveGoalCardRequest()), &card)
                  .ok());
  pv1::RecordTaskProgressRequest progress = id_req(pv1::RecordTaskProgressRequest());
  progress.set_task_id("t2");
  progress.set_percent(60);
  ASSERT_TRUE(cards_->RecordTaskProgress(As(rep_, "employee").get(), progress, &card).ok());
  EXPECT_EQ(card.tasks(1).progress_percent(), 60);

  pv1::SelfAssessGoalCardRequest self = id_req(pv1::SelfAssessGoalCardRequest());
  for (auto [task, score] : {std::pair{"t1", 100.0}, std::pair{"t2", 100.0}}) {
    auto* s = self.add_tasks();
    s->set_task_id(task);
    s->set_self_score(score);
  }
  ASSERT_TRUE(cards_->SelfAssessGoalCard(As(rep_, "employee").get(), self, &card).ok());
  pv1::ScoreGoalCardRequest score = id_req(pv1::ScoreGoalCardRequest());
  for (auto [task, value] : {std::pair{"t1", 80.0}, std::pair{"t2", 50.0}}) {
    auto* s = score.add_tasks();
    s->set_task_id(task);
    s->set_score(value);
  }
  ASSERT_TRUE(cards_->ScoreGoalCard(As(manager_, "manager").get(), score, &card).ok());
  // 90 × 80 / 100 + 10 × 50 / 100 = 77; the self-scores of 100 are kept and not counted.
  EXPECT_DOUBLE_EQ(card.score(), 77.0);
  EXPECT_DOUBLE_EQ(card.tasks(0).self_score(), 100.0);
  pv1::CloseGoalCardRequest close = id_req(pv1::CloseGoalCardRequest());
  close.set_feedback("面谈：下月加强回款");
  ASSERT_TRUE(cards_->CloseGoalCard(As(manager_, "manager").get(), close, &card).ok());
  EXPECT_EQ(card.state(), pv1::GOAL_CARD_STATE_CLOSED);
  EXPECT_EQ(card.history_size(), 7);

  // The same card read back (through the cache) is the closed one.
  pv1::GetGoalCardRequest get;
  get.set_id(card.id());
  pv1::GoalCard read;
  ASSERT_TRUE(cards_->GetGoalCard(As(rep_, "employee").get(), get, &read).ok());
  EXPECT_EQ(read.state(), pv1::GOAL_CARD_STATE_CLOSED);

  std::vector<std::string> types;
  ASSERT_TRUE(Eventually([&] {
    types.clear();
    for (auto& [type, id] : StreamEvents(redis_->url())) types.push_back(type);
    return types.size() >= 8;
  })) << types.size();
  EXPECT_THAT(types, ElementsAre("planning.goal_card.created", "planning.goal_card.submitted",
                                 "planning.goal_card.returned", "planning.goal_card.submitted",
                                 "planning.goal_card.approved", "planning.goal_card.self_assessed",
                                 "planning.goal_card.scored", "planning.goal_card.closed"));
}

TEST_F(PlanningIT, EmptyNamesAreRefusedNamingTheField) {
  pv1::CreateDepartmentRequest dept;
  pv1::Department d;
  grpc::Status s = directory_->CreateDepartment(Admin().get(), dept, &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ElementsAre("department.name"));
  pv1::CreateEmployeeRequest emp;
  emp.mutable_employee()->set_department_id(sales_);
  emp.mutable_employee()->set_role_class(pv1::ROLE_CLASS_STAFF);
  emp.mutable_employee()->set_timezone("Mars/Olympus");
  pv1::Employee e;
  EXPECT_THAT(Fields(directory_->CreateEmployee(Admin().get(), emp, &e)),
              ElementsAre("employee.name", "employee.timezone"));
}

TEST_F(PlanningIT, BadGoalCardInputNamesTheField) {
  pv1::GoalCard card;
  grpc::Status s = cards_->CreateGoalCard(As(rep_, "employee").get(), CardRequest(rep_, 7), &card);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), Contains("tasks"));

  auto req = CardRequest(rep_, 2);
  req.mutable_tasks(1)->set_weight(9);  // 90 + 9 = 99
  EXPECT_THAT(Fields(cards_->CreateGoalCard(As(rep_, "employee").get(), req, &card)),
              Contains("tasks"));
  req = CardRequest(rep_, 2);
  req.mutable_tasks(0)->set_title("");
  EXPECT_THAT(Fields(cards_->CreateGoalCard(As(rep_, "employee").get(), req, &card)),
              Contains("tasks[0].title"));
  req = CardRequest(rep_, 2);
  req.mutable_tasks(1)->set_kind(static_cast<pv1::TaskKind>(9));
  EXPECT_THAT(Fields(cards_->CreateGoalCard(As(rep_, "employee").get(), req, &card)),
              Contains("tasks[1].kind"));
  // One card per employee and period.
  ASSERT_TRUE(cards_->CreateGoalCard(As(rep_, "employee").get(), CardRequest(rep_), &card).ok());
  EXPECT_EQ(cards_->CreateGoalCard(As(rep_, "employee").get(), CardRequest(rep_), &card).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(PlanningIT, ReportsAreJudgedAgainstTheDeadlineInTheEmployeesZone) {
  pv1::SubmitReportRequest daily;
  daily.set_kind(pv1::REPORT_KIND_DAILY);
  daily.set_period_date("2026-03-02");
  daily.set_content("拜访 2 家新客户，3 家老客户，4 个电话");
  pv1::Report r;
  clock_.Set(Shanghai(2026, 3, 2, 20, 59));
  ASSERT_TRUE(reports_->SubmitReport(As(rep_, "employee").get(), daily, &r).ok());
  EXPECT_FALSE(r.late());
  daily.set_period_date("2026-03-03");
  clock_.Set(Shanghai(2026, 3, 3, 21, 1));
  ASSERT_TRUE(reports_->SubmitReport(As(rep_, "employee").get(), daily, &r).ok());
  EXPECT_TRUE(r.late());
  // Nothing for Wednesday to Friday, nor the weekly report due Saturday 18:00.
  clock_.Set(Shanghai(2026, 3, 9, 9, 0));
  pv1::CheckReportDeadlinesRequest check;
  pv1::CheckReportDeadlinesResponse found;
  EXPECT_EQ(reports_->CheckReportDeadlines(As(rep_, "employee").get(), check, &found).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(reports_->CheckReportDeadlines(As("scheduler", "service").get(), check, &found).ok());
  int rep_missing = 0;
  for (const auto& m : found.newly_missing()) rep_missing += m.employee_id() == rep_;
  EXPECT_EQ(rep_missing, 4);  // Wed, Thu, Fri daily + the weekly report
  // Recorded once: a second check finds nothing new.
  pv1::CheckReportDeadlinesResponse again;
  ASSERT_TRUE(reports_->CheckReportDeadlines(As("scheduler", "service").get(), check, &again).ok());
  EXPECT_EQ(again.newly_missing_size(), 0);

  pv1::GetReportComplianceRequest compliance;
  compliance.set_employee_id(rep_);
  compliance.mutable_period()->set_granularity(common::v1::GRANULARITY_WEEK);
  compliance.mutable_period()->set_start_date("2026-03-02");
  pv1::ReportCompliance c;
  ASSERT_TRUE(reports_->GetReportCompliance(As(manager_, "manager").get(), compliance, &c).ok());
  EXPECT_EQ(c.daily_expected(), 5);
  EXPECT_EQ(c.daily_missing(), 3);
  EXPECT_EQ(c.daily_late(), 1);
  EXPECT_EQ(c.weekly_missing(), 1);
  EXPECT_EQ(reports_->GetReportCompliance(As(other_, "manager").get(), compliance, &c).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  std::vector<std::string> types;
  ASSERT_TRUE(Eventually([&] {
    types.clear();
    for (auto& [type, id] : StreamEvents(redis_->url())) types.push_back(type);
    return std::count(types.begin(), types.end(), "planning.report.missing") >= 4;
  }));
  EXPECT_THAT(types, Contains("planning.report.late"));
}

TEST_F(PlanningIT, ReportPolicyIsAdminOnlyAndChecked) {
  pv1::ReportPolicy policy;
  ASSERT_TRUE(reports_->GetReportPolicy(As(rep_, "employee").get(), {}, &policy).ok());
  EXPECT_EQ(policy.daily_deadline(), "21:00");  // 003:365
  EXPECT_EQ(policy.weekly_deadline(), "18:00");  // 003:368, Saturday
  EXPECT_EQ(policy.weekly_deadline_weekday(), 6);
  pv1::UpdateReportPolicyRequest update;
  update.mutable_policy()->set_daily_deadline("25:00");
  update.mutable_update_mask()->add_paths("daily_deadline");
  EXPECT_EQ(reports_->UpdateReportPolicy(As(manager_, "manager").get(), update, &policy).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(Fields(reports_->UpdateReportPolicy(Admin().get(), update, &policy)),
              ElementsAre("policy.daily_deadline"));
  update.mutable_policy()->set_daily_deadline("20:30");
  ASSERT_TRUE(reports_->UpdateReportPolicy(Admin().get(), update, &policy).ok());
  // The next daily report is judged against 20:30.
  pv1::SubmitReportRequest daily;
  daily.set_kind(pv1::REPORT_KIND_DAILY);
  daily.set_period_date("2026-03-02");
  daily.set_content("日报");
  clock_.Set(Shanghai(2026, 3, 2, 20, 45));
  pv1::Report r;
  ASSERT_TRUE(reports_->SubmitReport(As(rep_, "employee").get(), daily, &r).ok());
  EXPECT_TRUE(r.late());
}

TEST_F(PlanningIT, RedisDownMidTestLosesNothing) {
  pv1::GetEmployeeRequest get;
  get.set_id(rep_);
  pv1::Employee e;
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &e).ok());
  redis_->Stop();
  // Reads and writes go on from the database; the events wait in the outbox.
  std::vector<std::string> card_ids;
  for (int month = 4; month <= 6; ++month) {
    auto req = CardRequest(rep_);
    req.mutable_period()->set_start_date(absl::StrFormat("2026-%02d-01", month));
    pv1::GoalCard card;
    grpc::Status s = cards_->CreateGoalCard(As(rep_, "employee").get(), req, &card);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pv1::SubmitGoalCardRequest submit;
    submit.set_id(card.id());
    ASSERT_TRUE(cards_->SubmitGoalCard(As(rep_, "employee").get(), submit, &card).ok());
    card_ids.push_back(card.id());
  }
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &e).ok());
  pv1::UpdateEmployeeRequest update;
  update.mutable_employee()->set_id(rep_);
  update.mutable_employee()->set_locale("en");
  update.mutable_update_mask()->add_paths("locale");
  ASSERT_TRUE(directory_->UpdateEmployee(Admin().get(), update, &e).ok());

  ASSERT_TRUE(redis_->Restart().ok());
  // After Redis returns: the update is seen (no stale cached employee) ...
  ASSERT_TRUE(directory_->GetEmployee(Admin().get(), get, &e).ok());
  EXPECT_EQ(e.locale(), "en");
  // ... and every event written while it was down reaches the stream exactly once.
  std::vector<std::pair<std::string, std::string>> events;
  ASSERT_TRUE(Eventually([&] {
    events = StreamEvents(redis_->url());
    return events.size() >= 6;
  })) << events.size();
  absl::flat_hash_set<std::string> ids;
  for (auto& [type, id] : events) EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
  EXPECT_EQ(events.size(), 6u);
}

TEST_F(PlanningIT, DataSurvivesARestart) {
  pv1::GoalCard card;
  ASSERT_TRUE(cards_->CreateGoalCard(As(rep_, "employee").get(), CardRequest(rep_), &card).ok());
  StartServer();
  pv1::GetGoalCardRequest get;
  get.set_id(card.id());
  pv1::GoalCard read;
  grpc::Status s = cards_->GetGoalCard(As(rep_, "employee").get(), get, &read);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(read.tasks_size(), 2);
}

}  // namespace
}  // namespace opsuite::testing
