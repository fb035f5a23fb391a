// The batch reads scoring makes of planning, over real gRPC against a real Redis:
// TargetService.BatchGetOwnerProgress (each owner's target for one metric and exact period)
// and GoalCardService.BatchGetGoalCardScores (each employee's card scores for one period):
// results in request order, found / not found, the same figures as the single reads,
// bad input naming the field, and the access rules of BatchGetReportCompliance.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/period.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

pv1::Owner OrgOwner() {
  pv1::Owner o;
  o.set_kind(pv1::OWNER_KIND_ORG);
  return o;
}
pv1::Owner Person(const std::string& id) {
  pv1::Owner o;
  o.set_kind(pv1::OWNER_KIND_EMPLOYEE);
  o.set_id(id);
  return o;
}
pv1::Owner Dept(const std::string& id) {
  pv1::Owner o;
  o.set_kind(pv1::OWNER_KIND_DEPARTMENT);
  o.set_id(id);
  return o;
}
common::v1::Period PeriodOf(common::v1::Granularity g, const std::string& start) {
  common::v1::Period p;
  p.set_granularity(g);
  p.set_start_date(start);
  return p;
}
common::v1::Period March() { return PeriodOf(common::v1::GRANULARITY_MONTH, "2026-03-01"); }

bool SameProgress(const pv1::Progress& a, const pv1::Progress& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

class PlanningBatchIT : public PlanningSuite {
 protected:
  pv1::Target MakeTarget(const pv1::Owner& owner, const std::string& metric,
                         const common::v1::Period& period, int64_t value) {
    pv1::CreateTargetRequest req;
    *req.mutable_target()->mutable_owner() = owner;
    req.mutable_target()->set_metric(metric);
    *req.mutable_target()->mutable_period() = period;
    req.mutable_target()->set_value(value);
    pv1::Target t;
    grpc::Status s = targets_->CreateTarget(Admin().get(), req, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t;
  }

  void Actual(const pv1::Owner& owner, const std::string& metric, const std::string& date,
              int64_t value) {
    pv1::RecordActualRequest req;
    *req.mutable_owner() = owner;
    req.set_metric(metric);
    req.set_date(date);
    req.set_value(value);
    req.set_request_id(absl::StrCat("actual-", ++actuals_));
    pv1::Actual a;
    grpc::Status s = targets_->RecordActual(Admin().get(), req, &a);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  pv1::DecomposeTargetResponse SplitByTime(const std::string& id, common::v1::Granularity g,
                                           std::vector<int64_t> weights = {}) {
    pv1::DecomposeTargetRequest req;
    req.set_target_id(id);
    req.mutable_by_time()->set_granularity(g);
    for (int64_t w : weights) req.mutable_by_time()->add_weights(w);
    pv1::DecomposeTargetResponse resp;
    grpc::Status s = targets_->DecomposeTarget(Admin().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // The single read the batch must agree with.
  pv1::Progress SingleProgress(const std::string& target_id, const std::string& as_of) {
    pv1::GetProgressRequest req;
    req.set_target_id(target_id);
    req.set_as_of(as_of);
    pv1::Progress p;
    grpc::Status s = targets_->GetProgress(Admin().get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  }

  pv1::BatchGetOwnerProgressRequest OwnerRequest(const std::vector<pv1::Owner>& owners,
                                                 const std::string& metric = "sales",
                                                 const common::v1::Period& period = March(),
                                                 const std::string& as_of = "") {
    pv1::BatchGetOwnerProgressRequest req;
    for (const auto& o : owners) *req.add_owners() = o;
    req.set_metric(metric);
    *req.mutable_period() = period;
    req.set_as_of(as_of);
    return req;
  }

  grpc::Status OwnerProgress(std::unique_ptr<grpc::ClientContext> ctx,
                             const pv1::BatchGetOwnerProgressRequest& req,
                             pv1::BatchGetOwnerProgressResponse* resp) {
    resp->Clear();
    return targets_->BatchGetOwnerProgress(ctx.get(), req, resp);
  }

  pv1::BatchGetGoalCardScoresRequest ScoresRequest(const std::vector<std::string>& ids,
                                                   const common::v1::Period& period = March()) {
    pv1::BatchGetGoalCardScoresRequest req;
    for (const auto& id : ids) req.add_employee_ids(id);
    *req.mutable_period() = period;
    return req;
  }

  grpc::Status Scores(std::unique_ptr<grpc::ClientContext> ctx,
                      const pv1::BatchGetGoalCardScoresRequest& req,
                      pv1::BatchGetGoalCardScoresResponse* resp) {
    resp->Clear();
    return cards_->BatchGetGoalCardScores(ctx.get(), req, resp);
  }

  // A card for `employee` (two tasks weighing 90 and 10) created and submitted by them and
  // approved by `approver`.
  pv1::GoalCard ApprovedCard(const std::string& employee, const std::string& approver,
                             const common::v1::Period& period = March()) {
    pv1::GoalCard card = DraftCard(employee, period);
    pv1::SubmitGoalCardRequest submit;
    submit.set_id(card.id());
    grpc::Status s = cards_->SubmitGoalCard(As(employee, "employee").get(), submit, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
    pv1::ApproveGoalCardRequest approve;
    approve.set_id(card.id());
    s = cards_->ApproveGoalCard(As(approver, "manager").get(), approve, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return card;
  }

  pv1::GoalCard DraftCard(const std::string& employee,
                          const common::v1::Period& period = March()) {
    pv1::CreateGoalCardRequest req;
    req.set_employee_id(employee);
    *req.mutable_period() = period;
    for (int w : {90, 10}) {
      auto* t = req.add_tasks();
      t->set_title(absl::StrCat("任务 ", w));
      t->set_kind(pv1::TASK_KIND_ROUTINE);
      t->set_weight(w);
    }
    pv1::GoalCard card;
    grpc::Status s = cards_->CreateGoalCard(As(employee, "employee").get(), req, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return card;
  }

  void SelfAssess(pv1::GoalCard& card, double t1, double t2) {
    pv1::SelfAssessGoalCardRequest req;
    req.set_id(card.id());
    for (auto [task, score] : {std::pair{"t1", t1}, std::pair{"t2", t2}}) {
      auto* s = req.add_tasks();
      s->set_task_id(task);
      s->set_self_score(score);
    }
    grpc::Status s = cards_->SelfAssessGoalCard(As(card.employee_id(), "employee").get(), req, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  void Score(pv1::GoalCard& card, const std::string& manager, double t1, double t2) {
    pv1::ScoreGoalCardRequest req;
    req.set_id(card.id());
    for (auto [task, score] : {std::pair{"t1", t1}, std::pair{"t2", t2}}) {
      auto* s = req.add_tasks();
      s->set_task_id(task);
      s->set_score(score);
    }
    grpc::Status s = cards_->ScoreGoalCard(As(manager, "manager").get(), req, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  int actuals_ = 0;
};

TEST_F(PlanningBatchIT, OwnerProgressIsPerOwnerInRequestOrder) {
  // Today is 2026-03-02 (Shanghai): March has 2 of 31 days gone.
  pv1::Target rep_march = MakeTarget(Person(rep_), "sales", March(), 3100);
  pv1::Target manager_first = MakeTarget(Person(manager_), "sales", March(), 1000);
  clock_.Advance(absl::Minutes(1));
  // A second target for the same owner, metric and period: the latest one counts.
  pv1::Target manager_latest = MakeTarget(Person(manager_), "sales", March(), 2000);
  // Another period, another metric: not what is asked for.
  MakeTarget(Person(other_), "sales", PeriodOf(common::v1::GRANULARITY_MONTH, "2026-02-01"), 500);
  MakeTarget(Person(other_), "sales", PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-01-01"), 900);
  MakeTarget(Person(boss_), "calls", March(), 40);
  Actual(Person(rep_), "sales", "2026-02-28", 999);  // before the period
  Actual(Person(rep_), "sales", "2026-03-01", 500);
  Actual(Person(rep_), "sales", "2026-03-02", 300);
  Actual(Person(rep_), "sales", "2026-03-05", 1000);  // after today
  Actual(Person(rep_), "calls", "2026-03-01", 7);     // another metric
  Actual(Person(manager_), "sales", "2026-03-01", 100);
  Actual(Person(other_), "sales", "2026-03-01", 50);

  pv1::BatchGetOwnerProgressResponse resp;
  auto req = OwnerRequest({Person(rep_), Person(other_), Person(manager_), Person(boss_),
                           Person(rep_)});
  ASSERT_TRUE(OwnerProgress(Admin(), req, &resp).ok());
  ASSERT_EQ(resp.progress_size(), 5);
  std::vector<std::string> ids;
  std::vector<bool> found;
  for (const auto& p : resp.progress()) {
    ids.push_back(p.owner().id());
    found.push_back(p.found());
    EXPECT_EQ(p.owner().kind(), pv1::OWNER_KIND_EMPLOYEE);
  }
  EXPECT_THAT(ids, ElementsAre(rep_, other_, manager_, boss_, rep_));
  EXPECT_THAT(found, ElementsAre(true, false, true, false, true));
  EXPECT_FALSE(resp.progress(1).has_progress());
  EXPECT_FALSE(resp.progress(3).has_progress());

  // as_of defaults to today, the period not being over: 500 + 300 counted.
  const pv1::Progress& rep = resp.progress(0).progress();
  EXPECT_EQ(rep.target_id(), rep_march.id());
  EXPECT_EQ(rep.as_of(), "2026-03-02");
  EXPECT_EQ(rep.value(), 3100);
  EXPECT_EQ(rep.actual(), 800);
  EXPECT_EQ(rep.plan_to_date(), 200);
  EXPECT_EQ(rep.variance(), 600);
  EXPECT_EQ(rep.status(), pv1::PROGRESS_STATUS_ON_TRACK);
  EXPECT_TRUE(SameProgress(rep, SingleProgress(rep_march.id(), "2026-03-02")))
      << rep.DebugString();
  EXPECT_TRUE(SameProgress(resp.progress(4).progress(), rep));
  const pv1::Progress& manager = resp.progress(2).progress();
  EXPECT_EQ(manager.target_id(), manager_latest.id());
  EXPECT_NE(manager.target_id(), manager_first.id());
  EXPECT_EQ(manager.actual(), 100);
  EXPECT_TRUE(SameProgress(manager, SingleProgress(manager_latest.id(), "2026-03-02")));

  // An explicit as_of: the whole month.
  req.set_as_of("2026-03-31");
  ASSERT_TRUE(OwnerProgress(Admin(), req, &resp).ok());
  EXPECT_EQ(resp.progress(0).progress().actual(), 1800);
  EXPECT_EQ(resp.progress(0).progress().plan_to_date(), 3100);
  EXPECT_TRUE(SameProgress(resp.progress(0).progress(),
                           SingleProgress(rep_march.id(), "2026-03-31")));

  // Once the period is over, the default as_of is its last day.
  clock_.Set(Shanghai(2026, 4, 10, 9, 0));
  req.clear_as_of();
  ASSERT_TRUE(OwnerProgress(Admin(), req, &resp).ok());
  EXPECT_EQ(resp.progress(0).progress().as_of(), "2026-03-31");
  EXPECT_EQ(resp.progress(0).progress().actual(), 1800);

  // The exact period: February finds other's February target, not rep's March one.
  auto feb = OwnerRequest({Person(rep_), Person(other_)}, "sales",
                          PeriodOf(common::v1::GRANULARITY_MONTH, "2026-02-01"));
  ASSERT_TRUE(OwnerProgress(Admin(), feb, &resp).ok());
  ASSERT_EQ(resp.progress_size(), 2);
  EXPECT_FALSE(resp.progress(0).found());
  ASSERT_TRUE(resp.progress(1).found());
  EXPECT_EQ(resp.progress(1).progress().value(), 500);
  EXPECT_EQ(resp.progress(1).progress().as_of(), "2026-02-28");
  // Q1 starts on the same day as January, but is another period.
  auto q1 = OwnerRequest({Person(other_)}, "sales",
                         PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-01-01"));
  ASSERT_TRUE(OwnerProgress(Admin(), q1, &resp).ok());
  ASSERT_TRUE(resp.progress(0).found());
  EXPECT_EQ(resp.progress(0).progress().value(), 900);
  auto jan = OwnerRequest({Person(other_)}, "sales",
                          PeriodOf(common::v1::GRANULARITY_MONTH, "2026-01-01"));
  ASSERT_TRUE(OwnerProgress(Admin(), jan, &resp).ok());
  EXPECT_FALSE(resp.progress(0).found());
  // Another metric.
  auto calls = OwnerRequest({Person(rep_), Person(boss_)}, "calls");
  ASSERT_TRUE(OwnerProgress(Admin(), calls, &resp).ok());
  EXPECT_FALSE(resp.progress(0).found());
  ASSERT_TRUE(resp.progress(1).found());
  EXPECT_EQ(resp.progress(1).progress().value(), 40);
  EXPECT_EQ(resp.progress(1).progress().actual(), 0);
  // No owners: nothing to do.
  ASSERT_TRUE(OwnerProgress(Admin(), OwnerRequest({}), &resp).ok());
  EXPECT_EQ(resp.progress_size(), 0);
}

TEST_F(PlanningBatchIT, OwnerProgressMixesEmployeesDepartmentsAndTheOrg) {
  pv1::Target org = MakeTarget(OrgOwner(), "sales", March(), 10'000);
  pv1::Target sales = MakeTarget(Dept(sales_), "sales", March(), 4'000);
  pv1::Target root = MakeTarget(Dept(root_), "sales", March(), 8'000);
  pv1::Target rep = MakeTarget(Person(rep_), "sales", March(), 3'000);
  Actual(Person(rep_), "sales", "2026-03-01", 700);       // counts for rep, 销售部, 公司, org
  Actual(Dept(sales_), "sales", "2026-03-02", 200);       // 销售部, 公司, org
  Actual(Person(other_), "sales", "2026-03-01", 50);      // 公司, org
  Actual(OrgOwner(), "sales", "2026-03-02", 5);           // org only
  Actual(Person(manager_), "sales", "2026-03-03", 10'000);  // after today

  pv1::BatchGetOwnerProgressResponse resp;
  auto req = OwnerRequest({Dept(sales_), Person(rep_), OrgOwner(), Dept(ops_), Person(boss_),
                           Dept(root_)});
  ASSERT_TRUE(OwnerProgress(As("scoring", "service"), req, &resp).ok());
  ASSERT_EQ(resp.progress_size(), 6);
  EXPECT_EQ(resp.progress(0).owner().id(), sales_);
  EXPECT_EQ(resp.progress(2).owner().kind(), pv1::OWNER_KIND_ORG);
  EXPECT_EQ(resp.progress(2).owner().id(), "acme");  // the caller's org
  EXPECT_FALSE(resp.progress(3).found());
  EXPECT_FALSE(resp.progress(4).found());
  std::vector<int64_t> actuals;
  for (int i : {0, 1, 2, 5}) {
    ASSERT_TRUE(resp.progress(i).found()) << i;
    actuals.push_back(resp.progress(i).progress().actual());
  }
  EXPECT_THAT(actuals, ElementsAre(900, 700, 955, 950));
  int i = 0;
  for (const pv1::Target* t : {&sales, &rep, &org, &root}) {
    int index = std::vector<int>{0, 1, 2, 5}[i++];
    EXPECT_EQ(resp.progress(index).progress().target_id(), t->id());
    EXPECT_TRUE(SameProgress(resp.progress(index).progress(), SingleProgress(t->id(), "")))
        << resp.progress(index).DebugString();
  }
}

TEST_F(PlanningBatchIT, OwnerProgressFollowsTimeDecompositionLikeGetProgress) {
  // rep's Q1 split 1:1:2 into months, March split into weeks: the first week of March
  // (2026-02-23) covers only March 1 inside its parent.
  pv1::Target q1 = MakeTarget(Person(rep_), "sales",
                              PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-01-01"), 40'000);
  auto months = SplitByTime(q1.id(), common::v1::GRANULARITY_MONTH, {1, 1, 2});
  ASSERT_EQ(months.children_size(), 3);
  auto weeks = SplitByTime(months.children(2).id(), common::v1::GRANULARITY_WEEK);
  ASSERT_GE(weeks.children_size(), 5);
  ASSERT_EQ(weeks.children(0).period().start_date(), "2026-02-23");
  ASSERT_EQ(weeks.children(0).start_date(), "2026-03-01");
  Actual(Person(rep_), "sales", "2026-01-15", 9'000);
  Actual(Person(rep_), "sales", "2026-03-01", 1'000);
  Actual(Person(rep_), "sales", "2026-03-02", 2'000);
  Actual(Person(rep_), "sales", "2026-02-27", 4);  // in the week, before its parent's days

  struct Case {
    common::v1::Period period;
    std::string target_id;
    std::string as_of;
  };
  for (const Case& c : std::vector<Case>{
           {PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-01-01"), q1.id(), ""},
           {PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-01-01"), q1.id(), "2026-02-15"},
           {March(), months.children(2).id(), ""},
           {March(), months.children(2).id(), "2026-03-20"},
           {PeriodOf(common::v1::GRANULARITY_WEEK, "2026-02-23"), weeks.children(0).id(), ""},
           {PeriodOf(common::v1::GRANULARITY_WEEK, "2026-03-02"), weeks.children(1).id(), ""},
           {PeriodOf(common::v1::GRANULARITY_WEEK, "2026-03-09"), weeks.children(2).id(), ""},
       }) {
    SCOPED_TRACE(absl::StrCat(c.period.ShortDebugString(), " as_of ", c.as_of));
    pv1::BatchGetOwnerProgressResponse resp;
    ASSERT_TRUE(OwnerProgress(Admin(), OwnerRequest({Person(rep_)}, "sales", c.period, c.as_of),
                              &resp)
                    .ok());
    ASSERT_EQ(resp.progress_size(), 1);
    ASSERT_TRUE(resp.progress(0).found());
    const pv1::Progress& got = resp.progress(0).progress();
    EXPECT_EQ(got.target_id(), c.target_id);
    // The default as_of is the period's last day or today, whichever is earlier.
    std::string as_of = c.as_of;
    if (as_of.empty()) {
      DateRange r = *PeriodRange(c.period, "period");
      as_of = FormatDate(std::min(r.last, absl::CivilDay(2026, 3, 2)));
    }
    EXPECT_TRUE(SameProgress(got, SingleProgress(c.target_id, as_of))) << got.DebugString();
  }
  // The quarter's plan follows its phasing: by March 2 January and February are due
  // (10'000 each), then March's own plan-to-date follows its weeks (split by days inside
  // March: 645 for March 1, 4'516 for March 2-8 of which 1/7 is due).
  pv1::BatchGetOwnerProgressResponse resp;
  ASSERT_TRUE(OwnerProgress(Admin(),
                            OwnerRequest({Person(rep_)}, "sales",
                                         PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-01-01")),
                            &resp)
                  .ok());
  EXPECT_EQ(resp.progress(0).progress().actual(), 12'004);
  EXPECT_EQ(resp.progress(0).progress().plan_to_date(), 20'000 + 645 + 645);
  // The first week of March counts March 1 only.
  ASSERT_TRUE(OwnerProgress(Admin(),
                            OwnerRequest({Person(rep_)}, "sales",
                                         PeriodOf(common::v1::GRANULARITY_WEEK, "2026-02-23")),
                            &resp)
                  .ok());
  EXPECT_EQ(resp.progress(0).progress().actual(), 1'000);
  EXPECT_EQ(resp.progress(0).progress().as_of(), "2026-03-01");
}

TEST_F(PlanningBatchIT, OwnerProgressHandlesAThousandOwners) {
  // 41 distinct employees (an IN list that is not a power of two) repeated up to 1000.
  std::vector<std::string> people = {rep_, manager_, other_, boss_};
  for (int i = 0; i < 37; ++i) {
    pv1::CreateEmployeeRequest hire;
    hire.mutable_employee()->set_name(absl::StrCat("员工", i));
    hire.mutable_employee()->set_department_id(i % 2 ? sales_ : ops_);
    hire.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
    pv1::Employee e;
    ASSERT_TRUE(directory_->CreateEmployee(Admin().get(), hire, &e).ok());
    people.push_back(e.id());
  }
  for (size_t i = 0; i < people.size(); i += 3) {
    MakeTarget(Person(people[i]), "sales", March(), 1000 + static_cast<int64_t>(i));
    Actual(Person(people[i]), "sales", "2026-03-01", static_cast<int64_t>(i));
  }
  std::vector<pv1::Owner> owners;
  for (int i = 0; i < 1000; ++i) owners.push_back(Person(people[i % people.size()]));
  pv1::BatchGetOwnerProgressResponse resp;
  ASSERT_TRUE(OwnerProgress(As("scoring", "service"), OwnerRequest(owners), &resp).ok());
  ASSERT_EQ(resp.progress_size(), 1000);
  for (int i = 0; i < 1000; ++i) {
    size_t p = i % people.size();
    const auto& got = resp.progress(i);
    ASSERT_EQ(got.owner().id(), people[p]) << i;
    ASSERT_EQ(got.found(), p % 3 == 0) << i;
    if (got.found()) {
      EXPECT_EQ(got.progress().value(), 1000 + static_cast<int64_t>(p)) << i;
      EXPECT_EQ(got.progress().actual(), static_cast<int64_t>(p)) << i;
    }
  }
  owners.push_back(Person(rep_));
  EXPECT_THAT(Fields(OwnerProgress(Admin(), OwnerRequest(owners), &resp)), ElementsAre("owners"));
}

TEST_F(PlanningBatchIT, OwnerProgressBadInputNamesTheField) {
  pv1::BatchGetOwnerProgressResponse resp;
  auto req = OwnerRequest({Person(rep_), Person(""), Person(manager_), pv1::Owner()});
  grpc::Status s = OwnerProgress(Admin(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ElementsAre("owners[1].id", "owners[3].kind"));

  pv1::Owner weird;
  weird.set_kind(static_cast<pv1::OwnerKind>(42));
  weird.set_id(rep_);
  EXPECT_THAT(Fields(OwnerProgress(Admin(), OwnerRequest({weird}), &resp)),
              ElementsAre("owners[0].kind"));
  pv1::Owner other_org = OrgOwner();
  other_org.set_id("globex");
  EXPECT_THAT(Fields(OwnerProgress(Admin(), OwnerRequest({other_org}), &resp)),
              ElementsAre("owners[0].id"));

  EXPECT_THAT(Fields(OwnerProgress(Admin(), OwnerRequest({Person(rep_)}, ""), &resp)),
              ElementsAre("metric"));
  EXPECT_THAT(Fields(OwnerProgress(Admin(), OwnerRequest({Person(rep_)}, "sales!"), &resp)),
              ElementsAre("metric"));
  EXPECT_THAT(Fields(OwnerProgress(Admin(),
                                   OwnerRequest({Person(rep_)}, "sales",
                                                PeriodOf(common::v1::GRANULARITY_MONTH,
                                                         "2026-03-02")),
                                   &resp)),
              ElementsAre("period.start_date"));
  EXPECT_THAT(Fields(OwnerProgress(Admin(),
                                   OwnerRequest({Person(rep_)}, "sales", common::v1::Period()),
                                   &resp)),
              ElementsAre("period.granularity", "period.start_date"));
  EXPECT_THAT(Fields(OwnerProgress(Admin(),
                                   OwnerRequest({Person(rep_)}, "sales", March(), "2026-02-30"),
                                   &resp)),
              ElementsAre("as_of"));
  // Owners that do not exist in the org, all named at once.
  s = OwnerProgress(Admin(),
                    OwnerRequest({Dept("dept_nope"), Person(rep_), Person("emp_nope")}), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ElementsAre("owners[0].id", "owners[2].id"));
  // Another org's admin does not see acme's people.
  EXPECT_THAT(Fields(OwnerProgress(Admin("globex"), OwnerRequest({Person(rep_)}), &resp)),
              ElementsAre("owners[0].id"));
}

TEST_F(PlanningBatchIT, OwnerProgressFollowsTheReadRulesOfReportCompliance) {
  MakeTarget(Person(rep_), "sales", March(), 100);
  MakeTarget(Dept(ops_), "sales", March(), 100);
  pv1::BatchGetOwnerProgressResponse resp;
  auto ok = [&](std::unique_ptr<grpc::ClientContext> ctx,
                std::vector<pv1::Owner> owners) -> std::string {
    grpc::Status s = OwnerProgress(std::move(ctx), OwnerRequest(owners), &resp);
    if (s.ok()) return "OK";
    if (s.error_code() == grpc::StatusCode::PERMISSION_DENIED) return "PERMISSION_DENIED";
    return s.error_message();
  };
  // Employees see themselves (and the org and their own department's targets).
  EXPECT_EQ(ok(As(rep_, "employee"), {Person(rep_), OrgOwner(), Dept(sales_)}), "OK");
  EXPECT_TRUE(resp.progress(0).found());
  EXPECT_EQ(ok(As(rep_, "employee"), {Person(rep_), Person(other_)}), "PERMISSION_DENIED");
  EXPECT_EQ(ok(As(rep_, "employee"), {Dept(ops_)}), "PERMISSION_DENIED");
  // 公司 holds 销售部: its targets are visible to rep as one of its people.
  EXPECT_EQ(ok(As(rep_, "employee"), {Dept(root_)}), "OK");
  EXPECT_EQ(ok(As(manager_, "manager"), {Dept(ops_)}), "PERMISSION_DENIED");
  // A manager sees the people and departments they manage, not their peers'.
  EXPECT_EQ(ok(As(manager_, "manager"), {Person(rep_), Person(manager_), Dept(sales_)}), "OK");
  EXPECT_EQ(ok(As(other_, "manager"), {Person(rep_)}), "PERMISSION_DENIED");
  EXPECT_EQ(ok(As(other_, "manager"), {Dept(ops_)}), "OK");
  // 公司 has no manager in the seed: boss sees the direct reports only.
  EXPECT_EQ(ok(As(boss_, "manager"), {Person(manager_), Person(other_), Person(boss_)}), "OK");
  EXPECT_EQ(ok(As(boss_, "manager"), {Person(manager_), Person(rep_)}), "PERMISSION_DENIED");
  // Services and admins see the whole org.
  EXPECT_EQ(ok(As("scoring", "service"), {Person(rep_), Person(other_), Dept(ops_)}), "OK");
  EXPECT_EQ(ok(Admin(), {Person(boss_), Dept(root_)}), "OK");

  // The same as BatchGetReportCompliance for the same callers and people.
  auto compliance = [&](std::unique_ptr<grpc::ClientContext> ctx,
                        std::vector<std::string> ids) {
    pv1::BatchGetReportComplianceRequest req;
    for (const auto& id : ids) req.add_employee_ids(id);
    *req.mutable_period() = March();
    pv1::BatchGetReportComplianceResponse out;
    return reports_->BatchGetReportCompliance(ctx.get(), req, &out).error_code();
  };
  EXPECT_EQ(compliance(As(rep_, "employee"), {rep_, other_}), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(compliance(As(other_, "manager"), {rep_}), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(compliance(As(manager_, "manager"), {rep_}), grpc::StatusCode::OK);
  EXPECT_EQ(compliance(As(boss_, "manager"), {manager_, other_}), grpc::StatusCode::OK);
  EXPECT_EQ(compliance(As(boss_, "manager"), {manager_, rep_}),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(PlanningBatchIT, GoalCardScoresByState) {
  // rep: scored; manager: self-assessed; other: a draft; boss: only an April card.
  pv1::GoalCard rep_card = ApprovedCard(rep_, manager_);
  SelfAssess(rep_card, 90, 50);   // 90 × 90 / 100 + 10 × 50 / 100 = 86
  Score(rep_card, manager_, 80, 50);  // 90 × 80 / 100 + 10 × 50 / 100 = 77
  pv1::GoalCard manager_card = ApprovedCard(manager_, boss_);
  SelfAssess(manager_card, 100, 60);  // 96
  pv1::GoalCard other_card = DraftCard(other_);
  pv1::GoalCard boss_april = DraftCard(boss_, PeriodOf(common::v1::GRANULARITY_MONTH, "2026-04-01"));

  pv1::BatchGetGoalCardScoresResponse resp;
  auto req = ScoresRequest({rep_, boss_, other_, manager_, rep_});
  ASSERT_TRUE(Scores(As("scoring", "service"), req, &resp).ok());
  ASSERT_EQ(resp.scores_size(), 5);
  std::vector<std::string> ids;
  for (const auto& s : resp.scores()) ids.push_back(s.employee_id());
  EXPECT_THAT(ids, ElementsAre(rep_, boss_, other_, manager_, rep_));

  const auto& rep = resp.scores(0);
  EXPECT_TRUE(rep.found());
  EXPECT_EQ(rep.goal_card_id(), rep_card.id());
  EXPECT_EQ(rep.state(), pv1::GOAL_CARD_STATE_SCORED);
  ASSERT_TRUE(rep.has_score());
  EXPECT_DOUBLE_EQ(rep.score(), 77.0);
  ASSERT_TRUE(rep.has_self_score());
  EXPECT_DOUBLE_EQ(rep.self_score(), 86.0);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(resp.scores(4), rep));

  const auto& boss = resp.scores(1);  // no card for March
  EXPECT_FALSE(boss.found());
  EXPECT_TRUE(boss.goal_card_id().empty());
  EXPECT_EQ(boss.state(), pv1::GOAL_CARD_STATE_UNSPECIFIED);
  EXPECT_FALSE(boss.has_score());
  EXPECT_FALSE(boss.has_self_score());

  const auto& other = resp.scores(2);  // a draft: found, nothing scored
  EXPECT_TRUE(other.found());
  EXPECT_EQ(other.goal_card_id(), other_card.id());
  EXPECT_EQ(other.state(), pv1::GOAL_CARD_STATE_DRAFT);
  EXPECT_FALSE(other.has_score());
  EXPECT_FALSE(other.has_self_score());

  const auto& manager = resp.scores(3);  // self-assessed: the self-score only
  EXPECT_TRUE(manager.found());
  EXPECT_EQ(manager.state(), pv1::GOAL_CARD_STATE_SELF_ASSESSED);
  EXPECT_FALSE(manager.has_score());
  ASSERT_TRUE(manager.has_self_score());
  EXPECT_DOUBLE_EQ(manager.self_score(), 96.0);

  // April: boss's draft; a closed card keeps its scores.
  ASSERT_TRUE(Scores(Admin(), ScoresRequest({boss_, rep_},
                                            PeriodOf(common::v1::GRANULARITY_MONTH, "2026-04-01")),
                     &resp)
                  .ok());
  EXPECT_TRUE(resp.scores(0).found());
  EXPECT_EQ(resp.scores(0).goal_card_id(), boss_april.id());
  EXPECT_FALSE(resp.scores(1).found());
  pv1::CloseGoalCardRequest close;
  close.set_id(rep_card.id());
  ASSERT_TRUE(cards_->CloseGoalCard(As(manager_, "manager").get(), close, &rep_card).ok());
  ASSERT_TRUE(Scores(Admin(), ScoresRequest({rep_}), &resp).ok());
  EXPECT_EQ(resp.scores(0).state(), pv1::GOAL_CARD_STATE_CLOSED);
  EXPECT_DOUBLE_EQ(resp.scores(0).score(), 77.0);
  EXPECT_DOUBLE_EQ(resp.scores(0).self_score(), 86.0);
  // An approved card, not yet self-assessed: found, no scores. A quarter has no cards here.
  pv1::GoalCard other_q2 =
      ApprovedCard(other_, boss_, PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-04-01"));
  ASSERT_TRUE(Scores(Admin(),
                     ScoresRequest({other_, rep_},
                                   PeriodOf(common::v1::GRANULARITY_QUARTER, "2026-04-01")),
                     &resp)
                  .ok());
  EXPECT_EQ(resp.scores(0).goal_card_id(), other_q2.id());
  EXPECT_EQ(resp.scores(0).state(), pv1::GOAL_CARD_STATE_APPROVED);
  EXPECT_FALSE(resp.scores(0).has_score());
  EXPECT_FALSE(resp.scores(0).has_self_score());
  EXPECT_FALSE(resp.scores(1).found());
  // No employees: nothing to do.
  ASSERT_TRUE(Scores(Admin(), ScoresRequest({}), &resp).ok());
  EXPECT_EQ(resp.scores_size(), 0);
}

TEST_F(PlanningBatchIT, GoalCardScoresCheckInputAndAccess) {
  DraftCard(rep_);
  pv1::BatchGetGoalCardScoresResponse resp;
  grpc::Status s = Scores(Admin(), ScoresRequest({rep_, ""}), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), ElementsAre("employee_ids[1]"));
  EXPECT_THAT(Fields(Scores(Admin(),
                            ScoresRequest({rep_}, PeriodOf(common::v1::GRANULARITY_MONTH,
                                                           "2026-03-15")),
                            &resp)),
              ElementsAre("period.start_date"));
  EXPECT_THAT(Fields(Scores(Admin(), ScoresRequest({rep_}, common::v1::Period()), &resp)),
              ElementsAre("period.granularity", "period.start_date"));
  EXPECT_THAT(Fields(Scores(Admin(), ScoresRequest({"emp_nope", rep_, "emp_gone"}), &resp)),
              UnorderedElementsAre("employee_ids[0]", "employee_ids[2]"));
  std::vector<std::string> many(1001, rep_);
  EXPECT_THAT(Fields(Scores(Admin(), ScoresRequest(many), &resp)), ElementsAre("employee_ids"));
  many.pop_back();
  ASSERT_TRUE(Scores(As("scoring", "service"), ScoresRequest(many), &resp).ok());
  ASSERT_EQ(resp.scores_size(), 1000);
  EXPECT_TRUE(resp.scores(999).found());

  auto code = [&](std::unique_ptr<grpc::ClientContext> ctx, std::vector<std::string> ids) {
    return Scores(std::move(ctx), ScoresRequest(ids), &resp).error_code();
  };
  EXPECT_EQ(code(As(rep_, "employee"), {rep_}), grpc::StatusCode::OK);
  EXPECT_TRUE(resp.scores(0).found());
  EXPECT_EQ(code(As(rep_, "employee"), {rep_, manager_}), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(code(As(manager_, "manager"), {rep_, manager_}), grpc::StatusCode::OK);
  EXPECT_EQ(code(As(other_, "manager"), {rep_}), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(code(As(boss_, "manager"), {manager_, other_}), grpc::StatusCode::OK);  // reports
  EXPECT_EQ(code(As(boss_, "manager"), {rep_}), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(code(As("scoring", "service"), {rep_, manager_, other_, boss_}),
            grpc::StatusCode::OK);
  EXPECT_EQ(code(Admin(), {rep_, boss_}), grpc::StatusCode::OK);
}

}  // namespace
}  // namespace opsuite::testing
