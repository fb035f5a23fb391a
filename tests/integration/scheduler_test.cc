// scheduler over real gRPC, a real Redis and a FakeClock: jobs fire at their due time (and not
// before), manual triggers, run history, validation, access, the actions against real
// planning, crm and scoring (notify loosely: it is still being written), two replicas firing
// a due run once (the Redis lease, and the database claim when both think they lead), a
// replica that loses its lease, and missed runs caught up once on start.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/ports.h"
#include "common/redis/redis_client.h"
#include "common/storage/sqlite.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "opsuite/scheduler/v1/scheduler.grpc.pb.h"
#include "services/scheduler/scheduler_module.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

namespace schv1 = ::opsuite::scheduler::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr char kLeaseKey[] = "ops:scheduler:leader";

schv1::Job ReportCheck(const std::string& name, const std::string& cron, int64_t catch_up = 0) {
  schv1::Job job;
  job.set_name(name);
  job.set_cron(cron);
  job.set_catch_up_seconds(catch_up);
  job.mutable_check_report_deadlines();
  return job;
}

class SchedulerTest : public PlanningSuite {
 protected:
  void SetUp() override {
    // These tests tick the scheduler themselves (after moving the clock), so with the
    // topology it runs here, calling the other services' processes.
    in_process_modules_ = {"scheduler"};
    PlanningSuite::SetUp();
    Connect();
  }
  void TearDown() override {
    replica_.reset();  // before the first server and the data directory go
    PlanningSuite::TearDown();
  }

  void Connect() { jobs_ = schv1::ScheduleService::NewStub(Channel("scheduler")); }
  void Restart() {
    StartServer();
    Connect();
  }
  // One tick of every scheduler in the process (after moving the clock).
  void Tick() { scheduler::TickSchedulersForTest(); }

