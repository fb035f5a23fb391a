// scoring over real gRPC: a monthly sales evaluation (seed 003:371-381) across real planning
// and crm, re-runs, idempotency, adjustments, leaderboards, distributions, checklists, the
// access matrix and a failing input source.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/ports.h"
#include "common/redis/redis_client.h"
#include "common/storage/sqlite.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "services/planning/planning_module.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

common::v1::Period Month(const std::string& start) {
  common::v1::Period p;
  p.set_granularity(common::v1::GRANULARITY_MONTH);
  p.set_start_date(start);
  return p;
}

// The 003 monthly assessment as a scheme: a minimum of 1 deal, bands on the signed amount
// (points and bonus), fines for missed or late daily reports, the goal card, commission.
sv1::Scheme SalesScheme() {
  sv1::Scheme s;
  s.set_name("销售月度考核");
  s.set_subject_kind(sv1::SUBJECT_KIND_EMPLOYEE);
  s.set_cycle(sv1::CYCLE_MONTHLY);
  s.add_role_classes(pv1::ROLE_CLASS_SALES);
  auto* count = s.add_items();
  count->set_code("signed_count");
  count->set_name("签单量");
  count->mutable_minimum()->set_metric("signed_count");
  count->mutable_minimum()->set_min(1);
  count->mutable_minimum()->set_observe_after(2);
  count->mutable_minimum()->set_terminate_after(3);
  auto* amount = s.add_items();
  amount->set_code("signed_amount");
  amount->set_name("签单额");
  amount->set_weight(60);
  auto* bands = amount->mutable_bands();
  bands->set_metric("signed_amount");
  auto band = [&](double min, double max, double points, int64_t bonus) {
    auto* b = bands->add_bands();
    b->set_min(min);
    if (max > 0) b->set_max(max);
    b->set_points(points);
    b->set_bonus(bonus);
  };
  band(5'000'000, 10'000'000, 60, 50'000);
  band(10'000'000, 15'000'000, 80, 100'000);
  band(15'000'000, 0, 100, 200'000);
  auto* reports = s.add_items();
  reports->set_code("daily_reports");
  reports->set_name("日报");
  reports->mutable_penalty()->set_metric("daily_missing+daily_late");
  for (auto [min, each] : {std::pair{1, 0}, std::pair{2, 2000}, std::pair{5, 5000}}) {
    auto* t = reports->mutable_penalty()->add_tiers();
    t->set_min_count(min);
    t->set_amount_each(each);
  }
  auto* card = s.add_items();
  card->set_code("goal_card");
  card->set_name("目标卡");
  card->set_weight(40);
  card->mutable_goal_card();
  auto* commission = s.add_items();
  commission->set_code("commission");
  commission->set_name("提成");
  for (auto [line, rate] : {std::pair{"central_ac", 0.03}, std::pair{"*", 0.04}}) {
    auto* r = commission->mutable_commission()->add_rates();
    r->set_product_line(line);
    r->set_rate(rate);
  }
  for (auto [grade, min, share] : {std::tuple{"A", 70.0, 0.34}, std::tuple{"B", 50.0, 0.0},
                                   std::tuple{"C", 0.0, 0.0}}) {
    auto* g = s.add_grades();
    g->set_grade(grade);
    g->set_min_score(min);
    g->set_max_share(share);
  }
  return s;
}

class ScoringTest : public PlanningSuite {
 protected:
  // A customer of `owner` and a REGULAR order signed on `date`, paid `paid` on `paid_on`.
  void Sale(const std::string& owner, const std::string& customer, const std::string& line,
            int64_t amount, const std::string& date, int64_t paid, absl::Time paid_on) {
    cv1::CreateCustomerRequest creq;
    creq.mutable_customer()->set_name(customer);
    creq.mutable_customer()->set_tier(cv1::TIER_TIER2);
    creq.mutable_customer()->mutable_region()->set_city("广州");
    cv1::Customer c;
    grpc::Status s = customers_->CreateCustomer(As(owner, "employee").get(), creq, &c);
    ASSERT_TRUE(s.ok()) << s.error_message();
    cv1::CreateOrderRequest oreq;
    oreq.set_customer_id(c.id());
    oreq.set_kind(cv1::ORDER_KIND_REGULAR);
    oreq.set_product_line(line);
    oreq.set_amount(amount);
    oreq.set_signed_at(date);
    cv1::Order o;
    s = orders_->CreateOrder(As(owner, "employee").get(), oreq, &o);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (paid == 0) return;
    cv1::RecordPaymentRequest preq;
    preq.set_order_id(o.id());
    preq.set_amount(paid);
    *preq.mutable_received_at() = ToProto(paid_on);
    s = orders_->RecordPayment(As(owner, "employee").get(), preq, &o);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // A February goal card for `employee`, taken through to SCORED with task scores t1, t2
  // (weights 90 and 10), self-assessed at 100.
  void ScoredCard(const std::string& employee, double t1, double t2) {
    pv1::CreateGoalCardRequest req;
    req.set_employee_id(employee);
    *req.mutable_period() = Month("2026-02-01");
    for (int i = 0; i < 2; ++i) {
      auto* t = req.add_tasks();
      t->set_title(absl::StrCat("任务", i + 1));
      t->set_kind(i == 0 ? pv1::TASK_KIND_ROUTINE : pv1::TASK_KIND_AD_HOC);
      t->set_weight(i == 0 ? 90 : 10);
    }
    pv1::GoalCard card;
    grpc::Status s = cards_->CreateGoalCard(As(employee, "employee").get(), req, &card);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pv1::SubmitGoalCardRequest submit;
    submit.set_id(card.id());
    ASSERT_TRUE(cards_->SubmitGoalCard(As(employee, "employee").get(), submit, &card).ok());
    pv1::ApproveGoalCardRequest approve;
    approve.set_id(card.id());
    ASSERT_TRUE(cards_->ApproveGoalCard(As(manager_, "manager").get(), approve, &card).ok());
    pv1::SelfAssessGoalCardRequest self;
    self.set_id(card.id());
    for (const char* task : {"t1", "t2"}) {
      auto* a = self.add_tasks();
      a->set_task_id(task);
      a->set_self_score(100);
    }
    s = cards_->SelfAssessGoalCard(As(employee, "employee").get(), self, &card);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pv1::ScoreGoalCardRequest score;
    score.set_id(card.id());
    for (auto [task, value] : {std::pair{"t1", t1}, std::pair{"t2", t2}}) {
      auto* a = score.add_tasks();
      a->set_task_id(task);
      a->set_score(value);
    }
    s = cards_->ScoreGoalCard(As(manager_, "manager").get(), score, &card);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::string CreateScheme(const sv1::Scheme& scheme) {
    sv1::CreateSchemeRequest req;
    *req.mutable_scheme() = scheme;
    sv1::Scheme out;
    grpc::Status s = schemes_->CreateScheme(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  // Starts a run and waits (bounded) until it finished.
  sv1::EvaluationRun Run(sv1::RunEvaluationRequest req, const std::string& sub = "admin-1",
                         const std::string& roles = "admin") {
    sv1::EvaluationRun run;
    grpc::Status s = evaluations_->RunEvaluation(As(sub, roles).get(), req, &run);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) return run;
    EXPECT_TRUE(Eventually([&] {
      sv1::GetEvaluationRunRequest get;
      get.set_id(run.id());
      return evaluations_->GetEvaluationRun(Admin().get(), get, &run).ok() &&
             (run.state() == common::v1::RUN_STATE_SUCCEEDED ||
              run.state() == common::v1::RUN_STATE_FAILED);
    }, absl::Seconds(30)));
    return run;
  }

  sv1::Evaluation Get(const std::string& scheme, const std::string& subject,
                      const std::string& sub = "admin-1", const std::string& roles = "admin",
                      grpc::Status* status = nullptr) {
    sv1::GetEvaluationRequest req;
    req.set_scheme_id(scheme);
    req.set_subject_id(subject);
    *req.mutable_period() = Month("2026-02-01");
    sv1::Evaluation e;
    grpc::Status s = evaluations_->GetEvaluation(As(sub, roles).get(), req, &e);
    if (status != nullptr) *status = s;
    return e;
  }

  const sv1::ItemResult* Item(const sv1::Evaluation& e, const std::string& code) {
    for (const auto& item : e.items()) {
      if (item.code() == code) return &item;
    }
    return nullptr;
  }
};

TEST_F(ScoringTest, MonthlySalesEvaluationAcrossPlanningAndCrm) {
  const std::string r2 = AddEmployee("李四", sales_, manager_);
  const std::string r3 = AddEmployee("王五", sales_, manager_);
  const std::string r4 = AddEmployee("赵六", sales_, manager_);
  // rep: 120,000.00 central AC signed and paid in full in February.
  Sale(rep_, "广州空调工程", "central_ac", 12'000'000, "2026-02-10", 12'000'000,
       Shanghai(2026, 2, 20, 10, 0));
  // r2: 60,000.00 floor heating signed in February, half paid: not settled.
  Sale(r2, "佛山地暖", "floor_heating", 6'000'000, "2026-02-05", 3'000'000,
       Shanghai(2026, 2, 25, 10, 0));
  // r3: a deal in December, none in January or February: two months below the minimum.
  Sale(r3, "深圳净水", "water", 1'000'000, "2025-12-15", 0, absl::Time());
  ScoredCard(rep_, 80, 50);  // 77
  ScoredCard(r2, 90, 90);    // 90
  ScoredCard(r3, 100, 100);  // 100
  // r4 has no goal card: their evaluation fails with the reason, the run carries on.

  const std::string scheme = CreateScheme(SalesScheme());
  ASSERT_FALSE(scheme.empty());
  sv1::RunEvaluationRequest req;
  req.set_scheme_id(scheme);
  *req.mutable_period() = Month("2026-02-01");
  req.set_department_id(sales_);
  req.set_request_id("feb-sales");
  sv1::EvaluationRun run = Run(req);
  EXPECT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.total(), 4);
  EXPECT_EQ(run.done(), 4);
  EXPECT_EQ(run.failed(), 1);
  // Batched: ListEmployees, then per page one call each for sales stats, report compliance
  // and goal-card scores, plus sales stats for the 2 earlier months the minimum looks at.
  EXPECT_EQ(run.rpc_calls(), 6);

  // The same request_id returns the same run.
  sv1::EvaluationRun again;
  ASSERT_TRUE(evaluations_->RunEvaluation(Admin().get(), req, &again).ok());
  EXPECT_EQ(again.id(), run.id());
  EXPECT_EQ(again.state(), common::v1::RUN_STATE_SUCCEEDED);

  sv1::Evaluation rep = Get(scheme, rep_);
  EXPECT_EQ(rep.state(), sv1::EVALUATION_STATE_EVALUATED) << rep.failure_reason();
  EXPECT_DOUBLE_EQ(rep.total_score(), 78.8);  // 60% × 80 + 40% × 77
  EXPECT_EQ(rep.grade(), "A");
  EXPECT_EQ(rep.bonus(), 100'000);       // 1,000.00 in [10万, 15万)
  EXPECT_EQ(rep.commission(), 360'000);  // 120,000.00 × 3%
  EXPECT_EQ(rep.version(), 1);
  EXPECT_EQ(rep.inputs().at("signed_amount"), 12'000'000);
  EXPECT_EQ(rep.inputs().at("goal_card_score"), 77);
  ASSERT_NE(Item(rep, "signed_amount"), nullptr);
  EXPECT_EQ(Item(rep, "signed_amount")->detail(),
            "签单额 120,000.00 in band [100,000, 150,000) → 80.00, bonus 1,000.00");
  // Fines follow the recorded compliance: count × the highest tier reached (003:381).
  const double misses = rep.inputs().at("daily_missing") + rep.inputs().at("daily_late");
  const int64_t each = misses >= 5 ? 5000 : misses >= 2 ? 2000 : 0;
  EXPECT_EQ(rep.penalties(), static_cast<int64_t>(misses) * each);
  EXPECT_TRUE(rep.flags().empty());

  sv1::Evaluation e2 = Get(scheme, r2);
  EXPECT_DOUBLE_EQ(e2.total_score(), 72);  // 60% × 60 + 40% × 90
  EXPECT_EQ(e2.grade(), "B");  // ≥ 70, but A holds at most 34% of 3 subjects: 1
  EXPECT_EQ(e2.bonus(), 50'000);
  EXPECT_EQ(e2.commission(), 0);  // half paid: nothing settled

  sv1::Evaluation e3 = Get(scheme, r3);
  EXPECT_DOUBLE_EQ(e3.total_score(), 40);  // no band; 40% × 100
  EXPECT_EQ(e3.grade(), "C");
  ASSERT_EQ(e3.flags_size(), 1);
  EXPECT_EQ(e3.flags(0), sv1::FLAG_OBSERVATION);
  ASSERT_NE(Item(e3, "signed_count"), nullptr);
  EXPECT_EQ(Item(e3, "signed_count")->periods_below(), 2);

  sv1::Evaluation e4 = Get(scheme, r4);
  EXPECT_EQ(e4.state(), sv1::EVALUATION_STATE_FAILED);
  EXPECT_THAT(e4.failure_reason(), HasSubstr("goal card"));

  // Ordered by score, failures last.
  sv1::ListEvaluationsRequest list;
  list.set_run_id(run.id());
  list.set_page_size(2);
  std::vector<std::string> order;
  for (;;) {
    sv1::ListEvaluationsResponse page;
    ASSERT_TRUE(evaluations_->ListEvaluations(Admin().get(), list, &page).ok());
    for (const auto& e : page.evaluations()) order.push_back(e.subject_id());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(order, ElementsAre(rep_, r2, r3, r4));

  // Events: completed per evaluated subject, flagged for the observation.
  EXPECT_TRUE(Eventually([&] {
    int completed = 0, flagged = 0;
    for (const auto& [type, id] : StreamEvents(redis_->url())) {
      completed += type == "scoring.evaluation.completed";
      flagged += type == "scoring.evaluation.flagged";
    }
    return completed == 3 && flagged == 1;
  }));

  // Leaderboard of the sales department (built in Redis from the database).
  sv1::GetLeaderboardRequest lb;
  lb.set_scheme_id(scheme);
  *lb.mutable_period() = Month("2026-02-01");
  lb.set_department_id(sales_);
  sv1::Leaderboard board;
  ASSERT_TRUE(evaluations_->GetLeaderboard(As(manager_, "manager").get(), lb, &board).ok());
  EXPECT_EQ(board.total(), 3);
  ASSERT_EQ(board.entries_size(), 3);
  EXPECT_EQ(board.entries(0).subject_id(), rep_);
  EXPECT_EQ(board.entries(0).rank(), 1);
  EXPECT_EQ(board.entries(0).grade(), "A");
  EXPECT_EQ(board.entries(2).subject_id(), r3);
  {
    auto redis = redis::RedisClient::Create(redis_->url());
    ASSERT_TRUE(redis.ok());
    auto keys = (*redis)->Command({"KEYS", "ops:lb:*"});
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->elements.size(), 1u);
  }

  // Redis loses the set: the next read rebuilds it from the database.
  {
    auto redis = redis::RedisClient::Create(redis_->url());
    ASSERT_TRUE(redis.ok());
    ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
    sv1::Leaderboard rebuilt;
    ASSERT_TRUE(evaluations_->GetLeaderboard(As(manager_, "manager").get(), lb, &rebuilt).ok());
    EXPECT_EQ(rebuilt.SerializeAsString(), board.SerializeAsString());
    auto keys = (*redis)->Command({"KEYS", "ops:lb:*"});
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->elements.size(), 1u);
  }

  // The manager adjusts r3 (audited); nobody adjusts their own.
  sv1::AdjustEvaluationRequest adjust;
  adjust.set_id(e3.id());
  adjust.set_score(95);
  sv1::Evaluation adjusted;
  EXPECT_THAT(Fields(evaluations_->AdjustEvaluation(As(manager_, "manager").get(), adjust, &adjusted)),
              ElementsAre("reason"));
  adjust.set_reason("二月大客户跟进计入下月签约");
  EXPECT_EQ(evaluations_->AdjustEvaluation(As(r3, "employee").get(), adjust, &adjusted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(evaluations_->AdjustEvaluation(As(manager_, "manager").get(), adjust, &adjusted).ok());
  EXPECT_DOUBLE_EQ(adjusted.total_score(), 95);
  EXPECT_DOUBLE_EQ(adjusted.computed_score(), 40);
  ASSERT_EQ(adjusted.adjustments_size(), 1);
  EXPECT_EQ(adjusted.adjustments(0).actor_id(), manager_);
  EXPECT_DOUBLE_EQ(adjusted.adjustments(0).before(), 40);
  EXPECT_DOUBLE_EQ(adjusted.adjustments(0).after(), 95);
  // The leaderboard follows at once.
  ASSERT_TRUE(evaluations_->GetLeaderboard(As(manager_, "manager").get(), lb, &board).ok());
  ASSERT_EQ(board.entries_size(), 3);
  EXPECT_EQ(board.entries(0).subject_id(), r3);

  // A re-run replaces the results with version 2: same ids, no duplicates, the adjustment
  // still in force, and the forced distribution re-applied (r3 now holds the one A).
  req.set_request_id("feb-sales-rerun");
  sv1::EvaluationRun rerun = Run(req);
  EXPECT_NE(rerun.id(), run.id());
  EXPECT_EQ(rerun.state(), common::v1::RUN_STATE_SUCCEEDED);
  sv1::Evaluation rep2 = Get(scheme, rep_);
  EXPECT_EQ(rep2.id(), rep.id());
  EXPECT_EQ(rep2.version(), 2);
  EXPECT_EQ(rep2.grade(), "B");
  sv1::Evaluation e3b = Get(scheme, r3);
  EXPECT_EQ(e3b.version(), 2);
  EXPECT_DOUBLE_EQ(e3b.total_score(), 95);
  EXPECT_DOUBLE_EQ(e3b.computed_score(), 40);
  EXPECT_EQ(e3b.grade(), "A");
  EXPECT_EQ(e3b.adjustments_size(), 1);
  sv1::ListEvaluationsRequest by_period;
  by_period.set_scheme_id(scheme);
  *by_period.mutable_period() = Month("2026-02-01");
  by_period.set_department_id(sales_);
  sv1::ListEvaluationsResponse all;
  ASSERT_TRUE(evaluations_->ListEvaluations(As(manager_, "manager").get(), by_period, &all).ok());
  EXPECT_EQ(all.evaluations_size(), 4);

  // Distribution of the department.
  sv1::GetDistributionRequest dist;
  dist.set_scheme_id(scheme);
  *dist.mutable_period() = Month("2026-02-01");
  dist.set_department_id(sales_);
  sv1::Distribution d;
  ASSERT_TRUE(evaluations_->GetDistribution(As(manager_, "manager").get(), dist, &d).ok());
  EXPECT_EQ(d.count(), 3);
  EXPECT_NEAR(d.mean(), (78.8 + 72 + 95) / 3, 1e-9);
  EXPECT_DOUBLE_EQ(d.max(), 95);
  EXPECT_EQ(d.grade_counts().at("A"), 1);
  EXPECT_EQ(d.grade_counts().at("B"), 2);
}

TEST_F(ScoringTest, SchemeAndRunValidationNameTheField) {
  sv1::Scheme bad = SalesScheme();
  bad.mutable_items(1)->set_weight(50);  // 50 + 40 ≠ 100
  bad.mutable_items(1)->mutable_bands()->mutable_bands(1)->set_min(9'000'000);  // overlaps
  sv1::CreateSchemeRequest create;
  *create.mutable_scheme() = bad;
  sv1::Scheme out;
  grpc::Status s = schemes_->CreateScheme(Admin().get(), create, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ::testing::UnorderedElementsAre("scheme.items",
                                                         "scheme.items[1].bands.bands[1].min"));
  sv1::ValidateSchemeRequest validate;
  *validate.mutable_scheme() = bad;
  sv1::ValidateSchemeResponse violations;
  ASSERT_TRUE(schemes_->ValidateScheme(As(rep_, "employee").get(), validate, &violations).ok());
  EXPECT_EQ(violations.violations_size(), 2);
  *validate.mutable_scheme() = SalesScheme();
  ASSERT_TRUE(schemes_->ValidateScheme(As(rep_, "employee").get(), validate, &violations).ok());
  EXPECT_EQ(violations.violations_size(), 0);
  // Only admins create schemes.
  *create.mutable_scheme() = SalesScheme();
  EXPECT_EQ(schemes_->CreateScheme(As(manager_, "manager").get(), create, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const std::string scheme = CreateScheme(SalesScheme());

  sv1::RunEvaluationRequest req;
  sv1::EvaluationRun run;
  EXPECT_THAT(Fields(evaluations_->RunEvaluation(Admin().get(), req, &run)),
              ElementsAre("scheme_id", "department_id"));
  req.set_scheme_id("sch_missing");
  req.set_department_id(sales_);
  *req.mutable_period() = Month("2026-02-01");
  EXPECT_THAT(Fields(evaluations_->RunEvaluation(Admin().get(), req, &run)), ElementsAre("scheme_id"));
  req.set_scheme_id(scheme);
  req.mutable_period()->set_granularity(common::v1::GRANULARITY_QUARTER);
  req.mutable_period()->set_start_date("2026-01-01");
  s = evaluations_->RunEvaluation(Admin().get(), req, &run);
  EXPECT_THAT(Fields(s), ElementsAre("period.granularity"));
  EXPECT_THAT(s.error_message(), HasSubstr("MONTH"));
  *req.mutable_period() = Month("2026-04-01");
  EXPECT_THAT(Fields(evaluations_->RunEvaluation(Admin().get(), req, &run)),
              ElementsAre("period.start_date"));
  req.clear_department_id();
  req.add_subject_ids(rep_);
  req.add_subject_ids(rep_);
  *req.mutable_period() = Month("2026-02-01");
  EXPECT_THAT(Fields(evaluations_->RunEvaluation(Admin().get(), req, &run)),
              ElementsAre("subject_ids[1]"));
}

TEST_F(ScoringTest, AccessMatrix) {
  const std::string r2 = AddEmployee("李四", sales_, manager_);
  ScoredCard(rep_, 80, 80);
  ScoredCard(r2, 60, 60);
  const std::string scheme = CreateScheme(GoalCardScheme());

  sv1::RunEvaluationRequest req;
  req.set_scheme_id(scheme);
  *req.mutable_period() = Month("2026-02-01");
  req.set_department_id(sales_);
  sv1::EvaluationRun run;
  // An employee, and the manager of another department, may not run it; by subject ids
  // only admins and services.
  EXPECT_EQ(evaluations_->RunEvaluation(As(rep_, "employee").get(), req, &run).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(evaluations_->RunEvaluation(As(other_, "manager").get(), req, &run).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Unauthenticated.
  grpc::ClientContext anonymous;
  EXPECT_EQ(evaluations_->RunEvaluation(&anonymous, req, &run).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // The department's manager may.
  run = Run(req, manager_, "manager");
  ASSERT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.failed(), 0) << Get(scheme, rep_).failure_reason();

  struct Case {
    std::string who, roles, org, subject;
    grpc::StatusCode want;
  };
  for (const Case& c : std::vector<Case>{
           {rep_, "employee", "acme", rep_, grpc::StatusCode::OK},
           {rep_, "employee", "acme", r2, grpc::StatusCode::PERMISSION_DENIED},
           {manager_, "manager", "acme", r2, grpc::StatusCode::OK},
           // The root department has no manager: boss manages only their direct reports.
           {boss_, "manager", "acme", r2, grpc::StatusCode::PERMISSION_DENIED},
           {other_, "manager", "acme", r2, grpc::StatusCode::PERMISSION_DENIED},
           {"admin-1", "admin", "acme", r2, grpc::StatusCode::OK},
           {"scheduler", "service", "acme", r2, grpc::StatusCode::OK},
           {"admin-9", "admin", "globex", r2, grpc::StatusCode::NOT_FOUND},
       }) {
    grpc::Status s;
    sv1::Evaluation e = Get(scheme, c.subject, c.who, c.roles, &s);
    if (c.org != "acme") {
      sv1::GetEvaluationRequest get;
      get.set_scheme_id(scheme);
      get.set_subject_id(c.subject);
      *get.mutable_period() = Month("2026-02-01");
      s = evaluations_->GetEvaluation(As(c.who, c.roles, c.org).get(), get, &e);
    }
    EXPECT_EQ(s.error_code(), c.want) << c.who << " reading " << c.subject << ": " << s.error_message();
    if (s.ok()) {
      EXPECT_EQ(e.subject_id(), c.subject);
    } else {
      // No score leaks into the error (ids are random letters and digits: match 80 alone).
      EXPECT_THAT(s.error_message(),
                  ::testing::Not(::testing::ContainsRegex("(^|[^0-9A-Za-z_])80([^0-9A-Za-z_]|$)")));
    }
  }

  // Leaderboards: members see their department's, managers theirs, admins the org's.
  sv1::GetLeaderboardRequest lb;
  lb.set_scheme_id(scheme);
  *lb.mutable_period() = Month("2026-02-01");
  sv1::Leaderboard board;
  EXPECT_EQ(evaluations_->GetLeaderboard(As(rep_, "employee").get(), lb, &board).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(evaluations_->GetLeaderboard(Admin().get(), lb, &board).ok());
  EXPECT_EQ(board.total(), 2);
  lb.set_department_id(sales_);
  ASSERT_TRUE(evaluations_->GetLeaderboard(As(rep_, "employee").get(), lb, &board).ok());
  ASSERT_EQ(board.entries_size(), 2);
  EXPECT_EQ(board.entries(0).subject_id(), rep_);
  EXPECT_EQ(evaluations_->GetLeaderboard(As(other_, "manager").get(), lb, &board).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  lb.set_department_id(ops_);
  ASSERT_TRUE(evaluations_->GetLeaderboard(As(other_, "manager").get(), lb, &board).ok());
  EXPECT_EQ(board.total(), 0);

  // Lists: an employee without a department sees only their own evaluation; a member may
  // not list their colleagues'.
  sv1::ListEvaluationsRequest list;
  list.set_scheme_id(scheme);
  *list.mutable_period() = Month("2026-02-01");
  sv1::ListEvaluationsResponse page;
  ASSERT_TRUE(evaluations_->ListEvaluations(As(rep_, "employee").get(), list, &page).ok());
  ASSERT_EQ(page.evaluations_size(), 1);
  EXPECT_EQ(page.evaluations(0).subject_id(), rep_);
  list.set_department_id(sales_);
  EXPECT_EQ(evaluations_->ListEvaluations(As(rep_, "employee").get(), list, &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ScoringTest, HealthCentreChecklistForADepartment) {
  // 001:3-123: seven sections, 200 points, 9 deducted → 191.
  sv1::Scheme scheme;
  scheme.set_name("社区卫生服务中心考核");
  scheme.set_subject_kind(sv1::SUBJECT_KIND_DEPARTMENT);
  scheme.set_cycle(sv1::CYCLE_YEARLY);
  auto* item = scheme.add_items();
  item->set_code("checklist");
  item->set_name("评分细则");
  item->set_weight(100);
  for (auto [name, max] : {std::pair{"机构设置", 20}, std::pair{"科室设置", 10},
                           std::pair{"基本设备", 10}, std::pair{"人员配置", 20},
                           std::pair{"基本医疗服务", 100}, std::pair{"服务质量", 20},
                           std::pair{"内部管理", 20}}) {
    auto* s = item->mutable_checklist()->add_sections();
    s->set_name(name);
    s->set_max_points(max);
  }
  const std::string id = CreateScheme(scheme);
  common::v1::Period year;
  year.set_granularity(common::v1::GRANULARITY_YEAR);
  year.set_start_date("2026-01-01");

  sv1::RecordChecklistAssessmentRequest req;
  req.set_scheme_id(id);
  req.set_subject_id(ops_);
  *req.mutable_period() = year;
  auto deduct = [&](const std::string& section, const std::string& what, double points,
                    const std::string& reason, const std::string& action) {
    auto* d = req.add_deductions();
    d->set_section(section);
    d->set_item(what);
    d->set_points(points);
    d->set_reason(reason);
    d->set_corrective_action(action);
  };
  deduct("基本设备", "中药煎药设备", 1, "无中药煎药机，无中药饮片调剂设备", "采购煎药机");
  deduct("人员配置", "全科医生 ≥ 6", 2.5, "只有1名全科医生，缺5名", "向上级医院申请人员");
  deduct("人员配置", "副主任医师 ≥ 2", 1.5, "缺1名副高，缺2名公卫医师", "向上级医院申请人员");
  deduct("基本医疗服务", "健康档案", 3, "电子档案建档率低，纸质表格未更新", "补录电子档案");
  deduct("服务质量", "满意度", 1, "满意度未达85%", "开展满意度回访");
  sv1::ChecklistAssessment assessment;
  // Only admins and the department's managers assess it.
  EXPECT_EQ(evaluations_->RecordChecklistAssessment(As(rep_, "employee").get(), req, &assessment)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  sv1::RecordChecklistAssessmentRequest bad = req;
  bad.mutable_deductions(0)->set_section("不存在");
  bad.mutable_deductions(1)->clear_reason();
  EXPECT_THAT(Fields(evaluations_->RecordChecklistAssessment(Admin().get(), bad, &assessment)),
              ElementsAre("deductions[0].section", "deductions[1].reason"));
  grpc::Status s = evaluations_->RecordChecklistAssessment(As(other_, "manager").get(), req, &assessment);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_DOUBLE_EQ(assessment.max_points(), 200);
  EXPECT_DOUBLE_EQ(assessment.kept_points(), 191);
  EXPECT_EQ(assessment.version(), 1);

  sv1::RunEvaluationRequest run_req;
  run_req.set_scheme_id(id);
  *run_req.mutable_period() = year;
  run_req.add_subject_ids(ops_);
  sv1::EvaluationRun run = Run(run_req);
  ASSERT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  sv1::GetEvaluationRequest get;
  get.set_scheme_id(id);
  get.set_subject_id(ops_);
  *get.mutable_period() = year;
  sv1::Evaluation e;
  s = evaluations_->GetEvaluation(As(other_, "manager").get(), get, &e);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(e.state(), sv1::EVALUATION_STATE_EVALUATED) << e.failure_reason();
  EXPECT_DOUBLE_EQ(e.total_score(), 95.5);  // 191 / 200
  EXPECT_EQ(e.inputs().at("checklist:checklist"), 191);
  EXPECT_EQ(e.department_id(), ops_);
  // A department created after scoring cached the org tree is found at once.
  pv1::CreateDepartmentRequest dept;
  dept.mutable_department()->set_name("第二卫生服务站");
  dept.mutable_department()->set_parent_id(ops_);
  pv1::Department station;
  ASSERT_TRUE(directory_->CreateDepartment(Admin().get(), dept, &station).ok());
  req.set_subject_id(station.id());
  s = evaluations_->RecordChecklistAssessment(Admin().get(), req, &assessment);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(assessment.subject_id(), station.id());
  // The sales manager does not see the ops department's result.
  EXPECT_EQ(evaluations_->GetEvaluation(As(manager_, "manager").get(), get, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ScoringTest, RatioOfTheSubjectsTargetFromPlanning) {
  // rep: a February sales target of 100,000 with 85,000 recorded; r2 has no target, so their
  // evaluation fails naming what is missing.
  const std::string r2 = AddEmployee("李四", sales_, manager_);
  pv1::CreateTargetRequest target;
  target.mutable_target()->mutable_owner()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
  target.mutable_target()->mutable_owner()->set_id(rep_);
  target.mutable_target()->set_metric("sales");
  target.mutable_target()->set_unit("CNY");
  *target.mutable_target()->mutable_period() = Month("2026-02-01");
  target.mutable_target()->set_value(10'000'000);
  pv1::Target t;
  ASSERT_TRUE(targets_->CreateTarget(Admin().get(), target, &t).ok());
  for (auto [day, value] : {std::pair{"2026-02-03", 5'000'000}, std::pair{"2026-02-17", 3'500'000}}) {
    pv1::RecordActualRequest actual;
    *actual.mutable_owner() = target.target().owner();
    actual.set_metric("sales");
    actual.set_date(day);
    actual.set_value(value);
    actual.set_request_id(day);
    pv1::Actual a;
    ASSERT_TRUE(targets_->RecordActual(Admin().get(), actual, &a).ok());
  }
  sv1::Scheme scheme;
  scheme.set_name("销售完成率");
  scheme.set_subject_kind(sv1::SUBJECT_KIND_EMPLOYEE);
  scheme.set_cycle(sv1::CYCLE_MONTHLY);
  auto* item = scheme.add_items();
  item->set_code("sales_target");
  item->set_name("销售完成率");
  item->set_weight(100);
  item->mutable_ratio()->set_metric("target:sales");
  item->mutable_ratio()->set_cap(1.2);
  const std::string id = CreateScheme(scheme);
  sv1::RunEvaluationRequest req;
  req.set_scheme_id(id);
  *req.mutable_period() = Month("2026-02-01");
  req.set_department_id(sales_);
  sv1::EvaluationRun run = Run(req);
  ASSERT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.rpc_calls(), 2);  // ListEmployees + one BatchGetOwnerProgress
  sv1::Evaluation e = Get(id, rep_);
  ASSERT_EQ(e.state(), sv1::EVALUATION_STATE_EVALUATED) << e.failure_reason();
  EXPECT_DOUBLE_EQ(e.total_score(), 85);
  EXPECT_DOUBLE_EQ(e.inputs().at("target:sales"), 0.85);
  EXPECT_THAT(e.items(0).detail(), HasSubstr("85.0%"));
  sv1::Evaluation none = Get(id, r2);
  EXPECT_EQ(none.state(), sv1::EVALUATION_STATE_FAILED);
  EXPECT_THAT(none.failure_reason(), HasSubstr("no target for metric sales"));
}

TEST_F(ScoringTest, UnfinishedRunResumesAtStartWithoutANewVersion) {
  ScoredCard(rep_, 80, 80);
  const std::string scheme = CreateScheme(GoalCardScheme());
  sv1::RunEvaluationRequest req;
  req.set_scheme_id(scheme);
  *req.mutable_period() = Month("2026-02-01");
  req.add_subject_ids(rep_);
  sv1::EvaluationRun run = Run(req);
  ASSERT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED);
  ASSERT_EQ(Get(scheme, rep_).version(), 1);

  // As if the process died mid-run: the row says RUNNING with nothing done.
  server_->Shutdown(absl::Seconds(2));
  server_.reset();
  {
    auto db = OpenModuleDatabase("scoring");
    ASSERT_TRUE(db.ok()) << db.status();
    sv1::EvaluationRun crashed = run;
    crashed.set_state(common::v1::RUN_STATE_RUNNING);
    crashed.set_done(0);
    crashed.add_subject_ids(rep_);
    ASSERT_TRUE((*db)->Write([&](storage::Tx& tx) {
                       return tx.Exec("UPDATE runs SET state = ?, body = ? WHERE id = ?",
                                      {int64_t{crashed.state()},
                                       storage::Blob{crashed.SerializeAsString()}, run.id()})
                           .status();
                     }).ok());
  }
  StartServer();
  EXPECT_TRUE(Eventually([&] {
    sv1::GetEvaluationRunRequest get;
    get.set_id(run.id());
    return evaluations_->GetEvaluationRun(Admin().get(), get, &run).ok() &&
           run.state() == common::v1::RUN_STATE_SUCCEEDED && run.done() == 1;
  }, absl::Seconds(30)));
  sv1::Evaluation e = Get(scheme, rep_);
  EXPECT_EQ(e.version(), 1);  // the same run rewrote its own result
  EXPECT_DOUBLE_EQ(e.total_score(), 80);
}

TEST_F(ScoringTest, ARunWaitsOutAPlanningThatIsStillStarting) {
  // Scoring comes up before planning, as when a whole deployment restarts: the run's first
  // calls find nobody listening, and it waits instead of failing.
  const int port = FreePort();
  peers_["planning"] = absl::StrCat("127.0.0.1:", port);
  StartServer();
  ScoredCard(rep_, 80, 80);
  const std::string scheme = CreateScheme(GoalCardScheme());
  sv1::RunEvaluationRequest req;
  req.set_scheme_id(scheme);
  *req.mutable_period() = Month("2026-02-01");
  req.add_subject_ids(rep_);
  req.set_request_id("late-planning");
  sv1::EvaluationRun run;
  grpc::Status started = evaluations_->RunEvaluation(Admin().get(), req, &run);
  ASSERT_TRUE(started.ok()) << started.error_message();
  absl::SleepFor(absl::Milliseconds(700));
  server::ServerOptions options = OptionsOnThisData(/*workers=*/2);
  options.grpc_addr = absl::StrCat("127.0.0.1:", port);
  auto planning = server::Server::Start({planning::PlanningModule()}, options);
  ASSERT_TRUE(planning.ok()) << planning.status();
  EXPECT_TRUE(Eventually([&] {
    sv1::GetEvaluationRunRequest get;
    get.set_id(run.id());
    return evaluations_->GetEvaluationRun(Admin().get(), get, &run).ok() &&
           run.state() != common::v1::RUN_STATE_PENDING &&
           run.state() != common::v1::RUN_STATE_RUNNING;
  }, absl::Seconds(20)));
  EXPECT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.done(), 1);
  EXPECT_EQ(run.failed(), 0);
  EXPECT_DOUBLE_EQ(Get(scheme, rep_).total_score(), 80);
  (*planning)->Shutdown(absl::Seconds(1));
}

TEST_F(ScoringTest, FailingInputSourceFailsSubjectsNotTheRun) {
  // crm answers nowhere: its calls are retried, then every subject of the page fails with
  // the reason and the run still finishes.
  peers_["crm"] = absl::StrCat("127.0.0.1:", FreePort());
  StartServer();
  sv1::Scheme scheme = SalesScheme();
  const std::string id = CreateScheme(scheme);
  sv1::RunEvaluationRequest req;
  req.set_scheme_id(id);
  *req.mutable_period() = Month("2026-02-01");
  req.add_subject_ids(rep_);
  sv1::EvaluationRun run = Run(req);
  EXPECT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
  EXPECT_EQ(run.total(), 1);
  EXPECT_EQ(run.failed(), 1);
  EXPECT_GE(run.rpc_calls(), 4);  // BatchGetEmployees + 3 attempts at crm
  sv1::Evaluation e = Get(id, rep_);
  EXPECT_EQ(e.state(), sv1::EVALUATION_STATE_FAILED);
  EXPECT_THAT(e.failure_reason(), HasSubstr("crm BatchGetSalesStats failed after 3 attempts"));
}

}  // namespace
}  // namespace opsuite::testing
