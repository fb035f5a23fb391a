// ActivityService over real gRPC: logging (idempotent, effective calls move the idle clock),
// listing, due visits by tier, the overdue sweep (once per episode, escalation after 7 days)
// and activity statistics with quota attainment.
#include "absl/strings/str_cat.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class CrmActivityIT : public PlanningSuite {
 protected:
  cv1::Customer Create(const std::string& as, const std::string& name, cv1::Tier tier) {
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(name);
    req.mutable_customer()->set_tier(tier);
    req.mutable_customer()->mutable_region()->set_city("广州");
    cv1::Customer out;
    grpc::Status s = customers_->CreateCustomer(As(as, "employee").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Log(const std::string& as, const std::string& roles,
                   const cv1::LogActivityRequest& req, cv1::Activity* out,
                   const std::string& org = "acme") {
    return activities_->LogActivity(As(as, roles, org).get(), req, out);
  }
  cv1::Customer Get(const std::string& id) {
    cv1::GetCustomerRequest req;
    req.set_id(id);
    cv1::Customer c;
    EXPECT_TRUE(customers_->GetCustomer(Admin().get(), req, &c).ok());
    return c;
  }
  std::vector<std::string> Due(const std::string& as, const std::string& roles,
                               cv1::ListDueVisitsRequest req, grpc::Status* st = nullptr) {
    cv1::ListDueVisitsResponse resp;
    grpc::Status s = activities_->ListDueVisits(As(as, roles).get(), req, &resp);
    if (st) *st = s;
    else EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> out;
    for (const auto& d : resp.due_visits())
      out.push_back(absl::StrCat(d.customer_name(), "|", d.due_date(), "|", d.days_overdue(), "|",
                                 d.has_last_visit_time()));
    return out;
  }
};

TEST_F(CrmActivityIT, ActivitiesDueVisitsSweepsAndStats) {
  cv1::Customer key = Create(rep_, "钥匙客户", cv1::TIER_KEY);
  cv1::Customer t1 = Create(rep_, "一级客户", cv1::TIER_TIER1);
  cv1::Activity a;
  cv1::LogActivityRequest req;
  grpc::Status s = Log(rep_, "employee", req, &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s), UnorderedElementsAre("kind", "customer_id"));
  req.set_customer_id(key.id());
  req.set_kind(cv1::ACTIVITY_KIND_CALL);
  *req.mutable_occurred_at() = ToProto(clock_.Now() + absl::Minutes(10));
  s = Log(rep_, "employee", req, &a);
  EXPECT_THAT(Fields(s), ElementsAre("occurred_at"));
  req.clear_occurred_at();
  req.set_employee_id(manager_);
  EXPECT_EQ(Log(rep_, "employee", req, &a).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  req.set_employee_id("emp_nobody");
  s = Log("admin-1", "admin", req, &a);
  EXPECT_THAT(Fields(s), ElementsAre("employee_id")) << s.error_message();
  req.clear_employee_id();
  s = Log(other_, "employee", req, &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  s = Log(rep_, "employee", req, &a, "globex");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  s = Log(rep_, "service", req, &a);
  EXPECT_THAT(Fields(s), ElementsAre("employee_id")) << s.error_message();

  // Non-effective call: customer unchanged.
  ASSERT_TRUE(Log(rep_, "employee", req, &a).ok());
  EXPECT_EQ(a.employee_id(), rep_);
  EXPECT_EQ(Get(key.id()).etag(), key.etag());
  // Effective call (manager logs on the team's customer).
  req.set_effective(true);
  req.set_request_id("r1");
  cv1::Activity eff, again;
  s = Log(manager_, "manager", req, &eff);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(Log(manager_, "manager", req, &again).ok());
  EXPECT_EQ(eff.id(), again.id());
  cv1::Customer k2 = Get(key.id());
  EXPECT_NE(k2.etag(), key.etag());
  EXPECT_EQ(FromProto(k2.last_effective_activity_time()), FromProto(eff.occurred_at()));
  // An older effective call does not move it back.
  req.set_request_id("");
  *req.mutable_occurred_at() = ToProto(clock_.Now() - absl::Hours(5));
  ASSERT_TRUE(Log(rep_, "employee", req, &a).ok());
  EXPECT_EQ(Get(key.id()).etag(), k2.etag());

  // ListActivities.
  cv1::ListActivitiesRequest list;
  cv1::ListActivitiesResponse lr;
  s = activities_->ListActivities(As(rep_, "employee").get(), list, &lr);
  EXPECT_THAT(Fields(s), ElementsAre("customer_id"));
  list.set_customer_id(key.id());
  list.set_page_size(2);
  ASSERT_TRUE(activities_->ListActivities(As(rep_, "employee").get(), list, &lr).ok());
  EXPECT_EQ(lr.activities_size(), 2);
  EXPECT_FALSE(lr.next_page_token().empty());
  list.set_page_token(lr.next_page_token());
  cv1::ListActivitiesResponse lr2;
  ASSERT_TRUE(activities_->ListActivities(As(rep_, "employee").get(), list, &lr2).ok());
  EXPECT_EQ(lr2.activities_size(), 1);
  EXPECT_TRUE(lr2.next_page_token().empty());
  list.clear_page_token();
  EXPECT_EQ(activities_->ListActivities(As(other_, "employee").get(), list, &lr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  list.clear_customer_id();
  list.set_employee_id(rep_);
  list.set_page_size(0);
  cv1::ListActivitiesResponse lr3;
  ASSERT_TRUE(activities_->ListActivities(As(manager_, "manager").get(), list, &lr3).ok());
  EXPECT_EQ(lr3.activities_size(), 2);  // the manager's own effective call is not rep's
  EXPECT_EQ(activities_->ListActivities(As(other_, "employee").get(), list, &lr3).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  *list.mutable_from_time() = ToProto(clock_.Now() - absl::Hours(1));
  cv1::ListActivitiesResponse lr4;
  ASSERT_TRUE(activities_->ListActivities(As(rep_, "employee").get(), list, &lr4).ok());
  EXPECT_EQ(lr4.activities_size(), 1);

  // Due visits: created 2026-03-02; KEY due 04-01, TIER1 due 05-01.
  cv1::ListDueVisitsRequest due;
  EXPECT_TRUE(Due(rep_, "employee", due).empty());
  due.set_as_of("2026-04-01");
  EXPECT_THAT(Due(rep_, "employee", due), ElementsAre("钥匙客户|2026-04-01|0|0"));
  due.set_as_of("2026-05-03");
  EXPECT_THAT(Due(rep_, "employee", due),
              ElementsAre("钥匙客户|2026-04-01|32|0", "一级客户|2026-05-01|2|0"));
  due.set_page_size(1);
  cv1::ListDueVisitsResponse dr;
  ASSERT_TRUE(activities_->ListDueVisits(As(manager_, "manager").get(), [&] {
    auto r = due; r.set_owner_id(rep_); return r; }(), &dr).ok());
  EXPECT_EQ(dr.due_visits_size(), 1);
  EXPECT_FALSE(dr.next_page_token().empty());
  due.set_owner_id(rep_);
  grpc::Status ds;
  Due(other_, "employee", due, &ds);
  EXPECT_EQ(ds.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  due.clear_owner_id();
  due.set_page_size(0);
  due.set_as_of("2026-13-01");
  Due(rep_, "employee", due, &ds);
  EXPECT_THAT(Fields(ds), ElementsAre("as_of"));

  // Sweep: 2026-04-02 → key overdue 1 day.
  cv1::SweepOverdueVisitsRequest sweep;
  cv1::SweepOverdueVisitsResponse sr;
  sweep.set_as_of("2026-04-02");
  EXPECT_EQ(activities_->SweepOverdueVisits(As(rep_, "employee").get(), sweep, &sr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(activities_->SweepOverdueVisits(As("scheduler", "service").get(), sweep, &sr).ok());
  EXPECT_EQ(sr.newly_overdue(), 1);
  EXPECT_EQ(sr.escalated(), 0);
  ASSERT_TRUE(activities_->SweepOverdueVisits(As("scheduler", "service").get(), sweep, &sr).ok());
  EXPECT_EQ(sr.newly_overdue(), 0);
  sweep.set_as_of("2026-04-08");
  sweep.set_request_id("s1");
  ASSERT_TRUE(activities_->SweepOverdueVisits(As("scheduler", "service").get(), sweep, &sr).ok());
  EXPECT_EQ(sr.newly_overdue(), 0);
  EXPECT_EQ(sr.escalated(), 1);
  cv1::SweepOverdueVisitsResponse sr2;
  ASSERT_TRUE(activities_->SweepOverdueVisits(As("scheduler", "service").get(), sweep, &sr2).ok());
  EXPECT_EQ(sr2.escalated(), 1);  // remembered
  sweep.set_request_id("");
  ASSERT_TRUE(activities_->SweepOverdueVisits(As("scheduler", "service").get(), sweep, &sr2).ok());
  EXPECT_EQ(sr2.escalated(), 0);

  // A visit (not effective) moves the due date: new episode.
  clock_.Set(Shanghai(2026, 4, 9, 10, 0));
  cv1::LogActivityRequest visit;
  visit.set_customer_id(key.id());
  visit.set_kind(cv1::ACTIVITY_KIND_VISIT);
  ASSERT_TRUE(Log(rep_, "employee", visit, &a).ok());
  due.set_as_of("2026-05-09");
  EXPECT_THAT(Due(rep_, "employee", due),
              ElementsAre("一级客户|2026-05-01|8|0", "钥匙客户|2026-05-09|0|1"));
  sweep.set_as_of("2026-05-10");
  ASSERT_TRUE(activities_->SweepOverdueVisits(As("scheduler", "service").get(), sweep, &sr).ok());
  EXPECT_EQ(sr.newly_overdue(), 2);
  EXPECT_EQ(sr.escalated(), 1);  // tier1 9 days overdue
  int overdue_events = 0;
  ASSERT_TRUE(Eventually([&] {
    overdue_events = 0;
    for (auto& [type, id] : StreamEvents(redis_->url())) overdue_events += type == "crm.visit.overdue";
    return overdue_events >= 5;  // 1 + 1 escalation, then 2 + 1 escalation
  })) << overdue_events;
  EXPECT_EQ(overdue_events, 5);

  // Stats for March.
  cv1::GetActivityStatsRequest st;
  st.set_employee_id(rep_);
  st.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
  st.mutable_period()->set_start_date("2026-03-01");
  cv1::ActivityStats stats;
  s = activities_->GetActivityStats(As(manager_, "manager").get(), st, &stats);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stats.calls(), 2);
  EXPECT_EQ(stats.effective_calls(), 1);
  EXPECT_EQ(stats.new_customers(), 2);
  EXPECT_EQ(stats.working_days(), 22);
  EXPECT_DOUBLE_EQ(stats.effective_call_quota_ratio(), 1.0 / (22 * 40));
  EXPECT_EQ(activities_->GetActivityStats(As(other_, "employee").get(), st, &stats).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cv1::BatchGetActivityStatsRequest batch;
  batch.add_employee_ids(rep_);
  batch.add_employee_ids(manager_);
  *batch.mutable_period() = st.period();
  cv1::BatchGetActivityStatsResponse br;
  ASSERT_TRUE(activities_->BatchGetActivityStats(As("scoring", "service").get(), batch, &br).ok());
  ASSERT_EQ(br.stats_size(), 2);
  EXPECT_EQ(br.stats(1).employee_id(), manager_);
  EXPECT_EQ(br.stats(1).effective_calls(), 1);
  st.mutable_period()->set_start_date("2026-03-02");
  s = activities_->GetActivityStats(As(rep_, "employee").get(), st, &stats);
  EXPECT_THAT(Fields(s), ElementsAre("period.start_date"));
}

}  // namespace
}  // namespace opsuite::testing