  schv1::Job Create(const schv1::Job& job, const std::string& request_id = "") {
    schv1::CreateJobRequest req;
    *req.mutable_job() = job;
    req.set_request_id(request_id);
    schv1::Job out;
    grpc::Status s = jobs_->CreateJob(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status TryCreate(const schv1::Job& job, schv1::Job* out = nullptr,
                         const std::string& roles = "admin") {
    schv1::CreateJobRequest req;
    *req.mutable_job() = job;
    schv1::Job ignored;
    return jobs_->CreateJob(As("admin-1", roles).get(), req, out ? out : &ignored);
  }
  schv1::Job Get(const std::string& id) {
    schv1::GetJobRequest req;
    req.set_id(id);
    schv1::Job out;
    grpc::Status s = jobs_->GetJob(As(rep_, "employee").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  std::vector<schv1::JobRun> Runs(const std::string& job_id,
                                  schv1::ScheduleService::Stub* stub = nullptr) {
    schv1::ListJobRunsRequest req;
    req.set_job_id(job_id);
    schv1::ListJobRunsResponse resp;
    grpc::Status s = (stub ? stub : jobs_.get())->ListJobRuns(As(rep_, "employee").get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.runs().begin(), resp.runs().end()};
  }
  grpc::Status Trigger(const std::string& id, const std::string& request_id, schv1::JobRun* run,
                       const std::string& sub = "admin-1", const std::string& roles = "admin",
                       const std::string& org = "acme") {
    schv1::TriggerJobRequest req;
    req.set_id(id);
    req.set_request_id(request_id);
    return jobs_->TriggerJob(As(sub, roles, org).get(), req, run);
  }
  grpc::Status SetEnabled(const std::string& id, bool enabled, schv1::Job* out,
                          const std::string& roles = "admin") {
    schv1::SetJobEnabledRequest req;
    req.set_id(id);
    req.set_enabled(enabled);
    return jobs_->SetJobEnabled(As("admin-1", roles).get(), req, out);
  }
  std::string CreateScheme(sv1::Cycle cycle = sv1::CYCLE_MONTHLY) {
    sv1::CreateSchemeRequest req;
    *req.mutable_scheme() = GoalCardScheme(cycle);
    sv1::Scheme out;
    grpc::Status s = schemes_->CreateScheme(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }
  std::string Customer(const std::string& name, cv1::Tier tier) {
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(name);
    req.mutable_customer()->set_tier(tier);
    req.mutable_customer()->mutable_region()->set_city("广州");
    cv1::Customer c;
    grpc::Status s = customers_->CreateCustomer(As(rep_, "employee").get(), req, &c);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return c.id();
  }
  // A second scheduler in this process: only the scheduler module, on the same data
  // directory (SQLite in WAL mode, shared like a database server would be), with the other
  // modules reached at the first server.
  void StartReplica(bool with_redis) {
    server::ServerOptions options = OptionsOnThisData();
    if (!with_redis) options.redis_url = "";
    for (const char* module : {"planning", "crm", "scoring", "notify"}) {
      options.peers[module] = Address(module);
    }
    auto replica = server::Server::Start({scheduler::SchedulerModule()}, options);
    ASSERT_TRUE(replica.ok()) << replica.status();
    replica_ = *std::move(replica);
    replica_jobs_ = schv1::ScheduleService::NewStub(
        grpc::CreateChannel(replica_->address(), grpc::InsecureChannelCredentials()));
  }
  // Rows of `table` in the data directory's `db` (read beside the running servers).
  int64_t CountRows(const std::string& db, const std::string& table) {
    auto opened = OpenModuleDatabase(db.substr(0, db.rfind(".db")));
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (!opened.ok()) return -1;
    int64_t n = -1;
    absl::Status s = (*opened)->Read([&](storage::Tx& tx) -> absl::Status {
      auto rows = tx.Query(absl::StrCat("SELECT COUNT(*) FROM ", table), {});
      if (!rows.ok()) return rows.status();
      n = (*rows)[0].Int(0);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }
  std::shared_ptr<redis::RedisClient> Redis() {
    redis::RedisOptions o;
    o.command_timeout = absl::Seconds(1);
    auto client = redis::RedisClient::Create(redis_->url(), o);
    EXPECT_TRUE(client.ok());
    return *client;
  }

  std::unique_ptr<schv1::ScheduleService::Stub> jobs_;
  std::unique_ptr<server::Server> replica_;
  std::unique_ptr<schv1::ScheduleService::Stub> replica_jobs_;
};

absl::Time T(const google::protobuf::Timestamp& ts) { return FromProto(ts); }

// ---- firing --------------------------------------------------------------------------------

TEST_F(SchedulerTest, FiresAtItsDueTimeAndNotBefore) {
  schv1::Job job = Create(ReportCheck("daily-report-check", "0 21 * * *"));
  EXPECT_THAT(job.id(), StartsWith("job_"));
  EXPECT_EQ(job.timezone(), "Asia/Shanghai");
  EXPECT_TRUE(job.enabled());
  EXPECT_EQ(T(job.next_run_time()), Shanghai(2026, 3, 2, 21, 0));
  EXPECT_EQ(T(job.create_time()), Shanghai(2026, 3, 2, 10, 0));
  Tick();

  clock_.Set(Shanghai(2026, 3, 2, 20, 59) + absl::Seconds(59));
  Tick();
  absl::SleepFor(absl::Milliseconds(1500));  // and a tick of the loop's own
  EXPECT_THAT(Runs(job.id()), IsEmpty());

  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(30));
  Tick();
  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 1u);
  const schv1::JobRun& run = runs[0];
  EXPECT_THAT(run.id(), StartsWith("jrun_"));
  EXPECT_EQ(run.job_id(), job.id());
  EXPECT_EQ(run.trigger(), schv1::RUN_TRIGGER_SCHEDULE);
  EXPECT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(T(run.due_time()), Shanghai(2026, 3, 2, 21, 0));
  EXPECT_EQ(T(run.start_time()), Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(30));
  EXPECT_GE(T(run.finish_time()), T(run.start_time()));
  EXPECT_GE(run.duration_ms(), 0);
  EXPECT_EQ(T(run.finish_time()) - T(run.start_time()), absl::Milliseconds(run.duration_ms()));
  EXPECT_THAT(run.outcome(), HasSubstr("4 employees checked"));
  EXPECT_THAT(run.error(), IsEmpty());
  EXPECT_THAT(run.replica(), HasSubstr(":"));

  // Once: more ticks at the same time fire nothing more.
  Tick();
  absl::SleepFor(absl::Milliseconds(1200));
  EXPECT_EQ(Runs(job.id()).size(), 1u);
  EXPECT_EQ(T(Get(job.id()).next_run_time()), Shanghai(2026, 3, 3, 21, 0));

  // The planning side recorded the missing daily reports (planning.report.missing).
  EXPECT_TRUE(Eventually([&] {
    for (auto& [type, id] : StreamEvents(redis_->url())) {
      if (type == "planning.report.missing") return true;
    }
    return false;
  }));

  clock_.Set(Shanghai(2026, 3, 3, 21, 0) + absl::Seconds(5));
  Tick();
  runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(T(runs[0].due_time()), Shanghai(2026, 3, 3, 21, 0));  // newest first
  EXPECT_EQ(T(runs[1].due_time()), Shanghai(2026, 3, 2, 21, 0));
}

TEST_F(SchedulerTest, SeveralDueTimesBetweenTicksFireOnce) {
  Customer("钥匙客户", cv1::TIER_KEY);  // created 03-02: visit due 04-01
  schv1::Job job;
  job.set_name("overdue-visit-sweep");
  job.set_cron("0 8 * * *");
  job.mutable_sweep_overdue_visits();
  job = Create(job);
  Tick();
  // A month passes between two ticks: the latest due time fires, once.
  clock_.Set(Shanghai(2026, 4, 2, 8, 0) + absl::Seconds(10));
  Tick();
  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger(), schv1::RUN_TRIGGER_SCHEDULE);
  EXPECT_EQ(T(runs[0].due_time()), Shanghai(2026, 4, 2, 8, 0));
  EXPECT_EQ(runs[0].state(), common::v1::RUN_STATE_SUCCEEDED) << runs[0].error();
  EXPECT_EQ(runs[0].outcome(), "1 visit newly overdue, 0 escalated (as of 2026-04-02)");
}

// ---- manual runs and history ---------------------------------------------------------------

TEST_F(SchedulerTest, TriggerJobRunsNowAndIsIdempotent) {
  Customer("闲置客户", cv1::TIER_TIER2);  // no effective activity: idle after 90 days
  schv1::Job job;
  job.set_name("idle-customer-release");
  job.set_cron("0 0 1 1 *");
  job.mutable_release_idle_customers();
  job = Create(job);
  clock_.Set(Shanghai(2026, 6, 5, 10, 0));

  schv1::JobRun first;
  grpc::Status s = Trigger(job.id(), "t-1", &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.trigger(), schv1::RUN_TRIGGER_MANUAL);
  EXPECT_EQ(first.state(), common::v1::RUN_STATE_SUCCEEDED) << first.error();
  EXPECT_EQ(first.outcome(), "1 idle customer released to the pool");
  EXPECT_EQ(T(first.due_time()), Shanghai(2026, 6, 5, 10, 0));
  EXPECT_EQ(T(first.start_time()), Shanghai(2026, 6, 5, 10, 0));
  EXPECT_TRUE(first.has_finish_time());

  schv1::JobRun again;
  ASSERT_TRUE(Trigger(job.id(), "t-1", &again).ok());
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(again.outcome(), first.outcome());
  EXPECT_EQ(again.state(), common::v1::RUN_STATE_SUCCEEDED);

  schv1::JobRun second;
  ASSERT_TRUE(Trigger(job.id(), "t-2", &second, "scheduler-bot", "service").ok());
  EXPECT_NE(second.id(), first.id());
  EXPECT_EQ(second.outcome(), "0 idle customers released to the pool");
  schv1::JobRun third;
  ASSERT_TRUE(Trigger(job.id(), "", &third).ok());

  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id(), third.id());  // newest first
  EXPECT_EQ(runs[1].id(), second.id());
  EXPECT_EQ(runs[2].id(), first.id());

  // Pages of runs.
  schv1::ListJobRunsRequest page;
  page.set_job_id(job.id());
  page.set_page_size(2);
  schv1::ListJobRunsResponse p1, p2;
  ASSERT_TRUE(jobs_->ListJobRuns(Admin().get(), page, &p1).ok());
  ASSERT_EQ(p1.runs_size(), 2);
  ASSERT_FALSE(p1.next_page_token().empty());
  page.set_page_token(p1.next_page_token());
  ASSERT_TRUE(jobs_->ListJobRuns(Admin().get(), page, &p2).ok());
  ASSERT_EQ(p2.runs_size(), 1);
  EXPECT_EQ(p2.runs(0).id(), first.id());
  EXPECT_TRUE(p2.next_page_token().empty());

  // The same request_id for another job is a mistake, not a repeat.
  schv1::Job other = Create(ReportCheck("other", "0 0 1 1 *"));
  schv1::JobRun wrong;
  s = Trigger(other.id(), "t-1", &wrong);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ElementsAre("request_id"));

  EXPECT_EQ(Trigger(job.id(), "t-9", &wrong, rep_, "employee").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Trigger(job.id(), "t-9", &wrong, manager_, "manager").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Trigger("job_nope", "t-9", &wrong).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Trigger("", "t-9", &wrong).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SchedulerTest, RunHistoryRecordsFailures) {
  peers_["planning"] = absl::StrCat("127.0.0.1:", FreePort());  // nobody there
  Restart();
  schv1::Job job = Create(ReportCheck("daily-report-check", "0 21 * * *"));
  schv1::JobRun run;
  ASSERT_TRUE(Trigger(job.id(), "r-1", &run).ok());
  EXPECT_EQ(run.state(), common::v1::RUN_STATE_FAILED);
  EXPECT_THAT(run.error(), StartsWith("UNAVAILABLE: planning CheckReportDeadlines: "));
  EXPECT_THAT(run.outcome(), IsEmpty());
  // Three attempts with 0.2 s and 0.4 s pauses: the duration is measured.
  EXPECT_GE(run.duration_ms(), 500);
  EXPECT_EQ(T(run.finish_time()) - T(run.start_time()), absl::Milliseconds(run.duration_ms()));

  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(1));
  Tick();
  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].trigger(), schv1::RUN_TRIGGER_SCHEDULE);
  EXPECT_EQ(runs[0].state(), common::v1::RUN_STATE_FAILED);
  EXPECT_THAT(runs[0].error(), HasSubstr("planning CheckReportDeadlines"));
  EXPECT_EQ(runs[1].id(), run.id());
}

