// Services are stateless: two replicas of each service on the same database and Redis serve
// one consistent state, whichever one a request reaches. Each test writes on one replica and
// reads, updates and lists on the other in turn: a replica that kept state of its own (a
// cache not shared through Redis, an idempotency record in memory, a sequence) fails here.
//
// In-process (the default) the second replica is a second server with every module on the
// same data; with OPSUITE_TEST_TOPOLOGY=processes it is a second process of each service.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "opsuite/notify/v1/notify.grpc.pb.h"
#include "opsuite/scheduler/v1/scheduler.grpc.pb.h"
#include "services/crm/crm_module.h"
#include "services/notify/notify_module.h"
#include "services/planning/planning_module.h"
#include "services/scheduler/scheduler_module.h"
#include "services/scoring/scoring_module.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

namespace nv1 = ::opsuite::notify::v1;
namespace schv1 = ::opsuite::scheduler::v1;

class ReplicaTest : public PlanningSuite {
 protected:
  void SetUp() override {
    PlanningSuite::SetUp();
    if (HasFatalFailure()) return;
    if (Topology* topology = server_->topology()) {
      for (const char* module : {"planning", "crm", "scoring", "notify"}) {
        std::string address = topology->Address(module, 1);
        if (address.empty()) {
          auto added = topology->AddReplica(module);
          ASSERT_TRUE(added.ok()) << added.status();
          address = *added;
        }
        second_[module] = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
      }
      return;
    }
    auto replica = server::Server::Start(
        {planning::PlanningModule(), crm::CrmModule(), scoring::ScoringModule(),
         notify::NotifyModule(), scheduler::SchedulerModule()},
        OptionsOnThisData());
    ASSERT_TRUE(replica.ok()) << replica.status();
    replica_ = *std::move(replica);
    auto channel = grpc::CreateChannel(replica_->address(), grpc::InsecureChannelCredentials());
    for (const char* module : {"planning", "crm", "scoring", "notify"}) second_[module] = channel;
  }
  void TearDown() override {
    if (replica_) replica_->Shutdown(absl::Seconds(2));
    replica_.reset();
    PlanningSuite::TearDown();
  }

  // Replica `i` (0 or 1) of `module`.
  std::shared_ptr<grpc::Channel> On(const std::string& module, int i) {
    return i == 0 ? Channel(module) : second_[module];
  }

  std::unique_ptr<server::Server> replica_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> second_;
};