// ---- the actions against the real services --------------------------------------------------

TEST_F(SchedulerTest, RunEvaluationEvaluatesThePeriodThatEnded) {
  const std::string scheme = CreateScheme(sv1::CYCLE_MONTHLY);
  schv1::Job job;
  job.set_name("monthly-evaluation");
  job.set_cron("0 2 1 * *");
  job.mutable_run_evaluation()->set_scheme_id(scheme);
  job.mutable_run_evaluation()->set_department_id(root_);
  job = Create(job);
  EXPECT_EQ(T(job.next_run_time()), Shanghai(2026, 4, 1, 2, 0));
  Tick();

  clock_.Set(Shanghai(2026, 4, 1, 2, 0) + absl::Seconds(20));
  Tick();
  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 1u);
  const schv1::JobRun& run = runs[0];
  ASSERT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_THAT(run.outcome(), HasSubstr("for MONTH 2026-03-01 over department " + root_));
  // "evaluation run run_... of scheme ..."
  std::vector<std::string> words = absl::StrSplit(run.outcome(), ' ');
  ASSERT_GE(words.size(), 3u);
  const std::string evaluation_run = words[2];
  EXPECT_THAT(evaluation_run, StartsWith("run_"));

  sv1::GetEvaluationRunRequest get;
  get.set_id(evaluation_run);
  sv1::EvaluationRun er;
  ASSERT_TRUE(evaluations_->GetEvaluationRun(Admin().get(), get, &er).ok());
  EXPECT_EQ(er.scheme_id(), scheme);
  EXPECT_EQ(er.period().granularity(), common::v1::GRANULARITY_MONTH);
  EXPECT_EQ(er.period().start_date(), "2026-03-01");
  EXPECT_EQ(er.department_id(), root_);

  // The run id is the evaluation's request_id: the same request returns the same run.
  sv1::RunEvaluationRequest repeat;
  repeat.set_scheme_id(scheme);
  *repeat.mutable_period() = er.period();
  repeat.set_department_id(root_);
  repeat.set_request_id(run.id());
  sv1::EvaluationRun same;
  ASSERT_TRUE(evaluations_->RunEvaluation(Admin().get(), repeat, &same).ok());
  EXPECT_EQ(same.id(), evaluation_run);
  EXPECT_EQ(CountRows("scoring.db", "runs"), 1);
  // And it finishes over the department's employees.
  EXPECT_TRUE(Eventually([&] {
    sv1::EvaluationRun now;
    return evaluations_->GetEvaluationRun(Admin().get(), get, &now).ok() &&
           now.state() == common::v1::RUN_STATE_SUCCEEDED;
  }));
}

TEST_F(SchedulerTest, QuarterlyAndHalfYearlyPeriods) {
  const std::string quarterly = CreateScheme(sv1::CYCLE_QUARTERLY);
  const std::string half = CreateScheme(sv1::CYCLE_HALF_YEARLY);
  schv1::InstallDefaultJobsRequest req;
  req.set_department_id(root_);
  req.set_quarterly_scheme_id(quarterly);
  req.set_half_yearly_scheme_id(half);
  schv1::InstallDefaultJobsResponse resp;
  ASSERT_TRUE(jobs_->InstallDefaultJobs(Admin().get(), req, &resp).ok());
  std::map<std::string, schv1::Job> by_name;
  for (const schv1::Job& j : resp.created()) by_name[j.name()] = j;
  ASSERT_TRUE(by_name.count("quarterly-evaluation"));
  ASSERT_TRUE(by_name.count("half-yearly-evaluation"));
  Tick();
  // The evaluations at 02:00 on July 1st: Q2 and H1.
  clock_.Set(Shanghai(2026, 7, 1, 2, 0) + absl::Seconds(30));
  Tick();
  for (const auto& [name, want] : {std::pair{"quarterly-evaluation", "QUARTER 2026-04-01"},
                                   std::pair{"half-yearly-evaluation", "HALF 2026-01-01"}}) {
    std::vector<schv1::JobRun> runs = Runs(by_name[name].id());
    ASSERT_EQ(runs.size(), 1u) << name;
    EXPECT_EQ(runs[0].state(), common::v1::RUN_STATE_SUCCEEDED) << runs[0].error();
    EXPECT_THAT(runs[0].outcome(), HasSubstr(absl::StrCat("for ", want))) << name;
  }
  // The jobs due many times in between fired once each (the latest due time), not once per
  // day: the loop was running, so nothing was missed, just late.
  for (const char* name : {"daily-report-check", "weekly-report-check", "overdue-visit-sweep",
                           "idle-customer-release"}) {
    std::vector<schv1::JobRun> runs = Runs(by_name[name].id());
    ASSERT_EQ(runs.size(), 1u) << name;
    EXPECT_EQ(runs[0].trigger(), schv1::RUN_TRIGGER_SCHEDULE) << name;
  }
  EXPECT_EQ(T(Runs(by_name["daily-report-check"].id())[0].due_time()),
            Shanghai(2026, 6, 30, 21, 0));
}