TEST_F(ReplicaTest, PlanningEmployeesAndEtagsAreOneStateAcrossReplicas) {
  auto a = pv1::DirectoryService::NewStub(On("planning", 0));
  auto b = pv1::DirectoryService::NewStub(On("planning", 1));
  pv1::CreateEmployeeRequest hire;
  hire.mutable_employee()->set_name("赵六");
  hire.mutable_employee()->set_department_id(sales_);
  hire.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
  hire.mutable_employee()->set_manager_id(manager_);
  hire.set_request_id("hire-zhao");
  pv1::Employee created;
  ASSERT_TRUE(a->CreateEmployee(Admin().get(), hire, &created).ok());
  // The retry of the same request lands on the other replica: the same employee, not a second.
  pv1::Employee again;
  ASSERT_TRUE(b->CreateEmployee(Admin().get(), hire, &again).ok());
  EXPECT_EQ(again.id(), created.id());

  pv1::GetEmployeeRequest get;
  get.set_id(created.id());
  pv1::Employee read;
  ASSERT_TRUE(b->GetEmployee(Admin().get(), get, &read).ok());  // warms b's view
  EXPECT_EQ(read.name(), "赵六");
  ASSERT_TRUE(a->GetEmployee(Admin().get(), get, &read).ok());  // and a's

  // Updated on b: a sees the new name at once (no stale cache) ...
  pv1::UpdateEmployeeRequest update;
  *update.mutable_employee() = read;
  update.mutable_employee()->set_name("赵六六");
  update.mutable_update_mask()->add_paths("name");
  pv1::Employee updated;
  ASSERT_TRUE(b->UpdateEmployee(Admin().get(), update, &updated).ok());
  ASSERT_TRUE(a->GetEmployee(Admin().get(), get, &read).ok());
  EXPECT_EQ(read.name(), "赵六六");
  EXPECT_EQ(read.etag(), updated.etag());
  // ... and the etag a had before is stale on a too.
  EXPECT_EQ(a->UpdateEmployee(Admin().get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);

  // Both list the same people.
  for (auto* stub : {a.get(), b.get()}) {
    pv1::ListEmployeesRequest list;
    list.set_department_id(sales_);
    pv1::ListEmployeesResponse page;
    ASSERT_TRUE(stub->ListEmployees(Admin().get(), list, &page).ok());
    std::vector<std::string> names;
    for (const auto& e : page.employees()) names.push_back(e.name());
    EXPECT_THAT(names, ::testing::UnorderedElementsAre("张三", "赵六六"));
  }
}

TEST_F(ReplicaTest, GoalCardWorkflowMovesBetweenReplicas) {
  auto a = pv1::GoalCardService::NewStub(On("planning", 0));
  auto b = pv1::GoalCardService::NewStub(On("planning", 1));
  pv1::CreateGoalCardRequest create;
  create.set_employee_id(rep_);
  create.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
  create.mutable_period()->set_start_date("2026-03-01");
  auto* task = create.add_tasks();
  task->set_title("拜访客户");
  task->set_kind(pv1::TASK_KIND_ROUTINE);
  task->set_weight(100);
  pv1::GoalCard card;
  ASSERT_TRUE(a->CreateGoalCard(As(rep_, "employee").get(), create, &card).ok());
  pv1::SubmitGoalCardRequest submit;
  submit.set_id(card.id());
  submit.set_etag(card.etag());
  ASSERT_TRUE(b->SubmitGoalCard(As(rep_, "employee").get(), submit, &card).ok());
  EXPECT_EQ(card.state(), pv1::GOAL_CARD_STATE_SUBMITTED);
  // Submitting again on a (with the pre-submit etag a never saw change) is refused.
  EXPECT_NE(a->SubmitGoalCard(As(rep_, "employee").get(), submit, &card).error_code(),
            grpc::StatusCode::OK);
  pv1::GetGoalCardRequest get;
  get.set_id(card.id());
  pv1::GoalCard read;
  ASSERT_TRUE(a->GetGoalCard(As(manager_, "manager").get(), get, &read).ok());
  EXPECT_EQ(read.state(), pv1::GOAL_CARD_STATE_SUBMITTED);
}

TEST_F(ReplicaTest, CrmCustomersAreOneStateAcrossReplicas) {
  auto a = cv1::CustomerService::NewStub(On("crm", 0));
  auto b = cv1::CustomerService::NewStub(On("crm", 1));
  cv1::CreateCustomerRequest create;
  create.mutable_customer()->set_name("广州白云酒店");
  create.mutable_customer()->mutable_region()->set_province("广东");
  create.mutable_customer()->mutable_region()->set_city("广州");
  create.set_request_id("create-baiyun");
  cv1::Customer c;
  ASSERT_TRUE(b->CreateCustomer(As(rep_, "employee").get(), create, &c).ok());
  cv1::Customer repeat;
  ASSERT_TRUE(a->CreateCustomer(As(rep_, "employee").get(), create, &repeat).ok());
  EXPECT_EQ(repeat.id(), c.id());  // the idempotency record is shared
  // The duplicate guard is shared too: the same name in the same city, another request.
  create.set_request_id("create-baiyun-2");
  EXPECT_EQ(a->CreateCustomer(As(rep_, "employee").get(), create, &repeat).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  cv1::GetCustomerRequest get;
  get.set_id(c.id());
  cv1::Customer read;
  ASSERT_TRUE(a->GetCustomer(As(rep_, "employee").get(), get, &read).ok());
  ASSERT_TRUE(b->GetCustomer(As(rep_, "employee").get(), get, &read).ok());
  cv1::UpdateCustomerRequest up;
  *up.mutable_customer() = read;
  up.mutable_customer()->set_stage(cv1::STAGE_INTENT);
  up.mutable_update_mask()->add_paths("stage");
  cv1::Customer updated;
  ASSERT_TRUE(a->UpdateCustomer(As(rep_, "employee").get(), up, &updated).ok());
  ASSERT_TRUE(b->GetCustomer(As(rep_, "employee").get(), get, &read).ok());
  EXPECT_EQ(read.stage(), cv1::STAGE_INTENT);
  EXPECT_EQ(read.etag(), updated.etag());
  EXPECT_EQ(b->UpdateCustomer(As(rep_, "employee").get(), up, &updated).error_code(),
            grpc::StatusCode::ABORTED);  // the etag b served before is stale on b

  // Transferred on b: a's reads follow the new owner at once.
  cv1::TransferCustomerRequest transfer;
  transfer.set_id(c.id());
  transfer.set_new_owner_id(other_);
  transfer.set_reason("区域调整");
  cv1::Customer moved;
  ASSERT_TRUE(b->TransferCustomer(Admin().get(), transfer, &moved).ok());
  EXPECT_EQ(a->GetCustomer(As(rep_, "employee").get(), get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(a->GetCustomer(As(other_, "manager").get(), get, &read).ok());
  EXPECT_EQ(read.owner_id(), other_);
}

TEST_F(ReplicaTest, ScoringSchemesAreOneStateAcrossReplicas) {
  auto a = sv1::SchemeService::NewStub(On("scoring", 0));
  auto b = sv1::SchemeService::NewStub(On("scoring", 1));
  sv1::CreateSchemeRequest create;
  *create.mutable_scheme() = GoalCardScheme();
  create.set_request_id("scheme-1");
  sv1::Scheme scheme;
  ASSERT_TRUE(a->CreateScheme(Admin().get(), create, &scheme).ok());
  sv1::Scheme again;
  ASSERT_TRUE(b->CreateScheme(Admin().get(), create, &again).ok());
  EXPECT_EQ(again.id(), scheme.id());
  sv1::GetSchemeRequest get;
  get.set_id(scheme.id());
  sv1::Scheme read;
  ASSERT_TRUE(b->GetScheme(Admin().get(), get, &read).ok());
  EXPECT_EQ(read.name(), scheme.name());
  for (auto* stub : {a.get(), b.get()}) {
    sv1::ListSchemesRequest list;
    sv1::ListSchemesResponse page;
    ASSERT_TRUE(stub->ListSchemes(Admin().get(), list, &page).ok());
    EXPECT_EQ(page.schemes_size(), 1);
  }
}

TEST_F(ReplicaTest, NotifyInboxIsOneStateAcrossReplicas) {
  auto a = nv1::NotificationService::NewStub(On("notify", 0));
  auto b = nv1::NotificationService::NewStub(On("notify", 1));
  nv1::SendRequest send;
  send.add_recipient_ids(rep_);
  send.set_template_key("scheduler.reminder");
  (*send.mutable_data()->mutable_fields())["text"].set_string_value("交日报");
  send.set_transaction_id("remind-1");
  nv1::SendResponse sent;
  ASSERT_TRUE(a->Send(Admin().get(), send, &sent).ok());
  ASSERT_EQ(sent.notice_ids_size(), 1);
  nv1::SendResponse resent;
  ASSERT_TRUE(b->Send(Admin().get(), send, &resent).ok());  // a retry on the other replica
  nv1::ListInboxRequest inbox;
  nv1::ListInboxResponse listed;
  ASSERT_TRUE(b->ListInbox(As(rep_, "employee").get(), inbox, &listed).ok());
  ASSERT_EQ(listed.notices_size(), 1);  // sent once
  EXPECT_EQ(listed.notices(0).id(), sent.notice_ids(0));
  EXPECT_EQ(listed.unread_count(), 1);
  nv1::MarkReadRequest mark;
  mark.add_ids(sent.notice_ids(0));
  nv1::MarkReadResponse marked;
  ASSERT_TRUE(b->MarkRead(As(rep_, "employee").get(), mark, &marked).ok());
  ASSERT_TRUE(a->ListInbox(As(rep_, "employee").get(), inbox, &listed).ok());
  ASSERT_EQ(listed.notices_size(), 1);
  EXPECT_TRUE(listed.notices(0).read());
  EXPECT_EQ(listed.unread_count(), 0);
}

// Two schedulers on their own ticks (two processes with the topology; the two servers'
// firing loops in-process): a job that comes due fires once, not once per replica, and the
// run is seen the same from both.
TEST_F(ReplicaTest, SchedulerReplicasFireADueJobOnce) {
  std::vector<std::unique_ptr<schv1::ScheduleService::Stub>> stubs;
  stubs.push_back(schv1::ScheduleService::NewStub(Channel("scheduler")));
  if (Topology* topology = server_->topology()) {
    ASSERT_EQ(topology->Replicas("scheduler"), 2);
    stubs.push_back(schv1::ScheduleService::NewStub(grpc::CreateChannel(
        topology->Address("scheduler", 1), grpc::InsecureChannelCredentials())));
  } else {
    stubs.push_back(schv1::ScheduleService::NewStub(
        grpc::CreateChannel(replica_->address(), grpc::InsecureChannelCredentials())));
  }
  schv1::CreateJobRequest create;
  create.mutable_job()->set_name("daily-report-check");
  create.mutable_job()->set_cron("0 21 * * *");
  create.mutable_job()->mutable_check_report_deadlines();
  schv1::Job job;
  ASSERT_TRUE(stubs[1]->CreateJob(Admin().get(), create, &job).ok());
  auto runs = [&](int replica) {
    schv1::ListJobRunsRequest req;
    req.set_job_id(job.id());
    schv1::ListJobRunsResponse resp;
    grpc::Status s = stubs[replica]->ListJobRuns(Admin().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return std::vector<schv1::JobRun>(resp.runs().begin(), resp.runs().end());
  };
  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(5));  // every replica reads this time
  ASSERT_TRUE(Eventually([&] { return runs(0).size() >= 1; }, absl::Seconds(20)));
  absl::SleepFor(absl::Milliseconds(2500));  // two more ticks of each replica's own loop
  for (int replica : {0, 1}) {
    std::vector<schv1::JobRun> seen = runs(replica);
    ASSERT_EQ(seen.size(), 1u) << "replica " << replica;
    EXPECT_EQ(seen[0].trigger(), schv1::RUN_TRIGGER_SCHEDULE);
    EXPECT_TRUE(Eventually([&] {
      return runs(replica)[0].state() == common::v1::RUN_STATE_SUCCEEDED;
    })) << runs(replica)[0].error();
  }
}

}  // namespace
}  // namespace opsuite::testing