TEST_F(SchedulerTest, SendReminderIsRecorded) {
  schv1::Job job;
  job.set_name("weekly-reminder");
  job.set_cron("0 17 * * 6");
  job.mutable_send_reminder()->set_department_id(sales_);
  (*job.mutable_send_reminder()->mutable_data()->mutable_fields())["text"].set_string_value(
      "周报请于周六18:00前提交");
  job = Create(job);
  schv1::JobRun run;
  ASSERT_TRUE(Trigger(job.id(), "remind-1", &run).ok());
  // notify is still being written: until its Send exists the run fails and says why.
  if (run.state() == common::v1::RUN_STATE_SUCCEEDED) {
    EXPECT_THAT(run.outcome(), HasSubstr("sent to 1 recipient"));
  } else {
    EXPECT_EQ(run.state(), common::v1::RUN_STATE_FAILED);
    EXPECT_THAT(run.error(), HasSubstr("notify Send"));
  }
  EXPECT_EQ(Runs(job.id()).size(), 1u);
}

// ---- jobs: validation, access, defaults ----------------------------------------------------

TEST_F(SchedulerTest, ValidationNamesFields) {
  schv1::Job out;
  grpc::Status s = TryCreate(schv1::Job(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ElementsAre("job.name", "job.cron", "job.action"));

  s = TryCreate(ReportCheck("x", "61 21 * * *"));
  EXPECT_THAT(Fields(s), ElementsAre("job.cron"));
  EXPECT_THAT(s.error_message(), HasSubstr("job.cron: minute 61 is out of 0-59"));
  EXPECT_THAT(Fields(TryCreate(ReportCheck("x", "0 21 * *"))), ElementsAre("job.cron"));
  EXPECT_THAT(Fields(TryCreate(ReportCheck("x", "0 21 * * FUNDAY"))), ElementsAre("job.cron"));

  schv1::Job zone = ReportCheck("x", "0 21 * * *");
  zone.set_timezone("Mars/Olympus_Mons");
  s = TryCreate(zone);
  EXPECT_THAT(Fields(s), ElementsAre("job.timezone"));
  EXPECT_THAT(s.error_message(), HasSubstr("unknown time zone"));

  EXPECT_THAT(Fields(TryCreate(ReportCheck("x", "0 21 * * *", -1))),
              ElementsAre("job.catch_up_seconds"));
  EXPECT_THAT(Fields(TryCreate(ReportCheck("", "0 21 * * *"))), ElementsAre("job.name"));

  schv1::Job eval;
  eval.set_name("eval");
  eval.set_cron("0 2 1 * *");
  eval.mutable_run_evaluation();
  EXPECT_THAT(Fields(TryCreate(eval)),
              ElementsAre("job.run_evaluation.scheme_id", "job.run_evaluation.department_id"));
  eval.mutable_run_evaluation()->set_scheme_id("sch_nope");
  eval.mutable_run_evaluation()->set_department_id(root_);
  s = TryCreate(eval);
  EXPECT_THAT(Fields(s), ElementsAre("job.run_evaluation.scheme_id"));
  EXPECT_THAT(s.error_message(), HasSubstr("sch_nope not found"));

  schv1::Job reminder;
  reminder.set_name("remind");
  reminder.set_cron("0 17 * * 5");
  reminder.mutable_send_reminder();
  EXPECT_THAT(Fields(TryCreate(reminder)), ElementsAre("job.send_reminder.recipient_ids"));

  // Names are unique in the org; a request_id makes CreateJob safe to repeat.
  schv1::Job first = Create(ReportCheck("daily", "@daily"), "c-1");
  EXPECT_EQ(first.cron(), "0 0 * * *");
  schv1::Job repeat = Create(ReportCheck("daily", "@daily"), "c-1");
  EXPECT_EQ(repeat.id(), first.id());
  EXPECT_EQ(TryCreate(ReportCheck("daily", "0 1 * * *")).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Another org may use the name.
  schv1::CreateJobRequest other;
  *other.mutable_job() = ReportCheck("daily", "0 1 * * *");
  EXPECT_TRUE(jobs_->CreateJob(Admin("globex").get(), other, &out).ok());

  schv1::GetJobRequest get;
  EXPECT_THAT(Fields(jobs_->GetJob(Admin().get(), get, &out)), ElementsAre("id"));
  schv1::ListJobRunsRequest runs;
  schv1::ListJobRunsResponse runs_resp;
  EXPECT_THAT(Fields(jobs_->ListJobRuns(Admin().get(), runs, &runs_resp)), ElementsAre("job_id"));
  schv1::ListJobsRequest list;
  list.set_page_token("garbage");
  schv1::ListJobsResponse list_resp;
  EXPECT_THAT(Fields(jobs_->ListJobs(Admin().get(), list, &list_resp)), ElementsAre("page_token"));
  list.set_page_token("");
  list.set_page_size(-1);
  EXPECT_THAT(Fields(jobs_->ListJobs(Admin().get(), list, &list_resp)), ElementsAre("page_size"));
}

TEST_F(SchedulerTest, AccessAndOrgs) {
  schv1::Job job = Create(ReportCheck("daily-report-check", "0 21 * * *"));
  schv1::Job out;
  EXPECT_EQ(TryCreate(ReportCheck("mine", "0 21 * * *"), &out, "employee").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(TryCreate(ReportCheck("mine", "0 21 * * *"), &out, "manager").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(TryCreate(ReportCheck("mine", "0 21 * * *"), &out, "service").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(SetEnabled(job.id(), false, &out, "employee").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  schv1::DeleteJobRequest del;
  del.set_id(job.id());
  schv1::DeleteJobResponse del_resp;
  EXPECT_EQ(jobs_->DeleteJob(As(manager_, "manager").get(), del, &del_resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  schv1::InstallDefaultJobsRequest install;
  schv1::InstallDefaultJobsResponse install_resp;
  EXPECT_EQ(jobs_->InstallDefaultJobs(As(rep_, "employee").get(), install, &install_resp)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Anyone in the org reads.
  EXPECT_EQ(Get(job.id()).name(), "daily-report-check");
  schv1::ListJobsRequest list;
  schv1::ListJobsResponse listed;
  ASSERT_TRUE(jobs_->ListJobs(As(rep_, "employee").get(), list, &listed).ok());
  ASSERT_EQ(listed.jobs_size(), 1);
  EXPECT_EQ(listed.jobs(0).id(), job.id());
  EXPECT_TRUE(listed.jobs(0).has_next_run_time());

  // Another org: NOT_FOUND everywhere, and an empty list.
  schv1::GetJobRequest get;
  get.set_id(job.id());
  EXPECT_EQ(jobs_->GetJob(Admin("globex").get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  schv1::JobRun run;
  EXPECT_EQ(Trigger(job.id(), "x", &run, "admin-1", "admin", "globex").error_code(),
            grpc::StatusCode::NOT_FOUND);
  schv1::SetJobEnabledRequest enable;
  enable.set_id(job.id());
  EXPECT_EQ(jobs_->SetJobEnabled(Admin("globex").get(), enable, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(jobs_->DeleteJob(Admin("globex").get(), del, &del_resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  schv1::ListJobRunsRequest runs;
  runs.set_job_id(job.id());
  schv1::ListJobRunsResponse runs_resp;
  EXPECT_EQ(jobs_->ListJobRuns(Admin("globex").get(), runs, &runs_resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(jobs_->ListJobs(Admin("globex").get(), list, &listed).ok());
  EXPECT_EQ(listed.jobs_size(), 0);

  // No token at all.
  grpc::ClientContext anonymous;
  EXPECT_EQ(jobs_->ListJobs(&anonymous, list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SchedulerTest, DisableEnableDelete) {
  schv1::Job job = Create(ReportCheck("daily-report-check", "0 21 * * *"));
  Tick();
  schv1::Job off;
  ASSERT_TRUE(SetEnabled(job.id(), false, &off).ok());
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.has_next_run_time());
  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(30));
  Tick();
  EXPECT_THAT(Runs(job.id()), IsEmpty());

  // Enabled again after its due time: that one is not caught up; the next one fires.
  schv1::Job on;
  ASSERT_TRUE(SetEnabled(job.id(), true, &on).ok());
  EXPECT_TRUE(on.enabled());
  EXPECT_EQ(T(on.next_run_time()), Shanghai(2026, 3, 3, 21, 0));
  Tick();
  EXPECT_THAT(Runs(job.id()), IsEmpty());
  clock_.Set(Shanghai(2026, 3, 3, 21, 0) + absl::Seconds(30));
  Tick();
  EXPECT_EQ(Runs(job.id()).size(), 1u);

  schv1::DeleteJobRequest del;
  del.set_id(job.id());
  schv1::DeleteJobResponse del_resp;
  ASSERT_TRUE(jobs_->DeleteJob(Admin().get(), del, &del_resp).ok());
  schv1::GetJobRequest get;
  get.set_id(job.id());
  schv1::Job gone;
  EXPECT_EQ(jobs_->GetJob(Admin().get(), get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(jobs_->DeleteJob(Admin().get(), del, &del_resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  clock_.Set(Shanghai(2026, 3, 4, 21, 0) + absl::Seconds(30));
  Tick();
  EXPECT_EQ(CountRows("scheduler.db", "job_runs"), 0);
}

TEST_F(SchedulerTest, InstallDefaultJobs) {
  const std::string monthly = CreateScheme(sv1::CYCLE_MONTHLY);
  schv1::InstallDefaultJobsRequest req;
  req.set_monthly_scheme_id(monthly);
  schv1::InstallDefaultJobsResponse resp;
  grpc::Status s = jobs_->InstallDefaultJobs(Admin().get(), req, &resp);
  EXPECT_THAT(Fields(s), ElementsAre("department_id"));
  req.set_department_id(root_);
  req.set_quarterly_scheme_id(monthly);  // not a quarterly scheme
  s = jobs_->InstallDefaultJobs(Admin().get(), req, &resp);
  EXPECT_THAT(Fields(s), ElementsAre("quarterly_scheme_id"));
  EXPECT_THAT(s.error_message(), HasSubstr("is evaluated MONTHLY, not QUARTERLY"));
  req.clear_quarterly_scheme_id();

  ASSERT_TRUE(jobs_->InstallDefaultJobs(Admin().get(), req, &resp).ok());
  std::map<std::string, schv1::Job> by_name;
  for (const schv1::Job& j : resp.created()) by_name[j.name()] = j;
  EXPECT_EQ(by_name.size(), 5u);
  EXPECT_THAT(resp.skipped(), IsEmpty());
  EXPECT_EQ(by_name["daily-report-check"].cron(), "0 21 * * *");
  EXPECT_EQ(T(by_name["daily-report-check"].next_run_time()), Shanghai(2026, 3, 2, 21, 0));
  EXPECT_EQ(T(by_name["weekly-report-check"].next_run_time()), Shanghai(2026, 3, 7, 18, 0));
  EXPECT_EQ(T(by_name["overdue-visit-sweep"].next_run_time()), Shanghai(2026, 3, 3, 8, 0));
  EXPECT_EQ(T(by_name["idle-customer-release"].next_run_time()), Shanghai(2026, 3, 3, 2, 30));
  EXPECT_EQ(T(by_name["monthly-evaluation"].next_run_time()), Shanghai(2026, 4, 1, 2, 0));
  EXPECT_EQ(by_name["monthly-evaluation"].run_evaluation().scheme_id(), monthly);
  EXPECT_EQ(by_name["monthly-evaluation"].run_evaluation().department_id(), root_);

  // Again: everything is there already.
  schv1::InstallDefaultJobsResponse again;
  ASSERT_TRUE(jobs_->InstallDefaultJobs(Admin().get(), req, &again).ok());
  EXPECT_EQ(again.created_size(), 0);
  EXPECT_THAT(again.skipped(),
              UnorderedElementsAre("daily-report-check", "weekly-report-check",
                                   "overdue-visit-sweep", "idle-customer-release",
                                   "monthly-evaluation"));
  schv1::ListJobsRequest list;
  list.set_page_size(3);
  schv1::ListJobsResponse p1, p2;
  ASSERT_TRUE(jobs_->ListJobs(Admin().get(), list, &p1).ok());
  EXPECT_EQ(p1.jobs_size(), 3);
  list.set_page_token(p1.next_page_token());
  ASSERT_TRUE(jobs_->ListJobs(Admin().get(), list, &p2).ok());
  EXPECT_EQ(p2.jobs_size(), 2);
  EXPECT_TRUE(p2.next_page_token().empty());

  // The weekly check fires on Saturday 18:00.
  Tick();
  clock_.Set(Shanghai(2026, 3, 7, 18, 0) + absl::Seconds(30));
  Tick();
  std::vector<schv1::JobRun> weekly = Runs(by_name["weekly-report-check"].id());
  ASSERT_EQ(weekly.size(), 1u);
  EXPECT_EQ(T(weekly[0].due_time()), Shanghai(2026, 3, 7, 18, 0));
}

// ---- replicas, leases, catch-up ------------------------------------------------------------

TEST_F(SchedulerTest, TwoReplicasFireADueRunOnce) {
  const std::string scheme = CreateScheme();
  StartReplica(/*with_redis=*/true);
  schv1::Job job;
  job.set_name("nightly-evaluation");
  job.set_cron("0 21 * * *");
  job.mutable_run_evaluation()->set_scheme_id(scheme);
  job.mutable_run_evaluation()->set_department_id(root_);
  job = Create(job);
  Tick();

  // Both loops tick on their own; only the leader fires.
  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(30));
  ASSERT_TRUE(Eventually([&] { return Runs(job.id()).size() == 1; }));
  absl::SleepFor(absl::Milliseconds(2500));
  Tick();
  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state(), common::v1::RUN_STATE_SUCCEEDED) << runs[0].error();
  EXPECT_EQ(CountRows("scheduler.db", "job_runs"), 1);
  EXPECT_EQ(CountRows("scoring.db", "runs"), 1);  // the action happened once
  // Both replicas answer from the same store.
  EXPECT_EQ(Runs(job.id(), replica_jobs_.get()).size(), 1u);
  // The lease names the replica that fired.
  auto leader = Redis()->Command({"GET", kLeaseKey});
  ASSERT_TRUE(leader.ok());
  EXPECT_EQ(leader->str, runs[0].replica());
}

TEST_F(SchedulerTest, TheClaimHoldsWhenTwoReplicasBothLead) {
  // A replica without Redis always thinks it leads — as a leader paused past its lease does.
  // Only the claim in the database keeps the run single.
  const std::string scheme = CreateScheme();
  StartReplica(/*with_redis=*/false);
  schv1::Job job;
  job.set_name("nightly-evaluation");
  job.set_cron("0 21 * * *");
  job.mutable_run_evaluation()->set_scheme_id(scheme);
  job.mutable_run_evaluation()->set_department_id(root_);
  job = Create(job);
  Tick();

  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(30));
  ASSERT_TRUE(Eventually([&] { return Runs(job.id()).size() == 1; }));
  absl::SleepFor(absl::Milliseconds(2500));
  Tick();
  Tick();
  EXPECT_EQ(Runs(job.id()).size(), 1u);
  EXPECT_EQ(CountRows("scheduler.db", "job_runs"), 1);
  EXPECT_EQ(CountRows("scoring.db", "runs"), 1);

  // The next day too.
  clock_.Set(Shanghai(2026, 3, 3, 21, 0) + absl::Seconds(1));
  Tick();
  // Wait for the run (a loaded machine may take longer than any fixed sleep), then give the
  // other replica time to fire it a second time if the claim did not hold.
  ASSERT_TRUE(Eventually([&] { return Runs(job.id()).size() >= 2; }));
  absl::SleepFor(absl::Milliseconds(1500));
  Tick();
  EXPECT_EQ(Runs(job.id()).size(), 2u);
  EXPECT_EQ(CountRows("scoring.db", "runs"), 2);
}

TEST_F(SchedulerTest, AReplicaThatLosesTheLeaseStopsFiring) {
  schv1::Job job = Create(ReportCheck("daily-report-check", "0 21 * * *"));
  Tick();
  auto redis = Redis();
  auto holder = redis->Command({"GET", kLeaseKey});
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE(holder->is_string());
  EXPECT_THAT(holder->str, HasSubstr(":"));

  // Someone else takes the lease.
  ASSERT_TRUE(redis->Command({"DEL", kLeaseKey}).ok());
  ASSERT_TRUE(redis->Command({"SET", kLeaseKey, "someone-else"}).ok());
  clock_.Set(Shanghai(2026, 3, 2, 21, 0) + absl::Seconds(20));
  Tick();
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_THAT(Runs(job.id()), IsEmpty());
  auto still = redis->Command({"GET", kLeaseKey});
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->str, "someone-else");

  // The other holder goes away: this replica takes over and fires the due run (late by
  // less than a minute: a normal run, not a catch-up).
  ASSERT_TRUE(redis->Command({"DEL", kLeaseKey}).ok());
  Tick();
  std::vector<schv1::JobRun> runs = Runs(job.id());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger(), schv1::RUN_TRIGGER_SCHEDULE);
  EXPECT_EQ(T(runs[0].due_time()), Shanghai(2026, 3, 2, 21, 0));
  auto taken = redis->Command({"GET", kLeaseKey});
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->str, holder->str);
  auto ttl = redis->Command({"PTTL", kLeaseKey});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 10'000);
}

TEST_F(SchedulerTest, AMissedRunIsCaughtUpOnceOnStart) {
  schv1::Job within = Create(ReportCheck("hourly-3h", "0 * * * *", 3 * 3600));
  schv1::Job skip = Create(ReportCheck("hourly-skip", "0 * * * *", 0));
  schv1::Job short_window = Create(ReportCheck("hourly-10m", "0 * * * *", 600));
  Tick();

  // Down from 10:00 to 12:30: 11:00 and 12:00 are missed.
  server_->Shutdown(absl::Seconds(2));
  clock_.Set(Shanghai(2026, 3, 2, 12, 30));
  Restart();
  Tick();
  std::vector<schv1::JobRun> runs = Runs(within.id());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger(), schv1::RUN_TRIGGER_CATCH_UP);
  EXPECT_EQ(T(runs[0].due_time()), Shanghai(2026, 3, 2, 12, 0));
  EXPECT_EQ(runs[0].state(), common::v1::RUN_STATE_SUCCEEDED) << runs[0].error();
  EXPECT_THAT(Runs(skip.id()), IsEmpty());
  EXPECT_THAT(Runs(short_window.id()), IsEmpty());  // 30 minutes old > 10 minutes

  // Not again on another restart.
  Restart();
  Tick();
  EXPECT_EQ(Runs(within.id()).size(), 1u);

  // Back on schedule.
  clock_.Set(Shanghai(2026, 3, 2, 13, 0) + absl::Seconds(5));
  Tick();
  for (const schv1::Job* job : {&within, &skip, &short_window}) {
    runs = Runs(job->id());
    ASSERT_FALSE(runs.empty()) << job->name();
    EXPECT_EQ(runs[0].trigger(), schv1::RUN_TRIGGER_SCHEDULE) << job->name();
    EXPECT_EQ(T(runs[0].due_time()), Shanghai(2026, 3, 2, 13, 0)) << job->name();
  }
  EXPECT_EQ(Runs(within.id()).size(), 2u);
}

}  // namespace
}  // namespace opsuite::testing
